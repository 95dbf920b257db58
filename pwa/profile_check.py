"""Checks an académie profile file key by key, so an operator's new profile fails at start
with the file, the key and the problem named (in French), not later in a page."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from pwa.importer_csv import CATEGORIES
from pwa.policy.rules import PRESETS
from pwa.settings_values import email_address, hostname

SECURITY = ("SSL/TLS", "STARTTLS")
WAYS_IN = ("numen", "letter")
TOP = (
    "id",
    "name",
    "short_name",
    "mail_domain",
    "webmail_url",
    "first_connection",
    "imap",
    "smtp",
    "managesieve",
    "helpdesk",
    "password",
    "numen_services",
    "dpo_email",
    "rectorat_address",
    "fictitious",
    "security_contact",
    "app_passwords_only_with_factor",
    "leavers_grace_days",
)
DOMAIN = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$")


class ProfileError(ValueError):
    """One French line: the file, the key, the problem."""


def checked(path: Path) -> dict[str, Any]:
    """The keyword arguments of Profile, from a TOML file whose every key is checked."""
    where = str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise ProfileError(f"{where} : fichier illisible ({error.__class__.__name__}).") from None
    except tomllib.TOMLDecodeError as error:
        raise ProfileError(f"{where} : ce n'est pas du TOML valable ({error}).") from None

    def fail(key: str, problem: str) -> ProfileError:
        return ProfileError(f"{where} : clé « {key} » : {problem}")

    def string(table: dict, key: str, prefix: str = "", *, required: bool = True) -> str:
        name = prefix + key
        if key not in table:
            if required:
                raise fail(name, "absente ; elle est obligatoire.")
            return ""
        value = table[key]
        if not isinstance(value, str) or (required and not value.strip()):
            raise fail(name, "un texte non vide est attendu.")
        return value

    def section(key: str) -> dict:
        if not isinstance(data.get(key), dict):
            raise fail(key, "absente ou pas une table ; une section [" + key + "] est attendue.")
        return data[key]

    def server(key: str) -> dict:
        table = section(key)
        extra = set(table) - {"host", "port", "security"}
        if extra:
            raise fail(f"{key}.{sorted(extra)[0]}", "clé inconnue ; clés possibles : host, port, security.")
        host = string(table, "host", f"{key}.")
        try:
            hostname(host)
        except ValueError as error:
            raise fail(f"{key}.host", str(error)) from None
        port = table.get("port")
        if not isinstance(port, int) or isinstance(port, bool) or not 1 <= port <= 65535:
            raise fail(f"{key}.port", "un nombre entier de 1 à 65535 est attendu.")
        security = string(table, "security", f"{key}.")
        if security not in SECURITY:
            raise fail(
                f"{key}.security",
                f"« {security} » inconnu ; valeurs possibles : {', '.join(SECURITY)}.",
            )
        return {"host": host, "port": port, "security": security}

    unknown = sorted(set(data) - set(TOP))
    if unknown:
        raise fail(unknown[0], f"clé inconnue ; clés possibles : {', '.join(TOP)}.")
    profile_id = string(data, "id")
    if profile_id != path.stem:
        raise fail("id", f"« {profile_id} » devrait être « {path.stem} », le nom du fichier.")
    mail_domain = string(data, "mail_domain")
    if not DOMAIN.match(mail_domain):
        raise fail(
            "mail_domain",
            f"« {mail_domain} » n'est pas un nom de domaine (par exemple ac-exemple.fr).",
        )
    webmail = string(data, "webmail_url")
    if not webmail.startswith("https://"):
        raise fail("webmail_url", "une adresse en https:// est attendue.")
    ways = data.get("first_connection")
    if not isinstance(ways, list) or not ways or any(w not in WAYS_IN for w in ways):
        raise fail("first_connection", f"une liste parmi {', '.join(WAYS_IN)} est attendue.")
    helpdesk, password = section("helpdesk"), section("password")
    for name, table, allowed in (
        ("helpdesk", helpdesk, ("phone", "email", "hours")),
        ("password", password, ("preset", "forbidden_chars")),
    ):
        extra = sorted(set(table) - set(allowed))
        if extra:
            raise fail(f"{name}.{extra[0]}", f"clé inconnue ; clés possibles : {', '.join(allowed)}.")
    preset = string(password, "preset", "password.")
    if preset not in PRESETS:
        raise fail("password.preset", f"« {preset} » inconnu ; valeurs possibles : {', '.join(PRESETS)}.")
    services = section("numen_services")
    missing = [c for c in CATEGORIES if c not in services]
    if missing or set(services) - set(CATEGORIES):
        key = missing[0] if missing else sorted(set(services) - set(CATEGORIES))[0]
        raise fail(f"numen_services.{key}", f"les catégories attendues sont : {', '.join(CATEGORIES)}.")
    for category in CATEGORIES:
        string(services, category, "numen_services.")
    for key in ("helpdesk.email", "dpo_email"):
        table, name = (helpdesk, "email") if key == "helpdesk.email" else (data, key)
        try:
            email_address(string(table, name, "helpdesk." if table is helpdesk else ""))
        except ValueError as error:
            raise fail(key, str(error)) from None
    fictitious = data.get("fictitious", [])
    if not isinstance(fictitious, list) or not all(isinstance(f, str) for f in fictitious):
        raise fail("fictitious", "une liste de noms de clés est attendue.")
    contact = string(data, "security_contact", required=False)
    if contact and not contact.startswith(("mailto:", "https://")):
        raise fail("security_contact", "une adresse mailto: ou https:// est attendue.")
    only_app_passwords = data.get("app_passwords_only_with_factor", False)
    if not isinstance(only_app_passwords, bool):
        raise fail("app_passwords_only_with_factor", "true ou false est attendu.")
    grace = data.get("leavers_grace_days", 30)
    if not isinstance(grace, int) or isinstance(grace, bool) or not 0 <= grace <= 365:
        raise fail("leavers_grace_days", "un nombre de jours entre 0 et 365 est attendu.")
    return {
        "id": profile_id,
        "name": string(data, "name"),
        "short_name": string(data, "short_name"),
        "mail_domain": mail_domain,
        "webmail_url": webmail,
        "first_connection": tuple(ways),
        "imap": _server(server("imap")),
        "smtp": _server(server("smtp")),
        "managesieve": _server(server("managesieve")),
        "helpdesk_phone": string(helpdesk, "phone", "helpdesk."),
        "helpdesk_email": helpdesk["email"],
        "helpdesk_hours": string(helpdesk, "hours", "helpdesk."),
        "password_preset": preset,
        "forbidden_chars": string(password, "forbidden_chars", "password.", required=False),
        "numen_services": dict(services),
        "dpo_email": data["dpo_email"],
        "rectorat_address": string(data, "rectorat_address"),
        "fictitious": tuple(fictitious),
        "security_contact": contact,
        "app_passwords_only_with_factor": only_app_passwords,
        "leavers_grace_days": grace,
    }


def _server(values: dict):
    from pwa.profile import Server

    return Server(**values)
