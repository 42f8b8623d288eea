"""Canvas -> MNIST-style 28x28: crop, fit 20x20, centre of mass at the centre."""
import numpy as np
import pytest

from canvas_digits import drawn_seven
from lenet_py.preprocess import EmptyDrawing, area_resize_matrix, canvas_to_input, canvas_to_mnist, center_of_mass


def test_area_resize_keeps_total_ink_and_levels():
    for src, dst in [(7, 3), (20, 20), (3, 20), (280, 20)]:
        m = area_resize_matrix(src, dst)
        np.testing.assert_allclose(m.sum(axis=1), 1.0)
        v = np.arange(src, dtype=float)
        assert (m @ v).sum() * src / dst == pytest.approx(v.sum())


def test_the_digit_fits_20_pixels_and_its_mass_is_centred():
    image = canvas_to_mnist(drawn_seven())
    rows = np.flatnonzero(image.max(axis=1) > 0)
    cols = np.flatnonzero(image.max(axis=0) > 0)
    assert max(rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1) == 20
    r, c = center_of_mass(image)
    assert abs(r - 13.5) <= 0.5 and abs(c - 13.5) <= 0.5


def test_position_does_not_matter():
    a = canvas_to_mnist(drawn_seven(left=10, top=10))
    b = canvas_to_mnist(drawn_seven(left=90, top=85))
    np.testing.assert_allclose(a, b, atol=1e-9)


def test_size_barely_matters():
    # The same shape at 1/3 the size (and pen) lands on nearly the same 28x28 image.
    big = canvas_to_mnist(drawn_seven(size=240, width=24, left=20, top=20))
    small = canvas_to_mnist(drawn_seven(size=80, width=8, left=150, top=150))
    assert np.abs(big - small).mean() < 6  # out of 255


def test_a_faint_smudge_is_not_ink_but_a_stroke_is():
    ink = np.zeros((100, 100))
    ink[5, 5] = 20  # below the threshold
    with pytest.raises(EmptyDrawing):
        canvas_to_mnist(ink)
    ink[50:60, 50:52] = 255
    assert canvas_to_mnist(ink).max() == pytest.approx(255)


def test_empty_canvas_is_refused():
    with pytest.raises(EmptyDrawing):
        canvas_to_input(np.zeros((280, 280), dtype=np.uint8))


def test_network_input_shape_and_levels():
    x, image = canvas_to_input(drawn_seven().astype(np.uint8))
    assert x.shape == (1, 1, 32, 32) and x.dtype == np.float32 and image.shape == (28, 28)
    assert x.min() == pytest.approx(-0.1) and x.max() == pytest.approx(1.175)


def test_shipped_model_reads_a_drawn_seven():
    import os
    from canvas_digits import stroked
    from conftest import REPO
    from lenet_py.recognizer import Recognizer
    recognizer = Recognizer.from_folder(os.path.join(REPO, "weights"))
    for left, top, size in [(60, 40, 180), (5, 5, 70), (200, 190, 75)]:
        # As pixels (an image of a drawing) and as the strokes the page sends (canvas units: /280).
        result = recognizer.predict_ink(drawn_seven(left=left, top=top, size=size, width=max(6, size // 10)))
        assert result["digit"] == 7, (left, top, size, result["probabilities"])
        result = recognizer.predict(stroked(7, left / 280, top / 280, size / 280))
        assert result["digit"] == 7, (left, top, size, result["probabilities"])
    assert recognizer.predict_ink(np.zeros((50, 50))) == {"empty": True}
    assert recognizer.predict([]) == {"empty": True}
