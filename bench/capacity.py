"""Is it LeNet-5's size that holds real handwriting back, or MNIST? Wider LeNets, same training, same test.

    python bench/capacity.py [--widths 6,16,120,84 12,32,240,84] [--epochs 18] [--seed 0] [--json]

Each net has LeNet-5's shape with its own numbers of maps and units, C1, C3, C5, F6 (6,16,120,84
is LeNet-5's own), ReLU, 2x2 average subsampling, C3 fully connected, 11 outputs. Each is trained
on what train/run.py trains on, with its settings (TrainConfig's defaults: the same MNIST images,
styles, augmentation and non-digits, made by this repository's own code from the same seeds, batch
32, SGD with momentum, weight decay on weights only, the step schedule, the moving average of the
weights). Not the same: PyTorch's initial weights (not "lecun"), its form of momentum (the velocity
holds lr * gradient, so a smaller learning rate does not shrink what is already built up), C3 fully
connected rather than Table I, and plain average pooling rather than a trainable coefficient and
bias per map. Each net then reads MNIST's test set
and the real pen digits of bench/real_handwriting.py, drawn as that benchmark's CPython figures draw
them (one digit each, placed at a random size, ``lenet_py.strokes``). Printed per epoch and at the
end: MNIST test accuracy and the share of real digits whose most likely digit is right (argmax of
the ten digits, no "not sure"), on the writers tuning never looked at and on the tuning writers.

The nets are PyTorch's, for speed: PyTorch is optional and never a dependency of this project (see
bench/train_speed.py for a throwaway venv). LeNet-5's own widths are trained here too, so that
every comparison is between nets trained by the same code (README, "Real handwriting", compares
them with the shipped NumPy weights). One CPU thread per process, so two can run side by side.
"""
import argparse
import json
import os
import sys
import time

for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):  # before NumPy loads its BLAS
    os.environ.setdefault(_name, "1")

if __name__ == "__main__":  # run as a script: make the repository's packages importable
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402

from lenet_py.augment import augment  # noqa: E402
from lenet_py.preprocess import normalize  # noqa: E402
from lenet_py.strokes import strokes_to_mnist  # noqa: E402
from scripts import pendigits, replay  # noqa: E402
from train.config import TrainConfig  # noqa: E402
from train.data import DataError, load_mnist  # noqa: E402
from train.negatives import make_pool, negatives_per_epoch, with_negatives  # noqa: E402
from train.styles import add_styles  # noqa: E402


def widths(text):
    """"C1,C3,C5,F6" -> a tuple of four positive ints."""
    parts = text.split(",")
    if len(parts) != 4 or not all(p.strip().isdigit() and int(p) > 0 for p in parts):
        raise argparse.ArgumentTypeError("widths are four positive whole numbers C1,C3,C5,F6, not %r" % text)
    return tuple(int(p) for p in parts)


def real_digits():
    """-> (images (N, 28, 28), labels (N,), held_out (N,) bool): every pendigits digit, drawn as
    bench/real_handwriting.py's CPython figures draw it."""
    samples, labels, writers = pendigits.load()
    images = np.stack([strokes_to_mnist([s.tolist() for s in replay.placed(samples[i], 0, (0, i), "digit")[0]])
                       for i in range(len(labels))])
    return images, labels, pendigits.held_out(writers)


def make_net(torch, sizes):
    """(C1, C3, C5, F6) -> a LeNet-shaped torch module: (N, 1, 32, 32) -> (N, 11) logits."""
    nn, F = torch.nn, torch.nn.functional
    c1, c3, c5, f6 = sizes

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.c1, self.c3 = nn.Conv2d(1, c1, 5), nn.Conv2d(c1, c3, 5)
            self.c5, self.f6, self.out = nn.Linear(c3 * 25, c5), nn.Linear(c5, f6), nn.Linear(f6, 11)

        def forward(self, x):
            x = F.avg_pool2d(F.relu(self.c1(x)), 2)              # (N, C1, 28, 28) -> (N, C1, 14, 14)
            x = F.avg_pool2d(F.relu(self.c3(x)), 2)              # (N, C3, 10, 10) -> (N, C3, 5, 5)
            return self.out(F.relu(self.f6(F.relu(self.c5(x.flatten(1))))))
    return Net()


def accuracy(torch, net, images, labels):
    """Share of images whose highest of the ten digit outputs is their label."""
    with torch.no_grad():
        out = np.concatenate([net(torch.from_numpy(normalize(images[i:i + 1000]))).numpy()
                              for i in range(0, len(images), 1000)])
    return float((out[:, :10].argmax(axis=1) == labels).mean())


