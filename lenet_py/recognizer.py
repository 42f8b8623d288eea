"""What the page asks of the model, in plain lists: one object, used by the Web Worker and by tests.

    recognizer = Recognizer.from_folder("weights")
    recognizer.predict(ink)     # ink: (H, W) canvas ink, 0 = paper, 255 = full ink

The worker turns the returned dicts into JSON for the page, so everything here is a list, a
number, a string or None, never a NumPy array.
"""
import sys

import numpy as np

from .layers import softmax
from .personalize import Personalizer
from .preprocess import EmptyDrawing, canvas_to_input, canvas_to_mnist
from .weights import load_weights, save_weights, zip_folder

FEATURE_LAYERS = ("c1", "c3")  # the maps the page can show: C1 6@28x28 and C3 16@10x10


class Recognizer:
    def __init__(self, model, manifest):
        self.model = model
        self.manifest = manifest
        self.personalizer = None
        # Corrections learned so far, counting those of the stored model this one was loaded from.
        self.corrections = int((manifest.get("personalised") or {}).get("corrections", 0))

    @classmethod
    def from_folder(cls, folder):
        model, manifest = load_weights(folder)
        return cls(model, manifest)

    def describe(self):
        """A short summary of the loaded weights for the page."""
        m = self.manifest
        return {"model": m.get("model"), "test_accuracy": m.get("test_accuracy"),
                "epochs": (m.get("training") or {}).get("epochs_trained"), "trained_with": m.get("versions"),
                "corrections": self.corrections,
                "runtime": {"python": sys.version.split()[0], "numpy": np.__version__}}

    # ---- learning from corrections ----------------------------------------------------------------

    def use_replay(self, npz_path, seed=0):
        """Load the MNIST replay sample (images, labels) that keeps learning from forgetting."""
        with np.load(npz_path) as replay:
            self.personalizer = Personalizer(self.model, replay["images"], replay["labels"],
                                             rng=np.random.default_rng(seed))

    def learn(self, ink, label, features=False):
        """Learn that the drawing ``ink`` is ``label``; returns the new prediction for the same drawing."""
        if self.personalizer is None:
            raise RuntimeError("call use_replay() before learn()")
        self.personalizer.learn(canvas_to_mnist(ink), label)  # raises EmptyDrawing on an empty canvas
        self.corrections += 1
        result = self.predict(ink, features)
        result["corrections"] = self.corrections
        return result

    def save(self, folder):
        """Write the current (possibly personalised) weights as a weights folder; returns its manifest."""
        keep = {k: v for k, v in self.manifest.items()
                if k not in ("format", "format_version", "model", "tensors", "versions", "personalised")}
        keep["personalised"] = {"corrections": self.corrections,
                                "note": "fine-tuned in the browser on the user's corrections; test_accuracy "
                                        "is the shipped model's"}
        return save_weights(self.model, folder, metadata=keep)

    def export_zip(self, folder, arcname="lenet_py-weights-personal"):
        """Save to ``folder`` and return it zipped, for download."""
        self.save(folder)
        return zip_folder(folder, arcname)

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
