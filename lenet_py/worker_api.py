"""What the page's Web Worker calls: one entry point, ``handle(request)``, JSON text in and JSON text out.

The worker only moves bytes: it writes fetched files into Pyodide's file system and hands over
their paths; bytes going back (the exported zip) are written to a path the request names.

    request                                                       answer
    {"type": "plan", "folder": F}                                 {"ok": true, "files": [tensor file names]}
    {"type": "stored_names", "names": [...], "folder": F}         {"ok": true, "files": [...]}; F is emptied
    {"type": "load", "folder": F, "replay": P}                    {"ok": true, "summary": {...}}
    {"type": "predict", "strokes": [[[x, y], ...], ...], "features": bool}   Recognizer.predict's dict
    {"type": "learn", ... as predict, "label": D}                 the new prediction, or {"refused": why}
    {"type": "save", "folder": F}                                 [file names]
    {"type": "export", "folder": F, "zip": P}                     {"corrections": n}

Strokes are in canvas units (the canvas is 1 high, y down); lenet_py.strokes checks them.

A refusal of outside data (WeightsError) is an answer, {"ok": false, "error": ...}; anything else
raised is a bug and propagates, so the page shows it as a Python error.
"""
import json
import os
import shutil

from .manifest import WeightsError, check_stored_names, tensor_files
from .preprocess import EmptyDrawing
from .recognizer import Recognizer
from .strokes import NotADigit

APP_ROOT = "/app/"  # where the worker puts things; stripped from messages the person reads


class Session:
    """The worker's state: the recognizer in use."""

    def __init__(self):
        self.recognizer = None

    def plan(self, folder):
        return {"ok": True, "files": tensor_files(folder)}

    def stored_names(self, names, folder):
        checked = check_stored_names(names)
        shutil.rmtree(folder, ignore_errors=True)  # a fresh folder: nothing of an earlier attempt is loaded
        os.mkdir(folder)
        return {"ok": True, "files": checked}

    def load(self, folder, replay):
        loaded = Recognizer.from_folder(folder)
        loaded.use_replay(replay)
        self.recognizer = loaded  # only once it has loaded: a refused folder leaves the model in use
        return {"ok": True, "summary": loaded.describe()}

    def predict(self, strokes, features):
        return self.recognizer.predict(strokes, features=bool(features))

    def learn(self, strokes, label, features):
        try:
            return self.recognizer.learn(strokes, int(label), features=bool(features))
        except EmptyDrawing:
            return {"refused": "the canvas is empty: draw the digit first"}
        except NotADigit as exc:
            return {"refused": "%s: draw the digit larger first" % exc}

    def save(self, folder):
        shutil.rmtree(folder, ignore_errors=True)
        self.recognizer.save(folder)
        return sorted(os.listdir(folder))

    def export(self, folder, zip):
        with open(zip, "wb") as fh:
            fh.write(self.recognizer.export_zip(folder))
        return {"corrections": self.recognizer.corrections}


SESSION = Session()


def handle(request, session=SESSION):
    """The worker's one entry point: a JSON request (see the module docstring) -> a JSON answer."""
    fields = json.loads(request)
    kind = fields.pop("type")
    if kind not in ("plan", "stored_names", "load", "predict", "learn", "save", "export"):
        raise ValueError("unknown request type %r" % (kind,))
    try:
        answer = getattr(session, kind)(**fields)
    except WeightsError as exc:
        answer = {"ok": False, "error": str(exc).replace(APP_ROOT, "")}
    return json.dumps(answer)
