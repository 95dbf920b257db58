"""Académie profiles: one TOML file per académie in pwa/profiles/."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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

    @property
    def in_sentence(self) -> str:
        """"académie d'Aix-Marseille", for "le rectorat de l'académie d'…"."""
        return self.name[:1].lower() + self.name[1:]

    @property
    def helpdesk_tel(self) -> str:
        """The phone number as a tel: URI target."""
        digits = "".join(c for c in self.helpdesk_phone if c.isdigit())
        return "+33" + digits[1:] if digits.startswith("0") else digits


def available_profiles() -> list[str]:
    return sorted(p.stem for p in PROFILES_DIR.glob("*.toml"))


def load_profile(profile_id: str) -> Profile:
    path = PROFILES_DIR / f"{profile_id}.toml"
    if profile_id not in available_profiles():
        raise UnknownProfile(
            f"unknown académie profile {profile_id!r}; available: {', '.join(available_profiles())}"
        )
    data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    return Profile(
        id=data["id"],
        name=data["name"],
        short_name=data["short_name"],
        mail_domain=data["mail_domain"],
        webmail_url=data["webmail_url"],
        first_connection=tuple(data["first_connection"]),
        imap=Server(**data["imap"]),
        smtp=Server(**data["smtp"]),
        managesieve=Server(**data["managesieve"]),
        helpdesk_phone=data["helpdesk"]["phone"],
        helpdesk_email=data["helpdesk"]["email"],
        helpdesk_hours=data["helpdesk"]["hours"],
        password_preset=data["password"]["preset"],
        forbidden_chars=data["password"]["forbidden_chars"],
        numen_services=dict(data["numen_services"]),
        dpo_email=data["dpo_email"],
        rectorat_address=data["rectorat_address"],
        fictitious=tuple(data.get("fictitious", ())),
        security_contact=data.get("security_contact", ""),
    )
