"""Serve the app from the working tree: web/ at /, the weights/ training wrote at /weights/, and the
lenet_py wheel (built from lenet_py/ on each request, see scripts/wheel.py) that the page installs.

    python scripts/serve.py [--port 8000] [--host 127.0.0.1] [--site dist]

Nothing is copied: what training wrote and the code as it is now are what the browser runs.
`scripts/build.py` lays out the same URLs in a folder for static hosting.
"""
import argparse
import email.utils
import functools
import hashlib
import http.server
import io
import json
import os
import posixpath
import re
import sys
import urllib.parse

if __name__ == "__main__":  # run as a script: make the repository's packages importable
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from scripts import offline  # noqa: E402
from scripts.compress import GzipMemo, accepts_gzip, gzip_bytes  # noqa: E402
from scripts.wheel import WHEEL_INDEX, build_wheel, wheel_name  # noqa: E402
from train.cli import REPO, OneLineParser  # noqa: E402


# Pyodide 0.17 makes every callable PyProxy with Reflect.construct(Function, ...), which CSP counts as
# eval, and runPython itself calls one (pyodide_py.eval_code). So the worker needs 'unsafe-eval', which
# also covers compiling WebAssembly; 'wasm-unsafe-eval' alone fails with "EvalError: Evaluating a string
# as JavaScript violates the following Content Security Policy directive". The page needs neither.
WORKER_SCRIPT_SRC = "script-src 'self' 'unsafe-eval';"


def content_security_policies(web_dir=None):
    """(page policy, worker policy) for the header, from web/index.html's <meta http-equiv>.

    One source: the page carries its policy wherever it is hosted, and the header repeats it, adds
    frame-ancestors (ignored in a meta) and, for worker.js, sets the worker's policy: a Web Worker
    obeys its own script's response header, not the page's meta."""
    with open(os.path.join(web_dir or os.path.join(REPO, "web"), "index.html"), encoding="utf-8") as fh:
        match = re.search(r'<meta http-equiv="Content-Security-Policy"\s+content="([^"]+)"', fh.read())
    if not match or "script-src 'self';" not in match.group(1):
        raise SystemExit("error: web/index.html has no Content-Security-Policy meta tag with script-src 'self'")
    page = " ".join(match.group(1).split()) + " frame-ancestors 'none';"
    return page, page.replace("script-src 'self';", WORKER_SCRIPT_SRC)


