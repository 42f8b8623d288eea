"""Whole numbers written by real people: digits of one pendigits writer side by side, as strokes.

    numbers = compose(data, count=300, rng=np.random.default_rng(0))   # data: pendigits.load()
    for text, strokes in numbers: ...     # ("4071", [(n, 2) arrays in canvas units])

Each number takes 2-6 digits of one writer (held-out writers only, unless told otherwise), scales
them to one height with some jitter per digit, lays them left to right with gaps from a slight
overlap to wide apart, on a wavy baseline, and fits the whole into a canvas ASPECT wide and 1 high.
A share of the neighbouring pairs where a pen would naturally run on is joined into one stroke, as
a hurried writer does: the left digit's last stroke runs on into the right digit's first (a straight
ligature between the pen's points), so the recogniser has to cut inside a stroke.
"""
import numpy as np

from scripts import pendigits

ASPECT = 3.0             # the page's canvas on a desktop: 3 wide, 1 high
LENGTHS = (2, 3, 4, 5, 6)
HEIGHT = (0.3, 0.6)      # digit height, canvas heights (shrunk if the number would not fit)
JITTER = 0.12            # each digit's height varies by up to this share either way
GAP = (-0.08, 0.35)      # space between neighbours, share of the height: a slight overlap to wide apart
BASELINE = 0.05          # baseline wander, share of the height (standard deviation)
JOINED = 0.3             # share of the pairs that allow it (see natural) written without lifting the pen
MARGIN = 0.04            # kept free at the canvas edges, canvas heights


def compose(data, count, rng, held_out_only=True):
    """-> [(digits as a string, [(n, 2) float64 strokes])], ``count`` numbers."""
    samples, labels, writers = data
    mask = pendigits.held_out(writers) if held_out_only else np.ones(len(labels), bool)
    by_writer = {}
    for i in np.flatnonzero(mask):
        by_writer.setdefault(int(writers[i]), []).append(int(i))
    people = sorted(by_writer)
    out = []
    for _ in range(count):
        own = by_writer[people[rng.integers(len(people))]]
        chosen = [own[k] for k in rng.choice(len(own), size=int(rng.choice(LENGTHS)), replace=False)]
        out.append(("".join(str(int(labels[i])) for i in chosen), write([samples[i] for i in chosen], rng)))
    return out


def write(digits, rng):
    """[strokes of one digit, ...] -> the strokes of the number, in canvas units."""
    height = rng.uniform(*HEIGHT)
    placed, x, wave = [], 0.0, rng.uniform(0, 2 * np.pi)
    for k, strokes in enumerate(digits):
        points = np.concatenate(strokes).astype(np.float64)
        lo, hi = points.min(axis=0), points.max(axis=0)
        h = height * rng.uniform(1 - JITTER, 1 + JITTER)
        scale = h / max(float(hi[1] - lo[1]), 1e-9)
        if k:
            x += height * rng.uniform(*GAP)
        # A wavy baseline: a slow sine plus a little noise, in shares of the height.
        base = height * (BASELINE * np.sin(wave + 0.9 * k) + BASELINE * rng.standard_normal() / 2)
        shift = np.array([x, base + (height - h)]) - lo * scale
        placed.append([np.asarray(s, np.float64) * scale + shift for s in strokes])
        x += (hi[0] - lo[0]) * scale
    joined = [placed[0]]
    for left, strokes in zip(placed, placed[1:]):
        if natural(left, strokes) and rng.random() < JOINED:   # the pen runs on through a ligature
            run_on = joined[-1]
            joined[-1] = run_on[:-1] + [np.concatenate([run_on[-1], strokes[0]])] + strokes[1:]
        else:
            joined.append(strokes)
    all_strokes = [s for strokes in joined for s in strokes]
    return fit(all_strokes, rng)


def natural(left, right):
    """Whether a pen may run on from digit ``left`` into digit ``right`` (each a list of strokes): from
    the right half of the left digit's last stroke, its main one, into the left half of the right
    digit's first, its main one. Nobody runs on from a 5's flag, or back across a 3."""
    tallest = lambda strokes: int(np.argmax([np.ptp(s[:, 1]) for s in strokes]))   # noqa: E731
    lo, hi = left[-1][:, 0].min(), left[-1][:, 0].max()
    rlo, rhi = right[0][:, 0].min(), right[0][:, 0].max()
    return (tallest(right) == 0 and tallest(left) == len(left) - 1
            and left[-1][-1, 0] >= (lo + hi) / 2 and right[0][0, 0] <= (rlo + rhi) / 2)


def fit(strokes, rng):
    """Scale down (never up) to fit the canvas with its margins, then place at random within it."""
    points = np.concatenate(strokes)
    lo, hi = points.min(axis=0), points.max(axis=0)
    room = np.array([ASPECT, 1.0]) - 2 * MARGIN
    scale = min(1.0, float((room / np.maximum(hi - lo, 1e-9)).min()))
    extent = (hi - lo) * scale
    corner = MARGIN + np.array([rng.uniform(0, room[0] - extent[0]), rng.uniform(0, room[1] - extent[1])])
    return [(s - lo) * scale + corner for s in strokes]


def edit_distance(a, b):
    """Levenshtein distance between two strings: the digits dropped, added or changed."""
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
    return row[-1]


def error_kind(read, truth):
    """'right', 'split' (more digits read than written), 'merge' (fewer) or 'misread' (as many, wrong)."""
    if read == truth:
        return "right"
    return "split" if len(read) > len(truth) else "merge" if len(read) < len(truth) else "misread"
