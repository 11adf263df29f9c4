"""Write the tutorials: the seed study note's journey as Jupyter notebooks, in Korean and English.

    python docs/tutorials/build.py

Each notebook is written from the cells below, where every text cell has both languages side by
side and the code is shared (only comments and the explainer's ``lang`` differ), so the two
languages cannot tell different stories. The notebooks are written with their outputs cleared;
``tests/docs/test_tutorials.py`` runs them top to bottom and checks every code cell's output by
its tag (``check:...`` in the cell's metadata) against what convkit computes, and that the files
here are what this script writes.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent
LANGS = ("ko", "en")


def md(ko: str, en: str) -> tuple:
    return ("md", {"ko": ko, "en": en})


def code(source, tag: str) -> tuple:
    """``source``: one text for both languages, or {"ko": ..., "en": ...}; ``{lang}`` in it is
    replaced by the notebook's language. ``tag``: what the test checks (tests/docs)."""
    return ("code", source, tag)


# ----------------------------------------------------------------------------------------------
# Part 1: convolution, stride and padding, the output size, perceptron vs convolution, pooling
# ----------------------------------------------------------------------------------------------

EXAMPLES = [  # the note's five examples: (H, W, filter, stride, padding)
    (227, 227, 11, 4, 0),
    (64, 64, 7, 2, 0),
    (32, 32, 5, 1, 2),
    (32, 64, 5, 1, 0),
    (64, 32, 3, 1, 1),
]

EXAMPLE_NOTES = [
    md(
        "**예제 1.** `(227 - 11 + 2*0)/4 + 1 = 216/4 + 1 = 55`",
        "**Example 1.** `(227 - 11 + 2*0)/4 + 1 = 216/4 + 1 = 55`",
    ),
    md(
        "**예제 2.** `(64 - 7 + 2*0)/2 + 1 = 28.5 + 1`: 57이 2로 나누어떨어지지 않으므로 내림해서 "
        "`28 + 1 = 29`입니다. 입력의 마지막 행과 열에는 커널이 한 번도 닿지 않습니다.",
        "**Example 2.** `(64 - 7 + 2*0)/2 + 1 = 28.5 + 1`: 57 is odd, so the division is "
        "rounded down, `28 + 1 = 29`. The last row and column of the input are never covered by "
        "the kernel.",
    ),
    md(
        "**예제 3.** `(32 - 5 + 2*2)/1 + 1 = 32`: stride 1에서 padding을 `(F - 1)/2`로 주면 크기가 "
        "그대로 유지됩니다.",
        "**Example 3.** `(32 - 5 + 2*2)/1 + 1 = 32`: with stride 1, a padding of `(F - 1)/2` keeps "
        "the size.",
    ),
    md(
        "**예제 4.** 높이와 너비는 따로 계산합니다. H: `(32 - 5)/1 + 1 = 28`, "
        "W: `(64 - 5)/1 + 1 = 60`.",
        "**Example 4.** Height and width are worked out separately. H: `(32 - 5)/1 + 1 = 28`, "
        "W: `(64 - 5)/1 + 1 = 60`.",
    ),
    md(
        "**예제 5.** `(64 - 3 + 2*1)/1 + 1 = 64`, `(32 - 3 + 2*1)/1 + 1 = 32`: 3 x 3 커널에 "
        "padding 1이면 이번에도 크기가 그대로입니다.",
        "**Example 5.** `(64 - 3 + 2*1)/1 + 1 = 64` and `(32 - 3 + 2*1)/1 + 1 = 32`: a 3 x 3 "
        "kernel with padding 1 keeps the size too.",
    ),
]


def _example_code(i: int, h: int, w: int, k: int, s: int, p: int) -> dict:
    body = f"""'''
input image size : {h} x {w}
filter size = {k}x{k}
stride = {s}
padding = {p}
output image size = ?
'''
conv = nn.Conv2d(1, 1, {k}, stride={s}, padding={p})
print("Convolution : {{}}".format(conv))

inputs = torch.Tensor(1, 1, {h}, {w})
print("inputs shape: {{}}".format(inputs.shape))

out = conv(inputs)
print("outputs shape: {{}}".format(out.shape))

explain_shapes("1x1x{h}x{w}", "Conv2d(1, 1, {k}, stride={s}, padding={p})"{{lang_arg}})"""
    return {"ko": f"# 예제 {i})\n" + body, "en": f"# Example {i})\n" + body}


