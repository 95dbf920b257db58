"""Behind a real nginx (docs/deploy/nginx.conf) terminating TLS with a throw-away
certificate: a form journey works when Sésame trusts the proxy, the client address
and scheme come from the proxy only then, and a post refused because the proxy is
not trusted is logged with that reason."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.proxy_nginx import ROOT, Stack, sesame_behind
from support.web import get, submit

from pwa.mail.demo_smtp import free_port

EXAMPLE = ROOT / "docs/deploy/nginx.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
PROXY_SOURCE = "127.0.0.2"  # nginx connects to Sésame from here; the client from 127.0.0.1

pytestmark = pytest.mark.skipif(not Path(NGINX).exists(), reason="nginx (Debian package) is not installed")


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("tls")
    run = lambda *args: subprocess.run(args, cwd=d, check=True, capture_output=True)  # noqa: E731
    run(
        "openssl",
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=test-ca",
        "-keyout",
        "ca.key",
        "-out",
        "ca.crt",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
    )
    run(
        "openssl",
        "req",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-subj",
        "/CN=localhost",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
    )
    (d / "ext").write_text("subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n")
    run(
        "openssl",
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "2",
        "-out",
        "server.crt",
        "-extfile",
        "ext",
    )
    return d


def site(app_port: int, https_port: int, http_port: int, tls: Path) -> str:
    """The documented site, with this test's ports and certificate."""
    text = EXAMPLE.read_text()
    replacements = {
        "server 127.0.0.1:8000;": f"server 127.0.0.1:{app_port};",
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "listen 443 ssl;": f"listen 127.0.0.1:{https_port} ssl;",
        "server_name sesame.ac-exemple.fr;": "server_name localhost;",
        "/etc/ssl/sesame/fullchain.pem": str(tls / "server.crt"),
        "/etc/ssl/sesame/privkey.pem": str(tls / "server.key"),
        # Only here: the proxy's own source address, so the test tells it from the client's.
        "proxy_pass http://sesame;": f"proxy_pass http://sesame;\n        proxy_bind {PROXY_SOURCE};",
    }
    for old, new in replacements.items():
        assert old in text, f"docs/deploy/nginx.conf no longer has {old!r}: update the test"
        text = text.replace(old, new)
    return text


@contextlib.contextmanager
def behind_nginx(folder: Path, tls: Path, **environ: str) -> Iterator[Stack]:
    """The documented nginx site in front of `sesame serve --demo`."""
    folder.chmod(0o755)  # nginx workers run as nobody and buffer bodies under it
    app_port, https_port, http_port = free_port(), free_port(), free_port()
    for sub in ("logs", "tmp"):
        (folder / sub).mkdir()
    (folder / "sesame-site.conf").write_text(site(app_port, https_port, http_port, tls))
    (folder / "nginx.conf").write_text(
        f"daemon off; master_process on; worker_processes 1; pid {folder}/nginx.pid;\n"
        f"error_log {folder}/logs/error.log warn;\nevents {{ worker_connections 64; }}\n"
        f"http {{ access_log {folder}/logs/access.log;\n"
        + "".join(
            f"  {kind}_temp_path {folder}/tmp/{kind};\n"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        + f"  include {folder}/sesame-site.conf;\n}}\n"
    )
    conf = ["-p", str(folder), "-c", str(folder / "nginx.conf"), "-e", str(folder / "logs/error.log")]
    checked = subprocess.run([NGINX, "-t", "-q", *conf], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    with sesame_behind(
        folder, [NGINX, *conf], app_port=app_port, https_port=https_port, ca=tls / "ca.crt", **environ
    ) as stack:
        yield stack


def test_a_form_journey_through_a_trusted_proxy(tmp_path, certificate):
    with behind_nginx(tmp_path, certificate, SESAME_TRUSTED_PROXIES=PROXY_SOURCE) as stack, stack.client() as client:
        home = get(client, "/")
        assert home.status == 200 and client.cookies  # __Host- cookies over https
        page = get(client, "/identifiant")
        # A client trying to pass for another address: nginx replaces the header.
        client.headers["X-Forwarded-For"] = "203.0.113.66"
        answer = submit(client, page, "/identifiant", email="personne.inconnue@ac-aix-marseille.fr")
        assert answer.status == 200, answer.text()[:300]
        assert answer.soup.find("form", attrs={"action": "/identifiant/verification"}) is not None  # next step
        big = client.post(
            "/gestion/import", content=b"x" * (7 * 1024 * 1024), headers={"content-type": "application/octet-stream"}
        )
        assert big.status_code == 413  # nginx's limit, before Sésame reads anything
        assert client.get("/metrics").status_code == 404
    posted = [r for r in stack.lines() if r.get("logger") == "sesame.access" and r.get("method") == "POST"]
    assert posted and all(r["scheme"] == "https" and r["client"] == "127.0.0.1" for r in posted)
    assert "203.0.113.66" not in stack.log.read_text()
    assert not [r for r in stack.lines() if r.get("event") == "form.refused"]


def test_an_untrusted_proxy_is_refused_and_the_reason_logged(tmp_path, certificate):
    with behind_nginx(tmp_path, certificate) as stack, stack.client() as client:  # no SESAME_TRUSTED_PROXIES
        page = get(client, "/identifiant")
        refused = submit(client, page, "/identifiant", email="personne.inconnue@ac-aix-marseille.fr")
        assert refused.status == 403 and "expiré" in refused.text()
    access = [r for r in stack.lines() if r.get("logger") == "sesame.access"]
    assert all(r["client"] == PROXY_SOURCE and r["scheme"] == "http" for r in access)  # headers ignored
    reasons = [r for r in stack.lines() if r.get("event") == "form.refused"]
    assert len(reasons) == 1 and reasons[0]["reason"] == "untrusted_proxy"
    assert reasons[0]["peer"] == PROXY_SOURCE and reasons[0]["origin"] == stack.url
    assert "SESAME_TRUSTED_PROXIES" in reasons[0]["msg"]
