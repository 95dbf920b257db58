"""Settings as an operator meets them: the real `sesame` command in a subprocess, one bad
value at a time. Each gives one French line naming the variable, exit status 2, and no
traceback; good values in any case are accepted; nothing falls back to clear-text SMTP."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from support.web import SECRET

from pwa.cli import SERVE
from pwa.settings import VARIABLES, Settings, SettingsError

ROOT = Path(__file__).resolve().parents[2]

# One bad value per variable (every row of VARIABLES must have one: the last test checks).
BAD = {
    "SESAME_DATABASE_URL": "postgresql://sesame:motdepasse@bdd.ac-exemple.fr/sesame",  # another host, no TLS check
    "SESAME_DATABASE_POOL": "0",
    "SESAME_LOG_FORMAT": "xml",
    "SESAME_METRICS_TOKEN": "trop-court",
    "SESAME_METRICS_ADDRESS": "metriques.example:99999",
    "SESAME_METRICS_DIR": "/nulle/part",
    "SESAME_DB": "/nulle/part/sesame.db",
    "SESAME_ACADEMIE": "atlantide",
    "SESAME_PROFILE_DIR": "/nulle/part",
    "SESAME_SECRET_KEY": "trop-courte",
    "SESAME_PUBLIC_URL": "http://sesame.ac-exemple.fr",
    "SESAME_SMTP_HOST": "smtp exemple",
    "SESAME_SMTP_PORT": "99999",
    "SESAME_SMTP_USER": "nom\nBcc: x@y.fr",
    "SESAME_SMTP_PASSWORD": "mot\r\nde passe",
    "SESAME_SMTP_TLS": "ssl",
    "SESAME_SMTP_TIMEOUT": "dix",
    "SESAME_MAIL_FROM": "pas une adresse",
    "SESAME_TRUSTED_PROXIES": "10.0.0.1, 10.0.0.300",
    "SESAME_SECURE_COOKIES": "peut-être",
    "SESAME_LOG_LEVEL": "bavard",
    "SESAME_DEMO": "2",
    "SESAME_IMAP_HOST": "imap_exemple!",
    "SESAME_IMAP_PORT": "0",
    "SESAME_MANAGESIEVE_HOST": "-sieve",
    "SESAME_MANAGESIEVE_PORT": "4190a",
    "SESAME_MAIL_CA_FILE": "/nulle/part/ca.pem",
    "SESAME_MAIL_TIMEOUT": "-1",
    "SESAME_DIRECTORY": "postgres",
    "SESAME_LDAP_URL": "https://annuaire.ac-exemple.fr",
    "SESAME_LDAP_STARTTLS": "parfois",
    "SESAME_LDAP_CA_FILE": "/nulle/part/ca.pem",
    "SESAME_LDAP_BIND_DN": "svc-sesame",
    "SESAME_LDAP_BIND_PASSWORD": "mot\nde passe",
    "SESAME_LDAP_BASE_DN": "ou=people;dc=fr",
    "SESAME_LDAP_FILTER": "objectClass=inetOrgPerson",
    "SESAME_LDAP_ATTRIBUTES": "telephone=mobile",
    "SESAME_LDAP_HR_ID": "employee number",
    "SESAME_LDAP_DISABLED": "employeeType",
    "SESAME_LDAP_CREATE": "oui-non",
    "SESAME_LDAP_TIMEOUT": "0",
    "SESAME_MAIL_POLICY_TOKEN": "court",
}
SECRETS = {
    "SESAME_DATABASE_URL",
    "SESAME_SECRET_KEY",
    "SESAME_SMTP_PASSWORD",
    "SESAME_METRICS_TOKEN",
    "SESAME_LDAP_BIND_PASSWORD",
    "SESAME_MAIL_POLICY_TOKEN",
}


def good_env(tmp_path: Path) -> dict[str, str]:
    return {
        "SESAME_DB": str(tmp_path / "s.db"),
        "SESAME_SECRET_KEY": SECRET,
        "SESAME_PUBLIC_URL": "https://sesame.ac-exemple.fr",
    }


def sesame(args: list[str], environ: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SESAME_")}
    env |= environ | {"PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "pwa", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=60,
    )


@pytest.mark.parametrize("name", sorted(BAD))
def test_a_bad_value_is_one_french_line_naming_it(tmp_path, name):
    out = sesame(["roles"], good_env(tmp_path) | {name: BAD[name]}, tmp_path)
    assert out.returncode == 2, out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert lines[0].startswith(f"Erreur : {name} : "), lines[0]
    assert "Traceback" not in out.stderr and out.stdout == ""
    assert any(word in lines[0] for word in (" est ", " n'est ", "attendu", "possibles", "doit"))
    if name in SECRETS:
        assert BAD[name].splitlines()[0] not in lines[0]  # a secret is never echoed
    assert not (tmp_path / "s.db").exists()  # nothing started


def test_every_variable_has_a_bad_value_tested():
    assert set(BAD) == set(VARIABLES)


def test_allowed_values_in_any_case(tmp_path):
    env = good_env(tmp_path) | {
        "SESAME_SMTP_TLS": "STARTTLS",
        "SESAME_LOG_LEVEL": "debug",
        "SESAME_SECURE_COOKIES": "Oui",
    }
    settings = Settings.from_env(env, require=SERVE)
    assert (settings.smtp_tls, settings.log_level, settings.secure_cookies) == ("starttls", "DEBUG", True)
    assert Settings.from_env(good_env(tmp_path) | {"SESAME_SMTP_TLS": "TLS"}).smtp_tls == "tls"


def test_allowed_values_are_named(tmp_path):
    out = sesame(["roles"], good_env(tmp_path) | {"SESAME_SMTP_TLS": "SSL"}, tmp_path)
    assert "valeurs possibles : none, starttls, tls" in out.stderr


def test_no_clear_text_smtp_login_to_a_remote_server(tmp_path):
    env = good_env(tmp_path) | {
        "SESAME_SMTP_HOST": "smtp.ac-exemple.fr",
        "SESAME_SMTP_USER": "sesame",
        "SESAME_SMTP_PASSWORD": "s3cret-smtp",
        "SESAME_SMTP_TLS": "none",
    }
    out = sesame(["roles"], env, tmp_path)
    assert out.returncode == 2
    assert out.stderr.startswith("Erreur : SESAME_SMTP_TLS : « none » enverrait le mot de passe")
    assert "s3cret-smtp" not in out.stderr
    # On the same machine (the demo's SMTP server, a local relay) `none` is allowed.
    assert Settings.from_env(env | {"SESAME_SMTP_HOST": "127.0.0.1"}).smtp_tls == "none"


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://sesame.ac-exemple.fr", True),
        ("https://sesame.ac-exemple.fr:8443/", True),
        ("http://localhost:8000", True),
        ("http://127.0.0.1:8000", True),
        ("http://sesame.ac-exemple.fr", False),
        ("sesame.ac-exemple.fr", False),
        ("https://sesame.ac-exemple.fr/sesame", False),
        ("https://sesame.ac-exemple.fr/?a=1", False),
        ("ftp://sesame.ac-exemple.fr", False),
        ("https://sesame.ac-exemple.fr:99999", False),
    ],
)
def test_public_url_rules(tmp_path, url, ok):
    env = good_env(tmp_path) | {"SESAME_PUBLIC_URL": url}
    if ok:
        assert Settings.from_env(env, require=SERVE).public_url == url.rstrip("/")
    else:
        with pytest.raises(SettingsError) as error:
            Settings.from_env(env, require=SERVE)
        assert error.value.lines[0].startswith("SESAME_PUBLIC_URL : ")


def test_public_url_required_outside_the_demo_only(tmp_path):
    env = {k: v for k, v in good_env(tmp_path).items() if k != "SESAME_PUBLIC_URL"}
    for command in (["serve"], ["letters", "lettres.pdf"], ["check"]):
        out = sesame(command, env, tmp_path)
        assert out.returncode == 2, command
        assert out.stderr.startswith("Erreur : SESAME_PUBLIC_URL : non définie"), command
    assert sesame(["roles"], env, tmp_path).returncode == 0  # staff roles need no public URL
    demo = Settings.from_env(env | {"SESAME_DEMO": "1", "SESAME_PUBLIC_URL": "http://192.0.2.1:8000"}, require=SERVE)
    assert demo.demo and demo.public_url == "http://192.0.2.1:8000"


def test_every_bad_variable_is_reported_at_once(tmp_path):
    env = good_env(tmp_path) | {"SESAME_SMTP_PORT": "x", "SESAME_MAIL_TIMEOUT": "0"}
    out = sesame(["serve"], env, tmp_path)
    assert out.returncode == 2
    assert [line.split(" : ")[1] for line in out.stderr.strip().splitlines()] == [
        "SESAME_SMTP_PORT",
        "SESAME_MAIL_TIMEOUT",
    ]


def test_secret_settings_never_show_in_a_repr_or_a_traceback(tmp_path):
    values = {name: BAD[name] + "-Zq9" for name in SECRETS if name in BAD}
    settings = Settings(db_path=tmp_path / "s.db", **{VARIABLES[name].field: value for name, value in values.items()})
    shown = repr(settings)
    assert "db_path" in shown and all(value not in shown for value in values.values())
