"""Audit trail of security events, without any secret; kept 12 months."""

from __future__ import annotations

import json

from pwa.store import Store

RETENTION_SECONDS = 365 * 24 * 3600

# The events, with the French label shown to the user and the help desk.
EVENTS = {
    "identifiant.retrieved": "Identifiant retrouvé",
    "identifiant.failed": "Échec : identifiant non retrouvé",
    "identity.verified": "Identité vérifiée avec le NUMEN et la date de naissance",
    "identity.failed": "Échec : NUMEN et date de naissance",
    "identity.disabled": "NUMEN et date de naissance exacts, compte désactivé",
    "password.set": "Mot de passe choisi avec le NUMEN",
    "password.changed": "Mot de passe modifié",
    "password.failed": "Échec : vérification NUMEN",
    "login.succeeded": "Connexion",
    "login.failed": "Échec de connexion",
    "logout": "Déconnexion",
    "logout.everywhere": "Déconnexion de tous les appareils",
    "account.paused": "Vérifications suspendues après trop d'échecs",
    "import": "Import du personnel",
    "login.passkey": "Connexion avec une clé d'accès",
    "login.second_factor": "Deuxième étape de connexion réussie",
    "login.second_factor_failed": "Échec à la deuxième étape de connexion",
    "factor.added": "Protection ajoutée (clé d'accès ou application)",
    "factor.removed": "Protection supprimée",
    "factor.renamed": "Clé d'accès renommée",
    "recovery.generated": "Nouveaux codes de secours",
    "recovery.used": "Code de secours utilisé",
    "backup.code_sent": "Code envoyé à l'adresse de secours",
    "backup.code_failed": "Échec : code reçu par courriel",
    "backup.added": "Adresse de secours ajoutée ou modifiée",
    "backup.removed": "Adresse de secours supprimée",
    "password.reset_backup": "Mot de passe choisi avec l'adresse de secours",
    "letter.printed": "Lettre d'activation imprimée",
    "letter.requested": "Lettre d'activation demandée par courrier",
    "letter.code_failed": "Échec : code d'activation ou de l'assistance",
    "password.set_letter": "Mot de passe choisi avec le code d'activation",
    "password.set_helpdesk": "Mot de passe choisi avec le code de l'assistance",
    "factors.reset": "Protections supprimées (code d'activation ou de l'assistance)",
    "helpdesk.viewed": "Assistance : fiche du compte consultée",
    "helpdesk.caller_checked": "Assistance : vérification de l'identité de l'appelant",
    "helpdesk.code_issued": "Assistance : code à usage unique transmis",
    "helpdesk.unlocked": "Assistance : vérifications débloquées",
    "account.disabled": "Compte désactivé",
    "account.enabled": "Compte réactivé",
    "role.granted": "Rôle attribué",
    "role.revoked": "Rôle retiré",
    "backup.identity_failed": "Échec : date de naissance (adresse de secours)",
    "mailbox.tested": "Test de connexion à la messagerie",
    "absence.enabled": "Message d'absence enregistré",
    "absence.disabled": "Message d'absence arrêté",
}


class Audit:
    def __init__(self, store: Store) -> None:
        self.store = store

    def record(
        self,
        event: str,
        *,
        account_id: int | None = None,
        actor: str | None = None,
        client: str | None = None,
        **details: object,
    ) -> None:
        if event not in EVENTS:
            raise ValueError(f"unknown audit event {event!r}")
        with self.store.write() as db:
            db["audit"].insert(
                {
                    "at": self.store.now(),
                    "event": event,
                    "account_id": account_id,
                    "actor": actor,
                    "client": client,
                    "details": json.dumps(details, ensure_ascii=False) if details else None,
                }
            )

    def for_account(self, account_id: int, limit: int = 20) -> list[dict]:
        rows = self.store.query(
            "select * from audit where account_id = ? order by at desc, id desc limit ?",
            (account_id, limit),
        )
        for row in rows:
            row["label"] = EVENTS.get(row["event"], row["event"])
        return rows

    def purge(self) -> int:
        with self.store.write() as db:
            cursor = db.execute(
                "delete from audit where at < ?", (self.store.now() - RETENTION_SECONDS,)
            )
            return cursor.rowcount
