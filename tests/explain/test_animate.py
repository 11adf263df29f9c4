"""convkit animate: the steps add up to the real ops' outputs; frames, pixels, files and errors."""

import re

import numpy as np
import pytest

import convkit as ck
from convkit import nn, shapes
from convkit.cli import main
from convkit.explain import drawing as D
from convkit.explain import frames as FR
from convkit.explain import steps as S
from convkit.nn import functional as F


def t(a):
    return ck.tensor(np.asarray(a, dtype=np.float64))


def run_cli(argv, capsys):
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def real_conv(plan, padding):
    x = t(plan.input[None, None])  # (1, 1, H, W)
    w = t(plan.kernel[None, None])  # (1, 1, kh, kw)
    if plan.padding_mode != "zeros":
        conv = nn.Conv2d(
            1,
            1,
            plan.kernel_size,
            plan.stride,
            padding,
            plan.dilation,
            bias=False,
            padding_mode=plan.padding_mode,
            dtype=ck.float64,
        )
        conv.weight.data[...] = plan.kernel
        return conv(x).data[0, 0]
    return F.conv2d(x, w, None, plan.stride, padding, plan.dilation).data[0, 0]


def step_values(plan):
    values = np.full(plan.out_shape, np.nan)
    for s in plan.steps:
        values[s.position] = s.value
    return values


# ----------------------------------------------------------------------------------------------
# The numbers: each step's multiply-add equals the real op's output
# ----------------------------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize(
    "size, k, s, p, d",
    [
        ((5, 5), 3, 2, 1, 1),
        ((5, 7), (3, 2), (2, 1), (1, 0), 1),
        ((6, 6), 3, 1, 2, 2),
        ((7, 5), 2, 3, 0, (2, 1)),
        ((6, 5), 4, 1, "same", 1),  # asymmetric: (1, 2) per dimension
        ((4, 6), (2, 3), 1, "valid", (1, 2)),
    ],
)
def test_conv_steps_equal_conv2d(size, k, s, p, d):
    for seed in (None, 3):
        plan = S.convolution_steps(size, k, s, p, d, seed=seed)
        assert len(plan.steps) == plan.out_shape[0] * plan.out_shape[1]
        assert [st.position for st in plan.steps] == [
            (i, j) for i in range(plan.out_shape[0]) for j in range(plan.out_shape[1])
        ]
        ref = real_conv(plan, p)
        assert ref.shape == plan.out_shape
        np.testing.assert_allclose(step_values(plan), ref, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(plan.output, ref, rtol=1e-12, atol=1e-12)
        for st in plan.steps:  # the written arithmetic ends in the drawn value
            assert st.text.endswith(f"= {S.fmt_value(st.value)}")


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize(
    "size, k, s, p, d", [((5, 6), 3, 1, 1, 2), ((4, 4), 3, 2, 2, 1), ((5, 3), (3, 2), 1, (2, 1), 1)]
)
def test_padding_modes_equal_the_conv2d_module(mode, size, k, s, p, d):
    plan = S.convolution_steps(size, k, s, p, d, padding_mode=mode, seed=1)
    np.testing.assert_allclose(step_values(plan), real_conv(plan, p), rtol=1e-12, atol=1e-12)
    # The padding cells show what they copy: F.pad of the input, and their source cell's value.
    (pt, pb), (pl, pr) = plan.padding
    torch_like = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}[mode]
    expected = np.pad(plan.input, ((pt, pb), (pl, pr)), mode=torch_like)
    np.testing.assert_array_equal(plan.grid, expected)
    pads = [tap for st in plan.steps for tap in st.taps if tap.kind == "pad"]
    assert pads
    for tap in pads:
        assert tap.value == plan.input[tap.source]


def test_zero_padding_taps_read_zero_and_have_no_source():
    plan = S.convolution_steps((3, 3), 3, 1, 1)
    corner = plan.steps[0]
    pads = [tap for tap in corner.taps if tap.kind == "pad"]
    assert len(pads) == 5 and all(tap.value == 0 and tap.source is None for tap in pads)
    assert [tap.cell for tap in corner.taps] == [(r, c) for r in range(3) for c in range(3)]


def test_dilation_taps_skip_cells():
    plan = S.convolution_steps((7, 7), 3, 1, 0, 2)
    assert [tap.cell for tap in plan.steps[0].taps] == [
        (r, c) for r in (0, 2, 4) for c in (0, 2, 4)
    ]
    assert [tap.kernel for tap in plan.steps[0].taps] == [
        (a, b) for a in range(3) for b in range(3)
    ]


