"""Serve the app from the working tree: web/ at /, and the same lenet_py/ and weights/ training uses.

    python scripts/serve.py [--port 8000] [--host 127.0.0.1]

The page fetches /lenet_py/*.py and /weights/*, so nothing is copied: what training wrote is what
the browser runs. `scripts/build.py` lays out the same URLs in a folder for static hosting.
"""
import argparse
import functools
import http.server
import os
import posixpath
import sys
import urllib.parse

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))



class SiteHandler(http.server.SimpleHTTPRequestHandler):
    mounts = {}  # URL prefix -> folder; anything else comes from the handler's directory (web/)

    def translate_path(self, path):
        path = posixpath.normpath(urllib.parse.unquote(urllib.parse.urlsplit(path).path))
        for prefix, folder in self.mounts.items():
            if (path + "/").startswith(prefix):
                rest = path[len(prefix):] if len(path) >= len(prefix) else ""
                return os.path.join(folder, *[p for p in rest.split("/") if p not in ("", ".", "..")])
        return super().translate_path(path)

    def end_headers(self):
        self.send_header("Cache-Control", "no-cache")  # a retrained model shows up on reload
        super().end_headers()

    def log_message(self, fmt, *args):
        if not getattr(self.server, "quiet", False):
            super().log_message(fmt, *args)


def make_server(host="127.0.0.1", port=8000, quiet=False, weights_dir=None, web_dir=None, lenet_dir=None):
    """A threaded server for the site; tests pass other folders to serve broken weights, code or runtime."""
    mounts = {"/lenet_py/": lenet_dir or os.path.join(REPO, "lenet_py"),
              "/weights/": weights_dir or os.path.join(REPO, "weights")}
    handler_class = type("Handler", (SiteHandler,), {"mounts": mounts})
    handler = functools.partial(handler_class, directory=web_dir or os.path.join(REPO, "web"))
    server = http.server.ThreadingHTTPServer((host, port), handler)
    server.quiet = quiet
    server.daemon_threads = True
    return server


def main():
    parser = argparse.ArgumentParser(description="Serve the digit recognizer on localhost.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args()
    try:
        server = make_server(args.host, args.port)
    except OSError as exc:
        sys.exit("error: cannot listen on %s:%d (%s)" % (args.host, args.port, exc.strerror))
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
