"""Compiled Python for the runtime's own modules that the page imports, in one file beside the runtime.

    bytecode.write(runtime folder, file name)     (scripts/setup_runtime.py; web/runtime.json names the file)

Pyodide 0.17 ships Python's standard library and NumPy as source only, so every visit compiles each
module it imports, in WebAssembly: about 230 modules, a second or more of the page's start. Here the
runtime itself (in Chromium, so the bytecode is exactly its own Python's) imports what the page's
worker imports (NumPy, and whatever lenet_py and the worker's own Python import), then compiles every
one of those modules that lies in the runtime's library into a PEP 552 hash-checked .pyc: Python uses
such a file only while the hash of the source beside it matches, so a stale one (another NumPy, say)
costs a compile, never an outdated module. The worker writes them into Pyodide's file system before
Python starts (compiledModulesFirst in web/worker-files.js).

The file: a 4-byte little-endian length, that many bytes of JSON {"python": version (for people),
"key": what it was made from (a sha256), "files": [[path, size], ...]}, then the files' bytes in that
order. It is made again only when the key changes. Without Chromium, or if the runtime fails to make
it, there is no file and the page compiles as before.
"""
import ast
import base64
import hashlib
import json
import os
import re
import struct

from scripts.browser import CHROMIUM, LOAD_BARE_RUNTIME, launch
from scripts.serve import serve_in_background
from train.cli import REPO

WORKER = os.path.join(REPO, "web", "worker.js")
# web/worker-files.js's PYC: the worker refuses a file with any other name in it, so none is written.
PYC = re.compile(r"/lib/python3\.[0-9]+/([A-Za-z0-9_-]+/)*__pycache__/[A-Za-z0-9_]+\.cpython-3[0-9]+\.pyc")
TIMEOUT_MS = 180000  # a runtime that hangs must not hang the setup

# LOAD_BARE_RUNTIME with Python's string hashes fixed (PYTHONHASHSEED=0, set in the runtime's
# environment before Python starts, by wrapping its module factory as the worker does): a constant set
# in a module (`x in {"a", "b"}`) is stored in its hash order, and the same inputs should make the same
# file, or a new build would have every returning visitor download it again.
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
# folder so that its imports are seen; the result is [[pyc path, base64 bytes], ...] as JSON. The
# library is where the runtime's own `os` lies (/lib/python3.8/).
COMPILE = r"""
import base64, importlib, json, os, py_compile, sys
for name, text in LENET_PY.items():
    os.makedirs(os.path.dirname("/tmp/src/" + name), exist_ok=True)
    with open("/tmp/src/" + name, "w") as fh:
        fh.write(text)
sys.path.insert(0, "/tmp/src")
for name in IMPORTS:
    try:
        importlib.import_module(name)
    except ImportError:  # an import that lenet_py guards, say: the page cannot import it either
        pass
library = os.path.dirname(os.__file__) + "/"
out = []
paths = {getattr(module, "__file__", None) or "" for module in list(sys.modules.values())}  # os.path is posixpath
for path in sorted(p for p in paths if p.startswith(library) and p.endswith(".py")):
    cached = py_compile.compile(path, doraise=True, invalidation_mode=py_compile.PycInvalidationMode.CHECKED_HASH)
    with open(cached, "rb") as fh:
        out.append([cached, base64.b64encode(fh.read()).decode()])
assert sys.flags.hash_randomization == 0, "PYTHONHASHSEED was not set"
json.dumps({"python": sys.version.split()[0], "files": out})
"""


def lenet_py_sources():
    """{"lenet_py/x.py": source text} for every module of the package."""
    folder = os.path.join(REPO, "lenet_py")
    sources = {}
    for name in sorted(os.listdir(folder)):
        if name.endswith(".py"):
            with open(os.path.join(folder, name), encoding="utf-8") as fh:
                sources["lenet_py/" + name] = fh.read()
    return sources


