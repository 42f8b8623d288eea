"""The page against hostile input: a weights manifest that names paths, injected code that phones
home, and garbage in browser storage. Each is refused or blocked, and the page stays usable."""
import http.server
import json
import threading

import pytest

from scripts.drawing import DIGITS, draw
from web_helpers import broken_site, expect_error, settle


class Listener:
    """Another origin (another port on loopback) that records every request it gets."""

    def __init__(self):
        seen = self.seen = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                seen.append(self.path)
                self.send_response(200)
                self.send_header("Access-Control-Allow-Origin", "*")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]

    def close(self):
        self.server.shutdown()


@pytest.fixture
def elsewhere():
    listener = Listener()
    yield listener
    listener.close()


def recorded(page):
    urls = []
    page.on("request", lambda request: urls.append(request.url))
    page.context.on("request", lambda request: urls.append(request.url))
    return urls


# ---- the weights manifest names only plain files ---------------------------------------------------

PAYLOAD = "from js import fetch\nfetch('/pwned')\n"  # what the attacker's "preprocess.py" would run


@pytest.mark.parametrize("how", ["replaces-a-tensor-file", "extra-tensor"])
def test_a_manifest_file_name_cannot_overwrite_code(page, tmp_path, runtime_ready, how):
    def attack(weights):
        (weights / "pwn.txt").write_text(PAYLOAD)
        manifest = json.loads((weights / "manifest.json").read_text())
        evil = "pwn.txt#/../../lenet_py/preprocess.py"
        if how == "extra-tensor":
            manifest["tensors"]["pwn"] = {"file": evil, "shape": [1], "dtype": "float32", "sha256": "0" * 64}
        else:
            manifest["tensors"]["c1.bias"]["file"] = evil
        (weights / "manifest.json").write_text(json.dumps(manifest))

    urls = recorded(page)
    with broken_site(tmp_path, break_weights=attack) as url:
        message = expect_error(page, url, "Model weights", "manifest.json")
    assert "not a plain file name" in message or "tensors this model does not have: pwn" in message
    assert [u for u in urls if "pwn" in u] == []  # refused before anything was fetched
    assert page.evaluate("document.body.dataset.prediction") == "empty"


# ---- Content-Security-Policy: nothing reaches another origin ----------------------------------------

def test_the_page_cannot_send_anything_to_another_origin(app, elsewhere):
    violations = app.evaluate("""(other) => new Promise((resolve) => {
      const seen = [];
      document.addEventListener('securitypolicyviolation', (e) => seen.push(e.violatedDirective));
      fetch(other + '/fetch').catch(() => {});
      new Image().src = other + '/image';
      const script = document.createElement('script'); script.src = other + '/script'; document.head.append(script);
      const style = document.createElement('link'); style.rel = 'stylesheet'; style.href = other + '/style';
      document.head.append(style);
      navigator.sendBeacon && navigator.sendBeacon(other + '/beacon', 'x');
      setTimeout(() => resolve(seen), 1500);
    })""", elsewhere.url)
    assert elsewhere.seen == []
    assert {"connect-src", "img-src", "script-src-elem", "style-src-elem"} <= set(violations)


def test_code_injected_into_the_worker_cannot_phone_home(page, tmp_path, runtime_ready, elsewhere):
    def inject(lenet):
        path = lenet / "__init__.py"
        path.write_text(path.read_text() + "\nfrom js import fetch\nfetch(%r)\n" % (elsewhere.url + "/from-worker"))

    with broken_site(tmp_path, break_lenet=inject) as url:
        page.goto(url)
        page.wait_for_selector("body[data-state=ready]", timeout=60000)
        page.wait_for_timeout(1000)
    assert elsewhere.seen == []


def test_the_server_sends_the_policy_for_the_page_and_for_the_worker(site):
    import urllib.request
    page = urllib.request.urlopen(site).headers["Content-Security-Policy"]
    worker = urllib.request.urlopen(site + "worker.js").headers["Content-Security-Policy"]
    for policy in (page, worker):
        assert "default-src 'none'" in policy and "connect-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "script-src 'self';" in page and "unsafe-eval" not in page
    assert "script-src 'self' 'unsafe-eval';" in worker


# ---- browser storage is outside data ---------------------------------------------------------------

