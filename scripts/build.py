"""Build one self-contained static folder: page, runtime, lenet_py, weights and the replay sample, at the
URLs the dev server uses.

    python scripts/build.py [--out dist]

Copy the folder to any static host as is; it makes no request to another origin.
"""
import argparse
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from lenet_py.weights import WeightsError, load_weights  # noqa: E402
from scripts.setup_runtime import REPO, runtime_dir  # noqa: E402


def build(out):
    runtime = runtime_dir()
    if not os.path.isfile(os.path.join(runtime, "pyodide.js")):
        raise SystemExit("error: the runtime is not set up in %s: run scripts/setup.sh first" % runtime)
    if not os.path.isfile(os.path.join(REPO, "web", "replay.npz")):
        raise SystemExit("error: web/replay.npz is missing: run scripts/setup.sh first (it writes the replay sample)")
    try:
        load_weights(os.path.join(REPO, "weights"))  # never ship weights that would fail in the page
    except WeightsError as exc:
        raise SystemExit("error: %s" % exc)
    tmp = out.rstrip("/") + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(os.path.join(REPO, "web"), tmp)  # includes web/runtime/, copied by the setup
    shutil.copytree(os.path.join(REPO, "lenet_py"), os.path.join(tmp, "lenet_py"),
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.copytree(os.path.join(REPO, "weights"), os.path.join(tmp, "weights"))
    shutil.rmtree(out, ignore_errors=True)
    os.replace(tmp, out)
    size = sum(os.path.getsize(os.path.join(d, f)) for d, _, files in os.walk(out) for f in files)
    print("built %s: %.1f MB; serve it with any static server, e.g. python -m http.server -d %s" % (out, size / 1e6, out))


def main():
    parser = argparse.ArgumentParser(description="Build the static site into one folder.")
    parser.add_argument("--out", default=os.path.join(REPO, "dist"), help="output folder (default dist/)")
    build(os.path.abspath(parser.parse_args().out))


if __name__ == "__main__":
    main()