PART1 = [
    md(
        "# 합성곱(Convolution): 공부 노트를 따라서\n\n"
        "이 노트북은 `torch.nn.Conv2d`를 공부하며 쓴 노트를 처음부터 차례대로 따라갑니다. "
        "합성곱이 무엇을 계산하는지, stride와 padding, 출력 크기 공식과 노트의 예제 다섯 개, "
        "퍼셉트론과 합성곱의 차이, 그리고 풀링(pooling)까지 다룹니다.\n\n"
        "코드는 PyTorch 코드 그대로입니다. 맨 위의 `import convkit as torch` 한 줄 덕분에 "
        "PyTorch 없이 convkit으로 실행됩니다. 2부(`02_tiny_cnn_ko.ipynb`)에서는 노트의 작은 "
        "CNN을 분류기로 만들어 직접 학습시킵니다.",
        "# Convolution, following a study note\n\n"
        "This notebook follows a learner's study note on `torch.nn.Conv2d` from start to end: "
        "what a convolution computes, stride and padding, the output-size formula with the "
        "note's five examples, how a convolution differs from a perceptron, and pooling.\n\n"
        "The code is PyTorch code. The one line `import convkit as torch` at the top runs it "
        "with convkit, without PyTorch. Part 2 (`02_tiny_cnn_en.ipynb`) turns the note's small "
        "CNN into a classifier and trains it.",
    ),
    code(
        "import convkit as torch\n"
        "import convkit.nn as nn\n"
        "import convkit.nn.functional as F\n"
        "from convkit.explain import animate, explain_shapes",
        "silent",
    ),
    md(
        "## 1. 합성곱의 정의\n\n"
        "노트의 정의는 이렇습니다: *이미지 위에서 stride 값만큼 필터(커널)를 이동시키면서, "
        "겹쳐지는 부분의 각 원소 값을 곱해서 모두 더한 값을 출력으로 하는 연산.*\n\n"
        "4 x 4 이미지와 3 x 3 커널, stride 1로 직접 계산해 봅시다. 커널은 가로로 두 곳, "
        "세로로 두 곳에 놓일 수 있으므로 출력은 2 x 2입니다.",
        "## 1. What a convolution is\n\n"
        "The note's definition: *slide the filter (kernel) over the image by the stride; at each "
        "position, multiply the elements that overlap and add them all up; that sum is the "
        "output.*\n\n"
        "Let's compute one by hand: a 4 x 4 image, a 3 x 3 kernel, stride 1. The kernel fits in "
        "two places across and two down, so the output is 2 x 2.",
    ),
    code(
        {
            "ko": """image = torch.tensor([[1., 2., 3., 0.],
                      [0., 1., 2., 3.],
                      [3., 0., 1., 2.],
                      [2., 3., 0., 1.]])
kernel = torch.tensor([[2., 0., 1.],
                       [0., 1., 2.],
                       [1., 0., 2.]])

out = torch.zeros(2, 2)
for i in range(2):          # 커널의 왼쪽 위 모서리가 놓일 수 있는 행
    for j in range(2):      # ... 그리고 열
        window = image[i:i + 3, j:j + 3]      # 커널이 덮는 부분
        out[i, j] = (window * kernel).sum()   # 겹치는 원소끼리 곱해서 모두 더하기
print(out)""",
            "en": """image = torch.tensor([[1., 2., 3., 0.],
                      [0., 1., 2., 3.],
                      [3., 0., 1., 2.],
                      [2., 3., 0., 1.]])
kernel = torch.tensor([[2., 0., 1.],
                       [0., 1., 2.],
                       [1., 0., 2.]])

out = torch.zeros(2, 2)
for i in range(2):          # the rows where the kernel's top-left corner can go
    for j in range(2):      # ... and the columns
        window = image[i:i + 3, j:j + 3]      # what the kernel covers
        out[i, j] = (window * kernel).sum()   # multiply what overlaps, add it all up
print(out)""",
        },
        "hand-conv",
    ),
    md(
        "첫 번째 출력을 풀어 쓰면, 커널이 왼쪽 위 3 x 3 부분을 덮으므로\n\n"
        "`1×2 + 2×0 + 3×1 + 0×0 + 1×1 + 2×2 + 3×1 + 0×0 + 1×2 = 15`\n\n"
        "입니다. `F.conv2d`도 같은 값을 계산합니다. 입력은 `(N, C, H, W)`, 커널은 "
        "`(out_channels, in_channels, kH, kW)` 모양의 4차원 텐서여야 하므로 크기가 1인 차원을 "
        "두 개씩 붙입니다.",
        "The first output, written out: the kernel covers the top-left 3 x 3 part, so\n\n"
        "`1×2 + 2×0 + 3×1 + 0×0 + 1×1 + 2×2 + 3×1 + 0×0 + 1×2 = 15`.\n\n"
        "`F.conv2d` computes the same. It takes 4-D tensors, `(N, C, H, W)` for the input and "
        "`(out_channels, in_channels, kH, kW)` for the kernel, so each gets two dimensions of "
        "size 1.",
    ),
    code(
        {
            "ko": """x = image.reshape(1, 1, 4, 4)    # (N, C, H, W)
w = kernel.reshape(1, 1, 3, 3)   # (out_channels, in_channels, kH, kW)
y = F.conv2d(x, w)
print(y)
print(torch.allclose(y[0, 0], out))   # 손으로 계산한 값과 같은가?""",
            "en": """x = image.reshape(1, 1, 4, 4)    # (N, C, H, W)
w = kernel.reshape(1, 1, 3, 3)   # (out_channels, in_channels, kH, kW)
y = F.conv2d(x, w)
print(y)
print(torch.allclose(y[0, 0], out))   # the same as by hand?""",
        },
        "conv2d",
    ),
    md(
        "커널이 움직이는 모습을 보세요. 재생 버튼을 누르거나 슬라이더를 움직이면, 단계마다 "
        "어떤 곱셈을 더하는지 나옵니다.",
        "Now watch the kernel slide: press play, or drag the slider. Each step shows the products "
        "it adds up.",
    ),
    code(
        "animate((4, 4), 3, input_values=image.tolist(), kernel_values=kernel.tolist(), "
        'lang="{lang}")',
        "player-conv",
    ),
    md(
        "## 2. stride와 padding\n\n"
        "- **stride**: 필터를 한 번에 얼마나 이동할 것인가. stride가 2이면 한 칸씩 건너뛰므로 "
        "출력이 대략 절반으로 줄어듭니다.\n"
        "- **padding**: 이미지 둘레에 0을 덧대는 것(zero-padding). 가장자리 칸도 가운데 칸처럼 "
        "커널에 자주 닿게 되고, 출력이 줄어드는 것도 막아 줍니다.\n\n"
        "위의 이미지에 padding 1을 주면 이렇게 됩니다.",
        "## 2. Stride and padding\n\n"
        "- **stride**: how far the filter moves at a time. With stride 2 it skips every other "
        "position, so the output is about half as large.\n"
        "- **padding**: a border of zeros around the image (zero-padding). The cells at the edge "
        "then meet the kernel as often as the ones in the middle, and the output does not "
        "shrink.\n\n"
        "Here is our image with a padding of 1:",
    ),
    code(
        {
            "ko": "print(F.pad(x, (1, 1, 1, 1))[0, 0])   # 왼쪽, 오른쪽, 위, 아래에 0을 한 줄씩",
            "en": "print(F.pad(x, (1, 1, 1, 1))[0, 0])   # one row or column of zeros on each side",
        },
        "pad",
    ),
    md(
        "같은 커널을 `stride=2, padding=1`로 적용하면, 6 x 6이 된 격자에서 커널이 0행과 2행, "
        "0열과 2열에서 시작합니다. 출력은 이번에도 2 x 2지만 읽는 칸이 다릅니다.",
        "The same kernel with `stride=2, padding=1`: on the padded 6 x 6 grid it starts at rows 0 "
        "and 2 and columns 0 and 2. The output is 2 x 2 again, but it reads different cells.",
    ),
    code("print(F.conv2d(x, w, stride=2, padding=1)[0, 0])", "conv-stride-padding"),
    code(
        "animate((4, 4), 3, stride=2, padding=1, input_values=image.tolist(), "
        'kernel_values=kernel.tolist(), lang="{lang}")',
        "player-stride-padding",
    ),
    md(
        "## 3. `nn.Conv2d`와 입력의 형태\n\n"
        "```\ntorch.nn.Conv2d(in_channels, out_channels, kernel_size, stride=1, padding=0, "
        "dilation=1, groups=1, bias=True, padding_mode='zeros')\n```\n\n"
        "입력은 **(N x C x H x W)** 모양의 텐서입니다: (batch_size, channel, height, width). "
        "흑백 이미지 한 장이면 `(1, 1, H, W)`입니다.\n\n"
        "## 4. 출력 크기 직접 계산해 보기\n\n"
        "노트의 공식(높이와 너비 각각에 대해):\n\n"
        "$$\\text{output size} = \\frac{\\text{input size} - \\text{filter} + "
        "2 \\times \\text{padding}}{\\text{stride}} + 1$$\n\n"
        "즉 `(N - F + 2P)/S + 1`입니다. 나누어떨어지지 않으면 내림합니다. 마지막에 커널이 "
        "들어가지 못하는 칸은 버려진다는 뜻입니다. dilation `d`(커널 칸 사이의 간격, 기본값 1)까지 "
        "넣은 일반형은 `floor((N + 2P - d*(F-1) - 1)/S) + 1`이고, `d = 1`이면 노트의 공식과 "
        "같습니다.\n\n"
        "이제 노트의 예제 다섯 개입니다. 예제마다 노트의 코드를 그대로 실행한 다음, "
        "`explain_shapes`(명령줄의 `convkit shape`와 같은 설명)로 예제의 숫자를 넣어 공식을 "
        "풀어 봅니다.",
        "## 3. `nn.Conv2d` and the shape of its input\n\n"
        "```\ntorch.nn.Conv2d(in_channels, out_channels, kernel_size, stride=1, padding=0, "
        "dilation=1, groups=1, bias=True, padding_mode='zeros')\n```\n\n"
        "The input is a tensor of shape **(N x C x H x W)**: (batch_size, channel, height, "
        "width). One grey image is `(1, 1, H, W)`.\n\n"
        "## 4. Working out the output size\n\n"
        "The note's formula, for the height and for the width:\n\n"
        "$$\\text{output size} = \\frac{\\text{input size} - \\text{filter} + "
        "2 \\times \\text{padding}}{\\text{stride}} + 1$$\n\n"
        "that is `(N - F + 2P)/S + 1`. When the division does not come out even it is rounded "
        "down: the last cells, where the kernel no longer fits, are left out. The general form, "
        "with the dilation `d` (the spacing between kernel cells, 1 by default), is "
        "`floor((N + 2P - d*(F-1) - 1)/S) + 1`; with `d = 1` it is the note's formula.\n\n"
        "Now the note's five examples. Each one runs the note's code, then `explain_shapes` "
        "(the explanation `convkit shape` prints on the command line) works the formula out "
        "with the example's numbers.",
    ),
    *[
        cell
        for i, ((h, w, k, s, p), note) in enumerate(
            zip(EXAMPLES, EXAMPLE_NOTES, strict=True), start=1
        )
        for cell in (note, code(_example_code(i, h, w, k, s, p), f"example-{i}"))
    ],
    md(
        "## 5. 뉴런과 합성곱: 퍼셉트론과 합성곱\n\n"
        "퍼셉트론(완전 연결층, `nn.Linear`)은 모든 출력을 모든 입력과 연결하고, 연결마다 다른 "
        "가중치를 씁니다. 합성곱은 각 출력을 커널 아래의 작은 부분하고만 연결하고, **모든 위치가 "
        "같은 커널 가중치를 함께 씁니다**(가중치 공유). 28 x 28 이미지에서 24 x 24 출력을 "
        "만드는 두 층의 파라미터 수를 세어 봅시다.",
        "## 5. Neurons and convolution: perceptron vs convolution\n\n"
        "A perceptron (a fully connected layer, `nn.Linear`) connects every output to every "
        "input, each connection with a weight of its own. A convolution connects each output "
        "only to the small part under the kernel, and **every position uses the same kernel "
        "weights** (weight sharing). Count the parameters of both, from a 28 x 28 image to a "
        "24 x 24 output:",
    ),
    code(
        {
            "ko": """perceptron = nn.Linear(28 * 28, 24 * 24)   # 모든 입력을 모든 출력에 연결
conv = nn.Conv2d(1, 1, 5)                  # 5 x 5 커널 하나를 모든 위치가 함께 씀

def count(layer):
    return sum(p.numel() for p in layer.parameters())

print("perceptron :", count(perceptron))   # 가중치 784 * 576개 + bias 576개
print("convolution:", count(conv))         # 가중치 5 * 5개 + bias 1개""",
            "en": """perceptron = nn.Linear(28 * 28, 24 * 24)   # every input to every output
conv = nn.Conv2d(1, 1, 5)                  # one 5 x 5 kernel, shared by all positions

def count(layer):
    return sum(p.numel() for p in layer.parameters())

print("perceptron :", count(perceptron))   # 784 * 576 weights + 576 biases
print("convolution:", count(conv))         # 5 * 5 weights + 1 bias""",
        },
        "params",
    ),
    md(
        "둘 다 가중합을 계산한다는 점은 같습니다. 합성곱은 위치마다 입력이 25개인 작은 "
        "퍼셉트론(뉴런)이라고 볼 수 있습니다. 창을 한 줄로 펼쳐 펼친 커널과 내적하고 bias를 "
        "더하면 그 위치의 출력이 됩니다. 3행 10열의 출력으로 확인해 봅시다.",
        "Both compute weighted sums. At each position a convolution is a tiny perceptron (a "
        "neuron) with 25 inputs: flatten the window, take its dot product with the flattened "
        "kernel, add the bias, and you have the output there. Check it on the output at row 3, "
        "column 10:",
    ),
    code(
        {
            "ko": """torch.manual_seed(0)
x28 = torch.randn(1, 1, 28, 28)
out = conv(x28)                                  # (1, 1, 24, 24)
window = x28[0, 0, 3:8, 10:15]                   # out[3, 10] 아래의 5 x 5 창
neuron = window.flatten() @ conv.weight.flatten() + conv.bias
print(f"convolution {out[0, 0, 3, 10].item():.4f}")
print(f"neuron      {neuron.item():.4f}")""",
            "en": """torch.manual_seed(0)
x28 = torch.randn(1, 1, 28, 28)
out = conv(x28)                                  # (1, 1, 24, 24)
window = x28[0, 0, 3:8, 10:15]                   # the 5 x 5 window under out[3, 10]
neuron = window.flatten() @ conv.weight.flatten() + conv.bias
print(f"convolution {out[0, 0, 3, 10].item():.4f}")
print(f"neuron      {neuron.item():.4f}")""",
        },
        "neuron",
    ),
    md(
        "## 6. 풀링(Pooling)\n\n"
        "풀링도 창을 옮겨 가며 계산하지만 가중치가 없습니다. max pooling은 창 안에서 가장 큰 "
        "값을, average pooling은 평균을 남깁니다. torch에서 풀링의 stride 기본값은 커널 크기와 "
        "같아서, `MaxPool2d(2)`는 2칸씩 움직이며 높이와 너비를 절반으로 줄입니다.",
        "## 6. Pooling\n\n"
        "Pooling slides a window too, but it has no weights: max pooling keeps the largest value "
        "in the window, average pooling the mean. In torch a pooling layer's stride defaults to "
        "its kernel size, so `MaxPool2d(2)` moves two cells at a time and halves the height and "
        "the width.",
    ),
    code(
        """p = torch.tensor([[1., 3., 2., 1.],
                  [4., 2., 0., 1.],
                  [1., 1., 5., 6.],
                  [0., 2., 7., 8.]]).reshape(1, 1, 4, 4)
print(F.max_pool2d(p, 2))
print(F.avg_pool2d(p, 2))""",
        "pool",
    ),
    code(
        'animate((4, 4), 2, pool="max", input_values=p[0, 0].tolist(), lang="{lang}")',
        "player-pool",
    ),
    md(
        "## 더 해 보기\n\n"
        "코드를 쓰지 않고 여러 크기를 바꿔 보고 싶다면 인터랙티브 페이지를 만드세요.\n\n"
        "```\nconvkit animate --input 6x6 --kernel 3 --interactive --lang ko -o page.html\n```\n\n"
        "HTML 파일 하나가 만들어지고, 브라우저에서 열면 입력 크기, 커널, stride, padding, "
        "dilation, 풀링을 바꿀 때마다 공식과 출력 크기, 커널의 움직임이 바로 따라 바뀝니다. "
        "인터넷 연결은 필요 없습니다.\n\n"
        "다음: `02_tiny_cnn_ko.ipynb`에서 작은 CNN을 학습시킵니다.",
        "## Try more\n\n"
        "To try other sizes without writing code, make the interactive page:\n\n"
        "```\nconvkit animate --input 6x6 --kernel 3 --interactive -o page.html\n```\n\n"
        "It writes one HTML file. Open it in a browser and change the input size, kernel, stride, "
        "padding, dilation or pooling: the formula, the output size and the kernel's path follow "
        "at once. No network is needed.\n\n"
        "Next: `02_tiny_cnn_en.ipynb` trains a tiny CNN.",
    ),
]

