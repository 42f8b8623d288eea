"""What the page asks of the model, in plain lists: one object, used by the Web Worker and by tests.

    recognizer = Recognizer.from_folder("weights")
    recognizer.predict(ink)     # ink: (H, W) canvas ink, 0 = paper, 255 = full ink

The worker turns the returned dicts into JSON for the page, so everything here is a list, a
number, a string or None, never a NumPy array.
"""
import numpy as np

from .layers import softmax
from .personalize import Personalizer
from .preprocess import EmptyDrawing, canvas_to_input, canvas_to_mnist
from .weights import library_versions, load_weights, save_weights, zip_folder

# The maps the page can show, with what to say about them; the page draws whatever it is given.
FEATURE_LAYERS = (
    ("c1", "C1: six 5\u00d75 filters over the 32\u00d732 input, 28\u00d728 each"),
    ("c3", "C3: sixteen 10\u00d710 maps built from S2 by the paper's connection table"),
)


def to_bytes(maps):
    """Activations (K, H, W) -> 0..255 for display, whatever the activation: zero is mid-grey and the
    largest magnitude in the layer is black or white, so light is positive and dark negative."""
    scale = float(np.abs(maps).max()) or 1.0
    return np.clip(np.round(127.5 + 127.5 * maps.astype(np.float64) / scale), 0, 255).astype(np.int64)


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
        """A short summary of the loaded weights for the page, with ``caption``: one line to show as is."""
        m = self.manifest
        model, runtime = m.get("model") or {}, library_versions()
        accuracy = m.get("test_accuracy")
        caption = "LeNet-5 (%s, C3 %s connections)%s. Python %s with NumPy %s." % (
            model.get("activation"), model.get("c3_table"),
            ", %.2f%% on the MNIST test set" % (100 * accuracy) if accuracy is not None else "",
            runtime["python"], runtime["numpy"])
        return {"model": model, "test_accuracy": accuracy, "epochs": (m.get("training") or {}).get("epochs_trained"),
                "trained_with": m.get("versions"), "corrections": self.corrections, "runtime": runtime,
                "caption": caption}

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
        and with features=True "features": [{"caption", "shape": [6, 28, 28], "bytes": [...] in 0..255}, ...]}."""
        try:
            x, image = canvas_to_input(ink, self.model.dtype)
        except EmptyDrawing:
            return {"empty": True}
        result = {"empty": False}
        # One forward pass either way: the feature maps end with the logits.
        maps = self.model.feature_maps(x) if features else {"output": self.model.forward(x, train=False)}
        if features:
            result["features"] = [{"caption": caption, "shape": list(maps[name].shape[1:]),
                                   "bytes": to_bytes(maps[name][0]).ravel().tolist()}
                                  for name, caption in FEATURE_LAYERS]
        probabilities = softmax(maps["output"])[0].astype(np.float64)  # the softmax predict_proba uses
        result["probabilities"] = probabilities.tolist()
        result["digit"] = int(probabilities.argmax())
        result["image"] = np.round(image).astype(np.int64).ravel().tolist()  # 0..255, row by row
        return result
