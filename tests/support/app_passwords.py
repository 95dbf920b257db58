"""Helpers of the app_passwords tests, shared with other test modules."""

from __future__ import annotations

from pathlib import Path

from support.web import get, submit

PAGE = "/compte/mots-de-passe-application"


def create(client, name="Téléphone de Nadia", scope="mail", expiry="", page=None):
    page = page or get(client, PAGE)
    return submit(client, page, PAGE, name=name, scope=scope, expiry=expiry)


def shown_value(page) -> str:
    return page.soup.select_one("#app-password-value").get_text(strip=True)


def required_profile(tmp_path: Path) -> Path:
    folder = tmp_path / "profils"
    folder.mkdir()
    source = Path(__file__).resolve().parents[2] / "pwa/profiles/aix-marseille.toml"
    text = source.read_text().replace("app_passwords_only_with_factor = false", "app_passwords_only_with_factor = true")
    (folder / "aix-marseille.toml").write_text(text)
    return folder
