"""What the browser tests share: waiting for a shown answer, the bars as shown, a scribble, and a
copy of the site with something broken. Fixtures (site, page, app) live in conftest.py."""
import contextlib
import os
import shutil

from conftest import REPO, start_server


def settle(page):
    """Wait until the page shows the answer for the drawing as it is now (a digit or "not sure", whose
    prediction text is empty): body[data-busy] is "false" once it is on screen."""
    page.wait_for_function("() => document.body.dataset.busy === 'false' && window.lenetDebug.lastResult !== null"
                           " && !window.lenetDebug.lastResult.empty")


def shown_probabilities(page):
    """The ten digits' bars as shown (the "not a digit" bar, data-digit="none", is not one of them)."""
    return [float(v) for v in page.eval_on_selector_all(
        "[data-testid=probabilities] li[data-digit]:not([data-digit=none])",
        "items => items.map(li => li.dataset.probability)")]


# A scribble: a zigzag across the box, no digit (in unit-box coordinates, for draw()).
SCRIBBLE = [[(0.1 + 0.1 * i, 0.3 if i % 2 else 0.7) for i in range(9)]]


@contextlib.contextmanager
def broken_site(tmp_path, break_weights=None, break_lenet=None, drop_runtime=False, break_runtime=None):
    """Serve a copy of the site with something broken; yields its URL. break_runtime(folder) gets the
    runtime's folder of the copy, its files linked to the real ones, to change."""
    weights = tmp_path / "weights"
    shutil.copytree(os.path.join(REPO, "weights"), str(weights))
    if break_weights:
        break_weights(weights)
    lenet = None
    if break_lenet:
        lenet = tmp_path / "lenet_py"
        shutil.copytree(os.path.join(REPO, "lenet_py"), str(lenet), ignore=shutil.ignore_patterns("__pycache__"))
        break_lenet(lenet)
    web = None
    if drop_runtime or break_runtime:
        web = tmp_path / "web"
        shutil.copytree(os.path.join(REPO, "web"), str(web), ignore=shutil.ignore_patterns("runtime"))
    if break_runtime:
        from scripts.setup_runtime import runtime_dir, runtime_setting
        runtime = web / runtime_setting()["url"]
        runtime.mkdir(parents=True)
        for name in os.listdir(runtime_dir()):
            os.symlink(os.path.join(runtime_dir(), name), str(runtime / name))
        break_runtime(runtime)
    server, url = start_server(weights_dir=str(weights), lenet_dir=str(lenet) if lenet else None,
                               web_dir=str(web) if web else None)
    try:
        yield url
    finally:
        server.shutdown()


def expect_error(page, url, *fragments):
    page.goto(url)
    page.wait_for_selector("body[data-state=error]", timeout=60000)
    assert page.is_visible("[data-testid=error]")
    message = page.inner_text("[data-testid=error]")
    for fragment in fragments:
        assert fragment in message, message
    return message


def flip_last_byte(path):
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF
    path.write_bytes(bytes(data))
