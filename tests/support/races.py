"""Two requests at once: each call in its own thread, made to meet between the read
that decides and the write that follows it (`meet_before` the write, or `meet_after`
the read). Without a lock, both read before either writes. When the code under test
serialises them (a lock, BEGIN IMMEDIATE), the first waits alone at the meeting point
until its timeout, then goes on; the second finds the meeting broken and goes on at once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

MEET_SECONDS = 2.0  # under SQLite's busy timeout (5 s): the serialised writer never gives up


def at_once(*calls: Callable[[], Any]) -> list[Any]:
    """The result of each call, or the exception it raised, in the calls' order."""
    results: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        try:
            results[i] = calls[i]()
        except Exception as exc:  # returned to the test, which says what it expected
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not any(thread.is_alive() for thread in threads), "a call never returned (deadlock?)"
    return results


def both(fn: Callable[[int], Any]) -> list[Any]:
    """`fn(0)` and `fn(1)` at once."""
    return at_once(lambda: fn(0), lambda: fn(1))


def meet_before(monkeypatch, owner: Any, name: str, parties: int = 2) -> threading.Barrier:
    """Patch `owner.name` so that `parties` threads meet before running it."""
    barrier = threading.Barrier(parties)
    original = getattr(owner, name)

    def met(*args: Any, **kwargs: Any) -> Any:
        try:
            barrier.wait(timeout=MEET_SECONDS)
        except threading.BrokenBarrierError:
            pass  # the other one was kept waiting (serialised): go on alone
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, met)
    return barrier


def meet_after(monkeypatch, cls: type, name: str) -> None:
    """Both callers of `cls.name` wait for each other once it returned (the read done).
    A caller the store keeps waiting (a lock, SQLite's one writer) never arrives: the
    other goes on after MEET_SECONDS (serialised, as it should be)."""
    barrier = threading.Barrier(2, timeout=MEET_SECONDS)
    original = getattr(cls, name)
    static = isinstance(cls.__dict__.get(name), staticmethod)

    def wrapped(*args, **kwargs):
        result = original(*args, **kwargs)
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            pass
        return result

    monkeypatch.setattr(cls, name, staticmethod(wrapped) if static else wrapped)


def errors(results: list[Any]) -> list[str]:
    return [repr(r)[:300] for r in results if isinstance(r, Exception)]
