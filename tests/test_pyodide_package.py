"""scripts/pyodide_package.py: LZ4 blocks decoded as the format's specification says, and NumPy's
Pyodide package rewritten without LZ4 and without its tests, its files byte for byte the package's."""
import json
import os
import re
import shutil
import subprocess

import pytest

from conftest import REPO
from scripts.pyodide_package import PackageError, files_of, lz4_block, plain_bytes, repack

# Blocks written by hand from https://github.com/lz4/lz4/blob/dev/doc/lz4_Block_format.md: a token
# (literal count << 4 | match length - 4), literals, a little-endian offset, then a literals-only end.
BLOCKS = [
    (b"\x50hello", b"hello"),                                     # literals only
    (b"\x13a\x01\x00\x10b", b"a" * 8 + b"b"),                     # 1 literal, a match of 7 one byte back
    (b"\x22ab\x02\x00\x10c", b"ab" * 4 + b"c"),                      # a match of 6 overlapping itself, 2 back
    (b"\x30abc\x03\x00\x00", b"abcabca"),                         # a match of 4 (nibble 0), then nothing
    (b"\xf0\x03" + b"x" * 18, b"x" * 18),                         # 15 + 3 literals: one extension byte
    (b"\xf0\xff\x01" + b"y" * 271, b"y" * 271),                   # 15 + 255 + 1: an extension byte of 255
    (b"\x1fz\x01\x00\x05\x00", b"z" * 25),                        # match length 4 + 15 + 5 = 24, 1 back
]


@pytest.mark.parametrize("block, plain", BLOCKS)
def test_lz4_blocks_decode_as_the_specification_says(block, plain):
    assert lz4_block(block, len(plain)) == plain


@pytest.mark.parametrize("block, size, why", [
    (b"\x10a\x02\x00", 5, "reaches back 2 bytes into 1"),       # an offset past the start of the output
    (b"\x10a\x00\x00", 5, "reaches back 0 bytes"),              # offset 0 is invalid
    (b"\x50hello", 6, "gave 5 bytes, not 6"),
    (b"\xf0", 15, "ends inside a length"),
    (b"\x10a\x01", 5, "ends inside a match offset"),
])
def test_a_broken_lz4_block_is_refused_with_its_reason(block, size, why):
    with pytest.raises(PackageError, match=why):
        lz4_block(block, size)


@pytest.fixture(scope="module")
def numpy_package():
    dist = os.path.join(REPO, "node_modules", "@pyodide", "pyodide", "dist")
    if not os.path.isfile(os.path.join(dist, "numpy.data")):
        pytest.fail("node_modules/@pyodide/pyodide is not installed: run `npm ci` (the test command does)")
    with open(os.path.join(dist, "numpy.js")) as fh:
        js = fh.read()
    with open(os.path.join(dist, "numpy.data"), "rb") as fh:
        data = fh.read()
    return js, data


@pytest.fixture(scope="module")
def repacked(numpy_package):
    return repack(*numpy_package)


def test_numpys_files_come_out_whole(numpy_package):
    js, data = numpy_package
    files = files_of(js)
    plain = plain_bytes(js, data)
    assert len(files) > 400 and len(plain) == max(end for _, _, end in files)
    contents = {name: plain[start:end] for name, start, end in files}
    version = contents["/lib/python3.8/site-packages/numpy/version.py"].decode("utf-8")
    assert "version = '1.17.5'" in version          # the version npm's package.json gives Pyodide 0.17.1's NumPy
    shared = [name for name in contents if name.endswith(".so")]
    assert len(shared) > 10 and all(contents[name][:4] == b"\0asm" for name in shared)    # WebAssembly modules
    for name in (n for n in contents if n.endswith(".py")):
        contents[name].decode("utf-8")              # every chunk boundary decoded right, or this breaks somewhere


def test_the_repacked_package_keeps_every_file_but_the_tests(numpy_package, repacked):
    js, data = numpy_package
    old = {name: (start, end) for name, start, end in files_of(js)}
    new_js, new_data = repacked
    new = files_of(new_js)
    assert {name for name, _, _ in new} == {name for name in old if "/tests/" not in name}
    assert len(new) < len(old) - 150                # NumPy 1.17 has some 200 test files
    plain = plain_bytes(js, data)
    at = 0
    for name, start, end in new:                    # one after another, from 0 to the end of the data
        assert start == at and plain[old[name][0]:old[name][1]] == new_data[start:end], name
        at = end
    assert at == len(new_data)
    assert re.search(r"remote_package_size:%d," % len(new_data), new_js)


def test_the_repacked_loader_has_no_lz4_and_is_valid_javascript(repacked, tmp_path):
    js, _ = repacked
    assert "LZ4" not in js and "compressedData" not in js
    assert 'Module["FS_createPreloadedFile"]' in js     # the preload plugins (each .so compiled) still run
    node = shutil.which("node")
    if node is None:
        pytest.fail("node not found: it comes with the npm the test command needs")
    path = tmp_path / "numpy.js"
    path.write_text(js)
    subprocess.run([node, "--check", str(path)], check=True)


def test_a_package_in_another_layout_is_refused(repacked):
    js, data = repacked
    with pytest.raises(PackageError, match="no LZ4 chunk table"):
        repack(js, data)                            # already plain: nothing to undo
    with pytest.raises(PackageError, match="no file list"):
        repack("var x = 1;", b"")


def test_the_runtime_setting_names_only_packages_it_loads():
    with open(os.path.join(REPO, "web", "runtime.json")) as fh:
        setting = json.load(fh)
    for package in setting.get("repack", []):
        assert package in setting["packages"]
        assert package + ".js" in setting["files"] and package + ".data" in setting["files"]
