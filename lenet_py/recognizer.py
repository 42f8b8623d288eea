"""What the page asks of the model, in plain lists: one object, used by the Web Worker and by tests.

    recognizer = Recognizer.from_folder("weights")
    recognizer.predict(strokes)     # strokes: [[[x, y], ...], ...] in canvas units (the canvas is 1 high);
                                    # a number of several digits is cut into digits (lenet_py.segment)
    recognizer.predict_ink(ink)     # ink: (H, W) pixels, 0 = paper, 255 = full ink (an image, not a drawing)

The worker turns the returned dicts into JSON for the page, so everything here is a list, a
number, a string or None, never a NumPy array.
"""
import numpy as np

from .model import NOT_A_DIGIT
from .personalize import Personalizer
from .preprocess import EmptyDrawing, canvas_to_mnist, normalize
from .candidates import Memo
from .segment import ink, read_number
from .shapes import NOT_A_ZERO, too_sharp_for_a_zero
from .strokes import MIN_EXTENT, TOO_SMALL, NotADigit, check_strokes, strokes_to_mnist
from .weights import library_versions, load_weights, save_weights, zip_folder

# The maps the page can show, with what to say about them; the page draws whatever it is given.
FEATURE_LAYERS = (
    ("c1", "C1: six 5\u00d75 filters over the 32\u00d732 input, 28\u00d728 each"),
    ("c3", "C3: sixteen 10\u00d710 maps built from S2 by the paper's connection table"),
)


# "Not sure" when the best digit's probability is below MIN_CONFIDENCE, or below NOT_A_DIGIT_WEIGHT
# times the "not a digit" output's. Chosen for the shipped weights: of the pairs that refuse at most
# 0.75% of the tuning writers' digits (scripts/pendigits.py; not 1%, because the page has answered
# "not sure" about half a point more often than CPython), the one that refuses the most of
# scripts/nondigits.py. It refuses 0.72% of those digits and 70.1% of the non-digits; the held-out
# writers' digits were not looked at, but the non-digit figures come from the set it was chosen on.
MIN_CONFIDENCE = 0.3
NOT_A_DIGIT_WEIGHT = 4.0


def readable(every):
    """Softmax rows (C, 10 or 11), "not a digit" last -> (C,) bool: whether ``Recognizer.decide`` names a
    digit for each (the rule above). lenet_py.segment asks it of the pieces it cuts out of a stroke."""
    every = np.asarray(every, dtype=np.float64)
    best = every[:, :NOT_A_DIGIT].max(axis=1)
    not_digit = every[:, NOT_A_DIGIT] if every.shape[1] > NOT_A_DIGIT else np.zeros(len(every))
    return (best >= MIN_CONFIDENCE) & (NOT_A_DIGIT_WEIGHT * not_digit <= best)


def to_bytes(maps):
    """Activations (K, H, W) -> 0..255 for display, whatever the activation: zero is mid-grey and the
    largest magnitude in the layer is black or white, so light is positive and dark negative."""
    scale = float(np.abs(maps).max()) or 1.0
    return np.clip(np.round(127.5 + 127.5 * maps.astype(np.float64) / scale), 0, 255).astype(np.int64)


