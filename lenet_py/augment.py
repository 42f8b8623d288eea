"""Random distortions of 28x28 digits, vectorized over the batch: training's augmentation, and the page's
varied copies of a corrected drawing.

Affine: a small rotation, scale, slant and shift about the image centre, resampled bilinearly.
Elastic (optional, Simard et al. 2003): a random displacement field smoothed by a Gaussian.
Thickness (optional): a fractional grey dilation or erosion, because people's pens are wider or
narrower than the NIST writers' relative to their digits.
Squeeze and warp (optional): one axis stretched against the other (the paper's), and the proportions
within the digit bent by a power: people keep a digit's parts in less steady proportions than MNIST's
writers (a 9's loop small against its tail, a 2's bowl large against its base).
All randomness comes from the np.random.Generator passed in.
"""
from dataclasses import dataclass
from functools import lru_cache

import numpy as np


@dataclass(frozen=True)
class AugmentConfig:
    rotate: float = 10.0         # max rotation, degrees either way
    scale: float = 0.10          # max relative zoom either way (0.1 -> 0.9x .. 1.1x)
    shift: float = 2.0           # max translation, pixels either way, per axis
    elastic_alpha: float = 0.0   # elastic displacement strength in pixels; 0 turns elastic distortion off
    elastic_sigma: float = 4.0   # Gaussian smoothing of the elastic field, pixels
    shear: float = 0.0           # max slant either way: x moves by shear * (height above the centre)
    thickness: float = 0.0       # max dilation, in pixels of stroke width; erosion goes half as far (thin strokes vanish)
    squeeze: float = 0.0         # max squeeze: width times 1 + s and height divided by it, s either way (the paper's)
    warp: float = 0.0            # max change of proportions: in the +-10 px window about the centre (where MNIST's
                                 # 20x20 digit lies) rows and columns are remapped by u -> u ** g, u in 0..1 across
                                 # it, g between 1 / (1 + warp) and 1 + warp, drawn apart for rows and columns


def bilinear_sample(images, rows, cols):
    """Sample images (N, H, W) at float coordinates rows, cols (N, H, W); outside the image is 0.

    Written for speed (training augments every image every epoch) with the very arithmetic of the
    plain version: the same values, bit for bit, with fewer temporaries and calls."""
    n, h, w = images.shape
    # A one-pixel zero border makes every neighbour of a clipped coordinate a valid index.
    padded = np.zeros((n, h + 2, w + 2), images.dtype)
    padded[:, 1:-1, 1:-1] = images
    r = rows + 1.0
    np.clip(r, 0.0, h + 0.999, out=r)
    c = cols + 1.0
    np.clip(c, 0.0, w + 0.999, out=c)
    r0, c0 = np.floor(r), np.floor(c)
    fr = (r - r0).astype(images.dtype)
    fc = (c - c0).astype(images.dtype)
    r0 *= w + 2                                    # exact: small integers in float64
    r0 += c0
    top_left = r0.astype(np.intp)
    top_left += (np.arange(n) * ((h + 2) * (w + 2)))[:, None, None]
    flat = padded.reshape(-1)
    gc = 1 - fc
    top = flat.take(top_left) * gc                 # take: the same gather as flat[...], faster
    top += flat.take(top_left + 1) * fc
    top_left += w + 2
    bottom = flat.take(top_left) * gc
    bottom += flat.take(top_left + 1) * fc
    top *= 1 - fr
    bottom *= fr
    top += bottom
    return top


def bilinear_sample_reference(images, rows, cols):
    """The plain version of bilinear_sample, kept to test it against (tests/test_augment_speed.py)."""
    n, h, w = images.shape
    padded = np.pad(images, ((0, 0), (1, 1), (1, 1)), mode="constant")
    r = np.clip(rows + 1.0, 0.0, h + 0.999)
    c = np.clip(cols + 1.0, 0.0, w + 0.999)
    r0 = np.floor(r).astype(np.intp)
    c0 = np.floor(c).astype(np.intp)
    fr = (r - r0).astype(images.dtype)
    fc = (c - c0).astype(images.dtype)
    base = np.arange(n)[:, None, None] * (h + 2) * (w + 2)
    flat = padded.reshape(-1)
    top_left = base + r0 * (w + 2) + c0
    top = flat[top_left] * (1 - fc) + flat[top_left + 1] * fc
    bottom = flat[top_left + (w + 2)] * (1 - fc) + flat[top_left + (w + 2) + 1] * fc
    return top * (1 - fr) + bottom * fr


