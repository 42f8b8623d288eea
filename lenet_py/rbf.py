"""The paper's output layer and criterion: Euclidean RBF units over fixed digit bitmaps, and the MAP loss.

LeCun, Bottou, Bengio, Haffner 1998, section II.B (output layer) and II.C (loss function):

    y_i = sum_j (x_j - w_ij)^2                          (N, 84) F6 outputs -> (N, 10) penalties
    E   = y_D + log(exp(-j) + sum_i exp(-y_i))          D: the right digit, j > 0 a constant

Each unit's parameter vector w_i is a 7x12 bitmap of its digit, +1 for ink and -1 for paper, fixed
by hand (here below, in the spirit of the paper's Figure 3) and never trained. A unit's penalty is
how far F6's output is from the stylised picture of its digit. The first term of E pulls the right
penalty down; the second pushes the others up, so the bitmaps cannot collapse onto one point, and
exp(-j) is a "rubbish" class that stops already-large penalties from being pushed further.

The same formula gives probabilities: exp(-y_i) / (exp(-j) + sum_k exp(-y_k)) for digit i, and the
rest, exp(-j) / (...), is the rubbish class's: how much the drawing is like none of the bitmaps.
That is the paper's argument for RBF outputs: a far-from-every-bitmap input can be rejected.
"""
import numpy as np

W, H = 7, 12          # a bitmap's width and height: F6 has W * H = 84 units

# "X": +1 (ink), ".": -1. One block per digit, 12 rows of 7.
DIGIT_BITMAPS = """
....... ....... ....... ....... ....... ....... ....... ....... ....... .......
..XXX.. ...XX.. .XXXXX. .XXXXX. ....XX. XXXXXXX ..XXXX. XXXXXXX .XXXXX. .XXXXX.
.XX.XX. ..XXX.. XX...XX XX...XX ...XXX. XX..... .XX.... XX...XX XX...XX XX...XX
XX...XX .XXXX.. .....XX .....XX ..XXXX. XX..... XX..... .....XX XX...XX XX...XX
XX...XX ...XX.. ....XX. .....XX .XX.XX. XXXXXX. XX..... ....XX. XX...XX XX...XX
XX...XX ...XX.. ...XX.. ..XXXX. XX..XX. .....XX XXXXXX. ....XX. .XXXXX. XX...XX
XX...XX ...XX.. ..XX... .....XX XX..XX. .....XX XX...XX ...XX.. XX...XX .XXXXXX
XX...XX ...XX.. .XX.... .....XX XXXXXXX .....XX XX...XX ...XX.. XX...XX .....XX
XX...XX ...XX.. XX..... .....XX ....XX. .....XX XX...XX ..XX... XX...XX .....XX
.XX.XX. ...XX.. XX...XX XX...XX ....XX. XX...XX XX...XX ..XX... XX...XX ....XX.
..XXX.. .XXXXXX XXXXXXX .XXXXX. ...XXXX .XXXXX. .XXXXX. ..XX... .XXXXX. .XXXX..
....... ....... ....... ....... ....... ....... ....... ....... ....... .......
"""


def digit_codes(dtype=np.float32):
    """(10, 84): row i is digit i's bitmap, row by row, +1 for "X" and -1 for "."."""
    rows = DIGIT_BITMAPS.split()
    assert len(rows) == 10 * H and all(len(r) == W and set(r) <= set("X.") for r in rows), "bitmaps malformed"
    blocks = np.array([[c == "X" for c in r] for r in rows]).reshape(H, 10, W).transpose(1, 0, 2)
    return np.where(blocks.reshape(10, H * W), 1.0, -1.0).astype(dtype)


class RBF:
    """The output layer: one Euclidean RBF unit per digit.  (N, 84) -> (N, 10) penalties.

    No trainable parameters: the centres are the bitmaps. This is the slow, obviously-correct form
    (every difference squared); lenet_py/fastnet.py computes the same by a matmul."""

    def __init__(self, name, dtype=np.float32):
        self.name = name
        self.centers = digit_codes(dtype)                # (10, 84)
        self.params, self.grads, self.hess, self.cache = {}, {}, {}, None

    def forward(self, x, train=True):
        diff = x[:, None, :] - self.centers[None]       # (N, 10, 84)
        self.cache = x if train else None
        return (diff * diff).sum(axis=2)

    def backward(self, dy):
        """dy (N, 10) -> dL/dx (N, 84) = sum_i dy_i 2 (x - w_i)."""
        return 2.0 * (dy.sum(axis=1, keepdims=True) * self.cache - dy @ self.centers)


def _log_terms(y, j):
    """Penalties (N, 10) -> (z (N, 11) = [-y_0 .. -y_9, -j], log Z (N,)), Z = sum of exp(z): shifted by
    the largest exponent so that nothing overflows or underflows to 0 / 0."""
    z = np.concatenate([-y, np.full((len(y), 1), -j, dtype=y.dtype)], axis=1)
    top = z.max(axis=1)
    return z, top + np.log(np.exp(z - top[:, None]).sum(axis=1))


def map_probabilities(y, j):
    """Penalties (N, 10) -> (N, 11): each digit's exp(-y_i) / Z and, last, the rubbish class's
    exp(-j) / Z, with Z = exp(-j) + sum_k exp(-y_k)."""
    z, log_z = _log_terms(y, j)
    return np.exp(z - log_z[:, None])


def map_loss(y, labels, j):
    """The MAP criterion (section II.C, eq. 9), mean over the batch, and its gradient.

    y (N, 10) penalties, labels (N,) ints -> (loss, dy (N, 10), probabilities (N, 11)).
    dE/dy_i = [i == D] - q_i, with q the probabilities of map_probabilities."""
    n = len(y)
    z, log_z = _log_terms(y, j)
    q = np.exp(z - log_z[:, None])
    loss = float((y[np.arange(n), labels] + log_z).mean())
    dy = -q[:, :10].copy()
    dy[np.arange(n), labels] += 1.0
    return loss, dy / n, q


def map_curvature(x, centers, y, j):
    """d2E/dx_j2 of the MAP criterion at the RBF layer's input, per pattern: (N, 84), >= 0.

    With u_ij = 2 (x_j - w_ij) and q the probabilities,
        d2E/dx_j2 = 2 (1 - sum_i q_i) + sum_i q_i u_ij^2 - (sum_i q_i u_ij)^2,
    exact, not Gauss-Newton: both terms are non-negative (the first is the rubbish class's share,
    the second a variance), so the step size 1 / (mu + h) that SDLM makes of it is well defined.
    Below this layer the second derivatives are propagated by Gauss-Newton (backward2)."""
    q = map_probabilities(y, j)[:, :10]                 # (N, 10)
    u = 2.0 * (x[:, None, :] - centers[None])           # (N, 10, 84)
    mean = np.einsum("ni,nij->nj", q, u)
    return 2.0 * (1.0 - q.sum(axis=1, keepdims=True)) + np.einsum("ni,nij->nj", q, u * u) - mean * mean
