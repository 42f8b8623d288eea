"""Pen strokes -> the 28x28 image MNIST would have made of them, drawn with the digit's own pen.

The page sends what the person drew as strokes: each a list of (x, y) points in order, in canvas
units (the canvas is 1 high; y points down). Rendering them here rather than sending the canvas's
pixels means the pen width belongs to the digit, not to the canvas: a digit drawn at 15% of the
canvas gets the same stroke, relative to its size, as one drawn at 80%.

What MNIST did to NIST's scans (LeCun et al.'s description of the data set) is done to the
strokes: the ink is fitted to a 20x20 box keeping its aspect ratio, anti-aliased, and placed in
28x28 with its centre of mass at the centre. Each pixel's ink is its distance to the nearest pen
segment through a linear ramp one pixel wide, which is the area a round pen covers of the pixel.
"""
import itertools

import numpy as np

from .preprocess import FIT, MNIST_SIZE, EmptyDrawing, center_of_mass

PEN = 2.6           # pen width in pixels of the 20x20 box: MNIST's median stroke is about this wide
EDGE = 1.0          # width of the anti-aliased edge, pixels
MIN_EXTENT = 0.03   # a drawing smaller than this many canvas heights is a dot, not a digit
MAX_POINTS = 20000  # more points than any drawing needs: a longer list is refused, not rendered
TOO_SMALL = "it is too small to be a digit"   # why a dot is not a digit
_CHUNK = 256        # segments per distance computation: (784, 256) float64 arrays, 1.6 MB each
_STEP = 0.1         # points closer than this along the path (pixels, after fitting) add nothing but work


class NotADigit(ValueError):
    """The drawing cannot be a digit whatever the network says (a dot); str() says why, and ``image``
    is what it looks like at the smallest size a digit can have, for showing."""

    def __init__(self, message, image):
        super().__init__(message)
        self.image = image


def check_strokes(strokes):
    """Plain lists from the page -> [(n, 2) float64 arrays], or ValueError in one line.

    Nothing from the page is trusted: the structure, the number of points and every coordinate
    are checked before any arithmetic."""
    if not isinstance(strokes, (list, tuple)):
        raise ValueError("strokes must be a list of strokes, not %s" % type(strokes).__name__)
    out, total = [], 0
    for i, stroke in enumerate(strokes):
        points = _points(stroke)
        if points is None:
            raise ValueError("stroke %d is not a list of [x, y] numbers" % i)
        if points.ndim != 2 or points.shape[1] != 2 or len(points) == 0:
            raise ValueError("stroke %d is not a non-empty list of [x, y] points" % i)
        if not np.isfinite(points).all() or np.abs(points).max() > 1e6:
            raise ValueError("stroke %d has a coordinate that is not a finite canvas position" % i)
        total += len(points)
        if total > MAX_POINTS:
            raise ValueError("the drawing has more than %d points" % MAX_POINTS)
        out.append(points)
    return out


_NUMBER = (int, float, np.integer, np.floating)


def _points(stroke):
    """A stroke -> (n, 2) float64 (or another shape, for check_strokes to refuse), or None unless it is a
    numeric array or a list of [x, y] pairs of ints and floats.

    Checked by type, not by conversion: NumPy would read "0.3" or true as a number. The points' types
    and lengths and the values' types are checked as sets, and the values read by np.fromiter: loops in
    C, whatever the number of points (np.asarray of the nested lists took 0.7 ms per 150 points in the
    browser, a test of each value in Python more)."""
    if isinstance(stroke, np.ndarray):
        return np.asarray(stroke, dtype=np.float64) if stroke.dtype.kind in "iuf" else None
    if not isinstance(stroke, (list, tuple)):
        return None
    values = itertools.chain.from_iterable
    try:
        if not set(map(type, stroke)) <= _POINT or set(map(len, stroke)) - {2}:
            return None
        if not all(issubclass(t, _NUMBER) and not issubclass(t, bool) for t in set(map(type, values(stroke)))):
            return None
        return np.fromiter(values(stroke), np.float64, 2 * len(stroke)).reshape(-1, 2)
    except (TypeError, OverflowError):   # an unhashable type; a 0-d array point; an int beyond any float
        return None


