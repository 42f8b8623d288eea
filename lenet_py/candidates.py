"""Candidate pieces of a number drawn and recognised all at once (step 3 of lenet_py/segment.py), and
remembered from one reading of the drawing to the next.

    images, dot = draw(pieces)                          # [[(m, 2) points, ...] per piece]
    images, probabilities = recognise(pieces, model)
    images, probabilities = remembered(pieces, keys, model, memo)

The page reads the drawing again at every pen-up, and every 90 ms while the pen moves: a number
written digit by digit is read again and again with most of its candidates as they were. A ``Memo``
keeps the last reading's candidates by their ink, so the next reading draws and recognises only the
candidates with ink that is new (those of the stroke being drawn, and its neighbours'); and, by
``recall``, the strokes' cuts and thinned paths. In the page's worker, the last reading of a six-digit
number written stroke by stroke took 38-48 ms from scratch and 22-31 ms with the candidates
remembered (a noisy hour); the cuts and paths, measured side by side, 21.4 -> 18.8 ms.
"""
import numpy as np

from .model import NOT_A_DIGIT
from .preprocess import FIT, MNIST_SIZE, normalize
from .strokes import EDGE, MIN_EXTENT, PEN, _STEP, _thin


def draw(pieces, step=_STEP):
    """[[(m, 2) points, ...] per piece] -> (images (C, 28, 28) in 0..255, dot (C,) bool): the images
    strokes_to_mnist draws (to rounding; tests/test_segment.py checks it) and whether it would raise
    NotADigit. Its own renderer measures every pixel's distance to every segment, 784 x S numbers,
    twice: about 8 ms for a digit the page sends, and a number has dozens of candidates. Here a segment, cut
    to at most a pixel long, reaches only the 5x5 pixels around its midpoint, for all pieces at once.
    step: the path is thinned to a point every ``step`` pixels as strokes_to_mnist does; None: not at all."""
    centre, strokes = (MNIST_SIZE - 1) / 2.0, [p for piece in pieces for p in piece]
    # All pieces at once, in NumPy calls whose number does not grow with the pieces (the browser pays
    # some microseconds a call): every point, its piece, each piece's box, fitted to 20x20 as
    # strokes_to_mnist fits them.
    counts = np.array([len(p) for p in strokes])
    of_stroke = np.repeat(np.arange(len(pieces)), [len(piece) for piece in pieces])
    points, of_point = np.concatenate(strokes), np.repeat(of_stroke, counts)
    first = np.searchsorted(of_point, np.arange(len(pieces)))
    low, high = np.minimum.reduceat(points, first, axis=0), np.maximum.reduceat(points, first, axis=0)
    extent = (high - low).max(axis=1)
    scale = (FIT - PEN) / np.maximum(extent, MIN_EXTENT)
    placed = (points - ((low + high) / 2.0)[of_point]) * scale[of_point, None] + centre
    if step:
        strokes = [_thin(p, step) for p in np.split(placed, np.cumsum(counts)[:-1])]
        counts = np.array([len(p) for p in strokes])
        placed = np.concatenate(strokes)
    # each stroke's segments (a one-point stroke: one of length 0), then each cut to at most a pixel
    pairs = np.maximum(counts - 1, 1)
    # each segment's first point: its stroke's first point + its place among the stroke's segments
    a = np.repeat(np.cumsum(counts) - counts, pairs) + np.arange(pairs.sum()) - np.repeat(np.cumsum(pairs) - pairs, pairs)
    a, b, owner = placed[a], placed[a + np.repeat(counts > 1, pairs)], np.repeat(of_stroke, pairs)
    parts = np.maximum(np.ceil(np.sqrt(((b - a) ** 2).sum(axis=1))), 1).astype(np.intp)
    at = (np.arange(parts.sum()) - np.repeat(np.cumsum(parts) - parts, parts)) / np.repeat(parts, parts)
    a, b, owner = np.repeat(a, parts, axis=0), np.repeat(b, parts, axis=0), np.repeat(owner, parts)
    starts = a + at[:, None] * (b - a)
    ends = a + np.minimum(at + 1.0 / np.repeat(parts, parts), 1.0)[:, None] * (b - a)
    dot = extent < MIN_EXTENT
    ink = _ink(starts, ends, owner, len(pieces))
    rows, total = np.arange(MNIST_SIZE, dtype=np.float64), ink.sum(axis=(1, 2))
    # then the centre of mass to the centre, as preprocess.center_of_mass and strokes_to_mnist do
    shift = np.stack([centre - ink.sum(axis=1) @ rows / total, centre - ink.sum(axis=2) @ rows / total], axis=1)
    return _ink(starts + shift[owner], ends + shift[owner], owner, len(pieces)) * 255.0, dot


_CHUNK = 400                      # segments at a time: (400, 25) float64 arrays of 80 kB stay in cache
_REACH = PEN / 2.0 + EDGE / 2.0   # pixels this far from the pen's centre line get no ink
_R = int(_REACH + 1.0)            # + half a segment + half a pixel of rounding: 2
_NEAR = np.stack(np.meshgrid(np.arange(-_R, _R + 1), np.arange(-_R, _R + 1)), axis=-1).reshape(-1, 2)


