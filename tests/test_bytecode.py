"""scripts/bytecode.py without the browser: what it imports, when it makes the file again, and that
the setup goes on without it."""
import pytest

from scripts import bytecode

PYC = "/lib/python3.8/__pycache__/os.cpython-38.pyc"


def test_imports_are_found_inside_functions_and_relative_ones_left_out():
    source = "import os, numpy.linalg as la\nfrom . import model\ndef f():\n    import zipfile\n    from json import dumps\n"
    assert bytecode.imported(source) == {"os", "numpy.linalg", "zipfile", "json"}


def test_the_page_imports_what_lenet_py_and_the_worker_import():
    names = bytecode.page_imports(bytecode.lenet_py_sources())
    assert {"numpy", "lenet_py.worker_api", "zipfile", "py_compile", "hashlib"} <= set(names)


@pytest.mark.parametrize("path", ["/lib/python3.8/os.py", "/app/__pycache__/x.cpython-38.pyc",
                                  "/lib/python3.8/../__pycache__/x.cpython-38.pyc", "/lib/python3.8/a.b/__pycache__/x.cpython-38.pyc"])
def test_a_module_the_page_would_refuse_is_not_written(path):
    with pytest.raises(ValueError, match="refuse"):
        bytecode.checked([[PYC, b"x"], [path, b"y"]])
    with pytest.raises(ValueError, match="nothing"):
        bytecode.checked([])
    assert bytecode.checked([[PYC, b"x"]]) == [[PYC, b"x"]]


@pytest.fixture
def runtime(tmp_path, monkeypatch):
    """A runtime folder with one file, Chromium "present", and a runtime that compiles one module."""
    (tmp_path / "pyodide.js").write_text("one")
    monkeypatch.setattr(bytecode, "CHROMIUM", str(tmp_path / "pyodide.js"))
    calls = []
    monkeypatch.setattr(bytecode, "compile_in_runtime", lambda sources: calls.append(1) or
                        {"python": "3.8.2", "files": [[PYC, b"compiled"]]})
    return tmp_path, calls


def test_the_file_is_made_again_only_when_what_it_is_made_from_changes(runtime):
    folder, calls = runtime
    assert "1 modules compiled" in bytecode.write(str(folder), "b.data", ["pyodide.js"])
    data = (folder / "b.data").read_bytes()
    assert data.endswith(b"compiled") and bytecode.header(str(folder / "b.data"))["files"] == [[PYC, 8]]
    assert "up to date" in bytecode.write(str(folder), "b.data", ["pyodide.js"])
    assert len(calls) == 1
    (folder / "pyodide.js").write_text("another runtime")
    assert "compiled" in bytecode.write(str(folder), "b.data", ["pyodide.js"])
    assert len(calls) == 2


def test_without_chromium_or_when_the_runtime_fails_there_is_no_file_and_setup_goes_on(runtime, monkeypatch):
    folder, _ = runtime
    bytecode.write(str(folder), "b.data", ["pyodide.js"])
    (folder / "pyodide.js").write_text("another runtime")  # the file there is stale now

    def broken(sources):
        raise RuntimeError("Target page, context or browser has been closed\nmore")
    monkeypatch.setattr(bytecode, "compile_in_runtime", broken)
    report = bytecode.write(str(folder), "b.data", ["pyodide.js"])
    assert report.startswith("bytecode: skipped") and "has been closed)" in report and "\n" not in report
    assert not (folder / "b.data").exists()
    (folder / "b.data").write_bytes(bytecode.pack("3.8.2", [[PYC, b"old"]], "made from another runtime"))
    monkeypatch.setattr(bytecode, "CHROMIUM", str(folder / "no-chromium"))
    assert "no Chromium" in bytecode.write(str(folder), "b.data", ["pyodide.js"])
    assert not (folder / "b.data").exists()
