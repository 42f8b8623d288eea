"""SDLM's pieces, in float64: every layer's backward2 against the definition of the Gauss-Newton
diagonal (LeCun et al. 1998, appendix C), the whole model's curvature against centred differences,
the optimizer's step and the paper's eta schedule."""
import numpy as np
import pytest

from conftest import second_difference
from lenet_py import LeNet5, ModelConfig
from lenet_py.layers import Conv2D, Dense, ScaledTanh, Subsample
from lenet_py.optim import SDLM, paper_lr
from lenet_py.rbf import map_curvature


def test_dense_backward2_is_the_exact_diagonal_under_a_quadratic_loss(rng):
    """E = 1/2 sum c y^2 over a linear layer: Gauss-Newton is exact, for weights, biases and inputs."""
    layer = Dense("fc", 6, 4, rng, np.float64)
    layer.params["bias"][:] = rng.normal(size=4)
    x = rng.normal(size=(3, 6))
    c = rng.uniform(0.5, 2.0, size=(3, 4))

    def loss():
        return 0.5 * float(np.sum(c * layer.forward(x) ** 2))

    layer.forward(x)
    hx = layer.backward2(c)
    for name, value in layer.params.items():
        numeric = np.array([second_difference(loss, value, i) for i in np.ndindex(*value.shape)])
        np.testing.assert_allclose(layer.hess[name].ravel(), numeric, rtol=1e-5, err_msg=name)
    numeric = np.array([second_difference(loss, x, i) for i in np.ndindex(*x.shape)])
    np.testing.assert_allclose(hx.ravel(), numeric, rtol=1e-5)


def test_conv_backward2_sums_over_connections(rng):
    """The paper's first approximation: a shared weight's h is the sum over the connections it makes
    of (d2E/da2 x^2), the cross terms dropped. Checked against that sum written as loops."""
    mask = np.ones((3, 2), dtype=np.float64)
    mask[1, 0] = 0
    layer = Conv2D("c", 2, 3, 3, rng, np.float64, connection=mask)
    x = rng.normal(size=(2, 2, 5, 6))
    hy = rng.uniform(0, 1, size=(2, 3, 3, 4))
    layer.forward(x)
    hx = layer.backward2(hy)
    w = layer.params["weight"]
    want_w, want_x = np.zeros_like(w), np.zeros_like(x)
    for n, f, i, j in np.ndindex(*hy.shape):
        for c, p, q in np.ndindex(2, 3, 3):
            want_w[f, c, p, q] += hy[n, f, i, j] * x[n, c, i + p, j + q] ** 2 * mask[f, c]
            want_x[n, c, i + p, j + q] += hy[n, f, i, j] * w[f, c, p, q] ** 2
    np.testing.assert_allclose(layer.hess["weight"], want_w, rtol=1e-12)
    np.testing.assert_allclose(layer.hess["bias"], hy.sum(axis=(0, 2, 3)), rtol=1e-12)
    np.testing.assert_allclose(hx, want_x, rtol=1e-12)


def test_subsample_backward2_sums_over_connections(rng):
    layer = Subsample("s", 2, np.float64)
    layer.params["weight"][:] = [0.7, -1.3]
    x = rng.normal(size=(2, 2, 4, 6))
    hy = rng.uniform(0, 1, size=(2, 2, 2, 3))
    layer.forward(x)
    hx = layer.backward2(hy)
    want_w, want_x = np.zeros(2), np.zeros_like(x)
    for n, c, i, j in np.ndindex(*hy.shape):
        for p, q in np.ndindex(2, 2):   # each of the four connections: weight coef / 4, input x
            want_w[c] += hy[n, c, i, j] * (x[n, c, 2 * i + p, 2 * j + q] / 4) ** 2
            want_x[n, c, 2 * i + p, 2 * j + q] += hy[n, c, i, j] * (layer.params["weight"][c] / 4) ** 2
    np.testing.assert_allclose(layer.hess["weight"], want_w, rtol=1e-12)
    np.testing.assert_allclose(layer.hess["bias"], hy.sum(axis=(0, 2, 3)), rtol=1e-12)
    np.testing.assert_allclose(hx, want_x, rtol=1e-12)


