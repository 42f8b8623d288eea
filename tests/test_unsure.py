"""When the recogniser names a digit and when it says "not sure": the decision on the model's outputs,
with a stand-in model whose outputs the test chooses."""
import numpy as np
import pytest

from lenet_py.model import LeNet5, ModelConfig
from lenet_py.recognizer import MIN_CONFIDENCE, NOT_A_DIGIT_WEIGHT, Recognizer, readable
from scripts.drawing import DIGITS
from scripts.pendigits import resample

SEVEN = [[(0.1 + 0.5 * x, 0.1 + 0.5 * y) for x, y in stroke] for stroke in DIGITS[7]]


class Fixed:
    """A model that answers every input with the same logits."""
    dtype = np.dtype("float32")

    def __init__(self, probabilities):
        self.logits = np.log(np.asarray(probabilities, dtype=np.float64) + 1e-300)[None]

    def forward(self, x, train=False):
        assert x.shape == (1, 1, 32, 32)
        return self.logits

    def predict_proba(self, x):   # what lenet_py.segment asks while it cuts a number into digits
        return np.repeat(np.exp(self.logits), len(x), axis=0)

    def probabilities(self, logits):   # what Recognizer.answer asks of a drawing read whole
        return np.exp(logits)

    def feature_maps(self, x):
        return {"c1": np.zeros((1, 6, 28, 28)), "c3": np.zeros((1, 16, 10, 10)), "output": self.forward(x)}

    def named_params(self):   # no weights that could change (lenet_py.candidates.Memo compares them)
        return []


def answer(probabilities, strokes=SEVEN):
    return Recognizer(Fixed(probabilities), {}).predict(strokes)


def with_not_digit(digits, not_digit):
    return list(np.asarray(digits) * (1 - not_digit)) + [not_digit]


def test_a_confident_digit_is_named():
    p = np.full(10, 0.01)
    p[4] = 0.91
    result = answer(p)
    assert (result["digit"], result["unsure"], result["reason"], result["best"]) == (4, False, None, 4)
    np.testing.assert_allclose(result["probabilities"], p)
    assert result["not_digit"] == 0.0


def test_no_digit_above_the_threshold_is_unsure():
    p = np.full(10, (1 - 0.28) / 9)
    p[3] = 0.28
    assert 0.28 < MIN_CONFIDENCE
    result = answer(p)
    assert result["digit"] is None and result["unsure"] and result["best"] == 3
    assert "several" in result["reason"]


def test_the_not_a_digit_output_wins_over_every_digit():
    digits = np.full(10, 0.02)
    digits[8] = 0.82
    result = answer(with_not_digit(digits, 0.55))         # 8 gets 0.82 * 0.45 = 0.37 < 0.55
    assert result["digit"] is None and result["unsure"] and result["best"] == 8
    assert "not look like a digit" in result["reason"]
    assert sum(result["probabilities"]) + result["not_digit"] == pytest.approx(1)
    kept = answer(with_not_digit(digits, 0.1))           # 8 gets 0.74: named
    assert kept["digit"] == 8 and not kept["unsure"] and kept["not_digit"] == pytest.approx(0.1)


def test_a_digit_must_beat_the_not_a_digit_output_by_its_weight():
    """8 at 0.82 * 0.82 = 0.67 beats 'not a digit' at 0.18, but not four times 0.18 = 0.72."""
    digits = np.full(10, 0.02)
    digits[8] = 0.82
    result = answer(with_not_digit(digits, 0.18))
    assert result["digit"] is None and "not look like a digit" in result["reason"]
    assert answer(with_not_digit(digits, 0.16))["digit"] == 8   # 0.82 * 0.84 = 0.69 > 4 * 0.16 = 0.64


def test_a_model_that_outputs_nan_names_no_digit():
    result = answer(np.full(11, np.nan))
    assert result["unsure"] and result["digit"] is None and "not a number" in result["reason"]


def test_a_dot_is_unsure_whatever_the_model_says():
    p = np.full(10, 0.0)
    p[0] = 1.0
    result = answer(p, strokes=[[(0.5, 0.5)]])
    assert result["digit"] is None and result["unsure"] and "too small" in result["reason"]
    assert max(result["image"]) > 0                     # the dot is shown as the network saw it


