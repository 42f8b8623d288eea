"""Copy the browser runtime's files (web/runtime.json says which) out of node_modules into web/.

    python scripts/setup_runtime.py

Only the ~32 MB the app needs are copied, not the 185 MB package. Unchanged files are skipped. The
packages runtime.json lists under `repack` (NumPy) are written without their LZ4 and their own tests,
so that a gzipping server sends 2.5 MB fewer (scripts/pyodide_package.py says how and why): rebuilt
on every run (a second), written only when they changed.
Then `bytecode` (scripts/bytecode.py), the runtime's modules compiled by the runtime itself in Chromium.
Beside them goes `sizes.json`, {file name: bytes}: the page's worker shows download progress against
these sizes, as a server that compresses sends only the compressed size.
"""
import json
import os
import shutil
import sys

if __name__ == "__main__":  # run as a script: make the repository's packages importable
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from scripts import bytecode  # noqa: E402
from scripts.pyodide_package import PackageError, repack  # noqa: E402
from train.cli import REPO  # noqa: E402

SETTING = os.path.join(REPO, "web", "runtime.json")
SIZES = "sizes.json"


def runtime_setting():
    with open(SETTING) as fh:
        return json.load(fh)


def runtime_dir(setting=None):
    setting = setting or runtime_setting()
    return os.path.join(REPO, "web", setting["url"])


def main():
    setting = runtime_setting()
    source = os.path.join(REPO, setting["source"])
    target = runtime_dir(setting)
    if not os.path.isdir(source):
        sys.exit("error: %s not found: run `npm ci` first (it installs %s@%s)"
                 % (source, setting["package"], setting["version"]))
    os.makedirs(target, exist_ok=True)
    generated = setting.get("bytecode")
    copied = [name for name in setting["files"] if name != generated]
    for name in copied:
        if not os.path.isfile(os.path.join(source, name)):
            sys.exit("error: %s is missing from %s@%s" % (name, setting["package"], setting["version"]))
    repacked = set()
    for package in setting.get("repack", []):
        names = (package + ".js", package + ".data")
        try:
            js, data = repack(_read(os.path.join(source, names[0])).decode("utf-8"), _read(os.path.join(source, names[1])))
        except (PackageError, UnicodeDecodeError) as e:
            sys.exit("error: cannot repack %s of %s@%s: %s (take it out of `repack` in %s)"
                     % (package, setting["package"], setting["version"], e, os.path.relpath(SETTING, REPO)))
        for name, content in zip(names, (js.encode("utf-8"), data)):
            _write_if_changed(os.path.join(target, name), content)
            repacked.add(name)
    sizes = {}
    for name in copied:
        src, dst = os.path.join(source, name), os.path.join(target, name)
        if name not in repacked and not (os.path.isfile(dst) and os.path.getsize(dst) == os.path.getsize(src)
                                         and os.path.getmtime(dst) >= os.path.getmtime(src)):
            shutil.copy2(src, dst)
        sizes[name] = os.path.getsize(dst)
    if generated:  # after the rest: it is compiled by the runtime just copied
        report = bytecode.write(target, generated, copied)
        if os.path.isfile(os.path.join(target, generated)):
            sizes[generated] = os.path.getsize(os.path.join(target, generated))
    # Copies of package files no longer listed (micropip's, say) would be served and cached for nothing.
    for name in sorted(set(os.listdir(target)) - set(sizes)):
        if os.path.isfile(os.path.join(source, name)):
            os.remove(os.path.join(target, name))
    _write_if_changed(os.path.join(target, SIZES), (json.dumps(sizes, indent=0) + "\n").encode("utf-8"))
    total = sum(sizes.values())
    print("runtime: %s@%s, %d files, %.1f MB in %s" % (setting["package"], setting["version"], len(setting["files"]),
                                                       total / 1e6, os.path.relpath(target, REPO)))
    if generated:
        print(report)


def _read(path):
    with open(path, "rb") as fh:
        return fh.read()


def _write_if_changed(path, content):
    """Untouched when unchanged, like the copied files: a build's checksums and caches stay valid."""
    if not os.path.isfile(path) or _read(path) != content:
        with open(path, "wb") as fh:
            fh.write(content)


if __name__ == "__main__":
    main()
