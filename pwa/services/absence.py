"""The out-of-office message (DESIGN §3.7): the form's rules, the Sieve script
(RFC 5228 + vacation RFC 5230 + currentdate RFC 5260 + include RFC 6609), and its
upload over ManageSieve AS THE USER (pwa/services/mailbox.py).

The user's previously active script keeps working: Sésame's script ("sesame-absence")
ends with `include :personal "<previous>"`, and switching the message off makes that
previous script active again.

Nothing about the message is stored by Sésame: the mail server holds the script, and
the script is the state (read back and parsed with sievelib).

Every piece of user text reaches the script as a Sieve quoted string built by
sievelib's `tools.quote` (backslash and double quote escaped, RFC 5228 §2.4.2), after
clean_text/clean_line dropped control characters: a quoted string may hold any line,
including a single dot, so no text can end the string early or add a command. The
subject is one line (CR/LF become spaces): no header can be injected.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sievelib import commands, tools
from sievelib.parser import Parser

from pwa.parse import ascii_int

if TYPE_CHECKING:
    from pwa.directory import Account
    from pwa.services.mailbox import MailServers, SieveSession

SCRIPT_NAME = "sesame-absence"
MAX_SUBJECT = 150
MAX_TEXT = 3000
MAX_LINE_BYTES = 900  # mail lines stay under RFC 5322's 998 octets
MAX_AHEAD_DAYS = 366  # the message ends within a year
DAYS_RANGE = (1, 30)
DEFAULT_DAYS = 7
FIELDS = ("debut", "fin", "objet", "message", "message_exterieur", "frequence")
DATE_FR = re.compile(r"(\d{1,2})\s*[/.\- ]\s*(\d{1,2})\s*[/.\- ]\s*(\d{4})")
DATE_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


@dataclass(frozen=True)
class Absence:
    start: dt.date
    end: dt.date
    subject: str
    colleagues: str  # answer to senders of the académie's mail domain
    outside: str  # answer to everyone else; empty: the same message
    days: int  # the same sender is answered at most once per this many days

    @property
    def outside_text(self) -> str:
        return self.outside or self.colleagues

    def running(self, today: dt.date) -> bool:
        return self.start <= today <= self.end


# -- the form -----------------------------------------------------------------------


def clean_line(value: str) -> str:
    """One line: every control character and run of spaces becomes one space."""
    value = "".join(" " if unicodedata.category(c)[0] == "C" else c for c in value)
    return " ".join(value.split())


def clean_text(value: str) -> str:
    """Lines joined by LF; control characters other than tab dropped; no blank edges."""
    lines = value.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept = ["".join(c for c in line if c == "\t" or unicodedata.category(c) != "Cc").rstrip() for line in lines]
    return "\n".join(kept).strip("\n")


def parse_date(raw: str) -> dt.date | None:
    raw = raw.strip()
    iso, fr = DATE_ISO.fullmatch(raw), DATE_FR.fullmatch(raw)
    try:
        if iso:
            return dt.date(int(iso[1]), int(iso[2]), int(iso[3]))
        if fr:
            return dt.date(int(fr[3]), int(fr[2]), int(fr[1]))
    except ValueError:
        return None
    return None


def fr_date(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


def read_form(form: dict[str, str], today: dt.date) -> tuple[Absence | None, dict[str, str]]:
    """The absence typed in the form, or the French error of each wrong field."""
    errors: dict[str, str] = {}
    start = _date(form.get("debut", ""), "debut", "le premier jour de votre absence", errors)
    end = _date(form.get("fin", ""), "fin", "le dernier jour de votre absence", errors)
    if start and start < today:
        errors["debut"] = (
            f"Le premier jour est déjà passé. Indiquez aujourd'hui ({fr_date(today)}) ou une date à venir."
        )
    if start and end and end < start:
        errors["fin"] = "Le dernier jour doit être le même jour que le premier, ou après."
    elif end and end > today + dt.timedelta(days=MAX_AHEAD_DAYS - 1):
        latest = fr_date(today + dt.timedelta(days=MAX_AHEAD_DAYS - 1))
        errors["fin"] = f"Le message d'absence dure au plus un an : choisissez un dernier jour jusqu'au {latest}."
    subject = clean_line(form.get("objet", ""))
    if not subject:
        errors["objet"] = "Indiquez l'objet de la réponse, par exemple : Absente jusqu'au 25 août."
    elif len(subject) > MAX_SUBJECT:
        errors["objet"] = f"L'objet est trop long : {len(subject)} caractères, {MAX_SUBJECT} au plus."
    colleagues = clean_text(form.get("message", ""))
    outside = clean_text(form.get("message_exterieur", ""))
    if not colleagues.strip():
        errors["message"] = "Écrivez le message que recevront vos collègues."
    for name, text in (("message", colleagues), ("message_exterieur", outside)):
        if len(text) > MAX_TEXT and name not in errors:
            errors[name] = f"Le message est trop long : {len(text)} caractères, {MAX_TEXT} au plus."
    raw_days = form.get("frequence", "").strip()
    days = ascii_int(raw_days, max_digits=3) or 0
    if not DAYS_RANGE[0] <= days <= DAYS_RANGE[1]:
        errors["frequence"] = f"Indiquez un nombre de jours entre {DAYS_RANGE[0]} et {DAYS_RANGE[1]}, par exemple 7."
    if errors or start is None or end is None:
        return None, {k: errors[k] for k in FIELDS if k in errors}
    return Absence(start, end, subject, colleagues, outside if outside.strip() else "", days), {}


def _date(raw: str, name: str, what: str, errors: dict[str, str]) -> dt.date | None:
    if not raw.strip():
        errors[name] = f"Indiquez {what}."
        return None
    value = parse_date(raw)
    if value is None:
        errors[name] = "Cette date n'existe pas. Écrivez-la sous la forme JJ/MM/AAAA, par exemple 07/07/2025."
    return value


def form_values(absence: Absence) -> dict[str, str]:
    """The form's fields for an absence (read back from the server)."""
    return {
        "debut": absence.start.isoformat(),
        "fin": absence.end.isoformat(),
        "objet": absence.subject,
        "message": absence.colleagues,
        "message_exterieur": absence.outside,
        "frequence": str(absence.days),
    }


