"""The illustrated guide (journey 9). Routes are declared here and mounted by pwa/app.py."""

from __future__ import annotations


def routes() -> list:
    return []