# ----------------------------------------------------------------------------------------------
# Part 2: the note's CNN cell, a classifier made from it, training it on the digits
# ----------------------------------------------------------------------------------------------

MODEL = {
    "ko": """class TinyCNN(nn.Module):
    \"\"\"노트의 CNN 코드(Conv2d(1, 5, 5) 다음 MaxPool2d(2))에 ReLU와 Linear를 더한 분류기\"\"\"

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 5, 5)     # 8 x 8 -> 5 x 4 x 4
        self.pool = nn.MaxPool2d(2)         # 4 x 4 -> 2 x 2
        self.fc = nn.Linear(5 * 2 * 2, 10)  # 특징 20개 -> 숫자 10개의 점수

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        return self.fc(torch.flatten(x, 1))

torch.manual_seed(0)
model = TinyCNN()
model""",
    "en": """class TinyCNN(nn.Module):
    \"\"\"The note's CNN cell (Conv2d(1, 5, 5), then MaxPool2d(2)) with a ReLU and a Linear.\"\"\"

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 5, 5)     # 8 x 8 -> 5 x 4 x 4
        self.pool = nn.MaxPool2d(2)         # 4 x 4 -> 2 x 2
        self.fc = nn.Linear(5 * 2 * 2, 10)  # 20 features -> a score for each of 10 digits

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        return self.fc(torch.flatten(x, 1))

torch.manual_seed(0)
model = TinyCNN()
model""",
}

