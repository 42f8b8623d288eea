"""Drawings that are not one digit, made from MNIST and random pen strokes, for the "not a digit" output.

A softmax over ten digits must name a digit for anything: a letter B is "8, 99.9% sure". The
model gets an 11th output trained on these, so "not sure" is something it has learned rather than
only a threshold. Three kinds, all from MNIST's training images or random numbers, nothing else:

- pairs: two MNIST digits side by side (touching, apart or slightly overlapping), fitted into the
  frame as one drawing; what a person writing "47" on a one-digit pad makes;
- scribbles: one to three random smooth pen paths (a random walk whose heading drifts);
- polylines: random straight-sided shapes with five or more corners, open or closed;
- glyphs: three to five lines, arcs and loops, most of them starting on one drawn before, the way
  letters, symbols and doodles are built. Digits are built the same way from one or two such
  parts, so a glyph has at least three.

The validation set of letters and doodles (scripts/nondigits.py) is made separately, by hand, and
nothing here is derived from it, so its rejection figure measures generalisation.
"""
import numpy as np

from lenet_py.model import NOT_A_DIGIT
from lenet_py.preprocess import EmptyDrawing, canvas_to_mnist
from lenet_py.strokes import strokes_to_mnist

KINDS = ("pair", "scribble", "polyline", "glyph")
SHARES = (0.35, 0.2, 0.2, 0.25)  # how the pool is split between the kinds
INK = 64                       # brighter than this (0..255) counts as ink when cropping a digit


def _crop(image):
    rows = np.flatnonzero(image.max(axis=1) > INK)
    cols = np.flatnonzero(image.max(axis=0) > INK)
    return image[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]


def pair(first, second, rng):
    """Two (28, 28) digits -> one (28, 28) image of both side by side, fitted as MNIST fits one digit."""
    a, b = _crop(first), _crop(second)
    height = max(a.shape[0], b.shape[0])
    gap = int(rng.integers(-3, 7))                                   # < 0 overlaps, as joined handwriting does
    drop = int(rng.integers(-height // 6, height // 6 + 1))          # a wavy baseline
    canvas = np.zeros((2 * height + 8, a.shape[1] + b.shape[1] + 16), dtype=np.float64)
    top = height // 2 + 4
    canvas[top:top + a.shape[0], 4:4 + a.shape[1]] = a
    left = 4 + a.shape[1] + gap
    region = canvas[top + drop:top + drop + b.shape[0], left:left + b.shape[1]]
    np.maximum(region, b, out=region)
    return canvas_to_mnist(canvas.astype(np.uint8))


def scribble(rng):
    """One to three random smooth paths, in any units."""
    strokes = []
    for _ in range(int(rng.integers(1, 4))):
        steps = int(rng.integers(12, 60))
        turn = rng.normal(0.0, rng.uniform(0.3, 1.2), steps)         # heading drift per step, radians
        heading = rng.uniform(0, 2 * np.pi) + np.cumsum(turn)
        path = np.cumsum(np.stack([np.cos(heading), np.sin(heading)], axis=1), axis=0)
        strokes.append(path + rng.normal(0, 3, 2))
    return strokes


def polyline(rng):
    """A random shape of straight sides with 5 to 9 corners, closed half the time, as one or two strokes."""
    corners = rng.uniform(0, 1, (int(rng.integers(5, 10)), 2))
    if rng.random() < 0.5:
        corners = np.vstack([corners, corners[:1]])
    if rng.random() < 0.3:
        cut = int(rng.integers(2, len(corners) - 1))
        return [corners[:cut], corners[cut:]]
    return [corners]


def _part(rng, start):
    """One line, arc or loop in the unit box, from ``start`` or a random point: (n, 2) points."""
    start = rng.uniform(0.1, 0.9, 2) if start is None else start
    kind = rng.choice(3, p=(0.45, 0.4, 0.15))  # letters and symbols are mostly lines and arcs
    if kind == 0:                                                    # a line, at least a third of the box
        angle, length = rng.uniform(0, 2 * np.pi), rng.uniform(0.3, 0.9)
        return np.stack([start, start + length * np.array([np.cos(angle), np.sin(angle)])])
    radius = rng.uniform(0.1, 0.45, 2)
    sweep = rng.uniform(0.5, 1.4) * np.pi if kind == 1 else 2 * np.pi      # an arc, or a whole loop
    begin = rng.uniform(0, 2 * np.pi)
    angles = begin + np.sign(rng.normal()) * np.linspace(0, sweep, 24)
    ring = np.stack([np.cos(angles), np.sin(angles)], axis=1) * radius
    return ring - ring[0] + start                                    # the curve starts at ``start``


def glyph(rng):
    """Three to five parts, each starting on a part drawn before it two times in three."""
    strokes = []
    for _ in range(int(rng.integers(3, 6))):
        anchor = None
        if strokes and rng.random() < 2 / 3:
            previous = strokes[rng.integers(0, len(strokes))]
            anchor = previous[rng.integers(0, len(previous))]
        strokes.append(_part(rng, anchor))
    return strokes


def make_pool(images, count, rng):
    """(count, 28, 28) uint8 non-digits from MNIST images (N, 28, 28); the kinds in SHARES."""
    counts = np.floor(np.array(SHARES) * count).astype(int)
    counts[0] += count - counts.sum()
    out = []
    for kind, n in zip(KINDS, counts):
        for _ in range(n):
            out.append(_one(kind, images, rng))
    return np.clip(np.round(np.array(out, dtype=np.float64).reshape(-1, 28, 28)), 0, 255).astype(np.uint8)


def _one(kind, images, rng):
    if kind == "pair":
        i, j = rng.integers(0, len(images), 2)
        return pair(images[i], images[j], rng)
    strokes = {"scribble": scribble, "polyline": polyline, "glyph": glyph}[kind](rng)
    try:
        return strokes_to_mnist(strokes, pen=rng.uniform(1.6, 3.6))
    except EmptyDrawing:  # cannot happen for these shapes; a blank would only teach that blanks are not digits
        return np.zeros((28, 28))


def negatives_per_epoch(config, train_count):
    return int(round(config.negatives * train_count)) if config.model.reject else 0


def steps_per_epoch(config, train_count):
    """SGD steps in one epoch: the training images and the epoch's non-digits, in batches."""
    return -(-(train_count + negatives_per_epoch(config, train_count)) // config.batch_size)


def with_negatives(images, labels, pool, count, rng):
    """The training images followed by ``count`` non-digits drawn from the pool, labelled NOT_A_DIGIT."""
    if not count:
        return images, labels
    picked = pool[rng.choice(len(pool), count, replace=False)]
    return np.concatenate([images, picked]), np.concatenate([labels, np.full(count, NOT_A_DIGIT, labels.dtype)])
