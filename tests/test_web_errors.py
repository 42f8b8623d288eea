"""The page when something is broken: weights, runtime, Python; and the static build on a plain server."""
import os

import pytest

from conftest import REPO
from scripts.drawing import DIGITS, draw
from web_helpers import broken_site, expect_error, flip_last_byte, settle


@pytest.mark.parametrize("case", ["removed", "corrupted", "no-manifest"])
def test_broken_weights_show_an_error(page, tmp_path, runtime_ready, case):
    breakers = {
        "removed": (lambda w: (w / "c3.weight.npy").unlink(), ["c3.weight.npy", "404"]),
        "corrupted": (lambda w: flip_last_byte(w / "f6.weight.npy"), ["f6.weight.npy", "sha256 mismatch"]),
        "no-manifest": (lambda w: (w / "manifest.json").unlink(), ["manifest.json", "404"]),
    }
    breaker, fragments = breakers[case]
    with broken_site(tmp_path, break_weights=breaker) as url:
        expect_error(page, url, "Model weights", *fragments)
        assert page.get_attribute("#loading [data-step=model]", "class") == "failed"


def test_missing_runtime_shows_an_error(page, tmp_path):
    with broken_site(tmp_path, drop_runtime=True) as url:
        expect_error(page, url, "Python runtime not found", "scripts/setup.sh")


def test_python_exception_shows_an_error(page, tmp_path, runtime_ready):
    def break_recognizer(lenet):
        path = lenet / "recognizer.py"
        path.write_text(path.read_text() + "\nraise RuntimeError('deliberately broken for a test')\n")

    with broken_site(tmp_path, break_lenet=break_recognizer) as url:
        expect_error(page, url, "Python error", "RuntimeError: deliberately broken for a test")


def test_built_folder_works_on_a_plain_static_server(page, tmp_path, runtime_ready):
    import functools
    import http.server
    import subprocess
    import sys
    import threading

    out = tmp_path / "dist"
    build = subprocess.run([sys.executable, os.path.join(REPO, "scripts", "build.py"), "--out", str(out)],
                           capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stderr
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(out))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        page.goto("http://127.0.0.1:%d/" % server.server_address[1])
        page.wait_for_selector("body[data-state=ready]", timeout=60000)
        draw(page, DIGITS[4])
        settle(page)
        assert page.inner_text("[data-testid=prediction]") == "4"
    finally:
        server.shutdown()


# A second worker of the page's own, driven directly: requests the page itself never makes.
RAW_PREDICTIONS = """async () => {
  const payloads = [{strokes: "[[[0.1, 0.2]]]"}, {strokes: [[[0.1, 0.2], [NaN, 0.3]]]}, {strokes: [[[0.5, 0.1], [0.5, 0.9]]]}];
  const worker = new Worker('worker.js');
  const answers = [];
  for (const [id, payload] of payloads.entries()) {
    answers.push(await new Promise((resolve) => {
      worker.onmessage = (event) => { if (event.data.id === id) resolve(event.data); };
      worker.postMessage({id, type: 'predict', payload});
    }));
  }
  worker.terminate();
  return answers;
}"""


def test_the_worker_refuses_strokes_that_are_not_an_array_and_lenet_py_bad_points(app):
    not_array, nan, fine = app.evaluate(RAW_PREDICTIONS)
    assert not_array == {"id": 0, "ok": False, "error": "strokes must be an array of strokes"}
    # NaN arrives as JSON null; lenet_py refuses it, and its one line is shown as a Python error.
    assert nan["ok"] is False and nan["error"] == "Python error: ValueError: stroke 0 is not a list of [x, y] numbers"
    assert fine["ok"] is True and fine["payload"]["digit"] == 1


COUNT_WORKERS = """(() => {
  const Original = window.Worker;
  window.workersStarted = [];
  window.Worker = function (url, options) {
    window.workersStarted.push(String(url));
    return new Original(url, options);
  };
})()"""


def test_the_page_starts_one_worker_before_its_modules_and_uses_it(page, site):
    page.add_init_script(COUNT_WORKERS)
    page.goto(site)
    page.wait_for_selector("body[data-state=ready]", timeout=60000)
    assert page.evaluate("window.workersStarted") == ["worker.js"]     # early.js's, adopted by ModelClient
    draw(page, DIGITS[4])
    settle(page)
    assert page.inner_text("[data-testid=prediction]") == "4"


def test_a_worker_that_cannot_start_shows_an_error(page, site):
    page.route("**/worker.js", lambda route: route.fulfill(status=404, body="not here"))
    message = expect_error(page, site, "worker")
    assert page.get_attribute("body", "data-state") == "error", message
