"""Server-side sessions (DESIGN §5): random 256-bit ids, only their hash stored,
`__Host-` cookie, rotated on login, idle 30 min, absolute 12 h."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from pwa.security.keys import new_token, token_hash
from pwa.store import Store

IDLE_SECONDS = 30 * 60
ABSOLUTE_SECONDS = 12 * 3600
TOUCH_EVERY = 60


@dataclass
class Session:
    id_hash: str
    account_id: int | None
    level: str  # anonymous | password | full
    data: dict[str, Any]
    created_at: float
    authenticated_at: float | None
    last_seen_at: float

    @property
    def authenticated(self) -> bool:
        return self.account_id is not None and self.level == "full"

    def expires_at(self) -> float:
        return min(self.last_seen_at + IDLE_SECONDS, self.created_at + ABSOLUTE_SECONDS)


class SessionStore:
    def __init__(self, store: Store) -> None:
        self.store = store

    def load(self, raw_id: str | None) -> Session | None:
        if not raw_id or len(raw_id) > 100:
            return None
        row = self.store.one("select * from sessions where id_hash = ?", (token_hash(raw_id),))
        if row is None:
            return None
        session = Session(
            id_hash=row["id_hash"],
            account_id=row["account_id"],
            level=row["level"],
            data=json.loads(row["data"] or "{}"),
            created_at=row["created_at"],
            authenticated_at=row["authenticated_at"],
            last_seen_at=row["last_seen_at"],
        )
        now = self.store.now()
        if now >= session.expires_at():
            self.delete(session.id_hash)
            return None
        if now - session.last_seen_at >= TOUCH_EVERY:
            # Plain UPDATE: a session deleted meanwhile (logout on another tab) is no error.
            with self.store.write() as db:
                db.execute("update sessions set last_seen_at = ? where id_hash = ?", (now, session.id_hash))
            session.last_seen_at = now
        return session

    def create(
        self,
        *,
        account_id: int | None,
        level: str,
        data: dict[str, Any] | None = None,
        client: str = "",
        user_agent: str = "",
    ) -> tuple[str, Session]:
        raw_id = new_token(32)
        now = self.store.now()
        session = Session(
            id_hash=token_hash(raw_id),
            account_id=account_id,
            level=level,
            data=data or {},
            created_at=now,
            authenticated_at=now if account_id else None,
            last_seen_at=now,
        )
        with self.store.write() as db:
            db.table("sessions").insert(
                {
                    "id_hash": session.id_hash,
                    "account_id": account_id,
                    "level": level,
                    "data": json.dumps(session.data),
                    "created_at": now,
                    "authenticated_at": session.authenticated_at,
                    "last_seen_at": now,
                    "client": client,
                    "user_agent": user_agent[:200],
                }
            )
        return raw_id, session

    def save_data(self, session: Session) -> None:
        """Saves nothing when the session was deleted while the request ran (a logout
        racing it): the request's changes die with the session, never a 500."""
        with self.store.write() as db:
            db.execute(
                "update sessions set data = ? where id_hash = ?",
                (json.dumps(session.data), session.id_hash),
            )

    def take(self, session: Session, key: str) -> Any:
        """Remove `key` from the session's stored data and return it, once: of two requests
        of one session taking it at the same moment (each with its own copy of the data),
        one gets it, the other None. Other keys stored meanwhile are kept."""
        session.data.pop(key, None)
        with self.store.write() as db:
            self.store.lock(f"session:{session.id_hash}")
            row = self.store.one("select data from sessions where id_hash = ?", (session.id_hash,))
            data = json.loads(row["data"] or "{}") if row else {}
            value = data.pop(key, None)
            if value is not None:
                db.execute("update sessions set data = ? where id_hash = ?", (json.dumps(data), session.id_hash))
        return value

    def delete(self, id_hash: str) -> None:
        with self.store.write() as db:
            db.execute("delete from sessions where id_hash = ?", (id_hash,))

    def revoke_all(self, account_id: int, *, keep: str | None = None) -> int:
        with self.store.write() as db:
            cursor = db.execute(
                "delete from sessions where account_id = ? and id_hash != ?",
                (account_id, keep or ""),
            )
            return cursor.rowcount

    def count_for(self, account_id: int) -> int:
        row = self.store.one("select count(*) as n from sessions where account_id = ?", (account_id,))
        return row["n"] if row else 0

    def purge_expired(self) -> None:
        now = self.store.now()
        with self.store.write() as db:
            db.execute(
                "delete from sessions where last_seen_at < ? or created_at < ?",
                (now - IDLE_SECONDS, now - ABSOLUTE_SECONDS),
            )


@dataclass
class SessionHandle:
    """Per-request access to the session; the middleware writes the cookie."""

    sessions: SessionStore
    raw_id: str | None
    client: str = ""
    user_agent: str = ""
    _loaded: bool = False
    _session: Session | None = None
    set_cookie: str | None = None  # new raw id to send
    clear_cookie: bool = False
    state: dict[str, Any] = field(default_factory=dict)  # the request's scope state

    def get(self) -> Session | None:
        if not self._loaded:
            self._session = self.sessions.load(self.raw_id)
            self._loaded = True
            if self._session is None and self.raw_id:
                self.clear_cookie = True
        return self._session

    def start(self, *, account_id: int | None, level: str, data: dict[str, Any] | None = None) -> Session:
        """New session id (rotation): the previous row, if any, is deleted."""
        old = self.get()
        if old is not None:
            self.sessions.delete(old.id_hash)
        raw_id, session = self.sessions.create(
            account_id=account_id,
            level=level,
            data=data,
            client=self.client,
            user_agent=self.user_agent,
        )
        self.raw_id, self._session, self._loaded = raw_id, session, True
        self.set_cookie, self.clear_cookie = raw_id, False
        if account_id is not None:  # a sign-in: new CSRF cookie too
            self.state["csrf_seed"] = self.state["csrf_new"] = new_token(32)
        if account_id is not None and level == "full":  # and this browser is now a known one
            self.state["device_account"] = account_id
        return session

    def ensure(self) -> Session:
        return self.get() or self.start(account_id=None, level="anonymous")

    def save(self) -> None:
        if self._session is not None:
            self.sessions.save_data(self._session)

    def end(self) -> None:
        session = self.get()
        if session is not None:
            self.sessions.delete(session.id_hash)
        self._session, self.raw_id, self.set_cookie = None, None, None
        self.clear_cookie = True
