"""Nothing is drawn and recognised twice: a digit of one stroke once (lenet_py/segment.py, read_number);
a candidate digit whose ink the last reading of the drawing had, not again (lenet_py/candidates.py).

A stroke that is not cut inside is one primitive, and one primitive has one reading: the whole
drawing, drawn exactly. The candidate pass (every run drawn coarsely and recognised) would only be
thrown away, and in the browser it was half of a single digit's time (about 18 ms -> 10 ms). The
answers are the same: bench/real_handwriting.py's 8,334 drawings gave identical readings, images and
probabilities with and without the candidate pass.

The page reads a number again at every pen-up and while the pen moves; the memo keeps the last
reading's candidates, so a reading draws only the candidates with new ink. It must give the answers
a reading without it gives, and forget them when the model learns.
"""
import os

import numpy as np
import pytest

from lenet_py import candidates, segment
from lenet_py.recognizer import Recognizer
from lenet_py.strokes import _STEP
from lenet_py.weights import load_weights
from scripts.drawing import DIGITS
from train.cli import REPO


@pytest.fixture(scope="module")
def model():
    return load_weights(os.path.join(REPO, "weights"))[0]


@pytest.fixture
def calls(monkeypatch):
    """Every drawing and recognising of pieces, the candidates' and the exact one's: (how many pieces, the
    step: None for the coarse candidate pass)."""
    seen, real = [], candidates.recognise

    def counting(pieces, model, step=_STEP):
        seen.append((len(pieces), step))
        return real(pieces, model, step)
    monkeypatch.setattr(candidates, "recognise", counting)
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


def number(*digits, size=0.3):
    """Digits of scripts/drawing.py side by side, as the page sends them."""
    return [s for k, d in enumerate(digits) for s in canvas(DIGITS[d], left=0.1 + 0.4 * k, size=size)]


def test_a_memo_reads_only_the_new_candidates_and_answers_the_same(model, calls):
    memo = candidates.Memo()
    first = segment.read_number(number(2, 0, 4), model, memo=memo)
    assert [int(p["probabilities"][:10].argmax()) for p in first] == [2, 0, 4]
    drawn_first = calls[0][0]
    calls.clear()
    grown = number(2, 0, 4, 7)
    with_memo = segment.read_number(grown, model, memo=memo)
    new = calls[0][0]
    calls.clear()
    without = segment.read_number(grown, model)
    assert new == calls[0][0] - drawn_first > 0    # the 7 and what it may join, not the 2, 0 and 4 again
    assert [p["strokes"] for p in with_memo] == [p["strokes"] for p in without]
    for a, b in zip(with_memo, without):
        np.testing.assert_allclose(a["probabilities"], b["probabilities"], rtol=1e-5, atol=1e-7)
        np.testing.assert_allclose(a["image"], b["image"], atol=1e-6)
    calls.clear()
    segment.read_number(number(1, 1, 6), model, memo=memo)
    pieces = [key for key in memo.used if key[0] == "piece"]
    assert len(pieces) == calls[0][0] > 0               # this reading's candidates, not the last ones' too


def test_the_recognizer_forgets_its_memo_when_it_learns(model, tmp_path):
    recognizer = Recognizer(load_weights(os.path.join(REPO, "weights"))[0], {})
    replay = tmp_path / "replay.npz"
    np.savez(replay, images=np.zeros((8, 28, 28), np.uint8), labels=np.arange(8) % 10)
    recognizer.use_replay(str(replay))
    drawing = number(3, 5)
    before = recognizer.predict(drawing)["digits"]
    recognizer.learn(drawing[:1], 8)        # the 3 is an 8: the weights change
    after = recognizer.predict(drawing)["digits"]
    fresh = Recognizer(recognizer.model, {}).predict(drawing)["digits"]   # the changed weights, no memo
    assert [d["probabilities"] for d in after] == [d["probabilities"] for d in fresh]
    assert [d["probabilities"] for d in after] != [d["probabilities"] for d in before]


def test_a_memo_forgets_when_the_weights_change_in_place():
    model = load_weights(os.path.join(REPO, "weights"))[0]
    memo, drawing = candidates.Memo(), number(2, 7)
    before = segment.read_number(drawing, model, memo=memo)
    for name, value in model.named_params():
        if name.startswith("f6."):
            value *= 0.0        # F6 silent: every piece reads alike
    after = segment.read_number(drawing, model, memo=memo)
    fresh = segment.read_number(drawing, model)
    assert [p["strokes"] for p in after] == [p["strokes"] for p in fresh]
    assert [p["probabilities"].tolist() for p in after] == [p["probabilities"].tolist() for p in fresh]
    assert [p["probabilities"].tolist() for p in after] != [p["probabilities"].tolist() for p in before]


def test_a_memo_cuts_and_thins_only_the_new_strokes(model, monkeypatch):
    cut, thinned = [], []
    real_cuts, real_thin = segment.stroke_cuts, segment._thin
    monkeypatch.setattr(segment, "stroke_cuts", lambda points, typical: cut.append(len(points)) or real_cuts(points, typical))
    monkeypatch.setattr(segment, "_thin", lambda points, step: thinned.append(len(points)) or real_thin(points, step))
    memo = candidates.Memo()
    segment.read_number(number(2, 0, 4), model, memo=memo)
    cut.clear(), thinned.clear()
    grown = number(2, 0, 4, 1)
    with_memo = segment.read_number(grown, model, memo=memo)
    assert cut == [len(grown[-1])]                  # the 1's stroke alone
    assert 0 < len(thinned) <= 2                    # its primitives alone (it may be cut in two)
    assert [p["strokes"] for p in with_memo] == [p["strokes"] for p in segment.read_number(grown, model)]
