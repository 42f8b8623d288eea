"""The service worker (web/sw.js): a second visit is ready with the network off and answers a drawing;
an edit shows on the next reload and its new version replaces the old cache; the page is installable."""
import hashlib
import json
import os
import shutil

import pytest

from conftest import REPO, start_server
from scripts.drawing import DIGITS, draw
from scripts.wheel import build_wheel, wheel_name
from web_helpers import settle


def offline_copy(page):
    """The names of the service worker's caches once it controls the page: its cache is complete by
    then (install filled it, activate deleted the others and claimed the page)."""
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=60000)
    return page.evaluate("caches.keys().then((names) => names.filter((name) => name.startsWith('lenet-py-')))")


# sha256 of what one cache holds for a URL of the site.
CACHED_SHA256 = """
async ([name, url]) => {
  const response = await (await caches.open(name)).match(new URL(url, location.href).href);
  if (!response) return null;
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', await response.arrayBuffer()));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}
"""


def visit(page, url):
    page.goto(url)
    page.wait_for_selector("body[data-state=ready]", timeout=60000)


@pytest.fixture
def own_server(runtime_ready, tmp_path):
    """A dev server of the working tree, with a copy of lenet_py/ that a test may edit; yields
    (base URL, the copy, a function that stops the server)."""
    lenet = tmp_path / "lenet_py"
    shutil.copytree(os.path.join(REPO, "lenet_py"), str(lenet), ignore=shutil.ignore_patterns("__pycache__"))
    server, url = start_server(lenet_dir=str(lenet))

    def stop():
        server.shutdown()
        server.server_close()  # a closed socket: connection refused, not a request left waiting

    yield url, lenet, stop
    stop()


def test_a_second_visit_is_ready_offline_and_answers(browser, own_server):
    url, _, stop = own_server
    context = browser.new_context()
    try:
        page = context.new_page()
        visit(page, url)
        assert len(offline_copy(page)) == 1
        stop()  # no server at all, and Chromium's offline mode besides: nothing can come from a network
        context.set_offline(True)
        served_by_worker, from_network = [], []
        page.on("response", lambda r: (served_by_worker if r.from_service_worker else from_network).append(r.url))
        page.reload()
        page.wait_for_selector("body[data-state=ready]", timeout=60000)
        draw(page, DIGITS[3])
        settle(page)
        assert page.inner_text("[data-testid=prediction]") == "3"
        assert any(u.endswith("pyodide.asm.wasm") for u in served_by_worker), served_by_worker
        assert any(u.endswith(".whl") for u in served_by_worker) and from_network == [], from_network
    finally:
        context.close()


def test_an_edit_shows_on_reload_and_its_version_replaces_the_old_cache(browser, own_server):
    url, lenet, _ = own_server
    context = browser.new_context()
    try:
        page = context.new_page()
        visit(page, url)
        [old] = offline_copy(page)
        recognizer = lenet / "recognizer.py"
        recognizer.write_text(recognizer.read_text().replace('caption = "LeNet-5 (', 'caption = "LeNet-5, edited ('))
        page.reload()  # network first for the code: the edit is there at once, no second reload needed
        page.wait_for_selector("body[data-state=ready]", timeout=60000)
        assert "LeNet-5, edited (" in page.inner_text("#about")
        for _ in range(600):  # the new worker installs in the background: up to a minute
            names = offline_copy(page)
            if names != [old] and len(names) == 1:
                break
            page.wait_for_timeout(100)
        assert len(names) == 1 and names != [old], names  # the new version's cache, and only that
        [new] = names
        wheel = hashlib.sha256(build_wheel(str(lenet))).hexdigest()
        assert page.evaluate(CACHED_SHA256, [new, wheel_name()]) == wheel
        # The runtime came over from the old cache rather than the network: still the same bytes.
        wasm = "runtime/pyodide/pyodide.asm.wasm"
        with open(os.path.join(REPO, "web", wasm), "rb") as fh:
            assert page.evaluate(CACHED_SHA256, [new, wasm]) == hashlib.sha256(fh.read()).hexdigest()
    finally:
        context.close()


def test_the_listing_names_every_file_the_page_fetched(browser, own_server):
    """A file the page needs but sw.js does not list would be missing offline."""
    url, _, _ = own_server
    context = browser.new_context()
    try:
        page = context.new_page()
        fetched = set()
        page.on("request", lambda r: fetched.add(r.url[len(url):].split("?")[0] or "index.html"))
        visit(page, url)
        offline_copy(page)
        worker = page.evaluate("fetch('sw.js').then((r) => r.text())")
        listed = json.loads(worker.split("const SITE = ", 1)[1].split(";  // written by", 1)[0])["files"]
        assert fetched - {"sw.js"} <= set(listed), fetched - set(listed)
    finally:
        context.close()


def test_the_page_is_installable(browser, site):
    context = browser.new_context()
    try:
        page = context.new_page()
        visit(page, site)
        offline_copy(page)
        manifest = page.evaluate("fetch(document.querySelector('link[rel=manifest]').href).then((r) => r.json())")
        assert manifest["display"] == "standalone" and manifest["start_url"] and manifest["short_name"]
        sizes = {icon["sizes"] for icon in manifest["icons"]}
        assert {"192x192", "512x512", "any"} <= sizes, sizes
        session = context.new_cdp_session(page)
        errors = session.send("Page.getInstallabilityErrors")["installabilityErrors"]
        # A Playwright context is an incognito profile, where Chromium installs nothing whatever the page.
        assert [e for e in errors if e["errorId"] != "in-incognito"] == [], errors
    finally:
        context.close()


def test_the_icons_are_what_make_icons_draws(tmp_path):
    from scripts.make_icons import make_icons
    for path in make_icons(str(tmp_path)):
        with open(path, "rb") as made, open(os.path.join(REPO, "web", os.path.basename(path)), "rb") as kept:
            assert made.read() == kept.read(), os.path.basename(path)
