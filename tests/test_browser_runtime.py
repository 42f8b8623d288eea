"""lenet_py under the browser runtime (Pyodide 0.17: Python 3.8, NumPy 1.17) against CPython.

Pyodide 0.17 does not run under Node, so the test drives it in Chromium. The page installs lenet_py
the way the app's worker does (worker.js's own Python, which unpacks the wheel the server builds from
lenet_py/ into site-packages) and loads the same weights folder that CPython uses, through the app's
own server.
"""
import json
import os
import re

import numpy as np
import pytest

from conftest import REPO
from lenet_py import normalize
from lenet_py.weights import load_weights
from scripts.browser import LOAD_BARE_RUNTIME
from train.data import load_split

# With the runtime loaded (LOAD_BARE_RUNTIME), installs the lenet_py wheel with the worker's own
# Python (`install`), copies the weights into its file system and runs `code`; resolves to whatever
# JSON the code leaves in `result`.
RUN_IN_PYODIDE = """
async ({files, install, code}) => {
  const FS = pyodide.FS || pyodide._module.FS;
  for (const dir of ['/app', '/app/weights']) FS.mkdir(dir);
  for (const path of files) {
    const bytes = new Uint8Array(await (await fetch('/' + path)).arrayBuffer());
    FS.writeFile('/app/' + path, bytes);
  }
  const wheel = (await (await fetch('/wheels.json')).json()).lenet_py;
  FS.writeFile('/tmp/' + wheel, new Uint8Array(await (await fetch('/' + wheel)).arrayBuffer()));
  pyodide.globals.set('lenet_py_wheel', '/tmp/' + wheel);
  const refusal = pyodide.runPython(install);
  if (refusal) throw new Error(refusal);
  pyodide.runPython(code);
  return pyodide.globals.get('result');
}
"""


def worker_install_wheel():
    """The Python that web/worker.js runs to install the wheel (its INSTALL_WHEEL)."""
    with open(os.path.join(REPO, "web", "worker.js")) as fh:
        match = re.search(r"const INSTALL_WHEEL = String\.raw`(.*?)`;", fh.read(), re.S)
    assert match, "web/worker.js has no INSTALL_WHEEL"
    return match.group(1)


@pytest.fixture(scope="module")
def test_images(mnist_dir):
    images, labels = load_split(mnist_dir, "t10k")
    return images[:64], labels[:64]


def test_forward_in_pyodide_matches_cpython(browser, site, test_images):
    images, _ = test_images
    # Pyodide on the main thread needs eval, which the site's policy keeps from every document (the app
    # runs Python in its worker, whose policy allows it); this test is about the runtime, not the policy.
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    files = ["weights/" + f for f in sorted(os.listdir(os.path.join(REPO, "weights")))]
    page.goto(site + "runtime.json")  # any page of the site's origin will do: the fetches are same-origin
    code = """
import json, sys
import numpy as np
from lenet_py import normalize
from lenet_py.weights import load_weights
model, manifest = load_weights('/app/weights')
images = np.array(json.loads(%r), dtype=np.uint8).reshape(-1, 28, 28)
probs = model.predict_proba(normalize(images))
import lenet_py
result = json.dumps({"python": list(sys.version_info[:2]), "numpy": np.__version__, "lenet_py": lenet_py.__file__,
                     "probs": probs.astype(float).tolist(), "dtype": str(probs.dtype)})
""" % json.dumps(images.reshape(-1).tolist())
    try:
        page.evaluate(LOAD_BARE_RUNTIME)
        out = json.loads(page.evaluate(RUN_IN_PYODIDE, {"files": files, "install": worker_install_wheel(), "code": code}))
    finally:
        context.close()
    assert out["python"] == [3, 8] and out["numpy"].startswith("1.17"), out  # really the old runtime
    assert out["lenet_py"].startswith("/lib/python3.8/site-packages/lenet_py/"), out  # installed from the wheel
    model, _ = load_weights(os.path.join(REPO, "weights"))
    expected = model.predict_proba(normalize(images))
    got = np.array(out["probs"])
    assert out["dtype"] == "float32"
    assert got.shape == expected.shape == (64, 11)  # ten digits and "not a digit"
    np.testing.assert_allclose(got, expected, atol=1e-5)
    assert np.array_equal(got.argmax(axis=1), expected.argmax(axis=1))
