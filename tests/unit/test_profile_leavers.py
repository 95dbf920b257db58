"""The académie profile's grace period for staff who leave (issue 15): checked at start."""

from __future__ import annotations

from pathlib import Path

import pytest

from pwa.profile_check import ProfileError, checked

ROOT = Path(__file__).resolve().parents[2]


def profile(tmp_path: Path, value: str) -> Path:
    text = (ROOT / "pwa/profiles/amiens.toml").read_text(encoding="utf-8")
    path = tmp_path / "amiens.toml"
    path.write_text(text.replace("leavers_grace_days = 30", f"leavers_grace_days = {value}"), encoding="utf-8")
    return path


def test_the_grace_period_is_read_from_the_profile(tmp_path):
    assert checked(profile(tmp_path, "45"))["leavers_grace_days"] == 45
    assert checked(ROOT / "pwa/profiles/poitiers.toml")["leavers_grace_days"] == 30


@pytest.mark.parametrize("value", ['"trente"', "-1", "400", "true"])
def test_a_wrong_grace_period_names_the_key_in_french(tmp_path, value):
    with pytest.raises(
        ProfileError, match="clé « leavers_grace_days » : un nombre de jours entre 0 et 365 est attendu"
    ):
        checked(profile(tmp_path, value))
