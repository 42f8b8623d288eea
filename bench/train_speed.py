"""Training and inference throughput of the NumPy LeNet-5 on this machine.

    python bench/train_speed.py [--batch 32] [--images 60000] [--json]

Training is timed on the real loop of train/run.py (augmentation, forward, backward, SGD step),
so the seconds per epoch are what a user of run.py waits. If PyTorch happens to be importable, the
same network and work are timed with it too, for comparison only.
"""
import json
import os
import sys
import time

if __name__ == "__main__":  # run as a script: make the repository's packages importable
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402

from lenet_py import LeNet5, normalize  # noqa: E402
from train.cli import OneLineParser, fail, positive_int  # noqa: E402
from train.data import DataError, load_mnist  # noqa: E402
from lenet_py.optim import SGD  # noqa: E402
from train.config import TrainConfig  # noqa: E402
from train.run import train_epoch  # noqa: E402

EPOCH = 60000


def bench_numpy(images, labels, test_images, batch, augment=True):
    config = TrainConfig(batch_size=batch, augment=augment)
    model = LeNet5(config.model, np.random.default_rng(0))
    rng = np.random.default_rng(1)
    train_epoch(model, SGD(0.9), images[:batch * 20], labels[:batch * 20], config, 0.01, rng)  # warm-up
    start = time.perf_counter()
    train_epoch(model, SGD(0.9), images, labels, config, 0.01, rng)
    train_seconds = time.perf_counter() - start

    singles = normalize(test_images[:1000])
    start = time.perf_counter()
    for i in range(len(singles)):
        model.forward(singles[i:i + 1], train=False)
    single_rate = len(singles) / (time.perf_counter() - start)
    start = time.perf_counter()
    model.predict_proba(normalize(test_images), batch_size=1000)
    batch_rate = len(test_images) / (time.perf_counter() - start)
    return train_seconds, single_rate, batch_rate


def bench_torch(images, labels, batch):
    """The same LeNet-5 in PyTorch (scaled tanh, 2x2 average pooling, full C3), without augmentation."""
    import torch
    from torch import nn

    class ScaledTanh(nn.Module):
        def forward(self, x):
            return 1.7159 * torch.tanh(x * (2.0 / 3.0))

    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(1, 6, 5), ScaledTanh(), nn.AvgPool2d(2), ScaledTanh(), nn.Conv2d(6, 16, 5),
                        ScaledTanh(), nn.AvgPool2d(2), ScaledTanh(), nn.Conv2d(16, 120, 5), ScaledTanh(),
                        nn.Flatten(), nn.Linear(120, 84), ScaledTanh(), nn.Linear(84, 10))
    opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
    x = torch.from_numpy(normalize(images))
    y = torch.from_numpy(labels.astype(np.int64))
    loss_fn = nn.CrossEntropyLoss()
    start = time.perf_counter()
    for i in range(0, len(x), batch):
        opt.zero_grad()
        loss_fn(net(x[i:i + batch]), y[i:i + batch]).backward()
        opt.step()
    return time.perf_counter() - start, torch.__version__


def main():
    parser = OneLineParser(description="Benchmark LeNet-5 training and inference throughput.")
    parser.add_argument("--batch", type=positive_int, default=32, help="training batch size (default 32)")
    parser.add_argument("--images", type=positive_int, default=EPOCH,
                        help="training images to time, at most 60000 (default 60000, one epoch)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    if args.images > EPOCH:
        fail("--images can be at most %d (one MNIST epoch)" % EPOCH)
    try:
        data = load_mnist()
    except DataError as exc:
        fail(str(exc))
    images, labels = data["train"]
    images, labels = images[:args.images], labels[:args.images]
    train_seconds, single_rate, batch_rate = bench_numpy(images, labels, data["test"][0], args.batch)
    result = {
        "batch": args.batch,
        "images": args.images,
        "train_images_per_second": round(args.images / train_seconds, 1),
        "train_seconds_per_epoch": round(train_seconds * EPOCH / args.images, 2),
        "infer_images_per_second_batch_1": round(single_rate, 1),
        "infer_images_per_second_batch_1000": round(batch_rate, 1),
        "numpy": np.__version__,
    }
    try:
        torch_seconds, torch_version = bench_torch(images, labels, args.batch)
        result["torch_seconds_per_epoch"] = round(torch_seconds * EPOCH / args.images, 2)
        result["torch"] = torch_version
    except ImportError:
        pass
    if args.json:
        print(json.dumps(result))
        return
    print("NumPy LeNet-5, batch %d, %d images (augmentation, forward, backward, SGD step):" % (args.batch, args.images))
    print("  training   %8.0f images/s   %6.2f s per 60,000-image epoch"
          % (result["train_images_per_second"], result["train_seconds_per_epoch"]))
    print("  inference  %8.0f images/s at batch 1    %8.0f images/s at batch 1000"
          % (single_rate, batch_rate))
    if "torch" in result:
        print("PyTorch %s, same network and batch, no augmentation: %6.2f s per epoch"
              % (result["torch"], result["torch_seconds_per_epoch"]))


if __name__ == "__main__":
    main()
