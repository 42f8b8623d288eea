"""scripts/build.py replaces only a folder that an earlier build made, and writes files anyone can serve."""
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
    assert headers.count("script-src 'self';") == 2  # the two page rules
    assert "/worker.js\n  Content-Security-Policy: default-src 'none'; script-src 'self' 'unsafe-eval';" in headers
