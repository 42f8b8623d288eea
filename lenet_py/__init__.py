"""A pure-NumPy LeNet-5: layers, model, weight files and input preprocessing.

The same files run in CPython for training and in Pyodide (Python 3.8, NumPy 1.17) in the page.
"""
from .model import LeNet5, ModelConfig
from .preprocess import normalize

__all__ = ["LeNet5", "ModelConfig", "normalize"]
__version__ = "0.1.0"
