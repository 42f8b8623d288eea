"""The lenet_py wheel the page's worker unpacks: pip accepts it and it holds every module."""
import os
import subprocess
import sys
import zipfile

from conftest import REPO
from scripts.wheel import build_wheel, wheel_name, write_wheel


def test_pip_installs_the_wheel_and_it_holds_every_module(tmp_path):
    path = write_wheel(str(tmp_path / "wheels"))
    assert os.path.basename(path) == wheel_name() and wheel_name().endswith("-py3-none-any.whl")
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
                    "--disable-pip-version-check", "--target", str(target), path], check=True, timeout=120)
    modules = sorted(f for f in os.listdir(os.path.join(REPO, "lenet_py")) if f.endswith(".py"))
    assert sorted(f for f in os.listdir(str(target / "lenet_py")) if f.endswith(".py")) == modules
    probe = "import lenet_py.worker_api, lenet_py; print(lenet_py.__file__)"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=str(tmp_path),
                         env=dict(os.environ, PYTHONPATH=str(target)), check=True).stdout
    assert out.startswith(str(target))


def test_the_wheel_is_the_code_as_it_is_now(tmp_path):
    package = tmp_path / "lenet_py"
    package.mkdir()
    (package / "__init__.py").write_text("EDITED = True\n")
    with zipfile.ZipFile(__import__("io").BytesIO(build_wheel(str(package)))) as archive:
        assert archive.read("lenet_py/__init__.py") == b"EDITED = True\n"
    assert build_wheel() == build_wheel()  # the same sources give the same bytes
