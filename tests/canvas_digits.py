"""Digits for CPython tests, in the two forms the recognizer takes: pixels rasterised straight into a
280x280 canvas array (Recognizer.predict_ink, preprocess), and pen strokes in canvas units as the page
sends them (Recognizer.predict and learn), made from scripts/drawing.py's templates."""
import numpy as np

from scripts.drawing import DIGITS


def drawn_seven(canvas=280, left=60, top=40, size=180, width=18):
    """A '7' rasterised with a square pen: a bar and a diagonal, at any place and size."""
    ink = np.zeros((canvas, canvas))
    t = np.linspace(0, 1, 400)
    xs = np.concatenate([left + t * size, left + size - t * size * 0.6])
    ys = np.concatenate([top + 0 * t, top + t * size])
    half = width // 2
    for x, y in zip(xs.astype(int), ys.astype(int)):
        ink[max(0, y - half):y + half, max(0, x - half):x + half] = 255
    return ink


def stroked(digit, left=0.2, top=0.15, size=0.65, slant=0.0, jitter=0.0, seed=0):
    """scripts/drawing.py's template of ``digit`` as strokes in canvas units, placed as draw() places it.

    The strokes are fitted to the digit's own size, so place and size barely change what the model
    sees; varied drawings need varied shapes: ``slant`` shears the top right by that fraction of the
    height, ``jitter`` moves every point by up to that fraction of the box (seeded)."""
    rng = np.random.default_rng(seed)
    strokes = []
    for stroke in DIGITS[digit]:
        points = np.array(stroke, dtype=np.float64)
        points[:, 0] += slant * (0.5 - points[:, 1])
        points += rng.uniform(-jitter, jitter, points.shape)
        strokes.append((np.array([left, top]) + size * points).tolist())
    return strokes
