"""LeNet-5 (LeCun, Bottou, Bengio, Haffner 1998) assembled from lenet_py.layers.

    input   (N, 1, 32, 32)   MNIST's 28x28 padded by 2
    C1      (N, 6, 28, 28)   6 @ 5x5 conv, 32 - 5 + 1 = 28
    S2      (N, 6, 14, 14)   2x2 trainable subsampling
    C3      (N, 16, 10, 10)  16 @ 5x5 conv, 14 - 5 + 1 = 10, Table I or full connection
    S4      (N, 16, 5, 5)
    C5      (N, 120, 1, 1)   120 @ 5x5 conv, 5 - 5 + 1 = 1
    F6      (N, 84)
    output  (N, 10)          logits; softmax gives the class probabilities (N, 11 with the "not a digit" output),
                             or, with output "rbf", the paper's RBF penalties (lenet_py/rbf.py)

Every layer but the output is followed by the activation (scaled tanh by default).
"""
from dataclasses import asdict, dataclass

import numpy as np

from .fastnet import FastNet
from .init import INITS
from .layers import ACTIVATIONS, Conv2D, Dense, Subsample, c3_connection_mask, softmax, softmax_cross_entropy
from .rbf import RBF, map_curvature, map_loss, map_probabilities

INPUT_SIZE = 32      # the network's input side, in pixels
NUM_CLASSES = 10     # the digits; a model with ``reject`` has one more output after them
NOT_A_DIGIT = 10     # that output's index


@dataclass(frozen=True)
class ModelConfig:
    activation: str = "tanh"     # "tanh" (the paper's 1.7159 tanh(2x/3)) or "relu"
    c3_table: str = "paper"      # "paper": C3's partial connections of Table I; "full": every S2 map feeds every C3 map
    init: str = "paper"          # initial weights: "paper" (+-2.4 / fan-in), "paper_sqrt" or "lecun" (lenet_py/init.py)
    dtype: str = "float32"       # parameter and activation dtype; "float64" for gradient checks
    reject: bool = False         # an 11th output, "not a digit", trained on drawings that are not one digit
    output: str = "softmax"      # "softmax": logits and cross-entropy; "rbf": the paper's RBF units and MAP loss
    map_j: float = 10.0          # the MAP loss's j (section II.C): the rubbish class's penalty; "rbf" only

    def __post_init__(self):
        if self.activation not in ACTIVATIONS:
            raise ValueError("activation must be one of %s, not %r" % (sorted(ACTIVATIONS), self.activation))
        if self.c3_table not in ("paper", "full"):
            raise ValueError("c3_table must be 'paper' or 'full', not %r" % (self.c3_table,))
        if self.init not in INITS:
            raise ValueError("init must be one of %s, not %r" % (", ".join(INITS), self.init))
        if self.dtype not in ("float32", "float64"):
            raise ValueError("dtype must be 'float32' or 'float64', not %r" % (self.dtype,))
        if not isinstance(self.reject, bool):
            raise ValueError("reject must be true or false, not %r" % (self.reject,))
        if self.output not in ("softmax", "rbf"):
            raise ValueError("output must be 'softmax' or 'rbf', not %r" % (self.output,))
        if isinstance(self.map_j, bool) or not isinstance(self.map_j, (int, float)) or not 0 < self.map_j <= 1000:
            raise ValueError("map_j must be a number in (0, 1000], not %r" % (self.map_j,))
        if self.output == "rbf" and self.reject:
            raise ValueError("an rbf model has no 'not a digit' output: its rubbish class (map_j) is its rejection")

    @property
    def outputs(self):
        """Columns of forward's output; probabilities have one more with "rbf" (the rubbish class)."""
        return NUM_CLASSES + int(self.reject)

    def to_dict(self):
        return asdict(self)


class _Zeros:
    """Stands in for a Generator where every weight drawn will be overwritten."""

    @staticmethod
    def uniform(low, high, size):
        return np.zeros(size)


