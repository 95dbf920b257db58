"""Fixtures shared by the test modules of this folder."""

from __future__ import annotations

import pytest
from support.web import make_settings

from pwa.directory import SqliteDirectory
from pwa.security.keys import Keys
from pwa.store import Store, open_store


@pytest.fixture
def store(tmp_path, database_url) -> Store:
    store = open_store(make_settings(tmp_path, database_url=database_url))
    store.migrate()
    yield store
    store.close()


@pytest.fixture
def keys():
    return Keys.from_secret("x" * 40)


@pytest.fixture
def directory(store):
    return SqliteDirectory(store, "ac-test.fr")
