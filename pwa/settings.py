"""Settings, read once from the environment and passed to the app factory."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from ipaddress import ip_network
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
# The web files (static/, templates/, manifest.webmanifest) sit beside pwa/ in a checkout;
# an installed wheel carries them inside the package, in pwa/_site/ (pyproject.toml).
ROOT = PACKAGE_DIR / "_site" if (PACKAGE_DIR / "_site").is_dir() else PACKAGE_DIR.parent

# Every setting the app reads, with its default and a short description.
# tests/test_docs.py checks that each one is documented in the README.
ENVIRONMENT = {
    "SESAME_DB": ("sesame.db", "Path of the SQLite database (the directory and Dovecot's passdb)."),
    "SESAME_ACADEMIE": ("aix-marseille", "Académie profile id (a file in pwa/profiles/)."),
    "SESAME_SECRET_KEY": ("", "Master secret; purpose keys are derived from it. Required outside demo."),
    "SESAME_PUBLIC_URL": ("", "External URL, e.g. https://sesame.ac-exemple.fr (origin checks, mails)."),
    "SESAME_SMTP_HOST": ("localhost", "SMTP server for outgoing notices."),
    "SESAME_SMTP_PORT": ("25", "SMTP port."),
    "SESAME_SMTP_USER": ("", "SMTP user name (empty: no authentication)."),
    "SESAME_SMTP_PASSWORD": ("", "SMTP password."),
    "SESAME_SMTP_TLS": ("starttls", "none, starttls or tls."),
    "SESAME_SMTP_TIMEOUT": ("10", "Seconds before an SMTP attempt is abandoned and retried later."),
    "SESAME_MAIL_FROM": ("", "Sender of notices (default: ne-pas-repondre@<mail domain>)."),
    "SESAME_TRUSTED_PROXIES": ("", "Comma-separated addresses/networks whose X-Forwarded-For is believed."),
    "SESAME_SECURE_COOKIES": ("1", "0 only for plain-HTTP development on a host other than localhost."),
    "SESAME_LOG_LEVEL": ("INFO", "Python log level."),
    "SESAME_DEMO": ("0", "1 runs the demo (set by `sesame serve --demo`; refuses a real database)."),
    "SESAME_IMAP_HOST": ("", "IMAP server Sésame connects to for \"Tester ma connexion\" (default: the profile's)."),
    "SESAME_IMAP_PORT": ("", "Its port (default: the profile's, 993)."),
    "SESAME_MANAGESIEVE_HOST": ("", "ManageSieve server for the out-of-office message (default: the profile's)."),
    "SESAME_MANAGESIEVE_PORT": ("", "Its port (default: the profile's, 4190)."),
    "SESAME_MAIL_CA_FILE": ("", "Extra CA certificates (PEM) trusted for IMAP and ManageSieve TLS, besides the system's."),
    "SESAME_MAIL_TIMEOUT": ("8", "Seconds before an IMAP or ManageSieve connection is given up."),
}


def _env(name: str, environ: dict[str, str]) -> str:
    return environ.get(name, ENVIRONMENT[name][0])


def _port(value: str) -> int | None:
    return int(value) if value.strip() else None


@dataclass(frozen=True)
class Settings:
    db_path: Path
    academie: str = "aix-marseille"
    secret_key: str = ""
    public_url: str = ""
    smtp_host: str = "localhost"
    smtp_port: int = 25
    smtp_user: str = ""
    smtp_password: str = ""
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
    # Background outbox worker: off in tests that drain the outbox themselves.
    run_outbox_worker: bool = True
    outbox_poll_seconds: float = 5.0
    templates_dir: Path = field(default=ROOT / "templates")
    static_dir: Path = field(default=ROOT / "static")

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: object) -> Settings:
        env = dict(os.environ if environ is None else environ)
        proxies = tuple(
            ip_network(p.strip(), strict=False)
            for p in _env("SESAME_TRUSTED_PROXIES", env).split(",")
            if p.strip()
        )
        settings = cls(
            db_path=Path(_env("SESAME_DB", env)),
            academie=_env("SESAME_ACADEMIE", env),
            secret_key=_env("SESAME_SECRET_KEY", env),
            public_url=_env("SESAME_PUBLIC_URL", env).rstrip("/"),
            smtp_host=_env("SESAME_SMTP_HOST", env),
            smtp_port=int(_env("SESAME_SMTP_PORT", env)),
            smtp_user=_env("SESAME_SMTP_USER", env),
            smtp_password=_env("SESAME_SMTP_PASSWORD", env),
            smtp_tls=_env("SESAME_SMTP_TLS", env),
            smtp_timeout=float(_env("SESAME_SMTP_TIMEOUT", env)),
            mail_from=_env("SESAME_MAIL_FROM", env),
            trusted_proxies=proxies,
            secure_cookies=_env("SESAME_SECURE_COOKIES", env) not in ("0", "false", "no"),
            log_level=_env("SESAME_LOG_LEVEL", env),
            demo=_env("SESAME_DEMO", env) == "1",
            imap_host=_env("SESAME_IMAP_HOST", env),
            imap_port=_port(_env("SESAME_IMAP_PORT", env)),
            managesieve_host=_env("SESAME_MANAGESIEVE_HOST", env),
            managesieve_port=_port(_env("SESAME_MANAGESIEVE_PORT", env)),
            mail_ca_file=_env("SESAME_MAIL_CA_FILE", env),
            mail_timeout=float(_env("SESAME_MAIL_TIMEOUT", env)),
        )
        return replace(settings, **overrides) if overrides else settings
