"""The invariants of the database that must hold after any crash (issue 12), checked on
a stopped server's file by reliability/kill.py:

- `PRAGMA integrity_check` is ok;
- every used letter or help-desk code has its password change (password_changed_at not
  before the code's used_at) and its audit event (per person, as many
  `password.set_letter` / `password.set_helpdesk` events as used codes of that kind);
- every password change has its audit event and its notice in the outbox (per person,
  as many notices as password events; the newest event not older than the change).
"""

from __future__ import annotations

import sqlite3

PASSWORD_EVENTS = (
    "password.set",
    "password.set_letter",
    "password.set_helpdesk",
    "password.changed",
    "password.reset_backup",
)
CODE_EVENTS = {
    "letter": "password.set_letter",
    "helpdesk": "password.set_helpdesk",
    "backup_reset": "password.reset_backup",
}
NOTICE_SUBJECTS = ("%Votre compte est activé", "%Votre mot de passe a été modifié")


def violations(conn: sqlite3.Connection, since: float) -> list[str]:
    """What is broken, one line each; `since`: password changes older than this (the
    demo's seeded passwords) need no audit event."""
    conn.row_factory = sqlite3.Row
    found: list[str] = []
    integrity = conn.execute("pragma integrity_check").fetchone()[0]
    if integrity != "ok":
        found.append(f"integrity_check: {integrity}")
    for row in conn.execute(
        "select c.id, c.purpose, a.identifiant from codes c join accounts a on a.id = c.account_id"
        " where c.purpose in ('letter', 'helpdesk', 'backup_reset') and c.used_at is not null"
        " and (a.password_changed_at is null or a.password_changed_at < c.used_at)"
    ):
        found.append(f"{row['purpose']} code {row['id']} used without the password change ({row['identifiant']})")
    for purpose, event in CODE_EVENTS.items():
        for row in conn.execute(
            "select a.identifiant,"
            " (select count(*) from codes c"
            "  where c.account_id = a.id and c.purpose = ? and c.used_at is not null) as used,"
            " (select count(*) from audit e where e.account_id = a.id and e.event = ?) as events"
            " from accounts a",
            (purpose, event),
        ):
            if row["used"] != row["events"]:
                found.append(
                    f"{row['identifiant']}: {row['used']} used {purpose} codes, {row['events']} {event} events"
                )
    marks = ",".join("?" * len(PASSWORD_EVENTS))
    for row in conn.execute(
        f"select a.identifiant, a.password_changed_at as changed,"
        f" (select count(*) from audit e where e.account_id = a.id and e.event in ({marks})) as events,"
        f" (select max(at) from audit e where e.account_id = a.id and e.event in ({marks})) as last_event,"
        " (select count(*) from outbox o"
        "  where o.to_addr = a.email and (o.subject like ? or o.subject like ?)) as notices"
        f" from accounts a",
        (*PASSWORD_EVENTS, *PASSWORD_EVENTS, *NOTICE_SUBJECTS),
    ):
        if row["events"] != row["notices"]:
            found.append(f"{row['identifiant']}: {row['events']} password events, {row['notices']} notices")
        if row["changed"] and row["changed"] > since and (row["last_event"] or 0) < row["changed"]:
            found.append(f"{row['identifiant']}: password changed without its audit event")
    return found