@pytest.mark.parametrize(
    "size, k, s, p, d, ceil",
    [
        ((5, 5), 2, 2, 0, 1, True),
        ((5, 5), 2, 2, 0, 1, False),
        ((8, 8), 3, 3, 1, 1, True),  # torch 2.13: 3, not 4 (the last window is dropped)
        ((6, 7), 3, 2, 1, 2, True),
        ((5, 4), (3, 2), (2, 3), (1, 1), 1, True),
    ],
)
def test_max_pool_steps_equal_max_pool2d(size, k, s, p, d, ceil):
    plan = S.convolution_steps(size, k, s, p, d, pool="max", ceil_mode=ceil, seed=7)
    ref = F.max_pool2d(t(plan.input[None, None]), k, s, p, d, ceil_mode=ceil).data[0, 0]
    np.testing.assert_array_equal(step_values(plan), ref)


@pytest.mark.parametrize(
    "size, k, s, p, ceil",
    [
        ((4, 4), 3, 2, 1, True),
        ((5, 5), 2, 2, 0, True),
        ((5, 6), 3, 2, 1, False),
        ((7, 5), (3, 2), (2, 2), (1, 1), True),
    ],
)
def test_avg_pool_steps_equal_avg_pool2d(size, k, s, p, ceil):
    plan = S.convolution_steps(size, k, s, p, pool="avg", ceil_mode=ceil, seed=2)
    ref = F.avg_pool2d(t(plan.input[None, None]), k, s, p, ceil_mode=ceil).data[0, 0]
    np.testing.assert_allclose(step_values(plan), ref, rtol=1e-12)


def test_avg_pool_semantics_example():
    # torch 2.13: ones(4), k=3, s=2, p=1, ceil_mode -> [0.6667, 1.0, 0.5]
    plan = S.convolution_steps(4, 3, 2, 1, pool="avg", ceil_mode=True, input_values=np.ones(4))
    np.testing.assert_allclose(plan.output[0], [2 / 3, 1.0, 0.5])
    assert [tap.kind for tap in plan.steps[-1].taps] == ["input", "pad", "overhang"]


def test_ceil_mode_draws_the_overhang_and_counts_frames():
    plan = S.convolution_steps((5, 5), 2, 2, 0, pool="max", ceil_mode=True)
    assert plan.out_shape == (3, 3) and len(plan.steps) == 9
    assert plan.grid.shape == (6, 6)
    assert plan.grid_kind[5, 5] == "overhang" and plan.grid_kind[4, 4] == "input"
    assert [tap.kind for tap in plan.steps[-1].taps] == [
        "input",
        "overhang",
        "overhang",
        "overhang",
    ]
    floor = S.convolution_steps((5, 5), 2, 2, 0, pool="max")
    assert len(floor.steps) == 4 and floor.unread[4].all() and floor.unread[:, 4].all()
    dropped = S.convolution_steps((8, 8), 3, 3, 1, pool="max", ceil_mode=True)
    assert dropped.out_shape == (3, 3)
    assert "the last window would start in the padding" in dropped.formulas[0]


@pytest.mark.parametrize(
    "size, k, s, p, op, d",
    [
        ((3, 3), 3, 2, 1, 1, 1),
        ((2, 3), (2, 3), (3, 1), (0, 1), (2, 0), 1),
        ((3, 2), 2, 1, 0, 0, 2),
        ((2, 2), 3, 2, 2, 1, 1),  # the output_padding cell lies beyond the uncropped output
    ],
)
def test_transposed_steps_equal_conv_transpose2d(size, k, s, p, op, d):
    plan = S.convolution_steps(size, k, s, p, d, transposed=True, output_padding=op, seed=5)
    assert len(plan.steps) == size[0] * size[1]  # one step per input cell
    ref = F.conv_transpose2d(
        t(plan.input[None, None]), t(plan.kernel[None, None]), None, s, p, op, 1, d
    ).data[0, 0]
    assert plan.out_shape == ref.shape
    np.testing.assert_allclose(plan.output, ref, rtol=1e-12, atol=1e-12)
    # Adding up the scattered contributions of the steps gives the uncropped output again.
    acc = np.zeros(plan.target_shape)
    for st in plan.steps:
        for tap in st.taps:
            assert tap.value == plan.input[st.position]
            acc[tap.cell] += tap.product
    top, left = plan.target_origin
    np.testing.assert_allclose(
        acc[top : top + ref.shape[0], left : left + ref.shape[1]], ref, rtol=1e-12, atol=1e-12
    )


