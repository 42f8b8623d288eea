"""Compiled Python for the runtime's own modules that the page imports, in one file beside the runtime.

    bytecode.write(runtime folder, file name)     (scripts/setup_runtime.py; web/runtime.json names the file)

Pyodide 0.17 ships Python's standard library and NumPy as source only, so every visit compiles each
module it imports, in WebAssembly: about 230 modules, a second or more of the page's start. Here the
runtime itself (in Chromium, so the bytecode is exactly its own Python's) imports what the page's
worker imports (NumPy, and whatever lenet_py and the worker need), then compiles every one of those
modules that lies in the runtime's library into a PEP 552 hash-checked .pyc: Python uses such a file
only while the hash of the source beside it matches, so a stale or foreign one costs a compile, never
a wrong module. The worker writes them into Pyodide's file system before Python starts (worker.js).

The file: a 4-byte little-endian length, that many bytes of JSON {"python": version, "files":
[[path, size], ...]}, then the files' bytes in that order. Without Chromium nothing is written and
the page compiles as before.
"""
import base64
import json
import os
import struct

from scripts.browser import CHROMIUM, LOAD_BARE_RUNTIME, launch
from scripts.serve import serve_in_background
from train.cli import REPO

LIBRARY = "/lib/python3.8/"  # the runtime's library: only modules below it are compiled here
# Imported by web/worker.js itself (its wheel installer), beside what lenet_py imports.
WORKER_IMPORTS = ["importlib", "re", "sys", "zipfile", "py_compile", "ast", "dataclasses", "json"]

# LOAD_BARE_RUNTIME with Python's string hashes fixed (PYTHONHASHSEED=0, set in the runtime's
# environment before Python starts, see web/worker-files.js's compiledModulesFirst): a constant set in
# a module (`x in {"a", "b"}`) is stored in its hash order, and the file should not change from one
# setup to the next, or every visitor's cached runtime would be replaced for nothing.
LOAD_RUNTIME = """
async () => {
  let create = null;
  Object.defineProperty(window, '_createPyodideModule', {configurable: true, set(factory) { create = factory; },
    get() { return create && ((Module) => {
      Module.preRun = [].concat(Module.preRun || [], () => { Module.ENV.PYTHONHASHSEED = '0'; });
      return create(Module);
    }); }});
  return await (%s)();
}
""" % LOAD_BARE_RUNTIME.strip()

# Runs in the runtime: lenet_py's source (a {module file: text} dict) is imported from a scratch
# folder so that its imports are seen; the result is [[pyc path, base64 bytes], ...] as JSON.
COMPILE = r"""
import base64, importlib, json, os, py_compile, sys
for name, text in LENET_PY.items():
    os.makedirs(os.path.dirname("/tmp/src/" + name), exist_ok=True)
    with open("/tmp/src/" + name, "w") as fh:
        fh.write(text)
sys.path.insert(0, "/tmp/src")
for name in IMPORTS:
    importlib.import_module(name)
out = []
paths = {getattr(module, "__file__", None) or "" for module in list(sys.modules.values())}  # os.path is posixpath
for path in sorted(p for p in paths if p.startswith(LIBRARY) and p.endswith(".py")):
    cached = py_compile.compile(path, doraise=True, invalidation_mode=py_compile.PycInvalidationMode.CHECKED_HASH)
    with open(cached, "rb") as fh:
        out.append([cached, base64.b64encode(fh.read()).decode()])
assert sys.flags.hash_randomization == 0, "PYTHONHASHSEED was not set"
json.dumps({"python": sys.version.split()[0], "files": out})
"""


def lenet_py_sources():
    """{"lenet_py/x.py": source text} for every module of the package, and their module names."""
    folder = os.path.join(REPO, "lenet_py")
    sources = {}
    for name in sorted(os.listdir(folder)):
        if name.endswith(".py"):
            with open(os.path.join(folder, name), encoding="utf-8") as fh:
                sources["lenet_py/" + name] = fh.read()
    modules = ["lenet_py" + ("" if n == "lenet_py/__init__.py" else "." + n[len("lenet_py/"):-3]) for n in sources]
    return sources, modules


def compile_in_runtime():
    """{"python": version, "files": [[pyc path, bytes], ...]}, from the runtime in Chromium."""
    from playwright.sync_api import sync_playwright

    sources, modules = lenet_py_sources()
    code = ("LIBRARY = %r\nIMPORTS = %r\nLENET_PY = %r\n" % (LIBRARY, ["numpy"] + WORKER_IMPORTS + modules, sources)
            + COMPILE)
    server, url = serve_in_background()
    try:
        with sync_playwright() as p:
            browser = launch(p)
            page = browser.new_context(bypass_csp=True).new_page()  # eval, which Pyodide needs
            page.goto(url + "runtime.json")
            page.evaluate(LOAD_RUNTIME)
            result = json.loads(page.evaluate("(code) => window.pyodide.runPython(code)", code))
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    return {"python": result["python"], "files": [[path, base64.b64decode(data)] for path, data in result["files"]]}


def pack(python, files):
    """(version, [[path, bytes], ...]) -> the file's bytes (see the module's docstring)."""
    header = json.dumps({"python": python, "files": [[path, len(data)] for path, data in files]}).encode()
    return struct.pack("<I", len(header)) + header + b"".join(data for _, data in files)


def write(target, name):
    """Writes the file `name` into the runtime's folder `target`; returns a one-line report."""
    path = os.path.join(target, name)
    if not os.path.exists(CHROMIUM):
        if os.path.exists(path):
            os.remove(path)  # it may be another runtime's
        return "bytecode: skipped, no Chromium at %s: the page compiles Python as it starts" % CHROMIUM
    compiled = compile_in_runtime()
    content = pack(compiled["python"], compiled["files"])
    if not os.path.isfile(path) or open(path, "rb").read() != content:
        with open(path, "wb") as fh:
            fh.write(content)
    return "bytecode: %d modules compiled by Python %s, %.1f MB in %s" % (
        len(compiled["files"]), compiled["python"], len(content) / 1e6, os.path.relpath(path, REPO))

