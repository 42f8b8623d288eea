"""Build one self-contained static folder: page, runtime, the lenet_py wheel, weights and the replay
sample, at the URLs the dev server uses.

    python scripts/build.py [--out dist]

Copy the folder to any static host as is; it makes no request to another origin. Its `_headers` file
gives the Content-Security-Policy headers in the format Netlify and Cloudflare Pages read (see
"Security" in README.md for other hosts). Every file that gzip shrinks gets a `<file>.gz` copy beside
it for hosts that serve those (see "Fewer bytes" in README.md), and `sw.js` gets the listing of every
file with its sha256 (scripts/offline.py), which versions the service worker's cache.

The build only ever replaces a folder that an earlier build made (it carries the MARKER file) or an
empty one: `--out .` or `--out ~` is refused, not emptied.
"""
import os
import shutil
import sys

if __name__ == "__main__":  # run as a script: make the repository's packages importable
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from lenet_py.weights import WeightsError, fresh_dir, load_weights  # noqa: E402
from scripts import offline  # noqa: E402
from scripts.compress import write_gz_siblings  # noqa: E402
from scripts.serve import content_security_policies  # noqa: E402
from scripts.setup_runtime import REPO, runtime_dir  # noqa: E402
from scripts.wheel import write_wheel  # noqa: E402
from train.cli import OneLineParser  # noqa: E402

MARKER = ".lenet-py-build"
SOURCES = ("web", "lenet_py", "weights")


def check_out(out):
    """Refuse an output folder the build must not replace; raises SystemExit with one line."""
    if os.path.islink(out) or (os.path.lexists(out) and not os.path.isdir(out)):
        raise SystemExit("error: %s is not a folder; choose another --out" % out)
    real = os.path.realpath(out)
    repo = os.path.realpath(REPO)
    if os.path.commonpath([repo, real]) == real:
        raise SystemExit("error: --out %s contains this checkout; choose a folder such as dist/" % out)
    for source in SOURCES:
        folder = os.path.join(repo, source)
        if os.path.commonpath([folder, real]) == folder:
            raise SystemExit("error: --out %s is inside %s, which the build copies; choose a folder such as dist/"
                             % (out, folder))
    if os.path.isdir(out) and os.listdir(out) and not os.path.isfile(os.path.join(out, MARKER)):
        raise SystemExit("error: %s is not empty and was not made by this build (no %s in it); "
                         "refusing to replace it, choose another --out" % (out, MARKER))


def headers_file():
    """_headers as Netlify and Cloudflare Pages read it: URL patterns, each with indented headers.
    The policy matters for the documents and for the workers' scripts (the service worker too obeys
    its own response header, not the page's); no two rules overlap."""
    page, worker = content_security_policies(os.path.join(REPO, "web"))
    rules = [("/", page), ("/index.html", page), ("/sw.js", page), ("/worker.js", worker)]
    text = "".join("%s\n  Content-Security-Policy: %s\n" % rule for rule in rules)
    return text + "/*\n  X-Content-Type-Options: nosniff\n"


def usual_permissions(folder):
    """Folders 0777 and files 0666 less the umask: copies of a 0700 folder (training writes its weights
    through a temporary folder) would otherwise be unreadable to a web server running as another user."""
    umask = os.umask(0o022)
    os.umask(umask)
    for root, dirs, files in os.walk(folder):
        os.chmod(root, 0o777 & ~umask)
        for name in files:
            os.chmod(os.path.join(root, name), 0o666 & ~umask)


def build(out):
    check_out(out)
    runtime = runtime_dir()
    if not os.path.isfile(os.path.join(runtime, "pyodide.js")):
        raise SystemExit("error: the runtime is not set up in %s: run scripts/setup.sh first" % runtime)
    if not os.path.isfile(os.path.join(REPO, "web", "replay.npz")):
        raise SystemExit("error: web/replay.npz is missing: run scripts/setup.sh first (it writes the replay sample)")
    try:
        load_weights(os.path.join(REPO, "weights"))  # never ship weights that would fail in the page
    except WeightsError as exc:
        raise SystemExit("error: %s" % exc)
    parent = os.path.dirname(out)
    try:
        os.makedirs(parent, exist_ok=True)
        work = fresh_dir(parent, "." + os.path.basename(out) + ".build-")  # a new name: nothing there is deleted
    except OSError as exc:
        raise SystemExit("error: cannot write in %s (%s)" % (parent, exc.strerror or exc))
    try:
        tmp = os.path.join(work, "site")
        shutil.copytree(os.path.join(REPO, "web"), tmp)  # includes web/runtime/, copied by the setup
        write_wheel(tmp)  # lenet_py as the wheel the worker unpacks (zipfile), and wheels.json
        shutil.copytree(os.path.join(REPO, "weights"), os.path.join(tmp, "weights"))
        with open(os.path.join(tmp, "_headers"), "w") as fh:
            fh.write(headers_file())
        with open(os.path.join(tmp, MARKER), "w") as fh:
            fh.write("Made by scripts/build.py; the next build replaces this whole folder.\n")
        try:
            worker = offline.service_worker(tmp, offline.folder_files(tmp))  # the folder as it will be served
        except ValueError as exc:
            raise SystemExit("error: web/%s" % exc)
        with open(os.path.join(tmp, "sw.js"), "wb") as fh:
            fh.write(worker)
        packed = write_gz_siblings(tmp)  # last: every file as served is final by now
        usual_permissions(tmp)
        if os.path.isdir(out):
            os.replace(out, os.path.join(work, "previous"))  # checked above: an earlier build, or empty
        os.replace(tmp, out)
    except OSError as exc:  # a full disk, say: the earlier build is still in place unless the swap was done
        raise SystemExit("error: the build failed while writing %s (%s)" % (exc.filename or out, exc.strerror or exc))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    size = sum(os.path.getsize(os.path.join(d, f)) for d, _, files in os.walk(out) for f in files if not f.endswith(".gz"))
    saved = sum(plain - small for plain, small in packed.values())
    print("built %s: %.1f MB, %.1f MB gzipped for hosts that send the .gz copies; try it with its security headers: "
          "python scripts/serve.py --site %s (a plain static server sends none for the worker: see _headers)"
          % (out, size / 1e6, (size - saved) / 1e6, out))


def main(argv=None):
    parser = OneLineParser(description="Build the static site into one folder.")
    parser.add_argument("--out", default=os.path.join(REPO, "dist"),
                        help="output folder: new, empty, or made by an earlier build (default dist/)")
    build(os.path.abspath(parser.parse_args(argv).out))


if __name__ == "__main__":
    main()