def test_one_dimensional_cases():
    plan = S.convolution_steps(7, 3, 2, seed=4)
    assert plan.ndim == 1 and plan.out_shape == (1, 3) and len(plan.steps) == 3
    ref = F.conv1d(t(plan.input[0][None, None]), t(plan.kernel[0][None, None]), None, 2)
    np.testing.assert_allclose(plan.output[0], ref.data[0, 0])
    assert plan.formulas == [f"L: {shapes.conv_output_formula(7, 3, 2, 0, 1)}"]
    pool = S.convolution_steps((9,), 2, 2, 1, pool="max", ceil_mode=True, seed=4)
    ref = F.max_pool1d(t(pool.input[0][None, None]), 2, 2, 1, ceil_mode=True)
    np.testing.assert_array_equal(pool.output[0], ref.data[0, 0])


def test_torch_agrees_on_one_case_of_each_kind():
    torch = pytest.importorskip("torch")
    conv = S.convolution_steps((6, 5), 3, 2, 1, 2, padding_mode="circular", seed=9)
    m = torch.nn.Conv2d(1, 1, 3, 2, 1, 2, bias=False, padding_mode="circular").double()
    with torch.no_grad():
        m.weight[...] = torch.from_numpy(conv.kernel)
        ref = m(torch.from_numpy(conv.input)[None, None])[0, 0].numpy()
    np.testing.assert_allclose(conv.output, ref, rtol=1e-12)
    tr = S.convolution_steps((3, 3), 3, 2, 1, transposed=True, output_padding=1, seed=9)
    ref = torch.nn.functional.conv_transpose2d(
        torch.from_numpy(tr.input)[None, None],
        torch.from_numpy(tr.kernel)[None, None],
        stride=2,
        padding=1,
        output_padding=1,
    )[0, 0].numpy()
    np.testing.assert_allclose(tr.output, ref, rtol=1e-12)


def test_formula_captions_come_from_shapes():
    plan = S.convolution_steps((5, 5), 3, 2, 1)
    assert plan.formulas == [
        "H: floor((5 + 2*1 - 1*(3-1) - 1)/2) + 1 = 3",
        "W: floor((5 + 2*1 - 1*(3-1) - 1)/2) + 1 = 3",
    ]
    tr = S.convolution_steps((3, 4), 3, 2, 1, transposed=True, output_padding=1)
    assert tr.formulas[1] == f"W: {shapes.conv_transpose_output_formula(4, 3, 2, 1, 1, 1)}"


def test_default_and_given_values():
    plan = S.convolution_steps((2, 5), 3, 1, 1)
    np.testing.assert_array_equal(plan.input, [[1, 2, 3, 4, 5], [6, 7, 8, 9, 1]])
    np.testing.assert_array_equal(plan.kernel, [[-1, 0, 1]] * 3)
    a = S.convolution_steps((4, 4), 2, seed=11)
    b = S.convolution_steps((4, 4), 2, seed=11)
    np.testing.assert_array_equal(a.input, b.input)
    assert a.input.min() >= 0 and a.input.max() <= 9 and np.abs(a.kernel).max() <= 2
    with pytest.raises(ValueError, match=r"kernel values must have shape \(2, 2\)"):
        S.convolution_steps((4, 4), 2, kernel_values=np.ones((3, 3)))


# ----------------------------------------------------------------------------------------------
# Errors
# ----------------------------------------------------------------------------------------------


def test_kernel_larger_than_padded_input_names_the_formula():
    with pytest.raises(RuntimeError, match=re_escape("floor((3 + 2*0 - 1*(5-1) - 1)/1) + 1 = -1")):
        S.convolution_steps((3, 3), 5)


