"""The deployment examples in docs/deploy/ are checked by the tools that read them
(nginx's is run for real by tests/test_proxy_nginx.py)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

DEPLOY = Path(__file__).resolve().parents[2] / "docs/deploy"


def test_caddyfile_is_valid_and_keeps_the_upload_limit(tmp_path):
    caddy = shutil.which("caddy")
    if caddy is None:
        pytest.skip("caddy (Debian package) is not installed")
    out = subprocess.run(
        [caddy, "adapt", "--config", str(DEPLOY / "Caddyfile"), "--adapter", "caddyfile", "--validate"],
        capture_output=True,
        text=True,
        timeout=60,
        env={"HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path)},
    )
    assert out.returncode == 0, out.stderr
    config = json.loads(out.stdout)
    text = json.dumps(config)
    assert '"max_size": 6000000' in text  # 6 MB: the 5 MB staff file and its form
    assert '"dial": "127.0.0.1:8000"' in text
    assert '"/metrics"' in text and '"status_code": 404' in text


def test_systemd_unit_is_hardened():
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    out = subprocess.run(
        [analyze, "security", "--offline=true", "--no-pager", str(DEPLOY / "sesame.service")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    score = re.search(r"Overall exposure level for sesame\.service: ([0-9.]+)", out.stdout + out.stderr)
    assert score, out.stdout + out.stderr
    assert float(score.group(1)) <= 2.0, out.stdout  # "OK" is below 4; keep it near 1


def test_dockerfile_runs_unprivileged_from_the_lock_file():
    text = (DEPLOY / "Dockerfile").read_text()
    assert (
        "--require-hashes -r /tmp/requirements.lock" in text
        and "pip install --no-cache-dir --no-deps /tmp/wheels/" in text
    )
    user = re.findall(r"^USER (\S+)$", text, flags=re.M)
    assert user == ["sesame"] and text.index("USER sesame") < text.index("CMD [")
    assert re.search(r"^HEALTHCHECK .*\n.*/readyz", text, flags=re.M)
