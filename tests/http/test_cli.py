"""The `sesame` command line, run as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from support.web import SECRET, STAFF_CSV

from pwa.cli import main


def env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        "SESAME_DB": str(tmp_path / "s.db"),
        "SESAME_SECRET_KEY": SECRET,
        "SESAME_PUBLIC_URL": "https://sesame.ac-exemple.fr",
        **extra,
    }


def test_migrate_then_nothing_pending(tmp_path):
    runner = CliRunner()
    first = runner.invoke(main, ["migrate"], env=env(tmp_path))

    assert first.exit_code == 0
    for name in ("0001_directory", "0002_security", "0004_authenticators"):
        assert name in first.output
    again = runner.invoke(main, ["migrate"], env=env(tmp_path))
    assert "0 migration(s) appliquée(s)." in again.output


def test_import_command_reports_in_french(tmp_path):
    csv = tmp_path / "agents.csv"
    csv.write_bytes(STAFF_CSV.encode())
    result = CliRunner().invoke(main, ["import", "--oui", str(csv)], env=env(tmp_path))
    assert result.exit_code == 0, result.output
    assert "3 personnes importées : 3 nouvelles, 0 mise à jour." in result.output


def test_python_dash_m_works(tmp_path):
    out = subprocess.run([sys.executable, "-m", "pwa", "--help"], capture_output=True, text=True, check=True)
    assert "serve" in out.stdout and "import" in out.stdout and "migrate" in out.stdout


def test_serve_refuses_without_secret(tmp_path):
    result = CliRunner().invoke(main, ["serve"], env={"SESAME_DB": str(tmp_path / "s.db"), "SESAME_SECRET_KEY": ""})
    assert result.exit_code == 2 and "SESAME_SECRET_KEY" in result.output


def test_demo_refuses_a_real_database(tmp_path):
    csv = tmp_path / "agents.csv"
    csv.write_bytes(STAFF_CSV.encode())
    CliRunner().invoke(main, ["import", "--oui", str(csv)], env=env(tmp_path))
    environ = {**os.environ, **env(tmp_path), "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    out = subprocess.run(
        [sys.executable, "-m", "pwa", "serve", "--demo", "--port", "1"],
        capture_output=True,
        text=True,
        env=environ,
        timeout=60,
        cwd=tmp_path,
    )
    assert out.returncode == 2
    assert "demo mode only runs on a demo database" in out.stderr


def _imported(tmp_path):
    csv = tmp_path / "agents.csv"
    csv.write_bytes(STAFF_CSV.encode())
    assert CliRunner().invoke(main, ["import", "--oui", str(csv)], env=env(tmp_path)).exit_code == 0


def test_grant_revoke_and_list_roles(tmp_path):
    import sqlite3

    _imported(tmp_path)
    run = lambda *args: CliRunner().invoke(main, list(args), env=env(tmp_path))  # noqa: E731
    granted = run("grant", "jdupont", "assistance")
    assert granted.exit_code == 0 and "Rôle assistance attribué à jdupont sur toute l'académie." in granted.output
    assert "doit d'abord ajouter une clé d'accès" in granted.output
    scoped = run("grant", "jdupont1", "gestionnaire", "--uai", "0130999a")
    assert scoped.exit_code == 0 and "sur l'établissement 0130999A" in scoped.output
    assert "déjà" in run("grant", "jdupont", "assistance").output
    listed = run("roles")
    assert listed.output.splitlines() == ["jdupont\tassistance\tacadémie", "jdupont1\tgestionnaire\t0130999A"]
    revoked = run("revoke", "jdupont", "assistance")
    assert revoked.exit_code == 0 and "retiré" in revoked.output
    again = run("revoke", "jdupont", "assistance")
    assert again.exit_code == 2 and "n'a pas le rôle" in again.output
    with sqlite3.connect(tmp_path / "s.db") as db:
        rows = db.execute("select event, actor, details from audit where event like 'role.%' order by id").fetchall()
    assert [(e, a) for e, a, _ in rows] == [("role.granted", "cli"), ("role.granted", "cli"), ("role.revoked", "cli")]
    assert '"uai": "0130999A"' in rows[1][2]


def test_grant_explains_unknown_identifiant_role_or_uai(tmp_path):
    _imported(tmp_path)
    run = lambda *args: CliRunner().invoke(main, list(args), env=env(tmp_path))  # noqa: E731
    unknown = run("grant", "personne", "assistance")
    assert unknown.exit_code == 2 and "aucun compte avec l'identifiant « personne »" in unknown.output
    role = run("grant", "jdupont", "directeur")
    assert role.exit_code == 2 and "rôle inconnu « directeur »" in role.output and "gestionnaire" in role.output
    uai = run("grant", "jdupont", "gestionnaire", "--uai", "9999999Z")
    assert uai.exit_code == 2 and "aucun établissement avec l'UAI « 9999999Z »" in uai.output
    assert "Aucun rôle attribué." in run("roles").output


@pytest.mark.parametrize(
    ("args", "french"),
    [
        (["frobnicate"], "Erreur : commande inconnue « frobnicate »."),
        (["import"], "Erreur : il manque l'argument CSV_FILE."),
        (["letters", "--nope"], "Erreur : option inconnue : --nope."),
        (["import", "a.csv", "b.csv"], "Erreur : argument en trop : b.csv."),
    ],
)
def test_a_mistyped_command_is_told_in_french_with_where_to_get_help(tmp_path, args, french):
    environ = {**os.environ, **env(tmp_path), "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    out = subprocess.run(
        [sys.executable, "-m", "pwa", *args], capture_output=True, text=True, env=environ, timeout=60, cwd=tmp_path
    )
    assert out.returncode == 2
    assert out.stderr.splitlines()[0] == french
    assert out.stderr.splitlines()[1].startswith("Aide : ") and out.stderr.splitlines()[1].endswith("--help")
    assert "Usage:" not in out.stderr and "Traceback" not in out.stderr
