"""The shape of the code (issue 13), read from the source with `ast`:

- views speak HTTP: a page module imports no other page module (the helpers they
  share live in the non-page package `pwa.views.shared`, and the request plumbing in
  `pwa.views` itself) and holds no SQL;
- services get their collaborators as arguments: nothing below the views imports
  the app object (`pwa.context`), and the app object has no placeholder fields;
- every table has one owner module, and raw SQL on a table appears only there."""

from __future__ import annotations

import ast
import dataclasses
import re
from pathlib import Path

PWA = Path(__file__).resolve().parents[2] / "pwa"
VIEWS = PWA / "views"
SHARED = "pwa.views.shared"

# Each table and the one module that holds all its SQL.
OWNERS = {
    "accounts": "pwa.directory",
    "etablissements": "pwa.stores.etablissements",
    "letter_requests": "pwa.stores.letter_requests",
    "codes": "pwa.services.codes",
    "authenticators": "pwa.mfa.store",
    "sessions": "pwa.security.sessions",
    "failures": "pwa.security.throttle",
    "pauses": "pwa.security.throttle",
    "audit": "pwa.security.audit",
    "roles": "pwa.security.roles",
    "altcha_spent": "pwa.security.antibot",
    "outbox": "pwa.mail.outbox",
    "demo_mailbox": "pwa.mail.demo_smtp",
    "meta": "pwa.store",
    "app_passwords": "pwa.stores.app_passwords",
    "pending_imports": "pwa.stores.pending_imports",
}
SCHEMA = "pwa.migrations"  # creates every table
# Copies and checks a whole database file (every table) before it becomes the store.
WHOLE_FILE = "pwa.ops.backup"


def module_name(path: Path) -> str:
    parts = path.relative_to(PWA.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules(root: Path = PWA) -> dict[str, ast.Module]:
    return {module_name(p): ast.parse(p.read_text(), str(p)) for p in sorted(root.rglob("*.py"))}


def imported(tree: ast.Module) -> set[str]:
    """Every module a file imports, `from a import b` counted as both a and a.b."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def strings(tree: ast.Module) -> list[str]:
    """String literals (f-strings' literal parts too), docstrings left out."""
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
    ]


SQL = re.compile(r"\b(?:select\b.*\bfrom|insert\s+into|update\s+\w+\s+set|delete\s+from|\bjoin)\s+(\w+)", re.I | re.S)
TABLE_WORD = re.compile(r"\b(?:from|into|update|join)\s+(\w+)", re.I)


def database_handle(node: ast.expr) -> bool:
    """`db[...]`, `self.db[...]`, `store.db[...]`: a sqlite-utils table, not a dict."""
    return (isinstance(node, ast.Name) and node.id == "db") or (isinstance(node, ast.Attribute) and node.attr == "db")


def tables_in(tree: ast.Module) -> set[str]:
    """Tables a module's SQL names: in SQL text, and as sqlite-utils tables (db["name"], db.table("name"))."""
    found: set[str] = set()
    for text in strings(tree):
        if SQL.search(text) or re.search(r"\b(?:where|set|values)\b", text, re.I):
            found.update(t.lower() for t in TABLE_WORD.findall(text) if t.lower() in OWNERS)
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Subscript)
            and isinstance(node.slice, ast.Constant)
            and node.slice.value in OWNERS
            and database_handle(node.value)
        ):
            found.add(node.slice.value)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "table"
            and database_handle(node.func.value)
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and node.args[0].value in OWNERS
        ):
            found.add(node.args[0].value)
    return found


def has_sql(tree: ast.Module) -> bool:
    return any(SQL.search(text) for text in strings(tree)) or bool(tables_in(tree))


def page_modules() -> dict[str, ast.Module]:
    return {name: tree for name, tree in modules(VIEWS).items() if name != "pwa.views" and not name.startswith(SHARED)}


def test_no_page_module_imports_another_page_module():
    pages = set(page_modules())
    for name, tree in modules(VIEWS).items():
        others = {m for m in imported(tree) if m in pages and m != name}
        assert not others, f"{name} imports the page module(s) {sorted(others)}: share through {SHARED}"


def test_the_shared_helpers_are_not_pages():
    """No route is declared in pwa.views or pwa.views.shared: they only help the pages."""
    for name, tree in modules(VIEWS).items():
        if name == "pwa.views" or name.startswith(SHARED):
            routes = [n for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id in ("Route", "Mount")]
            assert not routes, f"{name} declares routes: it would be a page module"


def test_no_view_holds_sql():
    for name, tree in modules(VIEWS).items():
        assert not has_sql(tree), f"{name} holds SQL: move it to the table's owner (see OWNERS)"


def test_nothing_below_the_views_imports_the_app_object():
    below = {
        name: tree
        for name, tree in modules().items()
        if name.startswith(("pwa.services", "pwa.security", "pwa.mfa", "pwa.stores", "pwa.policy"))
        or name in ("pwa.directory", "pwa.store", "pwa.importer", "pwa.importer_checks")
    }
    assert "pwa.services.accounts" in below and "pwa.services.guard" in below
    for name, tree in below.items():
        assert "pwa.context" not in imported(tree), f"{name} imports pwa.context: take collaborators as arguments"


