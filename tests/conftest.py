"""Shared fixtures: a real SQLite file, the real app, a real SMTP server on
loopback, and HTML parsed (not substring-matched) for assertions."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.register_assert_rewrite("support")  # before any support module is imported

# Fixtures for the whole suite: Chromium (support/browser.py), a Dovecot and the session's
# slapd (support/slapd.py, for the LDAP backend).
pytest_plugins = ["support.browser", "support.dovecot", "support.slapd"]

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


@pytest.fixture
def ldap_base(backend: str, request) -> str | None:
    """With the LDAP backend: a fresh subtree of the session's slapd for this test."""
    if backend != "ldap":
        return None
    return request.getfixturevalue("slapd").subtree()


@pytest.fixture
def settings(tmp_path: Path, backend: str, ldap_base: str | None, request) -> Settings:
    if backend == "ldap":
        return make_settings(tmp_path, **request.getfixturevalue("slapd").settings(ldap_base))
    return make_settings(tmp_path)


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
