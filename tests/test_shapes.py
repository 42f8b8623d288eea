"""A 0 has no corners (lenet_py/shapes.py): the pen's sharp turns, on hand-made paths and real zeros,
and the recognizer's answer for a square the network takes for a 0."""
import numpy as np
import pytest

from lenet_py.recognizer import Recognizer
from lenet_py.shapes import MAX_ZERO_CORNERS, NOT_A_ZERO, corners
from scripts import pendigits, replay


def polygon(sides, start=0.0, points=120, centre=(0.5, 0.5), radius=0.2):
    """One closed stroke round a regular polygon (a circle for sides=0), starting at angle ``start``
    (radians; 0 is a corner), with points evenly along it: (points + 1, 2)."""
    t = start + np.linspace(0, 2 * np.pi, points + 1)
    if sides == 0:
        r = np.ones_like(t)
    else:   # the distance to the sides along each ray: a straight edge between corners
        half = np.pi / sides
        r = np.cos(half) / np.cos((t % (2 * half)) - half)
    return np.c_[centre[0] + radius * r * np.cos(t), centre[1] + radius * r * np.sin(t)]


def test_an_oval_and_a_teardrop_have_no_corners():
    assert corners([polygon(0)]) == 0
    oval = polygon(0) * [0.6, 1.0]
    assert corners([oval]) == 0
    jitter = polygon(0) + np.random.default_rng(0).normal(0, 0.002, (121, 2))   # 1% of the size
    assert corners([jitter]) == 0
    # A 0 begun and ended at its top, with the ends crossing into a point: not counted, they are the pen's ends.
    t = np.linspace(-0.3, 2 * np.pi + 0.3, 140)
    teardrop = np.c_[0.5 + 0.2 * np.sin(t), 0.5 - 0.3 * np.cos(t)]
    assert corners([teardrop]) <= 1


@pytest.mark.parametrize("sides, start, expected", [
    (4, np.pi / 4, 4),      # a square begun in the middle of a side: four corners
    (4, 0.0, 3),            # begun at a corner: that one is where the pen lands and lifts
    (5, 0.3, 5),            # a pentagon: 72 degree turns
    (3, 0.5, 3),            # a triangle: 120 degree turns
])
def test_a_polygon_turns_sharply_at_each_corner_away_from_the_pen_s_ends(sides, start, expected):
    assert corners([polygon(sides, start)]) == expected


def test_corners_do_not_depend_on_how_often_the_pen_reported():
    """A square given only by its corners, as a mouse moved fast reports it, or by every point."""
    assert corners([[(0.1, 0.1), (0.1, 0.9), (0.9, 0.9), (0.9, 0.1), (0.1, 0.1)]]) == 3
    assert corners([polygon(4, 0.0, points=8)]) == corners([polygon(4, 0.0, points=400)]) == 3


def test_a_hexagon_turns_too_gently_to_count():
    """60 degrees at each corner: not sharper than CORNER_ANGLE. Close to a circle, an octagon even more so."""
    assert corners([polygon(6, 0.3)]) == 0


class ReadsAs:
    """A stand-in model that reads every drawing as ``digit``, sure."""
    dtype = np.dtype("float32")

    def __init__(self, digit):
        self.digit = digit

    def predict_proba(self, x):
        out = np.full((len(x), 11), 1e-4)
        out[:, self.digit] = 1 - 10e-4
        return out

    def forward(self, x, train=False):
        return np.log(self.predict_proba(x))

    def probabilities(self, logits):
        return np.exp(logits)


def test_a_square_read_as_0_is_not_sure_and_says_why():
    square = [polygon(4, np.pi / 4).tolist()]
    result = Recognizer(ReadsAs(0), {}).predict(square)
    assert result["unsure"] and result["digit"] is None and result["best"] == 0 and result["reason"] == NOT_A_ZERO
    circle = Recognizer(ReadsAs(0), {}).predict([polygon(0).tolist()])
    assert circle["digit"] == 0 and not circle["unsure"]
    # Only a 0 is held to it: an 8 or a 4 may have corners.
    assert Recognizer(ReadsAs(8), {}).predict(square)["digit"] == 8


def test_in_a_number_the_square_is_a_question_mark():
    strokes = [polygon(0, centre=(x, 0.5)).tolist() for x in (0.3, 0.8)] + [polygon(4, np.pi / 4, centre=(1.3, 0.5)).tolist()]
    assert Recognizer(ReadsAs(0), {}).predict(strokes)["number"] == "00?"


def test_real_zeros_seldom_have_corners(real):
    """Every 0 of the 30 writers, drawn as bench/real_handwriting.py draws it: 2 of 780 turn sharply in more
    than MAX_ZERO_CORNERS places (their writers' coarse 100 ms polylines), none of the tuning writers' 259."""
    samples, labels, writers = real
    zeros = np.flatnonzero(labels == 0)
    counts = np.array([corners(replay.placed(samples[i], 0, (int(i),))[0]) for i in zeros])
    assert len(zeros) == 780
    assert (counts > MAX_ZERO_CORNERS).sum() <= 4, np.bincount(counts)
    assert (counts[~pendigits.held_out(writers[zeros])] > MAX_ZERO_CORNERS).sum() == 0
