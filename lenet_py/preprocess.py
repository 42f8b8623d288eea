"""From pixels to the network's input, the same way for MNIST in training and for the page's canvas.

MNIST digits are 28x28, white ink (255) on black (0). The network reads (N, 1, 32, 32) floats.
"""
import numpy as np

MNIST_SIZE = 28
PAD = 2  # (32 - 28) / 2: the paper pads MNIST so that stroke ends can reach C3's and C5's receptive-field centres

# The paper's input scaling (section II.A): background -0.1 and ink 1.175, so the mean input is
# roughly 0 and the variance roughly 1, which keeps the tanh units in their useful range.
BACKGROUND = -0.1
INK = 1.175


def normalize(images, dtype=np.float32):
    """uint8 or [0, 255] float images (N, 28, 28) -> (N, 1, 32, 32) network input."""
    images = np.asarray(images)
    if images.ndim != 3 or images.shape[1:] != (MNIST_SIZE, MNIST_SIZE):
        raise ValueError("expected images of shape (N, 28, 28), got %s" % (images.shape,))
    scaled = images.astype(dtype) * ((INK - BACKGROUND) / 255.0) + BACKGROUND  # Python floats keep the dtype
    padded = np.pad(scaled, ((0, 0), (PAD, PAD), (PAD, PAD)), mode="constant", constant_values=BACKGROUND)
    return padded[:, None, :, :]