def re_escape(text):
    import re

    return re.escape(text)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(stride=-1), RuntimeError, r"stride should be greater than zero.*-1"),
        (dict(stride=(2, 0)), RuntimeError, r"stride should be greater than zero"),
        (dict(kernel_size=0), RuntimeError, r"kernel_size should be greater than zero"),
        (dict(padding=-1), RuntimeError, r"negative padding"),
        (dict(dilation=0), RuntimeError, r"dilation should be greater than zero"),
        (dict(padding=2, pool="max", kernel_size=3), RuntimeError, r"pad should be at most half"),
        (dict(padding=3, padding_mode="reflect"), RuntimeError, r"less than the corresponding"),
        (dict(padding="same", stride=2), ValueError, r"not supported for strided"),
        (dict(pool="avg", dilation=2), ValueError, r"average pooling has no dilation"),
        (dict(ceil_mode=True), ValueError, r"pooling only"),
        (dict(transposed=True, padding_mode="reflect"), ValueError, r"convolution only"),
        (
            dict(transposed=True, stride=2, output_padding=2),
            RuntimeError,
            r"output padding must be",
        ),
        (dict(output_padding=1), ValueError, r"transposed convolution only"),
        (dict(kernel_size=(3, 3, 3)), ValueError, r"kernel_size must be an int or a tuple of 2"),
        (dict(input_size=(40, 40)), ValueError, r"too many to draw"),
    ],
)
def test_bad_arguments(kwargs, error, match):
    kwargs = {"input_size": (3, 3), **kwargs}
    with pytest.raises(error, match=match):
        S.convolution_steps(**kwargs)


def test_cli_errors_exit_1_with_the_worked_formula(tmp_path, capsys):
    out = str(tmp_path / "a.gif")
    code, _, err = run_cli(["animate", "--input", "4x4", "--kernel", "3x6", "-o", out], capsys)
    assert code == 1
    assert "convkit animate: error:" in err
    assert "W: floor((4 + 2*0 - 1*(6-1) - 1)/1) + 1 = -1" in err
    code, _, err = run_cli(["animate", "--stride", "-1", "-o", out], capsys)
    assert code == 1 and "stride should be greater than zero" in err
    code, _, err = run_cli(["animate", "--kernel", "3x", "-o", out], capsys)
    assert code == 1 and "--kernel must be an int or INTxINT" in err
    code, _, err = run_cli(["animate", "-o", str(tmp_path / "a.jpg")], capsys)
    assert code == 1 and ".gif" in err
    assert not (tmp_path / "a.gif").exists()


# ----------------------------------------------------------------------------------------------
# Pictures
# ----------------------------------------------------------------------------------------------


def _patch(img, box, inset=4, size=4):
    x0, y0 = box[0] + inset, box[1] + inset
    return np.asarray(img)[y0 : y0 + size, x0 : x0 + size].reshape(-1, 3)


