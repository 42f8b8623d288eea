"""The initial weights' scale, shared by every layer with weights."""
import numpy as np

INITS = ("paper", "paper_sqrt", "lecun")


def init_limit(fan_in, scheme):
    """Half-width of the uniform initial weights for units with ``fan_in`` inputs.

    "paper":      +-2.4 / F_i, as printed (LeCun et al. 1998, appendix A). The weighted sums then
                  shrink as the fan-in grows (C5's to about 0.002), against the paper's own reason
                  for the formula; with the paper's SDLM step sizes training diverges here within a
                  hundred patterns, and plain SGD barely moves.
    "paper_sqrt": +-2.4 / sqrt(F_i): what that reason asks for ("the initial standard deviation of the
                  weighted sums in the same range for each unit", in the sigmoid's operating region):
                  a sum's spread is 2.4 / sqrt(3) times its inputs' whatever F_i. The --paper preset's.
    "lecun":      +-sqrt(3 / F_i), i.e. variance 1 / F_i (LeCun et al., Efficient BackProp 1998), which
                  keeps the activations' variance near 1 through the tanh layers under plain SGD.
    """
    if scheme == "paper":
        return 2.4 / fan_in
    if scheme == "paper_sqrt":
        return 2.4 / np.sqrt(fan_in)
    if scheme == "lecun":
        return np.sqrt(3.0 / fan_in)
    raise ValueError("unknown init scheme %r (expected one of %s)" % (scheme, ", ".join(INITS)))
