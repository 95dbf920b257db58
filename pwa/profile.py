"""Académie profiles: one TOML file per académie in pwa/profiles/."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

PROFILES_DIR = Path(__file__).parent / "profiles"


class UnknownProfile(ValueError):
    pass


@dataclass(frozen=True)
class Server:
    host: str
    port: int
    security: str


@dataclass(frozen=True)
class Profile:
    id: str
    name: str
    short_name: str
    mail_domain: str
    webmail_url: str
    first_connection: tuple[str, ...]
    imap: Server
    smtp: Server
    managesieve: Server  # out-of-office scripts (RFC 5804), port 4190, STARTTLS
    helpdesk_phone: str
    helpdesk_email: str
    helpdesk_hours: str
    password_preset: str
    forbidden_chars: str
    numen_services: dict[str, str]
    dpo_email: str
    rectorat_address: str
    fictitious: tuple[str, ...]
    security_contact: str = ""  # security.txt Contact (mailto: or https:); default: the help desk
    # With a second factor, IMAP and SMTP accept app passwords only (issue 16; Dovecot reads
    # it from the database, pwa/services/app_passwords.py); the web keeps the main password.
    app_passwords_only_with_factor: bool = False
    # Issue 15: days between a complete staff file that lacks a person and their account's
    # disabling by `sesame leavers` (a mistaken file can be corrected in that time).
    leavers_grace_days: int = 30

    @property
    def in_sentence(self) -> str:
        """ "académie d'Aix-Marseille", for "le rectorat de l'académie d'…"."""
        return self.name[:1].lower() + self.name[1:]

    @property
    def helpdesk_tel(self) -> str:
        """The phone number as a tel: URI target."""
        digits = "".join(c for c in self.helpdesk_phone if c.isdigit())
        return "+33" + digits[1:] if digits.startswith("0") else digits


def _folders(profile_dir: str | Path | None) -> list[Path]:
    """Where profiles are looked up: the operator's folder first, then the built-in ones."""
    return ([Path(profile_dir)] if profile_dir else []) + [PROFILES_DIR]


def available_profiles(profile_dir: str | Path | None = None) -> list[str]:
    return sorted({p.stem for folder in _folders(profile_dir) for p in folder.glob("*.toml")})


def profile_path(profile_id: str, profile_dir: str | Path | None = None) -> Path:
    for folder in _folders(profile_dir):
        if (folder / f"{profile_id}.toml").is_file():
            return folder / f"{profile_id}.toml"
    raise UnknownProfile(
        f"unknown académie profile {profile_id!r}; available: {', '.join(available_profiles(profile_dir))}"
    )


def load_profile(profile_id: str, profile_dir: str | Path | None = None) -> Profile:
    """The profile, checked key by key (ProfileError names the file, the key, the problem)."""
    if profile_id not in available_profiles(profile_dir):
        raise UnknownProfile(
            f"unknown académie profile {profile_id!r}; available: {', '.join(available_profiles(profile_dir))}"
        )
    return read_profile(profile_path(profile_id, profile_dir))


def read_profile(path: Path) -> Profile:
    from pwa.profile_check import checked

    return Profile(**checked(path))