TRAIN = """torch.manual_seed(0)
model = TinyCNN()
loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=0.02)

history = {{"loss": [], "train_acc": [], "test_acc": []}}
for epoch in range(1, 9):
    model.train()
    total_loss, correct = 0.0, 0
    for images, labels in train_loader:
        optimizer.zero_grad()                 # {zero}
        scores = model(images)                # (64, 10)
        loss = loss_fn(scores, labels)
        loss.backward()                       # {backward}
        optimizer.step()                      # {step}
        total_loss += loss.item() * len(labels)
        correct += (scores.argmax(1) == labels).sum().item()

    model.eval()
    test_correct = 0
    with torch.no_grad():                     # {no_grad}
        for images, labels in test_loader:
            test_correct += (model(images).argmax(1) == labels).sum().item()

    history["loss"].append(total_loss / len(train_set))
    history["train_acc"].append(correct / len(train_set))
    history["test_acc"].append(test_correct / len(test_set))
    print(f"epoch {{epoch:2d}}  loss {{history['loss'][-1]:.4f}}  "
          f"train acc {{history['train_acc'][-1]:.3f}}  "
          f"test acc {{history['test_acc'][-1]:.3f}}")"""

TRAIN_COMMENTS = {
    "ko": dict(
        zero="지난 배치의 기울기를 지우고",
        backward="역전파로 기울기를 구한 뒤",
        step="가중치를 한 걸음 옮깁니다",
        no_grad="평가할 때는 기울기가 필요 없습니다",
    ),
    "en": dict(
        zero="clear the last batch's gradients",
        backward="backpropagate: the gradients",
        step="move the weights one step",
        no_grad="no gradients when evaluating",
    ),
}

