"""What the pen's path says that the 28x28 image does not: a 0 has no corners.

The network sees ink on a grid, and a square, a pentagon or a cloud is a closed loop there, as a 0
is: it reads them as 0, sure. The pen's path tells them apart. Drawing an oval, the pen turns
steadily; drawing a polygon, it turns sharply at each corner. So a drawing read as 0 whose strokes
turn by more than CORNER_ANGLE at more than MAX_ZERO_CORNERS places is not a 0. A turn is the angle
between where the pen came from and where it goes, CORNER_REACH of the drawing's size behind and
ahead, so that a hand's small jitter is no corner. A turn whose sharpest point lies within the reach
of a stroke's end is the pen landing or lifting (a hook), not the shape. The round ends of a very thin
oval turn that much too, which is one reason a 0 may have MAX_ZERO_CORNERS. Corners are counted
within each stroke: a square of four separate lines has none.

CORNER_ANGLE, CORNER_REACH and MAX_ZERO_CORNERS were set before measuring, then checked on the
tuning writers' zeros (scripts/pendigits.py, writers 1-10, drawn as bench/real_handwriting.py draws
them): none of the 259 turns sharply at more than one place. Judging a turn near an end by its
sharpest point came after, from a review; the check gives the same.

    corners(strokes)                # [(n, 2)] -> how many sharp turns
    too_sharp_for_a_zero(strokes)   # whether a 0 read there is not a 0
"""
import numpy as np

from .strokes import along_path

CORNER_ANGLE = 60.0      # degrees: a turn sharper than this is a corner (a square's are 90)
CORNER_REACH = 0.1       # share of the drawing's larger side, behind and ahead of each point
MAX_ZERO_CORNERS = 2     # an oval has none; a hurried closing or a very thin oval's ends, one or two
POINTS_PER_REACH = 10    # the path is resampled this finely (and to at most MAX_POINTS points a stroke)
MAX_POINTS = 2000        # no 0 is that long: a scribble costs no more than this
NOT_A_ZERO = "it turns sharply in several places, and a 0 does not"


def even(points, step, along=None):
    """(n, 2) -> the points every ``step`` along the path, its ends kept (scripts/pendigits.resample
    is this): a pen that reported only a square's four corners turns there as a pen that reported
    every pixel does. along: along_path(points), when the caller has it."""
    points = np.asarray(points, dtype=np.float64)
    if len(points) < 2:
        return points
    along = along_path(points) if along is None else along
    if along[-1] == 0:
        return points[:1]
    at = np.append(np.arange(0.0, along[-1], step), along[-1])
    return np.stack([np.interp(at, along, points[:, 0]), np.interp(at, along, points[:, 1])], axis=1)


def _cosines(points, along, reach):
    """(n, 2) points, (n,) path length at each -> (n,) cosine of the turn between ``reach`` behind and
    ahead (1: straight on; near the ends, where one side is missing, 1)."""
    last = len(points) - 1
    came = points - points[np.searchsorted(along, along - reach).clip(0, last)]
    goes = points[np.searchsorted(along, along + reach).clip(0, last)] - points
    lengths = np.sqrt((came ** 2).sum(axis=1) * (goes ** 2).sum(axis=1))
    return np.where(lengths > 0, (came * goes).sum(axis=1) / np.maximum(lengths, 1e-300), 1.0)


def corners(strokes):
    """Strokes [(n, 2) float] in any units -> the number of places where a stroke turns by more than
    CORNER_ANGLE. Sharp points closer than the reach along the path are one corner."""
    strokes = [np.asarray(points, dtype=np.float64).reshape(-1, 2) for points in strokes]
    if not strokes or sum(len(points) for points in strokes) < 3:
        return 0
    reach = CORNER_REACH * float(np.ptp(np.concatenate(strokes), axis=0).max())
    if reach <= 0:
        return 0
    limit = np.cos(np.radians(CORNER_ANGLE))
    count = 0
    for points in strokes:
        along = along_path(points)
        points = even(points, max(reach / POINTS_PER_REACH, float(along[-1]) / MAX_POINTS), along)
        if len(points) < 3:
            continue
        along = along_path(points)   # (n,)
        cosine = _cosines(points, along, reach)
        sharp = np.flatnonzero(cosine < limit)
        # Groups of sharp points, each one turn, judged by where it is sharpest: a hook at the pen's end
        # makes the points just past the reach turn too.
        for group in np.split(sharp, np.flatnonzero(np.diff(along[sharp]) > reach) + 1) if len(sharp) else []:
            at = along[group[np.argmin(cosine[group])]]
            count += int(reach <= at <= along[-1] - reach)
    return count


def too_sharp_for_a_zero(strokes):
    """Whether a 0 read in ``strokes`` (the drawing's, or one digit's of a number) is not a 0."""
    return corners(strokes) > MAX_ZERO_CORNERS
