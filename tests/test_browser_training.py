"""A training step of the fused chain (lenet_py/fastnet.py) under the browser runtime (Pyodide 0.17,
NumPy 1.17), against the layer-by-layer reference in CPython: the page's corrections run this step."""
import json
import os

import numpy as np

from conftest import REPO
from lenet_py import normalize
from lenet_py.layers import softmax_cross_entropy
from lenet_py.weights import load_weights
from scripts.browser import LOAD_BARE_RUNTIME
from test_browser_runtime import RUN_IN_PYODIDE, worker_install_wheel
from train.data import load_split


def test_training_step_in_pyodide_matches_the_cpython_reference(browser, site, mnist_dir):
    images, labels = load_split(mnist_dir, "t10k")
    images, labels = images[:32], labels[:32]
    context = browser.new_context(bypass_csp=True)   # as in test_browser_runtime.py: eval on the main thread
    page = context.new_page()
    files = ["weights/" + f for f in sorted(os.listdir(os.path.join(REPO, "weights")))]
    page.goto(site + "runtime.json")
    code = """
import json
import numpy as np
from lenet_py import normalize
from lenet_py.layers import softmax_cross_entropy
from lenet_py.weights import load_weights
model, _ = load_weights('/app/weights')
images = np.array(json.loads(%r), dtype=np.uint8).reshape(-1, 28, 28)
labels = np.array(json.loads(%r))
for n in (32, 1, 32):   # another batch size in between: the reused buffers must not leak into the step
    logits = model.forward(normalize(images[:n]))
    model.backward(softmax_cross_entropy(logits, labels[:n])[1])
result = json.dumps({"numpy": np.__version__, "logits": logits.astype(float).tolist(),
                     "grads": {k: v.astype(float).tolist() for k, v in model.named_grads()}})
""" % (json.dumps(images.reshape(-1).tolist()), json.dumps(labels.tolist()))
    try:
        page.evaluate(LOAD_BARE_RUNTIME)
        out = json.loads(page.evaluate(RUN_IN_PYODIDE, {"files": files, "install": worker_install_wheel(), "code": code}))
    finally:
        context.close()
    assert out["numpy"].startswith("1.17"), out["numpy"]
    model, _ = load_weights(os.path.join(REPO, "weights"))
    logits = model.forward_reference(normalize(images))
    model.backward_reference(softmax_cross_entropy(logits, labels)[1])
    np.testing.assert_allclose(np.array(out["logits"]), logits, rtol=1e-4, atol=1e-4)
    for name, grad in model.named_grads():
        got = np.array(out["grads"][name])
        assert got.shape == grad.shape, name
        np.testing.assert_allclose(got, grad, atol=1e-4 * np.abs(grad).max(), err_msg=name)
