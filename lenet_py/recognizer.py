"""What the page asks of the model, in plain lists: one object, used by the Web Worker and by tests.

    recognizer = Recognizer.from_folder("weights")
    recognizer.predict(ink)     # ink: (H, W) canvas ink, 0 = paper, 255 = full ink

The worker turns the returned dicts into JSON for the page, so everything here is a list, a
number, a string or None, never a NumPy array.
"""
import sys

import numpy as np

from .layers import softmax
from .preprocess import EmptyDrawing, canvas_to_input
from .weights import load_weights

FEATURE_LAYERS = ("c1", "c3")  # the maps the page can show: C1 6@28x28 and C3 16@10x10


class Recognizer:
    def __init__(self, model, manifest):
        self.model = model
        self.manifest = manifest

    @classmethod
    def from_folder(cls, folder):
        model, manifest = load_weights(folder)
        return cls(model, manifest)

    def describe(self):
        """A short summary of the loaded weights for the page."""
        m = self.manifest
        return {"model": m.get("model"), "test_accuracy": m.get("test_accuracy"),
                "epochs": (m.get("training") or {}).get("epochs_trained"), "trained_with": m.get("versions"),
                "runtime": {"python": sys.version.split()[0], "numpy": np.__version__}}

    def predict(self, ink, features=False):
        """-> {"empty": True} or {"empty": False, "digit", "probabilities" [10], "image" [784] in 0..255,
        and with features=True "features": {"c1": {"shape": [6, 28, 28], "data": [...]}, "c3": ...}}."""
        try:
            x, image = canvas_to_input(ink, self.model.dtype)
        except EmptyDrawing:
            return {"empty": True}
        result = {"empty": False}
        if features:
            maps = self.model.feature_maps(x)
            logits = maps["output"]
            result["features"] = {name: {"shape": list(maps[name].shape[1:]),
                                         "data": np.round(maps[name].astype(np.float64), 4).ravel().tolist()}
                                  for name in FEATURE_LAYERS}
        else:
            logits = self.model.forward(x, train=False)
        probabilities = softmax(logits.astype("float64"))[0]
        result["probabilities"] = probabilities.tolist()
        result["digit"] = int(probabilities.argmax())
        result["image"] = np.round(image).astype(np.int64).ravel().tolist()  # 0..255, row by row
        return result
