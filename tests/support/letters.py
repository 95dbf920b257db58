"""Helpers of the letters tests, shared with other test modules."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pypdfium2
import pytest

from support.web import Page, get, submit

GOOD = "Girafe-Orange-Sous-La-Pluie"


def pdf_pages(pdf: bytes) -> int:
    return len(pypdfium2.PdfDocument(pdf))


def qr_urls(pdf: bytes, tmp_path: Path) -> list[str]:
    """Render each page and read its QR code with zbarimg, as a phone would."""
    if shutil.which("zbarimg") is None:
        pytest.skip("zbarimg (Debian zbar-tools) is not installed")
    urls = []
    for number, page in enumerate(pypdfium2.PdfDocument(pdf)):
        image = tmp_path / f"page{number}.png"
        page.render(scale=1.5).to_pil().save(image)
        out = subprocess.run(["zbarimg", "-q", "--raw", str(image)], capture_output=True, text=True)
        urls.append(out.stdout.strip())
    return urls


def enter_code(client, identifiant: str, code: str) -> Page:
    page = get(client, f"/activation?identifiant={identifiant}")
    return submit(client, page, "/activation", code=code)


def choose(client, page: Page, password: str = GOOD, **extra: str) -> Page:
    return submit(client, page, "/mot-de-passe/nouveau", password=password, confirmation=password, **extra)
