"""Where a pen stroke may pass from one digit to the next: step 1 of lenet_py/segment.py (its docstring
says why each test is there), in its own file to keep segment.py short."""
import numpy as np

from .strokes import MIN_EXTENT, along_path

# Chosen on numbers composed of real pen digits (scripts/pendigits.py) of the tuning writers only.
SIDE = 0.5           # each side of a cut inside a stroke is at least this share of the stroke's height,
OVERLAP = 0.3        # ... the sides overlap in x by at most this share of it,
TURN = 0.5           # ... and one of them rises and falls by this share of it
CLOSE = 0.1          # cuts closer than this share of the stroke's height along its path are one


def stroke_cuts(points, typical):
    """(n, 2) stroke, a typical digit's height -> sorted interior point indices where the stroke may pass
    from one digit to the next. A stroke much shorter than a digit (a 7's bar, a 5's flag) or narrower
    than half its height holds at most one digit."""
    x, y = points[:, 0], points[:, 1]
    height, width = float(np.ptp(y)), float(np.ptp(x))
    if len(points) < 5 or height < max(SIDE * typical, MIN_EXTENT) or width < 0.5 * height:
        return []
    overlap = np.maximum.accumulate(x) - np.minimum.accumulate(x[::-1])[::-1]   # sides: [:k + 1], [k:]
    ok = (overlap <= OVERLAP * height) & _tall(y, SIDE * height) & _tall(y[::-1], SIDE * height)[::-1]
    ok &= _turns_back(y, TURN * height) | _turns_back(y[::-1], TURN * height)[::-1]
    ok[0] = ok[-1] = False
    along = along_path(points)
    cuts, edges = [], np.flatnonzero(np.diff(np.concatenate(([0], ok.astype(np.int8), [0]))))
    for start, stop in zip(edges[::2].tolist(), edges[1::2].tolist()):      # each stretch of possible cuts
        run = overlap[start:stop]
        least = start + np.flatnonzero(run <= run.min() + 1e-9 * height)
        cuts += [int(least[len(least) // 2]), start + int(np.argmax(y[start:stop])), start + int(np.argmin(y[start:stop]))]
    kept = []
    for k in sorted(set(cuts)):      # cuts closer than this along the pen's path would make slivers
        if not kept or along[k] - along[kept[-1]] > CLOSE * height:
            kept.append(k)
    return kept


def _tall(y, least):
    """(n,) -> (n,) bool: y[:k + 1] spans at least ``least``, for every k."""
    return np.maximum.accumulate(y) - np.minimum.accumulate(y) >= least


def _turns_back(y, rise):
    """(n,) -> (n,) bool: y[:k + 1] rises by ``rise`` somewhere and falls by it somewhere, for every k."""
    rises = np.maximum.accumulate(y - np.minimum.accumulate(y))
    falls = np.maximum.accumulate(np.maximum.accumulate(y) - y)
    return (rises >= rise) & (falls >= rise)


def _ligature(points):
    """(n, 2) ink between two cuts of a stroke -> whether it may be a ligature: nearly straight, to the
    right and not steeply down (a 1 in a joined "111" goes down, a 0 in "000" goes round)."""
    (dx, dy), length = points[-1] - points[0], np.sqrt((np.diff(points, axis=0) ** 2).sum(axis=1)).sum()
    return bool(dx > 0 and dy < dx and length <= 1.5 * np.hypot(dx, dy))
