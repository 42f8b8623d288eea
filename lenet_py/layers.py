"""LeNet-5's layers, each a forward and the backward next to it.

Every layer follows one protocol:

    y = layer.forward(x, train=True)   # caches exactly what backward needs (only when train)
    dx = layer.backward(dy)            # reads that cache, fills layer.grads, returns dL/dx
    h = layer.backward2(hy)            # the same for second derivatives (SDLM's curvature, lenet_py/sdlm.py)

Parameters live in ``layer.params`` (name -> array) and their gradients in ``layer.grads`` under
the same names, so the optimizer and the weight files never need to know what a layer is.

Images are NCHW throughout: (batch, channels, height, width).
Only NumPy is used (NumPy 1.17 in the browser, NumPy 2.x in CPython), so this file runs in Pyodide.
"""
import numpy as np

from .conv import Conv2D, col2im, conv2d_forward, conv2d_reference, im2col  # noqa: F401 (re-exported)
from .init import init_limit

# LeCun et al. 1998, appendix A: f(a) = A tanh(S a) with A = 1.7159, S = 2/3, chosen so that
# f(+-1) = +-1 and the second derivative is largest at +-1.
TANH_A = 1.7159
TANH_S = 2.0 / 3.0

# Table I of the paper: which of S2's 6 maps (rows) feed each of C3's 16 maps (columns).
# C3 maps 0-5 see 3 contiguous maps, 6-11 see 4 contiguous, 12-14 see 4 non-contiguous, 15 sees all.
C3_TABLE_PAPER = (
    "X...XXX..XXXX.XX",
    "XX...XXX..XXXX.X",
    "XXX...XXX..X.XXX",
    ".XXX..XXXX..X.XX",
    "..XXX..XXXX.XX.X",
    "...XXX..XXXX.XXX",
)


def c3_connection_mask(table, dtype=np.float32):
    """(16, 6) mask of Table I, or all ones for ``table == "full"``.  mask[f, c] = 1 if C3 map f reads S2 map c."""
    if table == "full":
        return np.ones((16, 6), dtype=dtype)
    if table == "paper":
        return np.array([[ch == "X" for ch in row] for row in C3_TABLE_PAPER], dtype=dtype).T
    raise ValueError("unknown C3 connection table %r (expected 'paper' or 'full')" % (table,))


# --------------------------------------------------------------------------------------------
# Subsampling (S2, S4)
# --------------------------------------------------------------------------------------------

class Subsample:
    """The paper's trainable subsampling: mean of each 2x2 block, times a per-map coefficient, plus a bias.

    (N, C, H, W) -> (N, C, H / 2, W / 2)

    The coefficient starts at 1, making it plain average pooling at first; the paper lets it learn.
    """

    def __init__(self, name, channels, dtype=np.float32):
        self.name = name
        self.params = {
            "weight": np.ones(channels, dtype=dtype),
            "bias": np.zeros(channels, dtype=dtype),
        }
        self.grads = {}
        self.cache = None

    def forward(self, x, train=True):
        pooled = block_mean(x)
        self.cache = x if train else None
        return pooled * self.params["weight"][:, None, None] + self.params["bias"][:, None, None]

    def backward(self, dy):
        return self._back(dy, block_mean(self.cache), self.params["weight"] * 0.25, self.grads)

    def backward2(self, h):
        """Gauss-Newton diagonal, as Conv2D.backward2: each of a block's four connections has the
        weight coef / 4 and the input x, so the coefficient's share is sum(h x^2) / 16."""
        self.hess = {}
        return self._back(h, block_mean(self.cache ** 2) * 0.25, (self.params["weight"] * 0.25) ** 2, self.hess)

    def _back(self, dy, pooled, per_pixel, out):
        """pooled: what multiplies the coefficient (N, C, H/2, W/2); per_pixel (C,): dy's factor on each input."""
        out["weight"] = np.einsum("nchw,nchw->c", dy, pooled)
        out["bias"] = dy.sum(axis=(0, 2, 3))
        n, c, h2, w2 = dy.shape
        d_block = dy * per_pixel[:, None, None]                              # (N, C, H/2, W/2)
        dx = np.broadcast_to(d_block[:, :, :, None, :, None], (n, c, h2, 2, w2, 2))
        return dx.reshape(n, c, 2 * h2, 2 * w2)


