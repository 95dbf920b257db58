"""Two real `sesame serve` processes sharing one PostgreSQL database, as two hosts behind
a load balancer (issue 17): one state whichever host answers.

Each browser is one cookie jar carried to both instances (tests/support/instances.py).
The instances run with the real argon2id costs and their outbox workers, and send mail
to a real SMTP server on loopback."""

from __future__ import annotations

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
import pyotp
import pytest
from aiosmtpd.controller import Controller
from prometheus_client.parser import text_string_to_metric_families
from support.instances import PASSWORD, TOTP_KEY, Instance, Seeded, balanced_clients, environ, free_port, seed
from support.journeys import login
from support.web import SECRET, Page, SmtpSink, get, submit

from pwa.mail.outbox import Outbox
from pwa.security.keys import Keys, token_hash
from pwa.security.throttle import FREE_FAILURES
from pwa.settings import Settings
from pwa.store import open_store

WRONG = "Mauvais-Mot-De-Passe-42"
METRICS_TOKEN = "m" * 40
BULK = 30  # mails queued at once for the two workers
ROUNDS = 12  # sign-ins per client in the kill test (four clients)
KILL_AFTER = 10  # acknowledged sign-ins before A is killed


class Cluster:
    def __init__(self, a: Instance, b: Instance, seeded: Seeded, sink: SmtpSink, postgres, url: str) -> None:
        self.a, self.b, self.seeded, self.sink, self.folder = a, b, seeded, sink, a.folder
        self.postgres, self.url, self.dbname = postgres, url, url.rsplit("/", 1)[1]
        self._people = iter(seeded.people)
        self.clients: list[httpx.Client] = []

    def person(self) -> str:
        """An account no other test of the module touches."""
        return next(self._people)

    def sql(self, query: str, *params: object) -> list[tuple]:
        return self.postgres.admin(query, *params, dbname=self.dbname)

    def browser(self) -> list[httpx.Client]:
        """A new browser: one client for A and one for B, over the same cookies."""
        clients = balanced_clients(self.a, self.b)
        self.clients += clients
        return clients


@pytest.fixture(scope="module")
def cluster(postgres, tmp_path_factory) -> Cluster:
    folder = tmp_path_factory.mktemp("two-instances")
    url = postgres.database()
    sink = SmtpSink()
    smtp = Controller(sink, hostname="127.0.0.1", port=free_port())
    smtp.start()
    env = environ(database_url=url, smtp_port=smtp.port, public_url="http://127.0.0.1:8443")
    env["SESAME_METRICS_TOKEN"] = METRICS_TOKEN
    seeded = seed(folder, env, people=16)
    a, b = Instance("A", folder, env), Instance("B", folder, env)
    try:
        a.start()
        b.start()
        cluster = Cluster(a, b, seeded, sink, postgres, url)
        yield cluster
        for client in cluster.clients:
            client.close()
        for instance in (a, b):
            assert not instance.errors(), f"{instance.name} logged errors:\n{instance.log_text()[-4000:]}"
    finally:
        a.stop()
        b.stop()
        smtp.stop()


@pytest.fixture
def both(cluster: Cluster) -> Cluster:
    """Both instances up (a test that killed one does not leave it down for the next)."""
    for instance in (cluster.a, cluster.b):
        if not instance.alive:
            instance.start()
    return cluster


def test_a_session_opened_on_one_instance_is_valid_on_the_other_and_ends_on_both(both):
    on_a, on_b = both.browser()
    person = both.person()
    assert login(on_a, person, PASSWORD).h1 == "Mon compte"
    account = get(on_b, "/compte")
    assert account.status == 200 and account.h1 == "Mon compte"
    assert person in account.text()
    # Signing out on B ends the session A opened: A sends the browser to the sign-in page.
    signed_out = submit(on_b, account, "/deconnexion")
    assert signed_out.status == 200 and "/compte" not in str(signed_out.response.url)
    again = on_a.get("/compte")
    assert again.status_code == 303 and again.headers["location"].startswith("/connexion")


def _attempts(clients, person: str, count: int) -> list[Page]:
    return [login(clients[n % len(clients)], person, WRONG) for n in range(count)]


