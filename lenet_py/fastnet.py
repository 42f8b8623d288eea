"""LeNet-5's forward and backward as one fused chain: what LeNet5.forward / backward run.

The layer-by-layer path (LeNet5.forward_reference, layers.py) is the obviously-correct reference;
tests/test_fastnet.py checks this chain against it, output by output and gradient by gradient, and
the whole-model gradient check runs through this chain. What makes it fast:

- channels-first (C, N, ...) buffers and row-strided maps (see fast.py): no transposes, long copies;
- the buffers of a batch size are allocated once and reused (Workspace), and hold exactly what
  backward reads: the im2col columns, the pooled sums and each activation's output;
- the activation's constants are folded away: a buffer holds t = tanh(S u), and S and A are
  multiplied into the small weight matrices (or, for C5, into the one copy it makes anyway), so
  every big array gets one tanh pass forward and one derivative pass backward;
- a row of ones under the im2col columns carries the convolution biases, so their gradients come
  out of the weight gradient's matmul.
"""
from collections import OrderedDict

import numpy as np

from .fast import FAST_ACTIVATIONS, col2im, conv_forward, flat_length, pool_sum, unpool_times, valid

L1 = flat_length(32, 32, 5)   # C1's flat positions per image: 28 rows 32 apart (892)
L3 = flat_length(14, 14, 5)   # C3's: 10 rows 14 apart (136)
MAX_KEPT = 4                  # workspaces kept, one per batch size (training's, and the page's few)
MAX_KEPT_BATCH = 256          # bigger training batches get a throwaway workspace; inference goes in pieces this big


class Workspace:
    """Every buffer one batch of ``n`` images needs, forward and (allocated on first use) backward."""

    def __init__(self, n, dtype):
        self.n, self.dtype = n, dtype
        e = lambda *shape: np.empty(shape, dtype)  # noqa: E731
        self.cols1, self.t1, self.s2, self.t2 = e(26, n * L1), e(6, n, L1), e(6, n, 14, 14), e(6, n, 196)
        self.cols3, self.t3, self.s4, self.t4 = e(151, n * L3), e(16, n, L3), e(16, n, 5, 5), e(16, n, 5, 5)
        self.x5, self.t5, self.t6 = e(n, 400), e(n, 120), e(n, 84)
        self.cols1[-1] = 1.0   # the bias row, set once
        self.cols3[-1] = 1.0
        self.has_backward = False

    def backward_buffers(self):
        if self.has_backward:
            return
        n, e = self.n, lambda *shape: np.empty(shape, self.dtype)  # noqa: E731
        # Zeros once: only the valid pixels are ever written, so the junk positions stay 0 (fast.py).
        self.g1, self.g3 = np.zeros((6, n, L1), self.dtype), np.zeros((16, n, L3), self.dtype)
        self.d1, self.g2, self.d2 = e(6, n, L1), e(6, n, 196), e(6, n, 196)
        self.d3, self.dcols3 = e(16, n, L3), e(150, n * L3)
        self.has_backward = True


