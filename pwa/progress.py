"""Progress of a long command (`sesame import`, `sesame letters`) on stderr: a bar redrawn
in place on a terminal, plain lines otherwise (a log file, a pipe, cron)."""

from __future__ import annotations

import sys
from typing import TextIO

WIDTH = 30


class Progress:
    def __init__(self, what: str, *, tty: bool | None = None, stream: TextIO | None = None, every: int = 500) -> None:
        self.what = what  # "lignes enregistrées", "lettres préparées"
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.every = every  # plain lines: one every `every` items, and the last

    def step(self, total: int) -> int:
        """How often the work should report: often enough for a smooth bar."""
        return max(1, total // 100) if self.tty else self.every

    def __call__(self, done: int, total: int) -> None:
        if not self.tty:
            if done % self.every == 0 or done == total:
                self.stream.write(f"{done} / {total} {self.what}…\n")
                self.stream.flush()
            return
        filled = WIDTH * done // max(total, 1)
        bar = "█" * filled + "·" * (WIDTH - filled)
        end = "\n" if done >= total else ""
        self.stream.write(f"\r{bar} {100 * done // max(total, 1):3d} % ({done} / {total} {self.what}){end}")
        self.stream.flush()
