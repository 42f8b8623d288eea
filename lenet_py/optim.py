"""Mini-batch SGD with optional momentum and weight decay, the paper's SDLM, and the learning-rate schedules.

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


class SDLM:
    """Stochastic diagonal Levenberg-Marquardt (LeCun et al. 1998, appendix C; LeCun et al.,
    Efficient BackProp 1998, section 9.1): every parameter k gets its own step size

        eps_k = lr / (mu + h_kk),     w_k <- w_k - eps_k * dE/dw_k,

    where h_kk is the loss's diagonal second derivative, estimated (LeNet5.curvature: Gauss-Newton)
    on a few hundred patterns before each pass and kept for the pass. mu keeps the step bounded
    where the curvature is near zero. The paper's eta is per pattern; with the gradient a batch's
    mean, train/run.py passes lr = eta * batch size, so a batch of B moves as far as B single
    patterns would. No momentum, and nothing kept across passes (``velocity`` stays empty).
    """

    def __init__(self, mu=0.02):
        self.mu = mu
        self.step_scale = {}    # parameter name -> 1 / (mu + h), from the last estimate
        self.velocity = {}

    def estimate(self, model, x):
        """x (P, 1, 32, 32): the patterns to estimate the curvature on."""
        self.step_scale = {name: (1.0 / (self.mu + h)).astype(model.dtype) for name, h in model.curvature(x).items()}

    def step(self, model, lr):
        for (name, param), (_, grad) in zip(model.named_params(), model.named_grads()):
            param -= lr * self.step_scale[name] * grad


# The paper's eta per pass (appendix C): 0.0005 for 2 passes, 0.0002 for 3, 0.0001 for 3, 0.00005 for 4,
# then 0.00001.
PAPER_LR = (0.0005,) * 2 + (0.0002,) * 3 + (0.0001,) * 3 + (0.00005,) * 4


def paper_lr(base_lr, epoch):
    """The paper's eta for 0-based ``epoch``, scaled so that the first passes' is base_lr."""
    return base_lr / PAPER_LR[0] * (PAPER_LR[epoch] if epoch < len(PAPER_LR) else 0.00001)
