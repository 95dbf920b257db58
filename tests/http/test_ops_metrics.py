"""Health, readiness and Prometheus metrics (pwa/ops): what an operations team
scrapes and probes, through the real app and the real `sesame serve`."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from click.testing import CliRunner
from prometheus_client.parser import text_string_to_metric_families
from starlette.testclient import TestClient
from support.database import write_lock_held
from support.journeys import GOOD, login, set_password_with_numen
from support.web import JEAN, fast_hashing, make_settings

from pwa.cli import main
from pwa.ops.config import OpsSettingError

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "t" * 40


def samples(text: str) -> dict[tuple, float]:
    """{(name, (label, value)…): value} of an exposition."""
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def value(figures: dict, name: str, **labels: str) -> float:
    return figures.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.fixture
def metered(tmp_path):
    from pwa.app import create_app

    app = create_app(make_settings(tmp_path, metrics_token=TOKEN), hashing=fast_hashing())
    with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as c:
        yield c


def scrape(client) -> dict:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    return samples(response.text)


def test_healthz_and_readyz(client):
    assert client.get("/healthz").text == "ok"
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok", "checks": {"database": "ok", "outbox": "ok"}}


def test_readyz_fails_when_the_outbox_is_stuck(client, sesame, clock):
    sesame.outbox.enqueue("jean.dupont@ac-aix-marseille.fr", "Sujet", "Corps")
    clock.now += 10 * 60
    assert client.get("/readyz").status_code == 200  # a worker has 15 minutes
    clock.now += 6 * 60
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["checks"]["outbox"].startswith("stuck (1 mail")
    assert "jean.dupont" not in ready.text


def test_readyz_fails_when_the_database_takes_no_write(client, settings):
    with write_lock_held(settings):  # another process holding the write lock for too long
        ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.json()["checks"]["database"].startswith("not writable")
    assert client.get("/healthz").status_code == 200  # alive all the same


def test_metrics_need_their_token(client, metered):
    assert client.get("/metrics").status_code == 404  # no token configured: no /metrics
    assert metered.get("/metrics").status_code == 401
    wrong = metered.get("/metrics", headers={"Authorization": "Bearer " + "u" * 40})
    assert wrong.status_code == 401 and wrong.headers["www-authenticate"] == "Bearer"
    assert "sesame_http_requests_total" in metered.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).text


def test_metrics_after_a_journey_show_its_counts(metered):
    from support.web import STAFF_CSV

    from pwa.importer import import_staff, parse_staff_csv

    s = metered.app.state.sesame
    import_staff(parse_staff_csv(STAFF_CSV.encode()).rows, store=s.store, directory=s.directory, keys=s.keys)
    before = scrape(metered)
    assert set_password_with_numen(metered, JEAN, GOOD).status == 200
    metered.cookies.clear()
    assert login(metered, "jdupont", GOOD).h1 == "Mon compte"
    metered.cookies.clear()
    for _ in range(6):  # the 5th failure starts a delay: the 6th is throttled
        login(metered, "jdupont", "Mauvais-Mot-De-Passe-42")
    after = scrape(metered)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("sesame_http_requests_total", route="/mot-de-passe/nouveau", method="POST", status="303") == 1
    assert grew("sesame_http_request_duration_seconds_count", route="/connexion") == 14
    assert grew("sesame_password_resets_total", via="numen", outcome="success") == 1
    assert grew("sesame_activations_total", via="numen") == 1
    assert grew("sesame_logins_total", step="password", outcome="success") == 1
    assert grew("sesame_logins_total", step="password", outcome="failure") == 5
    assert grew("sesame_throttled_total", reason="delay") == 1
    assert value(after, "sesame_accounts", state="activated") == 1
    assert value(after, "sesame_accounts", state="waiting") == 2
    assert value(after, "sesame_outbox_backlog") >= 1  # the notices wait (no worker in tests)
    # Labels are templates and fixed words: no path, identifiant, address or secret.
    labels = " ".join(str(k[1]) for k in after)
    for personal in ("jdupont", "jean.dupont", "13E24TEST0001", GOOD, "testclient", "?"):
        assert personal not in labels


@pytest.mark.parametrize(
    ("variable", "value_"),
    [
        ("SESAME_METRICS_TOKEN", "trop-court"),
        ("SESAME_METRICS_ADDRESS", "metrics.local"),
        ("SESAME_METRICS_ADDRESS", "127.0.0.1:99999"),
        ("SESAME_METRICS_DIR", "/nulle/part"),
        ("SESAME_LOG_FORMAT", "xml"),
    ],
)
def test_a_wrong_operations_setting_stops_start_up(tmp_path, variable, value_):
    env = {
        "SESAME_DB": str(tmp_path / "s.db"),
        "SESAME_SECRET_KEY": "k" * 40,
        "SESAME_PUBLIC_URL": "https://sesame.ac-exemple.fr",
        variable: value_,
    }
    result = CliRunner().invoke(main, ["serve"], env=env)
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"Erreur : {variable} ") and "Traceback" not in result.output
    assert not (tmp_path / "s.db").exists()  # nothing started
    from pwa.app import create_app
    from pwa.settings import Settings, SettingsError

    with pytest.raises((OpsSettingError, SettingsError), match=variable):  # checked with every setting now
        create_app(Settings.from_env(env))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"{url} did not answer:\n{log.read_text()}")


def test_two_workers_add_up_on_the_metrics_address(tmp_path):
    """With --workers 2, each worker counts in the shared folder; the separate
    listener (in `sesame serve` itself) adds the workers' counts up."""
    port, metrics_port, folder = _free_port(), _free_port(), tmp_path / "metrics"
    folder.mkdir()
    (folder / "counter_1.db").write_bytes(b"stale")  # a previous run's file: removed at start
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SESAME_", "PROMETHEUS_"))}
    env.update(
        SESAME_DB=str(tmp_path / "demo.db"),
        SESAME_METRICS_ADDRESS=f"127.0.0.1:{metrics_port}",
        SESAME_METRICS_DIR=str(folder),
        PYTHONPATH=str(ROOT),
    )
    log = tmp_path / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "pwa", "serve", "--demo", "--workers", "2", "--port", str(port)],
            cwd=tmp_path,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait(f"http://127.0.0.1:{port}/healthz", process, log)
        _wait(f"http://127.0.0.1:{metrics_port}/metrics", process, log)

        def probe(_: int) -> int:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:
                return r.status

        before = value(
            _scrape(metrics_port), "sesame_http_requests_total", route="/healthz", method="GET", status="200"
        )
        with ThreadPoolExecutor(8) as pool:
            assert set(pool.map(probe, range(60))) == {200}
        # A request is counted just after its answer is sent: wait a moment for the last ones.
        deadline = time.monotonic() + 10
        while True:
            after = _scrape(metrics_port)
            counted = value(after, "sesame_http_requests_total", route="/healthz", method="GET", status="200")
            if counted - before >= 60 or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert counted - before == 60
        writers = {p.name.removeprefix("counter_").removesuffix(".db") for p in folder.glob("counter_*.db")}
        # Two workers wrote (and `sesame serve` itself, which prepared the demo); the stale file went.
        assert len(writers - {str(process.pid)}) == 2 and "1" not in writers
        assert value(after, "sesame_accounts", state="activated") >= 1  # the demo's, from the database
    finally:
        process.terminate()
        process.wait(15)


def _scrape(port: int) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        return samples(response.read().decode())


def test_metrics_folder_is_emptied_only_when_metrics_are_on(tmp_path):
    from pwa.ops.config import prepare_metrics_dir
    from pwa.settings import Settings

    (tmp_path / "gauge_all_9.db").write_bytes(b"x")
    settings = Settings(db_path=tmp_path / "x.db", metrics_dir=str(tmp_path))
    assert prepare_metrics_dir(settings, workers=4) is None and (tmp_path / "gauge_all_9.db").exists()
