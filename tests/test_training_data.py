"""What training adds to MNIST: slant and pen width, the styles MNIST lacks, and the non-digits."""
import numpy as np
import pytest

from lenet_py.augment import AugmentConfig, augment, bend, change_thickness
from train.negatives import make_pool, pair
from train.styles import add_styles


def bar_image(rows=slice(4, 24), cols=slice(13, 15)):
    image = np.zeros((1, 28, 28), dtype=np.float32)
    image[0, rows, cols] = 255
    return image


def test_thickness_widens_and_narrows_a_stroke_by_the_amount():
    image = bar_image(cols=slice(12, 16))                        # a vertical bar 4 pixels wide
    width = lambda im: im[0, 14].sum() / 255                      # noqa: E731 -- ink across the middle row
    assert width(change_thickness(image, np.array([2.0]))) == pytest.approx(6)
    assert width(change_thickness(image, np.array([1.0]))) == pytest.approx(5)
    assert width(change_thickness(image, np.array([-2.0]))) == pytest.approx(2)
    assert width(change_thickness(image, np.array([0.0]))) == pytest.approx(4)


def test_shear_slants_a_vertical_bar():
    config = AugmentConfig(rotate=0, scale=0, shift=0, shear=0.5)
    rng = np.random.default_rng(3)
    slants = []
    for _ in range(20):
        out = augment(bar_image(), rng, config)[0]
        col = lambda r: (out[r] * np.arange(28)).sum() / out[r].sum()   # noqa: E731 -- the bar's column in row r
        slants.append((col(6) - col(21)) / 15)
    slants = np.array(slants)
    assert np.abs(slants).max() <= 0.5 + 0.05 and np.abs(slants).max() > 0.3
    assert (slants > 0).any() and (slants < 0).any()              # both ways
    unchanged = augment(bar_image(), rng, AugmentConfig(rotate=0, scale=0, shift=0))[0]
    np.testing.assert_allclose(unchanged, bar_image()[0], atol=1e-3)


class EdgeOfRange:
    """A stand-in for a Generator whose every uniform draw is the top (or bottom) of its range."""
    def __init__(self, top=True):
        self.top = top

    def uniform(self, low, high, size):
        return np.full(size, high if self.top else low, dtype=np.float64)


def test_warp_remaps_the_box_by_a_power_and_leaves_its_edges_and_outside_alone():
    coords = np.array([-12.0, -10.0, -5.0, 0.0, 5.0, 10.0, 12.0]).reshape(1, 1, 7)
    # warp 1 at the top of its range: exponent 2; u = (c + 10) / 20 -> 20 u^2 - 10, by hand:
    # -5 (u 0.25) -> -8.75, 0 (u 0.5) -> -5, 5 (u 0.75) -> 1.25
    np.testing.assert_allclose(bend(coords, EdgeOfRange(top=True), 1.0)[0, 0], [-12, -10, -8.75, -5, 1.25, 10, 12])
    # at the bottom: exponent 1/2, 20 sqrt(u) - 10: u 0.25 -> 0, u 0.5 -> 4.142, u 0.75 -> 7.321
    np.testing.assert_allclose(bend(coords, EdgeOfRange(top=False), 1.0)[0, 0], [-12, -10, 0, 4.1421356, 7.3205081, 10, 12])


def test_warped_digits_keep_their_ink_and_no_warp_draws_nothing_more():
    image = bar_image(rows=slice(14, 16), cols=slice(6, 22))    # a bar 2 rows high at the centre
    config = AugmentConfig(rotate=0, scale=0, shift=0, warp=0.5)
    rows = []
    for seed in range(10):
        out = augment(image, np.random.default_rng(seed), config)[0]
        assert out.dtype == np.float32 and 0 <= out.min() and out.max() <= 255 + 1e-3   # bilinear rounding
        rows.append((out.sum(axis=1) @ np.arange(28)) / out.sum())
    assert np.ptp(rows) > 1.0                                    # the bar moves up or down with the bend
    # warp 0 (the page's learning, runs from before it): one rotation, zoom and shift drawn, nothing more
    plain, unwarped = np.random.default_rng(0), np.random.default_rng(0)
    augment(image, unwarped, AugmentConfig(warp=0.0))
    plain.uniform(size=1), plain.uniform(size=1), plain.uniform(size=(1, 2))
    assert plain.random() == unwarped.random()


