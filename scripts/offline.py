"""What the service worker (web/sw.js) keeps: every file the page needs, by URL, with its sha256.

The listing is written into sw.js itself, in place of the line `const SITE = null;`: scripts/build.py
does it once for dist/, scripts/serve.py on every request for sw.js from the working tree. So any
change to a file the page uses (a weight, the lenet_py wheel, a script, the runtime) changes the bytes
of sw.js, which is what makes the browser install the new service worker and, with it, a new cache.
"""
import hashlib
import json
import os
import re
import threading

PLACEHOLDER = re.compile(r"^const SITE = null;.*$", re.M)
NOT_CACHED = {"sw.js", "_headers", ".lenet-py-build"}  # the worker itself, host settings, the build's marker

_hashes = {}  # path -> ((mtime_ns, size, inode), sha256): the dev server asks on every navigation
_hashes_lock = threading.Lock()


def sha256_file(path):
    stat = os.stat(path)
    key = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
    with _hashes_lock:
        known = _hashes.get(path)
    if known and known[0] == key:
        return known[1]
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    with _hashes_lock:
        _hashes[path] = (key, digest.hexdigest())
    return digest.hexdigest()


def folder_files(folder, prefix=""):
    """{URL relative to the site: path} for every file under ``folder`` that a page could ask for:
    no dot files (editor swap files, the build's marker), no .gz copies (the same URL, encoded)."""
    found = {}
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        rel = os.path.relpath(root, folder).replace(os.sep, "/")
        for name in sorted(files):
            url = prefix + ("" if rel == "." else rel + "/") + name
            if name.startswith(".") or name.endswith(".gz") or url in NOT_CACHED:
                continue
            found[url] = os.path.join(root, name)
    return found


def listing(files, runtime_url, template):
    """The object sw.js gets: files {URL: sha256} (a path on disk is hashed, bytes are hashed as they
    are), the runtime's URL prefix (served cache-first), and a version naming the cache, made of all
    of that and of sw.js's own code, so that a new service worker starts a new cache."""
    hashes = {url: hashlib.sha256(source).hexdigest() if isinstance(source, bytes) else sha256_file(source)
              for url, source in sorted(files.items())}
    body = {"runtime": runtime_url, "files": hashes}
    material = json.dumps(body, sort_keys=True) + hashlib.sha256(template.encode()).hexdigest()
    return dict(body, version=hashlib.sha256(material.encode()).hexdigest()[:16])


def runtime_url(web_dir):
    try:
        with open(os.path.join(web_dir, "runtime.json")) as fh:
            return json.load(fh)["url"]
    except (OSError, ValueError, KeyError):
        return None  # no runtime here (a test's broken copy): nothing is cache-first


def render(template, site):
    """sw.js with its listing; raises ValueError when the template lacks the placeholder line."""
    if not PLACEHOLDER.search(template):
        raise ValueError("sw.js has no line starting `const SITE = null;` for the file listing")
    line = "const SITE = %s;  // written by scripts/offline.py" % json.dumps(site, sort_keys=True)
    return PLACEHOLDER.sub(lambda _: line, template, count=1)


def service_worker(web_dir, files):
    """The bytes of sw.js from ``web_dir``/sw.js for the site made of ``files`` {URL: path or bytes}."""
    with open(os.path.join(web_dir, "sw.js"), encoding="utf-8") as fh:
        template = fh.read()
    return render(template, listing(files, runtime_url(web_dir), template)).encode()
