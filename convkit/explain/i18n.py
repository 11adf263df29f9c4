"""The explainer's words in English and Korean (the seed note's language).

Formulas are never translated: they come from ``convkit.shapes`` and read the same in both
languages. Messages are ``str.format`` templates; ``translator(lang)`` returns ``t(key, **values)``.
"""

from __future__ import annotations

import re
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
    "layer": {"en": "layer", "ko": "층"},
    "steps": {"en": "worked out", "ko": "계산"},
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
        "en": "padding='same' pads {dim} by d*(k-1) = {formula} (before, after), with "
        "d = dilation and k = kernel_size{extra}.",
        "ko": "padding='same'은 {dim}을(를) d*(k-1) = {formula} (앞, 뒤)만큼 채웁니다 "
        "(d는 dilation, k는 kernel_size){extra}.",
    },
    "formula_window": {
        "en": "{rounding}((N + 2P - d*(F-1) - 1)/S) + 1 with N the input size, F kernel_size, "
        "P padding, S stride, d dilation",
        "ko": "{rounding}((N + 2P - d*(F-1) - 1)/S) + 1 (N은 입력 크기, F는 kernel_size, "
        "P는 padding, S는 stride, d는 dilation)",
    },
    "formula_simple": {
        "en": "; with d = 1 it is the note's (N - F + 2P)/S + 1",
        "ko": ". d = 1이면 노트의 (N - F + 2P)/S + 1과 같습니다",
    },
    "formula_transposed": {
        "en": "(N - 1)*S - 2P + d*(F-1) + output_padding + 1 with N the input size, "
        "F kernel_size, P padding, S stride, d dilation",
        "ko": "(N - 1)*S - 2P + d*(F-1) + output_padding + 1 (N은 입력 크기, F는 kernel_size, "
        "P는 padding, S는 stride, d는 dilation)",
    },
    "formula_label": {"en": "formula", "ko": "공식"},
    "input_shape_bad": {
        "en": "input shape '{value}' should be sizes separated by 'x' or ',', such as "
        "1x1x28x28 or 1,1,28,28",
        "ko": "입력 모양 '{value}'은(는) 1x1x28x28이나 1,1,28,28처럼 'x'나 ','로 나눈 크기여야 "
        "합니다",
    },
    "input_shape_ints": {
        "en": "input shape {value} should hold ints",
        "ko": "입력 모양 {value}에는 정수만 있어야 합니다",
    },
    "input_shape_count": {
        "en": "input shape {value} should have 1 to 6 positive sizes",
        "ko": "입력 모양 {value}에는 양수 크기가 1~6개 있어야 합니다",
    },
    "same_extra_after": {
        "en": ": the odd cell goes after (bottom/right), as in torch",
        "ko": ". 홀수라서 남는 한 칸은 torch처럼 뒤(아래/오른쪽)에 붙습니다",
    },
    "keep_size": {
        "en": "with stride 1 the size stays {size} when the total padding is d*(k-1) "
        "(d = dilation, k = kernel_size): {parts}; so padding={padding} (or padding='same') "
        "would keep it.",
        "ko": "stride가 1이면 전체 padding이 d*(k-1)(d는 dilation, k는 kernel_size)일 때 크기가 "
        "그대로({size}) 유지됩니다: {parts}. 따라서 padding={padding} (또는 padding='same')이면 "
        "크기가 그대로입니다.",
    },
    "keep_size_odd": {
        "en": "with stride 1 the size stays {size} when the total padding is d*(k-1) "
        "(d = dilation, k = kernel_size): {parts}; an odd total cannot be split evenly, so only "
        "padding='same' (uneven) keeps it.",
        "ko": "stride가 1이면 전체 padding이 d*(k-1)(d는 dilation, k는 kernel_size)일 때 크기가 "
        "그대로({size}) 유지됩니다: {parts}. 합이 홀수라 양쪽에 똑같이 나눌 수 없으므로 "
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
        "To feed a whole feature map, put {flatten} first.",
        "ko": "Linear는 마지막 차원에만 작용하고 나머지 차원({kept})은 그대로 둡니다. 특징 맵 "
        "전체를 넣으려면 먼저 {flatten}을(를) 쓰세요.",
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
        "({shape}의 1번 차원). num_features={got}(으)로 바꾸세요.",
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
        "Linear({flat}, {out})을(를) 쓰세요.",
    },
    "linear_fix": {"en": "Use Linear({got}, {out}).", "ko": "Linear({got}, {out})을(를) 쓰세요."},
    "linear_fix_unbatched_flatten": {
        "en": "This input has no batch dimension, so the Flatten() before kept dim 0 apart (see "
        "its note): with Flatten(0), or with a batch dimension (1 x ...), the flattened size is "
        "{flat} and this Linear fits.",
        "ko": "이 입력에는 배치 차원이 없어서 앞의 Flatten()이 0번 차원을 따로 남겼습니다 (그 층의 "
        "참고를 보세요). Flatten(0)을 쓰거나 배치 차원(1 x ...)을 붙이면 펼친 크기가 {flat}이(가) "
        "되어 이 Linear에 맞습니다.",
    },
    "linear_fix_flatten0_first": {
        "en": "This input has no batch dimension; flattened whole it has {flat} values: put "
        "Flatten(0) (or add a batch dimension, 1 x ..., and use Flatten()) before the Linear "
        "layer.",
        "ko": "이 입력에는 배치 차원이 없고, 전부 펼치면 값이 {flat}개입니다. Linear 앞에 "
        "Flatten(0)을 넣으세요 (또는 배치 차원 1 x ...을 붙이고 Flatten()을 쓰세요).",
    },
    "linear_fix_flatten0": {
        "en": "This input has no batch dimension; flattened whole (Flatten(0), or a batch "
        "dimension and Flatten()) it has {flat} values: use Flatten(0) and Linear({flat}, {out}).",
        "ko": "이 입력에는 배치 차원이 없고, 전부 펼치면(Flatten(0), 또는 배치 차원을 붙이고 "
        "Flatten()) 값이 {flat}개입니다. Flatten(0)과 Linear({flat}, {out})을(를) 쓰세요.",
    },
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
    "torch_message": {
        "en": "{message}",
        "ko": "(영어 원문) {message}",
    },
    # ---- the layer parser --------------------------------------------------------------------
    "did_you_mean": {"en": " Did you mean {guess}?", "ko": " {guess}을(를) 쓰려던 것인가요?"},
    "layer_not_text": {
        "en": "a layer must be given as text, got {kind}",
        "ko": "층은 글(문자열)로 주어야 하는데 {kind}이(가) 왔습니다",
    },
    "layer_empty": {
        "en": "empty layer: write a layer call such as 'Conv2d(1, 5, 5)'",
        "ko": "빈 층입니다. 'Conv2d(1, 5, 5)'처럼 층을 호출하는 식을 쓰세요",
    },
    "layer_too_long": {
        "en": "layer text is {length} characters long; at most {limit} are accepted",
        "ko": "층 글이 {length}자입니다. 최대 {limit}자까지 받습니다",
    },
    "layer_syntax": {
        "en": "'{source}' is not a single layer call such as 'Conv2d(1, 5, 5)' "
        "(Python syntax error: {message})",
        "ko": "'{source}'은(는) 'Conv2d(1, 5, 5)' 같은 층 호출 하나가 아닙니다 "
        "(Python 문법 오류: {message})",
    },
    "layer_not_single": {
        "en": "'{source}' is not a single layer call",
        "ko": "'{source}'은(는) 층 호출 하나가 아닙니다",
    },
    "layer_not_call": {
        "en": "'{source}' is {what}, not a layer call: write one constructor call such as "
        "'Conv2d(1, 5, 5)' or 'nn.MaxPool2d(2)'",
        "ko": "'{source}'은(는) {what}이고 층 호출이 아닙니다. 'Conv2d(1, 5, 5)'나 "
        "'nn.MaxPool2d(2)'처럼 생성자 호출 하나를 쓰세요",
    },
    "layer_bad_callee": {
        "en": "'{source}': the called object must be a layer name such as Conv2d or nn.Conv2d, "
        "not {what} '{code}'",
        "ko": "'{source}': 호출하는 대상은 Conv2d나 nn.Conv2d 같은 층 이름이어야 합니다. "
        "{what} '{code}'은(는) 안 됩니다",
    },
    "layer_unknown": {
        "en": "'{code}' is not a layer the explainer knows. Known layers: {known} "
        "(each may be written nn.Name or torch.nn.Name).",
        "ko": "'{code}'은(는) 설명기가 아는 층이 아닙니다. 아는 층: {known} "
        "(nn.이름 또는 torch.nn.이름으로 써도 됩니다).",
    },
    "layer_unknown_guess": {
        "en": "'{code}' is not a layer the explainer knows.{hint}",
        "ko": "'{code}'은(는) 설명기가 아는 층이 아닙니다.{hint}",
    },
    "sequential_keywords": {
        "en": "'{source}': write the layers of nn.Sequential as positional arguments",
        "ko": "'{source}': nn.Sequential의 층은 위치 인자로 차례대로 쓰세요",
    },
    "layer_star": {
        "en": "'{source}': *-unpacking is not accepted; write the arguments out",
        "ko": "'{source}': *-풀어쓰기는 받지 않습니다. 인자를 하나씩 쓰세요",
    },
    "layer_starstar": {
        "en": "'{source}': **-unpacking is not accepted; write the keyword arguments out",
        "ko": "'{source}': **-풀어쓰기는 받지 않습니다. 키워드 인자를 하나씩 쓰세요",
    },
    "literal_type": {
        "en": "{name} argument {arg}: {kind} literals are not accepted (use ints, floats, "
        "strings, True/False/None)",
        "ko": "{name}의 인자 {arg}: {kind} 값은 받지 않습니다 (정수, 실수, 문자열, "
        "True/False/None을 쓰세요)",
    },
    "literal_only": {
        "en": "{name} argument {arg}: only literal values are accepted (numbers, strings, "
        "tuples, lists, True/False/None), not {what} '{code}'",
        "ko": "{name}의 인자 {arg}: 값을 그대로 쓴 것(숫자, 문자열, 튜플, 리스트, "
        "True/False/None)만 받습니다. {what} '{code}'은(는) 안 됩니다",
    },
    "layer_bad_keyword": {
        "en": "{source}: {name} has no argument '{key}'.{hint} Its arguments: {accepted}.",
        "ko": "{source}: {name}에는 '{key}' 인자가 없습니다.{hint} 받는 인자: {accepted}.",
    },
    "layer_too_big": {
        "en": "{source}: this layer would hold {count} weights; the explainer builds at "
        "most {limit}",
        "ko": "{source}: 이 층은 가중치가 {count}개나 됩니다. 설명기는 {limit}개까지만 만듭니다",
    },
    "layer_refused": {
        "en": "{source}: {message}",
        "ko": "{source}: 층의 생성자가 인자를 거부했습니다 (torch와 같은 영어 메시지): {message}",
    },
    "layer_no_memory": {
        "en": "{source}: not enough memory to build this layer",
        "ko": "{source}: 이 층을 만들 메모리가 부족합니다",
    },
    # ---- convkit animate: words around the numbers ------------------------------------------
    "anim_title_head": {
        "en": "{name}: input {size}, kernel {kernel}",
        "ko": "{name}: 입력 {size}, 커널 {kernel}",
    },
    "anim_title_pairs": {"en": "padding {pads} (before, after)", "ko": "padding {pads} (앞, 뒤)"},
    "anim_title_out": {"en": "output {out}", "ko": "출력 {out}"},
    "anim_dropped_window": {
        "en": "(the last window would start in the padding)",
        "ko": "(마지막 창은 padding에서 시작하므로 버림)",
    },
    "anim_step": {"en": "step {i}/{n}: {text}", "ko": "단계 {i}/{n}: {text}"},
    "anim_sum": {
        "en": "{label} = the sum of kernel × input over the {count} cells of the window",
        "ko": "{label} = 창 안 {count}칸에서 커널 × 입력을 모두 더한 값",
    },
    "anim_max": {
        "en": "{label} = the largest of the {count} cells in the window",
        "ko": "{label} = 창 안 {count}칸 중 가장 큰 값",
    },
    "anim_mean": {
        "en": "{label} = the mean of the {count} cells in the window (their sum / {count})",
        "ko": "{label} = 창 안 {count}칸의 평균 (합 / {count})",
    },
    "anim_rows_cols": {
        "en": "rows {r0}..{r1}, cols {c0}..{c1}",
        "ko": "{r0}..{r1}행, {c0}..{c1}열",
    },
    "anim_cols": {"en": "cols {a}..{b}", "ko": "{a}..{b}열"},
    "anim_scatter": {
        "en": "{label} × kernel is added to the uncropped output at {where}",
        "ko": "{label} × 커널을 자르기 전 출력의 {where}에 더합니다",
    },
    "anim_scatter_value": {
        "en": "{label} = {value}: add {value} × kernel at {where} of the uncropped output",
        "ko": "{label} = {value}: {value} × 커널을 자르기 전 출력의 {where}에 더합니다",
    },
    "anim_input": {"en": "input", "ko": "입력"},
    "anim_input_padding": {"en": "input + padding", "ko": "입력 + padding"},
    "anim_kernel": {"en": "kernel", "ko": "커널"},
    "anim_output": {"en": "output", "ko": "출력"},
    "anim_output_uncropped": {"en": "output (before cropping)", "ko": "출력 (자르기 전)"},
    "anim_legend_this_input": {"en": "this input cell", "ko": "지금 입력 칸"},
    "anim_legend_contributions": {"en": "its contributions", "ko": "그 칸이 더하는 값"},
    "anim_legend_summed": {"en": "summed so far", "ko": "지금까지의 합"},
    "anim_legend_cropped": {"en": "cropped by padding", "ko": "padding으로 잘림"},
    "anim_legend_pad": {"en": "padding ({fill})", "ko": "padding ({fill})"},
    "anim_legend_window": {"en": "window", "ko": "창"},
    "anim_legend_taps": {"en": "kernel taps", "ko": "커널이 닿는 칸"},
    "anim_legend_max": {"en": "max", "ko": "최댓값"},
    "anim_legend_overhang": {"en": "overhang (ceil)", "ko": "넘친 칸 (ceil)"},
    "anim_legend_unread": {"en": "never read", "ko": "읽히지 않음"},
    "anim_legend_now": {"en": "output now", "ko": "지금 출력"},
    "anim_legend_done": {"en": "output done", "ko": "끝난 출력"},
    "anim_note_max_pad": {
        "en": "max pooling pads with -inf, so padding never wins",
        "ko": "max pooling은 -inf로 채우므로 padding 칸이 최댓값이 되는 일은 없습니다",
    },
    "anim_note_avg_divisor": {
        "en": "avg pooling divides by the cells inside the padded input (count_include_pad=True: "
        "padding zeros count)",
        "ko": "avg pooling은 padding을 더한 입력 안의 칸 수로 나눕니다 (count_include_pad=True: "
        "padding의 0도 셉니다)",
    },
    "anim_note_ceil": {
        "en": "ceil mode: the last window hangs over the edge; dotted cells are not read",
        "ko": "ceil 모드: 마지막 창이 가장자리를 넘어갑니다. 점선 칸은 읽지 않습니다",
    },
    "anim_note_padding_mode": {
        "en": "padding cells copy input cells ({mode})",
        "ko": "padding 칸은 입력 칸을 복사합니다 ({mode})",
    },
    "anim_note_unread": {
        "en": "pink input cells are never read: no window reaches them",
        "ko": "분홍색 입력 칸은 어떤 창도 닿지 않아 한 번도 읽히지 않습니다",
    },
    "anim_note_scatter": {
        "en": "each input cell adds (its value × the kernel) to the output; the sums are the "
        "output",
        "ko": "입력 칸마다 (그 값 × 커널)을 출력에 더합니다. 그 합이 출력입니다",
    },
    "anim_note_cropped": {
        "en": "hatched cells are cut off by padding (the output is cropped)",
        "ko": "빗금 친 칸은 padding 때문에 잘려 나갑니다 (출력을 자름)",
    },
    "anim_note_output_padding": {
        "en": "output_padding adds cells at the end that no input reaches",
        "ko": "output_padding은 어떤 입력도 닿지 않는 칸을 끝에 더합니다",
    },
    "anim_wrote": {
        "en": "wrote {path} ({count} {what})",
        "ko": "{path}에 저장했습니다 ({what} {count}개)",
    },
    "anim_frames": {"en": "frames", "ko": "프레임"},
    "anim_sheet_steps": {"en": "steps on one sheet", "ko": "한 장에 담은 단계"},
    "anim_player_steps": {"en": "steps in an HTML player", "ko": "HTML 플레이어의 단계"},
    "anim_play": {"en": "play", "ko": "재생"},
    "anim_pause": {"en": "pause", "ko": "멈춤"},
    "anim_input_values": {"en": "input values", "ko": "입력 값"},
    "anim_kernel_values": {"en": "kernel values", "ko": "커널 값"},
    # ---- convkit animate: errors -------------------------------------------------------------
    "anim_bad_size": {
        "en": "input size must be 1 or 2 ints (L or H x W), got {value}",
        "ko": "입력 크기는 정수 1개나 2개(L 또는 H x W)여야 하는데 {value}이(가) 왔습니다",
    },
    "anim_size_positive": {
        "en": "input size must be positive, got {value}",
        "ko": "입력 크기는 양수여야 하는데 {value}이(가) 왔습니다",
    },
    "anim_bad_pool": {
        "en": "pool must be 'max' or 'avg', got {value}",
        "ko": "pool은 'max'나 'avg'여야 하는데 {value}이(가) 왔습니다",
    },
    "anim_pool_and_transposed": {
        "en": "choose pooling or a transposed convolution, not both",
        "ko": "pooling과 전치 합성곱 중 하나만 고르세요",
    },
    "anim_ceil_without_pool": {
        "en": "ceil_mode applies to pooling only (add --pool max or --pool avg)",
        "ko": "ceil_mode는 pooling에만 씁니다 (--pool max나 --pool avg를 더하세요)",
    },
    "anim_bad_padding_mode": {
        "en": "padding_mode must be one of {modes}, got '{value}'",
        "ko": "padding_mode는 {modes} 중 하나여야 하는데 '{value}'이(가) 왔습니다",
    },
    "anim_padding_mode_conv_only": {
        "en": "padding_mode '{mode}' applies to convolution only: pooling pads with {fill} and a "
        "transposed convolution supports only 'zeros'",
        "ko": "padding_mode '{mode}'은(는) 합성곱에만 씁니다. pooling은 {fill}(으)로 채우고 "
        "전치 합성곱은 'zeros'만 지원합니다",
    },
    "anim_avg_dilation": {
        "en": "average pooling has no dilation, got dilation={value}",
        "ko": "average pooling에는 dilation이 없는데 dilation={value}이(가) 왔습니다",
    },
    "anim_output_padding_transposed_only": {
        "en": "output_padding applies to a transposed convolution only (add --transposed)",
        "ko": "output_padding은 전치 합성곱에만 씁니다 (--transposed를 더하세요)",
    },
    "anim_padding_string": {
        "en": "padding='{value}' applies to convolution only; give an int",
        "ko": "padding='{value}'은(는) 합성곱에만 씁니다. 정수를 주세요",
    },
    "anim_too_big": {
        "en": "{steps} steps on a grid of up to {side} cells a side are too many to draw one by "
        "one (at most {max_steps} steps and {max_grid} cells a side): try a smaller input; "
        "'convkit shape' explains large sizes without drawing",
        "ko": "한 변이 최대 {side}칸인 격자에서 {steps}단계는 하나씩 그리기에 너무 많습니다 "
        "(최대 {max_steps}단계, 한 변 {max_grid}칸). 더 작은 입력을 쓰세요. 큰 크기는 "
        "'convkit shape'이 그림 없이 설명합니다",
    },
    "anim_values_shape": {
        "en": "{name} must have shape {want}, got {got}",
        "ko": "{name}의 모양은 {want}이어야 하는데 {got}이(가) 왔습니다",
    },
    "anim_bad_sizes": {
        "en": "{name} must be an int or INTxINT like 3 or 3x2, got '{value}'",
        "ko": "{name}은(는) 3이나 3x2처럼 정수 또는 정수x정수여야 하는데 '{value}'이(가) 왔습니다",
    },
    "anim_bad_output": {
        "en": "-o must end in .gif (an animation), .png (all steps on one sheet) or .html (a "
        "player), got '{value}'",
        "ko": "-o는 .gif(애니메이션), .png(모든 단계를 한 장에), .html(플레이어) 중 하나로 "
        "끝나야 하는데 '{value}'이(가) 왔습니다",
    },
    "anim_bad_ms": {
        "en": "--ms must be a positive number of milliseconds, got {value}",
        "ko": "--ms는 양수(밀리초)여야 하는데 {value}이(가) 왔습니다",
    },
    "anim_bad_cell": {
        "en": "--cell must be between {low} and {high} pixels, got {value}",
        "ko": "--cell은 {low}~{high}픽셀이어야 하는데 {value}이(가) 왔습니다",
    },
    "anim_no_frames": {"en": "no frames to save", "ko": "저장할 프레임이 없습니다"},
    # ---- the interactive page (convkit animate --interactive; page.py, web/page.js) ---------
    "page_title": {"en": "Convolution, step by step", "ko": "합성곱, 한 단계씩"},
    "page_intro": {
        "en": "Change the numbers on the left: the output size, its formula and the path of the "
        "kernel are worked out again at once. Everything runs inside this file, offline.",
        "ko": "왼쪽의 숫자를 바꾸면 출력 크기와 공식, 커널이 지나가는 길이 바로 다시 계산됩니다. "
        "모든 계산은 이 파일 안에서 이루어지므로 인터넷 연결이 필요 없습니다.",
    },
    "page_language": {"en": "language", "ko": "언어"},
    "page_operation": {"en": "layer", "ko": "층"},
    "page_conv": {"en": "convolution (Conv)", "ko": "합성곱 (Conv)"},
    "page_max": {"en": "max pooling (MaxPool)", "ko": "최대 풀링 (MaxPool)"},
    "page_avg": {"en": "average pooling (AvgPool)", "ko": "평균 풀링 (AvgPool)"},
    "page_input": {"en": "input size (N)", "ko": "입력 크기 (N)"},
    "page_input_hint": {
        "en": "N for 1-D, H x W for 2-D, e.g. 5x7",
        "ko": "1차원은 N, 2차원은 HxW (예: 5x7)",
    },
    "page_kernel": {"en": "kernel_size (F)", "ko": "kernel_size (F, 필터 크기)"},
    "page_stride": {"en": "stride (S)", "ko": "stride (S, 한 번에 움직이는 칸 수)"},
    "page_stride_hint": {
        "en": "empty: torch's default (1; for pooling the kernel size)",
        "ko": "비워 두면 torch 기본값 (1, 풀링은 커널 크기)",
    },
    "page_stride_default_pool": {"en": "= kernel_size", "ko": "= kernel_size (커널 크기)"},
    "page_padding": {"en": "padding (P)", "ko": "padding (P, 가장자리에 덧대는 칸 수)"},
    "page_padding_hint": {
        "en": "a number or HxW; for convolution also same or valid",
        "ko": "숫자나 HxW. 합성곱에서는 same, valid도 됩니다",
    },
    "page_dilation": {"en": "dilation (d)", "ko": "dilation (d, 커널 칸 사이 간격)"},
    "page_show_values": {"en": "show the numbers", "ko": "숫자 보이기"},
    "page_keys_hint": {
        "en": "Tip: the arrow keys \u2191 and \u2193 in a field add or take away 1.",
        "ko": "팁: 입력 칸에서 \u2191, \u2193 키를 누르면 1씩 늘거나 줄어듭니다.",
    },
    "page_output_size": {"en": "output size", "ko": "출력 크기"},
    "page_code": {"en": "the same layer in torch:", "ko": "torch 코드로 쓰면:"},
    "page_first": {"en": "first step", "ko": "첫 단계"},
    "page_prev": {"en": "previous step", "ko": "이전 단계"},
    "page_next": {"en": "next step", "ko": "다음 단계"},
    "page_speed": {"en": "speed", "ko": "속도"},
    "page_key_padding": {"en": "padding", "ko": "padding (덧댄 칸)"},
    "page_footer": {
        "en": "Written by convkit animate --interactive. The arithmetic on this page is a copy of "
        "convkit's Python (shapes.py, steps.py), and convkit's tests hold the two together.",
        "ko": "convkit animate --interactive로 만든 페이지입니다. 이 페이지의 계산은 convkit의 "
        "파이썬 코드(shapes.py, steps.py)를 옮긴 것이고, convkit의 테스트가 둘이 같은지 "
        "확인합니다.",
    },
    "page_steps": {"en": "steps in an interactive page", "ko": "인터랙티브 페이지의 단계"},
    "page_needs_html": {
        "en": "--interactive writes an HTML page: -o must end in .html, got '{value}'",
        "ko": "--interactive는 HTML 페이지를 만듭니다. -o는 .html로 끝나야 하는데 "
        "'{value}'이(가) 왔습니다",
    },
    "page_no_transposed": {
        "en": "the interactive page covers convolution and pooling; for a transposed convolution "
        "leave out --interactive (-o x.html writes the player)",
        "ko": "인터랙티브 페이지는 합성곱과 풀링만 다룹니다. 전치 합성곱은 --interactive 없이 "
        "만드세요 (-o x.html은 플레이어를 만듭니다)",
    },
    "page_no_seed": {
        "en": "the interactive page draws the 1..9 input and the -1/0/1 kernel, so it takes no "
        "--seed (the GIF, the PNG sheet and the player do)",
        "ko": "인터랙티브 페이지는 1..9 입력과 -1/0/1 커널로 그리므로 --seed를 받지 않습니다 "
        "(GIF, PNG, 플레이어는 받습니다)",
    },
    # ---- convkit demo ------------------------------------------------------------------------
    "demo_example": {
        "en": "# Example {i}) input {h} x {w}, filter {k}x{k}, stride {s}, padding {p}",
        "ko": "# 예제 {i}) 입력 {h} x {w}, 필터 {k}x{k}, stride {s}, padding {p}",
    },
    "demo_cnn": {
        "en": "# CNN implementation: Conv2d(1, 5, 5) then MaxPool2d(2) on 1 x 1 x 28 x 28",
        "ko": "# CNN 구현: 1 x 1 x 28 x 28 입력에 Conv2d(1, 5, 5), 그다음 MaxPool2d(2)",
    },
    # ---- convkit summary ---------------------------------------------------------------------
    "summary_title": {"en": "{model} on input {shape}", "ko": "{model}, 입력 {shape}"},
    "summary_layer": {"en": "Layer", "ko": "층"},
    "summary_type": {"en": "Type", "ko": "종류"},
    "summary_output_shape": {"en": "Output shape", "ko": "출력 모양"},
    "summary_params": {"en": "Params", "ko": "파라미터"},
    "summary_macs": {"en": "MACs", "ko": "MACs"},
    "summary_receptive_field": {"en": "Receptive field", "ko": "수용 영역"},
    "summary_jump": {"en": "Jump", "ko": "점프"},
    "summary_total_params": {"en": "Total params: {n}", "ko": "전체 파라미터: {n}"},
    "summary_trainable_params": {"en": "Trainable params: {n}", "ko": "학습되는 파라미터: {n}"},
    "summary_frozen_params": {
        "en": "Non-trainable params: {n}",
        "ko": "학습되지 않는 파라미터: {n}",
    },
    "summary_total_macs": {"en": "Total MACs: {n}", "ko": "전체 MACs: {n}"},
    "summary_input_bytes": {"en": "Input: {size}", "ko": "입력: {size}"},
    "summary_param_bytes": {"en": "Parameters: {size}", "ko": "파라미터: {size}"},
    "summary_activation_bytes": {
        "en": "Forward activations: {size}",
        "ko": "순전파 활성값: {size}",
    },
    "bytes": {"en": "{n} bytes", "ko": "{n}바이트"},
    "bytes_scaled": {"en": "{value} ({n} bytes)", "ko": "{value} ({n}바이트)"},
    "summary_rf_note": {
        "en": "Receptive field and jump (per spatial dimension, in input cells): "
        "r_out = r_in + (k-1)*d*j_in, j_out = j_in*s (k kernel_size, d dilation, s stride); "
        "'-' once a layer is not one window.",
        "ko": "수용 영역과 점프(공간 차원마다, 입력 칸 단위): r_out = r_in + (k-1)*d*j_in, "
        "j_out = j_in*s (k는 kernel_size, d는 dilation, s는 stride). 창 하나로 설명되지 않는 "
        "층부터는 '-'입니다.",
    },
    "summary_macs_note": {
        "en": "MACs: multiply-adds of Conv, ConvTranspose and Linear weights (bias adds, "
        "pooling, activations and normalisation not counted), for the whole batch",
        "ko": "MACs: Conv, ConvTranspose, Linear 가중치의 곱셈-덧셈 수 (bias 덧셈, pooling, "
        "활성화 함수, 정규화는 세지 않음), 배치 전체 기준",
    },
    "summary_activation_note": {
        "en": "forward activations: the output of every layer in the table, batch included, "
        "at its dtype's size (float32: 4 bytes); the input, the parameters, gradients and "
        "what backward keeps are not counted",
        "ko": "순전파 활성값: 표에 있는 모든 층의 출력(배치 포함)을 dtype 크기(float32는 "
        "4바이트)로 센 값. 입력, 파라미터, 기울기, 역전파가 보관하는 값은 세지 않음",
    },
    "summary_after": {
        "en": " after {name} ({type}, output {shape})",
        "ko": " {name}({type}, 출력 {shape}) 다음에서",
    },
    "summary_first_layer": {"en": " in its first layer", "ko": " 첫 층에서"},
    "summary_failed": {
        "en": "the model failed on an input of {shape}{where}: {error}",
        "ko": "모델이 {shape} 입력을{where} 실패했습니다: {error}",
    },
    "summary_weights_only": {
        "en": "'{path}' holds weights only: give --input N x C x H x W (and --arch, the "
        "architecture they belong to)",
        "ko": "'{path}'에는 가중치만 있습니다. --input N x C x H x W와 (가중치가 속한 구조를 "
        "뜻하는) --arch를 주세요",
    },
    "summary_bad_suffix": {
        "en": "'{spec}': cannot read {suffix} files; supported: {supported}",
        "ko": "'{spec}': {suffix} 파일은 읽을 수 없습니다. 읽을 수 있는 것: {supported}",
    },
    "summary_no_file": {"en": "no such file: '{spec}'", "ko": "파일이 없습니다: '{spec}'"},
    "summary_is_dir": {
        "en": "'{spec}' is a directory, not a weights file",
        "ko": "'{spec}'은(는) 폴더입니다. 가중치 파일이 아닙니다",
    },
    "summary_load_failed": {
        "en": "cannot load '{spec}': {error}",
        "ko": "'{spec}'을(를) 불러올 수 없습니다: {error}",
    },
    "summary_no_default_input": {
        "en": "model '{spec}' has no default input_shape: give --input",
        "ko": "모델 '{spec}'에는 기본 input_shape이 없습니다. --input을 주세요",
    },
    "summary_input_ndim": {
        "en": "--input for a model factory should be N x C x H x W, got {shape}",
        "ko": "모델 팩토리의 --input은 N x C x H x W여야 하는데 {shape}이(가) 왔습니다",
    },
    "summary_build_failed": {
        "en": "cannot build model '{spec}' for input {shape}: {error}",
        "ko": "입력 {shape}에 맞는 모델 '{spec}'을(를) 만들 수 없습니다: {error}",
    },
    "kind_name": {"en": "a name", "ko": "이름"},
    "kind_attribute": {"en": "an attribute access", "ko": "속성 접근"},
    "kind_call": {"en": "a call", "ko": "함수 호출"},
    "kind_subscript": {"en": "a subscript", "ko": "인덱싱"},
    "kind_lambda": {"en": "a lambda", "ko": "람다"},
    "kind_operator": {"en": "an operator", "ko": "연산자 식"},
    "kind_comparison": {"en": "a comparison", "ko": "비교식"},
    "kind_fstring": {"en": "an f-string", "ko": "f-문자열"},
    "kind_dict": {"en": "a dict", "ko": "딕셔너리"},
    "kind_set": {"en": "a set", "ko": "집합"},
    "kind_conditional": {"en": "a conditional expression", "ko": "조건식"},
    "kind_unpacking": {"en": "an unpacking", "ko": "풀어쓰기"},
    "kind_walrus": {"en": "an assignment expression", "ko": "대입식"},
    "kind_comprehension": {"en": "a comprehension", "ko": "컴프리헨션"},
    "kind_await": {"en": "an await", "ko": "await 식"},
    "kind_yield": {"en": "a yield", "ko": "yield 식"},
    "kind_constant": {"en": "a constant", "ko": "상수"},
    "kind_tuple": {"en": "a tuple", "ko": "튜플"},
    "kind_list": {"en": "a list", "ko": "리스트"},
    "kind_other": {"en": "a {kind} expression", "ko": "{kind} 식"},
}


