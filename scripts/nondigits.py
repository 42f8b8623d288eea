"""Drawings that are not one digit, as pen strokes: for measuring and testing "not sure", never for training.

The set holds letters that no fair reader would take for a digit, doodles (a heart, a house, a
scribble, ...), shapes and marks (a square, a hash, a dash, ...), dots, and pairs of real digits side
by side as someone writing "47" would. It exists to measure how often the recognizer says "not sure"
to them (bench/real_handwriting.py, tests/test_real_handwriting.py), so it is made by hand here and is
independent of train/: the training code makes its own, different negatives, and nothing in this set
was chosen by looking at what a model gets wrong. Train on it and the figure it gives means nothing.

The templates (scripts/nondigit_templates.py) are drawn many times each, every time with a human
amount of variation: slant, aspect, rotation, a smooth wobble, pen jitter and a pen's even sampling.
Pairs are real strokes from scripts/pendigits.py, two digits of one writer.

Left out, because in handwriting they are digit shapes (nondigit_templates.EXCLUDED): O o (0), I l i
(1), S s (5), Z z (2), b G (6), g q (9), C c (an open 0, the top of a 6), D Q (a 0 with a flat side
or a tail), J j (a 1 with a foot), d p (a 6 or 9 mirrored); and a plain circle (0) and a vertical line (1).

    items = nondigit_set(np.random.default_rng(0), pendigits=pendigits.load())
    for kind, name, strokes in items: ...   # ("letter", "B", [(n, 2) arrays]), ("pair", "pair 47", ...)

A drawing comes placed in a canvas 1 high at 20-80% of its height (a dot far below MIN_EXTENT), so
that lenet_py.strokes sees the dots as dots. Whoever replays the set at other sizes must leave the
dots as they are, or they stop being dots.
"""
import numpy as np

from scripts.nondigit_templates import DOODLES, LETTERS, SHAPES
from scripts.pendigits import place, resample

KINDS = ("letter", "doodle", "shape", "dot", "pair")
TEMPLATES = ([("letter", k, v) for k, v in LETTERS.items()] + [("doodle", k, v) for k, v in DOODLES.items()]
             + [("shape", k, v) for k, v in SHAPES.items()])
DOTS = ("tap", "short tap")

SLANT, ASPECT, ROTATION = 0.3, (0.7, 1.4), 10.0   # shear, width/height factor, degrees
WOBBLE = (0.02, 0.04)    # largest smooth displacement, as a share of the drawing's size
JITTER = 0.006           # per-point pen noise (standard deviation), share of the size: about 1% either way
POINTS = (40, 81)        # points a pen reports for one drawing (the upper end excluded)
HEIGHTS = (0.9, 1.1)    # height of a pair's second digit over the first's
GAP = (0.0, 0.3)         # space between the two digits of a pair, share of the wider digit's width
BASELINE = 0.06          # vertical jitter of the second digit of a pair (standard deviation), share of the height


def densify(stroke, step=0.01):
    """Points every ``step`` along the stroke, so that a straight line has points for the wobble to bend."""
    return resample(np.asarray(stroke, dtype=np.float64).reshape(-1, 2), step)


def wobble(points, rng, size):
    """A smooth random displacement of every point: a few long waves over the drawing's plane, so
    strokes that cross stay crossed and a straight line bends gently, as a hand does."""
    out = np.zeros_like(points)
    for axis in range(2):
        for _ in range(3):
            direction = rng.normal(size=2)
            frequency = rng.uniform(0.5, 1.5) / size   # cycles per drawing: low, or it would be a tremor
            phase = rng.uniform(0, 2 * np.pi)
            out[:, axis] += rng.normal() * np.sin(2 * np.pi * frequency * points @ (direction / np.linalg.norm(direction))
                                                   + phase)
    biggest = np.abs(out).max()
    return out * (rng.uniform(*WOBBLE) * size / biggest if biggest > 0 else 0.0)