def train(torch, sizes, epochs, seed, mnist, real, say):
    """One net trained as train/run.py trains -> its figures after every epoch (of its averaged weights)."""
    config = TrainConfig(seed=seed)
    (train_images, train_labels), (test_images, test_labels) = mnist
    _, train_seed, pool_seed = np.random.SeedSequence(seed).spawn(3)   # as train/run.py splits the seed
    rng = np.random.default_rng(train_seed)
    torch.manual_seed(seed)
    net, average = make_net(torch, sizes), make_net(torch, sizes)
    average.load_state_dict(net.state_dict())
    decayed = [p for name, p in net.named_parameters() if name.endswith("weight")]     # not the biases, as ours
    others = [p for name, p in net.named_parameters() if not name.endswith("weight")]
    optimizer = torch.optim.SGD([{"params": decayed, "weight_decay": config.weight_decay},
                                 {"params": others, "weight_decay": 0.0}], lr=config.lr, momentum=config.momentum)
    extra = negatives_per_epoch(config, len(train_images))
    pool = make_pool(train_images, 2 * extra, np.random.default_rng(pool_seed))
    steps, history = 0, []
    for epoch in range(epochs):
        started = time.perf_counter()
        for group in optimizer.param_groups:
            group["lr"] = config.lr * config.lr_decay ** (epoch // config.lr_step)
        images, labels = with_negatives(train_images, train_labels, pool, extra, rng)
        order = rng.permutation(len(images))
        for start in range(0, len(order), config.batch_size):
            batch = order[start:start + config.batch_size]
            pixels = augment(add_styles(images[batch], labels[batch], rng, config.styles), rng, config.augmentation)
            loss = torch.nn.functional.cross_entropy(net(torch.from_numpy(normalize(pixels))),
                                                     torch.from_numpy(labels[batch].astype(np.int64)))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            steps += 1
            decay = min(config.average, (1.0 + steps) / (10.0 + steps))   # train/average.py's warm-up
            with torch.no_grad():
                for a, p in zip(average.parameters(), net.parameters()):
                    a.mul_(decay).add_(p, alpha=1.0 - decay)
        images, labels, held = real
        row = {"epoch": epoch + 1, "seconds": round(time.perf_counter() - started, 1),
               "mnist": accuracy(torch, average, test_images, test_labels),
               "held_out": accuracy(torch, average, images[held], labels[held]),
               "tuning": accuracy(torch, average, images[~held], labels[~held])}
        history.append(row)
        say("  %s epoch %2d (%3.0f s): MNIST %.2f%%  real digits, held-out writers %.2f%%, tuning writers %.2f%%"
            % (",".join(map(str, sizes)), row["epoch"], row["seconds"], 100 * row["mnist"], 100 * row["held_out"],
               100 * row["tuning"]))
    weights = sum(p.numel() for p in net.parameters())
    return {"widths": list(sizes), "weights": int(weights), "seed": seed, "epochs": history}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--widths", type=widths, nargs="+", default=[(6, 16, 120, 84), (12, 32, 240, 84)],
                        help="C1,C3,C5,F6 of each net (default: LeNet-5's 6,16,120,84 and twice its maps 12,32,240,84)")
    parser.add_argument("--epochs", type=int, default=TrainConfig().epochs, help="passes (default: train/run.py's)")
    parser.add_argument("--seed", type=int, default=0, help="seed, as train/run.py --seed (default 0)")
    parser.add_argument("--json", action="store_true", help="every figure as JSON")
    args = parser.parse_args()
    if args.epochs < 1:
        parser.error("--epochs must be at least 1, not %d" % args.epochs)
    try:
        import torch
    except ImportError:
        raise SystemExit("error: PyTorch is not installed here; see this script's docstring for a throwaway venv")
    torch.set_num_threads(1)
    try:
        mnist = load_mnist()
        real = real_digits()
    except (DataError, pendigits.Missing) as exc:
        raise SystemExit("error: %s" % exc)
    say = (lambda text: print(text, file=sys.stderr, flush=True)) if args.json else (lambda text: print(text, flush=True))
    results = [train(torch, sizes, args.epochs, args.seed, (mnist["train"], mnist["test"]), real, say)
               for sizes in args.widths]
    if args.json:
        print(json.dumps(results, indent=1))
        return
    print("\nAfter %d epochs, seed %d (real digits: argmax of the ten digits, no \"not sure\"):" % (args.epochs, args.seed))
    for r in results:
        last = r["epochs"][-1]
        print("  %-14s %7d weights  MNIST %.2f%%  held-out writers %.2f%%  tuning writers %.2f%%"
              % (",".join(map(str, r["widths"])), r["weights"], 100 * last["mnist"], 100 * last["held_out"],
                 100 * last["tuning"]))


if __name__ == "__main__":
    main()
