"""Training speed of the NumPy LeNet-5 against PyTorch doing the same work, and inference speed.

    python bench/train_speed.py [--rounds 5] [--images 12800] [--c3 full|paper] [--activation relu|tanh] [--json]
    python bench/train_speed.py --profile      # where a training step's time goes (bench/train_profile.py)

The same work on both sides, in one process: train/run.py's model (11 outputs) with C3 fully
connected (``--c3 paper``: Table I on both sides, PyTorch multiplying its C3 weights by the mask),
ReLU as train/run.py trains (``--activation tanh``: the paper's scaled tanh 1.7159 tanh(2x/3) on both
sides), 2x2 average subsampling times a trainable coefficient plus a bias per
map, softmax cross-entropy, SGD with momentum 0.9 and no weight decay (PyTorch's would decay the biases
too, ours does not), the same batch size (32), the same shuffled
order, no augmentation, both starting from the same weights, 2 threads each (OpenBLAS and
torch.set_num_threads). The NumPy side is train/run.py's own train_epoch; the PyTorch side is the
same loop (gather, normalize, forward, loss, backward, step, count the right answers). Rounds
alternate which side goes first; each side's median seconds per 60,000 images and the median of
the per-round ratios are printed. Augmentation (styles + distortions, as train/run.py applies
them) is timed on its own and printed as its own cost per epoch. Like train/run.py, the process
keeps freed memory (train/memory.py), for both sides alike.

PyTorch is optional and never a dependency of this project. For the comparison, in a throwaway venv:

    python3 -m venv /tmp/torchvenv
    /tmp/torchvenv/bin/pip install torch numpy --index-url https://download.pytorch.org/whl/cpu
    /tmp/torchvenv/bin/pip install -e ".[train]"          # this repository's own needs
    /tmp/torchvenv/bin/python bench/train_speed.py

(The CPU index avoids the multi-GB CUDA build; a machine with a local wheel, e.g. torch==2.13.0,
can ask for that instead.)
"""
import json
import os
import sys
import time

THREADS = "2"
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):  # before NumPy loads its BLAS
    os.environ.setdefault(_name, THREADS)

if __name__ == "__main__":  # run as a script: make the repository's packages importable
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402

from lenet_py import LeNet5, normalize  # noqa: E402
from lenet_py.augment import augment  # noqa: E402
from lenet_py.optim import SGD  # noqa: E402
from train.cli import OneLineParser, fail, positive_int  # noqa: E402
from train.config import TrainConfig  # noqa: E402
from train.data import DataError, load_mnist  # noqa: E402
from train.memory import keep_freed_memory  # noqa: E402
from train.run import train_epoch  # noqa: E402
from train.styles import add_styles  # noqa: E402

EPOCH = 60000
LR = 0.01


def training_config(batch, c3, activation):
    default = TrainConfig()
    return TrainConfig(batch_size=batch, augment=False, model=default.model.__class__(
        **dict(default.model.to_dict(), c3_table=c3, activation=activation)))


class NumpySide:
    name = "NumPy"

    def __init__(self, config):
        self.config = config
        self.model = LeNet5(config.model, np.random.default_rng(0))
        self.optimizer = SGD(config.momentum)

    def epoch(self, images, labels, seed):
        train_epoch(self.model, self.optimizer, images, labels, self.config, LR, np.random.default_rng(seed))


