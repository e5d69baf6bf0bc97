"""Barcode scanner pipeline for the handheld (no Flet): camera frames and wedge keystrokes -> GS1-parsed ScanResult.

The frame decoder (zxing-cpp, OpenCV, numpy, zbar) is imported on first use of its names, so that importing this
package works where those are absent: the PWA runs in the browser (Pyodide) and decodes with zxing-cpp's
WebAssembly build instead.
"""

from importlib import import_module
from typing import Any

from .budget import RetryBudget
from .debounce import DEFAULT_WINDOW_MS, Debouncer
from .interpret import Interpretation, interpret
from .result import ScanError, ScanResult, Symbol
from .wedge import KeyboardWedge

_LAZY = {
    "ATTEMPTS": ("decode", "ATTEMPTS"), "FORMATS": ("decode", "FORMATS"), "AttemptRecord": ("decode", "AttemptRecord"),
    "Decoder": ("decode", "Decoder"), "Decoding": ("decode", "Decoding"), "ScanPipeline": ("pipeline", "ScanPipeline"),
    "LiveDecoder": ("live", "LiveDecoder"),
    "DEFAULT_MAX_SIDE": ("preprocess", "DEFAULT_MAX_SIDE"), "GrayFrame": ("preprocess", "GrayFrame"),
    "prepare": ("preprocess", "prepare"), "to_gray": ("preprocess", "to_gray"), "zbar_available": ("zbar", "available"),
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module, attr = _LAZY[name]
    value = getattr(import_module(f".{module}", __name__), attr)
    globals()[name] = value
    return value


__all__ = [
    "ATTEMPTS",
    "DEFAULT_MAX_SIDE",
    "DEFAULT_WINDOW_MS",
    "FORMATS",
    "AttemptRecord",
    "Debouncer",
    "Decoder",
    "Decoding",
    "GrayFrame",
    "Interpretation",
    "KeyboardWedge",
    "LiveDecoder",
    "RetryBudget",
    "ScanError",
    "ScanPipeline",
    "ScanResult",
    "Symbol",
    "interpret",
    "prepare",
    "to_gray",
    "zbar_available",
]