class Recognizer:
    def __init__(self, model, manifest):
        self.model = model
        self.manifest = manifest
        self._personalizer = None
        self._replay = None   # (npz path, seed) of the replay sample, read at the first correction
        self._memo = Memo()   # the last drawing's candidate digits, read again only where its ink changed
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
        caption = "LeNet-5 (%s, C3 %s connections%s)%s. Python %s with NumPy %s." % (
            model.get("activation"), model.get("c3_table"),
            ", a 'not a digit' output" if model.get("reject") else
            ", the paper's RBF outputs" if model.get("output") == "rbf" else "",
            ", %.2f%% on the MNIST test set" % (100 * accuracy) if accuracy is not None else "",
            runtime["python"], runtime["numpy"])
        return {"model": model, "test_accuracy": accuracy, "epochs": (m.get("training") or {}).get("epochs_trained"),
                "trained_with": m.get("versions"), "corrections": self.corrections, "runtime": runtime,
                "caption": caption}

    # ---- learning from corrections ----------------------------------------------------------------

    def use_replay(self, npz_path, seed=0):
        """Learn with the MNIST replay sample (images, labels) at ``npz_path``, which keeps learning from
        forgetting. It is read at the first correction, not here: the page is ready sooner, and most
        visits teach nothing."""
        self._replay = (npz_path, seed)
        self._personalizer = None

    @property
    def personalizer(self):
        """The Personalizer that learns from corrections (None before use_replay), made on first use."""
        if self._personalizer is None and self._replay is not None:
            npz_path, seed = self._replay
            with np.load(npz_path) as replay:
                self._personalizer = Personalizer(self.model, replay["images"], replay["labels"],
                                                  rng=np.random.default_rng(seed))
        return self._personalizer

    @personalizer.setter
    def personalizer(self, personalizer):
        self._personalizer = personalizer

    def learn(self, strokes, label, features=False):
        """Learn that the drawing ``strokes`` is ``label``; returns the new prediction for the same drawing,
        with "taught": the label's probability for the strokes as one digit."""
        if self.personalizer is None:
            raise RuntimeError("call use_replay() before learn()")
        # Raises EmptyDrawing on an empty canvas and NotADigit on a dot: a dot taught as a 7 would
        # teach the network that any speck is a 7.
        image = strokes_to_mnist(strokes)
        self.personalizer.learn(image, label)
        self.corrections += 1
        result = self.predict(strokes, features)
        # What the strokes as one digit now say of the label: the drawing may be read as a number.
        result["taught"] = self.answer(image)["probabilities"][label]
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

    def predict(self, strokes, features=False):
        """Strokes in canvas units -> {"empty": True}, or the answer: "number" (the digits read left to
        right, "?" for a piece it cannot read, "" when unsure) and "digits" (one answer per piece, see
        ``answer``, each with its "box" [x0, y0, x1, y1] in canvas units and "strokes", the [stroke,
        first point, last point] ranges of the drawing that make it). When the drawing is read as one
        piece, or as pieces at least half of which it cannot read, the answer is the whole drawing's
        as one digit, its fields also at the top: a zigzag scribble cuts into strokes that each look
        like a 1, and "11??" would not be an honest answer to it."""
        strokes = check_strokes(strokes)
        if not any(len(points) for points in strokes):
            return {"empty": True}
        pieces = read_number(strokes, self.model, readable=readable, memo=self._memo)
        whole = [[s, 0, len(points) - 1] for s, points in enumerate(strokes)]
        # read_number drew its pieces (one piece exactly) and recognised them: reuse that, unless the
        # answer must be the whole drawing's and the one piece is not all of it (a dot or a ligature left out).
        digits = [self._piece(piece, strokes) for piece in pieces]
        images = [piece["image"] for piece in pieces]
        unreadable = 2 * sum(d["unsure"] for d in digits) >= len(digits)
        if len(digits) > 1 and unreadable or len(digits) == 1 and pieces[0]["strokes"] != whole:
            image, reason = drawing_to_mnist(strokes)
            answer = self.answer(image, reason=reason, strokes=strokes)
            digits, images = [dict(answer, box=_box(strokes), strokes=whole)], [image]
            del digits[0]["empty"]   # "empty" belongs to the whole answer, not to a digit of it
        if features:
            for digit, image in zip(digits, images):
                digit["features"] = self.feature_maps(image)
        if len(digits) == 1:   # one digit: its answer at the top, as it always was
            result = {k: v for k, v in digits[0].items() if k not in ("box", "strokes")}
            digits[0].pop("features", None)
        else:
            result = {"unsure": False, "reason": None}
        result.update(empty=False, number="" if result["unsure"] else
                      "".join("?" if d["unsure"] else str(d["digit"]) for d in digits), digits=digits)
        return result

    def _piece(self, piece, strokes):
        """One piece of read_number, the drawing's strokes -> its answer (see ``answer``), from the
        probabilities read_number computed, with its "box" and "strokes"."""
        extent = max(piece["box"][2] - piece["box"][0], piece["box"][3] - piece["box"][1])
        reason = TOO_SMALL if extent < MIN_EXTENT else None
        answer = self.decide_drawn(piece["probabilities"], piece["image"], ink(strokes, piece["strokes"]), reason)
        answer.update(box=piece["box"], strokes=piece["strokes"])
        return answer

    @classmethod
    def decide_drawn(cls, every, image, strokes, reason=None):
        """``decide``, and then, for a 0 named, what the pen's path says (lenet_py/shapes.py); strokes None:
        an image not drawn from strokes, ``decide`` alone."""
        answer = cls.decide(every, image, reason)
        if answer["digit"] == 0 and strokes is not None and too_sharp_for_a_zero(strokes):
            answer = cls.decide(every, image, NOT_A_ZERO)
        return answer

    @staticmethod
    def decide(every, image, reason=None):
        """Softmax (10,) or (11,) with "not a digit" last, the (28, 28) image, a reason to be unsure or
        None -> the answer's fields (see ``answer``): the digit, or "not sure" and why."""
        every = np.asarray(every, dtype=np.float64)
        probabilities = every[:NOT_A_DIGIT]
        not_digit = float(every[NOT_A_DIGIT]) if len(every) > NOT_A_DIGIT else 0.0
        best = int(probabilities.argmax())
        if reason is None and not np.isfinite(every).all():   # weights gone bad: argmax would name the first NaN
            reason = "the model's output is not a number"
        if reason is None and NOT_A_DIGIT_WEIGHT * not_digit > probabilities[best]:
            reason = "it does not look like a digit"
        elif reason is None and probabilities[best] < MIN_CONFIDENCE:
            reason = "it could be several digits"
        return {"digit": None if reason else best, "unsure": reason is not None, "reason": reason,
                "best": best, "probabilities": probabilities.tolist(), "not_digit": not_digit,
                "image": np.round(image).astype(np.int64).ravel().tolist()}  # 0..255, row by row

    def predict_ink(self, ink, features=False):
        """Canvas pixels (H, W) -> the same answer as ``predict``; for images rather than drawings."""
        try:
            image = canvas_to_mnist(ink)
        except EmptyDrawing:
            return {"empty": True}
        return self.answer(image, features)

    def answer(self, image, features=False, reason=None, strokes=None):
        """(28, 28) image in 0..255 -> {"empty": False, "digit": 0-9 or None when unsure, "unsure", "reason"
        (why unsure, or None), "best" (the likeliest digit even when unsure), "probabilities" [10],
        "not_digit" (the "not a digit" output's probability, 0 for a model without one), "image" [784]
        in 0..255, and with features=True "features" (see ``feature_maps``)}. strokes: when the image was
        drawn from strokes, those, for what the pen's path says (``decide_drawn``)."""
        x = normalize(image[None], self.model.dtype)
        # One forward pass either way: the feature maps end with the logits.
        maps = self.model.feature_maps(x) if features else {"output": self.model.forward(x, train=False)}
        result = {"empty": False}
        result.update(self.decide_drawn(self.model.probabilities(maps["output"])[0], image, strokes, reason))
        if features:
            result["features"] = _captioned(maps)
        return result

    def feature_maps(self, image):
        """(28, 28) image -> the maps the page shows: [{"caption", "shape": [6, 28, 28], "bytes"}, ...]."""
        return _captioned(self.model.feature_maps(normalize(image[None], self.model.dtype)))


def _captioned(maps):
    return [{"caption": caption, "shape": list(maps[name].shape[1:]), "bytes": to_bytes(maps[name][0]).ravel().tolist()}
            for name, caption in FEATURE_LAYERS]


def _box(strokes):
    """[(n, 2)] -> [x0, y0, x1, y1] of all their points."""
    points = np.concatenate(strokes)
    return points.min(axis=0).tolist() + points.max(axis=0).tolist()


def drawing_to_mnist(strokes):
    """Strokes -> ((28, 28) image, None) or, for a dot, (its image, why it is not a digit)."""
    try:
        return strokes_to_mnist(strokes), None
    except NotADigit as exc:
        return exc.image, str(exc)
