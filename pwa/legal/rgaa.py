"""The RGAA 4.1 self-audit grid (pwa/legal/rgaa.toml): parsed, validated, summed up.

`parse()` is pure: it takes the TOML text and returns an `Audit`, or raises `GridError`
listing every problem (a criterion missing or twice, an unknown status or method, a
check without the test or note it needs). `Audit` computes what the statement shows:
the conformance rate the RGAA way (conformant criteria / applicable criteria) and the
resulting level. `missing_tests()` finds the test references that name no test; it reads
the tests folder, so only the test suite calls it (the installed app has no tests)."""

from __future__ import annotations

import ast
import datetime as dt
import math
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import NamedTuple

GRID = Path(__file__).with_name("rgaa.toml")

# RGAA 4.1: 13 themes, their number of criteria (106 in all).
THEMES = {
    1: ("Images", 9),
    2: ("Cadres", 2),
    3: ("Couleurs", 3),
    4: ("Multimédia", 13),
    5: ("Tableaux", 8),
    6: ("Liens", 2),
    7: ("Scripts", 5),
    8: ("Éléments obligatoires", 10),
    9: ("Structuration de l'information", 4),
    10: ("Présentation de l'information", 14),
    11: ("Formulaires", 13),
    12: ("Navigation", 11),
    13: ("Consultation", 12),
}
CRITERIA = [f"{theme}.{n}" for theme, (_, count) in THEMES.items() for n in range(1, count + 1)]
CONFORME, NON_CONFORME, NON_APPLICABLE = "conforme", "non conforme", "non applicable"
STATUSES = (CONFORME, NON_CONFORME, NON_APPLICABLE)
METHODS = {
    "automatique": "automatique (axe-core dans un vrai navigateur)",
    "test navigateur": "test dans un vrai navigateur",
    "manuel": "vérification manuelle",
}
TESTED = ("automatique", "test navigateur")
MONTHS = ("janvier février mars avril mai juin juillet août septembre octobre novembre décembre").split()


class SamplePage(NamedTuple):
    path: str
    title: str
    detail: str  # the states and pages walked from there


