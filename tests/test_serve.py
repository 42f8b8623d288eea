"""The dev server: only files, no folder listings, a clear answer to a malformed URL, one-line flag errors;
gzip when the request accepts it, from the working tree and from a build."""
import gzip
import http.client
import os
import subprocess
import sys
from urllib.parse import urlsplit

import pytest

from conftest import REPO, start_server
from scripts.compress import accepts_gzip


@pytest.fixture(scope="module")
def server():
    server, url = start_server()
    yield urlsplit(url).netloc
    server.shutdown()


def get(netloc, path):
    connection = http.client.HTTPConnection(netloc, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@pytest.mark.parametrize("path", ["/lenet_py/", "/weights/", "/runtime/", "/runtime/pyodide/", "/lenet_py"])
def test_no_directory_listings(server, path):
    status, body = get(server, path)
    assert status in (301, 404), status
    assert b"Directory listing" not in body and b"manifest.json" not in body and b"model.py" not in body


def test_files_are_still_served(server):
    assert get(server, "/")[0] == 200
    assert get(server, "/weights/manifest.json")[0] == 200
    assert get(server, "/wheels.json")[0] == 200
    assert get(server, "/lenet_py/model.py")[0] == 404  # the page installs the wheel; sources are not served


@pytest.mark.parametrize("path", ["/%00", "/weights/%00manifest.json", "/lenet_py/model.py%00.txt"])
def test_a_nul_in_the_url_gets_400(server, path):
    assert get(server, path)[0] == 400


def test_a_malformed_request_line_gets_an_answer(server):
    import socket
    with socket.create_connection(server.split(":"), timeout=10) as connection:
        connection.sendall(b"GET / FOO/1.0\r\n\r\n")
        answer = b""
        while True:  # the old handler dropped the connection here, with nothing sent
            chunk = connection.recv(4096)
            if not chunk:
                break
            answer += chunk
    assert b"400" in answer and b"Bad request version" in answer


def test_a_built_site_is_served_with_the_worker_policy(tmp_path, runtime_ready):
    import urllib.request
    assert subprocess.run([sys.executable, os.path.join(REPO, "scripts", "build.py"), "--out", str(tmp_path / "dist")],
                          capture_output=True, timeout=300).returncode == 0
    built, url = start_server(site=str(tmp_path / "dist"))
    try:
        (tmp_path / "dist" / "weights" / "manifest.json").write_text("{}")  # served from the build, not weights/
        assert urllib.request.urlopen(url + "weights/manifest.json").read() == b"{}"
        policy = urllib.request.urlopen(url + "worker.js").headers["Content-Security-Policy"]
        assert "script-src 'self' 'unsafe-eval';" in policy and "connect-src 'self'" in policy
    finally:
        built.shutdown()


@pytest.mark.parametrize("port", ["99999", "-1", "http"])
def test_a_bad_port_is_one_line(port):
    result = subprocess.run([sys.executable, os.path.join(REPO, "scripts", "serve.py"), "--port", port],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "0-65535" in result.stderr, result.stderr


# ---- compressed responses ---------------------------------------------------------------------------

def fetch(netloc, path, **headers):
    connection = http.client.HTTPConnection(netloc, timeout=60)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def original(path):
    folder, rest = ("weights", path[len("/weights/"):]) if path.startswith("/weights/") else ("web", path[1:] or "index.html")
    with open(os.path.join(REPO, folder, rest), "rb") as fh:
        return fh.read()


GZIPPED = [("/runtime/pyodide/pyodide.asm.wasm", "application/wasm"), ("/runtime/pyodide/numpy.js", "text/javascript"),
           ("/weights/c5.weight.npy", "application/octet-stream"), ("/", "text/html")]


@pytest.mark.parametrize("path,content_type", GZIPPED)
def test_gzip_when_the_request_accepts_it(server, runtime_ready, path, content_type):
    status, headers, body = fetch(server, path, **{"Accept-Encoding": "deflate, gzip;q=0.8"})
    assert status == 200 and headers.get("content-encoding") == "gzip", headers
    assert headers["vary"] == "Accept-Encoding" and headers["content-type"] == content_type
    assert int(headers["content-length"]) == len(body) < len(original(path))
    assert gzip.decompress(body) == original(path)
    assert fetch(server, path, **{"Accept-Encoding": "gzip", "If-None-Match": headers["etag"]})[0] == 304


@pytest.mark.parametrize("accept", [None, "identity", "br", "gzip;q=0", "*;q=0", "gzip;q=0, *"])
def test_no_gzip_when_the_request_does_not_accept_it(server, runtime_ready, accept):
    path, content_type = GZIPPED[0]
    status, headers, body = fetch(server, path, **({"Accept-Encoding": accept} if accept else {}))
    assert status == 200 and "content-encoding" not in headers, headers
    assert headers["vary"] == "Accept-Encoding" and headers["content-type"] == content_type
    assert body == original(path)


def test_files_gzip_would_not_shrink_are_sent_as_they_are(server):
    status, headers, body = fetch(server, "/replay.npz", **{"Accept-Encoding": "gzip"})
    assert status == 200 and "content-encoding" not in headers and "vary" not in headers, headers
    assert body == original("/replay.npz")


@pytest.mark.parametrize("header,allowed", [("gzip", True), ("GZip", True), ("x-gzip", True), ("*", True),
                                            ("br;q=1, *;q=0.1", True), ("deflate, gzip;q=0.001", True),
                                            ("", False), ("identity", False), ("gzip;q=0", False),
                                            ("gzip;q=0.0, *", False), ("gzip;q=nonsense", False)])
def test_accept_encoding_is_read_as_rfc_9110_says(header, allowed):
    assert accepts_gzip(header) is allowed


def test_a_built_site_sends_its_gz_copies_unless_older_than_the_file(tmp_path, runtime_ready):
    out = tmp_path / "dist"
    assert subprocess.run([sys.executable, os.path.join(REPO, "scripts", "build.py"), "--out", str(out)],
                          capture_output=True, timeout=300).returncode == 0
    built, url = start_server(site=str(out))
    netloc = urlsplit(url).netloc
    try:
        status, headers, body = fetch(netloc, "/runtime/pyodide/pyodide.asm.wasm", **{"Accept-Encoding": "gzip"})
        assert headers.get("content-encoding") == "gzip" and headers["content-type"] == "application/wasm"
        assert body == (out / "runtime" / "pyodide" / "pyodide.asm.wasm.gz").read_bytes()
        assert gzip.decompress(body) == original("/runtime/pyodide/pyodide.asm.wasm")
        assert "content-encoding" not in fetch(netloc, "/runtime/pyodide/pyodide.asm.wasm")[1]
        edited = out / "weights" / "manifest.json"  # changed by hand after the build: its .gz is stale
        edited.write_text('{"edited": true}' + " " * 2000)
        os.utime(edited, (edited.stat().st_mtime + 10,) * 2)
        status, headers, body = fetch(netloc, "/weights/manifest.json", **{"Accept-Encoding": "gzip"})
        assert "content-encoding" not in headers and body.startswith(b'{"edited": true}')
    finally:
        built.shutdown()
