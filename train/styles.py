"""Common ways of writing digits that MNIST's American writers rarely used, added to MNIST's own digits.

Real people (see bench/real_handwriting.py) cross their sevens, give their ones a long flag and a
foot, and slash their zeros; MNIST has few of these, so a model trained on it reads a flagged 1 as
a 7 and a crossed 7 as a 2. Each style here is the stroke a writer adds, drawn onto an MNIST digit
of that class where that digit's own ink is: the 7's bar crosses its stem at mid-height, the 1's
flag leaves its top. Everything is vectorised over the batch; randomness comes from the rng.
"""
import numpy as np

INK = 128           # a pixel brighter than this (0..255) is part of the digit when looking for its stem or top
WIDTH = (1.8, 3.2)  # the added stroke's width in pixels, drawn uniformly from this range: MNIST's own strokes
ZERO_SHARE = 1 / 3  # slashed zeros are rarer than crossed sevens and flagged ones


def segment_ink(starts, ends, width, size=28):
    """One anti-aliased segment per image: starts, ends (N, 2) as (x, y) pixels, width (N,) -> (N, size, size) in 0..1."""
    ys, xs = np.mgrid[0:size, 0:size].astype(np.float64)
    d = ends - starts                                                             # (N, 2)
    length2 = np.maximum((d * d).sum(axis=1), 1e-12)[:, None, None]
    rx, ry = xs[None] - starts[:, 0, None, None], ys[None] - starts[:, 1, None, None]   # (N, H, W)
    t = np.clip((rx * d[:, 0, None, None] + ry * d[:, 1, None, None]) / length2, 0.0, 1.0)
    distance = np.hypot(rx - t * d[:, 0, None, None], ry - t * d[:, 1, None, None])
    return np.clip(width[:, None, None] / 2.0 - distance + 0.5, 0.0, 1.0)


def ink_rows(images):
    """(N, H, W) -> first and last row with ink, and the ink's mean column in each row (NaN where none)."""
    ink = images > INK
    has = ink.any(axis=2)                                                          # (N, H)
    top = has.argmax(axis=1)
    bottom = images.shape[1] - 1 - has[:, ::-1].argmax(axis=1)
    cols = np.arange(images.shape[2])
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_col = (ink * cols).sum(axis=2) / ink.sum(axis=2)                      # (N, H)
    return top, bottom, mean_col


def segments(x0, y0, x1, y1):
    """Four (N,) coordinate arrays -> (N, 2, 2): each image's segment as [[x0, y0], [x1, y1]]."""
    return np.stack([np.stack([x0, y0], axis=-1), np.stack([x1, y1], axis=-1)], axis=1).astype(np.float64)


def style_strokes(images, labels, rng):
    """(starts, ends) (N, 2) of the stroke each image's style adds, by its label; NaN for digits without one."""
    n = len(images)
    top, bottom, mean_col = ink_rows(images)
    height = np.maximum(bottom - top, 1).astype(np.float64)
    rows = np.arange(n)
    starts = np.full((n, 2), np.nan)
    ends = np.full((n, 2), np.nan)
    # 1: a flag from the top, down and to the left, as long as a quarter to nine tenths of the digit
    # (some writers flag a 1 almost down to its foot: the tuning writers read as 7 at two thirds);
    # or (one in three) a foot across the bottom.
    flag_len = rng.uniform(0.25, 0.9, n) * height
    angle = np.deg2rad(rng.uniform(15, 55, n))
    foot = rng.random(n) < 1 / 3
    top_x = mean_col[rows, top]
    bottom_x = mean_col[rows, bottom]
    half_foot = rng.uniform(0.15, 0.3, n) * height
    one = np.where(foot[:, None, None],
                   segments(bottom_x - half_foot, bottom, bottom_x + half_foot, bottom),
                   segments(top_x, top, top_x - flag_len * np.cos(angle), top + flag_len * np.sin(angle)))
    # 7: a bar across the stem between 45% and 65% of the way down, a little tilted.
    bar_row = np.round(top + rng.uniform(0.45, 0.65, n) * height).astype(np.intp)
    bar_row = np.clip(bar_row, 0, images.shape[1] - 1)
    stem_x = mean_col[rows, bar_row]
    half_bar = rng.uniform(0.15, 0.3, n) * height
    tilt = rng.uniform(-0.08, 0.08, n) * height
    seven = segments(stem_x - half_bar, bar_row + tilt, stem_x + half_bar, bar_row - tilt)
    # 0: a slash from below the bottom left to above the top right of its box.
    ink = images > INK
    cols_any = ink.any(axis=1)
    left = cols_any.argmax(axis=1)
    right = images.shape[2] - 1 - cols_any[:, ::-1].argmax(axis=1)
    over = rng.uniform(-0.5, 2.0, n)
    zero = segments(left - over, bottom + over, right + over, top - over)
    for digit, stroke in ((1, one), (7, seven), (0, zero)):
        pick = labels == digit
        starts[pick], ends[pick] = stroke[pick, 0], stroke[pick, 1]
    return starts, ends


def add_styles(images, labels, rng, rate):
    """images (N, 28, 28) in 0..255, labels (N,) -> float32 copies where about ``rate`` of the 1s and 7s (and
    a third as many 0s) have their style stroke added, as bright as the digit's own ink."""
    images = np.asarray(images, dtype=np.float32)
    chance = np.where(labels == 0, rate * ZERO_SHARE, rate) * np.isin(labels, (0, 1, 7))
    chosen = np.flatnonzero(rng.random(len(labels)) < chance)
    if not len(chosen):
        return images
    starts, ends = style_strokes(images[chosen], labels[chosen], rng)
    ok = np.isfinite(starts).all(axis=1) & np.isfinite(ends).all(axis=1)  # a digit with no ink where looked
    chosen, starts, ends = chosen[ok], starts[ok], ends[ok]
    width = rng.uniform(WIDTH[0], WIDTH[1], len(chosen))
    out = images.copy()
    brightness = images[chosen].max(axis=(1, 2))[:, None, None]
    out[chosen] = np.maximum(images[chosen], brightness * segment_ink(starts, ends, width))
    return out