STORE = """
async (kind) => {
  let value;
  if (kind === 'string') value = 'garbage';
  else if (kind === 'number') value = 42;
  else if (kind === 'empty-object') value = {};
  else if (kind === 'files-null') value = {files: null};
  else {
    const manifest = await (await fetch('/weights/manifest.json')).json();
    const files = {};
    for (const entry of Object.values(manifest.tensors)) {
      files[entry.file] = await (await fetch('/weights/' + entry.file)).arrayBuffer();
    }
    if (kind === 'slash-in-name' || kind === 'hash-in-name') {
      const name = kind === 'slash-in-name' ? 'sub/c1.bias.npy' : 'x.npy#/../../lenet_py/preprocess.py';
      files[name] = files['c1.bias.npy'];
      manifest.tensors['c1.bias'].file = name;
    }
    if (kind === 'personalised-x') manifest.personalised = 'x';
    if (kind === 'file-not-bytes') files['c1.bias.npy'] = 'text';
    files['manifest.json'] = new TextEncoder().encode(JSON.stringify(manifest)).buffer;
    value = {files, savedAt: Date.now()};
  }
  const db = await new Promise((resolve, reject) => {
    const open = indexedDB.open('lenet-personal', 1);
    open.onupgradeneeded = () => open.result.createObjectStore('weights');
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
  await new Promise((resolve, reject) => {  // stored as is: IndexedDB takes any cloneable value
    const tx = db.transaction('weights', 'readwrite');
    tx.objectStore('weights').put(value, 'current');
    tx.oncomplete = resolve;
    tx.onerror = () => reject(tx.error);
  });
  db.close();
}
"""

IS_STORED = """
() => new Promise((resolve) => {
  const open = indexedDB.open('lenet-personal', 1);
  open.onupgradeneeded = () => open.result.createObjectStore('weights');
  open.onsuccess = () => {
    const get = open.result.transaction('weights').objectStore('weights').get('current');
    get.onsuccess = () => { open.result.close(); resolve(get.result !== undefined); };
  };
})
"""


GARBAGE = ["string", "number", "empty-object", "files-null", "slash-in-name", "hash-in-name", "personalised-x",
           "file-not-bytes"]


def test_garbage_in_browser_storage_is_dropped_with_a_notice(app):
    """Each kind in turn in one page (a page of its own each took a minute of CI): stored, then a reload."""
    for kind in GARBAGE:
        app.evaluate("(%s)(%s)" % (STORE, json.dumps(kind)))
        assert app.evaluate("(%s)()" % IS_STORED), kind
        app.reload()
        app.wait_for_selector("body[data-state=ready]", timeout=60000)
        notice = app.inner_text("[data-testid=notice]")
        assert "dropped" in notice and "shipped model is in use" in notice, (kind, notice)
        assert app.is_hidden("[data-testid=error]") and app.is_hidden("[data-testid=personal]"), kind
        assert not app.evaluate("(%s)()" % IS_STORED), kind
    # Every kind took the branch that drops it (its notice says so); the page is usable after the last.
    draw(app, DIGITS[1])
    settle(app)
    assert app.inner_text("[data-testid=prediction]") == "1"
    # Dropped for good: the next visit starts clean, without the notice.
    app.reload()
    app.wait_for_selector("body[data-state=ready]", timeout=60000)
    assert app.locator("[data-testid=notice]").count() == 0
    assert not app.evaluate("(%s)()" % IS_STORED)


def test_stored_weights_are_kept_when_loading_fails_for_another_reason(browser, tmp_path, runtime_ready):
    """Only invalid data is dropped: a failure of the moment (here a MemoryError) keeps the user's model."""
    def fail_on_personal(lenet):
        path = lenet / "recognizer.py"
        path.write_text(path.read_text().replace(
            "        model, manifest = load_weights(folder)",
            "        if folder == '/app/personal':\n            raise MemoryError('out of memory, for a test')\n"
            "        model, manifest = load_weights(folder)"))

    with broken_site(tmp_path, break_lenet=fail_on_personal) as url:
        context = browser.new_context()
        page = context.new_page()
        page.goto(url)
        page.wait_for_selector("body[data-state=ready]", timeout=60000)
        page.evaluate("(%s)('valid')" % STORE)
        page.reload()
        page.wait_for_selector("body[data-state=ready]", timeout=60000)
        notice = page.inner_text("[data-testid=notice]")
        assert "could not be loaded this time" in notice and "MemoryError" in notice and "kept" in notice, notice
        assert page.evaluate("(%s)()" % IS_STORED)
        draw(page, DIGITS[1])
        settle(page)
        assert page.inner_text("[data-testid=prediction]") == "1"
        context.close()
