"""The package as an académie installs it: the wheel built from this tree, installed from
requirements.lock (hashes checked) into a fresh virtual environment outside the repository,
then `sesame serve --demo` started from another directory serves pages, the guide, the
service worker, static files and the manifest."""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
INSTALL_SECONDS = 600


def run(args: list[str], **options) -> subprocess.CompletedProcess:
    done = subprocess.run(args, capture_output=True, text=True, timeout=INSTALL_SECONDS, **options)
    assert done.returncode == 0, f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done


def clean_env(**extra: str) -> dict[str, str]:
    """The environment of an operator's shell: no SESAME_* setting, nothing pointing at
    this checkout (PYTHONPATH), no virtual environment of the test run."""
    drop = ("SESAME_", "PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")
    return {k: v for k, v in os.environ.items() if not k.startswith(drop)} | extra


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)], env=clean_env())
    (built,) = out.glob("sesame_academie-*.whl")
    return built


@pytest.fixture(scope="module")
def venv(tmp_path_factory, wheel) -> Path:
    """A fresh venv, away from the repository, with the locked dependencies and the wheel."""
    home = tmp_path_factory.mktemp("operator")
    assert ROOT not in home.parents
    env_dir = home / "venv"
    run([sys.executable, "-m", "venv", str(env_dir)], env=clean_env())
    pip = [str(env_dir / "bin" / "python"), "-m", "pip", "install", "-q"]
    run([*pip, "--require-hashes", "-r", str(ROOT / "requirements.lock")], env=clean_env(), cwd=home)
    run([*pip, "--no-deps", str(wheel)], env=clean_env(), cwd=home)
    return env_dir


def test_the_wheel_carries_the_web_files_profiles_word_lists_and_licence(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    tracked = run(["git", "ls-files", "static", "templates", "manifest.webmanifest"], cwd=ROOT)
    web_files = tracked.stdout.split()
    assert "templates/sw.js" in web_files and "static/css/app.css" in web_files
    missing = [path for path in web_files if f"pwa/_site/{path}" not in names]
    assert not missing, missing
    for profile in (ROOT / "pwa/profiles").glob("*.toml"):
        assert f"pwa/profiles/{profile.name}" in names
    for data in (ROOT / "pwa/policy/data").iterdir():
        assert f"pwa/policy/data/{data.name}" in names
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    assert not any("__pycache__" in n for n in names)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> tuple[int, bytes, str]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.read(), response.headers.get("Content-Type", "")


def test_installed_wheel_serves_the_demo_from_another_directory(venv, tmp_path):
    python = venv / "bin" / "python"
    where = run([str(python), "-c", "import pwa; print(pwa.__file__)"], env=clean_env(), cwd=tmp_path)
    assert Path(where.stdout.strip()).is_relative_to(venv), "pwa must come from the venv"

    port = _free_port()
    log = tmp_path / "server.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [str(venv / "bin" / "sesame"), "serve", "--demo", "--port", str(port)],
            cwd=tmp_path,
            env=clean_env(),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://localhost:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, log.read_text(errors="replace")
            with contextlib.suppress(OSError):
                if _get(base + "/sante")[0] == 200:
                    break
            assert time.monotonic() < deadline, log.read_text(errors="replace")
            time.sleep(0.2)

        status, home, _ = _get(base + "/")
        assert status == 200 and "Sésame" in home.decode()
        css = re.search(r'href="(/static/css/[^"]+\.css)"', home.decode()).group(1)
        status, body, kind = _get(base + css)
        assert status == 200 and kind.startswith("text/css")
        assert body == (ROOT / css.removeprefix("/")).read_bytes()
        status, guide, _ = _get(base + "/guide")
        assert status == 200
        chapter = re.search(r'href="(/guide/[a-z-]+)"', guide.decode()).group(1)
        status, page, _ = _get(base + chapter)
        assert status == 200 and "<h1" in page.decode()
        status, worker, kind = _get(base + "/sw.js")
        assert status == 200 and "javascript" in kind and "/static/" in worker.decode()
        status, manifest, kind = _get(base + "/manifest.webmanifest")
        assert status == 200 and kind.startswith("application/manifest+json")
        assert manifest == (ROOT / "manifest.webmanifest").read_bytes()
        assert (tmp_path / "sesame-demo.db").exists()  # the demo works in the current directory
    finally:
        server.terminate()
        server.wait(15)
    text = log.read_text(errors="replace")
    assert "Traceback" not in text, text