def _ink(starts, ends, owner, count):
    """Segments (S, 2) of pieces owner (S,) -> (count, 28, 28) ink in 0..1, as strokes.render draws it.
    A pixel inked at all lies within _REACH = 1.8 px of a segment <= 1 px long, so within 2.3 px of its
    midpoint and 2.8 px of the pixel nearest that: _R = 2 pixels either way in each axis."""
    nearest2 = np.full(count * MNIST_SIZE * MNIST_SIZE, np.inf)
    for k in range(0, len(starts), _CHUNK):
        x0, y0 = starts[k:k + _CHUNK, 0:1], starts[k:k + _CHUNK, 1:2]
        dx, dy = ends[k:k + _CHUNK, 0:1] - x0, ends[k:k + _CHUNK, 1:2] - y0
        px, py = np.rint(x0 + dx / 2.0) + _NEAR[:, 0], np.rint(y0 + dy / 2.0) + _NEAR[:, 1]    # (s, 25)
        rx, ry = px - x0, py - y0
        t = np.clip((rx * dx + ry * dy) / np.maximum(dx * dx + dy * dy, 1e-12), 0.0, 1.0)
        d2 = (rx - t * dx) ** 2 + (ry - t * dy) ** 2
        keep = (d2 < _REACH ** 2) & (px >= 0) & (px < MNIST_SIZE) & (py >= 0) & (py < MNIST_SIZE)
        pixel = (owner[k:k + _CHUNK, None] * MNIST_SIZE + py) * MNIST_SIZE + px
        np.minimum.at(nearest2, pixel[keep].astype(np.intp), d2[keep])
    ink = np.clip((PEN / 2.0 - np.sqrt(nearest2)) / EDGE + 0.5, 0.0, 1.0)
    return ink.reshape(count, MNIST_SIZE, MNIST_SIZE)


def recognise(pieces, model, step=_STEP):
    """[[(m, 2) points, ...] per piece] -> (images (C, 28, 28) in 0..255, probabilities (C, 11) float64):
    all drawn at once and recognised in one forward pass. A dot is not a digit, whatever the network says."""
    images, dot = draw(pieces, step)
    probabilities = np.zeros((len(pieces), NOT_A_DIGIT + 1))
    out = model.predict_proba(normalize(images, model.dtype)).astype(np.float64)
    probabilities[:, :out.shape[1]] = out          # a model without "not a digit" leaves that column 0
    probabilities[dot] = np.eye(NOT_A_DIGIT + 1)[NOT_A_DIGIT]
    return images, probabilities


class Memo:
    """What one reading of a drawing computed, for the next: {key: value} for the candidates (key ("piece",
    its ink) -> (image (28, 28), probabilities (11,))) and, by ``recall``, the strokes' cuts and thinned
    paths. A reading keeps only what it used, so the memo holds one drawing's at most. The candidates
    are one model's answers, and a model learns from corrections in place: the memo keeps a fingerprint
    of the weights it read with (each tensor's shape and a hash of its bytes: 0.2 ms in the browser,
    where comparing 61,000 numbers took 3 ms) and forgets everything when the model's differ."""

    def __init__(self):
        self.kept, self.used, self.weights = {}, {}, None   # the last reading's values, this one's so far

    def reading(self, model):
        """A reading with ``model`` begins: -> its ``recall``. What the last reading used is kept for it."""
        weights = tuple((p.shape, hash(p.tobytes())) for _, p in model.named_params())
        self.kept, self.used = ({}, {}) if weights != self.weights else (self.used, {})
        self.weights = weights
        return self.recall

    def recall(self, key, compute):
        """compute(), or what it gave for ``key`` in the last reading or this one."""
        if key not in self.used:
            self.used[key] = self.kept[key] if key in self.kept else compute()
        return self.used[key]


def remembered(pieces, keys, model, memo):
    """``recognise(pieces, model, step=None)`` for pieces already thinned, where keys (one hashable per
    piece, equal for pieces of equal ink) name what ``memo`` (begun with ``memo.reading(model)``) may
    hold: only the pieces it does not are drawn and recognised, in one batch. The same answers as
    without it, to float32 rounding: each piece is drawn and recognised on its own, but a batch of
    another size may sum in another order (1e-7 apart)."""
    keys = [("piece", key) for key in keys]
    new = [c for c, key in enumerate(keys) if key not in memo.used and key not in memo.kept]
    if new:
        images, probabilities = recognise([pieces[c] for c in new], model, None)
        memo.kept.update((keys[c], (image, p)) for c, image, p in zip(new, images, probabilities))
    known = [memo.recall(key, None) for key in keys]
    # new arrays: what is returned is the caller's to change, and the memo's stays as it was
    return np.array([image for image, _ in known]), np.array([p for _, p in known])
