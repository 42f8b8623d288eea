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


# ---- a drawing on the page's canvas -> what MNIST would have made of it --------------------------

FIT = 20             # MNIST's digits were scaled to fit a 20x20 box...
INK_THRESHOLD = 0.1  # canvas pixels fainter than this (0..1) do not count as ink for the bounding box


class EmptyDrawing(ValueError):
    """The canvas holds no ink: there is nothing to recognize."""


def area_resize_matrix(src, dst):
    """(dst, src) matrix M with M @ v = v resampled to dst samples by exact area averaging.

    Output sample i covers input span [i * src / dst, (i + 1) * src / dst); each input pixel j
    contributes the length of its overlap with that span. Anti-aliased when shrinking, box-smooth
    when enlarging, and every row sums to 1 so ink levels are kept.
    """
    edges = np.arange(dst + 1) * (src / dst)                       # output spans in input coordinates
    left = np.maximum(edges[:-1, None], np.arange(src)[None, :])
    right = np.minimum(edges[1:, None], np.arange(src)[None, :] + 1)
    overlap = np.clip(right - left, 0, None)                       # (dst, src)
    return overlap / overlap.sum(axis=1, keepdims=True)


def center_of_mass(image):
    """(row, col) of the image's intensity centroid."""
    total = image.sum()
    rows = np.arange(image.shape[0])
    cols = np.arange(image.shape[1])
    return (image.sum(axis=1) @ rows) / total, (image.sum(axis=0) @ cols) / total


def canvas_to_mnist(ink):
    """Canvas ink (H, W), 0 = paper and 1 (or 255) = full ink -> a (28, 28) float image in [0, 255].

    What MNIST itself did (LeCun et al.'s description of the data set):
      1. crop to the ink's bounding box;
      2. scale to fit a 20x20 box keeping the aspect ratio, anti-aliased;
      3. place it in 28x28 so that its centre of mass is at the centre.
    Raises EmptyDrawing if there is no ink.
    """
    ink = np.asarray(ink)
    if ink.ndim != 2:
        raise ValueError("expected a 2-D canvas, got shape %s" % (ink.shape,))
    # uint8 canvases (0..255) and float ones (0..1) alike; the bounding box is found before any
    # conversion, so a large canvas costs little (this runs on every stroke in the page).
    full = 255.0 if ink.dtype == np.uint8 or ink.max() > 1.0 else 1.0
    rows = np.flatnonzero(ink.max(axis=1) > INK_THRESHOLD * full)
    cols = np.flatnonzero(ink.max(axis=0) > INK_THRESHOLD * full)
    if rows.size == 0:
        raise EmptyDrawing("the canvas is empty")
    crop = ink[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1] / full                # (h, w) in 0..1
    h, w = crop.shape
    scale = FIT / max(h, w)
    out_h, out_w = max(1, int(round(h * scale))), max(1, int(round(w * scale)))
    fitted = area_resize_matrix(h, out_h) @ crop @ area_resize_matrix(w, out_w).T   # (out_h, out_w)
    image = np.zeros((MNIST_SIZE, MNIST_SIZE))
    # Put the box where its centre of mass lands on the image centre, kept whole inside 28x28.
    com_r, com_c = center_of_mass(fitted)
    centre = (MNIST_SIZE - 1) / 2.0
    top = int(np.clip(np.round(centre - com_r), 0, MNIST_SIZE - out_h))
    left = int(np.clip(np.round(centre - com_c), 0, MNIST_SIZE - out_w))
    image[top:top + out_h, left:left + out_w] = fitted
    return np.clip(image, 0.0, 1.0) * 255.0


def canvas_to_input(ink, dtype=np.float32):
    """Canvas ink (H, W) -> ((1, 1, 32, 32) network input, (28, 28) image the network sees in [0, 255])."""
    image = canvas_to_mnist(ink)
    return normalize(image[None], dtype), image