@lru_cache(maxsize=8)
def blur_matrix(size, sigma):
    """(size, size): row i holds the Gaussian's taps centred on i, zero padding outside. Made once per
    (size, sigma): training asks for the same two every batch. Read-only, as it is shared."""
    radius = int(np.ceil(3 * sigma))
    taps = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
    taps /= taps.sum()
    offsets = np.arange(size)[None, :] - np.arange(size)[:, None]
    matrix = np.where(np.abs(offsets) <= radius, taps[np.clip(offsets + radius, 0, 2 * radius)], 0.0)
    matrix.setflags(write=False)
    return matrix


def gaussian_smooth(fields, sigma):
    """Separable Gaussian blur of (N, H, W) over the last two axes, as two small matmuls."""
    n, h, w = fields.shape
    return blur_matrix(h, sigma) @ fields @ blur_matrix(w, sigma).T


def change_thickness(images, amount):
    """images (N, H, W), amount (N,) in pixels of stroke width: > 0 dilates, < 0 erodes, fractionally.

    One step of grey dilation (erosion) by a 3x3 cross widens (narrows) a stroke by 2 pixels; a
    fraction of a step blends towards it, so the change is continuous in ``amount``."""
    padded = np.pad(images, ((0, 0), (1, 1), (1, 1)), mode="constant")
    neighbours = np.stack([padded[:, 1:-1, 1:-1], padded[:, :-2, 1:-1], padded[:, 2:, 1:-1],
                           padded[:, 1:-1, :-2], padded[:, 1:-1, 2:]])                      # (5, N, H, W)
    step = np.clip(np.abs(amount) / 2.0, 0.0, 1.0)[:, None, None].astype(images.dtype)
    target = np.where((amount > 0)[:, None, None], neighbours.max(axis=0), neighbours.min(axis=0))
    return images + step * (target - images)


def bend(coords, rng, warp, half=10.0):
    """(N, H, W) coordinates about the centre -> the same with those inside +-half remapped by a power:
    one random exponent per image. The power leaves 0 and 1 alone, so the map is continuous at the
    window's edges (not smooth: its slope jumps there); ink outside the window is moved, not bent."""
    g = np.exp(rng.uniform(-np.log1p(warp), np.log1p(warp), len(coords)))[:, None, None]
    u = np.clip((coords + half) / (2 * half), 0.0, 1.0)
    return np.where(np.abs(coords) < half, u ** g * (2 * half) - half, coords)


def augment(images, rng, config):
    """images (N, 28, 28) in [0, 255] -> distorted float32 copies (N, 28, 28)."""
    images = np.asarray(images, dtype=np.float32)
    n, h, w = images.shape
    angle = np.deg2rad(rng.uniform(-config.rotate, config.rotate, n))
    zoom = rng.uniform(1 - config.scale, 1 + config.scale, n)
    shift = rng.uniform(-config.shift, config.shift, (n, 2))
    if config.thickness > 0:
        images = change_thickness(images, rng.uniform(-config.thickness / 2.0, config.thickness, n))
    # Inverse mapping: for each output pixel, where to read in the source image.
    cos, sin = np.cos(angle) / zoom, np.sin(angle) / zoom
    centre_r, centre_c = (h - 1) / 2.0, (w - 1) / 2.0
    out_r, out_c = np.meshgrid(np.arange(h) - centre_r, np.arange(w) - centre_c, indexing="ij")   # (H, W)
    out_r = out_r[None] - shift[:, 0, None, None]                                                 # (N, H, W)
    out_c = out_c[None] - shift[:, 1, None, None]
    if config.shear > 0:  # slant: rows above the centre move right (a forward slant for positive shear)
        out_c = out_c + rng.uniform(-config.shear, config.shear, n)[:, None, None] * out_r
    if config.squeeze > 0:  # drawn only when asked for, so runs without it keep their random stream
        stretch = 1.0 + rng.uniform(-config.squeeze, config.squeeze, n)[:, None, None]
        out_r, out_c = out_r * stretch, out_c / stretch     # inverse mapping: read taller, draw wider
    if config.warp > 0:   # a 9's loop small or large against its tail, a 2's bowl against its base
        out_r, out_c = bend(out_r, rng, config.warp), bend(out_c, rng, config.warp)
    src_r = cos[:, None, None] * out_r - sin[:, None, None] * out_c + centre_r
    src_c = sin[:, None, None] * out_r + cos[:, None, None] * out_c + centre_c
    if config.elastic_alpha > 0:
        field = rng.uniform(-1, 1, (2 * n, h, w))
        field = gaussian_smooth(field, config.elastic_sigma)
        field *= config.elastic_alpha / (np.abs(field).max(axis=(1, 2), keepdims=True) + 1e-12)
        src_r = src_r + field[:n]
        src_c = src_c + field[n:]
    return bilinear_sample(images, src_r, src_c).astype(np.float32)
