"""The same source text runs under torch and under ``import convkit as torch``, same numbers.

The program below is the network of PyTorch's "Neural Networks" tutorial, trained a few SGD steps
on fixed data. It is executed twice, once with ``torch`` bound to PyTorch and once bound to
convkit; with the same seed the initial weights are bit-identical, so the losses must agree.
"""

import numpy as np

PROGRAM = """
import numpy as np
nn, F, optim = torch.nn, torch.nn.functional, torch.optim

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)

torch.manual_seed(0)
net = Net()
rng = np.random.default_rng(0)
inputs = torch.from_numpy(rng.standard_normal((4, 1, 32, 32)).astype(np.float32))
labels = torch.from_numpy(rng.integers(0, 10, 4))
target = torch.from_numpy(rng.standard_normal((4, 10)).astype(np.float32))
criterion = nn.MSELoss()
optimizer = optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
losses = []
for step in range(5):
    optimizer.zero_grad()
    output = net(inputs)
    loss = criterion(output, target) + F.cross_entropy(output, labels)
    loss.backward()
    optimizer.step()
    losses.append(loss.item())
params = sum(p.numel() for p in net.parameters())
shape = tuple(net(inputs).shape)
"""


def run(module):
    scope = {"torch": module}
    exec(PROGRAM, scope)  # the test's own program text, not user input
    return scope


def test_tutorial_program_runs_unchanged_with_convkit():
    import torch

    import convkit

    theirs, ours = run(torch), run(convkit)
    assert ours["params"] == theirs["params"] == 61706
    assert ours["shape"] == theirs["shape"] == (4, 10)
    np.testing.assert_allclose(ours["losses"], theirs["losses"], rtol=1e-4)
    assert ours["losses"][-1] < ours["losses"][0]
