"""Building blocks of the fast path (lenet_py/fastnet.py), each the fast twin of something in layers.py.

Layout: channels first, then the batch, (C, N, ...), so that a convolution is one matmul
W (F, C*k*k + 1) @ cols (C*k*k + 1, N*L) whose output is already the next layer's (F, N, ...) input:
no transpose between layers. (layers.py keeps the NCHW reference these are tested against.)

"Row-strided" maps: a convolution of an h x w map (rows ``width`` = w apart in memory) is computed
at L = (oh - 1) * w + ow flat positions per image, i.e. with the *input's* row stride. Position
m = i * w + j reads x[m + p * w + q], so every im2col row is one contiguous window of x (one long
copy instead of short rows), and col2im is 25 adds of contiguous runs. The w - ow positions at the
end of each output row are junk (they wrap into the next row); ``valid`` views skip them, and the
gradient buffers keep zeros there so they never reach a weight or an input gradient.
"""
import sys

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .layers import TANH_A, TANH_S

IN_BROWSER = sys.platform == "emscripten"   # Pyodide's Python says so


def flat_length(h, w, k):
    """Flat positions per image of a k x k valid convolution of an h x w map, at row stride w."""
    return (h - k) * w + (w - k + 1)


def windows(x, k, width):
    """x (C, N, P) maps of rows ``width`` apart -> read-only view (C, k, k, N, L): [c, p, q, n, m] = x[c, n, m + p*width + q].

    P must be h * width; the last window ends exactly at the last pixel, so nothing is read outside x."""
    c, n, size = x.shape
    length = flat_length(size // width, width, k)
    sc, sn, sm = x.strides
    return as_strided(x, (c, k, k, n, length), (sc, width * sm, sm, sn, sm), writeable=False)


def valid(buf, oh, ow, row):
    """buf (F, N, L) row-strided maps -> view (F, N, oh, ow) of their valid pixels (the junk skipped)."""
    f, n, length = buf.shape
    s = buf.strides
    return as_strided(buf, (f, n, oh, ow), (s[0], s[1], row * s[2], s[2]))


def conv_forward(x, k, width, weight_ext, cols, out):
    """Valid stride-1 convolution, row-strided. x (C, N, h*width); weight_ext (F, C*k*k + 1) with the bias
    as last column; cols (C*k*k + 1, N*L) whose last row is ones (set once: it folds the bias into the
    matmul, and later the bias gradient into the weight gradient's matmul); out (F, N, L).
    Reference: layers.conv2d_forward / conv2d_reference."""
    c, n, _ = x.shape
    length = out.shape[2]
    np.copyto(cols[:-1].reshape(c, k, k, n, length), windows(x, k, width))   # im2col: one copy of long runs
    if IN_BROWSER:   # Pyodide's NumPy has no BLAS: its matmul is a plain loop, 2.5x slower here than einsum's
        np.einsum("fk,kl->fl", weight_ext, cols, out=out.reshape(out.shape[0], -1))
    else:
        np.matmul(weight_ext, cols, out=out.reshape(out.shape[0], -1))


def col2im(dcols, k, width, out):
    """The adjoint of ``windows``: out[c, n, m + p*width + q] = sum over (p, q) of dcols[c, p, q, n, m].

    dcols (C*k*k, N, L) -> out (C, N, P). The first offset is copied rather than added, and only the
    tail it does not reach is zeroed, so out needs no zero-filling pass. Reference: layers.col2im."""
    c, n, size = out.shape
    length = dcols.shape[-1]
    d = dcols.reshape(c, k * k, n, length)
    out[:, :, :length] = d[:, 0]
    out[:, :, length:] = 0
    for o in range(1, k * k):
        start = (o // k) * width + o % k
        out[:, :, start:start + length] += d[:, o]


def pool_sum(x, out):
    """Sum of each 2x2 block: x (C, N, 2h, 2w) (any strides) -> out (C, N, h, w). Four strided views, three
    in-place adds, no temporary. Reference: layers.Subsample.forward (which takes the mean)."""
    np.add(x[:, :, 0::2, 0::2], x[:, :, 0::2, 1::2], out=out)
    out += x[:, :, 1::2, 0::2]
    out += x[:, :, 1::2, 1::2]


def unpool_times(g, deriv, out):
    """out[c, n, 2i + a, 2j + b] = g[c, n, i, j] * deriv[c, n, 2i + a, 2j + b]: the 2x2 upsampling of a
    subsampling layer's gradient fused with the activation derivative below it (no upsampled temporary).
    g (C, N, h, w); deriv and out (C, N, 2h, 2w), any strides. Reference: layers.Subsample.backward."""
    for a in (0, 1):
        for b in (0, 1):
            np.multiply(deriv[:, :, a::2, b::2], g, out=out[:, :, a::2, b::2])


# tanh(x) ~= x P(x^2) / Q(x^2) for |x| <= TANH_CLAMP (beyond it float32's tanh is +-1 to 3e-8):
# weighted least squares on [0, 9] iterated towards the least largest error (Sanathanan-Koerner,
# then Lawson's reweighting), as scripts/fit_tanh.py does; in float32 it is within 3.3e-7 of tanh.
TANH_P = (0.9999999065, 0.1337324973, 0.003486643196, 2.047282048e-05, 1.31855612e-08)
TANH_Q = (1.0, 0.4670654663, 0.02584221367, 0.000327148482, 7.703218067e-07)
TANH_CLAMP = 9.0
RATIONAL_FROM = 4096                        # values: below this np.tanh costs less in the browser


def rational_tanh(u):
    """tanh(u) in place for float32 u (any shape), from TANH_P and TANH_Q: 21 elementwise passes, the
    last keeping rounding near saturation from stepping past +-1 (1 - t^2 is a derivative)."""
    dtype = u.dtype.type
    np.clip(u, dtype(-TANH_CLAMP), dtype(TANH_CLAMP), out=u)
    t = np.multiply(u, u)
    num, den = np.multiply(t, dtype(TANH_P[-1])), np.multiply(t, dtype(TANH_Q[-1]))
    for k in range(len(TANH_P) - 2, 0, -1):
        num += dtype(TANH_P[k])
        num *= t
        den += dtype(TANH_Q[k])
        den *= t
    num += dtype(TANH_P[0])
    den += dtype(TANH_Q[0])
    num *= u
    np.divide(num, den, out=u)
    np.clip(u, dtype(-1.0), dtype(1.0), out=u)


def tanh_inplace(u):
    """tanh(u) in place. In the browser (Pyodide) NumPy's tanh is musl's scalar tanhf, 32 ns a value,
    fifty times a multiply: a third of reading a six-digit number. There float32 takes rational_tanh,
    4.5 times faster per value, once there are RATIONAL_FROM values to pay for its 21 calls (90 us);
    CPython's NumPy has a vectorised tanh, faster still, and float64 stays exact."""
    if IN_BROWSER and u.dtype == np.float32 and u.size >= RATIONAL_FROM:
        rational_tanh(u)
    else:
        np.tanh(u, out=u)


class Tanh:
    """The scaled tanh A tanh(S u) with A and S folded into the layers around it (fastnet.py): the buffers
    hold t = tanh(S u), the next layer's weights carry A. Reference: layers.ScaledTanh."""
    in_scale, out_scale = TANH_S, TANH_A

    @staticmethod
    def forward(u):
        tanh_inplace(u)

    @staticmethod
    def derivative(t, out):
        """dt/d(S u) = 1 - t^2, in two in-place passes."""
        np.multiply(t, t, out=out)
        np.subtract(1.0, out, out=out)


class Relu:
    """max(u, 0). Reference: layers.ReLU."""
    in_scale = out_scale = 1.0

    @staticmethod
    def forward(u):
        np.maximum(u, 0.0, out=u)

    @staticmethod
    def derivative(t, out):
        np.greater(t, 0.0, out=out)   # writes 0.0 / 1.0 into the float buffer


FAST_ACTIVATIONS = {"tanh": Tanh, "relu": Relu}
