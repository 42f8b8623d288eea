"""Mini-batch SGD with optional momentum and weight decay, and the step learning-rate schedule.

Shared by train/run.py and by the page, which fine-tunes the model on the user's corrections.
"""
import numpy as np


class SGD:
    """v <- momentum v - lr (g + weight_decay w);  w <- w + v.   With momentum 0 it is plain SGD.

    The velocities are kept by parameter name so a checkpoint can save and restore them.
    """

    def __init__(self, momentum=0.9, weight_decay=0.0):
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.velocity = {}

    def step(self, model, lr):
        for (name, param), (_, grad) in zip(model.named_params(), model.named_grads()):
            if self.weight_decay and param.ndim > 1:  # decay weights, never biases or subsampling gains
                grad = grad + self.weight_decay * param
            if self.momentum:
                v = self.velocity.get(name)
                if v is None:
                    v = self.velocity[name] = np.zeros_like(param)
                v *= self.momentum
                v -= lr * grad
                param += v
            else:
                param -= lr * grad


def step_lr(base_lr, epoch, step, decay):
    """Learning rate for 0-based ``epoch``: base_lr * decay ** (epoch // step)."""
    return base_lr * decay ** (epoch // step)
