"""The coefficients of lenet_py/fast.py's rational_tanh: tanh(x) ~= x P(x^2) / Q(x^2) on |x| <= 9.

    python scripts/fit_tanh.py          # prints TANH_P, TANH_Q and the largest error in float32

Weighted linear least squares for x P(t) - tanh(x) Q(t) = 0 (Q's constant term 1) on a grid of
[0, 9], in u = x^2 / 81 so that the powers stay near 1; each round divides the weights by the last
Q (Sanathanan and Koerner, IEEE Trans. Automatic Control 8(1), 1963), so the residual becomes the
true error, and after ten rounds multiplies them by the error's square root (Lawson's algorithm),
which moves the fit towards the least largest error. Degrees 4 over 4 leave 3.3e-7 in float32 (4
over 3: 8e-7, 3 over 3: 5e-6); more add passes and no accuracy, float32's rounding being the limit.
"""
import numpy as np

CLAMP = 9.0      # float32's tanh is 1 to within 3e-8 beyond it
DEGREES = (4, 4)


def fit(m=DEGREES[0], n=DEGREES[1], rounds=60):
    """-> (P, Q) coefficients in powers of x^2, lowest first."""
    x = np.concatenate([np.linspace(0, 1, 4000), np.linspace(1, CLAMP, 16000)])[1:]
    f, u = np.tanh(x), (x / CLAMP) ** 2
    basis = np.hstack([np.stack([x * u ** k for k in range(m + 1)], 1), -np.stack([f * u ** k for k in range(1, n + 1)], 1)])
    last_q, lawson = np.ones_like(x), np.ones_like(x)
    for r in range(rounds):
        w = lawson / last_q
        solution = np.linalg.lstsq(basis * w[:, None], f * w, rcond=None)[0]
        p, q = solution[:m + 1], np.r_[1.0, solution[m + 1:]]
        last_q = np.abs(np.polyval(q[::-1], u))
        error = np.abs(x * np.polyval(p[::-1], u) / last_q - f)
        if r >= 10:
            lawson *= np.sqrt(error / error.max() + 1e-3)
            lawson /= lawson.max()
    return [v / CLAMP ** (2 * k) for k, v in enumerate(p)], [v / CLAMP ** (2 * k) for k, v in enumerate(q)]


if __name__ == "__main__":
    import os
    import sys
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from lenet_py import fast
    p, q = fit()
    print("TANH_P = (%s)" % ", ".join("%.10g" % v for v in p))
    print("TANH_Q = (%s)" % ", ".join("%.10g" % v for v in q))
    fast.TANH_P, fast.TANH_Q = tuple(float("%.10g" % v) for v in p), tuple(float("%.10g" % v) for v in q)
    x = np.linspace(-12, 12, 2000001).astype(np.float32)
    y = x.copy()
    fast.rational_tanh(y)
    print("largest error in float32: %.2e" % np.abs(y.astype(np.float64) - np.tanh(x.astype(np.float64))).max())
