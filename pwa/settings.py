# ruff: noqa: E501  (the VARIABLES table reads best one row per line)
"""Settings, read once from the environment, validated, and passed to the app factory.

Every variable is one row of VARIABLES: its default, its description (the README's table,
tests/unit/test_docs.py) and the function that turns the text into a typed value. A bad value is a
SettingsError: one French line naming the variable, the problem and the allowed values
(pwa/cli.py prints it and exits with status 2). Adding a setting: a row here, a field on
Settings, a README row, and a case in tests/http/test_settings.py."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pwa.settings_values import (
    SettingsError,
    boolean,
    check_together,
    choice,
    database_url,
    db_file,
    email_address,
    existing_dir,
    hostname,
    ldap_attribute,
    ldap_attributes,
    ldap_condition,
    ldap_dn,
    ldap_filter,
    ldap_url,
    listen_address,
    metrics_token,
    networks,
    optional,
    pem_file,
    pool_size,
    port,
    profile_id,
    public_url,
    seconds,
    secret_key,
    shown,
    text,
    writable_dir,
)

PACKAGE_DIR = Path(__file__).resolve().parent
# The web files (static/, templates/, manifest.webmanifest) sit beside pwa/ in a checkout;
# an installed wheel carries them inside the package, in pwa/_site/ (pyproject.toml).
ROOT = PACKAGE_DIR / "_site" if (PACKAGE_DIR / "_site").is_dir() else PACKAGE_DIR.parent

__all__ = ["ENVIRONMENT", "PACKAGE_DIR", "ROOT", "VARIABLES", "Settings", "SettingsError"]


@dataclass(frozen=True)
class Variable:
    field: str  # the Settings attribute
    default: str
    help: str
    parse: Callable[[str], Any]  # text -> value, raising ValueError with the problem in French
    secret: bool = False  # never echoed in an error or by `sesame check`


V = Variable
VARIABLES: dict[str, Variable] = {
    "SESAME_DB": V(
        "db_path", "sesame.db", "Path of the SQLite database (the directory and Dovecot's passdb).", db_file
    ),
    "SESAME_DATABASE_URL": V(
        "database_url",
        "",
        "PostgreSQL instead of the SQLite file, for several instances: postgresql://user:pw@host/db"
        " (another host needs ?sslmode=verify-full).",
        optional(database_url),
        secret=True,
    ),
    "SESAME_DATABASE_POOL": V(
        "database_pool", "8", "With PostgreSQL: connections each process keeps open (1 to 100).", pool_size
    ),
    "SESAME_ACADEMIE": V(
        "academie", "aix-marseille", "Académie profile id (a file in pwa/profiles/ or SESAME_PROFILE_DIR).", profile_id
    ),
    "SESAME_PROFILE_DIR": V(
        "profile_dir", "", "Folder of extra académie profiles (TOML), checked at start.", optional(existing_dir)
    ),
    "SESAME_SECRET_KEY": V(
        "secret_key",
        "",
        "Master secret; purpose keys are derived from it. Required outside demo.",
        secret_key,
        secret=True,
    ),
    "SESAME_PUBLIC_URL": V(
        "public_url",
        "",
        "External URL, e.g. https://sesame.ac-exemple.fr (origin checks, mails).",
        optional(public_url),
    ),
    "SESAME_SMTP_HOST": V("smtp_host", "localhost", "SMTP server for outgoing notices.", hostname),
    "SESAME_SMTP_PORT": V("smtp_port", "25", "SMTP port.", port),
    "SESAME_SMTP_USER": V("smtp_user", "", "SMTP user name (empty: no authentication).", text),
    "SESAME_SMTP_PASSWORD": V("smtp_password", "", "SMTP password.", text, secret=True),
    "SESAME_SMTP_TLS": V("smtp_tls", "starttls", "none, starttls or tls.", choice("none", "starttls", "tls")),
    "SESAME_SMTP_TIMEOUT": V(
        "smtp_timeout", "10", "Seconds before an SMTP attempt is abandoned and retried later.", seconds
    ),
    "SESAME_MAIL_FROM": V(
        "mail_from", "", "Sender of notices (default: ne-pas-repondre@<mail domain>).", optional(email_address)
    ),
    "SESAME_TRUSTED_PROXIES": V(
        "trusted_proxies", "", "Comma-separated addresses/networks whose X-Forwarded-For is believed.", networks
    ),
    "SESAME_SECURE_COOKIES": V(
        "secure_cookies", "1", "0 only for plain-HTTP development on a host other than localhost.", boolean
    ),
    "SESAME_LOG_LEVEL": V(
        "log_level", "INFO", "Python log level.", choice("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL", upper=True)
    ),
    "SESAME_DEMO": V("demo", "0", "1 runs the demo (set by `sesame serve --demo`; refuses a real database).", boolean),
    "SESAME_IMAP_HOST": V(
        "imap_host",
        "",
        'IMAP server Sésame connects to for "Tester ma connexion" (default: the profile\'s).',
        optional(hostname),
    ),
    "SESAME_IMAP_PORT": V("imap_port", "", "Its port (default: the profile's, 993).", optional(port, None)),
    "SESAME_MANAGESIEVE_HOST": V(
        "managesieve_host",
        "",
        "ManageSieve server for the out-of-office message (default: the profile's).",
        optional(hostname),
    ),
    "SESAME_MANAGESIEVE_PORT": V(
        "managesieve_port", "", "Its port (default: the profile's, 4190).", optional(port, None)
    ),
    "SESAME_MAIL_CA_FILE": V(
        "mail_ca_file",
        "",
        "Extra CA certificates (PEM) trusted for IMAP and ManageSieve TLS, besides the system's.",
        optional(pem_file),
    ),
    "SESAME_MAIL_TIMEOUT": V(
        "mail_timeout", "8", "Seconds before an IMAP or ManageSieve connection is given up.", seconds
    ),
    "SESAME_LOG_FORMAT": V(
        "log_format",
        "text",
        "text, or json: one JSON object a line (access log, security events).",
        choice("text", "json"),
    ),
    "SESAME_METRICS_TOKEN": V(
        "metrics_token",
        "",
        "Bearer token that opens /metrics (at least 32 characters; empty: no /metrics).",
        optional(metrics_token),
        secret=True,
    ),
    "SESAME_METRICS_ADDRESS": V(
        "metrics_address",
        "",
        "host:port of a separate Prometheus listener, e.g. 127.0.0.1:9108.",
        optional(listen_address),
    ),
    "SESAME_MAIL_POLICY_TOKEN": V(
        "mail_policy_token",
        "",
        "Bearer token Dovecot's auth policy hook sends to POST /dovecot/politique, which records app passwords' last use (at least 32 characters; empty: no route).",
        optional(metrics_token),
        secret=True,
    ),
    "SESAME_METRICS_DIR": V(
        "metrics_dir",
        "",
        "Folder shared by several workers' metrics (default: a fresh one per `serve`).",
        optional(writable_dir),
    ),
    "SESAME_DIRECTORY": V(
        "directory",
        "sqlite",
        "Where accounts and passwords live: sqlite (Sésame's database) or ldap (the académie's directory).",
        choice("sqlite", "ldap"),
    ),
    "SESAME_LDAP_URL": V(
        "ldap_url",
        "",
        "With ldap: the directory, ldaps://host[:port] or ldap://host[:port] (then StartTLS).",
        optional(ldap_url),
    ),
    "SESAME_LDAP_STARTTLS": V(
        "ldap_starttls",
        "1",
        "With ldap://: 1 upgrades the connection with StartTLS (0 only on the same machine).",
        boolean,
    ),
    "SESAME_LDAP_CA_FILE": V(
        "ldap_ca_file",
        "",
        "CA certificates (PEM) the directory's TLS certificate is checked against (default: the system's).",
        optional(pem_file),
    ),
    "SESAME_LDAP_BIND_DN": V(
        "ldap_bind_dn",
        "",
        "Sésame's service account in the directory (write, not manage, on userPassword).",
        optional(ldap_dn),
    ),
    "SESAME_LDAP_BIND_PASSWORD": V("ldap_bind_password", "", "Its password.", text, secret=True),
    "SESAME_LDAP_BASE_DN": V(
        "ldap_base_dn", "", "Where the people's entries are, e.g. ou=people,dc=ac-exemple,dc=fr.", optional(ldap_dn)
    ),
    "SESAME_LDAP_FILTER": V(
        "ldap_filter", "(objectClass=inetOrgPerson)", "Which entries under the base are people.", ldap_filter
    ),
    "SESAME_LDAP_ATTRIBUTES": V(
        "ldap_attributes",
        "",
        "field=attribute pairs that differ from identifiant=uid, email=mail, first_name=givenName, last_name=sn, uai=departmentNumber.",
        ldap_attributes,
    ),
    "SESAME_LDAP_HR_ID": V(
        "ldap_hr_id",
        "",
        "Attribute holding the HR id (the staff file's hr_id column) used to link rows to entries, e.g. employeeNumber.",
        optional(ldap_attribute),
    ),
    "SESAME_LDAP_DISABLED": V(
        "ldap_disabled",
        "",
        "attribute=value marking a disabled entry (a ppolicy lock, pwdAccountLockedTime, always does).",
        optional(ldap_condition, ()),
    ),
    "SESAME_LDAP_CREATE": V(
        "ldap_create",
        "0",
        "1: the import creates the entries it finds no match for (default: it reports them).",
        boolean,
    ),
    "SESAME_LDAP_TIMEOUT": V(
        "ldap_timeout", "5", "Seconds before the directory is deemed down (the person sees a 503 page).", seconds
    ),
}
del V

# Every setting the app reads, with its default and a short description.
# tests/unit/test_docs.py checks that each one is documented in the README.
ENVIRONMENT = {name: (v.default, v.help) for name, v in VARIABLES.items()}


@dataclass(frozen=True)
class Settings:
    db_path: Path
    database_url: str = field(default="", repr=False)  # a secret: never in a repr or a traceback
    database_pool: int = 8
    academie: str = "aix-marseille"
    profile_dir: str = ""
    secret_key: str = field(default="", repr=False)  # a secret: never in a repr or a traceback
    public_url: str = ""
    smtp_host: str = "localhost"
    smtp_port: int = 25
    smtp_user: str = ""
    smtp_password: str = field(default="", repr=False)  # a secret: never in a repr or a traceback
    smtp_tls: str = "starttls"
    smtp_timeout: float = 10.0
    mail_from: str = ""
    trusted_proxies: tuple = ()
    secure_cookies: bool = True
    log_level: str = "INFO"
    demo: bool = False
    # Sésame's own connections to the mail server, as the user (profile values when empty).
    imap_host: str = ""
    imap_port: int | None = None
    managesieve_host: str = ""
    managesieve_port: int | None = None
    mail_ca_file: str = ""
    mail_timeout: float = 8.0
    # Dovecot's auth policy hook reports app passwords' use (pwa/views/mail_policy.py).
    mail_policy_token: str = field(default="", repr=False)  # a secret: never in a repr or a traceback
    # Operations (pwa/ops): log format and Prometheus metrics.
    log_format: str = "text"
    metrics_token: str = field(default="", repr=False)  # a secret: never in a repr or a traceback
    metrics_address: str = ""
    metrics_dir: str = ""
    # The directory backend (pwa/ldap_directory.py with ldap).
    directory: str = "sqlite"
    ldap_url: str = ""
    ldap_starttls: bool = True
    ldap_ca_file: str = ""
    ldap_bind_dn: str = ""
    ldap_bind_password: str = field(default="", repr=False)  # a secret: never in a repr or a traceback
    ldap_base_dn: str = ""
    ldap_filter: str = "(objectClass=inetOrgPerson)"
    ldap_attributes: tuple = ()
    ldap_hr_id: str = ""
    ldap_disabled: tuple = ()
    ldap_create: bool = False
    ldap_timeout: float = 5.0
    # Background outbox worker: off in tests that drain the outbox themselves.
    run_outbox_worker: bool = True
    outbox_poll_seconds: float = 5.0
    templates_dir: Path = field(default=ROOT / "templates")
    static_dir: Path = field(default=ROOT / "static")

    @classmethod
    def from_env(
        cls, environ: dict[str, str] | None = None, *, require: tuple[str, ...] = (), **overrides: Any
    ) -> Settings:
        """Parse every variable (SettingsError lists every bad one, one line each).

        `require`: the variables the command cannot run without (`sesame serve`: the secret
        key and the public URL), checked before anything starts, except in the demo."""
        env = os.environ if environ is None else environ
        values, problems = {}, []
        for name, variable in VARIABLES.items():
            raw = env.get(name, variable.default)
            try:
                values[variable.field] = variable.parse(raw)
            except ValueError as error:
                quoted = "" if variable.secret or not raw.strip() else f"« {shown(raw)} » "
                problems.append(f"{name} : {quoted}{error}")
        if not problems:
            problems += check_together(values, require=require)
        if problems:
            raise SettingsError(problems)
        settings = cls(**values)
        return replace(settings, **overrides) if overrides else settings

    def shown(self) -> list[tuple[str, str]]:
        """Every variable and its effective value, secrets masked (`sesame check`)."""
        rows = []
        for name, variable in VARIABLES.items():
            value = getattr(self, variable.field)
            if variable.secret:
                value = "(défini, masqué)" if value else "(vide)"
            elif isinstance(value, tuple):
                value = ", ".join(str(v) for v in value) or "(vide)"
            elif value in ("", None):
                value = "(vide)"
            rows.append((name, str(value)))
        return rows
