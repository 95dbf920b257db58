"""The command line as an académie's operations team uses it: `sesame check`, profiles of
their own (SESAME_PROFILE_DIR), `letters --dry-run`, audited and tab-separated imports,
progress on a terminal or in a log, and no traceback."""

from __future__ import annotations

import io
import json
import os
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from support.web import SECRET, STAFF_CSV

from pwa.progress import Progress

ROOT = Path(__file__).resolve().parents[2]


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens once the socket is closed


def env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        "SESAME_DB": str(tmp_path / "s.db"),
        "SESAME_SECRET_KEY": SECRET,
        "SESAME_PUBLIC_URL": "https://sesame.ac-exemple.fr",
        **extra,
    }


def sesame(tmp_path: Path, *args: str, **extra: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("SESAME_")}
    environ |= env(tmp_path, **extra) | {"PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "pwa", *args],
        capture_output=True,
        text=True,
        env=environ,
        cwd=tmp_path,
        timeout=60,
    )


def imported(tmp_path: Path, text: str = STAFF_CSV, name: str = "agents.csv") -> subprocess.CompletedProcess:
    (tmp_path / name).write_text(text, encoding="utf-8")
    return sesame(tmp_path, "import", "--oui", name)


def audit_rows(tmp_path: Path, event: str) -> list[sqlite3.Row]:
    db = sqlite3.connect(tmp_path / "s.db")
    db.row_factory = sqlite3.Row
    try:
        return db.execute("select * from audit where event = ?", (event,)).fetchall()
    finally:
        db.close()


# -- sesame check ------------------------------------------------------------------------


def test_check_shows_the_configuration_masked_and_what_is_wrong(tmp_path):
    assert imported(tmp_path).returncode == 0
    out = sesame(
        tmp_path,
        "check",
        SESAME_SMTP_HOST="127.0.0.1",
        SESAME_SMTP_PORT=str(closed_port()),
        SESAME_SMTP_PASSWORD="mot-de-passe-smtp",
        SESAME_IMAP_HOST="127.0.0.1",
        SESAME_IMAP_PORT=str(closed_port()),
        SESAME_MANAGESIEVE_HOST="127.0.0.1",
        SESAME_MANAGESIEVE_PORT=str(closed_port()),
    )
    assert out.returncode == 1, out.stderr
    assert "Traceback" not in out.stderr
    assert SECRET not in out.stdout and "mot-de-passe-smtp" not in out.stdout
    assert "SESAME_SECRET_KEY = (défini, masqué)" in out.stdout
    assert "SESAME_SMTP_PASSWORD = (défini, masqué)" in out.stdout
    assert "SESAME_PUBLIC_URL = https://sesame.ac-exemple.fr" in out.stdout
    assert "Base de données : ok" in out.stdout
    for name in ("SMTP", "IMAP", "ManageSieve"):
        line = next(line for line in out.stdout.splitlines() if line.startswith(f"{name} : "))
        assert "PROBLÈME" in line and "connexion refusée" in line, line
    assert out.stderr.strip() == "À corriger : SMTP, IMAP, ManageSieve."


def test_check_passes_against_a_real_smtp_server(tmp_path):
    from pwa.checks import check_smtp
    from pwa.mail.demo_smtp import start_demo_smtp
    from pwa.settings import Settings
    from pwa.store import Store

    store = Store(tmp_path / "s.db")
    store.migrate()
    controller = start_demo_smtp(store)
    try:
        settings = Settings.from_env(
            env(tmp_path, SESAME_SMTP_HOST="127.0.0.1", SESAME_SMTP_PORT=str(controller.port), SESAME_SMTP_TLS="none")
        )
        result = check_smtp(settings)
    finally:
        controller.stop()
        store.close()
    assert result.ok, result.detail
    assert result.detail == f"127.0.0.1:{controller.port} (none) : connexion réussie."


def test_check_tells_a_missing_database(tmp_path):
    out = sesame(tmp_path, "check", SESAME_SMTP_HOST="127.0.0.1", SESAME_SMTP_PORT=str(closed_port()))
    assert out.returncode == 1
    assert f"Base de données : PROBLÈME — {tmp_path / 's.db'} n'existe pas ; « sesame migrate » la crée." in out.stdout


# -- profiles of the académie's own -----------------------------------------------------------


def own_profile(folder: Path, academie: str = "lyon", **changes: str) -> Path:
    text = (ROOT / "pwa/profiles/amiens.toml").read_text(encoding="utf-8")
    text = text.replace('id = "amiens"', f'id = "{academie}"')
    text = text.replace("d'Amiens", "de Lyon").replace("Amiens", "Lyon")
    for old, new in changes.items():
        text = text.replace(old, new)
    folder.mkdir(exist_ok=True)
    path = folder / f"{academie}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_profile_from_the_profile_dir_is_used(tmp_path):
    own_profile(tmp_path / "profils")
    out = sesame(
        tmp_path,
        "check",
        SESAME_PROFILE_DIR=str(tmp_path / "profils"),
        SESAME_ACADEMIE="lyon",
        SESAME_SMTP_PORT=str(closed_port()),
    )
    assert "Profil : Académie de Lyon (lyon)." in out.stdout, out.stdout + out.stderr
    unknown = sesame(tmp_path, "roles", SESAME_ACADEMIE="lyon")  # without the folder
    assert unknown.stderr.startswith("Erreur : SESAME_ACADEMIE : « lyon » n'est pas un profil connu")


