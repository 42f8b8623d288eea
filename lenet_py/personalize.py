"""Learning the user's handwriting in the page: a correction becomes a few SGD steps.

Each step's batch mixes slightly distorted copies of the corrected drawing with MNIST training
images replayed from a small sample, so the model learns the new example without forgetting
the old ones. It is the same backward pass and optimizer that train/run.py uses.
"""
from dataclasses import dataclass, field

import numpy as np

from .augment import AugmentConfig, augment
from .optim import SGD
from .preprocess import normalize


@dataclass(frozen=True)
class PersonalizeConfig:
    steps: int = 4                 # SGD steps per correction
    copies: int = 8                # distorted copies of the drawing in each step's batch
    replay: int = 24               # replayed MNIST images in each step's batch
    lr: float = 0.01               # learning rate (training ended at 0.02 / 32; this is a deliberate nudge)
    momentum: float = 0.0          # none: 0.5, also carried into the next correction, overshot (bench/learn_writer.py)
    distort: AugmentConfig = field(default_factory=lambda: AugmentConfig(rotate=8.0, scale=0.08, shift=1.5))


class Personalizer:
    """Fine-tunes ``model`` in place on corrections; replay_images (M, 28, 28) uint8, replay_labels (M,)."""

    def __init__(self, model, replay_images, replay_labels, config=None, rng=None):
        if len(replay_images) != len(replay_labels) or len(replay_images) == 0:
            raise ValueError("the replay sample needs as many labels as images, and at least one")
        self.model = model
        self.replay_images = np.asarray(replay_images)
        self.replay_labels = np.asarray(replay_labels).astype(np.intp)
        self.config = config or PersonalizeConfig()
        self.rng = rng if rng is not None else np.random.default_rng(0)
        self.optimizer = SGD(momentum=self.config.momentum)

    def learn(self, image, label):
        """image (28, 28) in [0, 255] as the network sees it, label 0-9 -> mean loss over the steps."""
        if not 0 <= int(label) <= 9:
            raise ValueError("label must be a digit 0-9, not %r" % (label,))
        c = self.config
        labels = np.concatenate([np.full(c.copies, int(label), dtype=np.intp), np.zeros(c.replay, dtype=np.intp)])
        own = np.repeat(np.asarray(image, dtype=np.float32)[None], c.copies, axis=0)     # (copies, 28, 28)
        losses = []
        for _ in range(c.steps):
            picked = self.rng.integers(0, len(self.replay_images), c.replay)
            labels[c.copies:] = self.replay_labels[picked]
            batch = np.concatenate([augment(own, self.rng, c.distort),
                                    self.replay_images[picked].astype(np.float32)])          # (copies + replay, 28, 28)
            loss, dout = self.model.loss(self.model.forward(normalize(batch, self.model.dtype)), labels)
            self.model.backward(dout)
            self.optimizer.step(self.model, c.lr)
            losses.append(loss)
        return float(np.mean(losses))