def test_wrong_passwords_on_both_instances_count_toward_one_throttle(both):
    on_a, on_b = both.browser()
    alone, shared = both.person(), both.person()
    # The reference: wrong passwords on one instance only.
    one = [p.status for p in _attempts([on_a], alone, FREE_FAILURES + 2)]
    # The same guesses sent alternately to A and B pause after the same number of failures.
    two = _attempts([on_a, on_b], shared, FREE_FAILURES + 2)
    assert [p.status for p in two] == one == [422] * (FREE_FAILURES + 1) + [429]
    assert "Attendez 1 minute" in " ".join(two[-1].errors)
    # Even the right password now waits, on either instance.
    for client in (on_a, on_b):
        refused = login(client, shared, PASSWORD)
        assert refused.status == 429 and refused.h1 != "Mon compte"


def _agent_issues_a_slip(cluster: Cluster, person: str) -> str:
    """The assistance agent, signed in on A (password and OTP app), prints a slip for `person`."""
    on_a, _ = cluster.browser()
    page = login(on_a, cluster.seeded.agent, PASSWORD)
    page = submit(on_a, page, "/connexion/verification", methode="totp", code=pyotp.TOTP(TOTP_KEY).now())
    assert page.h1 == "Mon compte", page.text()[:300]
    account_id = cluster.seeded.ids[person]
    page = get(on_a, f"/gestion/compte?compte={account_id}")
    slip = submit(on_a, page, f"/gestion/compte/code?compte={account_id}", canal="fiche")
    assert slip.status == 200, slip.text()[:300]
    return slip.soup.select_one("#slip-code").get_text(strip=True)


def test_a_code_issued_on_one_instance_is_used_once_when_both_receive_it_at_once(both):
    person = both.person()
    code = _agent_issues_a_slip(both, person)
    # Two browsers enter the code, one on A, the other on B: each reaches the password screen.
    browsers = [both.browser()[0], both.browser()[1]]
    choose = []
    for client in browsers:
        page = submit(client, get(client, "/activation"), "/activation", identifiant=person, code=code)
        assert page.status == 200 and page.form("/mot-de-passe/nouveau"), page.text()[:300]
        choose.append(page)
    passwords = ["Voile-Brume-Cigale-Olivier-1", "Lavande-Rocher-Mistral-Galet-2"]
    barrier = threading.Barrier(2)

    def send(n: int) -> int:
        data = {**choose[n].form("/mot-de-passe/nouveau"), "password": passwords[n], "confirmation": passwords[n]}
        barrier.wait()
        return browsers[n].post("/mot-de-passe/nouveau", data=data).status_code

    with ThreadPoolExecutor(2) as pool:
        statuses = list(pool.map(send, range(2)))
    assert sorted(statuses) == [303, 410], statuses
    winner = passwords[statuses.index(303)]
    loser = passwords[statuses.index(410)]
    account_id = both.seeded.ids[person]
    used = both.sql("select count(*) from codes where account_id = %s and used_at is not null", account_id)
    events = both.sql("select count(*) from audit where account_id = %s and event like 'password.set%%'", account_id)
    assert used == events == [(1,)]
    # The winner's password opens the account on either instance; the loser's does not.
    on_a, on_b = both.browser()
    assert login(on_b, person, winner).h1 == "Mon compte"
    assert login(both.browser()[0], person, loser).status == 422