def translator(lang: str = "en") -> Callable[..., str]:
    """``t(key, **values)``: the message in ``lang`` with the values filled in (values that are
    ``Text`` are translated too); in Korean the particles are then fitted to the words before
    them (``attach_particles``)."""
    if lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {LANGUAGES}, got {lang!r}")

    def t(key: str, /, **values) -> str:
        filled = {k: v.render(lang) if isinstance(v, Text) else v for k, v in values.items()}
        text = MESSAGES[key][lang].format(**filled)
        return attach_particles(text) if lang == "ko" else text

    return t


class Text:
    """A message not yet put into words: ``Text(key, **values).render(lang)``."""

    def __init__(self, key: str, /, **values) -> None:
        if key not in MESSAGES:
            raise KeyError(f"no message {key!r}")
        self.key = key
        self.values = values

    def render(self, lang: str = "en") -> str:
        return translator(lang)(self.key, **self.values)

    def __str__(self) -> str:
        return self.render("en")

    def __repr__(self) -> str:
        return f"Text({self.key!r}, {self.values!r})"


class ExplainError(ValueError):
    """An explainer error whose message exists in every language: ``str(e)`` is English,
    ``e.render(lang)`` any other."""

    def __init__(self, key: str, /, **values) -> None:
        self.text = Text(key, **values)
        super().__init__(self.text.render("en"))

    def render(self, lang: str = "en") -> str:
        return self.text.render(lang)