def vary(strokes, rng):
    """A template (unit box) drawn once by a person: -> [(n, 2) float64] around the unit box."""
    strokes = [densify(s) for s in strokes]
    aspect = np.exp(rng.uniform(np.log(ASPECT[0]), np.log(ASPECT[1])))
    angle = np.radians(rng.uniform(-ROTATION, ROTATION))
    rotate = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    shear = np.array([[1.0, -rng.uniform(-SLANT, SLANT)], [0.0, 1.0]])   # x moves with height: a slant
    linear = rotate @ shear @ np.diag([np.sqrt(aspect), 1.0 / np.sqrt(aspect)])
    strokes = [(s - 0.5) @ linear.T + 0.5 for s in strokes]
    points = np.concatenate(strokes)
    size = float(np.ptp(points, axis=0).max())
    shift = np.split(wobble(points, rng, size), np.cumsum([len(s) for s in strokes])[:-1])
    strokes = [s + d for s, d in zip(strokes, shift)]
    # A pen reports points evenly in time, so about evenly along a steady stroke: 40-80 for a drawing.
    length = sum(float(np.sqrt((np.diff(s, axis=0) ** 2).sum(axis=1)).sum()) for s in strokes)
    step = length / rng.integers(*POINTS)
    strokes = [resample(s, step) for s in strokes]
    return [s + rng.normal(0.0, JITTER * size, s.shape) for s in strokes]


def dot(name, rng):
    """A tap where the pen barely moved: a single point, or a few points within a hair of it (canvas units)."""
    at = rng.uniform(0.2, 0.8, size=2)
    if name == "tap":
        return [at[None, :]]
    return [at + np.cumsum(rng.normal(0.0, 0.002, (int(rng.integers(2, 6)), 2)), axis=0)]


def _box(strokes):
    points = np.concatenate(strokes)
    return points.min(axis=0), points.max(axis=0)


def two_digits(rng, samples, labels, writers):
    """Two real digits by one writer side by side, as in "47": -> (name, strokes, (left, right)), where
    left and right index samples and the first len(samples[left]) strokes are the left digit's.

    The right digit is scaled to the left one's height, give or take 10%; the gap is 0-30% of the
    wider digit's width, and the right digit's baseline moves a little, as it does on paper."""
    writer = rng.choice(np.unique(writers))
    left, right = rng.choice(np.flatnonzero(writers == writer), size=2)   # the same digit twice is a number too
    a = [np.asarray(s, dtype=np.float64) for s in samples[left]]
    b = [np.asarray(s, dtype=np.float64) for s in samples[right]]
    (alo, ahi), (blo, bhi) = _box(a), _box(b)
    # One writer's samples differ in size from one box to the next; two digits of a number do not much.
    scale = (ahi[1] - alo[1]) / max(bhi[1] - blo[1], 1e-9) * rng.uniform(*HEIGHTS)
    b = [(s - blo) * scale + blo for s in b]
    bhi = blo + (bhi - blo) * scale
    gap = rng.uniform(*GAP) * max(ahi[0] - alo[0], bhi[0] - blo[0])
    height = max(ahi[1] - alo[1], bhi[1] - blo[1])
    offset = np.array([ahi[0] + gap - blo[0], ahi[1] - bhi[1] + rng.normal(0.0, BASELINE) * height])
    name = "pair %d%d" % (labels[left], labels[right])
    return name, a + [s + offset for s in b], (int(left), int(right))


def nondigit_set(rng, per_template=10, pairs=200, pendigits=None):
    """-> list of (kind, name, strokes): strokes a list of (n, 2) float64 arrays, y down, any units.
    pendigits: (samples, labels, writers) as scripts.pendigits.load() returns, or None to leave pairs out.

    Every template is drawn per_template times, each dot per_template times, then ``pairs`` pairs.
    Pass a subset of pendigits (e.g. pendigits.held_out(writers)) to draw pairs from those writers only."""
    items = []
    for kind, name, template in TEMPLATES:
        for _ in range(per_template):
            strokes = template(rng) if callable(template) else template
            items.append((kind, name, place(vary(strokes, rng), rng, 0.2, 0.8)))
    for name in DOTS:
        items += [("dot", name, dot(name, rng)) for _ in range(per_template)]
    if pendigits is not None:
        samples, labels, writers = pendigits
        for _ in range(pairs):
            name, strokes, _ = two_digits(rng, samples, np.asarray(labels), np.asarray(writers))
            items.append(("pair", name, place(strokes, rng, 0.3, 0.9)))
    return items