def _sent_by(instance: Instance) -> float:
    """The instance's own count of mails handed to the SMTP server (its /metrics)."""
    text = httpx.get(instance.url + "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}).text
    families = text_string_to_metric_families(text)
    return sum(s.value for f in families for s in f.samples if s.name == "sesame_outbox_sent_total")


def _outbox_drained(cluster: Cluster, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while cluster.sql("select count(*) from outbox where sent_at is null") != [(0,)]:
        assert time.monotonic() < deadline, "the outbox was not drained"
        time.sleep(0.1)


def test_each_outbox_mail_is_sent_once_with_both_workers_running(both):
    _outbox_drained(both)  # mails of other tests are out of the count
    before = len(both.sink.messages), _sent_by(both.a), _sent_by(both.b)
    # Many mails queued at once (as another host's pages would), then people sign out everywhere,
    # half on A and half on B, at the same time: each queues a notice and wakes its instance's
    # worker, so both workers claim from the same rows together.
    store = open_store(Settings.from_env(both.a.environ))
    try:
        outbox = Outbox(store, Keys.from_secret(SECRET))
        with store.write():
            for n in range(BULK):
                outbox.enqueue(f"lot{n}@exemple.fr", f"Lot {n}", "Corps")
    finally:
        store.close()
    people = [both.person() for _ in range(4)]

    def sign_out_everywhere(n: int) -> None:
        client = both.browser()[n % 2]
        page = login(client, people[n], PASSWORD)
        assert page.h1 == "Mon compte"
        assert submit(client, page, "/compte/deconnexion-partout").status == 200

    with ThreadPoolExecutor(len(people)) as pool:
        list(pool.map(sign_out_everywhere, range(len(people))))
    _outbox_drained(both)
    time.sleep(1)  # a second copy would arrive right behind the first
    received = Counter(tuple(rcpt) for rcpt, _ in both.sink.messages[before[0] :])
    emails = [both.sql("select email from accounts where identifiant = %s", p)[0][0] for p in people]
    expected = [f"lot{n}@exemple.fr" for n in range(BULK)] + emails
    assert received == Counter((address,) for address in expected)  # each one, exactly once
    sent_a, sent_b = _sent_by(both.a) - before[1], _sent_by(both.b) - before[2]
    assert sent_a + sent_b == BULK + len(people)
    assert sent_a > 0 and sent_b > 0, (sent_a, sent_b)


def test_an_instance_killed_mid_traffic_loses_no_acknowledged_write(both):
    """Sign-ins (each writes a session and an audit event) go to A and B in turn, four at a
    time. Once some are acknowledged, A gets SIGKILL in the middle of one; the load balancer
    then sends A's share to B."""
    people = [both.person() for _ in range(2)]
    acknowledged: list[tuple[str, str, bool]] = []  # (instance, session cookie, after the kill)
    cut_off: list[str] = []
    lock, started_on_a = threading.Lock(), threading.Event()

    def sign_ins(n: int) -> None:
        for round_ in range(ROUNDS):
            instance = both.a if (n + round_) % 2 and both.a.alive else both.b
            with balanced_clients(instance)[0] as client:
                if instance is both.a and len(acknowledged) >= KILL_AFTER:
                    started_on_a.set()
                try:
                    page = login(client, people[n % 2], PASSWORD)
                except (httpx.HTTPError, AssertionError):  # cut off by the kill: never acknowledged
                    cut_off.append(instance.name)
                    continue
                assert page.h1 == "Mon compte", page.text()[:300]
                cookie = next(c.value for c in client.cookies.jar if c.name == "sesame")
            with lock:
                acknowledged.append((instance.name, cookie, not both.a.alive))

    def killer() -> None:
        assert started_on_a.wait(60)
        time.sleep(0.02)  # a sign-in takes several requests and an argon2id check: A dies within it
        both.a.kill()

    with ThreadPoolExecutor(5) as pool:
        done = [pool.submit(sign_ins, n) for n in range(4)] + [pool.submit(killer)]
        for future in done:
            future.result()
    assert not both.a.alive and "A" in cut_off, cut_off
    by_a = [cookie for name, cookie, _ in acknowledged if name == "A"]
    after = [cookie for _, cookie, late in acknowledged if late]
    assert by_a and len(after) >= 8, (len(by_a), len(after), cut_off)  # B kept answering alone
    for _, cookie, _ in acknowledged:
        assert both.sql("select count(*) from sessions where id_hash = %s", token_hash(cookie)) == [(1,)]
    logins = both.sql(
        "select count(*) from audit where event = 'login.succeeded' and account_id in (%s, %s)",
        *(both.seeded.ids[p] for p in people),
    )
    assert logins[0][0] >= len(acknowledged)
    # Sessions A opened before it died open Mon compte on B.
    for cookie in by_a:
        with httpx.Client(base_url=both.b.url, cookies={"sesame": cookie}) as client:
            assert client.get("/compte").status_code == 200