def test_the_app_object_has_no_placeholder_fields():
    from pwa.context import Sesame

    for field in dataclasses.fields(Sesame):
        assert field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING, (
            f"Sesame.{field.name} has a default: build() wires every service once"
        )
    source = (PWA / "context.py").read_text()
    assert "type: ignore" not in source


def test_services_take_their_collaborators_as_keyword_arguments():
    import inspect

    from pwa.services import (
        accounts,
        activation,
        app_passwords,
        backup,
        factors,
        grants,
        guard,
        helpdesk,
        letter_requests,
        letters,
        printing,
    )

    for cls in (
        accounts.AccountService,
        activation.ActivationService,
        backup.BackupService,
        factors.FactorService,
        grants.Grants,
        guard.Guard,
        helpdesk.HelpDesk,
        letter_requests.LetterRequests,
        letters.Letters,
        printing.Printing,
        app_passwords.AppPasswords,
    ):
        parameters = list(inspect.signature(cls.__init__).parameters.values())[1:]
        assert parameters and all(p.kind is p.KEYWORD_ONLY for p in parameters), cls.__name__
        assert "sesame" not in {p.name for p in parameters}, cls.__name__


def test_raw_sql_on_a_table_appears_only_in_its_owner_module():
    for name, tree in modules().items():
        if name in (SCHEMA, WHOLE_FILE):
            continue
        strangers = {table for table in tables_in(tree) if OWNERS[table] != name}
        assert not strangers, f"{name} queries {sorted(strangers)}: only {[OWNERS[t] for t in sorted(strangers)]} may"


def test_the_owner_map_knows_every_table():
    schema = (PWA / "migrations.py").read_text()
    created = {
        bracket or call for bracket, call in re.findall(r'db(?:\["(\w+)"\]|\.table\("(\w+)"\))\.create\(', schema)
    }
    assert created == set(OWNERS)


def test_the_checks_would_see_a_stray_query():
    """The detectors themselves: a view-like module with SQL, an import of a page."""
    stray = ast.parse(
        'rows = store.query("select id from accounts where uai = ?", (uai,))\n'
        'with store.write() as db:\n    db["codes"].insert({})\n    db.table("roles").insert({})\n'
        'count = self.store.db.table("outbox").count\n'
    )
    assert has_sql(stray) and tables_in(stray) == {"accounts", "codes", "roles", "outbox"}
    assert not tables_in(ast.parse('html = page.table("codes")\nlabel = names["roles"]\n'))
    assert "pwa.views.password" in imported(ast.parse("from pwa.views.password import grant\n"))
    assert not has_sql(ast.parse('"""Select a date from the list."""\nmessage = "Choisissez une date."\n'))


def test_no_wall_clock_outside_the_store():
    """One clock: the store's (tests set it). The staff file's parser keeps a default
    `today` for files read without an app (pwa.services.identity)."""
    allowed = {"pwa.store": {"time.time"}, "pwa.services.identity": {"dt.date.today"}}
    pattern = re.compile(r"\b(time\.time|datetime\.now|dt\.datetime\.now|date\.today|dt\.date\.today)\(")
    for path in sorted(PWA.rglob("*.py")):
        name = module_name(path)
        found = set(pattern.findall(path.read_text())) - allowed.get(name, set())
        assert not found, f"{name} reads the wall clock ({sorted(found)}): use store.now() / store.today()"


# -- the tests' own layout (issue 13, item 6) -----------------------------------------------
TESTS = PWA.parent / "tests"
LAYERS = ("unit", "http", "browser")


def test_test_modules_are_laid_out_by_layer():
    """Every test module is in tests/unit, tests/http or tests/browser; shared helpers
    are in tests/support, which holds no test."""
    for path in TESTS.rglob("test_*.py"):
        assert path.parent.parent == TESTS and path.parent.name in LAYERS, path
    for path in (TESTS / "support").glob("*.py"):
        tree = ast.parse(path.read_text())
        tests = [n.name for n in tree.body if isinstance(n, ast.FunctionDef) and n.name.startswith("test_")]
        assert not tests, f"{path.name} holds tests {tests}: move them to a layer"


def test_no_test_module_imports_another_or_a_conftest():
    for path in TESTS.rglob("*.py"):
        found = {
            name
            for name in imported(ast.parse(path.read_text()))
            if name.split(".")[0].startswith("test_") or name.split(".")[0] == "conftest"
        }
        assert not found, f"{path.relative_to(TESTS)} imports {sorted(found)}: share it through tests/support"


def test_test_files_stay_under_four_hundred_lines():
    for path in TESTS.rglob("test_*.py"):
        lines = len(path.read_text().splitlines())
        assert lines <= 400, f"{path.relative_to(TESTS)} has {lines} lines: split it by theme"