PART2 = [
    md(
        "# 작은 CNN을 만들어 손글씨 숫자로 학습하기\n\n"
        "노트는 합성곱 다음에 풀링을 붙인 코드로 끝납니다. 먼저 그 코드를 실행해 보고, 이것을 작은 "
        "분류기로 만들어 convkit에 들어 있는 8 x 8 손글씨 숫자로 학습시킵니다. 학습 코드는 "
        "PyTorch에서 늘 쓰는 형태 그대로입니다(`DataLoader`, `CrossEntropyLoss`, 옵티마이저).",
        "# A tiny CNN, trained on handwritten digits\n\n"
        "The note ends with a convolution followed by a pooling layer. We run that cell first, "
        "then make it a small classifier and train it on the 8 x 8 handwritten digits that come "
        "with convkit, with the training loop PyTorch users write every day (`DataLoader`, "
        "`CrossEntropyLoss`, an optimiser).",
    ),
    code(
        "import matplotlib.pyplot as plt\n\n"
        "import convkit as torch\n"
        "import convkit.nn as nn\n"
        "import convkit.nn.functional as F\n"
        "from convkit.data import DataLoader, Digits\n"
        "from convkit.explain import explain_shapes",
        "silent",
    ),
    md("## 1. 노트의 CNN 코드", "## 1. The note's CNN cell"),
    code(
        """inputs = torch.Tensor(1,1,28,28)
conv1 = nn.Conv2d(1,5,5)
pool = nn.MaxPool2d(2)
out = conv1(inputs)
out2 = pool(out)
print(out.size())
print(out2.size())""",
        "cnn-cell",
    ),
    md(
        "5 x 5 합성곱을 지나면 `28 - 5 + 1 = 24`가 되고(필터가 5개이므로 채널도 5개), 2 x 2 max "
        "pooling이 이를 절반인 12로 줄입니다.",
        "The 5 x 5 convolution gives `28 - 5 + 1 = 24` (and 5 channels, one per filter); the "
        "2 x 2 max pooling halves that to 12.",
    ),
    code('explain_shapes("1x1x28x28", "Conv2d(1, 5, 5), MaxPool2d(2)"{lang_arg})', "cnn-explain"),
    md(
        "## 2. 노트의 코드로 분류기 만들기\n\n"
        "이미지를 숫자 10개 중 하나로 분류하려면, 합성곱 뒤에 ReLU를 넣고 풀링한 특징을 "
        "점수 10개로 바꾸는 완전 연결층(`nn.Linear`)을 붙이면 됩니다. 숫자 이미지는 "
        "8 x 8이므로 5 x 5 합성곱을 지나면 4 x 4, 풀링을 지나면 2 x 2가 되어, "
        "채널 5개 x 2 x 2 = 특징 20개가 남습니다.",
        "## 2. A classifier from the note's cell\n\n"
        "To sort an image into one of 10 digits, put a ReLU after the convolution and add a "
        "fully connected layer (`nn.Linear`) that turns the pooled features into 10 scores. The "
        "digits are 8 x 8 images, so the 5 x 5 convolution leaves 4 x 4 and the pooling 2 x 2: "
        "5 channels x 2 x 2 = 20 features.",
    ),
    code(MODEL, "model"),
    md(
        "`convkit.summary`는 층마다 출력 모양, 파라미터 수, 곱셈-덧셈 횟수(MACs), 수용 영역"
        "(receptive field)을 표로 보여 줍니다. 파라미터는 모두 340개입니다: 합성곱 "
        "`5×(5×5) + 5 = 130`, Linear `20×10 + 10 = 210`.",
        "`convkit.summary` tables each layer's output shape, parameters, multiply-adds (MACs) "
        "and receptive field. 340 parameters in all: the convolution's `5×(5×5) + 5 = 130` and "
        "the Linear layer's `20×10 + 10 = 210`.",
    ),
    code("torch.summary(model, (1, 1, 8, 8))", "summary"),
    md(
        "## 3. 데이터\n\n"
        "`Digits`는 UCI 손글씨 숫자 데이터 1,797장(8 x 8 픽셀)입니다. convkit 안에 들어 있어서 "
        "내려받을 것이 없습니다. 학습용 1,442장과 테스트용 355장으로 나뉘어 있고, `DataLoader`가 "
        "이를 섞어서 배치 단위로 꺼내 줍니다.",
        "## 3. The data\n\n"
        "`Digits` holds the 1,797 handwritten digits of the UCI data set (8 x 8 pixels). They "
        "come inside convkit, so nothing is downloaded. They are split into 1,442 training and "
        "355 test images, and a `DataLoader` serves them in shuffled batches.",
    ),
    code(
        """train_set = Digits(train=True)
test_set = Digits(train=False)
train_loader = DataLoader(train_set, batch_size=64, shuffle=True)
test_loader = DataLoader(test_set, batch_size=256)
print(train_set)
print(test_set)

images, labels = next(iter(train_loader))
print(images.shape, labels.shape)""",
        "data",
    ),
    code(
        """fig, axes = plt.subplots(1, 10, figsize=(10, 1.5))
for k, ax in enumerate(axes):
    image, label = train_set[k]
    ax.imshow(image[0].numpy(), cmap="gray_r")
    ax.set_title(label)
    ax.axis("off")
plt.show()""",
        "plot",
    ),
    md(
        "## 4. 학습\n\n"
        "학습 루프는 PyTorch와 똑같습니다. 배치마다 기울기를 지우고, 손실을 계산하고, 역전파한 "
        "뒤 옵티마이저로 가중치를 한 걸음 옮깁니다. 에폭(epoch)이 끝날 때마다 테스트 이미지로 "
        "정확도를 잽니다. 이 작은 모델은 8 에폭이면 충분합니다.",
        "## 4. Training\n\n"
        "The loop is PyTorch's: for each batch, clear the gradients, compute the loss, "
        "backpropagate, and let the optimiser move the weights one step. After each epoch we "
        "measure the accuracy on the test images. Eight epochs are enough for this small model.",
    ),
    code({lang: TRAIN.format(**TRAIN_COMMENTS[lang]) for lang in LANGS}, "train"),
    md(
        "손실(loss)은 줄고 정확도는 올라갑니다. 파라미터 340개짜리 모델로도 테스트 이미지의 "
        "90% 넘게 맞힙니다.",
        "The loss goes down and the accuracy up: with 340 parameters the model gets more than "
        "90% of the test images right.",
    ),
    code(
        """epochs = range(1, len(history["loss"]) + 1)
fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.5))
left.plot(epochs, history["loss"], marker="o")
left.set(title="training loss", xlabel="epoch", ylabel="cross-entropy")
right.plot(epochs, history["train_acc"], marker="o", label="train")
right.plot(epochs, history["test_acc"], marker="o", label="test")
right.set(title="accuracy", xlabel="epoch", ylim=(0, 1))
right.legend()
plt.show()""",
        "plot",
    ),
    md(
        "테스트 이미지 몇 장과 모델의 답입니다. 틀린 답은 빨간색입니다.",
        "A few test images with the model's answers; wrong answers are in red.",
    ),
    code(
        """images, labels = next(iter(test_loader))
with torch.no_grad():
    predicted = model(images).argmax(1)

fig, axes = plt.subplots(2, 8, figsize=(10, 3))
for k, ax in enumerate(axes.flat):
    ax.imshow(images[k, 0].numpy(), cmap="gray_r")
    right = predicted[k].item() == labels[k].item()
    ax.set_title(predicted[k].item(), color="black" if right else "red")
    ax.axis("off")
plt.show()""",
        "plot",
    ),
    md(
        "## 더 해 보기\n\n"
        "- 명령줄에서 `convkit train`을 실행하면 노트의 셀을 두 번 쌓은 모델을 같은 데이터로 "
        "학습시키고, 체크포인트와 학습 곡선을 저장합니다.\n"
        "- `convkit summary lenet5 --input 1x1x28x28 --lang ko`는 LeNet-5의 층별 표를 "
        "보여 줍니다.\n"
        '- `convkit shape 1x1x28x28 "Conv2d(1, 5, 5)" "MaxPool2d(2)" --lang ko`는 이 '
        "노트북의 모양 설명을 터미널에서 보여 줍니다.",
        "## Try more\n\n"
        "- `convkit train` on the command line trains the note's cell stacked twice on the same "
        "data, and saves a checkpoint and the training curves.\n"
        "- `convkit summary lenet5 --input 1x1x28x28` tables LeNet-5 layer by layer.\n"
        '- `convkit shape 1x1x28x28 "Conv2d(1, 5, 5)" "MaxPool2d(2)"` prints this '
        "notebook's shape explanation in a terminal.",
    ),
]