class TorchSide:
    """The same network in PyTorch, starting from the NumPy model's weights (checked on one batch)."""
    name = "PyTorch"

    def __init__(self, config, numpy_model, check_images):
        import torch
        from torch import nn
        import torch.nn.functional as F
        torch.set_num_threads(int(THREADS))
        self.torch, self.config = torch, config
        params = {k: torch.tensor(v) for k, v in numpy_model.named_params()}
        mask = torch.tensor(numpy_model.layers[4].mask)  # (16, 6, 1, 1); all ones for a full C3

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                for k, v in params.items():  # Linear weights are (in, out) here, as in lenet_py
                    self.register_parameter(k.replace(".", "_"), nn.Parameter(v.clone()))

            def forward(self, x):
                def act(u):
                    return torch.relu(u) if config.model.activation == "relu" else 1.7159 * torch.tanh(u * (2.0 / 3.0))

                def sub(u, name):
                    w, b = getattr(self, name + "_weight"), getattr(self, name + "_bias")
                    return act(F.avg_pool2d(u, 2) * w[:, None, None] + b[:, None, None])

                x = act(F.conv2d(x, self.c1_weight, self.c1_bias))
                x = sub(x, "s2")
                c3 = self.c3_weight * mask if config.model.c3_table == "paper" else self.c3_weight
                x = sub(act(F.conv2d(x, c3, self.c3_bias)), "s4")
                x = act(F.conv2d(x, self.c5_weight, self.c5_bias)).flatten(1)
                x = act(x @ self.f6_weight + self.f6_bias)
                return x @ self.output_weight + self.output_bias

        self.net = Net()
        self.optimizer = torch.optim.SGD(self.net.parameters(), lr=LR, momentum=config.momentum)
        self.loss = nn.CrossEntropyLoss()
        x = normalize(check_images)
        ours = numpy_model.forward(x, train=False)
        with torch.no_grad():
            theirs = self.net(torch.from_numpy(x)).numpy()
        if not np.allclose(ours, theirs, rtol=1e-4, atol=1e-4):
            raise AssertionError("the PyTorch network does not compute what ours does: %g" % np.abs(ours - theirs).max())

    def epoch(self, images, labels, seed):
        torch, batch = self.torch, self.config.batch_size
        order = np.random.default_rng(seed).permutation(len(images))
        correct = 0
        for start in range(0, len(order), batch):
            pick = order[start:start + batch]
            x, y = torch.from_numpy(normalize(images[pick])), torch.from_numpy(labels[pick].astype(np.int64))
            self.optimizer.zero_grad()
            logits = self.net(x)
            loss = self.loss(logits, y)
            loss.backward()
            self.optimizer.step()
            loss.item()
            correct += int((logits.argmax(1) == y).sum())


def race(sides, images, labels, rounds):
    """{side name: [seconds per epoch, one per round]}, the sides alternating who goes first."""
    seconds = {side.name: [] for side in sides}
    for side in sides:  # warm-up: allocations, BLAS threads, workspaces
        side.epoch(images[:640], labels[:640], 99)
    for r in range(rounds):
        for side in (sides if r % 2 == 0 else sides[::-1]):
            start = time.perf_counter()
            side.epoch(images, labels, r)
            seconds[side.name].append((time.perf_counter() - start) * EPOCH / len(images))
    return seconds


def augmentation_seconds(images, labels, config, batch):
    """Seconds per 60,000 images of train/run.py's augmentation alone (styles, then the distortions)."""
    rng = np.random.default_rng(3)
    start = time.perf_counter()
    for i in range(0, len(images), batch):
        augment(add_styles(images[i:i + batch], labels[i:i + batch], rng, config.styles), rng, config.augmentation)
    return (time.perf_counter() - start) * EPOCH / len(images)


def inference_rates(model, test_images):
    """Images per second at batch 1 (the page's single digit), 8 (its candidates) and 1000 (evaluation)."""
    rates = {}
    for batch, count in ((1, 1000), (8, 2000), (1000, len(test_images))):
        x = normalize(test_images[:count])
        model.forward(x[:batch], train=False)
        start = time.perf_counter()
        for i in range(0, count, batch):
            model.forward(x[i:i + batch], train=False)
        rates[batch] = count / (time.perf_counter() - start)
    return rates


def median(values):
    return float(np.median(values))


