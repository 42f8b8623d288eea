"""lenet_py under the browser runtime (Pyodide 0.17: Python 3.8, NumPy 1.17) against CPython.

Pyodide 0.17 does not run under Node, so the test drives it in Chromium. The page installs lenet_py
the way the app's worker does (micropip, the wheel the server builds from lenet_py/) and loads the
same weights folder that CPython uses, through the app's own server.
"""
import json
import os

import numpy as np
import pytest

from conftest import REPO
from lenet_py import normalize
from lenet_py.weights import load_weights
from scripts.browser import LOAD_BARE_RUNTIME
from train.data import load_split

# With the runtime loaded (LOAD_BARE_RUNTIME), installs the lenet_py wheel with micropip, copies the
# weights into its file system and runs `code`; resolves to whatever JSON the code leaves in `result`.
RUN_IN_PYODIDE = """
async ({files, code}) => {
  const FS = pyodide.FS || pyodide._module.FS;
  for (const dir of ['/app', '/app/weights']) FS.mkdir(dir);
  for (const path of files) {
    const bytes = new Uint8Array(await (await fetch('/' + path)).arrayBuffer());
    FS.writeFile('/app/' + path, bytes);
  }
  const wheel = (await (await fetch('/wheels.json')).json()).lenet_py;
  await pyodide.loadPackage(['micropip']);
  pyodide.globals.set('wheel_url', new URL('/' + wheel, location.href).href);
  await pyodide.runPythonAsync('import micropip\\nawait micropip.install(wheel_url)');
  pyodide.runPython(code);
  return pyodide.globals.get('result');
}
"""


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
        out = json.loads(page.evaluate(RUN_IN_PYODIDE, {"files": files, "code": code}))
    finally:
        context.close()
    assert out["python"] == [3, 8] and out["numpy"].startswith("1.17"), out  # really the old runtime
    assert out["lenet_py"].startswith("/lib/python3.8/site-packages/lenet_py/"), out  # installed by micropip
    model, _ = load_weights(os.path.join(REPO, "weights"))
    expected = model.predict_proba(normalize(images))
    got = np.array(out["probs"])
    assert out["dtype"] == "float32"
    assert got.shape == expected.shape == (64, 11)  # ten digits and "not a digit"
    np.testing.assert_allclose(got, expected, atol=1e-5)
    assert np.array_equal(got.argmax(axis=1), expected.argmax(axis=1))