def error_text(error: BaseException, lang: str = "en") -> str:
    """An exception's message in ``lang``. convkit's own explainer errors are translated; a
    message that is torch's own text (a constructor's or a size check's) is kept as it is, after
    a translated lead-in, so it can still be searched for."""
    if isinstance(error, ExplainError):
        return error.render(lang)
    if lang == "en":
        return str(error)
    return translator(lang)("torch_message", message=str(error))


def dim_word(lang: str, dim: str, one: bool = False) -> str:
    """What the cells of a spatial dimension are called (rows for H, columns for W, ...)."""
    word = DIM_WORDS[lang].get(dim, "cells" if lang == "en" else "칸")
    return _ONE.get(word, "cell") if one and lang == "en" else word


# ----------------------------------------------------------------------------------------------
# Korean particles
# ----------------------------------------------------------------------------------------------
# A Korean particle has two forms, chosen by whether the syllable before it ends in a consonant
# (batchim): 책이 / 의자가. Templates write both, "이(가)", and ``attach_particles`` keeps the one
# that fits what was filled in before it, reading digits and Latin letters as a Korean speaker
# says them (28 -> 이십팔, ends in ㄹ; Conv2d -> ...디, no batchim; Flatten -> ...튼, ㄴ).

_PAIRS = {
    "은(는)": ("은", "는"),
    "이(가)": ("이", "가"),
    "을(를)": ("을", "를"),
    "과(와)": ("과", "와"),
    "이다(다)": ("이다", "다"),
    "(으)로": ("으로", "로"),
}
_PARTICLE = re.compile("|".join(re.escape(k) for k in _PAIRS))

