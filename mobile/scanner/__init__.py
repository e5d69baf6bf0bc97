"""Barcode scanner pipeline for the handheld (no Flet): camera frames and wedge keystrokes -> GS1-parsed ScanResult."""

from .debounce import DEFAULT_WINDOW_MS, Debouncer
from .decode import ATTEMPTS, FORMATS, AttemptRecord, Decoder, Decoding
from .interpret import Interpretation, interpret
from .pipeline import ScanPipeline
from .preprocess import DEFAULT_MAX_SIDE, GrayFrame, prepare, to_gray
from .result import ScanError, ScanResult, Symbol
from .wedge import KeyboardWedge
from .zbar import available as zbar_available

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
    "ScanError",
    "ScanPipeline",
    "ScanResult",
    "Symbol",
    "interpret",
    "prepare",
    "to_gray",
    "zbar_available",
]