class SiteHandler(http.server.SimpleHTTPRequestHandler):
    mounts = {}  # URL prefix -> folder; anything else comes from the handler's directory (web/)
    policies = ("", "")  # the Content-Security-Policy headers: (page and everything else, worker.js)
    lenet_dir = None  # the lenet_py folder whose wheel is built on request; None: a built site has its own
    # A built site carries <file>.gz copies (scripts/build.py). The working tree gets them made in memory
    # on first request (GzipMemo) rather than written beside the files by the setup: one way for web/,
    # weights/ and the runtime alike, never a stale copy after an edit or a retraining, and nothing to
    # clean up; the price is ~2.5 s of compression once per server start, spread over the first visit.
    gzip_memo = None
    extensions_map = dict(http.server.SimpleHTTPRequestHandler.extensions_map,
                          **{".wasm": "application/wasm", ".webmanifest": "application/manifest+json",
                             ".js": "text/javascript", ".json": "application/json"})

    def send_head(self):
        self.vary = False
        path = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path)
        # A NUL byte makes os.path raise deep inside the handler, which drops the connection.
        if "\x00" in path:
            self.send_error(400, "Bad request: NUL in the path")
            return None
        if self.lenet_dir and path in ("/" + WHEEL_INDEX, "/" + wheel_name()):
            return self.send_bytes(*self.wheel_file(path), modified=self.wheel_modified())
        if self.lenet_dir and path == "/sw.js" and os.path.isfile(os.path.join(self.directory, "sw.js")):
            try:
                return self.send_bytes(self.service_worker(), "text/javascript")
            except ValueError as exc:  # a sw.js without its listing line would cache nothing: say so
                self.send_error(500, "web/%s" % exc)
                return None
        file = self.translate_path(self.path)
        if path.endswith("/"):
            file = os.path.join(file, "index.html")  # the stdlib sends a folder's index.html, or a 404
        if os.path.isfile(file):
            encoded = self.gzipped(file)
            self.vary = encoded is not None  # caches must keep the two encodings apart
            if encoded is not None and accepts_gzip(self.headers.get("Accept-Encoding")):
                return self.send_encoded(file, encoded)
        return super().send_head()

    def gzipped(self, file):
        """The gzipped copy of ``file``: bytes (made here), a path (a build's .gz), or None."""
        if self.gzip_memo is not None:
            return self.gzip_memo.get(file, os.stat(file))
        packed = file + ".gz"
        # Older than its file: someone changed the build by hand after scripts/build.py wrote the copy.
        fresh = os.path.isfile(packed) and os.path.getmtime(packed) >= os.path.getmtime(file)
        return packed if fresh else None

    def send_encoded(self, file, encoded):
        stat = os.stat(file)
        if isinstance(encoded, bytes):
            body = encoded
        else:
            with open(encoded, "rb") as fh:
                body = fh.read()
        # Validators of the file itself: the page's fetches ask "no-cache", and the service worker's copy
        # of the first visit is then a 304 from the HTTP cache rather than a second download.
        etag = '"%x-%x-gzip"' % (stat.st_mtime_ns, stat.st_size)
        return self.send_bytes(body, self.guess_type(file), etag=etag, modified=stat.st_mtime, encoding="gzip")

    def wheel_file(self, path):
        """Built on each request from lenet_py/ as it is now, so an edit shows on reload (it takes ms)."""
        if path == "/" + WHEEL_INDEX:
            return json.dumps({"lenet_py": wheel_name()}).encode(), "application/json"
        return build_wheel(self.lenet_dir), "application/zip"

    def wheel_modified(self):
        """When the wheel's sources last changed (the folder's own time counts a deleted file). Chromium
        ignores an ETag from an HTTP/1.0 server, which this is: without a Last-Modified the page would
        download the wheel again on every visit, and the service worker's copy again on the first."""
        folder = self.lenet_dir
        paths = [folder, os.path.join(REPO, "pyproject.toml")]
        paths += [os.path.join(folder, name) for name in os.listdir(folder) if name.endswith(".py")]
        return max(os.path.getmtime(path) for path in paths)

    def service_worker(self):
        """web/sw.js with the listing of what the page needs as it is now: an edit to web/, lenet_py/ or
        the weights changes it, and the browser installs it, with a new cache, on the next visit."""
        files = offline.folder_files(self.directory)
        for prefix, folder in self.mounts.items():
            files.update(offline.folder_files(folder, prefix.lstrip("/")))
        files[WHEEL_INDEX] = self.wheel_file("/" + WHEEL_INDEX)[0]
        files[wheel_name()] = build_wheel(self.lenet_dir)
        return offline.service_worker(self.directory, files)

    def send_bytes(self, data, content_type, modified=None, etag=None, encoding=None):
        if etag is None:
            etag = '"%s"' % hashlib.sha256(data).hexdigest()[:32]
            packed = gzip_bytes(data)  # the wheel: a zip already, so in practice never
            if packed is not None:
                self.vary = True
                if accepts_gzip(self.headers.get("Accept-Encoding")):
                    data, encoding = packed, "gzip"
        if self.not_modified(etag, modified):
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            return None
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("ETag", etag)
        if modified is not None:
            self.send_header("Last-Modified", self.date_time_string(modified))
        if encoding:
            self.send_header("Content-Encoding", encoding)
        self.end_headers()
        return io.BytesIO(data)

    def not_modified(self, etag, modified):
        """RFC 9110 13.2.2: If-None-Match decides when present, else If-Modified-Since."""
        if "If-None-Match" in self.headers:
            tags = [tag.strip() for tag in self.headers["If-None-Match"].split(",")]
            return "*" in tags or etag in tags or etag in [t[2:] for t in tags if t.startswith("W/")]
        if modified is None or "If-Modified-Since" not in self.headers:
            return False
        try:
            since = email.utils.parsedate_to_datetime(self.headers["If-Modified-Since"]).timestamp()
        except (TypeError, ValueError, OverflowError, IndexError):
            return False
        return int(modified) <= since

    def list_directory(self, path):
        self.send_error(404, "Not found")  # no listings: only the files the page asks for are served
        return None

    def translate_path(self, path):
        path = posixpath.normpath(urllib.parse.unquote(urllib.parse.urlsplit(path).path))
        for prefix, folder in self.mounts.items():
            if (path + "/").startswith(prefix):
                rest = path[len(prefix):] if len(path) >= len(prefix) else ""
                return os.path.join(folder, *[p for p in rest.split("/") if p not in ("", ".", "..")])
        return super().translate_path(path)

    def end_headers(self):
        self.send_header("Cache-Control", "no-cache")  # a retrained model shows up on reload
        if getattr(self, "vary", False):
            self.send_header("Vary", "Accept-Encoding")
        page_policy, worker_policy = self.policies
        # getattr: when the request line itself is malformed, the error reply comes before self.path exists.
        is_worker = urllib.parse.urlsplit(getattr(self, "path", "")).path.endswith("/worker.js")
        self.send_header("Content-Security-Policy", worker_policy if is_worker else page_policy)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        super().end_headers()

    def log_message(self, fmt, *args):
        if not getattr(self.server, "quiet", False):
            super().log_message(fmt, *args)


