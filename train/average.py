"""The weights that training evaluates and writes: an exponential moving average of its steps' weights.

SGD's last step is one noisy point near a minimum; MNIST test accuracy moves by 0.2 points from one
epoch to the next with it. Averaging the iterates (Polyak & Juditsky, "Acceleration of stochastic
approximation by averaging", 1992) lands nearer the minimum; the exponential form forgets the early,
poor weights, so it can be used from the first step (as in TensorFlow's ExponentialMovingAverage):

    a <- decay * a + (1 - decay) * w        after every step, a = w after the first.

With decay 0.999 the average spans about 1 / (1 - decay) = 1,000 steps, half an epoch at batch 32.
Training itself goes on from the raw weights; only evaluation and the written weights use the average.
"""
from contextlib import contextmanager

import numpy as np


class WeightAverage:
    """values: {parameter name: its average}, empty before the first update; a checkpoint keeps them."""

    def __init__(self, decay):
        self.decay = decay
        self.values = {}

    def update(self, model):
        """Fold the model's current parameters into the average. Decay 0 keeps no average at all."""
        if not self.decay:
            return
        for name, param in model.named_params():
            average = self.values.get(name)
            if average is None:
                self.values[name] = param.copy()
            else:
                average -= (1.0 - self.decay) * (average - param)

    @contextmanager
    def applied(self, model):
        """Inside the block the model holds the averages; after it, its own weights again, even on an error."""
        if not self.values:   # no step taken yet: the weights are their own average
            yield model
            return
        params = dict(model.named_params())
        own = {name: params[name].copy() for name in self.values}
        try:   # the swap inside: a Ctrl-C halfway through it still gets the own weights back
            for name, average in self.values.items():
                np.copyto(params[name], average)
            yield model
        finally:
            for name, value in own.items():
                np.copyto(params[name], value)
