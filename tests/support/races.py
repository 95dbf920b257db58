"""Two threads at once through one service call, with a barrier between a read and the
write that depends on it: without a lock, both read before either writes."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

BARRIER_SECONDS = 2.0  # a writer serialised by the store's lock waits here, then goes on


def at_once(fn: Callable[[int], Any]) -> list[Any]:
    """`fn(0)` and `fn(1)` in two threads; each result, or the exception raised."""
    out: list[Any] = [None, None]

    def go(i: int) -> None:
        try:
            out[i] = fn(i)
        except Exception as error:  # noqa: BLE001 - the test asserts on it
            out[i] = error

    threads = [threading.Thread(target=go, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not any(t.is_alive() for t in threads), "a thread is stuck"
    return out


def meet_after(monkeypatch, cls: type, name: str) -> None:
    """Both callers of `cls.name` wait for each other once it returned (the read done).
    A caller the store keeps waiting (a lock, SQLite's one writer) never arrives: the
    other goes on after BARRIER_SECONDS (serialised, as it should be)."""
    barrier = threading.Barrier(2, timeout=BARRIER_SECONDS)
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