# Final sound of a number's Korean reading by its last non-zero place value (0 is 영).
_DIGIT_END = {
    "0": "other",  # 영
    "1": "rieul",  # 일
    "2": None,  # 이
    "3": "other",  # 삼
    "4": None,  # 사
    "5": None,  # 오
    "6": "other",  # 육
    "7": "rieul",  # 칠
    "8": "rieul",  # 팔
    "9": None,  # 구
}
# 십 (10), 백 (100), 천 (1,000), 만 (10^4), 억 (10^8), 조 (10^12): all but 조 end in a consonant.
_PLACE_END = [(10**12, None), (10**8, "other"), (10**4, "other"), (1000, "other"), (100, "other")]
# Letters spelled out: 엘, 알 end in ㄹ; 엠, 엔 in a consonant; the rest (에이, 비, ...) in a vowel.
_LETTER_END = {"l": "rieul", "r": "rieul", "m": "other", "n": "other"}


def _number_end(digits: str) -> str | None:
    if "." in digits:
        return _DIGIT_END[digits.rstrip("0")[-1]] if digits.rstrip("0")[-1] != "." else None
    n = int(digits)
    if n == 0 or n % 10:
        return _DIGIT_END[str(n % 10)]
    for place, end in _PLACE_END:
        if n % place == 0:
            return end
    return "other"  # 십


