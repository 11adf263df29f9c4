"""The seed study note, run with convkit: five Conv2d output sizes and a Conv2d + MaxPool2d cell.

The code is the note's torch code with one line changed (``import convkit as torch``); each
example also prints the output-size formula worked out with its numbers.
"""

from __future__ import annotations

import convkit as torch
import convkit.nn as nn
from convkit import shapes

# (input H, input W, filter, stride, padding): the note's examples 1 to 5.
EXAMPLES = [
    (227, 227, 11, 4, 0),
    (64, 64, 7, 2, 0),
    (32, 32, 5, 1, 2),
    (32, 64, 5, 1, 0),
    (64, 32, 3, 1, 1),
]


def _t(lang: str):
    from ..explain.i18n import translator

    return translator(lang)


def run_examples(print_fn=print, lang: str = "en") -> list[tuple[int, ...]]:
    t = _t(lang)
    shapes_out = []
    for i, (h, w, k, s, p) in enumerate(EXAMPLES, start=1):
        print_fn(t("demo_example", i=i, h=h, w=w, k=k, s=s, p=p))
        conv = nn.Conv2d(1, 1, k, stride=s, padding=p)
        print_fn("Convolution : {}".format(conv))
        inputs = torch.Tensor(1, 1, h, w)
        print_fn("inputs shape: {}".format(inputs.shape))
        out = conv(inputs)
        print_fn("outputs shape: {}".format(out.shape))
        for name, size in (("H", h), ("W", w)):
            print_fn(f"  {name}: {shapes.conv_output_formula(size, k, s, p)}")
        print_fn("")
        shapes_out.append(tuple(out.shape))
    return shapes_out


def run_cnn_cell(print_fn=print, lang: str = "en") -> tuple[tuple[int, ...], tuple[int, ...]]:
    print_fn(_t(lang)("demo_cnn"))
    inputs = torch.Tensor(1, 1, 28, 28)
    conv1 = nn.Conv2d(1, 5, 5)
    pool = nn.MaxPool2d(2)
    out = conv1(inputs)
    out2 = pool(out)
    print_fn(out.size())
    print_fn(out2.size())
    return tuple(out.shape), tuple(out2.shape)


def main(lang: str = "en") -> int:
    """Print the examples and the cell; ``lang`` ('en', 'ko') is the language of the headings
    (the lines the note's own code prints stay as that code prints them)."""
    torch.manual_seed(0)
    run_examples(lang=lang)
    run_cnn_cell(lang=lang)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