class FastNet:
    """Runs a LeNet5's layers (their live parameters) through the fused chain."""

    def __init__(self, model):
        self.layers = {layer.name: layer for layer in model.layers}
        self.rbf = self.layers["output"] if model.config.output == "rbf" else None
        self.act = FAST_ACTIVATIONS[model.config.activation]
        self.dtype = model.dtype
        self.workspaces = OrderedDict()
        self.cache = None   # the workspace of the last forward with train=True, until an inference forward
        s, a = self.act.in_scale, self.act.out_scale
        # C3's gradient scale: S A for connected weights (0 for Table I's missing ones), S for the bias.
        mask = self.layers["c3"].mask.reshape(16, 6, 1).repeat(25, axis=2).reshape(16, 150)
        self.c3_grad_scale = np.hstack([mask * (s * a), np.full((16, 1), s)]).astype(self.dtype)
        self.w1, self.w3 = np.empty((6, 26), self.dtype), np.empty((16, 151), self.dtype)

    def workspace(self, n):
        ws = self.workspaces.pop(n, None) or Workspace(n, self.dtype)
        if n <= MAX_KEPT_BATCH:
            self.workspaces[n] = ws               # most recently used last
            while len(self.workspaces) > MAX_KEPT:
                self.workspaces.popitem(last=False)
        return ws

    def forward(self, x, train=True, clock=None):
        """x (N, 1, 32, 32) -> logits (N, outputs), a new array. clock(stage name), if given, is called
        after each stage (bench/train_profile.py times them)."""
        if not train and len(x) > MAX_KEPT_BATCH:   # inference in kept-size pieces: bounded memory, cache-sized buffers
            return np.concatenate([self.forward(x[i:i + MAX_KEPT_BATCH], False, clock)
                                   for i in range(0, len(x), MAX_KEPT_BATCH)])
        p = {name: layer.params for name, layer in self.layers.items()}
        ws = self.workspace(x.shape[0])
        self.cache = None      # the buffers are about to change: no backward from an older forward
        out = np.ascontiguousarray(x).reshape(1, ws.n, 1024)
        for name, stage in self.forward_stages:
            out = stage(ws, p, out)
            if clock:
                clock(name)
        self.cache = ws if train else None
        return out

    def backward(self, dlogits, clock=None):
        """dlogits (N, outputs) -> every layer's grads, from the buffers of the last forward(train=True)."""
        ws = self.cache
        if ws is None or len(dlogits) != ws.n:
            raise RuntimeError("backward needs the forward(train=True) of this very batch just before it")
        ws.backward_buffers()
        g = {name: layer.grads for name, layer in self.layers.items()}
        grad = np.asarray(dlogits, self.dtype)
        for name, stage in self.backward_stages:
            grad = stage(ws, g, grad)
            if clock:
                clock(name)

    @property
    def forward_stages(self):
        return (("c1", self.c1), ("s2", self.s2), ("c3", self.c3), ("s4", self.s4), ("c5", self.c5),
                ("f6", self.f6), ("output", self.output))

    @property
    def backward_stages(self):
        return (("output", self.output_back), ("f6", self.f6_back), ("c5", self.c5_back), ("s4", self.s4_back),
                ("c3", self.c3_back), ("s2", self.s2_back), ("c1", self.c1_back))

    # ---- forward stages: each takes the previous stage's output, includes its activation ----------

    def c1(self, ws, p, x):
        """u = S (W x + b), folded into the 6 x 26 matrix."""
        s = self.act.in_scale
        np.multiply(p["c1"]["weight"].reshape(6, 25), s, out=self.w1[:, :25])
        np.multiply(p["c1"]["bias"], s, out=self.w1[:, 25])
        conv_forward(x, 5, 32, self.w1, ws.cols1, ws.t1)
        self.act.forward(ws.t1)
        return ws.t1

    def s2(self, ws, p, t1):
        """u = S (coef / 4 * A * sum4(t1) + b)."""
        s, a = self.act.in_scale, self.act.out_scale
        self.c2 = p["s2"]["weight"] * (0.25 * s * a)
        pool_sum(valid(t1, 28, 28, 32), ws.s2)
        t2 = ws.t2.reshape(6, ws.n, 14, 14)
        np.multiply(ws.s2, self.c2[:, None, None, None], out=t2)
        t2 += (p["s2"]["bias"] * s)[:, None, None, None]
        self.act.forward(ws.t2)
        return ws.t2

    def c3(self, ws, p, t2):
        """The input carries A, the output S."""
        s, a = self.act.in_scale, self.act.out_scale
        np.multiply(p["c3"]["weight"].reshape(16, 150), s * a, out=self.w3[:, :150])
        np.multiply(p["c3"]["bias"], s, out=self.w3[:, 150])
        conv_forward(t2, 5, 14, self.w3, ws.cols3, ws.t3)
        self.act.forward(ws.t3)
        return ws.t3

    def s4(self, ws, p, t3):
        s, a = self.act.in_scale, self.act.out_scale
        self.c4 = p["s4"]["weight"] * (0.25 * s * a)
        pool_sum(valid(t3, 10, 10, 14), ws.s4)
        np.multiply(ws.s4, self.c4[:, None, None, None], out=ws.t4)
        ws.t4 += (p["s4"]["bias"] * s)[:, None, None, None]
        self.act.forward(ws.t4)
        return ws.t4

    def c5(self, ws, p, t4):
        """A dense layer on the 5x5 maps: the one transposing copy it needs also scales by S A."""
        s, a, n = self.act.in_scale, self.act.out_scale, ws.n
        np.multiply(t4.reshape(16, n, 25).transpose(1, 0, 2), s * a, out=ws.x5.reshape(n, 16, 25))
        np.matmul(ws.x5, p["c5"]["weight"].reshape(120, 400).T, out=ws.t5)
        ws.t5 += p["c5"]["bias"] * s
        self.act.forward(ws.t5)
        return ws.t5

    def f6(self, ws, p, t5):
        s, a = self.act.in_scale, self.act.out_scale
        self.w6 = p["f6"]["weight"] * (s * a)
        np.matmul(t5, self.w6, out=ws.t6)
        ws.t6 += p["f6"]["bias"] * s
        self.act.forward(ws.t6)
        return ws.t6

    def output(self, ws, p, t6):
        """The logits: no activation; a new array, as the caller keeps it."""
        if self.rbf is not None:
            return self.rbf_output(t6)
        self.w7 = p["output"]["weight"] * self.act.out_scale
        logits = t6 @ self.w7
        logits += p["output"]["bias"]
        return logits

    def rbf_output(self, t6):
        """The paper's RBF penalties |x - w_i|^2 = |x|^2 - 2 x.w_i + |w_i|^2 with x = A t6: one matmul
        instead of an (N, 10, 84) difference (rbf.RBF is that reference)."""
        a, w = self.act.out_scale, self.rbf.centers
        y = t6 @ (w.T * (-2.0 * a))
        y += (t6 * t6).sum(axis=1, keepdims=True) * (a * a)
        y += (w * w).sum(axis=1)
        return y

    # ---- backward stages: each takes dL/d(its output) ("gu": below an activation, dL/du) ----------

    def output_back(self, ws, g, dlogits):
        if self.rbf is not None:   # no parameters; dL/dt6 = A * 2 (sum_i dy_i x - dy @ w), x = A t6
            a = self.act.out_scale
            gu = ws.t6 * (dlogits.sum(axis=1, keepdims=True) * (2.0 * a * a))
            gu -= dlogits @ (self.rbf.centers * (2.0 * a))
            gu *= self.derivative(ws.t6)
            return gu
        g["output"]["weight"] = (ws.t6.T @ dlogits) * self.act.out_scale
        g["output"]["bias"] = dlogits.sum(axis=0)
        gu = dlogits @ self.w7.T
        gu *= self.derivative(ws.t6)
        return gu

    def f6_back(self, ws, g, gu):
        s, a = self.act.in_scale, self.act.out_scale
        g["f6"]["weight"] = (ws.t5.T @ gu) * (s * a)
        g["f6"]["bias"] = gu.sum(axis=0) * s
        gu = gu @ self.w6.T
        gu *= self.derivative(ws.t5)
        return gu

    def c5_back(self, ws, g, gu):
        s, a, n = self.act.in_scale, self.act.out_scale, ws.n
        g["c5"]["weight"] = (gu.T @ ws.x5).reshape(120, 16, 5, 5)   # x5 already carries S A
        g["c5"]["bias"] = gu.sum(axis=0) * s
        gt4 = (gu @ self.layers["c5"].params["weight"].reshape(120, 400)).reshape(n, 16, 25)
        gu4 = self.derivative(ws.t4).reshape(16, n, 25)
        gu4 *= gt4.transpose(1, 0, 2)
        gu4 *= s * a
        return gu4.reshape(16, n, 5, 5)

    def s4_back(self, ws, g, gu4):
        """Coefficient and bias, then the 2x2 upsampling fused with C3's activation derivative."""
        self.subsample_grads(g["s4"], gu4, ws.s4)
        self.act.derivative(ws.t3, ws.d3)
        unpool_times(gu4 * self.c4[:, None, None, None], valid(ws.d3, 10, 10, 14), valid(ws.g3, 10, 10, 14))
        return ws.g3

    def c3_back(self, ws, g, g3):
        """Weight and bias gradients in one matmul (the ones row); the input gradient by col2im."""
        g3 = g3.reshape(16, -1)
        gw = np.matmul(ws.cols3, g3.T).T   # (151, K) @ (K, 16): OpenBLAS is 2-4x faster this way round than (16, K) @ (K, 151)
        gw *= self.c3_grad_scale
        g["c3"]["weight"], g["c3"]["bias"] = gw[:, :150].reshape(16, 6, 5, 5), gw[:, 150]
        np.matmul(self.w3[:, :150].T, g3, out=ws.dcols3)
        col2im(ws.dcols3.reshape(150, ws.n, L3), 5, 14, ws.g2)
        return ws.g2

    def s2_back(self, ws, g, g2):
        self.act.derivative(ws.t2, ws.d2)
        g2 *= ws.d2
        gu2 = g2.reshape(6, ws.n, 14, 14)
        self.subsample_grads(g["s2"], gu2, ws.s2)
        self.act.derivative(ws.t1, ws.d1)
        unpool_times(gu2 * self.c2[:, None, None, None], valid(ws.d1, 28, 28, 32), valid(ws.g1, 28, 28, 32))
        return ws.g1

    def c1_back(self, ws, g, g1):
        """Nothing below C1 learns: only its weight and bias gradients."""
        gw = np.matmul(ws.cols1, g1.reshape(6, -1).T).T   # the faster way round, as for C3
        gw *= self.act.in_scale
        g["c1"]["weight"], g["c1"]["bias"] = gw[:, :25].reshape(6, 1, 5, 5), gw[:, 25]

    def derivative(self, t):
        out = np.empty_like(t)
        self.act.derivative(t, out)
        return out

    def subsample_grads(self, grads, gu, pooled_sum):
        """u = S (coef / 4 * A * sum4 + b): dL/dcoef = S A / 4 * sum(gu * sum4), dL/db = S * sum(gu), per map."""
        s, a, c = self.act.in_scale, self.act.out_scale, gu.shape[0]
        gu2d, pooled = gu.reshape(c, -1), pooled_sum.reshape(c, -1)
        grads["weight"] = np.einsum("ij,ij->i", gu2d, pooled) * (0.25 * s * a)
        grads["bias"] = gu2d.sum(axis=1) * s
