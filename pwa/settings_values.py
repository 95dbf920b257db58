"""The kinds of values settings take: each function turns the variable's text into a typed
value or raises ValueError with the problem in French, allowed values included (one line;
pwa/settings.py puts the variable's name and the value in front)."""

from __future__ import annotations

import os
import re
import ssl
from collections.abc import Callable
from ipaddress import ip_address, ip_network
from pathlib import Path
from urllib.parse import urlsplit

LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1", "[::1]")
LABEL = r"[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?"
HOST = re.compile(rf"^(?=.{{1,253}}$){LABEL}(\.{LABEL})*\.?$")
ADDRESS = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
PROFILE_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")


class SettingsError(ValueError):
    """Bad settings: `lines` holds one French line per problem."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


def shown(raw: str) -> str:
    """A value as an error quotes it: on one line, control characters visible, not too long."""
    line = raw.encode("unicode_escape").decode("ascii", "replace") if not raw.isprintable() else raw
    return line if len(line) <= 80 else line[:77] + "…"


def text(raw: str) -> str:
    if any(c in raw for c in "\r\n\0"):
        raise ValueError("contient un retour à la ligne ; une seule ligne est permise.")
    return raw


def optional(parse: Callable[[str], object], empty: object = "") -> Callable[[str], object]:
    """Empty (or spaces) means "not set": `empty`; anything else must be valid."""

    def parse_optional(raw: str) -> object:
        return empty if not raw.strip() else parse(raw)

    return parse_optional


def choice(*allowed: str, upper: bool = False) -> Callable[[str], str]:
    def parse_choice(raw: str) -> str:
        value = raw.strip().upper() if upper else raw.strip().lower()
        if value not in allowed:
            raise ValueError(
                f"n'est pas une valeur possible ; valeurs possibles : {', '.join(allowed)} "
                "(en majuscules ou en minuscules)."
            )
        return value

    return parse_choice


TRUE, FALSE = ("1", "true", "yes", "on", "oui"), ("0", "false", "no", "off", "non")


def boolean(raw: str) -> bool:
    value = raw.strip().lower()
    if value not in TRUE + FALSE:
        raise ValueError("n'est pas une valeur possible ; valeurs possibles : 1 ou 0 (aussi oui/non, true/false).")
    return value in TRUE


def port(raw: str) -> int:
    value = raw.strip()
    if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= 65535:
        raise ValueError("n'est pas un numéro de port ; un nombre entier de 1 à 65535 est attendu.")
    return int(value)


def seconds(raw: str) -> float:
    try:
        value = float(raw.strip().replace(",", "."))
    except ValueError:
        value = -1.0
    if not 0 < value <= 600:  # also refuses nan and inf
        raise ValueError("n'est pas une durée ; un nombre de secondes de 0,1 à 600 est attendu (par exemple 10).")
    return value


def hostname(raw: str) -> str:
    value = raw.strip()
    try:
        ip_address(value.strip("[]"))
        return value
    except ValueError:
        pass
    if not HOST.match(value):
        raise ValueError("n'est pas un nom de serveur ; lettres, chiffres, points et tirets, ou une adresse IP.")
    return value


def email_address(raw: str) -> str:
    value = raw.strip()
    if not ADDRESS.match(value):
        raise ValueError("n'est pas une adresse électronique ; par exemple ne-pas-repondre@ac-exemple.fr.")
    return value


def networks(raw: str) -> tuple:
    found = []
    for part in raw.split(","):
        if not part.strip():
            continue
        try:
            found.append(ip_network(part.strip(), strict=False))
        except ValueError:
            raise ValueError(
                f"contient « {part.strip()} », qui n'est pas une adresse ou un réseau IP ; "
                "par exemple 127.0.0.1 ou 10.0.0.0/8, séparés par des virgules."
            ) from None
    return tuple(found)


def db_file(raw: str) -> Path:
    if not raw.strip():
        raise ValueError("vide ; le chemin du fichier SQLite est attendu (par exemple /var/lib/sesame/sesame.db).")
    path = Path(raw)
    if path.is_dir():
        raise ValueError("est un dossier ; le chemin d'un fichier SQLite est attendu.")
    if not path.parent.is_dir():
        raise ValueError(f"est dans un dossier qui n'existe pas ({path.parent}) ; créez-le d'abord.")
    return path


def database_url(raw: str) -> str:
    """A PostgreSQL URL (libpq's form). A server on another host is reached over TLS with
    its certificate checked: nothing crosses the network in clear or to an unchecked peer."""
    from psycopg import ProgrammingError
    from psycopg.conninfo import conninfo_to_dict

    value = raw.strip()
    example = "par exemple postgresql://sesame:MOT-DE-PASSE@bdd.ac-exemple.fr/sesame?sslmode=verify-full"
    try:
        info = conninfo_to_dict(value) if value.startswith(("postgresql://", "postgres://")) else None
    except ProgrammingError:
        info = None
    if not info:
        raise ValueError(f"n'est pas une adresse PostgreSQL ; {example}.")
    if not info.get("dbname"):
        raise ValueError(f"ne nomme pas la base ; {example}.")
    hosts = str(info.get("host") or "").split(",")
    remote = [h for h in hosts if h and not h.startswith("/") and h.strip("[]") not in LOOPBACK_HOSTS]
    if remote and info.get("sslmode") not in ("verify-full", "verify-ca"):
        raise ValueError(
            f"joint {remote[0]} sans vérifier son certificat ; ajoutez ?sslmode=verify-full "
            "(et sslrootcert=… si l'autorité n'est pas celle du système)."
        )
    return value


def pool_size(raw: str) -> int:
    try:
        value = int(raw.strip())
    except ValueError:
        value = 0
    if not 1 <= value <= 100:
        raise ValueError("n'est pas un nombre de connexions entre 1 et 100.")
    return value


def existing_dir(raw: str) -> str:
    if not Path(raw).is_dir():
        raise ValueError("n'est pas un dossier existant.")
    return raw


def writable_dir(raw: str) -> str:
    if not (Path(raw).is_dir() and os.access(raw, os.W_OK | os.X_OK)):
        raise ValueError("n'est pas un dossier existant où Sésame peut écrire.")
    return raw


def metrics_token(raw: str) -> str:
    if len(raw) < 32 or not raw.isascii() or not raw.isprintable() or " " in raw:
        raise ValueError(
            f"doit avoir au moins 32 caractères ASCII, sans espace (reçu : {len(raw)}) ; "
            "par exemple la sortie de « openssl rand -hex 32 »."
        )
    return raw


def listen_address(raw: str) -> str:
    """`host:port` or `[v6]:port`, the host an IP address or localhost."""
    value = raw.strip()
    host, sep, number = value.rpartition(":")
    host = host.strip("[]") if host.startswith("[") else host
    if not sep or not host:
        raise ValueError("attendu hôte:port, par exemple 127.0.0.1:9108.")
    if not number.isascii() or not number.isdigit() or not 1 <= int(number) <= 65535:
        raise ValueError("le port doit être un nombre de 1 à 65535.")
    if host != "localhost":
        try:
            ip_address(host)
        except ValueError:
            raise ValueError("l'hôte doit être une adresse IP (127.0.0.1, 10.0.0.5, [::1]) ou localhost.") from None
    return value


def pem_file(raw: str) -> str:
    if not Path(raw).is_file():
        raise ValueError("n'existe pas ; un fichier de certificats PEM est attendu.")
    try:
        ssl.create_default_context().load_verify_locations(cafile=raw)
    except (OSError, ssl.SSLError):
        raise ValueError("ne contient aucun certificat PEM lisible.") from None
    return raw


def secret_key(raw: str) -> str:
    if raw and len(raw) < 32:
        raise ValueError(
            "est trop courte ; au moins 32 caractères sont attendus (par exemple la sortie de "
            'python3 -c "import secrets; print(secrets.token_urlsafe(48))").'
        )
    return raw


def profile_id(raw: str) -> str:
    value = raw.strip().lower()
    if not PROFILE_ID.match(value):
        raise ValueError("n'est pas un nom de profil ; lettres minuscules, chiffres et tirets (par exemple amiens).")
    return value


def public_url(raw: str) -> str:
    """An origin: http(s)://host[:port] (check_together keeps http:// for loopback and the demo)."""
    value = raw.strip().rstrip("/")
    example = "par exemple https://sesame.ac-exemple.fr"
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018  (raises ValueError on a bad port)
    except ValueError:
        raise ValueError(f"n'est pas une adresse web ; {example}.") from None
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValueError(f"n'est pas une adresse web ; {example}.")
    if parts.username or parts.password or parts.query or parts.fragment or parts.path:
        raise ValueError(f"contient un chemin ou des paramètres ; seule l'origine est attendue, {example}.")
    return value


LDAP_ATTRIBUTE = re.compile(r"^[A-Za-z][A-Za-z0-9-]*$")
LDAP_DN = re.compile(r"^[A-Za-z][A-Za-z0-9-]*=[^,=]+(,\s*[A-Za-z][A-Za-z0-9-]*=[^,=]+)*$")
# The attribute map's keys (pwa/ldap_directory.py): what Sésame reads from an entry.
LDAP_FIELDS = ("identifiant", "email", "first_name", "last_name", "uai")


def ldap_url(raw: str) -> str:
    value = raw.strip().rstrip("/")
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018  (raises ValueError on a bad port)
    except ValueError:
        parts = None
    if not parts or parts.scheme not in ("ldap", "ldaps") or not parts.hostname or parts.path:
        raise ValueError("n'est pas une adresse d'annuaire ; par exemple ldaps://annuaire.ac-exemple.fr.")
    return value


def ldap_dn(raw: str) -> str:
    value = raw.strip()
    if not LDAP_DN.match(value):
        raise ValueError("n'est pas un nom d'entrée LDAP ; par exemple ou=personnels,dc=ac-exemple,dc=fr.")
    return value


def ldap_filter(raw: str) -> str:
    value = raw.strip()
    depth = 0
    for c in value:
        depth += {"(": 1, ")": -1}.get(c, 0)
        if depth < 0:
            break
    if not (value.startswith("(") and value.endswith(")")) or depth != 0 or "=" not in value:
        raise ValueError("n'est pas un filtre LDAP ; par exemple (objectClass=inetOrgPerson).")
    return value


def ldap_attribute(raw: str) -> str:
    value = raw.strip()
    if not LDAP_ATTRIBUTE.match(value):
        raise ValueError("n'est pas un nom d'attribut LDAP ; par exemple employeeNumber.")
    return value


def ldap_attributes(raw: str) -> tuple:
    """`identifiant=uid,email=mail,…`: the attributes that differ from the defaults."""
    pairs = []
    for item in filter(None, (part.strip() for part in raw.split(","))):
        key, _, attribute = item.partition("=")
        if key.strip() not in LDAP_FIELDS or not LDAP_ATTRIBUTE.match(attribute.strip()):
            raise ValueError(
                f"attendu : champ=attribut, séparés par des virgules ; champs possibles : {', '.join(LDAP_FIELDS)}."
            )
        pairs.append((key.strip(), attribute.strip()))
    return tuple(pairs)


def ldap_condition(raw: str) -> tuple:
    """`attribut=valeur`: entries holding this value are disabled (e.g. employeeType=parti)."""
    attribute, _, value = raw.partition("=")
    if not LDAP_ATTRIBUTE.match(attribute.strip()) or not value.strip():
        raise ValueError("attendu : attribut=valeur, par exemple employeeType=inactif.")
    return (attribute.strip(), value.strip())


# What a command may require, with the hint given when it is not set.
MISSING = {
    "SESAME_SECRET_KEY": (
        "secret_key",
        "au moins 32 caractères secrets sont attendus (voir le README, Configuration).",
    ),
    "SESAME_PUBLIC_URL": (
        "public_url",
        "l'adresse publique de Sésame est attendue, par exemple https://sesame.ac-exemple.fr.",
    ),
}


def check_together(values: dict, *, require: tuple[str, ...] = ()) -> list[str]:
    """The rules that involve several variables, once each is valid on its own."""
    from pwa.profile import available_profiles

    problems = []
    profiles = available_profiles(values["profile_dir"] or None)
    if values["academie"] not in profiles:
        problems.append(
            f"SESAME_ACADEMIE : « {values['academie']} » n'est pas un profil connu ; "
            f"profils possibles : {', '.join(profiles)}."
        )
    remote_smtp = values["smtp_host"].strip("[]") not in LOOPBACK_HOSTS
    credentials = values["smtp_user"] or values["smtp_password"]
    if values["smtp_tls"] == "none" and credentials and remote_smtp:
        problems.append(
            "SESAME_SMTP_TLS : « none » enverrait le mot de passe SMTP en clair vers "
            f"{values['smtp_host']} ; valeurs possibles ici : starttls, tls."
        )
    url = values["public_url"]
    plain = url.startswith("http://") and urlsplit(url).hostname not in LOOPBACK_HOSTS
    if plain and not values["demo"] and values["secure_cookies"]:
        problems.append(
            f"SESAME_PUBLIC_URL : « {url} » doit commencer par https:// ; http:// n'est permis "
            "que pour localhost, la démonstration ou avec SESAME_SECURE_COOKIES=0 (développement)."
        )
    if values["directory"] == "ldap":
        problems += _ldap_together(values)
    if not values["demo"]:
        for name in require:
            if name in MISSING and not values[MISSING[name][0]]:
                problems.append(f"{name} : non définie ; {MISSING[name][1]}")
    return problems


def _ldap_together(values: dict) -> list[str]:
    problems = [
        f"{name} : non définie ; elle est nécessaire avec SESAME_DIRECTORY=ldap."
        for name, key in (
            ("SESAME_LDAP_URL", "ldap_url"),
            ("SESAME_LDAP_BIND_DN", "ldap_bind_dn"),
            ("SESAME_LDAP_BASE_DN", "ldap_base_dn"),
        )
        if not values[key]
    ]
    url = values["ldap_url"]
    if url.startswith("ldap://") and not values["ldap_starttls"] and urlsplit(url).hostname not in LOOPBACK_HOSTS:
        problems.append(
            f"SESAME_LDAP_STARTTLS : 0 enverrait les mots de passe en clair vers {urlsplit(url).hostname} ; "
            "utilisez ldaps:// ou SESAME_LDAP_STARTTLS=1."
        )
    return problems