def test_tanh_backward2_is_the_squared_slope(rng):
    act = ScaledTanh("a")
    x = rng.normal(size=(3, 5))
    h = rng.uniform(0, 1, size=(3, 5))
    act.forward(x)
    slope = (act.forward(x + 1e-6) - act.forward(x - 1e-6)) / 2e-6
    act.forward(x)
    np.testing.assert_allclose(act.backward2(h), h * slope ** 2, rtol=1e-8)


@pytest.mark.parametrize("output", ["rbf", "softmax"])
def test_model_curvature_of_unshared_weights_is_gauss_newton(rng, output):
    """F6's weights and biases are used once per pattern, so there the paper's diagonal is the
    Gauss-Newton diagonal itself: sum over patterns of J^T H J, with J = d(F6 output)/dw by centred
    differences and H the loss's diagonal second derivative in F6's outputs."""
    model = LeNet5(ModelConfig(output=output, init="lecun", dtype="float64"), rng)
    x = rng.normal(size=(3, 1, 32, 32))
    curvature = model.curvature(x)
    out = model.forward_reference(x)
    f6_out = model.layers[-2].cache * 1.0   # the activation's cached output: what the output layer reads
    if output == "rbf":
        h_out = map_curvature(model.layers[-1].cache, model.layers[-1].centers, out, model.config.map_j)
    else:
        p = np.exp(out - out.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        w = model.layers[-1].params["weight"]                  # logits = f6_out @ w + b
        h_out = (p * (1 - p)) @ (w.T ** 2)                      # Gauss-Newton through the output layer
    params = dict(model.named_params())
    for name, index in [("f6.weight", (5, 7)), ("f6.weight", (100, 83)), ("f6.bias", (0,)), ("f6.bias", (40,))]:
        value = params[name]
        old = value[index]
        value[index] = old + 1e-6
        model.forward_reference(x)
        plus = model.layers[-2].cache * 1.0
        value[index] = old - 1e-6
        model.forward_reference(x)
        minus = model.layers[-2].cache * 1.0
        value[index] = old
        jacobian = (plus - minus) / 2e-6                        # (P, 84)
        want = float((jacobian ** 2 * h_out).sum()) / len(x)
        assert curvature[name][index] == pytest.approx(want, rel=1e-5), (name, index)
    assert f6_out.shape == (3, 84)
    assert all(np.all(h >= 0) for h in curvature.values())


def test_sdlm_takes_a_newton_step_on_a_diagonal_quadratic(rng):
    """E = 1/2 sum h (w - w*)^2: with mu = 0 and lr = 1, one step lands on w*."""
    h, target = rng.uniform(0.5, 3.0, size=5), rng.normal(size=5)

    class Quadratic:
        dtype = np.float64
        w = np.zeros(5)

        def curvature(self, x):
            return {"w": h}

        def named_params(self):
            return [("w", self.w)]

        def named_grads(self):
            return [("w", h * (self.w - target))]

    model, optimizer = Quadratic(), SDLM(mu=0.0)
    optimizer.estimate(model, None)
    optimizer.step(model, 1.0)
    np.testing.assert_allclose(model.w, target, rtol=1e-12)
    optimizer = SDLM(mu=1.0)   # mu damps the step where the curvature is small
    model.w[:] = 0
    optimizer.estimate(model, None)
    optimizer.step(model, 1.0)
    np.testing.assert_allclose(model.w, target * h / (1.0 + h), rtol=1e-12)


def test_the_papers_eta_schedule():
    # Appendix C: 0.0005 for the first two passes, 0.0002 for the next three, 0.0001 for the next
    # three, 0.00005 for the next four, 0.00001 thereafter.
    want = [5e-4] * 2 + [2e-4] * 3 + [1e-4] * 3 + [5e-5] * 4 + [1e-5] * 8
    assert [paper_lr(5e-4, e) for e in range(20)] == pytest.approx(want)
    assert paper_lr(1e-3, 0) == pytest.approx(1e-3) and paper_lr(1e-3, 19) == pytest.approx(2e-5)
