"""Convolution: im2col, its transpose, the slow reference, and the Conv2D layer (C1, C3, C5).

Images are NCHW throughout. Only NumPy is used, so this file runs in Pyodide too.
"""
import numpy as np
from numpy.lib.stride_tricks import as_strided

from .init import init_limit

def im2col(x, k):
    """Every k x k patch of x as a row, by a strided view and one copy.

    x: (N, C, H, W) -> (N * OH * OW, C * k * k) with OH = H - k + 1, OW = W - k + 1 (stride 1, no padding).
    Row order is (n, i, j); column order is (c, p, q), matching weight.reshape(F, C * k * k).
    """
    x = np.ascontiguousarray(x)
    n, c, h, w = x.shape
    oh, ow = h - k + 1, w - k + 1
    sn, sc, sh, sw = x.strides
    patches = as_strided(x, shape=(n, oh, ow, c, k, k), strides=(sn, sh, sw, sc, sh, sw), writeable=False)
    return patches.reshape(n * oh * ow, c * k * k)


def conv2d_forward(x, weight, bias):
    """Valid, stride-1 cross-correlation as one matmul (the fast path).

    x: (N, C, H, W), weight: (F, C, k, k), bias: (F,) -> (N, F, H - k + 1, W - k + 1).
    Returns (y, cols); cols (N*OH*OW, C*k*k) is what the weight gradient needs.
    """
    n, _, h, w = x.shape
    f, _, k, _ = weight.shape
    oh, ow = h - k + 1, w - k + 1
    cols = im2col(x, k)                                     # (N*OH*OW, C*k*k)
    y = cols @ weight.reshape(f, -1).T + bias               # (N*OH*OW, F)
    return y.reshape(n, oh, ow, f).transpose(0, 3, 1, 2), cols


def col2im(dcols, x_shape, k):
    """The transpose of im2col: add every patch-row's gradient back onto the pixels it was copied from.

    dcols: (N * OH * OW, C * k * k) -> (N, C, H, W). Loops over the k * k kernel offsets only; each
    step adds one shifted (N, C, OH, OW) slab, so no loop runs over pixels or images.
    """
    n, c, h, w = x_shape
    oh, ow = h - k + 1, w - k + 1
    patches = dcols.reshape(n, oh, ow, c, k, k).transpose(0, 3, 4, 5, 1, 2)   # (N, C, k, k, OH, OW)
    dx = np.zeros(x_shape, dtype=dcols.dtype)
    for p in range(k):
        for q in range(k):
            dx[:, :, p:p + oh, q:q + ow] += patches[:, :, p, q]
    return dx


def conv2d_reference(x, weight, bias):
    """Slow, obviously-correct convolution: the definition, looped. Used only by tests.

    y[n, f, i, j] = bias[f] + sum_{c, p, q} x[n, c, i + p, j + q] * weight[f, c, p, q]
    """
    n, c, h, w = x.shape
    f, _, k, _ = weight.shape
    y = np.zeros((n, f, h - k + 1, w - k + 1), dtype=np.result_type(x, weight))
    for b in range(n):
        for o in range(f):
            for i in range(h - k + 1):
                for j in range(w - k + 1):
                    y[b, o, i, j] = bias[o] + np.sum(x[b, :, i:i + k, j:j + k] * weight[o])
    return y


class Conv2D:
    """k x k valid convolution, stride 1, optionally partially connected.

    (N, C, H, W) -> (N, F, H - k + 1, W - k + 1)

    ``connection`` (F, C) zeroes the kernels between unconnected maps (C3's Table I). The masked
    kernels stay zero because their gradient is masked too, so a full-size weight array can carry
    any connection table and the fast matmul path serves both.
    """

    def __init__(self, name, in_channels, out_channels, kernel_size, rng, dtype=np.float32, connection=None,
                 input_grad=True, init="paper"):
        self.name = name
        self.input_grad = input_grad  # False for the first layer: nothing below it learns
        mask = np.ones((out_channels, in_channels), dtype=dtype) if connection is None else connection.astype(dtype)
        self.mask = mask[:, :, None, None]                                 # (F, C, 1, 1)
        fan_in = mask.sum(axis=1) * kernel_size * kernel_size              # (F,) inputs a unit actually sees
        limit = init_limit(fan_in, init)[:, None, None, None]
        weight = rng.uniform(-1.0, 1.0, (out_channels, in_channels, kernel_size, kernel_size)) * limit
        self.params = {
            "weight": (weight * self.mask).astype(dtype),
            "bias": np.zeros(out_channels, dtype=dtype),
        }
        self.grads = {}
        self.cache = None

    def forward(self, x, train=True):
        y, cols = conv2d_forward(x, self.params["weight"], self.params["bias"])
        self.cache = (cols, x.shape) if train else None
        return y

    def backward(self, dy):
        cols, x_shape = self.cache
        return self._back(dy, cols, self.params["weight"], x_shape, self.grads)

    def backward2(self, h):
        """The Gauss-Newton diagonal (LeCun et al. 1998, appendix C): backward with every weight and
        every input squared, second derivatives in place of first. Fills self.hess, returns d2E/dx2."""
        cols, x_shape = self.cache
        self.hess = {}
        return self._back(h, cols * cols, self.params["weight"] ** 2, x_shape, self.hess)

    def _back(self, dy, cols, weight, x_shape, out):
        f = dy.shape[1]
        dy_rows = dy.transpose(0, 2, 3, 1).reshape(-1, f)                   # (N*OH*OW, F)
        out["weight"] = (dy_rows.T @ cols).reshape(weight.shape) * self.mask
        out["bias"] = dy_rows.sum(axis=0)
        if not self.input_grad:
            return None
        return col2im(dy_rows @ weight.reshape(f, -1), x_shape, weight.shape[2])   # (N, C, H, W)