@pytest.mark.parametrize(
    ("change", "key", "problem"),
    [
        ({"port = 993": "port = 99999"}, "imap.port", "un nombre entier de 1 à 65535 est attendu"),
        ({'security = "SSL/TLS"': 'security = "ssl"'}, "imap.security", "valeurs possibles : SSL/TLS, STARTTLS"),
        ({'preset = "default"': 'preset = "costaud"'}, "password.preset", "valeurs possibles"),
        ({'mail_domain = "ac-amiens.fr"': 'mail_domain = "ac lyon"'}, "mail_domain", "n'est pas un nom de domaine"),
        ({'webmail_url = "https://': 'webmail_url = "http://'}, "webmail_url", "https://"),
        ({"[helpdesk]\n": '[helpdesk]\ncouleur = "bleu"\n'}, "helpdesk", None),
        ({'aesh = "Le service': 'aesh_ = "Le service'}, "numen_services.aesh", "catégories attendues"),
        ({'short_name = "Lyon"\n': ""}, "short_name", "absente"),
        ({'id = "lyon"': 'id = "paris"'}, "id", "le nom du fichier"),
    ],
)
def test_a_bad_profile_names_the_file_the_key_and_the_problem(tmp_path, change, key, problem):
    path = own_profile(tmp_path / "profils", **change)
    out = sesame(tmp_path, "roles", SESAME_PROFILE_DIR=str(tmp_path / "profils"), SESAME_ACADEMIE="lyon")
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in out.stderr
    assert lines[0].startswith(f"Erreur : profil d'académie : {path} : clé « {key}"), lines[0]
    if problem:
        assert problem in lines[0]


def test_a_profile_that_is_not_toml_says_so(tmp_path):
    folder = tmp_path / "profils"
    folder.mkdir()
    (folder / "lyon.toml").write_text("id = lyon\n", encoding="utf-8")
    out = sesame(tmp_path, "roles", SESAME_PROFILE_DIR=str(folder), SESAME_ACADEMIE="lyon")
    assert out.returncode == 2
    assert out.stderr.startswith(f"Erreur : profil d'académie : {folder / 'lyon.toml'} : ce n'est pas du TOML valable")


def test_shipped_profiles_pass_the_checks():
    from pwa.profile import available_profiles, load_profile

    assert [load_profile(p).id for p in available_profiles()] == available_profiles()


# -- imports ---------------------------------------------------------------------------------


def test_cli_import_is_audited_like_a_web_import(tmp_path):
    out = imported(tmp_path)
    assert out.returncode == 0, out.stderr
    (row,) = audit_rows(tmp_path, "import")
    assert row["actor"] == "cli"
    assert json.loads(row["details"]) == {"created": 3, "updated": 0}


def test_cli_imports_a_tab_separated_file(tmp_path):
    out = imported(tmp_path, STAFF_CSV.replace(";", "\t"), name="agents.tsv")
    assert out.returncode == 0, out.stderr
    assert "3 personnes importées : 3 nouvelles, 0 mise à jour." in out.stdout


def test_cli_import_of_a_missing_file_is_one_french_line(tmp_path):
    out = sesame(tmp_path, "import", "--oui", "absent.csv")
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert out.stderr.startswith("Impossible de lire le fichier « absent.csv »")


def test_progress_is_a_bar_on_a_terminal_and_lines_in_a_log():
    log = io.StringIO()
    lines = Progress("lignes enregistrées", tty=False, stream=log, every=2)
    for done in range(1, 6):
        lines(done, 5)
    assert log.getvalue().splitlines() == [
        "2 / 5 lignes enregistrées…",
        "4 / 5 lignes enregistrées…",
        "5 / 5 lignes enregistrées…",
    ]
    screen = io.StringIO()
    bar = Progress("lettres préparées", tty=True, stream=screen)
    assert bar.step(1000) == 10 and lines.step(1000) == 2
    bar(1, 4)
    bar(4, 4)
    frames = screen.getvalue().split("\r")[1:]
    assert frames[0].startswith("███████·") and "25 % (1 / 4 lettres préparées)" in frames[0]
    assert frames[1].endswith("100 % (4 / 4 lettres préparées)\n") and "·" not in frames[1]


# -- letters --dry-run ---------------------------------------------------------------------------


def test_letters_dry_run_lists_and_changes_nothing(tmp_path):
    assert imported(tmp_path).returncode == 0
    before = len(audit_rows(tmp_path, "letter.printed"))
    out = sesame(tmp_path, "letters", "--dry-run")
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[:2] == [
        "Simulation : aucune lettre imprimée, aucun code créé, rien d'enregistré.",
        "3 lettre(s) seraient imprimées :",
    ]
    assert "  - jdupont (Collège Test)" in out.stdout
    assert len(audit_rows(tmp_path, "letter.printed")) == before == 0
    db = sqlite3.connect(tmp_path / "s.db")
    assert db.execute("select count(*) from codes").fetchone()[0] == 0
    db.close()
    assert not list(tmp_path.glob("*.pdf"))
    # The real print then does what the simulation said.
    printed = sesame(tmp_path, "letters", "lettres.pdf")
    assert printed.returncode == 0 and "3 lettre(s) dans lettres.pdf." in printed.stdout
    assert len(audit_rows(tmp_path, "letter.printed")) == 3


def test_letters_without_a_file_says_so_in_french(tmp_path):
    assert imported(tmp_path).returncode == 0
    out = sesame(tmp_path, "letters")
    assert out.returncode == 2
    assert out.stderr.strip() == "Erreur : indiquez le fichier PDF à écrire, par exemple : sesame letters lettres.pdf."