def main():
    parser = OneLineParser(description="Benchmark LeNet-5 training (against PyTorch, if importable) and inference.")
    parser.add_argument("--batch", type=positive_int, default=32, help="training batch size (default 32)")
    parser.add_argument("--images", type=positive_int, default=12800,
                        help="training images per round, at most 60000 (default 12800)")
    parser.add_argument("--rounds", type=positive_int, default=5, help="interleaved rounds (default 5)")
    parser.add_argument("--c3", choices=("full", "paper"), default="full", help="C3 connections (default full)")
    parser.add_argument("--activation", choices=("relu", "tanh"), default=TrainConfig().model.activation,
                        help="hidden activation on both sides (default: train/run.py's, %(default)s)")
    parser.add_argument("--profile", action="store_true", help="where a training step's time goes, instead")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    keep_freed_memory()  # as train/run.py does; process-wide, so both sides get it
    if args.images > EPOCH:
        fail("--images can be at most %d (one MNIST epoch)" % EPOCH)
    try:
        data = load_mnist()
    except DataError as exc:
        fail(str(exc))
    images, labels = data["train"]
    images, labels = images[:args.images], labels[:args.images]
    config = training_config(args.batch, args.c3, args.activation)
    if args.profile:
        from bench.train_profile import profile
        return profile(images, labels, config)
    sides = [NumpySide(config)]
    try:
        sides.append(TorchSide(config, sides[0].model, images[:8]))
    except ImportError:
        pass
    seconds = race(sides, images, labels, args.rounds)
    result = {"batch": args.batch, "images_per_round": args.images, "rounds": args.rounds, "c3": args.c3,
              "activation": args.activation,
              "numpy": np.__version__, "numpy_seconds_per_epoch": round(median(seconds["NumPy"]), 2),
              "numpy_rounds": [round(s, 2) for s in seconds["NumPy"]]}
    if len(sides) > 1:
        ratios = [a / b for a, b in zip(seconds["NumPy"], seconds["PyTorch"])]
        result.update(torch=sides[1].torch.__version__, torch_seconds_per_epoch=round(median(seconds["PyTorch"]), 2),
                      torch_rounds=[round(s, 2) for s in seconds["PyTorch"]], ratio=round(median(ratios), 3),
                      ratios=[round(r, 3) for r in ratios])
    result["augmentation_seconds_per_epoch"] = round(augmentation_seconds(images, labels, TrainConfig(), args.batch), 2)
    rates = inference_rates(sides[0].model, data["test"][0])
    result.update({"infer_images_per_second_batch_%d" % b: round(r, 1) for b, r in rates.items()})
    if args.json:
        print(json.dumps(result))
        return
    print("LeNet-5 (C3 %s, %s, 11 outputs), batch %d, no augmentation, %d threads, %d rounds of %d images, interleaved:"
          % (args.c3, args.activation, args.batch, int(THREADS), args.rounds, args.images))
    print("  NumPy %-8s median %6.2f s per 60,000 images   (rounds: %s)"
          % (np.__version__, result["numpy_seconds_per_epoch"], " ".join("%.2f" % s for s in seconds["NumPy"])))
    if "torch" in result:
        print("  PyTorch %-6s median %6.2f s per 60,000 images   (rounds: %s)"
              % (result["torch"], result["torch_seconds_per_epoch"], " ".join("%.2f" % s for s in seconds["PyTorch"])))
        print("  NumPy / PyTorch: median ratio %.2fx   (rounds: %s)"
              % (result["ratio"], " ".join("%.2f" % r for r in result["ratios"])))
    else:
        print("  PyTorch is not importable here, so there is no comparison; see this file's docstring for a throwaway venv")
    print("augmentation alone (styles, rotation, zoom, shift, elastic, slant, pen width): %.2f s per 60,000 images"
          % result["augmentation_seconds_per_epoch"])
    print("inference: %.0f images/s at batch 1, %.0f at batch 8, %.0f at batch 1000"
          % (rates[1], rates[8], rates[1000]))


if __name__ == "__main__":
    main()
