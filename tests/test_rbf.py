"""The paper's output layer and loss (lenet_py/rbf.py) against their definitions, in float64:
RBF penalties and the MAP criterion, their gradients by centred differences, and the MAP
curvature by centred second differences."""
import math

import numpy as np
import pytest

from conftest import numeric_grad, relative_error, second_difference
from lenet_py.rbf import RBF, digit_codes, map_curvature, map_loss, map_probabilities

J = 10.0


def test_bitmaps_are_ten_distinct_plus_minus_one_pictures():
    codes = digit_codes(np.float64)
    assert codes.shape == (10, 84) and set(np.unique(codes)) == {-1.0, 1.0}
    hamming = (codes[:, None] != codes[None]).sum(axis=2)
    # Far apart, so that F6 has a distinct target per digit: at least 10 of 84 pixels differ.
    assert hamming[~np.eye(10, dtype=bool)].min() >= 10
    # The "1" is a thin upright stroke: ink in the middle columns of its middle rows, none at the edges.
    one = codes[1].reshape(12, 7)
    assert (one[4:9, 3:5] == 1).all() and (one[4:9, [0, 6]] == -1).all()


def test_rbf_penalties_are_squared_distances_to_the_bitmaps(rng):
    layer = RBF("output", np.float64)
    x = rng.normal(size=(3, 84))
    y = layer.forward(x)
    for n in range(3):
        for i in range(10):
            assert math.isclose(y[n, i], sum((x[n, k] - layer.centers[i, k]) ** 2 for k in range(84)), rel_tol=1e-12)


def test_rbf_input_gradient(rng):
    layer = RBF("output", np.float64)
    x = rng.normal(size=(2, 84))
    weights = rng.normal(size=(2, 10))

    def loss():
        return float(np.sum(layer.forward(x) * weights))

    layer.forward(x)
    assert relative_error(numeric_grad(loss, x), layer.backward(weights)) < 1e-7


def test_map_loss_is_the_papers_formula(rng):
    y = rng.uniform(0, 20, size=(4, 10))
    labels = np.array([0, 3, 9, 5])
    loss, _, q = map_loss(y, labels, J)
    by_hand = [y[n, labels[n]] + math.log(math.exp(-J) + sum(math.exp(-v) for v in y[n])) for n in range(4)]
    assert math.isclose(loss, sum(by_hand) / 4, rel_tol=1e-12)
    assert np.allclose(q.sum(axis=1), 1.0)
    for n in range(4):  # the rubbish class: exp(-j) over the same sum
        assert math.isclose(q[n, 10], math.exp(-J) / (math.exp(-J) + sum(math.exp(-v) for v in y[n])), rel_tol=1e-12)


def test_map_loss_gradient(rng):
    y = rng.uniform(0, 15, size=(3, 10))
    labels = np.array([2, 7, 7])
    _, dy, _ = map_loss(y, labels, J)
    assert relative_error(numeric_grad(lambda: map_loss(y, labels, J)[0], y), dy) < 1e-7


def test_map_loss_survives_huge_and_tiny_penalties():
    y = np.array([[1e4] * 10, [0.0] * 10, [1e-8] + [3e3] * 9])
    loss, dy, q = map_loss(y, np.array([0, 0, 0]), J)
    assert np.isfinite(loss) and np.isfinite(dy).all() and np.isfinite(q).all()
    assert q[0, 10] == pytest.approx(1.0) and q[2, 0] > 0.99   # far from every bitmap: all rubbish


@pytest.mark.parametrize("scale", [0.3, 1.0, 2.0])   # near a bitmap (digits likely) to far (rubbish likely)
def test_map_curvature_is_the_second_derivative(rng, scale):
    layer = RBF("output", np.float64)
    x = layer.centers[[4]] * (1 - scale * 0.2) + rng.normal(size=(1, 84)) * scale
    labels = np.array([4])

    def loss():
        return map_loss(layer.forward(x), labels, J)[0]

    numeric = np.array([second_difference(loss, x, (0, k)) for k in range(84)])
    analytic = map_curvature(x, layer.centers, layer.forward(x), J)[0]
    assert relative_error(numeric, analytic) < 1e-5
    assert (analytic >= 0).all()


def test_probabilities_order_digits_by_distance(rng):
    y = np.array([[5.0, 1.0, 30.0, 2.0, 50, 50, 50, 50, 50, 50]])
    q = map_probabilities(y, J)[0]
    assert q.argmax() == 1 and q[1] > q[3] > q[0] > q[2]
