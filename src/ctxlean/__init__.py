"""ctxlean: keeps Claude agent runs cheap and fast without losing quality."""

__version__ = "0.1.0"
