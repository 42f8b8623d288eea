"""scripts/build.py replaces only a folder that an earlier build made, and writes files anyone can serve,
with reproducible .gz copies beside those gzip shrinks and sw.js listing every file with its sha256."""
import gzip
import hashlib
import json
import os
import stat
import subprocess
import sys

import pytest

from conftest import REPO

BUILD = [sys.executable, os.path.join(REPO, "scripts", "build.py")]


def build(out):
    return subprocess.run(BUILD + ["--out", str(out)], capture_output=True, text=True, timeout=300)


def snapshot(folder):
    return {os.path.relpath(os.path.join(d, f), str(folder)): open(os.path.join(d, f), "rb").read()
            for d, _, files in os.walk(str(folder)) for f in files}


def refused(result, *fragments):
    assert result.returncode != 0 and "built" not in result.stdout
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr


def test_a_folder_the_build_did_not_make_is_refused_and_kept(tmp_path, runtime_ready):
    checkout = tmp_path / "project"
    (checkout / ".git").mkdir(parents=True)
    (checkout / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (checkout / "notes.txt").write_text("mine")
    before = snapshot(checkout)
    refused(build(checkout), "was not made by this build")
    assert snapshot(checkout) == before


@pytest.mark.parametrize("where", [".", "web/dist", "weights"])
def test_folders_of_the_checkout_are_refused(where, runtime_ready):
    before = sorted(os.listdir(REPO))
    refused(build(os.path.join(REPO, where)), "--out")
    assert sorted(os.listdir(REPO)) == before and not os.path.exists(os.path.join(REPO, "web", "dist"))


def test_a_file_is_refused(tmp_path, runtime_ready):
    target = tmp_path / "site.txt"
    target.write_text("keep me")
    refused(build(target), "is not a folder")
    assert target.read_text() == "keep me"


def test_a_place_it_cannot_write_is_one_line(tmp_path, runtime_ready):
    (tmp_path / "afile").write_text("x")
    refused(build(tmp_path / "afile" / "dist"), "cannot write in")


def test_rebuilding_replaces_the_earlier_build_and_nothing_beside_it(tmp_path, runtime_ready):
    out = tmp_path / "dist"
    neighbour = tmp_path / "dist.tmp"  # the old build deleted <out>.tmp whatever it held
    neighbour.mkdir()
    (neighbour / "precious.txt").write_text("mine")
    assert build(out).returncode == 0
    (out / "stale.txt").write_text("from an older build")
    second = build(out)
    assert second.returncode == 0, second.stderr
    assert not (out / "stale.txt").exists() and (out / "index.html").is_file()
    assert (neighbour / "precious.txt").read_text() == "mine"
    assert sorted(os.listdir(str(tmp_path))) == ["dist", "dist.tmp"]  # no temporary leftovers


def test_an_empty_folder_is_used(tmp_path, runtime_ready):
    (tmp_path / "empty").mkdir()
    assert build(tmp_path / "empty").returncode == 0
    assert (tmp_path / "empty" / "weights" / "manifest.json").is_file()


@pytest.fixture
def private_weights():
    """The checkout's weights/ as training leaves it when written through a 0700 temporary folder."""
    folder = os.path.join(REPO, "weights")
    mode = stat.S_IMODE(os.stat(folder).st_mode)
    os.chmod(folder, 0o700)
    try:
        yield
    finally:
        os.chmod(folder, mode)


def test_built_files_get_the_usual_permissions(tmp_path, runtime_ready, private_weights):
    old = os.umask(0o022)
    try:
        assert build(tmp_path / "dist").returncode == 0
    finally:
        os.umask(old)
    for root, dirs, files in os.walk(str(tmp_path / "dist")):
        assert stat.S_IMODE(os.stat(root).st_mode) == 0o755, root
        for name in files:
            assert stat.S_IMODE(os.stat(os.path.join(root, name)).st_mode) == 0o644, name


def test_static_hosts_get_the_policy_headers(tmp_path, runtime_ready):
    assert build(tmp_path / "dist").returncode == 0
    headers = (tmp_path / "dist" / "_headers").read_text()
    index = (tmp_path / "dist" / "index.html").read_text()
    assert "http-equiv=\"Content-Security-Policy\"" in index
    assert headers.count("script-src 'self';") == 3  # the two page rules and the service worker's
    assert "/sw.js\n  Content-Security-Policy: default-src 'none'; script-src 'self';" in headers
    assert "/worker.js\n  Content-Security-Policy: default-src 'none'; script-src 'self' 'unsafe-eval';" in headers


# ---- compressed copies and the service worker's listing -----------------------------------------------

@pytest.fixture(scope="module")
def built(tmp_path_factory, runtime_ready):
    out = tmp_path_factory.mktemp("site") / "dist"
    result = build(out)
    assert result.returncode == 0, result.stderr
    return out


def test_large_files_get_gz_copies_that_decompress_to_them(built):
    for name in ("runtime/pyodide/pyodide.asm.wasm", "runtime/pyodide/pyodide.asm.data", "runtime/pyodide/numpy.data",
                 "runtime/pyodide/pyodide.asm.js", "weights/c5.weight.npy", "weights/manifest.json", "index.html"):
        packed = (built / (name + ".gz")).read_bytes()
        assert packed[:4] == b"\x1f\x8b\x08\x00" and packed[4:8] == b"\0\0\0\0", name  # gzip, no name, mtime 0
        assert gzip.decompress(packed) == (built / name).read_bytes(), name
        assert len(packed) < 0.95 * (built / name).stat().st_size, name


def test_files_gzip_does_not_shrink_get_no_copy(built):
    assert (built / "replay.npz").is_file() and not (built / "replay.npz.gz").exists()  # a zip already
    for packed in built.rglob("*.gz"):  # each one saves at least 5% of a file of 1 KB or more
        size = packed.with_suffix("").stat().st_size
        assert size >= 1024 and packed.stat().st_size <= 0.95 * size, packed.name


def test_the_gz_copies_are_the_same_build_after_build(built, tmp_path):
    assert build(tmp_path / "again").returncode == 0
    copies = sorted(p.relative_to(built) for p in built.rglob("*.gz"))
    assert copies and copies == sorted(p.relative_to(tmp_path / "again") for p in (tmp_path / "again").rglob("*.gz"))
    for name in copies:
        assert (built / name).read_bytes() == (tmp_path / "again" / name).read_bytes(), name


def test_sw_js_lists_every_file_with_its_sha256(built):
    worker = (built / "sw.js").read_text()
    site = json.loads(worker.split("const SITE = ", 1)[1].split(";  // written by", 1)[0])
    files = {str(p.relative_to(built)) for p in built.rglob("*") if p.is_file()}
    expected = {f for f in files if not f.endswith(".gz")} - {"sw.js", "_headers", ".lenet-py-build"}
    assert set(site["files"]) == expected and "lenet_py-0.1.0-py3-none-any.whl" in expected
    for name, sha in site["files"].items():
        assert hashlib.sha256((built / name).read_bytes()).hexdigest() == sha, name
    assert site["runtime"] == "runtime/pyodide/" and len(site["version"]) == 16
