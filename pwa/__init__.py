"""Sésame: self-service companion of an académie's professional mail account."""

from __future__ import annotations

__version__ = "0.1.0"