def test_frames_pixels_show_padding_footprint_and_output():
    plan = S.convolution_steps((5, 5), 3, 2, 1)
    layout = FR.frame_layout(plan, cell=32)
    frames = FR.render_frames(plan, show_values=True, cell=32)
    assert len(frames) == 9
    assert {f.size for f in frames} == {(layout.width, layout.height)}
    last = frames[-1]  # the window sits bottom-right; cells (0, 0) and (1, 1) are untouched
    pad, cell = _patch(last, layout.grid_box(0, 0)), _patch(last, layout.grid_box(1, 1))
    assert (cell == D.WHITE).all()
    assert not (pad == D.WHITE).all(axis=1).all() and pad.mean() < 250
    assert (_patch(last, layout.grid_box(4, 4)) == D.TAP_FILL).all()  # a tapped input cell
    oh, ow = plan.out_shape
    for i, frame in enumerate(frames):
        for k in range(oh * ow):
            colour = _patch(frame, layout.output_box(k // ow, k % ow, plan))
            expected = D.NOW_FILL if k == i else D.DONE_FILL if k < i else D.WHITE
            assert (colour == expected).all(), (i, k)


def test_dilated_footprint_highlights_only_the_taps():
    plan = S.convolution_steps((5, 5), 2, 1, 0, 2)
    layout = FR.frame_layout(plan, cell=24)
    first = FR.render_frames(plan, show_values=False, cell=24)[0]
    assert (_patch(first, layout.grid_box(0, 2), 3) == D.TAP_FILL).all()
    assert (_patch(first, layout.grid_box(0, 1), 3) == D.WHITE).all()  # the gap
    assert (_patch(first, layout.grid_box(2, 2), 3) == D.TAP_FILL).all()


def test_transposed_frames_highlight_the_input_cell_and_crop():
    plan = S.convolution_steps((2, 2), 3, 2, 1, transposed=True)
    layout = FR.frame_layout(plan, cell=24)
    frames = FR.render_frames(plan, cell=24)
    assert len(frames) == 4
    assert (_patch(frames[2], layout.grid_box(1, 0), 3) == D.TAP_FILL).all()
    assert (_patch(frames[2], layout.grid_box(0, 0), 3) == D.DONE_FILL).all()
    # the uncropped corner is cut off by padding: hatched grey, not an output colour
    corner = _patch(frames[0], layout.target_box(0, 0), 3)
    assert not (corner == D.TAP_FILL).all(axis=1).all()


def test_gif_and_sheet_files(tmp_path, capsys):
    from PIL import Image

    gif = tmp_path / "conv.gif"
    code, out, _ = run_cli(
        [
            "animate",
            "--input",
            "5x5",
            "--kernel",
            "3",
            "--stride",
            "2",
            "--padding",
            "1",
            "--values",
            "-o",
            str(gif),
            "--ms",
            "250",
            "--cell",
            "24",
        ],
        capsys,
    )
    assert code == 0 and "H: floor((5 + 2*1 - 1*(3-1) - 1)/2) + 1 = 3" in out
    with Image.open(gif) as im:
        assert im.n_frames == 9
        assert im.info["loop"] == 0 and im.info["duration"] == 250
    png = tmp_path / "pool.png"
    code, _, _ = run_cli(
        [
            "animate",
            "--input",
            "5",
            "--pool",
            "avg",
            "--kernel",
            "2",
            "--stride",
            "2",
            "--ceil-mode",
            "-o",
            str(png),
            "--cell",
            "20",
        ],
        capsys,
    )
    assert code == 0
    with Image.open(png) as im:
        frame = FR.frame_layout(
            S.convolution_steps(5, 2, 2, pool="avg", ceil_mode=True), 20, header=False
        )
        assert im.size[1] > 3 * frame.height  # 1-D: the 3 steps stacked
    code, _, _ = run_cli(
        [
            "animate",
            "--input",
            "3x3",
            "--transposed",
            "--stride",
            "2",
            "--padding",
            "1",
            "--output-padding",
            "1",
            "--seed",
            "0",
            "-o",
            str(tmp_path / "t.gif"),
            "--cell",
            "20",
        ],
        capsys,
    )
    assert code == 0
    with Image.open(tmp_path / "t.gif") as im:
        assert im.n_frames == 9


def test_registered_in_the_convkit_command(tmp_path, capsys):
    from convkit.cli import main

    assert (
        main(
            [
                "animate",
                "--input",
                "3x3",
                "--kernel",
                "2",
                "--cell",
                "16",
                "-o",
                str(tmp_path / "x.png"),
            ]
        )
        == 0
    )
    assert (tmp_path / "x.png").exists()


# ----------------------------------------------------------------------------------------------
# Captions without values, text that scales with the cell, torch's pooling stride, languages
# ----------------------------------------------------------------------------------------------

# Values no caption could contain by accident (indices, counts and step numbers stay below 30).
UNIQUE_INPUT = np.arange(101, 126, dtype=np.float64).reshape(5, 5)
UNIQUE_KERNEL = np.array([[31.0, 37.0, 41.0], [43.0, 47.0, 53.0], [59.0, 61.0, 67.0]])


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(kernel_size=3, stride=2, padding=1, kernel_values=UNIQUE_KERNEL),
        dict(kernel_size=3, pool="max", stride=1),
        dict(kernel_size=2, pool="avg", stride=2, ceil_mode=True),
    ],
)
@pytest.mark.parametrize("lang", ["en", "ko"])
def test_captions_without_values_show_no_hidden_numbers(kwargs, lang):
    plan = S.convolution_steps((5, 5), input_values=UNIQUE_INPUT, **kwargs)
    hidden = {S.fmt_value(v) for v in plan.input.ravel()} | {
        S.fmt_value(v) for v in plan.output.ravel()
    }
    if plan.kernel is not None:
        hidden |= {S.fmt_value(v) for v in plan.kernel.ravel()}
    for k in range(len(plan.steps)):
        quiet = S.step_caption(plan, k, show_values=False, lang=lang)
        loud = S.step_caption(plan, k, show_values=True, lang=lang)
        assert not hidden & set(re.findall(r"-?\d+(?:\.\d+)?", quiet)), quiet
        assert hidden & set(re.findall(r"-?\d+(?:\.\d+)?", loud)), loud
    transposed = S.convolution_steps(
        (2, 2), 2, 1, transposed=True, input_values=[[97, 98], [99, 96]]
    )
    assert "97" not in S.step_caption(transposed, 0, show_values=False, lang=lang)
    assert "97" in S.step_caption(transposed, 0, show_values=True, lang=lang)