def test_a_model_with_the_reject_output_has_eleven_outputs_and_old_ones_ten():
    x = np.zeros((2, 1, 32, 32), dtype=np.float32)
    assert LeNet5(ModelConfig(reject=True)).forward(x).shape == (2, 11)
    assert LeNet5(ModelConfig()).forward(x).shape == (2, 10)
    with pytest.raises(ValueError, match="reject"):
        ModelConfig(reject="yes")


def test_decide_and_readable_apply_one_rule():
    """lenet_py.segment asks ``readable`` of the pieces it cuts out of a stroke: it must name a digit exactly
    when ``decide`` does, on either side of both thresholds."""
    rows = np.random.default_rng(0).dirichlet(np.full(11, 0.3), size=2000)
    edges = np.zeros((2, 11))
    edges[0, 1] = MIN_CONFIDENCE                                  # just sure enough
    edges[1, 1], edges[1, 10] = 0.4, 0.4 / NOT_A_DIGIT_WEIGHT     # just above "not a digit"
    rows = np.r_[rows, edges]
    for every, named in zip(rows, readable(rows)):
        assert (Recognizer.decide(every, np.zeros((28, 28)))["digit"] is not None) == named
    assert readable(rows[:, :10]).tolist() == (rows[:, :10].max(axis=1) >= MIN_CONFIDENCE).tolist()


class ByWidth(Fixed):
    """A model that reads narrow ink as a sure 1 and wider ink as a sure non-digit, as the network reads
    each straight stroke of a zigzag and the zigzag itself."""

    def __init__(self):
        pass

    def predict_proba(self, x):
        ink = (x[:, 0] > 0.5).any(axis=1)                  # (C, 32) columns with ink
        columns = np.where(ink.any(axis=1), 31 - ink[:, ::-1].argmax(axis=1) - ink.argmax(axis=1), 0)
        out = np.full((len(x), 11), 1e-4)
        out[columns < 12, 1] = out[columns >= 12, 10] = 1.0 - 10e-4
        return out

    def forward(self, x, train=False):
        return np.log(self.predict_proba(x))


def page(strokes):
    """As the page sends strokes: points about 1% of the canvas apart."""
    return [resample(np.asarray(s, np.float64), 0.01).tolist() for s in strokes]


def zigzag(corners, left=0.2, width=0.6):
    """One stroke through ``corners`` + 1 points, alternately low and high."""
    return page([[(left + width * k / corners, 0.6 if k % 2 == 0 else 0.3) for k in range(corners + 1)]])


@pytest.mark.parametrize("corners", [6, 8, 10])
def test_a_zigzag_is_not_read_as_a_number_of_its_strokes(corners):
    """Each straight stroke of a zigzag is a 1 to the model, the rest of it is no digit: cut into a 1
    per stroke and a "?", it was "111?". Cut out of one stroke, a piece that is no digit says the
    stroke is not digits written without lifting the pen, so the zigzag is answered whole."""
    result = Recognizer(ByWidth(), {}).predict(zigzag(corners))
    assert result["unsure"] and result["number"] == "" and len(result["digits"]) == 1, result["number"]


@pytest.mark.parametrize("dot", [(0.9, 0.6), (0.5, 0.1)])
def test_a_dot_beside_a_zigzag_is_no_second_figure(dot):
    """A dot is left out of a number, so it does not make the zigzag one figure among several."""
    result = Recognizer(ByWidth(), {}).predict(zigzag(8) + [[dot]])
    assert result["unsure"] and result["number"] == "", result["number"]


def test_digits_beside_a_zigzag_are_read_and_the_zigzag_is_question_marks():
    """Several strokes side by side are several figures: when no reading of the zigzag's stroke is
    all digits, the drawing is not read whole as one figure ("not sure" for a whole number whose
    ligature made no digit); the zigzag's pieces that are no digit are "?"."""
    ones = page([[(0.1, 0.3), (0.1, 0.6)], [(0.2, 0.3), (0.2, 0.6)]])
    result = Recognizer(ByWidth(), {}).predict(ones + zigzag(6, left=0.3))
    assert not result["unsure"] and result["number"].startswith("11") and "?" in result["number"], result["number"]


def test_ones_written_without_lifting_the_pen_are_still_read():
    ones = page([[(0.2, 0.2), (0.2, 0.6), (0.5, 0.2), (0.5, 0.6)]])    # down, up to the next, down
    assert Recognizer(ByWidth(), {}).predict(ones)["number"] == "11"
