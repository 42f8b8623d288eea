"""The non-digit set (scripts/nondigits.py): repeatable, every kind there, every drawing a drawing the
recognizer can be asked about, no letter that is a digit shape, and pairs that are two real digits of
one writer side by side."""
import numpy as np
import pytest

from lenet_py.strokes import MIN_EXTENT, NotADigit, strokes_to_mnist
from scripts import pendigits
from scripts.nondigits import KINDS, nondigit_set, two_digits

# Written out here rather than read from the module, so that adding one of them there fails here.
DIGIT_LIKE = set("OoIliSsZzbgqG")


@pytest.fixture(scope="module")
def real():
    try:
        return pendigits.load()
    except pendigits.Missing as exc:
        pytest.skip("pairs are made of real handwriting, which is missing: %s" % exc)


@pytest.fixture(scope="module")
def templates():
    return nondigit_set(np.random.default_rng(7), per_template=1, pairs=0)


def same(first, again):
    return [(k, n) for k, n, _ in first] == [(k, n) for k, n, _ in again] and all(
        len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b)) for (_, _, a), (_, _, b) in zip(first, again))


def test_same_seed_same_set_and_another_seed_another():
    first, again, other = (nondigit_set(np.random.default_rng(seed), per_template=2) for seed in (3, 3, 4))
    assert same(first, again)
    assert not same(first, other)
    assert {k for k, _, _ in first} == set(KINDS) - {"pair"}, "pairs need pendigits; everything else does not"


def test_same_seed_same_pairs(real):
    first, again = (nondigit_set(np.random.default_rng(3), per_template=1, pairs=10, pendigits=real) for _ in range(2))
    assert same(first, again)


def test_every_kind_is_there_and_the_default_is_big_enough(real):
    items = nondigit_set(np.random.default_rng(0), pendigits=real)
    counts = {kind: sum(k == kind for k, _, _ in items) for kind in KINDS}
    assert set(k for k, _, _ in items) == set(KINDS)
    assert counts["pair"] == 200 and min(counts.values()) >= 20, counts


def test_every_drawing_is_finite_strokes_and_renders(templates):
    for kind, name, strokes in templates:
        assert kind in KINDS and isinstance(name, str) and strokes, name
        for s in strokes:
            assert isinstance(s, np.ndarray) and s.dtype == np.float64 and s.ndim == 2 and s.shape[1] == 2, name
            assert len(s) >= 1 and np.isfinite(s).all(), name
        if kind == "dot":
            with pytest.raises(NotADigit):
                strokes_to_mnist(strokes)
            continue
        image = strokes_to_mnist(strokes)
        assert image.shape == (28, 28) and image.max() > 200, name


def test_drawings_look_drawn_by_a_pen_not_typed(templates):
    """Points evenly spread along the strokes (about 40-80 a drawing) and no two copies of a template alike."""
    for kind, name, strokes in templates:
        if kind == "dot":
            assert np.ptp(np.concatenate(strokes), axis=0).max() < MIN_EXTENT, name
            continue
        assert 40 <= sum(len(s) for s in strokes) <= 100, name
    a, b = [s for k, n, s in nondigit_set(np.random.default_rng(1), per_template=2, pairs=0) if n == "B"]
    assert len(a[0]) != len(b[0]) or not np.allclose(a[0], b[0], atol=0.01)


def test_no_letter_is_a_digit_shape_and_b_is_there(templates):
    letters = {name for kind, name, _ in templates if kind == "letter"}
    assert not letters & DIGIT_LIKE, letters & DIGIT_LIKE
    assert "B" in letters and all(len(name) == 1 and name.isalpha() for name in letters)
    assert not {name for kind, name, _ in templates if kind in ("doodle", "shape")} & {"circle", "vertical line"}


def test_a_pair_is_two_real_digits_of_one_writer_side_by_side(real):
    samples, labels, writers = real
    rng = np.random.default_rng(5)
    for _ in range(50):
        name, strokes, (left, right) = two_digits(rng, samples, labels, writers)
        assert writers[left] == writers[right]
        assert name == "pair %d%d" % (labels[left], labels[right])
        k = len(samples[left])
        assert len(strokes) == k + len(samples[right])
        # The left digit is the writer's own strokes; the right one is theirs scaled and moved.
        assert all(np.allclose(s, t) for s, t in zip(strokes[:k], samples[left]))
        a, b = np.concatenate(strokes[:k]), np.concatenate(strokes[k:])
        assert (a.min(0) + a.max(0))[0] / 2 < (b.min(0) + b.max(0))[0] / 2
        gap = b[:, 0].min() - a[:, 0].max()
        assert 0 <= gap + 1e-6 and gap <= 0.3 * max(np.ptp(a[:, 0]), np.ptp(b[:, 0])) + 1e-6
        assert abs(np.ptp(b[:, 1]) / np.ptp(a[:, 1]) - 1) <= 0.1 + 1e-6
