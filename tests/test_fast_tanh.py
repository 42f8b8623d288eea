"""lenet_py/fast.py's rational tanh (the browser's float32 forward) against tanh itself."""
import numpy as np
import pytest

from lenet_py import LeNet5, ModelConfig, fast, normalize
from lenet_py.weights import load_weights
from scripts import fit_tanh
from train.data import load_split


def test_rational_tanh_is_tanh_to_float32s_rounding():
    x = np.concatenate([np.linspace(-12, 12, 2000001), [-1e30, -9.5, 9.5, 1e30, 0.0]]).astype(np.float32)
    y = x.copy()
    fast.rational_tanh(y)
    exact = np.tanh(x.astype(np.float64))
    assert np.abs(y - exact).max() <= 4e-7          # float32's own tanh: 6e-8; a weight's rounding: 3e-8 relative
    small = (np.abs(x) < 1e-3) & (x != 0)
    assert np.abs(y[small] / exact[small] - 1).max() <= 6e-7     # near 0, relatively too: 4 float32 steps
    assert y[-1] == 0.0
    assert np.abs(y).max() <= 1.0                      # 1 - t^2, the derivative, is never negative


def test_the_coefficients_are_what_the_fitting_script_gives():
    p, q = fit_tanh.fit()
    np.testing.assert_allclose(p, fast.TANH_P, rtol=1e-8)
    np.testing.assert_allclose(q, fast.TANH_Q, rtol=1e-8)


@pytest.mark.parametrize("in_browser, dtype, size", [(True, np.float32, 5000), (False, np.float32, 5000),
                                                     (True, np.float64, 5000), (True, np.float32, 4000)])
def test_tanh_inplace_takes_the_rational_only_for_big_float32_arrays_in_the_browser(monkeypatch, in_browser, dtype, size):
    monkeypatch.setattr(fast, "IN_BROWSER", in_browser)
    x = np.linspace(-3, 3, size).astype(dtype)
    y = x.copy()
    fast.tanh_inplace(y)
    rational = x.astype(np.float32)
    fast.rational_tanh(rational)
    expected = rational if in_browser and dtype == np.float32 and size >= 4096 else np.tanh(x)
    assert np.array_equal(y, expected)
    assert not np.array_equal(rational, np.tanh(x.astype(np.float32)))   # the two really differ


def test_the_browser_forward_reads_mnist_as_cpythons_does(monkeypatch, mnist_dir, paper_weights):
    """With trained tanh weights (the shipped ones are ReLU's): the --paper run's."""
    images, _ = load_split(mnist_dir, "t10k")
    x = normalize(images[:500], np.float32)
    model, _ = load_weights(str(paper_weights / "weights"))
    assert model.config.activation == "tanh"
    cpython = model.predict_proba(x).copy()
    monkeypatch.setattr(fast, "IN_BROWSER", True)
    browser = model.predict_proba(x)
    # The rational's 3.3e-7 per value, grown through four tanh layers and the RBF's exponentials.
    assert np.abs(browser - cpython).max() <= 5e-5
    assert np.array_equal(browser.argmax(axis=1), cpython.argmax(axis=1))
    assert not np.array_equal(browser, cpython)      # the rational tanh was used


def test_a_float32_model_trains_the_same_in_the_browser(monkeypatch, rng):
    """Learning from corrections runs in the page: the tanh derivative is taken from the rational values."""
    x = rng.normal(size=(8, 1, 32, 32)).astype(np.float32)
    labels = rng.integers(0, 10, 8)
    grads = []
    for in_browser in (False, True):
        monkeypatch.setattr(fast, "IN_BROWSER", in_browser)
        model = LeNet5(ModelConfig(), np.random.default_rng(1))
        model.backward(model.loss(model.forward(x), labels)[1])
        grads.append({name: g.copy() for name, g in model.named_grads()})
    for name in grads[0]:
        np.testing.assert_allclose(grads[1][name], grads[0][name], rtol=1e-4, atol=1e-6, err_msg=name)
    assert any(not np.array_equal(grads[1][name], grads[0][name]) for name in grads[0])   # the rational was used