def block_mean(x):
    """(N, C, H, W) -> (N, C, H/2, W/2), each 2x2 block's mean. Four strided views summed: much
    faster than a reshape-and-mean over two axes."""
    return (x[:, :, 0::2, 0::2] + x[:, :, 0::2, 1::2] + x[:, :, 1::2, 0::2] + x[:, :, 1::2, 1::2]) * 0.25


# --------------------------------------------------------------------------------------------
# Fully connected
# --------------------------------------------------------------------------------------------

class Dense:
    """Affine map y = x W + b.   (N, D) -> (N, M); any input of shape (N, ...) is flattened first."""

    def __init__(self, name, in_features, out_features, rng, dtype=np.float32, init="paper"):
        self.name = name
        limit = init_limit(in_features, init)
        self.params = {
            "weight": rng.uniform(-limit, limit, (in_features, out_features)).astype(dtype),
            "bias": np.zeros(out_features, dtype=dtype),
        }
        self.grads = {}
        self.cache = None

    def forward(self, x, train=True):
        flat = x.reshape(x.shape[0], -1)                                     # (N, D)
        self.cache = (flat, x.shape) if train else None
        return flat @ self.params["weight"] + self.params["bias"]

    def backward(self, dy):
        flat, x_shape = self.cache
        return self._back(dy, flat, self.params["weight"], x_shape, self.grads)

    def backward2(self, h):
        """Gauss-Newton diagonal, as Conv2D.backward2."""
        flat, x_shape = self.cache
        self.hess = {}
        return self._back(h, flat * flat, self.params["weight"] ** 2, x_shape, self.hess)

    def _back(self, dy, flat, weight, x_shape, out):
        out["weight"] = flat.T @ dy                                          # (D, M)
        out["bias"] = dy.sum(axis=0)
        return (dy @ weight.T).reshape(x_shape)


# --------------------------------------------------------------------------------------------
# Activations (no parameters)
# --------------------------------------------------------------------------------------------

class ScaledTanh:
    """f(x) = 1.7159 tanh(2x / 3), elementwise.  Shape is unchanged."""

    def __init__(self, name):
        self.name = name
        self.params, self.grads, self.cache = {}, {}, None

    def forward(self, x, train=True):
        y = TANH_A * np.tanh(TANH_S * x)
        self.cache = y if train else None
        return y

    def backward(self, dy):
        return dy * self.derivative()

    def backward2(self, h):
        """Gauss-Newton: f'(x)^2, the term in f'' dropped (LeCun et al. 1998, appendix C)."""
        return h * self.derivative() ** 2

    def derivative(self):
        y = self.cache
        # f'(x) = A S (1 - tanh^2) = S (A - y^2 / A), written in terms of the cached output.
        return TANH_S * (TANH_A - y * y / TANH_A)


class ReLU:
    """f(x) = max(x, 0), elementwise.  Shape is unchanged."""

    def __init__(self, name):
        self.name = name
        self.params, self.grads, self.cache = {}, {}, None

    def forward(self, x, train=True):
        positive = x > 0
        self.cache = positive if train else None
        return x * positive

    def backward(self, dy):
        return dy * self.cache

    def backward2(self, h):
        return h * self.cache


ACTIVATIONS = {"tanh": ScaledTanh, "relu": ReLU}


# --------------------------------------------------------------------------------------------
# Loss
# --------------------------------------------------------------------------------------------

def softmax(logits):
    """(N, K) -> (N, K) probabilities; the max is subtracted so exp never overflows."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=1, keepdims=True)


def softmax_cross_entropy(logits, labels):
    """Mean cross-entropy of softmax(logits) against integer labels, and its gradient.

    logits: (N, K), labels: (N,) ints -> (loss scalar, dlogits (N, K), probabilities (N, K)).
    """
    n = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    probs = np.exp(log_probs)
    loss = -log_probs[np.arange(n), labels].mean()
    dlogits = probs.copy()
    dlogits[np.arange(n), labels] -= 1.0
    return float(loss), dlogits / n, probs
