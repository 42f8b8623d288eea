"""The weights that training evaluates and writes: an exponential moving average of its steps' weights.

SGD's last step is one noisy point near a minimum; MNIST test accuracy moves by 0.2 points from one
epoch to the next with it. Averaging the iterates (Polyak & Juditsky, "Acceleration of stochastic
approximation by averaging", 1992) lands nearer the minimum; the exponential form forgets the early,
poor weights, so it can be used from the first step (as TensorFlow's ExponentialMovingAverage with
num_updates does):

    a <- d_t * a + (1 - d_t) * w,   d_t = min(decay, (1 + t) / (10 + t))   after step t = 1, 2, ...

The average spans about 1 / (1 - d_t) steps: a tenth of the steps so far, up to 1 / (1 - decay)
(5,000 steps, 2.5 epochs at batch 32, for decay 0.9998). Without the warm-up a short run would write
weights that are still mostly its random start. Training itself goes on from the raw weights; only
evaluation and the written weights use the average.
"""
from contextlib import contextmanager

import numpy as np


class WeightAverage:
    """values: {parameter name: its average}, empty before the first update; a checkpoint keeps them.
    steps: the updates so far (a resumed run sets it from the epochs done)."""

    def __init__(self, decay):
        self.decay = decay
        self.values = {}
        self.steps = 0

    def update(self, model):
        """Fold the model's current parameters into the average. Decay 0 keeps no average at all."""
        if not self.decay:
            return
        self.steps += 1
        decay = min(self.decay, (1.0 + self.steps) / (10.0 + self.steps))
        for name, param in model.named_params():
            average = self.values.get(name)
            if average is None:
                self.values[name] = param.copy()
            else:
                average -= (1.0 - decay) * (average - param)

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
