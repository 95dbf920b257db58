"""The illustrated guide (DESIGN §3, journey 9): chapters declared once in
chapters.toml, built for one académie profile by `build_guide`, served by
pwa/views/guide.py.

    guide = build_guide(profile, static_dir)
    guide.chapters[0].steps[0].picture.src
    guide_urls("poitiers")   # every page and picture URL, for the service worker
"""

from __future__ import annotations

from pathlib import Path

from pwa.guide.model import (
    PICTURES,
    Chapter,
    Guide,
    GuideError,
    Link,
    Picture,
    Step,
    build_guide,
    raw_guide,
    shot_manifest,
)
from pwa.settings import ROOT

__all__ = [
    "Chapter",
    "Guide",
    "GuideError",
    "Link",
    "Picture",
    "Step",
    "build_guide",
    "guide_urls",
]

# Guide pages that are not chapters (pwa/views/guide.py).
HELPER_URL = "/guide/numen/service"
LETTER_URL = "/guide/lettre"
ASSETS = ("/static/css/guide.css", "/static/js/guide.js")


def guide_urls(academie: str | None = None, static_dir: Path | None = None) -> list[str]:
    """Every guide page, the NUMEN helper's answers, the guide's CSS/JS and every picture.

    With `academie`, only that académie's screenshots (what one instance serves);
    without, the screenshots of every académie. Page URLs do not depend on the académie."""
    static_dir = static_dir or ROOT / "static"
    data = raw_guide()
    urls = ["/guide", HELPER_URL, LETTER_URL]
    urls += [f"{HELPER_URL}?categorie={c}" for c in data["numen_categories"]]
    pictures: list[str] = []
    shots = shot_manifest(static_dir).get("shots", {})
    for chapter in data["chapter"]:
        urls.append(f"/guide/{chapter['slug']}")
        for n, step in enumerate(chapter["step"], start=1):
            urls.append(f"/guide/{chapter['slug']}/{n}")
            ref = step["picture"]
            if ref.startswith("shot:"):
                name = ref.removeprefix("shot:")
                pictures += [
                    f"/static/{PICTURES}/shots/{entries[name]['file']}"
                    for key, entries in sorted(shots.items())
                    if name in entries and academie in (None, key)
                ]
            else:
                pictures.append(f"/static/{PICTURES}/{ref}")
    return urls + list(ASSETS) + list(dict.fromkeys(pictures))