_POINT = {list, tuple, np.ndarray}


def along_path(points):
    """(n, 2) points of a path -> (n,) the path's length up to each point."""
    return np.concatenate(([0.0], np.cumsum(np.sqrt((np.diff(points, axis=0) ** 2).sum(axis=1)))))   # np.r_ is slow in Pyodide


def _thin(points, step):
    """Keep the first point of every ``step`` of path length, and the last: (n, 2) -> (m, 2).

    A dropped point lies within ``step`` of path from a kept one, so the line moves by less than
    step / 2: a pen sampled 240 times a second costs no more to draw than one sampled 30 times."""
    if len(points) < 3:
        return points
    along = along_path(points)
    _, first = np.unique(np.floor(along / step), return_index=True)
    return points[np.union1d(first, [len(points) - 1])]


def segments(strokes):
    """Strokes [(n, 2)] -> (starts (S, 2), ends (S, 2)); a one-point stroke is one zero-length segment."""
    starts, ends = [], []
    for points in strokes:
        if len(points) == 1:
            points = np.vstack([points, points])
        starts.append(points[:-1])
        ends.append(points[1:])
    return np.concatenate(starts), np.concatenate(ends)


def render(starts, ends, width, size=MNIST_SIZE, edge=EDGE):
    """Anti-aliased ink (size, size) in 0..1 of a round pen ``width`` pixels wide along the segments.

    starts, ends: (S, 2) as (x, y) in pixels, pixel (r, c) centred on (c, r). Every pixel's ink is
    clip((width / 2 - distance to the nearest segment) / edge + 1/2, 0, 1)."""
    ys, xs = np.mgrid[0:size, 0:size]
    px, py = xs.ravel()[:, None].astype(np.float64), ys.ravel()[:, None].astype(np.float64)   # (P, 1)
    nearest2 = np.full(size * size, np.inf)
    for k in range(0, len(starts), _CHUNK):  # in chunks, so a long drawing never needs a (P, S) array at once
        x0, y0 = starts[k:k + _CHUNK, 0], starts[k:k + _CHUNK, 1]                # (s,)
        dx, dy = ends[k:k + _CHUNK, 0] - x0, ends[k:k + _CHUNK, 1] - y0
        rx, ry = px - x0, py - y0                                                # (P, s)
        t = np.clip((rx * dx + ry * dy) / np.maximum(dx * dx + dy * dy, 1e-12), 0.0, 1.0)   # nearest point on each
        ox, oy = rx - t * dx, ry - t * dy
        nearest2 = np.minimum(nearest2, (ox * ox + oy * oy).min(axis=1))
    ink = np.clip((width / 2.0 - np.sqrt(nearest2)) / edge + 0.5, 0.0, 1.0)
    return ink.reshape(size, size)


def strokes_to_mnist(strokes, pen=PEN, edge=EDGE):
    """Strokes in canvas units -> a (28, 28) float image in [0, 255], white ink on black as in MNIST.

    Raises EmptyDrawing for no strokes and NotADigit for a drawing too small to be anything but a dot."""
    strokes = check_strokes(strokes)
    if not strokes:
        raise EmptyDrawing("the canvas is empty")
    allpoints = np.concatenate(strokes)
    low, high = allpoints.min(axis=0), allpoints.max(axis=0)
    extent = float((high - low).max())
    # The pen's centre line fits FIT - pen so that the ink, pen included, fits the FIT box.
    scale = (FIT - pen) / max(extent, MIN_EXTENT)
    centre = (MNIST_SIZE - 1) / 2.0
    placed = [_thin((p - (low + high) / 2.0) * scale + centre, _STEP) for p in strokes]
    starts, ends = segments(placed)
    ink = render(starts, ends, pen, edge=edge)
    # Second pass with the centre of mass on the centre: a shift of the segments, so exact, not resampled.
    com_r, com_c = center_of_mass(ink)
    shift = np.array([centre - com_c, centre - com_r])
    image = render(starts + shift, ends + shift, pen, edge=edge) * 255.0
    if extent < MIN_EXTENT:
        raise NotADigit(TOO_SMALL, image)
    return image
