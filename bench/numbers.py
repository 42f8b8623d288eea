"""Whole numbers of real handwriting through the page in Chromium, and through CPython.

    python bench/numbers.py [--count 200] [--seed 0] [--no-page] [--cpython-count 1000] [--weights DIR] [--json]

The benchmark itself is bench/number_figures.py (its docstring says what is measured); this file
only starts it. Its name is also the standard library's "numbers", which any script in bench/
imports through NumPy with this folder first on its path: imported, it becomes that module.
"""
import os
import sys

if __name__ == "__main__":
    sys.path[0] = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))   # the repository, not bench/
    from bench.number_figures import main
    main()
else:
    import importlib.util
    import sysconfig
    _spec = importlib.util.spec_from_file_location("numbers", os.path.join(sysconfig.get_paths()["stdlib"], "numbers.py"))
    _module = importlib.util.module_from_spec(_spec)
    sys.modules["numbers"] = _module
    _spec.loader.exec_module(_module)
