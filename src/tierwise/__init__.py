"""tierwise: grade an e-commerce platform's ecosystem partners into levels."""

__version__ = "0.1.0"