NOTEBOOKS = {"01_convolution": PART1, "02_tiny_cnn": PART2}


def build(name: str, lang: str) -> nbformat.NotebookNode:
    """The notebook ``name`` in ``lang``, outputs cleared, with stable cell ids."""
    cells = []
    for k, cell in enumerate(NOTEBOOKS[name]):
        cell_id = f"{name.split('_')[0]}-{k:02d}"
        if cell[0] == "md":
            cells.append(new_markdown_cell(cell[1][lang], id=cell_id))
            continue
        _, source, tag = cell
        text = source[lang] if isinstance(source, dict) else source
        text = text.replace("{lang_arg}", ', lang="ko"' if lang == "ko" else "").replace(
            'lang="{lang}"', f'lang="{lang}"'
        )
        text = text.replace(', lang="en"', "")  # English is the default: the torch-like call
        cells.append(new_code_cell(text, id=cell_id, metadata={"tags": [f"check:{tag}"]}))
    nb = new_notebook(cells=cells)
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    return nb


def paths() -> dict[tuple[str, str], Path]:
    return {(name, lang): HERE / f"{name}_{lang}.ipynb" for name in NOTEBOOKS for lang in LANGS}


def main() -> int:
    for (name, lang), path in paths().items():
        nbformat.write(build(name, lang), path)
        print(f"wrote {path.relative_to(HERE.parent.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
