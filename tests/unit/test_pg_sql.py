"""The SQL of the code is written once with SQLite's placeholders; pwa.pg.translate gives
psycopg the same statement (no database needed here)."""

from __future__ import annotations

import pytest

from pwa.pg import adapt, translate


@pytest.mark.parametrize(
    ("sqlite", "postgres"),
    [
        ("select * from accounts where id = ?", "select * from accounts where id = %s"),
        ("update t set a = ?, b = ? where c = ?", "update t set a = %s, b = %s where c = %s"),
        (
            "select * from a where x = :q and y in (:n0, :n1)",
            "select * from a where x = %(q)s and y in (%(n0)s, %(n1)s)",
        ),
        # quoted text keeps its ? and :name; every % is doubled, as psycopg reads them all
        ("select 1 where e like 'app_password.%' and f = ?", "select 1 where e like 'app_password.%%' and f = %s"),
        ("select 'what? :not-a-name' as t, ? as v", "select 'what? :not-a-name' as t, %s as v"),
        ("select 'it''s ?' as t", "select 'it''s ?' as t"),
        ("select fold(c) like :q escape '\\'", "select fold(c) like %(q)s escape '\\'"),
        ('select "odd?name" from t', 'select "odd?name" from t'),
    ],
)
def test_placeholders_become_psycopg_ones_and_quoted_text_stays(sqlite, postgres):
    assert translate(sqlite) == postgres


def test_booleans_are_stored_as_sqlite_stores_them():
    assert adapt([True, False, 3, "x", None]) == [1, 0, 3, "x", None]
    assert adapt({"a": True, "b": 2.5}) == {"a": 1, "b": 2.5}
