"""Where a training step's time goes: `python bench/train_speed.py --profile`.

Each stage of the forward and backward chain (a layer with its activation), the loss, the optimizer
and the data side (gather, styles, distortions, normalize, the non-digits) are timed with
perf_counter over the same steps, and printed per step and per 60,000 images. The stages are
lenet_py/fastnet.py's (LeNet5.forward and backward call them with a clock); a model without that
chain (an older lenet_py) is timed layer by layer instead. The clock itself costs a few microseconds
per stage, so the stages add up to a little more than an untimed step.
"""
import time

import numpy as np

from lenet_py import LeNet5, normalize
from lenet_py.augment import augment
from lenet_py.layers import softmax_cross_entropy
from lenet_py.optim import SGD
from train.config import TrainConfig
from train.negatives import make_pool, negatives_per_epoch, with_negatives
from train.styles import add_styles

EPOCH = 60000


class Clock:
    def __init__(self):
        self.totals, self.last = {}, time.perf_counter()

    def restart(self):
        self.last = time.perf_counter()

    def __call__(self, name):
        now = time.perf_counter()
        self.totals[name] = self.totals.get(name, 0.0) + now - self.last
        self.last = now


def train_steps(model, images, labels, batch, clock, lr=0.01):
    optimizer, fast = SGD(0.9), getattr(model, "fast", None)
    order = np.random.default_rng(0).permutation(len(images))
    for start in range(0, len(order), batch):
        pick = order[start:start + batch]
        clock.restart()
        x = normalize(images[pick], model.dtype)
        y = labels[pick]
        clock("data: gather + normalize")
        if fast is not None:
            logits = fast.forward(x, True, lambda name: clock("forward  " + name))
        else:
            logits = x
            for layer in model.layers:
                logits = layer.forward(logits, True)
                clock("forward  " + layer.name)
        loss, dlogits, _ = softmax_cross_entropy(logits, y)
        clock("loss (softmax cross-entropy)")
        if fast is not None:
            fast.backward(dlogits, lambda name: clock("backward " + name))
        else:
            grad = dlogits
            for layer in reversed(model.layers):
                grad = layer.backward(grad)
                clock("backward " + layer.name)
        optimizer.step(model, lr)
        clock("optimizer (SGD momentum)")


def augmentation(images, labels, batch, clock):
    config = TrainConfig()
    rng = np.random.default_rng(1)
    for start in range(0, len(images), batch):
        clock.restart()
        styled = add_styles(images[start:start + batch], labels[start:start + batch], rng, config.styles)
        clock("augment: styles (train/styles.py)")
        augment(styled, rng, config.augmentation)
        clock("augment: distortions (lenet_py/augment.py)")
    # Non-digits: the pool is made once per run; every epoch draws from it and appends to the images.
    extra = negatives_per_epoch(config, EPOCH)
    clock.restart()
    pool = make_pool(images, 200, np.random.default_rng(2))
    pool_seconds = (time.perf_counter() - clock.last) * 2 * extra / 200
    clock.restart()
    with_negatives(images, labels, np.repeat(pool, -(-2 * extra // 200), axis=0), extra, rng)
    return pool_seconds, time.perf_counter() - clock.last


def profile(images, labels, config, rounds=3):
    """Prints the table; the fastest of ``rounds`` passes per row (the machine is shared, noise only adds)."""
    model = LeNet5(config.model, np.random.default_rng(0))
    batch, n = config.batch_size, len(images)
    train_steps(model, images[:batch * 10], labels[:batch * 10], batch, Clock())  # warm-up
    best = {}
    for _ in range(rounds):
        clock = Clock()
        train_steps(model, images, labels, batch, clock)
        for name, seconds in clock.totals.items():
            best[name] = min(best.get(name, np.inf), seconds)
    aug = {}
    for _ in range(rounds):
        clock = Clock()
        pool_seconds, draw_seconds = augmentation(images, labels, batch, clock)
        for name, seconds in clock.totals.items():
            aug[name] = min(aug.get(name, np.inf), seconds)
    steps = -(-n // batch)
    total = sum(best.values())
    print("one training step, batch %d, C3 %s, %s, %d steps, fastest of %d passes; ms per step, s per 60,000 images:"
          % (batch, config.model.c3_table, config.model.activation, steps, rounds))
    for name, seconds in best.items():
        print("  %-44s %7.3f ms %7.2f s  %5.1f%%" % (name, 1e3 * seconds / steps, seconds * EPOCH / n, 100 * seconds / total))
    print("  %-44s %7.3f ms %7.2f s" % ("total", 1e3 * total / steps, total * EPOCH / n))
    print("augmentation, on top of the step when training with the defaults:")
    for name, seconds in aug.items():
        print("  %-44s %7.3f ms %7.2f s" % (name, 1e3 * seconds / steps, seconds * EPOCH / n))
    print("  %-44s            %7.2f s per epoch" % ("non-digits: draw 6,000 and append", draw_seconds))
    print("  %-44s            %7.2f s once per run" % ("non-digits: make the pool of 12,000", pool_seconds))
