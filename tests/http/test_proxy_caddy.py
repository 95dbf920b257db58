"""Behind a real Caddy (docs/deploy/Caddyfile) with its own internal certificate
authority: the same form journey as behind nginx. The upload limit is checked in
the adapted configuration (tests/test_deploy_docs.py): Caddy 2.6 does not refuse a
body by its Content-Length, it cuts the stream at the limit, so whether a client
sees 502 or the app's early answer is a race, not something to assert."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from support.proxy_nginx import sesame_behind
from support.web import get, submit

from pwa.mail.demo_smtp import free_port

EXAMPLE = Path(__file__).resolve().parents[2] / "docs/deploy/Caddyfile"
CADDY = shutil.which("caddy")

pytestmark = pytest.mark.skipif(CADDY is None, reason="caddy (Debian package) is not installed")


def test_a_form_journey_through_caddy(tmp_path):
    app_port, https_port = free_port(), free_port()
    text = EXAMPLE.read_text()
    replacements = {
        "sesame.ac-exemple.fr {": f"https://localhost:{https_port} {{\n\ttls internal\n\tbind 127.0.0.1",
        "reverse_proxy 127.0.0.1:8000": f"reverse_proxy 127.0.0.1:{app_port}",
    }
    for old, new in replacements.items():
        assert old in text, f"docs/deploy/Caddyfile no longer has {old!r}: update the test"
        text = text.replace(old, new)
    storage = tmp_path / "caddy-data"
    # Only here: no admin endpoint, no port 80, no system trust store, storage in the test folder.
    globals_ = (
        f"{{\n\tadmin off\n\tauto_https disable_redirects\n\tskip_install_trust\n\tstorage file_system {storage}\n}}\n"
    )
    (tmp_path / "Caddyfile").write_text(globals_ + text)
    command = [CADDY, "run", "--config", str(tmp_path / "Caddyfile"), "--adapter", "caddyfile"]
    ca = storage / "pki/authorities/local/root.crt"
    with (
        sesame_behind(
            tmp_path, command, app_port=app_port, https_port=https_port, ca=ca, SESAME_TRUSTED_PROXIES="127.0.0.1"
        ) as stack,
        stack.client() as client,
    ):
        page = get(client, "/identifiant")
        client.headers["X-Forwarded-For"] = "203.0.113.66"  # Caddy does not believe the client's
        answer = submit(client, page, "/identifiant", email="personne.inconnue@ac-aix-marseille.fr")
        assert answer.status == 200
        assert answer.soup.find("form", attrs={"action": "/identifiant/verification"}) is not None
        assert client.get("/metrics").status_code == 404
    posted = [r for r in stack.lines() if r.get("logger") == "sesame.access" and r.get("method") == "POST"]
    assert ("/identifiant", 303, "https", "127.0.0.1") in [
        (r["route"], r["status"], r["scheme"], r["client"]) for r in posted
    ]
    assert all(r["scheme"] == "https" and r["client"] == "127.0.0.1" for r in posted)
    assert "203.0.113.66" not in stack.log.read_text()
