"""Digits rasterised straight into a 280x280 canvas array, as the page's drawing arrives in Python."""
import numpy as np


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


def drawn_one(canvas=280, left=130, top=40, size=180, width=18, slant=0.15):
    """A '1': one nearly upright stroke, its foot ``slant * size`` left of its top."""
    ink = np.zeros((canvas, canvas))
    t = np.linspace(0, 1, 400)
    xs, ys = left + slant * size * (1 - t), top + t * size
    half = width // 2
    for x, y in zip(xs.astype(int), ys.astype(int)):
        ink[max(0, y - half):y + half, max(0, x - half):x + half] = 255
    return ink
