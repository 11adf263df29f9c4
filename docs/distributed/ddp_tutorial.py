"""Data-parallel training the way PyTorch's DDP tutorials teach it (set-up and clean-up, a
DistributedSampler, the DistributedDataParallel wrap, a Trainer with a train loop, the checkpoint
written by rank 0 and read back by every rank), written for torch and run unchanged by convkit.

    mpiexec -n 2 python docs/distributed/ddp_tutorial.py                       # convkit, MPI
    LIB=torch torchrun --nproc-per-node 2 docs/distributed/ddp_tutorial.py     # torch, gloo

``LIB`` picks the library (``import convkit as torch`` by default). Both print the same numbers:
same initial weights, same shards, same averaged gradients.
"""

import importlib
import os
import sys
import tempfile

torch = importlib.import_module(os.environ.get("LIB", "convkit"))  # import convkit as torch
dist = importlib.import_module(torch.__name__ + ".distributed")
data = importlib.import_module(torch.__name__ + ".utils.data")
nn = torch.nn
F = torch.nn.functional
DDP = torch.nn.parallel.DistributedDataParallel


def setup():
    # The rank and world size come from the launcher (torchrun's variables, or MPI's).
    backend = "mpi" if dist.is_mpi_available() else "gloo"
    dist.init_process_group(backend)


def cleanup():
    dist.destroy_process_group()


class ConvNet(nn.Module):
    def __init__(self, classes=4):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 8, 3, padding=1, bias=False),
            nn.BatchNorm2d(8),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 3),
            nn.ReLU(),
        )
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(16 * 4 * 4, 32), nn.ReLU())
        self.out = nn.Linear(32, classes)

    def forward(self, x):
        return self.out(self.head(self.features(x)))


def make_dataset(n=240):
    """Images whose class is which quarter (top/bottom, left/right) is brightest."""
    g = torch.Generator().manual_seed(1234)
    x = torch.randn(n, 1, 12, 12, generator=g)
    y = torch.randint(0, 4, (n,), generator=g)
    for k in range(n):
        r, c = divmod(int(y[k]), 2)
        x[k, 0, r * 6 : r * 6 + 6, c * 6 : c * 6 + 6] += 1.0
    return data.TensorDataset(x, y)


class Trainer:
    def __init__(self, model, train_data, optimizer, save_every, snapshot_path):
        self.rank = dist.get_rank()
        self.model = DDP(model)
        self.train_data = train_data
        self.optimizer = optimizer
        self.save_every = save_every
        self.snapshot_path = snapshot_path

    def _run_batch(self, source, targets):
        self.optimizer.zero_grad()
        output = self.model(source)
        loss = F.cross_entropy(output, targets)
        loss.backward()
        self.optimizer.step()
        return loss.detach()

    def _run_epoch(self, epoch):
        self.train_data.sampler.set_epoch(epoch)
        total = torch.zeros(())
        for source, targets in self.train_data:
            total += self._run_batch(source, targets)
        # Every rank saw its own shard: average the mean losses over the ranks.
        total /= len(self.train_data)
        dist.all_reduce(total, op=dist.ReduceOp.SUM)
        total /= dist.get_world_size()
        if self.rank == 0:
            batch = len(next(iter(self.train_data))[0])
            print(
                f"[rank {self.rank}] epoch {epoch} | batch size {batch} | "
                f"steps {len(self.train_data)} | loss {total.item():.6f}"
            )

    def _save_checkpoint(self, epoch):
        # The wrapped model's own state dict, without DDP's "module." prefix.
        torch.save(self.model.module.state_dict(), self.snapshot_path)
        print(f"epoch {epoch} | checkpoint saved at {os.path.basename(self.snapshot_path)}")

    def train(self, max_epochs):
        for epoch in range(max_epochs):
            self._run_epoch(epoch)
            if self.rank == 0 and epoch % self.save_every == 0:
                self._save_checkpoint(epoch)


def main(total_epochs=4, save_every=2, snapshot_path=None):
    setup()
    rank, world = dist.get_rank(), dist.get_world_size()
    torch.manual_seed(0)
    model = ConvNet()
    dataset = make_dataset()
    loader = data.DataLoader(
        dataset, batch_size=12, shuffle=False, sampler=data.DistributedSampler(dataset)
    )
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    trainer = Trainer(model, loader, optimizer, save_every, snapshot_path)
    trainer.train(total_epochs)

    # As the tutorial's demo_checkpoint: rank 0 wrote it; the others wait, then load it too.
    dist.barrier()
    fresh = ConvNet()
    fresh.load_state_dict(torch.load(snapshot_path, map_location="cpu", weights_only=True))
    fresh.eval()
    with torch.no_grad():
        x, y = dataset.tensors
        accuracy = (fresh(x).argmax(1) == y).float().mean().item()
        checksum = sum(p.double().sum().item() for p in trainer.model.module.parameters())
    print(f"[rank {rank}/{world}] checkpoint accuracy {accuracy:.4f} | parameters {checksum:.6f}")
    cleanup()


if __name__ == "__main__":
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(tempfile.gettempdir(), "ddp.pt")
    main(snapshot_path=path)
