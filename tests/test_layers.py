"""Every layer's backward against centred finite differences of its forward, in float64."""
import numpy as np
import pytest

from conftest import numeric_grad, relative_error
from lenet_py.layers import (Conv2D, Dense, ReLU, ScaledTanh, Subsample, c3_connection_mask,
                             softmax, softmax_cross_entropy)

TOLERANCE = 1e-6


def check_layer(layer, x, rng, free=None):
    """Loss = sum(forward(x) * R) for a fixed random R, so dL/dy = R; checks dx and every parameter.

    free: name -> 0/1 mask of the entries that are parameters (C3's unconnected kernels are not).
    """
    free = free or {}
    out = layer.forward(x)
    weights = rng.normal(size=out.shape)

    def loss():
        return float(np.sum(layer.forward(x) * weights))

    layer.forward(x)
    dx = layer.backward(weights)
    errors = {name: relative_error(numeric_grad(loss, value) * free.get(name, 1), layer.grads[name])
              for name, value in layer.params.items()}
    if dx is not None:
        errors["input"] = relative_error(numeric_grad(loss, x), dx)
    assert errors, "nothing was checked"
    for name, error in errors.items():
        assert error < TOLERANCE, "%s: relative error %.2e" % (name, error)
    return errors


def test_conv2d_gradients(rng):
    layer = Conv2D("conv", 3, 4, 3, rng, np.float64)
    layer.params["bias"][:] = rng.normal(size=4)
    errors = check_layer(layer, rng.normal(size=(2, 3, 7, 6)), rng)
    assert set(errors) == {"weight", "bias", "input"}


def test_conv2d_partial_connection_gradients(rng):
    mask = c3_connection_mask("paper", np.float64)
    layer = Conv2D("c3", 6, 16, 5, rng, np.float64, connection=mask)
    check_layer(layer, rng.normal(size=(2, 6, 7, 7)), rng, free={"weight": layer.mask})
    # Unconnected kernels are not parameters: zero to start with and zero gradient.
    unconnected = mask == 0
    assert np.all(layer.params["weight"][unconnected] == 0)
    assert np.all(layer.grads["weight"][unconnected] == 0)
    assert np.any(layer.grads["weight"][~unconnected] != 0)


def test_conv2d_to_single_pixel_gradients(rng):  # C5: the kernel covers the whole input
    check_layer(Conv2D("c5", 3, 5, 4, rng, np.float64), rng.normal(size=(2, 3, 4, 4)), rng)


def test_subsample_gradients(rng):
    layer = Subsample("s", 3, np.float64)
    layer.params["weight"][:] = rng.normal(size=3)
    layer.params["bias"][:] = rng.normal(size=3)
    check_layer(layer, rng.normal(size=(2, 3, 6, 8)), rng)


def test_dense_gradients(rng):
    layer = Dense("fc", 12, 5, rng, np.float64)
    check_layer(layer, rng.normal(size=(3, 3, 2, 2)), rng)  # also checks flattening and reshaping back


def test_scaled_tanh_gradients(rng):
    check_layer(ScaledTanh("act"), rng.normal(size=(3, 4)) * 2, rng)


def test_scaled_tanh_is_the_papers_function():
    act = ScaledTanh("act")
    y = act.forward(np.array([-1.0, 0.0, 1.0]))
    # The paper picks A and S so that f(1) = 1 (to 4 decimals) and f is odd.
    np.testing.assert_allclose(y, [-1.0, 0.0, 1.0], atol=2e-4)


def test_relu_gradients(rng):
    x = rng.normal(size=(3, 5))
    x[np.abs(x) < 0.1] = 0.5  # keep away from the kink, where differences are meaningless
    check_layer(ReLU("act"), x, rng)


def test_softmax_cross_entropy_gradient(rng):
    logits = rng.normal(size=(4, 10)) * 3
    labels = np.array([0, 3, 9, 3])
    _, dlogits, probs = softmax_cross_entropy(logits, labels)
    numeric = numeric_grad(lambda: softmax_cross_entropy(logits, labels)[0], logits)
    assert relative_error(numeric, dlogits) < TOLERANCE
    np.testing.assert_allclose(probs.sum(axis=1), 1.0)


def test_softmax_cross_entropy_matches_definition(rng):
    logits = rng.normal(size=(3, 10))
    labels = np.array([1, 2, 3])
    expected = -np.mean([np.log(np.exp(row[y]) / np.exp(row).sum()) for row, y in zip(logits, labels)])
    assert softmax_cross_entropy(logits, labels)[0] == pytest.approx(expected, rel=1e-12)


def test_softmax_survives_huge_logits():
    probs = softmax(np.array([[1000.0, 0.0, -1000.0]]))
    assert np.all(np.isfinite(probs)) and probs[0, 0] == pytest.approx(1.0)
