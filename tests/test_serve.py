"""The dev server: only files, no folder listings, a clear answer to a malformed URL, one-line flag errors."""
import http.client
import os
import subprocess
import sys
from urllib.parse import urlsplit

import pytest

from conftest import REPO, start_server


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
