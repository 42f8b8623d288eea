"""Write the replay sample the page mixes into its learning: 200 MNIST training images per digit.

    python scripts/make_replay.py [--out web/replay.npz] [--per-digit 200]

A fixed seed picks them, so every setup ships the same file.
"""
import argparse
import os
import sys

if __name__ == "__main__":  # run as a script: make the repository's packages importable
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402

from train.data import DataError, load_split  # noqa: E402
from train.data import DEFAULT_DIR  # noqa: E402

from train.cli import REPO  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description="Write the MNIST replay sample for the page's learning.")
    parser.add_argument("--out", default=os.path.join(REPO, "web", "replay.npz"))
    parser.add_argument("--per-digit", type=int, default=200)
    args = parser.parse_args()
    try:
        images, labels = load_split(DEFAULT_DIR, "train")
    except DataError as exc:
        sys.exit("error: %s" % exc)
    rng = np.random.default_rng(2024)
    picked = np.concatenate([rng.choice(np.flatnonzero(labels == d), args.per_digit, replace=False) for d in range(10)])
    picked = rng.permutation(picked)
    tmp = args.out + ".tmp.npz"
    np.savez_compressed(tmp, images=images[picked], labels=labels[picked])
    os.replace(tmp, args.out)
    print("replay: %d MNIST training images, %.0f kB in %s" % (len(picked), os.path.getsize(args.out) / 1e3,
                                                              os.path.relpath(args.out, REPO)))


if __name__ == "__main__":
    main()
