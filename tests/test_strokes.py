"""Strokes -> MNIST frame: the pen belongs to the digit, the anti-aliasing is the pen's coverage, the
fit and centring are MNIST's, and nothing from the page is trusted."""
import numpy as np
import pytest

from lenet_py.preprocess import EmptyDrawing
from lenet_py.strokes import MAX_POINTS, MIN_EXTENT, NotADigit, render, strokes_to_mnist
from scripts.drawing import DIGITS


def scaled(strokes, left, top, size):
    return [[(left + x * size, top + y * size) for x, y in stroke] for stroke in strokes]


def covered(starts, ends, width, size=28, samples=16):
    """Slow reference: the share of each pixel's area within width / 2 of a segment, by supersampling."""
    offsets = (np.arange(samples) + 0.5) / samples - 0.5
    out = np.zeros((size, size))
    for r in range(size):
        for c in range(size):
            px = (c + offsets[None, :] + 0 * offsets[:, None]).ravel()
            py = (r + offsets[:, None] + 0 * offsets[None, :]).ravel()
            best = np.full(px.shape, np.inf)
            for (x0, y0), (x1, y1) in zip(starts, ends):
                dx, dy = x1 - x0, y1 - y0
                t = np.clip(((px - x0) * dx + (py - y0) * dy) / max(dx * dx + dy * dy, 1e-12), 0, 1)
                best = np.minimum(best, np.hypot(px - x0 - t * dx, py - y0 - t * dy))
            out[r, c] = (best <= width / 2).mean()
    return out


def test_rendered_ink_is_the_pen_coverage():
    starts = np.array([[5.3, 6.0], [20.0, 6.5]])
    ends = np.array([[20.0, 6.5], [9.0, 22.2]])
    fast = render(starts, ends, width=2.6)
    slow = covered(starts, ends, width=2.6)
    # A one-pixel linear ramp is the exact coverage of a straight edge crossing a pixel squarely,
    # and close to it otherwise.
    assert np.abs(fast - slow).max() < 0.2
    assert abs(fast.sum() - slow.sum()) < 0.02 * slow.sum()


@pytest.mark.parametrize("digit", [1, 4, 7, 8])
def test_same_image_whatever_the_size_and_place(digit):
    big = strokes_to_mnist(scaled(DIGITS[digit], 0.05, 0.1, 0.8))
    small = strokes_to_mnist(scaled(DIGITS[digit], 0.7, 0.6, 0.15))
    np.testing.assert_allclose(big, small, atol=1e-6)


def test_fitted_to_20_pixels_and_centred_by_mass():
    image = strokes_to_mnist(scaled(DIGITS[7], 0.1, 0.1, 0.5))
    ink = image > 0
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    assert max(rows[-1] - rows[0], cols[-1] - cols[0]) + 1 in (20, 21)  # the pen's edge may touch one more pixel
    total = image.sum()
    com = (image.sum(axis=1) @ np.arange(28) / total, image.sum(axis=0) @ np.arange(28) / total)
    np.testing.assert_allclose(com, (13.5, 13.5), atol=0.05)
    assert image.max() == 255.0 and image.min() == 0.0


def test_pen_width_is_a_share_of_the_digit():
    thin = strokes_to_mnist([[(0.2, 0.1), (0.2, 0.7)]], pen=1.5)
    thick = strokes_to_mnist([[(0.2, 0.1), (0.2, 0.7)]], pen=3.5)
    # A vertical bar: its ink per row is its width.
    assert abs(thin[14].sum() / 255 - 1.5) < 0.1 and abs(thick[14].sum() / 255 - 3.5) < 0.1


def test_dense_pointer_samples_draw_what_the_polyline_draws():
    coarse = [[(0.1, 0.1), (0.6, 0.2), (0.3, 0.8)]]
    dense = [list(zip(np.interp(np.linspace(0, 2, 800), [0, 1, 2], [0.1, 0.6, 0.3]),
                      np.interp(np.linspace(0, 2, 800), [0, 1, 2], [0.1, 0.2, 0.8])))]
    assert np.abs(strokes_to_mnist(coarse) - strokes_to_mnist(dense)).max() < 0.1 * 255


def test_empty_and_dot():
    with pytest.raises(EmptyDrawing):
        strokes_to_mnist([])
    with pytest.raises(NotADigit) as caught:
        strokes_to_mnist([[(0.5, 0.5)]])
    assert caught.value.image.max() > 0                            # still something to show
    with pytest.raises(NotADigit):
        strokes_to_mnist([[(0.5, 0.5), (0.5 + MIN_EXTENT * 0.9, 0.5)]])
    strokes_to_mnist([[(0.5, 0.5), (0.5 + MIN_EXTENT * 1.1, 0.5)]])  # just big enough: no exception


@pytest.mark.parametrize("bad, fragment", [
    ("a string", "list of strokes"),
    ({"x": 1}, "list of strokes"),
    ([[(0, 0), (1,)]], "stroke 0"),
    ([[(0, 0)], []], "stroke 1"),
    ([[(0, float("nan"))]], "finite"),
    ([[(0, float("inf"))]], "finite"),
    ([[(0, 1e300)]], "finite"),
    ([[("a", "b")]], "stroke 0"),
    ([[[[0, 0]]]], "stroke 0"),
    ([[(0.1, 0.2), ("0.3", 0.4)]], "stroke 0"),   # NumPy would read the string as a number
    ([[(0.1, 0.2), (True, 0.4)]], "stroke 0"),    # ... and true as 1
    ([[(10 ** 400, 0.4)]], "stroke 0"),             # an int no float holds
    ([[(0.1, 0.2), {1: 0, 2: 0}]], "stroke 0"),     # a point that is not a list, though two numbers long
    ([[(0.1, 0.2)], np.array([["1", "2"]])], "stroke 1"),
    ([[(0.1, 0.1)] * (MAX_POINTS + 1)], "more than"),
])
def test_bad_strokes_are_refused_in_one_line(bad, fragment):
    with pytest.raises(ValueError) as caught:
        strokes_to_mnist(bad)
    assert fragment in str(caught.value) and "\n" not in str(caught.value)
