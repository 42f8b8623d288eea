"""The fast strided-im2col convolution against the slow definition, and col2im against im2col."""
import numpy as np
import pytest

from lenet_py.layers import col2im, conv2d_forward, conv2d_reference, im2col


@pytest.mark.parametrize("n,c,h,w,f,k", [(1, 1, 5, 5, 1, 1), (2, 1, 32, 32, 6, 5), (3, 6, 14, 14, 16, 5),
                                         (2, 16, 5, 5, 7, 5), (2, 3, 9, 6, 4, 3)])
def test_fast_conv_matches_reference(rng, n, c, h, w, f, k):
    x = rng.normal(size=(n, c, h, w))
    weight = rng.normal(size=(f, c, k, k))
    bias = rng.normal(size=f)
    fast, _ = conv2d_forward(x, weight, bias)
    np.testing.assert_allclose(fast, conv2d_reference(x, weight, bias), rtol=1e-10, atol=1e-10)


def test_fast_conv_float32_close_to_float64(rng):
    x = rng.normal(size=(2, 6, 14, 14))
    weight = rng.normal(size=(16, 6, 5, 5))
    bias = rng.normal(size=16)
    fast32, _ = conv2d_forward(x.astype(np.float32), weight.astype(np.float32), bias.astype(np.float32))
    assert fast32.dtype == np.float32
    np.testing.assert_allclose(fast32, conv2d_reference(x, weight, bias), rtol=1e-4, atol=1e-4)


def test_fast_conv_accepts_non_contiguous_input(rng):
    x = rng.normal(size=(2, 8, 8, 3)).transpose(0, 3, 1, 2)  # a view with unusual strides
    weight = rng.normal(size=(2, 3, 3, 3))
    bias = np.zeros(2)
    np.testing.assert_allclose(conv2d_forward(x, weight, bias)[0], conv2d_reference(x, weight, bias), atol=1e-10)


def test_col2im_is_the_adjoint_of_im2col(rng):
    # <im2col(x), D> == <x, col2im(D)> for all x and D defines the transpose exactly.
    x = rng.normal(size=(2, 3, 7, 9))
    cols = im2col(x, 3)
    d = rng.normal(size=cols.shape)
    assert np.sum(cols * d) == pytest.approx(np.sum(x * col2im(d, x.shape, 3)), rel=1e-12)
