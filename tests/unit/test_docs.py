"""The docs are tested: every setting documented, the README's commands are
the ones CI runs, the Dovecot snippet in the README is the tested one."""

from __future__ import annotations

import re
from pathlib import Path

from pwa.app import routes
from pwa.settings import ENVIRONMENT, Settings

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def code_blocks(text: str) -> list[str]:
    return re.findall(r"```[a-z]*\n(.*?)```", text, flags=re.S)


def test_every_setting_is_documented_in_the_readme():
    documented = set(re.findall(r"^\| `(SESAME_[A-Z_]+)` \|", README, flags=re.M))
    assert documented == set(ENVIRONMENT)


def test_ci_runs_the_readme_test_command():
    blocks = code_blocks(README)
    test_command = next(b.strip() for b in blocks if "test" in b and "pip" not in b and b.strip().startswith("bash"))
    assert test_command == "bash scripts/test.sh"
    ci = (ROOT / ".ci/run").read_text()
    assert re.search(r"^bash scripts/test\.sh$", ci, flags=re.M)


def test_readme_install_and_run_command():
    assert "python3 -m pip install -e . && sesame serve --demo" in code_blocks(README)[0]


def test_dovecot_snippet_in_readme_is_the_tested_file():
    snippet = (ROOT / "docs/dovecot/dovecot-sql.conf.ext").read_text()
    assert snippet in README


def test_dovecot_pgsql_snippet_in_readme_is_the_tested_file():
    snippet = (ROOT / "docs/dovecot/dovecot-pgsql.conf.ext").read_text()  # tests/http/test_dovecot*.py
    assert snippet in README
    assert (ROOT / "docs/dovecot/dovecot-pgsql-reader.sql").read_text() in README


def test_dovecot_pgsql_snippets_keep_the_sqlite_queries():
    """One set of queries: the PostgreSQL files differ from the SQLite ones in the connection
    and in how the app-password query reads the clock, nothing else."""

    def query(name: str) -> str:
        return (ROOT / "docs/dovecot" / name).read_text().split("\ndefault_pass_scheme = ")[1]

    assert query("dovecot-pgsql.conf.ext") == query("dovecot-sql.conf.ext")
    pgsql, sqlite = query("dovecot-pgsql-app-passwords.conf.ext"), query("dovecot-sql-app-passwords.conf.ext")
    assert "extract(epoch from now())" in pgsql
    assert pgsql.replace("extract(epoch from now())", "CAST(strftime('%%s', 'now') AS REAL)") == sqlite


def test_dovecot_ldap_snippet_in_readme_is_the_tested_file():
    snippet = (ROOT / "docs/dovecot/dovecot-ldap.conf.ext").read_text()  # tests/test_dovecot_ldap.py
    assert snippet in README


def test_every_cli_command_is_in_the_readme():
    from pwa.cli import main

    for name in main.commands:
        assert f"sesame {name}" in README


def test_every_route_module_is_on_the_design_map(tmp_path):
    table = routes(Settings(db_path=tmp_path / "x.db", demo=True))
    modules = {r.endpoint.__module__ for r in table if hasattr(r, "endpoint")}
    views = {
        "pages",
        "identifiant",
        "password",
        "auth",
        "account",
        "guide",
        "legal",
        "second_step",
        "security",
        "activation",
        "phone",
        "backup",
        "backup_reset",
        "mailbox",
        "staff",
        "helpdesk",
        "gestion",
        "gestion_import",
        "letters_print",
        "gestion_requests",
        "gestion_activation",
        "antibot",
        "numen",
        "app_passwords",
        "mail_policy",
    }
    assert modules <= {f"pwa.views.{m}" for m in views} | {"pwa.offline", "pwa.ops.health", "pwa.ops.metrics"}
    assert "pwa/views/" in README
