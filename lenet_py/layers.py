"""LeNet-5's layers, each a forward and the backward next to it.

Every layer follows one protocol:

    y = layer.forward(x, train=True)   # caches exactly what backward needs (only when train)
    dx = layer.backward(dy)            # reads that cache, fills layer.grads, returns dL/dx

Parameters live in ``layer.params`` (name -> array) and their gradients in ``layer.grads`` under
the same names, so the optimizer and the weight files never need to know what a layer is.

Images are NCHW throughout: (batch, channels, height, width).
Only NumPy is used (NumPy 1.17 in the browser, NumPy 2.x in CPython), so this file runs in Pyodide.
"""
import numpy as np
from numpy.lib.stride_tricks import as_strided

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


def init_limit(fan_in, scheme):
    """Half-width of the uniform initial weights for units with ``fan_in`` inputs.

    "paper": +-2.4 / F_i (LeCun et al. 1998, appendix). Small, because the paper trained with
             per-weight second-order step sizes that make up for it.
    "lecun": +-sqrt(3 / F_i), i.e. variance 1 / F_i (LeCun et al., Efficient BackProp 1998), which
             keeps the activations' variance near 1 through the tanh layers under plain SGD.
    """
    if scheme == "paper":
        return 2.4 / fan_in
    if scheme == "lecun":
        return np.sqrt(3.0 / fan_in)
    raise ValueError("unknown init scheme %r (expected 'paper' or 'lecun')" % (scheme,))


def c3_connection_mask(table, dtype=np.float32):
    """(16, 6) mask of Table I, or all ones for ``table == "full"``.  mask[f, c] = 1 if C3 map f reads S2 map c."""
    if table == "full":
        return np.ones((16, 6), dtype=dtype)
    if table == "paper":
        return np.array([[ch == "X" for ch in row] for row in C3_TABLE_PAPER], dtype=dtype).T
    raise ValueError("unknown C3 connection table %r (expected 'paper' or 'full')" % (table,))


# --------------------------------------------------------------------------------------------
# Convolution
# --------------------------------------------------------------------------------------------

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
        f = dy.shape[1]
        dy_rows = dy.transpose(0, 2, 3, 1).reshape(-1, f)                   # (N*OH*OW, F)
        weight = self.params["weight"]
        self.grads["weight"] = (dy_rows.T @ cols).reshape(weight.shape) * self.mask
        self.grads["bias"] = dy_rows.sum(axis=0)
        if not self.input_grad:
            return None
        return col2im(dy_rows @ weight.reshape(f, -1), x_shape, weight.shape[2])   # (N, C, H, W)


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
        # Four strided views summed: much faster than a reshape-and-mean over two axes.
        pooled = (x[:, :, 0::2, 0::2] + x[:, :, 0::2, 1::2] + x[:, :, 1::2, 0::2] + x[:, :, 1::2, 1::2]) * 0.25
        self.cache = pooled if train else None
        return pooled * self.params["weight"][:, None, None] + self.params["bias"][:, None, None]

    def backward(self, dy):
        pooled = self.cache
        self.grads["weight"] = np.einsum("nchw,nchw->c", dy, pooled)
        self.grads["bias"] = dy.sum(axis=(0, 2, 3))
        n, c, h2, w2 = dy.shape
        # Each input pixel got 1/4 of its block's pooled value, scaled by the coefficient.
        d_block = dy * (self.params["weight"][:, None, None] * 0.25)        # (N, C, H/2, W/2)
        dx = np.broadcast_to(d_block[:, :, :, None, :, None], (n, c, h2, 2, w2, 2))
        return dx.reshape(n, c, 2 * h2, 2 * w2)


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
        self.grads["weight"] = flat.T @ dy                                   # (D, M)
        self.grads["bias"] = dy.sum(axis=0)
        return (dy @ self.params["weight"].T).reshape(x_shape)


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
        y = self.cache
        # f'(x) = A S (1 - tanh^2) = S (A - y^2 / A), written in terms of the cached output.
        return dy * (TANH_S * (TANH_A - y * y / TANH_A))


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
