"""argon2id password hashing (DESIGN §5). The hash string is what Dovecot reads.

argon2id is slow and memory-hard by design, so hashing runs through a small gate:
at most `slots` hashes at once (one per core by default) and a bounded queue
behind them. Beyond it, or after `wait_seconds` in the queue, `HashingBusy` is
raised and the page answers a French 503 "réessayez dans un instant": a burst of
sign-ins never takes all the memory (slots × memory_cost).

The hashes themselves run on `slots` threads of their own at the lowest CPU
priority (Linux SCHED_IDLE): the event loop and the threads that render pages are
always scheduled first, so pages stay fast while sign-ins queue, and hashing still
takes every CPU cycle the pages leave (measured by reliability/load.py)."""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError


class HashingBusy(Exception):
    """Too many password checks waiting: the client should retry shortly."""

    retry_after = 5


# argon2id, OWASP Password Storage Cheat Sheet's first configuration: 19 MiB, 2 passes,
# one lane (one hash keeps one core busy, and the gate runs `slots` = cores of them).
# About 27 ms of CPU per check; measured with bench/argon2_bound.py, reasons in the
# README ("Security choices worth knowing"). Hashes made with other parameters (the
# former argon2-cffi defaults, t=3 m=64 MiB p=4) still verify, and are remade with
# these at the next password sign-in (`needs_rehash`).
TIME_COST = 2
MEMORY_COST_KIB = 19 * 1024
PARALLELISM = 1


M_MMAP_THRESHOLD = -3  # glibc <malloc.h>


def return_hash_memory_to_the_os(threshold: int = 1 << 20) -> bool:
    """Make glibc serve every allocation of `threshold` bytes or more with its own mmap,
    given back at free. Otherwise glibc's dynamic threshold soon keeps argon2's
    memory_cost buffers in its per-thread arenas (up to 8 per core), and a worker's RSS
    grows to arenas × memory_cost although only `slots` hashes ever run at once
    (measured: 365 MiB instead of about 130 at m=19 MiB). False when not glibc."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return bool(libc.mallopt(M_MMAP_THRESHOLD, threshold))
    except (OSError, AttributeError):
        return False


PR_SET_NAME = 15  # <linux/prctl.h>


def hashing_thread_setup() -> None:
    """Run once in each hashing thread: name it `argon2id` for the OS (top -H, /proc,
    reliability/load.py's CPU figures), then put it behind every other thread of the
    machine for the CPU: SCHED_IDLE on Linux, else nice 19 where the OS allows it.
    A thread only ever lowers its own priority, which needs no privilege."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").prctl(PR_SET_NAME, b"argon2id", 0, 0, 0)
    try:
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    except (AttributeError, OSError):
        with contextlib.suppress(AttributeError, OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)


T = TypeVar("T")


def default_hasher() -> PasswordHasher:
    return PasswordHasher(time_cost=TIME_COST, memory_cost=MEMORY_COST_KIB, parallelism=PARALLELISM)


class PasswordHashing:
    """argon2id with the parameters above unless told otherwise.
    Unknown accounts are checked against a dummy hash, so a wrong login costs
    the same time as a wrong password."""

    def __init__(
        self,
        hasher: PasswordHasher | None = None,
        *,
        slots: int | None = None,
        queue: int | None = None,
        wait_seconds: float = 10.0,
    ) -> None:
        self.hasher = hasher or default_hasher()
        return_hash_memory_to_the_os()
        self.slots = max(1, slots or os.cpu_count() or 1)
        self.queue = 8 * self.slots if queue is None else queue
        self.wait_seconds = wait_seconds
        self._gate = threading.BoundedSemaphore(self.slots)
        self._lock = threading.Lock()
        self._inside = 0  # running + waiting
        # The hashing threads: no more than the gate lets in at once, so nothing queues here.
        self._pool = ThreadPoolExecutor(self.slots, "argon2id", initializer=hashing_thread_setup)
        self._dummy = self.hasher.hash("sesame dummy password, never valid")

    @property
    def memory_bound_kib(self) -> int:
        """What hashing can hold at most at once, per process."""
        return self.slots * self.hasher.memory_cost

    @contextlib.contextmanager
    def _slot(self) -> Iterator[None]:
        with self._lock:
            if self._inside >= self.slots + self.queue:
                raise HashingBusy
            self._inside += 1
        try:
            if not self._gate.acquire(timeout=self.wait_seconds):
                raise HashingBusy
            try:
                yield
            finally:
                self._gate.release()
        finally:
            with self._lock:
                self._inside -= 1

    def _run(self, work: Callable[[], T]) -> T:
        """Run `work` on a low-priority hashing thread once the gate lets it in."""
        with self._slot():
            return self._pool.submit(work).result()

    def hash(self, password: str) -> str:
        return self._run(lambda: self.hasher.hash(password))

    def verify(self, stored: str | None, password: str) -> bool:
        def check() -> bool:
            try:
                return self.hasher.verify(stored or self._dummy, password)
            except (VerifyMismatchError, VerificationError, InvalidHashError):
                return False

        return self._run(check) and stored is not None

    def needs_rehash(self, stored: str) -> bool:
        return self.hasher.check_needs_rehash(stored)
