"""Activation letters (DESIGN §3.3, §3.5b): one printed page per person with
the identifiant and a one-time activation code, never a password.

Printing issues a new code for each person, which voids the code of any
earlier letter (pwa.services.printing decides what a batch may print without
voiding a newer code). The QR code opens the code-entry page with the code after
`#`, so it never reaches a server log."""

from __future__ import annotations

import datetime as dt
import io
import re
import secrets
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

import segno
from fpdf import FPDF

from pwa.directory import Account, SqliteDirectory
from pwa.profile import Profile
from pwa.security.audit import Audit
from pwa.services.codes import ALPHABET, PURPOSES, Codes, grouped
from pwa.services.notices import PARIS
from pwa.store import Store
from pwa.stores.etablissements import Etablissements
from pwa.stores.letter_requests import LetterQueue

REQUEST_REFERENCE_LENGTH = 8
REQUESTS_PER_CLIENT_HOUR = 10
STALE_REQUEST_DAYS = 15


@dataclass(frozen=True)
class Letter:
    account: Account
    etablissement: str
    code: str
    base_url: str
    expires: dt.date

    @property
    def url(self) -> str:
        return activation_url(self.base_url, self.account.identifiant, self.code)


def activation_url(base_url: str, identifiant: str, code: str | None = None) -> str:
    url = f"{base_url.rstrip('/')}/activation?identifiant={quote(identifiant)}"
    return f"{url}#{grouped(code)}" if code else url


def _latin(text: str) -> str:
    """The PDF's core font holds Latin-1: keep French accents, fold the rest."""
    out = []
    for char in text:
        try:
            char.encode("latin-1")
            out.append(char)
        except UnicodeEncodeError:
            folded = unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode()
            out.append({"œ": "oe", "Œ": "OE", "’": "'", "•": "-", "–": "-"}.get(char, folded))
    return "".join(out)


class LetterPdf(FPDF):
    def __init__(self, academie: str) -> None:
        super().__init__(format="A4")
        self.academie = academie
        self.set_auto_page_break(False)
        self.set_margins(20, 18, 20)
        self.set_title(_latin(f"Lettres d'activation - {academie}"))
        self.set_creator("Sésame")

    def text_line(self, text: str, *, size: float = 11, style: str = "", height: float = 6) -> None:
        self.set_font("helvetica", style=style, size=size)
        self.multi_cell(0, height, _latin(text), new_x="LMARGIN", new_y="NEXT")

    def login_line(self, text: str, *, size: float, height: float) -> None:
        """An identifiant or address on one line: the font shrinks (down to
        9 pt) to fit the width; past that, the line breaks only after a '.'
        or the '@', never inside a name (a 64-character local part fits)."""
        text = _latin(text)
        while size > 9:
            self.set_font("helvetica", style="B", size=size)
            if self.get_string_width(text) <= self.epw:
                break
            size -= 0.5
        self.set_font("helvetica", style="B", size=size)
        line = ""
        for piece in re.split(r"(?<=[.@])", text):
            if line and self.get_string_width(line + piece) > self.epw:
                self.cell(0, height, line, new_x="LMARGIN", new_y="NEXT")
                line = ""
            line += piece
        self.cell(0, height, line, new_x="LMARGIN", new_y="NEXT")

    def page_for(self, letter: Letter, profile) -> None:
        a = letter.account
        self.add_page()
        self.text_line(profile.name, size=10, style="B")
        self.text_line(letter.etablissement, size=10)
        self.ln(6)
        self.text_line("Votre compte de messagerie académique", size=17, style="B", height=9)
        self.text_line(f"Pour {a.first_name} {a.last_name}", size=12)
        self.ln(4)
        self.text_line(
            "Ce courrier vous permet d'ouvrir votre messagerie professionnelle. "
            "Il ne contient pas de mot de passe : c'est vous qui allez le choisir.",
        )
        self.ln(4)
        self.text_line("Votre identifiant", size=10)
        self.login_line(a.identifiant, size=16, height=8)
        self.text_line("Votre adresse académique", size=10)
        self.login_line(a.email, size=12, height=6)
        self.ln(2)
        self.text_line("Votre code d'activation (à usage unique)", size=10)
        self.set_font("courier", style="B", size=20)
        self.cell(0, 11, grouped(letter.code), new_x="LMARGIN", new_y="NEXT")
        self.text_line(
            f"Valable jusqu'au {letter.expires:%d/%m/%Y}. Une fois votre mot de passe choisi, ce code ne sert plus.",
            size=10,
        )
        self.ln(4)
        top = self.get_y()
        qr = io.BytesIO()
        segno.make(letter.url, error="m").save(qr, kind="png", scale=6, border=2)
        qr.seek(0)
        self.image(qr, x=self.w - self.r_margin - 50, y=top, w=50, h=50)
        self.set_right_margin(self.r_margin + 56)
        self.text_line("Comment faire", size=13, style="B", height=8)
        steps = [
            "1. Avec l'appareil photo de votre téléphone, visez le carré noir et blanc. Ou ouvrez cette adresse :",
            f"   {activation_url(letter.base_url, a.identifiant)}",
            "2. Vérifiez votre identifiant et tapez le code d'activation ci-dessus (s'il n'est pas déjà rempli).",
            "3. Choisissez votre mot de passe. La liste des règles vous guide.",
            "4. C'est prêt : ce mot de passe ouvre votre messagerie.",
        ]
        for step in steps:
            self.text_line(step, size=11)
        self.set_right_margin(self.r_margin - 56)
        self.set_y(max(self.get_y(), top + 54) + 6)
        self.text_line("Gardez ce code pour vous", size=12, style="B", height=7)
        self.text_line(
            "Ne le donnez à personne. L'assistance ne vous le demandera jamais. "
            "Si vous avez perdu ce courrier, demandez-en un nouveau à votre secrétariat : "
            "l'ancien code ne marchera plus.",
            size=10,
        )
        self.ln(3)
        self.text_line(
            f"Besoin d'aide ? Assistance : {profile.helpdesk_phone}, {profile.helpdesk_hours}.",
            size=10,
        )


