"""Audit trail of security events, without any secret; kept 12 months."""

from __future__ import annotations

import json
from functools import partial
from typing import Any

from pwa.ops.events import announce
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
    "account.unpaused": "Suspension levée : mot de passe choisi avec un code de lettre ou de l'assistance",
    "device.paused": "Appareil déjà connu suspendu après trop d'échecs",
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
    "letter.request_served": "Demande de lettre déjà servie par un code plus récent : pas de nouvelle lettre",
    "letter.code_replaced": "Code encore valable annulé par une nouvelle lettre (confirmé)",
    "letter.request_attached": "Demande de courrier rattachée au compte par un agent",
    "letter.request_rejected": "Demande de courrier refusée par un agent",
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
    "codes.paused": "Codes d'activation refusés depuis une adresse après trop d'échecs",
    "app_password.created": "Mot de passe d'application créé",
    "app_password.revoked": "Mot de passe d'application révoqué",
    "export.not_activated": "Liste des comptes pas encore activés exportée (CSV)",
    "account.left": "Compte désactivé : absent de la liste complète du personnel après le délai",
    "account.returned": "Compte rétabli : de nouveau dans la liste du personnel",
}

# Refusals are folded into one row per account, event and hour (with a count and
# the distinct addresses), so a guessing attack cannot drown the trail people read.
REFUSALS = frozenset(name for name in EVENTS if name.endswith("failed"))
AGGREGATE_WINDOW = 3600.0
MAX_LISTED_CLIENTS = 20


def label(row: dict[str, Any]) -> str:
    """The French label, with the count of a folded refusal."""
    text: str = EVENTS.get(row["event"], row["event"])
    details = json.loads(row.get("details") or "{}")
    count = details.get("count", 1) if isinstance(details, dict) else 1
    if count > 1:
        addresses = details.get("distinct_clients", 1)
        text += f" ({count} fois en moins d'une heure"
        text += f", depuis {addresses} adresses)" if addresses > 1 else ")"
    return text


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
            # The log line and the metrics follow the commit (nothing for a rollback).
            self.store.after_commit(
                partial(announce, event, account_id=account_id, actor=actor, client=client, details=details)
            )
            if event in REFUSALS and self._aggregate(event, account_id, client):
                return
            db.table("audit").insert(
                {
                    "at": self.store.now(),
                    "event": event,
                    "account_id": account_id,
                    "actor": actor,
                    "client": client,
                    "details": json.dumps(details, ensure_ascii=False) if details else None,
                }
            )

    def _aggregate(self, event: str, account_id: int | None, client: str | None) -> bool:
        """Fold a refusal into the account's open row for that event (less than
        AGGREGATE_WINDOW old): its count, last time and distinct addresses grow.
        Called inside the write transaction. Returns False when a new row is due."""
        now = self.store.now()
        row = self.store.one(
            "select id, client, details from audit where event = ? and account_id is not distinct from ? and at > ?"
            " order by id desc limit 1",
            (event, account_id, now - AGGREGATE_WINDOW),
        )
        if row is None:
            return False
        details = json.loads(row["details"] or "{}")
        first = [row["client"]] if row["client"] else []
        clients = details.get("clients", first)
        distinct = details.get("distinct_clients", len(first))
        if client and client not in clients:
            distinct += 1
            if len(clients) < MAX_LISTED_CLIENTS:
                clients.append(client)
        details.update(
            count=details.get("count", 1) + 1,
            last_at=now,
            clients=clients,
            distinct_clients=distinct,
        )
        self.store.db.execute(
            "update audit set details = ?, client = ? where id = ?",
            (json.dumps(details, ensure_ascii=False), client, row["id"]),
        )
        return True

    def for_account(self, account_id: int, limit: int = 20) -> list[dict[str, Any]]:
        rows = self.store.query(
            "select * from audit where account_id = ? order by at desc, id desc limit ?",
            (account_id, limit),
        )
        for row in rows:
            row["label"] = label(row)
        return rows

    def count(self, account_id: int, event: str, *, since: float) -> int:
        row = self.store.one(
            "select count(*) as n from audit where account_id = ? and event = ? and at > ?",
            (account_id, event, since),
        )
        return row["n"] if row else 0

    def first_at(self, events: tuple[str, ...]) -> dict[int, float]:
        """Account id → the time of its first event among `events` still in the trail
        (kept RETENTION_SECONDS)."""
        marks = ", ".join("?" * len(events))
        rows = self.store.query(
            f"select account_id, min(at) as at from audit where event in ({marks})"
            " and account_id is not null group by account_id",
            events,
        )
        return {int(r["account_id"]): float(r["at"]) for r in rows}

    def purge(self) -> int:
        with self.store.write() as db:
            cursor = db.execute("delete from audit where at < ?", (self.store.now() - RETENTION_SECONDS,))
            return cursor.rowcount
