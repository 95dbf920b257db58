"""The SQLite file under several workers: WAL, busy timeout, BEGIN IMMEDIATE."""

from __future__ import annotations

import multiprocessing

from pwa.security.throttle import Throttle
from pwa.store import Store


def _hammer(path: str, worker: int, n: int) -> None:
    store = Store(path)
    throttle = Throttle(store)
    for i in range(n):
        throttle.fail(f"account:{i % 7}", f"10.0.0.{worker}", "password")
    store.close()


def test_several_processes_write_without_losing_anything(tmp_path):
    path = str(tmp_path / "shared.db")
    store = Store(path)
    store.migrate()
    assert store.one("pragma journal_mode")["journal_mode"] == "wal"
    ctx = multiprocessing.get_context("spawn")
    workers = [ctx.Process(target=_hammer, args=(path, w, 150)) for w in range(4)]
    for p in workers:
        p.start()
    for p in workers:
        p.join(60)
    assert [p.exitcode for p in workers] == [0, 0, 0, 0]
    assert store.one("select count(*) as n from failures")["n"] == 600


def test_nested_writes_roll_back_together(tmp_path):
    store = Store(tmp_path / "t.db")
    store.migrate()
    try:
        with store.write() as db:
            db["meta"].insert({"key": "a", "value": "1"})
            with store.write() as inner:
                inner["meta"].insert({"key": "b", "value": "2"})
            raise RuntimeError("half-way")
    except RuntimeError:
        pass
    assert store.query("select * from meta") == []