# -- the Sieve script ----------------------------------------------------------------


def wrap_long_lines(text: str, limit: int = MAX_LINE_BYTES) -> str:
    """Break lines longer than `limit` UTF-8 bytes, at a space when there is one."""
    out = []
    for line in text.split("\n"):
        while len(line.encode()) > limit:
            cut = len(line.encode()[:limit].decode("utf-8", "ignore"))
            space = line.rfind(" ", 0, cut)
            cut = space if space > 0 else cut
            out.append(line[:cut].rstrip())
            line = line[cut:].lstrip(" ")
        out.append(line)
    return "\n".join(out)


def _strings(values: list[str]) -> str:
    return "[" + ", ".join(tools.quote(v) for v in values) + "]"


def build_script(absence: Absence, *, domain: str, addresses: list[str], previous: str | None) -> str:
    """The script: vacation between the two dates (the server's local time), one text for
    senders of `domain` and one for the others, then the previous script included."""
    extensions = ["date", "relational", "vacation"]
    if absence.outside:
        extensions.append("envelope")
    if previous:
        extensions.append("include")

    def vacation(text: str) -> str:
        return (
            f"vacation :days {absence.days} :subject {tools.quote(absence.subject)}"
            f" :addresses {_strings(addresses)} {tools.quote(wrap_long_lines(text))};"
        )

    lines = [
        f"require {_strings(extensions)};",
        "# Message d'absence écrit par Sésame, réécrit à chaque enregistrement.",
        'if allof (currentdate :value "ge" "date" ' + tools.quote(absence.start.isoformat()) + ",",
        '          currentdate :value "le" "date" ' + tools.quote(absence.end.isoformat()) + ") {",
    ]
    if absence.outside:
        lines += [
            f'  if envelope :domain :is "from" {tools.quote(domain)} {{',
            "    " + vacation(absence.colleagues),
            "  } else {",
            "    " + vacation(absence.outside),
            "  }",
        ]
    else:
        lines.append("  " + vacation(absence.colleagues))
    lines.append("}")
    if previous:
        lines.append(f"include :personal {tools.quote(previous)};")
    return "\n".join(lines) + "\n"


