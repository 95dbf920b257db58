"""Installable app and offline support: service worker, offline page. Routes mounted by pwa/app.py."""

from __future__ import annotations


def routes() -> list:
    return []
