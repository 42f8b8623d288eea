"""What the pen's path says that the 28x28 image does not: a 0 has no corners.

The network sees ink on a grid, and a square, a pentagon or a cloud is a closed loop there, as a 0
is: it reads them as 0, sure. The pen's path tells them apart. Drawing an oval, the pen turns
steadily; drawing a polygon, it turns sharply at each corner. So a drawing read as 0 whose path
turns by more than CORNER_ANGLE at more than MAX_ZERO_CORNERS places is not a 0. A turn is measured
between the path CORNER_REACH of the drawing's size behind and ahead, so that a hand's small jitter
is no corner, and not within that reach of a stroke's ends, where a pen lands and lifts (the top of
a 0 drawn as a teardrop).

The three values were set before measuring, then checked on the tuning writers' zeros
(scripts/pendigits.py, writers 1-10, replayed as bench/real_handwriting.py replays them): none of
the 259 they read as 0 turns sharply at more than one place.

    corners(strokes)                     # [(n, 2)] -> how many sharp turns
    not_a_zero(probabilities, strokes)   # a reason to be unsure, or None
"""
import numpy as np

CORNER_ANGLE = 60.0      # degrees: a turn sharper than this is a corner (a square's are 90)
CORNER_REACH = 0.1       # share of the drawing's larger side, behind and ahead of each point
MAX_ZERO_CORNERS = 2     # an oval has none; a teardrop or a hurried closing, one or two
NOT_A_ZERO = "it turns sharply in several places, and a 0 does not"


def corners(strokes):
    """Strokes [(n, 2) float] in any units -> the number of places where the pen turns by more than
    CORNER_ANGLE. Sharp points closer than the reach along the path are one corner."""
    strokes = [np.asarray(points, dtype=np.float64).reshape(-1, 2) for points in strokes]
    every = np.concatenate(strokes) if strokes else np.zeros((0, 2))
    if len(every) < 3:
        return 0
    reach = CORNER_REACH * float(np.ptp(every, axis=0).max())
    if reach <= 0:
        return 0
    limit = np.cos(np.radians(CORNER_ANGLE))
    count = 0
    for points in strokes:
        points = _even(points, reach / 5)   # as many points however the pen reported them
        if len(points) < 3:
            continue
        along = np.r_[0.0, np.cumsum(np.sqrt((np.diff(points, axis=0) ** 2).sum(axis=1)))]   # (n,)
        back = points[np.searchsorted(along, along - reach).clip(0, len(points) - 1)]
        ahead = points[np.searchsorted(along, along + reach).clip(0, len(points) - 1)]
        came, goes = points - back, ahead - points                                           # (n, 2)
        lengths = np.sqrt((came ** 2).sum(axis=1) * (goes ** 2).sum(axis=1))
        cosine = (came * goes).sum(axis=1) / np.maximum(lengths, 1e-300)
        sharp = np.flatnonzero((lengths > 0) & (cosine < limit) & (along >= reach) & (along <= along[-1] - reach))
        if len(sharp):
            count += 1 + int((np.diff(along[sharp]) > reach).sum())
    return count


def _even(points, step):
    """(n, 2) -> the points every ``step`` along the path, its ends kept: a pen that reported only a
    square's four corners turns there as sharply as one that reported every pixel."""
    along = np.r_[0.0, np.cumsum(np.sqrt((np.diff(points, axis=0) ** 2).sum(axis=1)))]
    if len(points) < 2 or along[-1] <= 0:
        return points[:1]
    at = np.r_[np.arange(0.0, along[-1], step), along[-1]]
    return np.stack([np.interp(at, along, points[:, 0]), np.interp(at, along, points[:, 1])], axis=1)


def not_a_zero(probabilities, strokes):
    """The ten digits' probabilities (and "not a digit" after them, if any), the drawing's strokes ->
    NOT_A_ZERO when the likeliest digit is 0 but the path has corners a 0 has not, else None."""
    if int(np.argmax(np.asarray(probabilities, dtype=np.float64)[:10])) != 0:
        return None
    return NOT_A_ZERO if corners(strokes) > MAX_ZERO_CORNERS else None
