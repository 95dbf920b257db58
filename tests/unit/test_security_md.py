"""SECURITY.md stays true: every test it names exists, every ASVS row says how the
requirement is covered or why not, and every chapter it promises is there."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHAPTERS = ("V2", "V3", "V4", "V5", "V6", "V7", "V8", "V9", "V13", "V14")
REFERENCE = re.compile(r"tests/([\w/]+\.py)::(\w+)")


def rows(text: str) -> list[list[str]]:
    """The ASVS table rows: | id | requirement | status | tests or reason |."""
    out = []
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("| ") and re.fullmatch(r"\d+\.\d+\.\d+(–\d+\.\d+\.\d+)?|\d+\.\d+\.x", cells[0]):
            out.append(cells)
    return out


def defined_tests(path: Path) -> set[str]:
    if not path.is_file():
        return set()
    tree = ast.parse(path.read_text())
    return {
        n.name
        for n in ast.walk(tree)
        if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and n.name.startswith("test")
    }


def missing_references(text: str) -> list[str]:
    return [
        f"tests/{file}::{name}"
        for file, name in REFERENCE.findall(text)
        if name not in defined_tests(ROOT / "tests" / file)
    ]


def test_every_test_named_in_security_md_exists():
    text = (ROOT / "SECURITY.md").read_text()
    assert len(REFERENCE.findall(text)) > 50
    assert missing_references(text) == []


def test_a_renamed_test_is_found():
    broken = "| 3.3.1 | Logout | covered | tests/test_journeys.py::test_logout_never_written |"
    assert missing_references(broken) == ["tests/test_journeys.py::test_logout_never_written"]


def test_every_row_is_covered_by_a_test_or_says_why_not():
    text = (ROOT / "SECURITY.md").read_text()
    table = rows(text)
    assert len(table) > 80
    for cells in table:
        assert len(cells) == 4, cells
        ident, _, status, reason = cells
        assert status.split(" ")[0] in {"covered", "gap", "n/a"}, cells
        if status == "covered" and not REFERENCE.search(reason):
            assert len(reason) > 20, f"{ident}: covered without a test needs a reason"
        if status in {"gap", "n/a"}:
            assert len(reason) > 15, f"{ident}: say why"
    for chapter in CHAPTERS:
        assert re.search(rf"^### {chapter} ", text, re.M), chapter
    assert "/.well-known/security.txt" in text and "security_contact" in text