def _word_end(word: str, spelled: bool) -> str | None:
    """An English word (or a spelled-out acronym) as Korean speakers read it."""
    if spelled:
        return _LETTER_END.get(word[-1].lower())
    w = word.lower()
    if w.endswith(("l", "le")):
        return "rieul"  # kernel 커널, module 모듈
    if w.endswith(("m", "n", "me", "ne", "ng")):
        return "other"  # same 세임, Flatten 플래튼, padding 패딩
    if w.endswith("ck") or (len(w) > 1 and w[-1] in "kpt" and w[-2] in "aeiou"):
        return "other"  # stack 스택, step 스텝, input 인풋 (not weight 웨이트, mask 마스크)
    return None


def final_sound(text: str) -> str | None:
    """How the reading of ``text`` ends: None (a vowel), 'rieul' (ㄹ) or 'other' (a consonant)."""
    t = text.rstrip().rstrip("'\"`")
    if not t:
        return None
    if t[-1] in ")]":
        depth = 0
        for i in range(len(t) - 1, -1, -1):
            depth += t[i] in ")]"
            depth -= t[i] in "(["
            if depth == 0:
                before, inside = t[:i], t[i + 1 : -1]
                # Conv2d(...) is read by its name; a bare tuple (2, 2) by its last element.
                if before and (before[-1].isalnum() or before[-1] == "_"):
                    return final_sound(before)
                return final_sound(inside)
        return None
    ch = t[-1]
    if "\uac00" <= ch <= "\ud7a3":
        final = (ord(ch) - 0xAC00) % 28
        return None if final == 0 else "rieul" if final == 8 else "other"
    if ch.isdigit():
        m = re.search(r"[\d,]*\.?\d+$", t)
        assert m is not None
        return _number_end(m.group().replace(",", "").lstrip("."))
    if ch.isascii() and ch.isalpha():
        m = re.search(r"[A-Za-z]+$", t)
        assert m is not None
        word = m.group()
        start = m.start()
        after_digit = start > 0 and t[start - 1].isdigit()
        spelled = len(word) == 1 or word[-2:].isupper() or after_digit
        return _word_end(word, spelled)
    return None


def particle(word: str, pair: str) -> str:
    """The form of ``pair`` (e.g. "을(를)", "(으)로") that follows ``word``."""
    with_final, without = _PAIRS[pair]
    end = final_sound(word)
    if pair == "(으)로":
        return with_final if end == "other" else without  # ㄹ takes 로: 서울로, 28로 (팔로)
    return with_final if end is not None else without


def attach_particles(text: str) -> str:
    """Replace every "이(가)", "을(를)", ... in ``text`` by the form its preceding word takes."""
    out: list[str] = []
    last = 0
    for m in _PARTICLE.finditer(text):
        out.append(text[last : m.start()])
        out.append(particle("".join(out), m.group()))
        last = m.end()
    out.append(text[last:])
    return "".join(out)
