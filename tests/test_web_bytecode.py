"""The runtime's modules compiled ahead (scripts/bytecode.py): the page's Python runs them, the shipped
ones included, and not a stale one; a file that is not as it should be is refused whole (nothing of it
written) without stopping the page.

The modules here are made by the runtime's own Python (3.8, in Chromium), as scripts/bytecode.py makes
them: NumPy's version module, compiled from a changed source, shows in the page's caption only if
Python ran the compiled module rather than the source beside it.
"""
import json
import os
import struct

import pytest

from scripts.browser import LOAD_BARE_RUNTIME
from scripts.bytecode import pack
from scripts.setup_runtime import runtime_dir, runtime_setting
from web_helpers import broken_site

VERSION_PY = "/lib/python3.8/site-packages/numpy/version.py"
VERSION_PYC = "/lib/python3.8/site-packages/numpy/__pycache__/version.cpython-38.pyc"
AHEAD = "1.17.5+ahead"  # the version the changed module says

# A .pyc of numpy/version.py with `version` changed, checked against the hash of `hash_of` (PEP 552:
# flags 3 = hash-based, checked) -> [list of byte values].
CHANGED_PYC = r"""
import importlib.util, marshal
source = open(VERSION_PY, "rb").read()
changed = source.replace(b"\nversion = '1.17.5'", b"\nversion = '%s'" % AHEAD.encode())
assert changed != source
code = compile(changed, VERSION_PY, "exec")
hashed = {"source": source, "other": changed}[HASH_OF]
list(importlib.util.MAGIC_NUMBER + (3).to_bytes(4, "little") + importlib.util.source_hash(hashed) + marshal.dumps(code))
"""


@pytest.fixture(scope="session")
def changed_pycs(browser, site):
    """{"source": a changed module that hashes as the real source, "other": one that does not}."""
    context = browser.new_context(bypass_csp=True)  # the runtime needs eval
    page = context.new_page()
    page.goto(site + "runtime.json")
    page.evaluate(LOAD_BARE_RUNTIME)
    out = {}
    for hash_of in ("source", "other"):
        code = "VERSION_PY = %r\nAHEAD = %r\nHASH_OF = %r\n" % (VERSION_PY, AHEAD, hash_of) + CHANGED_PYC
        out[hash_of] = bytes(page.evaluate("(code) => window.pyodide.runPython(code).toJs()", code))
    context.close()
    return out


def with_compiled(content):
    """A break_runtime (web_helpers.broken_site) putting `content` in place of the compiled modules'
    file (None: no file, "shipped": the setup's own)."""
    def change(runtime):
        path = runtime / runtime_setting()["bytecode"]
        if content != "shipped":
            path.unlink()
            if content is not None:
                path.write_bytes(content)
    return change


def numpy_shown(page, url, warnings):
    page.on("console", lambda message: warnings.append(message.text) if message.type == "warning" else None)
    page.goto(url)
    page.wait_for_selector("body[data-state=ready]", timeout=60000)
    last = page.evaluate("window.lenetDebug.progress[window.lenetDebug.progress.length - 1]")
    assert last["loaded"] == last["total"], last  # a file that did not come counts as what came of it
    about = page.inner_text("#about")
    return about.split("NumPy ")[1].split()[0].rstrip(".")


@pytest.mark.parametrize("case, shown, warned", [
    ("used", AHEAD, None),                         # the compiled module runs, not its source
    ("stale", "1.17.5", None),                     # compiled from other source: Python compiles its own
    ("outside", "1.17.5", "lists"),                # one path outside the library: none is written
    ("cut short", "1.17.5", "not as long"),
    ("absent", "1.17.5", "404"),
    ("shipped", "1.17.5", None),                   # the setup's file: every module of it taken
])
def test_the_page_runs_compiled_modules_only_when_they_are_right(page, tmp_path, changed_pycs, case, shown, warned):
    good = changed_pycs["source"]
    content = {
        "used": pack("3.8.2", [[VERSION_PYC, good]]),
        "stale": pack("3.8.2", [[VERSION_PYC, changed_pycs["other"]]]),
        "outside": pack("3.8.2", [[VERSION_PYC, good], ["/app/weights/__pycache__/x.cpython-38.pyc", good]]),
        "cut short": pack("3.8.2", [[VERSION_PYC, good]])[:-1],
        "absent": None,
        "shipped": "shipped",
    }[case]
    warnings = []
    with broken_site(tmp_path, break_runtime=with_compiled(content)) as url:
        assert numpy_shown(page, url, warnings) == shown
    compiled = [w for w in warnings if "compiles its modules" in w]
    if warned:
        assert len(compiled) == 1 and warned in compiled[0], warnings
    else:
        assert compiled == [], warnings


