"""Field parsing shared by the journeys, and the anti-robot check of anonymous
forms. Every error is a French sentence meant to sit next to its field and in
the error summary."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from pwa.parse import ascii_digits
from pwa.security.antibot import Refusal
from pwa.services.identity import check_plausible_birth_date, normalise_numen, valid_numen
from pwa.views import sesame

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
ACADEMIC = re.compile(r"^[a-z0-9._+-]+@[a-z0-9.-]+$")  # what the académie's addresses are made of


@dataclass
class Errors:
    """Field name → message, in the order of the page (for the summary)."""

    items: dict[str, str] = field(default_factory=dict)

    def add(self, name: str, message: str) -> None:
        self.items.setdefault(name, message)

    def __bool__(self) -> bool:
        return bool(self.items)

    def get(self, name: str) -> str | None:
        return self.items.get(name)


def academic_address(raw: str, domain: str, errors: Errors, name: str = "email") -> str:
    value = raw.strip().lower()
    if not value:
        errors.add(name, "Indiquez votre adresse académique.")
    elif any(ord(c) > 127 or ord(c) < 32 or c.isspace() for c in value):
        errors.add(name, f"L'adresse s'écrit sans accent ni espace, par exemple eloise.delafontaine@{domain}.")
    elif not EMAIL.match(value) or not ACADEMIC.match(value):
        errors.add(name, f"Indiquez une adresse complète, par exemple prenom.nom@{domain}.")
    elif not value.endswith("@" + domain):
        errors.add(name, f"Votre adresse académique se termine par @{domain}.")
    return value


def login_name(raw: str, errors: Errors, name: str = "login") -> str:
    value = raw.strip().lower()
    if not value:
        errors.add(name, "Indiquez votre identifiant ou votre adresse académique.")
    elif len(value) > 254 or any(c.isspace() for c in value):
        errors.add(name, "Cet identifiant n'a pas la bonne forme : il ne contient pas d'espace.")
    return value


def identifiant(raw: str, errors: Errors, name: str = "identifiant") -> str:
    """The identifiant, or the academic address (both name the account)."""
    value = raw.strip().lower()
    if not value:
        errors.add(name, "Indiquez votre identifiant, par exemple jdupont.")
    elif "@" in value and EMAIL.match(value) and len(value) <= 254:
        return value
    elif "@" in value or len(value) > 64 or not re.fullmatch(r"[a-z0-9.\-]+", value):
        errors.add(
            name,
            "Indiquez l'identifiant seul, sans @ ni espace, par exemple jdupont.",
        )
    return value


def birth_date(form: dict[str, str], errors: Errors, *, today: dt.date | None = None) -> dt.date | None:
    """Three number fields: jour, mois, annee. The error is attached to the
    first field that is wrong, so the summary link lands there."""
    parts = {k: form.get(k, "").strip() for k in ("jour", "mois", "annee")}
    whole = re.fullmatch(r"(\d{1,2})\s*[/.\- ]\s*(\d{1,2})\s*[/.\- ]\s*(\d{4})", parts["jour"])
    if whole and not parts["mois"] and not parts["annee"]:
        # The whole date typed in the first box (9/1/1992): that is clear enough.
        parts = dict(zip(("jour", "mois", "annee"), whole.groups(), strict=True))
    if not any(parts.values()):
        errors.add("jour", "Indiquez votre date de naissance.")
        return None
    for key, label in (("jour", "le jour"), ("mois", "le mois"), ("annee", "l'année")):
        if not parts[key]:
            errors.add(key, f"La date de naissance doit comporter {label}.")
            return None
        if not ascii_digits(parts[key]):
            errors.add(
                key,
                "Écrivez le jour, le mois et l'année en chiffres, chacun dans sa case, par exemple 9, 1 et 1992.",
            )
            return None
    if len(parts["annee"]) != 4:
        errors.add("annee", "L'année s'écrit avec 4 chiffres, par exemple 1990.")
        return None
    try:
        value = dt.date(int(parts["annee"]), int(parts["mois"]), int(parts["jour"]))
    except (ValueError, OverflowError):
        errors.add("jour", "Cette date n'existe pas. Vérifiez le jour et le mois.")
        return None
    try:
        return check_plausible_birth_date(value, today=today)
    except ValueError:
        errors.add("annee", "Vérifiez l'année de naissance.")
        return None


def numen(raw: str, errors: Errors, name: str = "numen") -> str:
    value = normalise_numen(raw)
    if not value:
        errors.add(name, "Indiquez votre NUMEN. Il figure sur le courrier qui vous l'a donné.")
    elif len(value) != 13:
        errors.add(
            name,
            f"Le NUMEN compte 13 caractères ; vous en avez saisi {len(value)}.",
        )
    elif not valid_numen(value):
        errors.add(
            name,
            "Ce NUMEN n'a pas la bonne forme : 2 chiffres, 1 lettre, 2 chiffres, puis 8 lettres ou chiffres. "
            "Attention : 0 (zéro) et O (lettre) se ressemblent.",
        )
    return value


# Without JavaScript (the page's script checks the match before sending, keeping the
# first field): passwords are never written back into a page, so say both are empty.
MISMATCH = (
    "Les deux mots de passe ne sont pas identiques. Par sécurité, les champs ont été vidés : "
    "tapez votre mot de passe dans « Nouveau mot de passe », puis de nouveau dans "
    "« Confirmez le mot de passe »."
)


def new_password_errors(password: str, confirm: str, result) -> Errors:
    errors = Errors()
    if not password:
        errors.add("password", "Choisissez un mot de passe.")
    elif not result.ok:
        errors.add("password", "Ce mot de passe ne respecte pas toutes les règles : voyez la liste sous le champ.")
    if password and not confirm:
        errors.add("confirmation", "Saisissez une deuxième fois le mot de passe.")
    elif password != confirm:
        errors.add("confirmation", MISMATCH)
    return errors


def code_error(typed: str) -> str | None:
    """The shape of a 6-character mailed code, before it is checked."""
    cleaned = "".join(c for c in typed if c.isalnum())
    if not cleaned:
        return "Saisissez le code reçu par courriel."
    if len(cleaned) != 6:
        return f"Le code compte 6 caractères, lettres et chiffres ; vous en avez saisi {len(cleaned)}."
    return None


# Anti-automation on anonymous forms (ALTCHA proof-of-work, DESIGN §5). Two lines protect a form:
# - in its template, inside the <form>: ``{{ f.altcha(errors) }}``;
# - in its view, after ``read_form``: ``refused = await anti_automation(request, form, errors)``,
#   then render the same page on errors with ``status=refused.status if refused else 422``.
ALTCHA_FIELD = "altcha"


async def anti_automation(request: Request, form: dict[str, str], errors: Errors | None = None) -> Refusal | None:
    """None when the form may be processed. Otherwise the refusal, whose message
    is also added to `errors` (under the widget's anchor) when given."""
    refused = await run_in_threadpool(sesame(request).antibot.check, form.get(ALTCHA_FIELD, ""), request.state.client)
    if refused is not None and errors is not None:
        errors.add(ALTCHA_FIELD, refused.message)
    return refused