def make_server(host="127.0.0.1", port=8000, quiet=False, weights_dir=None, web_dir=None, lenet_dir=None, site=None):
    """A threaded server for the working tree, or for a built ``site`` folder (scripts/build.py) as it
    is; tests pass other folders to serve broken weights, code or runtime."""
    mounts = {"/weights/": weights_dir or os.path.join(REPO, "weights")}
    lenet_dir = lenet_dir or os.path.join(REPO, "lenet_py")
    if site:
        mounts, web_dir, lenet_dir = {}, site, None  # a build holds its weights and its wheel
    web_dir = web_dir or os.path.join(REPO, "web")
    handler_class = type("Handler", (SiteHandler,), {"mounts": mounts, "lenet_dir": lenet_dir,
                                                     "policies": content_security_policies(web_dir),
                                                     "gzip_memo": None if site else GzipMemo()})
    handler = functools.partial(handler_class, directory=web_dir)
    server = http.server.ThreadingHTTPServer((host, port), handler)
    server.quiet = quiet
    server.daemon_threads = True
    return server


def port_number(text):
    if not text.isdigit() or not 0 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError("%r is not a port number in 0-65535" % text)
    return int(text)


def main():
    parser = OneLineParser(description="Serve the digit recognizer on localhost.")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=port_number, default=8000, help="port in 0-65535, 0 for any free one (default 8000)")
    parser.add_argument("--site", metavar="DIR", help="serve this built folder (scripts/build.py) instead of the working tree")
    args = parser.parse_args()
    if args.site and not os.path.isfile(os.path.join(args.site, "index.html")):
        parser.error("--site %s: no index.html there; build one with scripts/build.py" % args.site)
    try:
        server = make_server(args.host, args.port, site=args.site)
    except OSError as exc:
        sys.exit("error: cannot listen on %s:%d (%s)" % (args.host, args.port, exc.strerror or exc))
    print("Serving the digit recognizer at http://%s:%d/  (Ctrl-C to stop)" % (args.host, args.port), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


def serve_in_background(**kwargs):
    """Start make_server(**kwargs) on a free loopback port in a daemon thread; returns (server, base_url)."""
    import threading

    server = make_server("127.0.0.1", 0, quiet=True, **kwargs)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, "http://127.0.0.1:%d/" % server.server_address[1]


if __name__ == "__main__":
    main()
