"""A 0 has no corners (lenet_py/shapes.py): the pen's sharp turns, on hand-made paths and real zeros,
and the recognizer's answer for a square the network takes for a 0."""
import numpy as np
import pytest

from lenet_py.recognizer import Recognizer
from lenet_py.shapes import MAX_ZERO_CORNERS, NOT_A_ZERO, corners
from scripts import pendigits, replay
from test_unsure import Fixed


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


def hooked(points, hook=0.02):
    """The stroke with a short hook where the pen lands and where it lifts: the pen turns by 120 degrees
    where the hook meets the stroke."""
    points = np.asarray(points, dtype=np.float64)

    def hook_at(end, inward):
        d = (inward - end) / np.linalg.norm(inward - end)
        return end + hook * (np.array([[0.5, -0.866], [0.866, 0.5]]) @ d)   # 60 degrees off the way in
    return np.vstack([hook_at(points[0], points[3]), points, hook_at(points[-1], points[-4])])


def test_an_oval_has_no_corners_with_hooks_at_its_ends_or_jitter():
    assert corners([polygon(0)]) == 0
    assert corners([polygon(0) * [0.6, 1.0]]) == 0
    assert corners([hooked(polygon(0))]) == 0
    jitter = polygon(0) + np.random.default_rng(0).normal(0, 0.002, (121, 2))   # 1% of the size
    assert corners([jitter]) == 0


@pytest.mark.parametrize("width", [0.25, 0.4, 0.6])
def test_a_thin_zero_begun_at_its_side_is_still_a_zero(width):
    """Its round ends turn by more than 60 degrees within a tenth of its height: two "corners", which
    MAX_ZERO_CORNERS allows; its hooks are the pen's ends and count for nothing."""
    t = np.linspace(0, 2 * np.pi, 200)
    thin = hooked(np.c_[0.5 - 0.5 * width * 0.4 * np.cos(t), 0.5 + 0.2 * np.sin(t)], 0.01)   # begun at the left
    assert corners([thin]) <= MAX_ZERO_CORNERS
    assert Recognizer(ReadsAs(0), {}).predict([thin.tolist()])["digit"] == 0


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


@pytest.mark.parametrize("turn, expected", [(50, 0), (70, 1)])
def test_a_turn_counts_when_sharper_than_sixty_degrees(turn, expected):
    a = np.radians(turn)
    bent = [(0.0, 0.0), (0.5, 0.0), (0.5 + 0.5 * np.cos(a), 0.5 * np.sin(a))]
    assert corners([bent]) == expected


def ReadsAs(digit):
    """A stand-in model that reads every drawing as ``digit``, sure."""
    sure = np.full(11, 1e-4)
    sure[digit] = 1 - 10e-4
    return Fixed(sure)


def test_more_corners_than_a_zero_may_have():
    """A square begun at a corner: three corners, one more than MAX_ZERO_CORNERS."""
    assert Recognizer(ReadsAs(0), {}).predict([polygon(4, 0.0).tolist()])["reason"] == NOT_A_ZERO


def test_a_square_read_whole_with_a_dot_beside_it_is_not_sure():
    """A dot is left out of the pieces, so the drawing is answered whole: the rule holds there too."""
    result = Recognizer(ReadsAs(0), {}).predict([polygon(4, np.pi / 4).tolist(), [[0.9, 0.9]]])
    assert result["unsure"] and result["reason"] == NOT_A_ZERO


def test_a_square_read_as_0_is_not_sure_and_says_why():
    square = [polygon(4, np.pi / 4).tolist()]
    result = Recognizer(ReadsAs(0), {}).predict(square)
    assert result["unsure"] and result["digit"] is None and result["best"] == 0 and result["reason"] == NOT_A_ZERO
    circle = Recognizer(ReadsAs(0), {}).predict([polygon(0).tolist()])
    assert circle["digit"] == 0 and not circle["unsure"]
    # Only a 0 is held to it: an 8 or a 4 may have corners.
    assert Recognizer(ReadsAs(8), {}).predict(square)["digit"] == 8


def test_in_a_number_the_square_is_a_question_mark():
    square = polygon(4, np.pi / 4, centre=(1.3, 0.5))
    strokes = [polygon(0, centre=(x, 0.5)).tolist() for x in (0.3, 0.8)] + [square.tolist()]
    assert Recognizer(ReadsAs(0), {}).predict(strokes)["number"] == "00?"


def test_real_zeros_seldom_have_corners(real):
    """Every 0 of the 30 writers, drawn as bench/real_handwriting.py draws it. Few turn sharply in more than
    MAX_ZERO_CORNERS places (their writers' coarse 100 ms polylines); none of the tuning writers' 259 in more
    than one, as the rule was checked."""
    samples, labels, writers = real
    zeros = np.flatnonzero(labels == 0)
    counts = np.array([corners(replay.placed(samples[i], 0, (0, int(i)), "digit")[0]) for i in zeros])
    assert len(zeros) == 780
    assert (counts > MAX_ZERO_CORNERS).sum() <= 4, np.bincount(counts)
    assert counts[~pendigits.held_out(writers[zeros])].max() <= 1, np.bincount(counts)
