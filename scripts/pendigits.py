"""Real pen strokes for measuring and testing: ../shared/data/pendigits_train.npz (30 writers, 7,494 digits).

UCI's "Pen-Based Recognition of Handwritten Digits" by E. Alpaydin and F. Alimoglu (CC BY 4.0). It is
read from beside the repository and never copied into it, and nothing trains the shipped weights on it.

The writers are split once, here, so that every figure says which part it comes from:
TUNING_WRITERS may be looked at while choosing settings (pen width, the "not sure" threshold);
the rest are held out and only ever measured.
"""
import os

import numpy as np

from lenet_py.shapes import even
from train.cli import REPO

PATH = os.path.join(os.path.dirname(REPO), "shared", "data", "pendigits_train.npz")
TUNING_WRITERS = frozenset(range(1, 11))   # writers 1-10; 11-30 are held out
BOX = 500.0                                # the tablet's box, in its units (y down)


class Missing(RuntimeError):
    """The data file is not there; str() says where it was looked for."""


def load(path=PATH):
    """-> (samples: [[(n, 2) float32 stroke, ...]], labels (N,) uint8, writers (N,) int32), y pointing down."""
    if not os.path.isfile(path):
        raise Missing("real handwriting not found at %s (see shared/data/README.md)" % path)
    with np.load(path) as z:
        points, stroke_start, sample_start = z["points"], z["stroke_start"], z["sample_start"]
        labels, writers = z["labels"], z["writer"]
    stroke_end = np.r_[stroke_start[1:], len(points)]
    sample_end = np.r_[sample_start[1:], len(stroke_start)]
    samples = [[points[stroke_start[k]:stroke_end[k]] for k in range(sample_start[i], sample_end[i])]
               for i in range(len(labels))]
    return samples, labels, writers


def held_out(writers):
    """Boolean mask of the samples whose writer was never looked at while tuning."""
    return ~np.isin(writers, sorted(TUNING_WRITERS))


def place(strokes, rng, low=0.15, high=0.80, aspect=1.0):
    """One sample's strokes, scaled so that its larger side is a random fraction in [low, high] of the
    canvas height, at a random place inside a canvas ``aspect`` wide and 1 high. -> [(n, 2) float64]."""
    points = np.concatenate(strokes).astype(np.float64)
    lo, hi = points.min(axis=0), points.max(axis=0)
    size = rng.uniform(low, high)
    scale = size / max(float((hi - lo).max()), 1e-9)
    extent = (hi - lo) * scale
    margin = 0.02
    corner = np.array([rng.uniform(margin, max(margin, aspect - margin - extent[0])),
                       rng.uniform(margin, max(margin, 1.0 - margin - extent[1]))])
    return [(np.asarray(s, dtype=np.float64) - lo) * scale + corner for s in strokes]


def resample(stroke, step):
    """Points every ``step`` along the polyline (its ends kept): how a pen sampled fast would report it."""
    return even(stroke, step)