class GridError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("RGAA grid: " + "; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Criterion:
    id: str
    title: str
    status: str
    method: str
    tests: tuple[str, ...]
    note: str
    plan: str

    @property
    def theme(self) -> int:
        return int(self.id.split(".")[0])

    @property
    def method_label(self) -> str:
        return METHODS[self.method]


@dataclass(frozen=True)
class Theme:
    number: int
    name: str
    criteria: tuple[Criterion, ...]

    def count(self, status: str) -> int:
        return sum(c.status == status for c in self.criteria)


@dataclass(frozen=True)
class Audit:
    date: dt.date
    auditor: str
    environment: str
    tools: tuple[str, ...]
    technologies: tuple[str, ...]
    sample: tuple[SamplePage, ...]
    out_of_scope: tuple[tuple[str, str], ...]  # (title, reason)
    derogations: tuple[tuple[str, str], ...]  # (title, reason)
    criteria: tuple[Criterion, ...]

    def count(self, status: str) -> int:
        return sum(c.status == status for c in self.criteria)

    @property
    def applicable(self) -> int:
        return self.count(CONFORME) + self.count(NON_CONFORME)

    @property
    def rate(self) -> float:
        """Conformant criteria / applicable criteria, in percent (RGAA's rate)."""
        return 100 * self.count(CONFORME) / self.applicable if self.applicable else 100.0

    @property
    def rate_text(self) -> str:
        """Rounded down, so that 99.6 % is never shown as 100 %."""
        return f"{math.floor(self.rate)} %"

    @property
    def level(self) -> str:
        if self.count(NON_CONFORME) == 0:
            return "totalement conforme"
        return "partiellement conforme" if self.rate >= 50 else "non conforme"

    @property
    def non_conformities(self) -> tuple[Criterion, ...]:
        return tuple(c for c in self.criteria if c.status == NON_CONFORME)

    @property
    def themes(self) -> tuple[Theme, ...]:
        return tuple(Theme(n, name, tuple(c for c in self.criteria if c.theme == n)) for n, (name, _) in THEMES.items())

    @property
    def date_text(self) -> str:
        day = "1er" if self.date.day == 1 else str(self.date.day)
        return f"{day} {MONTHS[self.date.month - 1]} {self.date.year}"

    def count_method(self, method: str) -> int:
        return sum(c.method == method for c in self.criteria)


def parse(text: str) -> Audit:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise GridError([f"not TOML: {error}"]) from None
    problems: list[str] = []
    head = data.get("audit", {})
    date = head.get("date")
    if not isinstance(date, dt.date):
        problems.append("[audit] date must be a TOML date (2026-12-01)")
    for key in ("auditor", "environment"):
        if not isinstance(head.get(key), str) or not head.get(key):
            problems.append(f"[audit] {key} is missing")
    sample = tuple(
        SamplePage(s.get("path", ""), s.get("title", ""), s.get("detail", "")) for s in data.get("sample", [])
    )
    if not sample or any(not s.path.startswith("/") or not s.title for s in sample):
        problems.append("the sample needs pages, each with a path and a title")
    criteria, seen = [], set()
    for raw in data.get("criteria", []):
        criterion, errors = _criterion(raw)
        problems += errors
        if criterion.id in seen:
            problems.append(f"{criterion.id} is listed twice")
        seen.add(criterion.id)
        criteria.append(criterion)
    missing = [c for c in CRITERIA if c not in seen]
    if missing:
        problems.append("criteria missing: " + ", ".join(missing))
    unknown = sorted(seen - set(CRITERIA))
    if unknown:
        problems.append("not RGAA 4.1 criteria: " + ", ".join(unknown))
    if problems:
        raise GridError(problems)
    criteria.sort(key=lambda c: tuple(int(n) for n in c.id.split(".")))

    def pairs(name: str, a: str, b: str) -> tuple[tuple[str, str], ...]:
        return tuple((e.get(a, ""), e.get(b, "")) for e in data.get(name, []))

    return Audit(
        date=date,
        auditor=head["auditor"],
        environment=head["environment"],
        tools=tuple(head.get("tools", ())),
        technologies=tuple(head.get("technologies", ())),
        sample=sample,
        out_of_scope=pairs("out_of_scope", "title", "reason"),
        derogations=pairs("derogation", "title", "reason"),
        criteria=tuple(criteria),
    )


def _criterion(raw: dict) -> tuple[Criterion, list[str]]:
    c = Criterion(
        id=str(raw.get("id", "?")),
        title=str(raw.get("title", "")).strip(),
        status=str(raw.get("status", "")),
        method=str(raw.get("method", "")),
        tests=tuple(raw.get("tests", ())),
        note=str(raw.get("note", "")).strip(),
        plan=str(raw.get("plan", "")).strip(),
    )
    problems = []
    if not c.title:
        problems.append(f"{c.id}: no title")
    if c.status not in STATUSES:
        problems.append(f"{c.id}: status {c.status!r} is not one of {', '.join(STATUSES)}")
    if c.method not in METHODS:
        problems.append(f"{c.id}: method {c.method!r} is not one of {', '.join(METHODS)}")
    if c.method in TESTED and not c.tests:
        problems.append(f"{c.id}: a {c.method} check names its tests")
    if any(not isinstance(t, str) or "::" not in t for t in c.tests):
        problems.append(f"{c.id}: tests are written tests/<file>.py::<function>")
    if c.method == "manuel" and not c.note:
        problems.append(f"{c.id}: a manual check says what was looked at (note)")
    if c.status == NON_APPLICABLE and not c.note:
        problems.append(f"{c.id}: say why it does not apply (note)")
    if c.status == NON_CONFORME and not (c.note and c.plan):
        problems.append(f"{c.id}: a non-conformity says what is wrong (note) and the plan")
    return c, problems


def missing_tests(audit: Audit, root: Path) -> list[str]:
    """The references `tests/<file>.py::<function>` that name no test function under root."""
    defined: dict[str, set[str]] = {}
    missing = []
    for criterion in audit.criteria:
        for ref in criterion.tests:
            path, _, name = ref.partition("::")
            if path not in defined:
                file = root / path
                tree = ast.parse(file.read_text()) if file.is_file() else ast.Module([], [])
                defined[path] = {
                    node.name
                    for node in ast.walk(tree)
                    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test")
                }
            if name not in defined[path]:
                missing.append(f"{criterion.id}: {ref}")
    return missing


@cache
def load() -> Audit:
    """The shipped grid, parsed once per process."""
    return parse(GRID.read_text(encoding="utf-8"))
