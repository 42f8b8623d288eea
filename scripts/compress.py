"""Gzip for the site: which files get a compressed copy, the copy's bytes, and whether a request takes it.

scripts/build.py writes `<file>.gz` beside every file worth it; scripts/serve.py sends those (or, from
the working tree, the same bytes made on first request) with `Content-Encoding: gzip`.

Gzip only: brotli would save more on the runtime, but no well-kept brotli library is among this
project's dependencies (numpy, tqdm, matplotlib, pytest, playwright), and the stdlib has none.
"""
import gzip
import os
import threading

MIN_SIZE = 1024       # below this the headers cost about what compression saves
MIN_SAVING = 0.05     # replay.npz and the wheel are zips already: a copy 1% smaller only costs disk


def gzip_bytes(data):
    """``data`` gzipped at level 9 with mtime 0 (the same input gives the same bytes, build after
    build), or None when it is too small or does not shrink by MIN_SAVING."""
    if len(data) < MIN_SIZE:
        return None
    packed = gzip.compress(data, compresslevel=9, mtime=0)
    return packed if len(packed) <= len(data) * (1 - MIN_SAVING) else None


def write_gz_siblings(folder):
    """Write `<name>.gz` beside every file in ``folder`` (recursively) that gzip_bytes compresses;
    returns {relative path: (size, gzipped size)} of those written."""
    written = {}
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        for name in sorted(files):
            if name.endswith(".gz"):
                continue
            path = os.path.join(root, name)
            with open(path, "rb") as fh:
                data = fh.read()
            packed = gzip_bytes(data)
            if packed is not None:
                with open(path + ".gz", "wb") as fh:
                    fh.write(packed)
                written[os.path.relpath(path, folder)] = (len(data), len(packed))
    return written


def accepts_gzip(header):
    """Whether an Accept-Encoding header value allows gzip (RFC 9110 12.5.3: "gzip;q=0" refuses it,
    "*" allows it unless gzip is named with q=0; no header means identity)."""
    allowed = {}
    for item in (header or "").split(","):
        name, _, params = item.strip().partition(";")
        name = name.strip().lower()
        if not name:
            continue
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0  # a malformed weight is no consent
        allowed[name] = q > 0
    for name in ("gzip", "x-gzip"):
        if name in allowed:
            return allowed[name]
    return allowed.get("*", False)


class GzipMemo:
    """Gzipped copies of working-tree files, made on first request and kept in memory by (path, mtime,
    size): an edited file gets a new copy, an unchanged one is compressed once per server (about 2.5 s
    of level 9 for the whole runtime, in parallel with the page's other requests)."""

    def __init__(self):
        self._copies = {}  # path -> (mtime_ns, size, gzipped bytes or None)
        self._locks = {}
        self._guard = threading.Lock()

    def get(self, path, stat):
        key = (stat.st_mtime_ns, stat.st_size)
        with self._guard:
            lock = self._locks.setdefault(path, threading.Lock())
        with lock:  # two requests for the same new file compress it once
            known = self._copies.get(path)
            if known and known[:2] == key:
                return known[2]
            with open(path, "rb") as fh:
                data = fh.read()
            packed = gzip_bytes(data) if len(data) == stat.st_size else None  # changed while read: next time
            self._copies[path] = key + (packed,)
            return packed