class LeNet5:
    """The network: ``forward`` gives logits, ``backward`` fills every layer's grads."""

    def __init__(self, config=None, rng=None):
        """rng: np.random.Generator for the initial weights (a fixed seed if None, so it is reproducible)."""
        self.config = config or ModelConfig()
        rng = rng if rng is not None else np.random.default_rng(0)
        dtype = np.dtype(self.config.dtype)
        act = ACTIVATIONS[self.config.activation]
        init = self.config.init
        self.layers = [
            Conv2D("c1", 1, 6, 5, rng, dtype, input_grad=False, init=init), act("c1_act"),
            Subsample("s2", 6, dtype), act("s2_act"),
            Conv2D("c3", 6, 16, 5, rng, dtype, connection=c3_connection_mask(self.config.c3_table), init=init),
            act("c3_act"),
            Subsample("s4", 16, dtype), act("s4_act"),
            Conv2D("c5", 16, 120, 5, rng, dtype, init=init), act("c5_act"),
            Dense("f6", 120, 84, rng, dtype, init=init), act("f6_act"),
            RBF("output", dtype) if self.config.output == "rbf" else
            Dense("output", 84, self.config.outputs, rng, dtype, init=init),
        ]
        self.fast = FastNet(self)   # the fused chain forward and backward run; the layers hold the parameters

    @classmethod
    def blank(cls, config=None):
        """A model with zero weights, to be filled from a weights folder: in the page, drawing the
        random initial weights took longer than reading and checking the files."""
        return cls(config, rng=_Zeros())

    @property
    def dtype(self):
        return np.dtype(self.config.dtype)

    # ---- parameters, by name ("c1.weight", ...) ------------------------------------------------

    def named_params(self):
        """[(name, array)] in layer order; the arrays are the live parameters, not copies."""
        return [("%s.%s" % (layer.name, key), value) for layer in self.layers for key, value in layer.params.items()]

    def named_grads(self):
        return [("%s.%s" % (layer.name, key), layer.grads[key]) for layer in self.layers for key in layer.params]

    def param_shapes(self):
        return {name: tuple(value.shape) for name, value in self.named_params()}

    def set_params(self, tensors):
        """Copy arrays into the live parameters. tensors: name -> array with exactly the expected shape."""
        for layer in self.layers:
            for key in layer.params:
                name = "%s.%s" % (layer.name, key)
                value = np.asarray(tensors[name])
                if value.shape != layer.params[key].shape:
                    raise ValueError("%s has shape %s, the model expects %s"
                                     % (name, value.shape, layer.params[key].shape))
                layer.params[key][...] = value
                if isinstance(layer, Conv2D) and key == "weight":
                    layer.params[key] *= layer.mask  # a table-respecting model never grows unconnected kernels

    # ---- forward and backward -----------------------------------------------------------------

    def forward(self, x, train=True):
        """(N, 1, 32, 32) -> logits (N, outputs), by the fused chain (fastnet.py). train=False keeps
        nothing for backward (inference)."""
        return self.fast.forward(np.asarray(x, dtype=self.dtype), train)

    def backward(self, dlogits):
        """dlogits (N, outputs) from the loss -> every layer's grads filled, by the fused chain."""
        self.fast.backward(dlogits)

    def forward_reference(self, x, train=True):
        """The same as forward, layer by layer through layers.py: slow, obviously correct, for tests."""
        x = np.asarray(x, dtype=self.dtype)
        for layer in self.layers:
            x = layer.forward(x, train)
        return x

    def backward_reference(self, dlogits):
        """The same as backward, layer by layer; after forward_reference(train=True)."""
        grad = dlogits
        for layer in reversed(self.layers):
            grad = layer.backward(grad)

    # ---- what the outputs mean: softmax logits, or the paper's RBF penalties ----------------------

    def loss(self, out, labels):
        """forward's (N, outputs) and (N,) labels -> (mean loss, dL/dout): cross-entropy or MAP."""
        if self.config.output == "rbf":
            return map_loss(out, labels, self.config.map_j)[:2]
        return softmax_cross_entropy(out, labels)[:2]

    def probabilities(self, out):
        """forward's (N, outputs) -> (N, 10 or 11) probabilities; the 11th, when there is one, is
        "not a digit" (the reject output, or an RBF model's rubbish class)."""
        return map_probabilities(out, self.config.map_j) if self.config.output == "rbf" else softmax(out)

    def classes(self, out):
        """forward's (N, outputs) -> (N,) the answer: the highest logit (10 is "not a digit"), or
        the smallest RBF penalty, which is how the paper counts its test errors."""
        return out.argmin(axis=1) if self.config.output == "rbf" else out.argmax(axis=1)

    def curvature(self, x):
        """The diagonal second derivatives of the loss over the patterns x (P, 1, 32, 32), averaged
        per pattern: {parameter name: array of its shape}, what SDLM scales its steps by.
        Gauss-Newton through the layers (backward2), the output's exact (lenet_py/rbf.py)."""
        out = self.forward_reference(x)
        layers = self.layers
        if self.config.output == "rbf":
            head, layers = layers[-1], layers[:-1]
            h = map_curvature(head.cache, head.centers, out, self.config.map_j)
        else:
            p = softmax(out)
            h = p * (1.0 - p)       # the diagonal of the softmax cross-entropy's Hessian in the logits
        for layer in reversed(layers):
            h = layer.backward2(h)
        return {"%s.%s" % (layer.name, key): layer.hess[key] / len(x) for layer in layers for key in layer.params}

    def predict_proba(self, x, batch_size=1000):
        """(N, 1, 32, 32) -> (N, 10 or 11) probabilities, in batches so memory stays bounded."""
        out = [self.probabilities(self.forward(x[i:i + batch_size], train=False)) for i in range(0, len(x), batch_size)]
        columns = self.config.outputs + (self.config.output == "rbf")
        return np.concatenate(out) if out else np.zeros((0, columns), dtype=self.dtype)

    def feature_maps(self, x):
        """The activations after each named stage, for looking at what the network sees.

        x: (N, 1, 32, 32) -> {"c1": (N, 6, 28, 28), "s2": ..., "c3": (N, 16, 10, 10), ..., "output": (N, outputs)}
        """
        maps = {}
        x = np.asarray(x, dtype=self.dtype)
        for layer in self.layers:
            x = layer.forward(x, train=False)
            maps[layer.name.replace("_act", "")] = x
        return maps