def by_place_and_name(pairs: list[tuple[Account, str]]) -> list[tuple[Account, str]]:
    return sorted(pairs, key=lambda p: (p[1], p[0].last_name, p[0].first_name, p[0].identifiant))


class Letters:
    def __init__(
        self,
        *,
        store: Store,
        profile: Profile,
        directory: SqliteDirectory,
        etablissements: Etablissements,
        queue: LetterQueue,
        codes: Codes,
        audit: Audit,
    ) -> None:
        self.store = store
        self.profile = profile
        self.directory = directory
        self.etablissements = etablissements
        self.queue = queue
        self.codes = codes
        self.audit = audit

    def _with_places(self, accounts: list[Account]) -> list[tuple[Account, str]]:
        names = self.etablissements.names()
        return by_place_and_name([(a, names.get(a.uai or "", a.uai or "")) for a in accounts])

    def accounts(
        self,
        *,
        uai: str | None = None,
        identifiants: list[str] | None = None,
        include_active: bool = False,
        include_printed: bool = False,
    ) -> list[tuple[Account, str]]:
        """Accounts to print for, with their établissement's name, sorted by
        établissement then name. By default only accounts not activated yet
        and without a letter still valid (a new letter would void it: reprint
        by naming the person)."""
        people = self.directory.people(uai=uai, identifiants=identifiants, not_activated=not include_active)
        if not include_printed and not identifiants:
            printed = {r["account_id"] for r in self.codes.live_letters([a.id for a in people])}
            people = [a for a in people if a.id not in printed]
        return self._with_places(people)

    def print(
        self,
        people: list[tuple[Account, str]],
        *,
        base_url: str,
        actor: str,
        actor_id: int | None = None,
        client: str = "",
        progress: Callable[[int, int], None] | None = None,
    ) -> bytes:
        """Issue a new activation code for each person (voiding older
        letters) and return the PDF. The codes exist in clear only inside it.
        `progress(done, total)` is called after each page (`sesame letters`)."""
        if not people:
            raise ValueError("no letters to print")
        pdf = LetterPdf(self.profile.name)
        lifetime = PURPOSES["letter"].lifetime
        # Another agent printing the same people at the same time: whoever issues a person's
        # letter first prints it; the other skips that person instead of voiding it.
        seen = {r["id"] for r in self.codes.live_letters([a.id for a, _ in people])}
        printed = []
        for done, (account, etablissement) in enumerate(people, start=1):
            with self.store.write():  # each code with its audit event (the PDF is drawn outside)
                self.store.lock(f"code:{account.id}:letter")
                taken = any(r["id"] not in seen for r in self.codes.live_letters([account.id]))
                if not taken:
                    code = self.codes.issue(account.id, "letter", target="letter", issued_by=actor_id)
                    self.audit.record("letter.printed", account_id=account.id, actor=actor, client=client)
            if not taken:
                expires = dt.datetime.fromtimestamp(self.store.now() + lifetime, PARIS).date()
                pdf.page_for(Letter(account, etablissement, code, base_url, expires), self.profile)
                printed.append(account)
            if progress:
                progress(done, len(people))
        now = self.store.now()
        for account in printed:
            self.queue.mark(account.id, "printed", at=now, by=actor_id)
        return bytes(pdf.output())

    # Postal requests (journey 5b) ------------------------------------------

    def request(
        self,
        account: Account | None,
        uai: str,
        client: str,
        *,
        first_name: str = "",
        last_name: str = "",
        review_reason: str | None = None,
    ) -> str:
        """Record a request; the same reference comes back whether or not the
        details matched. Matched (`account`): queued for printing, replacing a
        queued one. Not matched: waits for an agent's review
        (pwa.services.letter_requests). The names typed are kept for the agent."""
        reference = "L-" + "".join(secrets.choice(ALPHABET) for _ in range(REQUEST_REFERENCE_LENGTH))
        self.queue.add(
            {
                "reference": reference,
                "account_id": account.id if account else None,
                "uai": uai,
                "created_at": self.store.now(),
                "status": "queued" if account is not None else "review",
                "review_reason": None if account is not None else review_reason or "unmatched",
                "first_name": first_name[:120],
                "last_name": last_name[:120],
                "client": client,
            }
        )
        if account is not None:
            self.audit.record("letter.requested", account_id=account.id, client=client)
        return reference

    def requests_from(self, client: str, seconds: float = 3600) -> int:
        return self.queue.count_from(client, self.store.now() - seconds)

    def status(self, reference: str) -> dict | None:
        return self.queue.by_reference(reference.strip().upper())

    def queued(self, uai: str | None = None) -> list[tuple[Account, str]]:
        """People with a queued request (HR's print list), by établissement."""
        people = [
            a for a in self.directory.get_many(self.queue.queued_accounts()) if a.active and (not uai or a.uai == uai)
        ]
        return self._with_places(people)
