"""Shared fixtures: a real SQLite file, the real app, a real SMTP server on
loopback, and HTML parsed (not substring-matched) for assertions."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.register_assert_rewrite("support")  # before any support module is imported

# Fixtures for the whole suite: Chromium (support/browser.py), a Dovecot and the session's
# slapd (support/slapd.py, for the LDAP backend).
pytest_plugins = ["support.browser", "support.dovecot", "support.slapd", "support.postgres"]

from aiosmtpd.controller import Controller  # noqa: E402
from starlette.testclient import TestClient  # noqa: E402
from support.web import (  # noqa: E402
    JEAN,
    JEANNE,
    LDAP_PEOPLE,
    LDAP_STAFF_CSV,
    STAFF_CSV,
    Clock,
    Person,
    SmtpSink,
    fast_hashing,
    make_settings,
)

from pwa.mail.demo_smtp import free_port  # noqa: E402
from pwa.settings import Settings  # noqa: E402


@pytest.fixture
def backend() -> str:
    """The directory backend; test modules that run on both override it with
    `@pytest.fixture(params=["sqlite", "ldap"])`."""
    return "sqlite"


# The unit and HTTP tests that use a database run on each engine (SESAME_TEST_ENGINES,
# comma-separated, narrows it); browser tests and those marked sqlite_only on SQLite.
ENGINES = [e for e in os.environ.get("SESAME_TEST_ENGINES", "sqlite,postgresql").split(",") if e]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "engine" not in metafunc.fixturenames:
        return
    layer = Path(str(metafunc.definition.fspath)).parent.name
    if layer in ("unit", "http") and not metafunc.definition.get_closest_marker("sqlite_only"):
        metafunc.parametrize("engine", ENGINES, indirect=True)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The LDAP backend keeps its own rows in Sésame's store the same way on either
    engine: its tests run on SQLite only, which keeps the suite's time in bounds."""
    dropped = [
        item
        for item in items
        if getattr(item, "callspec", None)
        and item.callspec.params.get("backend") == "ldap"  # type: ignore[attr-defined]
        and item.callspec.params.get("engine") == "postgresql"  # type: ignore[attr-defined]
    ]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [item for item in items if item not in dropped]


@pytest.fixture
def engine(request) -> str:
    """The database engine of this test: sqlite unless parametrised above."""
    return getattr(request, "param", "sqlite")


@pytest.fixture
def database_url(engine: str, request) -> str:
    """With PostgreSQL: a new empty database of the session's server for this test."""
    if engine != "postgresql":
        return ""
    return request.getfixturevalue("postgres").database()


@pytest.fixture
def ldap_base(backend: str, request) -> str | None:
    """With the LDAP backend: a fresh subtree of the session's slapd for this test."""
    if backend != "ldap":
        return None
    return request.getfixturevalue("slapd").subtree()


@pytest.fixture
def settings(tmp_path: Path, backend: str, ldap_base: str | None, database_url: str, request) -> Settings:
    if backend == "ldap":
        return make_settings(
            tmp_path, database_url=database_url, **request.getfixturevalue("slapd").settings(ldap_base)
        )
    return make_settings(tmp_path, database_url=database_url)


@pytest.fixture
def app(settings: Settings):
    from pwa.app import create_app

    return create_app(settings, hashing=fast_hashing())


@pytest.fixture
def sesame(app):
    return app.state.sesame


@pytest.fixture
def people(sesame, backend: str, ldap_base: str | None, request) -> dict[str, Person]:
    from pwa.importer import import_staff, parse_staff_csv

    csv = STAFF_CSV
    if backend == "ldap":
        ldap = request.getfixturevalue("slapd")
        for uid, mail, first, last, uai in LDAP_PEOPLE:
            ldap.add_person(ldap_base, uid, mail, first, last, uai=uai)
        csv = LDAP_STAFF_CSV
    parsed = parse_staff_csv(csv.encode())
    assert not parsed.errors
    import_staff(parsed.rows, store=sesame.store, directory=sesame.directory, keys=sesame.keys)
    return {"jean": JEAN, "jeanne": JEANNE}


@pytest.fixture
def clock(sesame) -> Clock:
    clock = Clock()
    sesame.store.clock = clock
    return clock


@pytest.fixture
def client(app) -> Iterator[TestClient]:
    with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def smtp(tmp_path: Path) -> Iterator[tuple[SmtpSink, int]]:
    sink = SmtpSink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield sink, controller.port
    finally:
        controller.stop()