@pytest.fixture(scope="module")
def mnist():
    from train.data import load_mnist
    try:
        return load_mnist()["train"]
    except Exception as exc:  # noqa: BLE001 -- any reason the data is not there
        pytest.skip("MNIST not available (%s): run scripts/setup.sh" % exc)


def pick(mnist, digit, count=20):
    images, labels = mnist
    index = np.flatnonzero(labels == digit)[:count]
    return images[index].astype(np.float32), labels[index]


def added_ink(before, after):
    return np.clip(after - before, 0, None)


def test_sevens_get_a_bar_across_the_stem_at_mid_height(mnist):
    images, labels = pick(mnist, 7)
    out = add_styles(images, labels, np.random.default_rng(0), rate=1.0)
    assert (out >= images).all()                                  # the digit's own ink is kept
    for before, after in zip(images, out):
        extra = added_ink(before, after)
        rows = np.flatnonzero((before > 128).any(axis=1))
        mid = rows[0] + 0.55 * (rows[-1] - rows[0])
        centre_row = (extra.sum(axis=1) @ np.arange(28)) / extra.sum()
        assert abs(centre_row - mid) < 0.2 * (rows[-1] - rows[0])  # about half-way down
        spread = np.flatnonzero(extra.max(axis=0) > 64)
        assert spread[-1] - spread[0] >= 3                        # a bar, wider than it is tall
        assert np.flatnonzero(extra.max(axis=1) > 64).size <= 6


def test_ones_get_a_flag_from_the_top_or_a_foot(mnist):
    images, labels = pick(mnist, 1)
    out = add_styles(images, labels, np.random.default_rng(1), rate=1.0)
    for before, after in zip(images, out):
        extra = added_ink(before, after)
        assert extra.sum() > 255                                  # something was added
        rows = np.flatnonzero((before > 128).any(axis=1))
        added_rows = np.flatnonzero(extra.sum(axis=1) > 64)
        centre_row = (extra.sum(axis=1) @ np.arange(28)) / extra.sum()
        # a flag leaves the top and hangs down (at most nine tenths of the digit); a foot lies on the bottom row
        flag = added_rows[0] <= rows[0] + 2 and centre_row < rows[0] + 0.5 * (rows[-1] - rows[0])
        assert flag or centre_row > rows[-1] - 2


def test_other_digits_and_rate_zero_are_left_alone(mnist):
    images, labels = pick(mnist, 3)
    np.testing.assert_array_equal(add_styles(images, labels, np.random.default_rng(0), 1.0), images)
    sevens, seven_labels = pick(mnist, 7)
    np.testing.assert_array_equal(add_styles(sevens, seven_labels, np.random.default_rng(0), 0.0), sevens)


def test_a_pair_is_two_digits_side_by_side_in_one_frame(mnist):
    (one, _), (eight, _) = pick(mnist, 1, 1), pick(mnist, 8, 1)
    image = pair(eight[0], eight[0], np.random.default_rng(0))
    ink = image > 64
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    assert cols[-1] - cols[0] > 1.5 * (rows[-1] - rows[0])         # wider than tall: two digits' worth
    assert cols[-1] - cols[0] >= 18                                # fitted to the 20-pixel box like one digit


def test_the_pool_is_reproducible_and_of_the_size_asked(mnist):
    images, _ = mnist
    first = make_pool(images[:500], 30, np.random.default_rng(5))
    again = make_pool(images[:500], 30, np.random.default_rng(5))
    assert first.shape == (30, 28, 28) and first.dtype == np.uint8
    np.testing.assert_array_equal(first, again)
    assert (first.reshape(30, -1).max(axis=1) > 128).all()         # every one has ink