def test_the_page_starts_without_a_compiled_modules_file_that_never_comes(page, site):
    """A download that stalls (the request never answered) is given up a few seconds after the runtime
    is in: Python compiles its modules, as without the file."""
    stalled = []
    page.route("**/" + runtime_setting()["bytecode"], lambda route: stalled.append(route.request.url))
    warnings = []
    page.on("console", lambda message: warnings.append(message.text) if message.type == "warning" else None)
    page.goto(site)
    page.wait_for_selector("body[data-state=ready]", timeout=60000)
    assert stalled, "the compiled modules were not asked for"
    assert any("compiles its modules" in w and "not there" in w for w in warnings), warnings
    assert page.inner_text("#about").split("NumPy ")[1].startswith("1.17.5")


# writeCompiled (web/worker-files.js) with a file system that records what is written.
WRITE_COMPILED = """(bytes) => {
  const written = [];
  const FS = { mkdirTree: (dir) => written.push(['dir', dir]), writeFile: (path, data) => written.push([path, Array.from(data)]) };
  try {
    return { count: writeCompiled(FS, new Uint8Array(bytes)), written };
  } catch (err) {
    return { error: err.message, written };
  }
}"""


def test_write_compiled_writes_every_file_of_a_good_one(page, site):
    page.goto(site + "runtime.json")
    page.add_script_tag(url="/worker-files.js")
    pyc2 = VERSION_PYC.replace("version", "_globals")
    out = page.evaluate(WRITE_COMPILED, list(pack("3.8.2", [[VERSION_PYC, b"one"], [pyc2, b"two!"]])))
    assert out == {"count": 2, "written": [["dir", VERSION_PYC.rsplit("/", 1)[0]], [VERSION_PYC, list(b"one")],
                                           ["dir", pyc2.rsplit("/", 1)[0]], [pyc2, list(b"two!")]]}


def _raw(header, body=b""):
    text = header.encode() if isinstance(header, str) else header
    return struct.pack("<I", len(text)) + text + body


GOOD = [VERSION_PYC, b"good"]  # first in a bad file: not written either


@pytest.mark.parametrize("content, why", [
    (pack("3.8.2", [GOOD, ["/lib/python3.8/../../app/__pycache__/x.cpython-38.pyc", b"x"]]), "lists"),
    (pack("3.8.2", [GOOD, ["/lib/python3.8/__pycache__/x.cpython-38.pyc/../../../app/y", b"x"]]), "lists"),
    (pack("3.8.2", [GOOD, ["/lib/python3.8/os.py", b"x"]]), "lists"),                      # not a compiled module
    (pack("3.8.2", [GOOD, ["/app/weights/__pycache__/x.cpython-38.pyc", b"x"]]), "lists"),  # outside the library
    (_raw('{"files": [["%s", 4], ["%s", -1]]}' % (VERSION_PYC, VERSION_PYC), b"good"), "lists"),
    (_raw('{"files": [["%s", 4], ["%s", 1.5]]}' % (VERSION_PYC, VERSION_PYC), b"goodxx"), "lists"),
    (_raw('{"files": [["%s", 4], ["%s"]]}' % (VERSION_PYC, VERSION_PYC), b"good"), "lists"),
    (_raw('{"files": {}}'), "no list"),
    (_raw('{"files": [['), "JSON"),
    (pack("3.8.2", [GOOD]) + b"!", "not as long"),
    (pack("3.8.2", [GOOD])[:-1], "not as long"),
    (struct.pack("<I", 1000) + b"{}", "cut short"),
    (b"\x01", "cut short"),
])
def test_write_compiled_refuses_a_bad_file_whole(page, site, content, why):
    page.goto(site + "runtime.json")
    page.add_script_tag(url="/worker-files.js")
    out = page.evaluate(WRITE_COMPILED, list(content))
    assert out["written"] == [] and why in out["error"], out


def test_the_shipped_file_holds_hash_checked_modules_of_the_library_only():
    setting = runtime_setting()
    path = os.path.join(runtime_dir(), setting["bytecode"])
    if not os.path.isfile(path):
        pytest.fail("%s is missing: scripts/setup_runtime.py writes it (it needs Chromium)" % path)
    with open(path, "rb") as fh:
        data = fh.read()
    (length,) = struct.unpack("<I", data[:4])
    header = json.loads(data[4:4 + length])
    assert header["python"].startswith("3.8.")
    offset = 4 + length
    paths = []
    for name, size in header["files"]:
        pyc = data[offset:offset + size]
        offset += size
        assert pyc[:4] == (3413).to_bytes(2, "little") + b"\r\n", name   # Python 3.8's magic number
        assert struct.unpack("<I", pyc[4:8])[0] == 3, name                # hash-based, checked
        assert name.startswith("/lib/python3.8/") and "/__pycache__/" in name, name
        paths.append(name)
    assert offset == len(data)
    assert len(paths) == len(set(paths))
    for module in ("numpy/__pycache__/__init__", "numpy/core/__pycache__/multiarray", "__pycache__/dataclasses",
                   "__pycache__/zipfile", "asyncio/__pycache__/base_events"):  # NumPy, lenet_py, the worker, Pyodide
        assert any(module + ".cpython-38.pyc" in name for name in paths), module
