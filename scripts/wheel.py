"""Build the pure-Python wheel of lenet_py that the page's worker unpacks into site-packages.

    python scripts/wheel.py [--out DIR]      # writes DIR/lenet_py-<version>-py3-none-any.whl

Name, version and dependencies come from pyproject.toml. The wheel is written here rather than by
`pip wheel .` because the dev server rebuilds it whenever a file in lenet_py/ changes, so that an
edit shows on reload: this takes milliseconds and needs no build backend, where pip's isolated
build takes seconds. `tests/test_wheel.py` checks that pip installs the result.

Wheel format: PEP 427 (a zip with the package and a .dist-info folder: METADATA, WHEEL, RECORD).
"""
import base64
import hashlib
import io
import os
import sys
import zipfile

if __name__ == "__main__":  # run as a script: make the repository's packages importable
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from train.cli import REPO, OneLineParser  # noqa: E402

WHEEL_INDEX = "wheels.json"  # {"lenet_py": "<wheel file name>"}: how the worker learns the name


def project():
    """[project] of pyproject.toml (tomllib is Python 3.11+, as the tools that build the site are)."""
    import tomllib
    with open(os.path.join(REPO, "pyproject.toml"), "rb") as fh:
        return tomllib.load(fh)["project"]


def wheel_name():
    meta = project()
    return "%s-%s-py3-none-any.whl" % (meta["name"], meta["version"])


def _record_hash(data):
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def build_wheel(package_dir=None):
    """The wheel's bytes, from ``package_dir`` (default lenet_py/) and pyproject.toml."""
    package_dir = package_dir or os.path.join(REPO, "lenet_py")
    meta = project()
    dist_info = "%s-%s.dist-info" % (meta["name"], meta["version"])
    files = [("lenet_py/" + name, open(os.path.join(package_dir, name), "rb").read())
             for name in sorted(os.listdir(package_dir)) if name.endswith(".py")]
    metadata = ["Metadata-Version: 2.1", "Name: " + meta["name"], "Version: " + meta["version"],
                "Summary: " + meta.get("description", ""), "Requires-Python: " + meta.get("requires-python", "")]
    metadata += ["Requires-Dist: " + dependency for dependency in meta.get("dependencies", [])]
    files.append((dist_info + "/METADATA", ("\n".join(metadata) + "\n").encode()))
    files.append((dist_info + "/WHEEL", b"Wheel-Version: 1.0\nGenerator: lenet_py scripts/wheel.py\n"
                                        b"Root-Is-Purelib: true\nTag: py3-none-any\n"))
    record = "".join("%s,%s,%d\n" % (path, _record_hash(data), len(data)) for path, data in files)
    files.append((dist_info + "/RECORD", (record + dist_info + "/RECORD,,\n").encode()))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in files:
            # A fixed date: the same sources give the same bytes, whenever they are built.
            archive.writestr(zipfile.ZipInfo(path, date_time=(2020, 1, 1, 0, 0, 0)), data, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def write_wheel(out, package_dir=None):
    """Write the wheel and wheels.json into ``out``; returns the wheel's path."""
    import json
    os.makedirs(out, exist_ok=True)
    path = os.path.join(out, wheel_name())
    with open(path, "wb") as fh:
        fh.write(build_wheel(package_dir))
    with open(os.path.join(out, WHEEL_INDEX), "w") as fh:
        json.dump({"lenet_py": wheel_name()}, fh)
    return path


def main():
    parser = OneLineParser(description="Build the lenet_py wheel the page's worker unpacks.")
    parser.add_argument("--out", required=True, help="folder for the wheel and wheels.json")
    print(write_wheel(os.path.abspath(parser.parse_args().out)))


if __name__ == "__main__":
    main()
