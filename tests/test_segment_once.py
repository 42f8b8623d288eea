"""A digit of one stroke is drawn and recognised once (lenet_py/segment.py, read_number).

A stroke that is not cut inside is one primitive, and one primitive has one reading: the whole
drawing, drawn exactly. The candidate pass (every run drawn coarsely and recognised) would only be
thrown away, and in the browser it was half of a single digit's time (about 18 ms -> 10 ms). The
answers are the same: bench/real_handwriting.py's 8,334 drawings gave identical readings, images and
probabilities with and without the candidate pass.
"""
import os

import numpy as np
import pytest

from lenet_py import segment
from lenet_py.strokes import _STEP
from lenet_py.weights import load_weights
from scripts.drawing import DIGITS
from train.cli import REPO


@pytest.fixture(scope="module")
def model():
    return load_weights(os.path.join(REPO, "weights"))[0]


@pytest.fixture
def calls(monkeypatch):
    """Every call of segment.recognise: (how many pieces, its step: None for the coarse candidate pass)."""
    seen, real = [], segment.recognise

    def counting(pieces, model, step=_STEP):
        seen.append((len(pieces), step))
        return real(pieces, model, step)
    monkeypatch.setattr(segment, "recognise", counting)
    return seen


def canvas(strokes, left=0.3, size=0.6):
    """Unit-box strokes -> canvas strokes, a point about every 1% of the canvas as the page sends them."""
    out = []
    for stroke in strokes:
        points = [np.asarray(stroke[0], float)]
        for a, b in zip(np.asarray(stroke[:-1], float), np.asarray(stroke[1:], float)):
            n = max(1, int(np.hypot(*(b - a)) * size / 0.01))
            points += [a + (b - a) * k / n for k in range(1, n + 1)]
        out.append((np.array(points) * size + [left, 0.2]).tolist())
    return out


@pytest.mark.parametrize("digit", [0, 1, 2, 7])
def test_one_stroke_is_drawn_exactly_once(model, calls, digit):
    (piece,) = segment.read_number(canvas(DIGITS[digit]), model)
    assert calls == [(1, _STEP)]
    assert piece["probabilities"][:10].argmax() == digit


def test_two_zeros_in_one_stroke_still_go_through_the_candidates(model, calls):
    zero = DIGITS[0][0]
    joined = [zero + [(x + 1.1, y) for x, y in zero]]   # a second 0 to the right, the pen not lifted
    pieces = segment.read_number(canvas(joined, left=0.2, size=0.35), model)
    assert len(pieces) == 2
    assert calls[0][1] is None and calls[0][0] > 2       # the candidates, coarse, all at once