@pytest.mark.filterwarnings("ignore:no font with Hangul glyphs")
@pytest.mark.parametrize("lang", ["en", "ko"])
def test_frames_without_values_leave_cells_blank(lang):
    plan = S.convolution_steps((4, 4), 3, 1, 1, input_values=UNIQUE_INPUT[:4, :4])
    layout = FR.frame_layout(plan, cell=40, lang=lang, show_values=False)
    frame = FR.render_frame(plan, 0, layout)
    for r, c in ((1, 1), (3, 2)):  # input cells, one inside the window
        x0, y0, x1, y1 = layout.grid_box(r, c)
        patch = np.asarray(frame)[y0 + 3 : y1 - 2, x0 + 3 : x1 - 2].reshape(-1, 3)
        assert len(np.unique(patch, axis=0)) == 1  # one flat colour: no digits drawn
    x0, y0, x1, y1 = layout.grid_box(1, 1)
    loud = FR.render_frame(plan, 0, FR.frame_layout(plan, cell=40, lang=lang))
    patch = np.asarray(loud)[y0 + 3 : y1 - 2, x0 + 3 : x1 - 2].reshape(-1, 3)
    assert len(np.unique(patch, axis=0)) > 1


def _ink_height(img, top, bottom):
    """Rows between ``top`` and ``bottom`` holding dark (text) pixels, first to last."""
    rows = np.where((np.asarray(img.convert("L"))[top:bottom] < 120).any(axis=1))[0]
    return rows.max() - rows.min() + 1


def test_text_scales_with_the_cell():
    plan = S.convolution_steps((3, 3), 2)
    small = FR.frame_layout(plan, cell=44)
    big = FR.frame_layout(plan, cell=88)
    assert big.style.scale == 2 and small.style.scale == 1
    assert FR.frame_layout(plan, cell=24).style.scale == 1  # small cells keep legible text
    a = FR.render_frame(plan, 0, small)
    b = FR.render_frame(plan, 0, big)
    # The title line: twice the cell, about twice the letters' height.
    ha = _ink_height(a, 0, small.grid_xy[1] - small.style.label_h)
    hb = _ink_height(b, 0, big.grid_xy[1] - big.style.label_h)
    assert 1.7 <= hb / ha <= 2.3
    # The caption lines too.
    ca = _ink_height(a, small.caption_y, small.caption_y + small.style.line_h)
    cb = _ink_height(b, big.caption_y, big.caption_y + big.style.line_h)
    assert 1.7 <= cb / ca <= 2.3


def test_cli_pool_stride_is_the_kernel_like_torch_and_shape(tmp_path, capsys):
    out = str(tmp_path / "pool.gif")
    code, text, _ = run_cli(
        ["animate", "--input", "4x4", "--pool", "max", "--kernel", "2", "-o", out], capsys
    )
    assert code == 0
    assert "stride 2" in text and "H: floor((4 + 2*0 - 1*(2-1) - 1)/2) + 1 = 2" in text
    from convkit.explain import explain_shapes

    assert explain_shapes("1x1x4x4", ["MaxPool2d(2)"])["output_shape"] == [1, 1, 2, 2]
    code, text, _ = run_cli(
        ["animate", "--input", "4x4", "--pool", "max", "--kernel", "2", "--stride", "1", "-o", out],
        capsys,
    )
    assert code == 0 and "stride 1" in text and "= 3" in text


@pytest.mark.filterwarnings("ignore:no font with Hangul glyphs")
def test_cli_korean_and_html(tmp_path, capsys):
    page = tmp_path / "conv.html"
    code, text, _ = run_cli(["animate", "--lang", "ko", "--cell", "20", "-o", str(page)], capsys)
    assert code == 0
    assert text.splitlines()[0].startswith("Conv2d: 입력 5x5, 커널 3x3")
    assert f"{page}에 저장했습니다 (HTML 플레이어의 단계 9개)" in text
    html = page.read_text(encoding="utf-8")
    assert "\\ub2e8\\uacc4 1/9" in html  # 단계 1/9, as the player's JSON escapes it
    code, _, err = run_cli(["animate", "--lang", "ko", "--kernel", "3x", "-o", str(page)], capsys)
    assert code == 1
    assert "convkit animate: 오류: --kernel은 3이나 3x2처럼" in err
