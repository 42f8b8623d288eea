"""The initial weights' scale, shared by every layer with weights."""
import numpy as np


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
