"""The explainer's words in English and Korean (the seed note's language).

Formulas are never translated: they come from ``convkit.shapes`` and read the same in both
languages. Messages are ``str.format`` templates; ``translator(lang)`` returns ``t(key, **values)``.
"""

from __future__ import annotations

from typing import Callable

LANGUAGES = ("en", "ko")

# Plural word for the cells of each spatial dimension.
DIM_WORDS = {
    "en": {"L": "positions", "D": "slices", "H": "rows", "W": "columns"},
    "ko": {"L": "위치", "D": "깊이 단면", "H": "행", "W": "열"},
}
_ONE = {"positions": "position", "slices": "slice", "rows": "row", "columns": "column"}

MESSAGES: dict[str, dict[str, str]] = {
    # labels
    "input": {"en": "input", "ko": "입력"},
    "output": {"en": "output", "ko": "출력"},
    "note": {"en": "note", "ko": "참고"},
    "error": {"en": "error", "ko": "오류"},
    "shapes": {"en": "shapes", "ko": "모양 변화"},
    "checked": {
        "en": "checked by running the layer on zeros",
        "ko": "0으로 채운 입력으로 층을 실제로 실행해 확인함",
    },
    # steps
    "channels_step": {
        "en": "C: {cin} -> {cout} (out_channels)",
        "ko": "C(채널): {cin} -> {cout} (out_channels)",
    },
    "unchanged": {
        "en": "shape unchanged (the layer works element by element)",
        "ko": "모양은 그대로입니다 (원소마다 따로 계산하는 층)",
    },
    "unchanged_norm": {
        "en": "shape unchanged ({num} channels normalised)",
        "ko": "모양은 그대로입니다 (채널 {num}개를 정규화)",
    },
    "flatten_step": {
        "en": "dims {start}..{end}: {parts} = {size}",
        "ko": "{start}~{end}번 차원을 펼침: {parts} = {size}",
    },
    "linear_step": {
        "en": "last dim: {cin} -> {cout} (in_features -> out_features)",
        "ko": "마지막 차원: {cin} -> {cout} (in_features -> out_features)",
    },
    "unfold_rows": {
        "en": "rows: C*kh*kw = {c}*{kh}*{kw} = {rows}",
        "ko": "행 수: C*kh*kw = {c}*{kh}*{kw} = {rows}",
    },
    "unfold_blocks": {"en": "blocks: {parts} = {blocks}", "ko": "블록(창) 수: {parts} = {blocks}"},
    "fold_channels": {
        "en": "C: {rows}/({kh}*{kw}) = {c}",
        "ko": "C(채널): {rows}/({kh}*{kw}) = {c}",
    },
    "ran_to_find": {
        "en": "shape found by running the layer on zeros (no formula known)",
        "ko": "공식을 모르는 층이라 0 입력으로 실행해 모양을 구함",
    },
    # notes
    "unreached_one": {
        "en": "{dim}: the last input {word_one} (index {first}) is never covered by a window: "
        "the floor in the formula drops it.",
        "ko": "{dim}: 입력의 마지막 {word} 1개(인덱스 {first})는 어떤 창(window)에도 닿지 "
        "않습니다. 공식의 floor(내림)가 이 부분을 버립니다.",
    },
    "unreached_many": {
        "en": "{dim}: the last {count} input {word} (indices {first}..{last}) are never covered "
        "by a window: the floor in the formula drops them.",
        "ko": "{dim}: 입력의 마지막 {word} {count}개(인덱스 {first}..{last})는 어떤 창(window)에도 "
        "닿지 않습니다. 공식의 floor(내림)가 이 부분을 버립니다.",
    },
    "same_split": {
        "en": "padding='same' pads {dim} by {formula} (before, after){extra}.",
        "ko": "padding='same'은 {dim}을(를) {formula} (앞, 뒤)만큼 채웁니다{extra}.",
    },
    "same_extra_after": {
        "en": ": the odd cell goes after (bottom/right), as in torch",
        "ko": ". 홀수라서 남는 한 칸은 torch처럼 뒤(아래/오른쪽)에 붙습니다",
    },
    "keep_size": {
        "en": "with stride 1 the size stays {size} when the total padding is d*(k-1): {parts}; "
        "so padding={padding} (or padding='same') would keep it.",
        "ko": "stride가 1이면 전체 padding이 d*(k-1)일 때 크기가 그대로({size}) 유지됩니다: "
        "{parts}. 따라서 padding={padding} (또는 padding='same')이면 크기가 그대로입니다.",
    },
    "keep_size_odd": {
        "en": "with stride 1 the size stays {size} when the total padding is d*(k-1): {parts}; "
        "an odd total cannot be split evenly, so only padding='same' (uneven) keeps it.",
        "ko": "stride가 1이면 전체 padding이 d*(k-1)일 때 크기가 그대로({size}) 유지됩니다: "
        "{parts}. 합이 홀수라 양쪽에 똑같이 나눌 수 없으므로 "
        "padding='same'(한쪽이 한 칸 더 많음)만 크기를 유지합니다.",
    },
    "pool_default_stride": {
        "en": "stride was not given, so it equals kernel_size ({kernel}): the windows do not "
        "overlap.",
        "ko": "stride를 주지 않았으므로 kernel_size({kernel})와 같습니다. 창(window)끼리 겹치지 "
        "않습니다.",
    },
    "ceil_extra": {
        "en": "{dim}: ceil_mode keeps a last window (starting at input index {start}) that runs "
        "past the end of the input; the floor rule would give {floor_out}.",
        "ko": "{dim}: ceil_mode라서 입력 끝을 넘어가는 마지막 창(입력 인덱스 {start}에서 시작)도 "
        "남깁니다. floor 규칙이었다면 {floor_out}입니다.",
    },
    "ceil_dropped": {
        "en": "{dim}: ceil_mode would add a window starting at input index {start}, but that is "
        "inside the right padding, so it is dropped (torch's rule).",
        "ko": "{dim}: ceil_mode가 입력 인덱스 {start}에서 시작하는 창을 하나 더 만들 뻔했지만, "
        "그 시작점이 오른쪽 padding 안이므로 버려집니다 (torch의 규칙).",
    },
    "adaptive_even": {
        "en": "{dim}: {size}/{out} = {k}: the same as a pool with kernel_size=stride={k}.",
        "ko": "{dim}: {size}/{out} = {k}: kernel_size=stride={k}인 pooling과 같습니다.",
    },
    "adaptive_uneven": {
        "en": "{dim}: {size} is not a multiple of {out}: the windows have sizes {smallest} to "
        "{largest}{overlap}.",
        "ko": "{dim}: {size}이(가) {out}의 배수가 아니므로 창의 크기가 {smallest}~{largest}로 "
        "다릅니다{overlap}.",
    },
    "adaptive_overlap": {"en": " and neighbours overlap", "ko": ". 이웃한 창끼리 겹칩니다"},
    "output_padding": {
        "en": "{dim}: output_padding adds {op} cell(s) at the end: a stride-{s} convolution maps "
        "several sizes to the same output, and output_padding picks one of them.",
        "ko": "{dim}: output_padding이 끝에 {op}칸을 더합니다. stride {s}인 합성곱은 여러 입력 "
        "크기를 같은 출력 크기로 보내므로, output_padding이 그중 하나를 고릅니다.",
    },
    "transpose_inverse": {
        "en": "a {conv} with the same kernel_size, stride, padding and dilation maps {out} back "
        "to {size}.",
        "ko": "같은 kernel_size, stride, padding, dilation의 {conv}은(는) {out}을(를) 다시 "
        "{size}(으)로 되돌립니다.",
    },
    "linear_last_dim": {
        "en": "Linear acts on the last dimension only; the other dimensions ({kept}) are kept. "
        "To feed a whole feature map, put Flatten() first.",
        "ko": "Linear는 마지막 차원에만 작용하고 나머지 차원({kept})은 그대로 둡니다. 특징 맵 "
        "전체를 넣으려면 먼저 Flatten()을 쓰세요.",
    },
    "flatten_unbatched": {
        "en": "Flatten() starts at dim 1: on this unbatched input it keeps dim 0 (the channels) "
        "apart; add a batch dimension (1 x ...) or use Flatten(0).",
        "ko": "Flatten()은 1번 차원부터 펼칩니다. 배치 차원이 없는 이 입력에서는 0번 차원(채널)이 "
        "따로 남습니다. 배치 차원(1 x ...)을 붙이거나 Flatten(0)을 쓰세요.",
    },
    # errors
    "bad_ndim": {
        "en": "{layer} expects a {want} input, but got a {got}-D input {shape}.",
        "ko": "{layer}은(는) {want} 입력을 받는데, {got}차원 입력 {shape}이(가) 들어왔습니다.",
    },
    "or": {"en": " or ", "ko": " 또는 "},
    "channel_mismatch": {
        "en": "{layer} has in_channels={want}, but {source} has {got} channels (dimension "
        "{axis} of {shape}): use in_channels={got}, or change {source} to give {want}.",
        "ko": "{layer}의 in_channels는 {want}인데 {source}의 채널은 {got}개입니다 "
        "({shape}의 {axis}번 차원). in_channels={got}(으)로 바꾸거나, {source}의 출력 "
        "채널을 {want}개로 맞추세요.",
    },
    "bn_mismatch": {
        "en": "{layer} normalises {want} channels, but {source} has {got} (dimension 1 of "
        "{shape}): use num_features={got}.",
        "ko": "{layer}은(는) 채널 {want}개를 정규화하지만 {source}의 채널은 {got}개입니다 "
        "({shape}의 1번 차원). num_features={got}로 바꾸세요.",
    },
    "the_input": {"en": "the input", "ko": "입력"},
    "the_previous": {"en": "the previous layer ({layer})", "ko": "앞 층({layer})"},
    "linear_mismatch": {
        "en": "{layer} expects in_features={want}, but the last dimension of {shape} is {got}. "
        "{fix}",
        "ko": "{layer}은(는) in_features={want}을(를) 기대하지만 {shape}의 마지막 차원은 "
        "{got}입니다. {fix}",
    },
    "linear_fix_flatten_first": {
        "en": "The flattened size is {flat}: put Flatten() before the Linear layer.",
        "ko": "펼친 크기는 {flat}입니다. Linear 앞에 Flatten()을 넣으세요.",
    },
    "linear_fix_flatten": {
        "en": "Flatten() would give {flat}: put Flatten() first and use Linear({flat}, {out}).",
        "ko": "Flatten()을 하면 {flat}이(가) 됩니다. 먼저 Flatten()을 넣고 "
        "Linear({flat}, {out})를 쓰세요.",
    },
    "linear_fix": {"en": "Use Linear({got}, {out}).", "ko": "Linear({got}, {out})를 쓰세요."},
    "conv_empty": {
        "en": "{dim}: the output size would be {out}: the kernel (dilation included) is larger "
        "than the padded input.",
        "ko": "{dim}: 출력 크기가 {out}이(가) 됩니다. 커널(dilation 포함)이 padding을 더한 "
        "입력보다 큽니다.",
    },
    "conv_empty_fix": {
        "en": "Use more padding, or a smaller kernel_size or dilation.",
        "ko": "padding을 늘리거나 kernel_size 또는 dilation을 줄이세요.",
    },
    "pool_pad": {
        "en": "padding must be at most kernel_size // 2 (kernel_size {kernel}, padding {padding}).",
        "ko": "padding은 kernel_size // 2 이하여야 합니다 (kernel_size {kernel}, padding "
        "{padding}).",
    },
    "too_small": {
        "en": "the output size would be {out}: the window does not fit.",
        "ko": "출력 크기가 {out}이(가) 되어 창(window)이 들어가지 않습니다.",
    },
    "flatten_dims": {
        "en": "Flatten(start_dim={start}, end_dim={end}) does not fit a {ndim}-D input {shape} "
        "(dims must be in [-{ndim}, {top}] and start_dim may not come after end_dim).",
        "ko": "Flatten(start_dim={start}, end_dim={end})은(는) {ndim}차원 입력 {shape}에 맞지 "
        "않습니다 (차원은 [-{ndim}, {top}] 범위여야 하고 start_dim이 end_dim보다 뒤일 수 "
        "없습니다).",
    },
    "fold_rows": {
        "en": "Fold: dimension -2 of the input ({rows}) must be divisible by kh*kw = {k}.",
        "ko": "Fold: 입력의 -2번 차원({rows})은 kh*kw = {k}로 나누어떨어져야 합니다.",
    },
    "fold_blocks": {
        "en": "Fold: output_size {size} holds {blocks} blocks, but the input has {length} "
        "(its last dimension).",
        "ko": "Fold: output_size {size}에는 블록이 {blocks}개 들어가는데, 입력의 마지막 차원은 "
        "{length}입니다.",
    },
    "run_failed": {
        "en": "running the layer failed: {message}",
        "ko": "층을 실행하다가 실패했습니다: {message}",
    },
}


def translator(lang: str = "en") -> Callable[..., str]:
    """``t(key, **values)``: the message in ``lang`` with the values filled in."""
    if lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {LANGUAGES}, got {lang!r}")

    def t(key: str, **values) -> str:
        return MESSAGES[key][lang].format(**values)

    return t


def dim_word(lang: str, dim: str, one: bool = False) -> str:
    """What the cells of a spatial dimension are called (rows for H, columns for W, ...)."""
    word = DIM_WORDS[lang].get(dim, "cells" if lang == "en" else "칸")
    return _ONE.get(word, "cell") if one and lang == "en" else word
