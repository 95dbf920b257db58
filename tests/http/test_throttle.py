"""Throttling numbers of DESIGN §5, through the real app and database."""

from __future__ import annotations

from support.web import JEAN, Page, date_fields, get, submit

from pwa.security.throttle import DAILY_BUDGET


def numen_attempt(client, numen: str, *, client_ip: str | None = None) -> Page:
    page = submit(client, get(client, "/mot-de-passe"), "/mot-de-passe", identifiant=JEAN.identifiant)
    return submit(client, page, "/mot-de-passe/verification", numen=numen, **date_fields(JEAN.birth))


class Clock:
    def __init__(self, start: float) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


def test_delay_doubles_from_the_fifth_failure(client, sesame, people):
    clock = Clock(sesame.store.now())
    sesame.store.clock = clock
    for _ in range(4):
        assert numen_attempt(client, "13E24TEST9999").status == 422
    fifth = numen_attempt(client, "13E24TEST9999")
    assert fifth.status == 422  # the 5th failure is checked, and starts the delay
    blocked = numen_attempt(client, JEAN.numen)  # even the right NUMEN waits
    assert blocked.status == 429 and "Attendez 1 minute" in blocked.errors[0]
    clock.now += 61
    assert numen_attempt(client, "13E24TEST9999").status == 422  # 6th failure
    clock.now += 61
    assert numen_attempt(client, JEAN.numen).status == 429, "6th failure → 120 s"
    clock.now += 60
    assert numen_attempt(client, JEAN.numen).status == 200


def test_unknown_accounts_are_throttled_the_same_way(client, sesame, people):
    def attempt(identifiant: str) -> int:
        page = submit(client, get(client, "/mot-de-passe"), "/mot-de-passe", identifiant=identifiant)
        return submit(
            client, page, "/mot-de-passe/verification", numen="13E24TEST9999", **date_fields(JEAN.birth)
        ).status

    known = [attempt("jdupont") for _ in range(6)]
    unknown = [attempt("personne") for _ in range(6)]
    assert known == unknown == [422] * 5 + [429]


def test_daily_budget_pauses_the_account_and_tells_the_owner(sesame, people):
    account = sesame.directory.by_login("jdupont")
    service = sesame.accounts
    clock = Clock(sesame.store.now())
    sesame.store.clock = clock
    for n in range(DAILY_BUDGET):
        clock.now += 1
        outcome = service.verify_numen("jdupont", JEAN.birth, "13E24TEST9999", f"10.0.{n}.1")
        assert not outcome.ok and not outcome.throttled
    # A stranger's 25 failures from 25 addresses: the NUMEN check pauses for everyone...
    fresh = service.verify_numen("jdupont", JEAN.birth, JEAN.numen, "192.0.2.7")
    assert fresh.throttled and fresh.verdict.reason == "paused"
    assert service.authenticate("jdupont", "anything", "192.0.2.7").throttled
    # ...the owner is told once, at the academic address...
    notices = sesame.store.query("select to_addr, subject from outbox")
    assert notices == [
        {
            "to_addr": account.email,
            "subject": "[Aix-Marseille] Trop d'essais sur votre compte : vérifications suspendues",
        }
    ]
    # ...and the pause ends when the window has passed.
    clock.now += 24 * 3600
    assert service.verify_numen("jdupont", JEAN.birth, JEAN.numen, "192.0.2.7").ok
    # The help desk can lift a pause (issue 6 builds its page on this).
    sesame.throttle.lift(f"account:{account.id}")


def test_flood_cap_per_client_only(sesame, people):
    sesame.throttle.flood_cap = 30
    for n in range(30):
        sesame.accounts.retrieve_identifiant(f"x{n}@ac-aix-marseille.fr", JEAN.birth, JEAN.numen, "198.51.100.9")
    flooded = sesame.accounts.retrieve_identifiant(JEAN.email, JEAN.birth, JEAN.numen, "198.51.100.9")
    assert flooded.throttled and flooded.verdict.reason == "flood"
    # Another address (another phone on the same Wi-Fi would share it; a stranger does not).
    assert sesame.accounts.retrieve_identifiant(JEAN.email, JEAN.birth, JEAN.numen, "198.51.100.10").ok


