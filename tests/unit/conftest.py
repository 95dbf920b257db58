"""Fixtures shared by the test modules of this folder."""

from __future__ import annotations

import pytest

from pwa.directory import SqliteDirectory
from pwa.security.keys import Keys
from pwa.store import Store


@pytest.fixture
def store(tmp_path):
    store = Store(tmp_path / "t.db")
    store.migrate()
    yield store
    store.close()


@pytest.fixture
def keys():
    return Keys.from_secret("x" * 40)


@pytest.fixture
def directory(store):
    return SqliteDirectory(store, "ac-test.fr")
