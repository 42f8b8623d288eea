"""Copy the browser runtime's files (web/runtime.json says which) out of node_modules into web/.

    python scripts/setup_runtime.py

Only the ~27 MB the app needs are copied, not the 185 MB package. Unchanged files are skipped.
Beside them goes `sizes.json`, {file name: bytes}: the page's worker shows download progress against
these sizes, as a server that compresses sends only the compressed size.
"""
import json
import os
import shutil
import sys

if __name__ == "__main__":  # run as a script: make the repository's packages importable
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

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
    sizes = {}
    for name in setting["files"]:
        src, dst = os.path.join(source, name), os.path.join(target, name)
        if not os.path.isfile(src):
            sys.exit("error: %s is missing from %s@%s" % (name, setting["package"], setting["version"]))
        if not (os.path.isfile(dst) and os.path.getsize(dst) == os.path.getsize(src)
                and os.path.getmtime(dst) >= os.path.getmtime(src)):
            shutil.copy2(src, dst)
        sizes[name] = os.path.getsize(dst)
    # Copies of package files no longer listed (micropip's, say) would be served and cached for nothing.
    for name in sorted(set(os.listdir(target)) - set(sizes)):
        if os.path.isfile(os.path.join(source, name)):
            os.remove(os.path.join(target, name))
    text = json.dumps(sizes, indent=0) + "\n"
    path = os.path.join(target, SIZES)
    if not os.path.isfile(path) or open(path).read() != text:  # untouched when unchanged, like the files
        with open(path, "w") as fh:
            fh.write(text)
    total = sum(sizes.values())
    print("runtime: %s@%s, %d files, %.1f MB in %s" % (setting["package"], setting["version"], len(setting["files"]),
                                                       total / 1e6, os.path.relpath(target, REPO)))


if __name__ == "__main__":
    main()