class IncludeCommand(commands.ControlCommand):
    """`include` (RFC 6609), which sievelib's parser does not know."""

    extension = "include"
    args_definition = [
        {
            "name": "location",
            "type": ["tag"],
            "values": [":personal", ":global"],
            "required": False,
        },
        {"name": "once", "type": ["tag"], "values": [":once"], "required": False},
        {"name": "optional", "type": ["tag"], "values": [":optional"], "required": False},
        {"name": "script-name", "type": ["string"], "required": True},
    ]


def parse(script: str) -> list | None:
    """sievelib's syntax tree of a script, or None when it does not parse."""
    if getattr(commands, "IncludeCommand", None) is not IncludeCommand:
        commands.add_commands(IncludeCommand)  # sievelib's own extension point
    parser = Parser()
    return parser.result if parser.parse(script) else None


@dataclass(frozen=True)
class ReadBack:
    absence: Absence | None
    previous: str | None


def read_script(script: str) -> ReadBack:
    """Sésame's own script, read back: the absence it holds and the script it includes."""
    tree = parse(script)
    if tree is None:
        return ReadBack(None, None)
    dates, vacations, previous, domain_test = [], [], None, False
    for top in tree:
        for command in top.walk():
            if command.name == "currentdate":
                dates.append(tools.unquote(command.arguments["key-list"]))
            elif command.name == "vacation":
                vacations.append(command)
            elif command.name == "include":
                previous = tools.unquote(command.arguments["script-name"])
            elif command.name == "envelope":
                domain_test = True
    try:
        start, end = (dt.date.fromisoformat(d) for d in dates)
        first = vacations[0]
        extra = first.extra_arguments
        texts = [tools.unquote(v.arguments["reason"]) for v in vacations]
        absence = Absence(
            start=start,
            end=end,
            subject=tools.unquote(extra["subject"]),
            colleagues=texts[0],
            outside=texts[1] if domain_test and len(texts) > 1 else "",
            days=int(extra["days"]),
        )
    except (ValueError, KeyError, IndexError, TypeError):
        absence = None
    return ReadBack(absence, previous)


# -- on the mail server ---------------------------------------------------------------


@dataclass(frozen=True)
class Status:
    """What the mail server says, read back just now."""

    on: bool  # Sésame's script is the active one
    absence: Absence | None = None  # what it holds (None: not readable)
    previous: str | None = None  # the user's own script it includes
    other: str | None = None  # when off: the user's own active script, if any

    def to_session(self) -> dict:
        """Non-secret summary kept in the session to show the state on later visits."""
        a = self.absence
        return {
            "on": self.on,
            "start": a.start.isoformat() if a else None,
            "end": a.end.isoformat() if a else None,
            "subject": a.subject if a else None,
        }


class AbsenceService:
    def __init__(self, servers: MailServers, domain: str) -> None:
        self.servers = servers
        self.domain = domain

    def _read(self, session: SieveSession) -> Status:
        active, _ = session.scripts()
        if active != SCRIPT_NAME:
            return Status(False, other=active)
        back = read_script(session.get(SCRIPT_NAME))
        return Status(True, back.absence, back.previous)

    def _previous(self, session: SieveSession) -> str | None:
        """The user's own script to keep: the active one, or the one Sésame's includes."""
        active, names = session.scripts()
        if active == SCRIPT_NAME:
            active = read_script(session.get(SCRIPT_NAME)).previous
        return active if active and active in names and active != SCRIPT_NAME else None

    def status(self, account: Account, password: str) -> Status:
        with self.servers.sieve(account.identifiant, password) as session:
            return self._read(session)

    def enable(self, account: Account, password: str, absence: Absence) -> Status:
        with self.servers.sieve(account.identifiant, password) as session:
            script = build_script(
                absence,
                domain=self.domain,
                addresses=[account.email],
                previous=self._previous(session),
            )
            session.put(SCRIPT_NAME, script)  # the server compiles it, or refuses it
            session.activate(SCRIPT_NAME)
            return self._read(session)

    def disable(self, account: Account, password: str) -> Status:
        with self.servers.sieve(account.identifiant, password) as session:
            active, names = session.scripts()
            if active == SCRIPT_NAME:
                session.activate(self._previous(session) or "")
            if SCRIPT_NAME in names:
                session.delete(SCRIPT_NAME)
            return self._read(session)
