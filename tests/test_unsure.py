"""When the recogniser names a digit and when it says "not sure": the decision on the model's outputs,
with a stand-in model whose outputs the test chooses."""
import numpy as np
import pytest

from lenet_py.model import LeNet5, ModelConfig
from lenet_py.recognizer import MIN_CONFIDENCE, Recognizer
from scripts.drawing import DIGITS

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

    def feature_maps(self, x):
        return {"c1": np.zeros((1, 6, 28, 28)), "c3": np.zeros((1, 16, 10, 10)), "output": self.forward(x)}


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
    """8 at 0.82 * 0.65 = 0.53 beats 'not a digit' at 0.35, but not twice 0.35."""
    digits = np.full(10, 0.02)
    digits[8] = 0.82
    result = answer(with_not_digit(digits, 0.35))
    assert result["digit"] is None and "not look like a digit" in result["reason"]
    assert answer(with_not_digit(digits, 0.2))["digit"] == 8   # 0.66 > 2 * 0.2


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