def test_success_clears_the_pair_counter(sesame, people):
    for _ in range(4):
        sesame.accounts.verify_numen("jdupont", JEAN.birth, "13E24TEST9999", "203.0.113.5")
    assert sesame.accounts.verify_numen("jdupont", JEAN.birth, JEAN.numen, "203.0.113.5").ok
    for _ in range(4):
        assert not sesame.accounts.verify_numen("jdupont", JEAN.birth, "13E24TEST9999", "203.0.113.5").throttled


def test_trusted_proxy_decides_the_client_address(tmp_path):
    from ipaddress import ip_network

    from pwa.security.client import client_address

    scope = {"client": ("10.1.2.3", 5555), "headers": [(b"x-forwarded-for", b"198.51.100.1, 10.1.2.4")]}
    assert client_address(scope, ()) == "10.1.2.3"
    trusted = (ip_network("10.1.0.0/16"),)
    assert client_address(scope, trusted) == "198.51.100.1"
    spoofed = {"client": ("198.51.100.77", 1), "headers": [(b"x-forwarded-for", b"1.2.3.4")]}
    assert client_address(spoofed, trusted) == "198.51.100.77"


def test_concurrent_guesses_never_exceed_the_daily_budget(sesame, people):
    """64 wrong passwords at once, from 64 addresses: each guess is counted before it
    is evaluated, in one write transaction, so at most the CNIL's 25 are evaluated."""
    import threading

    account = sesame.directory.by_login(JEAN.identifiant)
    sesame.directory.set_password_hash(account.id, sesame.hashing.hash("Calanque-Bleue-Soleil-42"))
    sesame.hashing.queue = 64  # every guess waits for its turn (no 503 here)
    sesame.hashing.wait_seconds = 60
    evaluated = []
    verify = sesame.hashing.verify
    lock = threading.Lock()

    def counting_verify(stored, password):
        with lock:
            evaluated.append(password)
        return verify(stored, password)

    sesame.hashing.verify = counting_verify
    start = threading.Barrier(64)
    outcomes = []

    def guess(i: int) -> None:
        start.wait()
        outcome = sesame.accounts.authenticate(JEAN.identifiant, f"mauvais-{i}", f"198.51.100.{i}")
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(64)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(outcomes) == 64 and not any(o.ok for o in outcomes)
    assert len(evaluated) <= DAILY_BUDGET, f"{len(evaluated)} guesses evaluated"
    assert sum(o.throttled for o in outcomes) >= 64 - DAILY_BUDGET
    assert sesame.throttle.paused_until(f"account:{account.id}") > sesame.store.now()
    pending = sesame.store.one("select count(*) as n from failures where kind = 'pending'")
    assert pending["n"] == 0


def test_refusals_are_folded_into_one_audit_row_per_hour(client, sesame, people):
    """A guessing run leaves a readable trail: one row per account, event and hour,
    with the count and the distinct addresses, not one row per guess."""
    account = sesame.directory.by_login(JEAN.identifiant)
    for i in range(12):
        sesame.accounts.authenticate(JEAN.identifiant, f"mauvais-{i}", f"203.0.113.{i % 3}")
    rows = sesame.store.query("select * from audit where event = 'login.failed' and account_id = ?", (account.id,))
    assert len(rows) == 1
    trail = sesame.audit.for_account(account.id)
    assert trail[0]["label"] == "Échec de connexion (12 fois en moins d'une heure, depuis 3 adresses)"
    sesame.store.clock = lambda: rows[0]["at"] + 3601  # the next hour opens a new row
    sesame.accounts.authenticate(JEAN.identifiant, "mauvais", "203.0.113.9")
    assert (
        sesame.store.one(
            "select count(*) as n from audit where event = 'login.failed' and account_id = ?", (account.id,)
        )["n"]
        == 2
    )