def imported(source):
    """The absolute imports anywhere in Python `source`, inside functions too: ["numpy", "zipfile", ...]."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names.add(node.module)
    return names


def page_imports(sources):
    """Every module the page's Python imports: lenet_py's modules and what they import, and what the
    Python in web/worker.js (its String.raw`...` blocks) imports."""
    with open(WORKER, encoding="utf-8") as fh:
        worker = re.findall(r"String\.raw`(.*?)`", fh.read(), re.S)
    names = {"numpy"}
    for source in list(sources.values()) + worker:
        names |= imported(source)
    names |= {"lenet_py" + ("" if n == "lenet_py/__init__.py" else "." + n[len("lenet_py/"):-3]) for n in sources}
    return sorted(names)


def key(target, runtime_files, sources):
    """A sha256 of everything the file is made from: the runtime's files, lenet_py, the worker, this."""
    digest = hashlib.sha256()
    for path in [os.path.join(target, name) for name in runtime_files] + [WORKER, os.path.abspath(__file__)]:
        with open(path, "rb") as fh:
            digest.update(fh.read())
    digest.update(json.dumps(sources, sort_keys=True).encode())
    return digest.hexdigest()


def compile_in_runtime(sources):
    """{"python": version, "files": [[pyc path, bytes], ...]}, from the runtime in Chromium."""
    from playwright.sync_api import sync_playwright

    code = "IMPORTS = %r\nLENET_PY = %r\n" % (page_imports(sources), sources) + COMPILE
    server, url = serve_in_background()
    try:
        with sync_playwright() as p:
            browser = launch(p)
            try:
                page = browser.new_context(bypass_csp=True).new_page()  # eval, which Pyodide needs
                page.set_default_timeout(TIMEOUT_MS)
                page.goto(url + "runtime.json")
                page.evaluate(LOAD_RUNTIME)
                result = json.loads(page.evaluate("(code) => window.pyodide.runPython(code)", code))
            finally:
                browser.close()
    finally:
        server.shutdown()
        server.server_close()
    return {"python": result["python"], "files": checked([[path, base64.b64decode(data)] for path, data in result["files"]])}


def checked(files):
    """`files` ([[path, bytes], ...]) if the page would take them all; raises ValueError otherwise."""
    refused = [path for path, _ in files if not PYC.fullmatch(path)]
    if not files or refused:
        raise ValueError("the runtime compiled %s" % ("nothing" if not files else "a module the page would refuse: " + refused[0]))
    return files


def pack(python, files, made_from=""):
    """(version, [[path, bytes], ...], key) -> the file's bytes (see the module's docstring)."""
    header = json.dumps({"python": python, "key": made_from, "files": [[path, len(data)] for path, data in files]}).encode()
    return struct.pack("<I", len(header)) + header + b"".join(data for _, data in files)


def header(path):
    """The header of the file at `path`, or {} when there is none that can be read."""
    try:
        with open(path, "rb") as fh:
            (length,) = struct.unpack("<I", fh.read(4))
            return json.loads(fh.read(length))
    except (OSError, ValueError, struct.error):
        return {}


def write(target, name, runtime_files):
    """Writes the file `name` into the runtime's folder `target`, made from the runtime's
    `runtime_files` there, unless it is up to date; returns a one-line report."""
    path = os.path.join(target, name)
    shown = os.path.relpath(path, REPO)
    sources = lenet_py_sources()
    made_from = key(target, runtime_files, sources)
    if header(path).get("key") == made_from:
        return "bytecode: %s is up to date" % shown
    if os.path.exists(path):
        os.remove(path)  # made from something else: better none than a stale one
    if not os.path.exists(CHROMIUM):
        return "bytecode: skipped, no Chromium at %s: the page compiles Python as it starts" % CHROMIUM
    try:
        compiled = compile_in_runtime(sources)
    except Exception as e:  # noqa: BLE001 (optional: the setup goes on, and says why)
        return "bytecode: skipped, the runtime could not compile its modules (%s): the page compiles Python as it starts" % (
            str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__)
    content = pack(compiled["python"], compiled["files"], made_from)
    with open(path, "wb") as fh:
        fh.write(content)
    return "bytecode: %d modules compiled by Python %s, %.1f MB in %s" % (
        len(compiled["files"]), compiled["python"], len(content) / 1e6, shown)
