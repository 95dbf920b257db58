"""Security notices by mail (DESIGN §5): to the academic address, and to the
backup address when there is one. Texts are templates in templates/mail/."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from jinja2 import Environment

from pwa.directory import Account
from pwa.mail.outbox import Outbox
from pwa.profile import Profile

PARIS = ZoneInfo("Europe/Paris")

SUBJECTS = {
    "password_changed": "Votre mot de passe a été modifié",
    "account_activated": "Votre compte est activé",
    "account_paused": "Trop d'essais sur votre compte : vérifications suspendues",
    "logout_everywhere": "Vous avez été déconnecté de tous vos appareils",
    "factor_added": "Une protection a été ajoutée à votre compte",
    "factor_removed": "Une protection a été retirée de votre compte",
    "recovery_code_used": "Un code de secours a été utilisé",
    "backup_verify_code": "Code de vérification de votre adresse de secours",
    "backup_reset_code": "Code pour choisir un nouveau mot de passe",
    "backup_added": "Adresse de secours enregistrée",
    "backup_removed": "Adresse de secours supprimée",
    "helpdesk_code": "Votre code de l'assistance pour choisir un mot de passe",
    "app_password_created": "Un mot de passe d'application a été créé",
    "app_password_revoked": "Mot de passe d'application révoqué",
}


class Notices:
    def __init__(self, env: Environment, outbox: Outbox, profile: Profile, public_url: str) -> None:
        self.env = env
        self.outbox = outbox
        self.profile = profile
        self.public_url = public_url

    def send(
        self,
        kind: str,
        account: Account,
        *,
        when: float,
        client: str = "",
        to: list[str] | None = None,
        **extra,
    ) -> None:
        """Render templates/mail/<kind>.txt and queue it. By default to the
        academic address and the backup address; `to` names other recipients
        (a code goes only to the address it checks). `extra` reaches the template."""
        moment = dt.datetime.fromtimestamp(when, PARIS)
        body = self.env.get_template(f"mail/{kind}.txt").render(
            account=account,
            profile=self.profile,
            when=moment.strftime("%d/%m/%Y à %H:%M"),
            client=client,
            public_url=self.public_url or "",
            **extra,
        )
        subject = f"[{self.profile.short_name}] {SUBJECTS[kind]}"
        if to is None:
            to = [account.email] + ([account.backup_email] if account.backup_email else [])
        for to_addr in dict.fromkeys(to):
            self.outbox.enqueue(to_addr, subject, body)
