"""The guide's chapters, read from chapters.toml and filled in for one académie profile."""

from __future__ import annotations

import json
import logging
import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from markupsafe import Markup

from pwa.guide.markup import blocks, inline
from pwa.profile import Profile

log = logging.getLogger("sesame.guide")

CHAPTERS_FILE = Path(__file__).parent / "chapters.toml"
PICTURES = "guide"  # under the static folder: drawn/*.svg and shots/<académie>/*.webp
SHOTS_MANIFEST = "guide/shots/manifest.json"
INCLUDES = frozenset({"numen_form", "policy_rules", "mail_settings"})
SVG_SIZE = re.compile(r'<svg[^>]*\swidth="(\d+)"[^>]*\sheight="(\d+)"')


class GuideError(ValueError):
    """chapters.toml (or a picture it names) is wrong: raised when the guide is built."""


def placeholders(profile: Profile) -> dict[str, str]:
    """What {name} stands for in the guide's texts."""
    return {
        "academie": profile.name,
        "short_name": profile.short_name,
        "mail_domain": profile.mail_domain,
        "webmail_url": profile.webmail_url,
        "helpdesk_phone": profile.helpdesk_phone,
        "helpdesk_tel": profile.helpdesk_tel,
        "helpdesk_hours": profile.helpdesk_hours,
        "imap_host": profile.imap.host,
        "imap_port": str(profile.imap.port),
        "imap_security": profile.imap.security,
        "smtp_host": profile.smtp.host,
        "smtp_port": str(profile.smtp.port),
        "smtp_security": profile.smtp.security,
    }


@dataclass(frozen=True)
class Picture:
    src: str  # URL
    alt: str  # "" when decorative
    width: int  # CSS pixels at which it is shown at most
    height: int
    kind: str  # "shot" (screenshot of Sésame) or "drawn"


@dataclass(frozen=True)
class Step:
    chapter: str  # slug
    number: int
    title: str
    body: Markup
    picture: Picture
    include: str | None = None
    soon: bool = False

    @property
    def url(self) -> str:
        return f"/guide/{self.chapter}/{self.number}"


@dataclass(frozen=True)
class Chapter:
    number: int
    slug: str
    title: str
    summary: Markup
    steps: tuple[Step, ...]
    soon: bool = False

    @property
    def url(self) -> str:
        return f"/guide/{self.slug}"

    def step(self, number: int) -> Step | None:
        return self.steps[number - 1] if 1 <= number <= len(self.steps) else None


@dataclass(frozen=True)
class Link:
    url: str
    label: str


@dataclass(frozen=True)
class Guide:
    chapters: tuple[Chapter, ...]
    numen_categories: dict[str, str]  # id → "Vous êtes…" label

    def chapter(self, slug: str) -> Chapter | None:
        return next((c for c in self.chapters if c.slug == slug), None)

    def around_chapter(self, chapter: Chapter) -> tuple[Link, Link]:
        """Previous and next links of a chapter's overview page."""
        i = chapter.number - 1
        prev = self.chapters[i - 1] if i > 0 else None
        first = chapter.steps[0]
        return (
            Link(prev.url, f"Chapitre précédent : {prev.title}") if prev else Link("/guide", "Sommaire du guide"),
            Link(first.url, f"Commencer : {first.title}"),
        )

    def around_step(self, chapter: Chapter, step: Step) -> tuple[Link, Link]:
        """Previous and next links of a step: within the chapter, then to its neighbours."""
        n = step.number
        if n > 1:
            prev = Link(chapter.steps[n - 2].url, "Étape précédente")
        else:
            prev = Link(chapter.url, "Sommaire du chapitre")
        if n < len(chapter.steps):
            nxt = Link(chapter.steps[n].url, "Étape suivante")
        elif chapter.number < len(self.chapters):
            following = self.chapters[chapter.number]
            nxt = Link(following.url, f"Chapitre suivant : {following.title}")
        else:
            nxt = Link("/guide", "Fin du guide : retour au sommaire")
        return prev, nxt


@cache
def raw_guide() -> dict[str, Any]:
    """chapters.toml as parsed (the file ships with the code: read once)."""
    return tomllib.loads(CHAPTERS_FILE.read_text(encoding="utf-8"))


def shot_manifest(static_dir: Path) -> dict[str, Any]:
    path = static_dir / SHOTS_MANIFEST
    if not path.is_file():
        return {"shots": {}}
    return json.loads(path.read_text(encoding="utf-8"))


def build_guide(profile: Profile, static_dir: Path) -> Guide:
    """The guide as one académie shows it. Raises GuideError on any mistake in the data."""
    data = raw_guide()
    values = placeholders(profile)
    categories = dict(data["numen_categories"])
    if set(categories) != set(profile.numen_services):
        raise GuideError(
            f"numen_categories {sorted(categories)} differ from the profile's "
            f"numen_services {sorted(profile.numen_services)} ({profile.id})"
        )
    manifest = shot_manifest(static_dir)
    chapters = []
    for number, raw in enumerate(data["chapter"], start=1):
        slug = raw["slug"]
        try:
            steps = tuple(
                _step(slug, n, s, values, profile.id, static_dir, manifest) for n, s in enumerate(raw["step"], start=1)
            )
            summary = inline(raw["summary"], values)
        except (KeyError, GuideError) as exc:
            raise GuideError(f"chapter {slug!r}: {exc}") from exc
        chapters.append(Chapter(number, slug, raw["title"], summary, steps, raw.get("soon", False)))
    slugs = [c.slug for c in chapters]
    if len(set(slugs)) != len(slugs) or set(slugs) & RESERVED_SLUGS:
        raise GuideError(f"chapter slugs must be unique and not in {sorted(RESERVED_SLUGS)}")
    return Guide(tuple(chapters), categories)


# Guide pages that are not chapters: a chapter may not take their URL.
RESERVED_SLUGS = frozenset({"lettre"})


def _step(
    chapter: str, number: int, raw: dict[str, Any], values: dict[str, str],
    academie: str, static_dir: Path, manifest: dict[str, Any],
) -> Step:  # fmt: skip
    include = raw.get("include")
    if include is not None and include not in INCLUDES:
        raise GuideError(f"step {number}: unknown include {include!r}")
    if "alt" not in raw:
        raise GuideError(f'step {number}: alt is required ("" for a decorative picture)')
    picture = _picture(raw["picture"], raw["alt"], academie, static_dir, manifest)
    return Step(
        chapter=chapter,
        number=number,
        title=raw["title"],
        body=blocks(raw.get("text", []), values),
        picture=picture,
        include=include,
        soon=raw.get("soon", False),
    )


def _picture(ref: str, alt: str, academie: str, static_dir: Path, manifest: dict[str, Any]) -> Picture:
    if ref.startswith("shot:"):
        name = ref.removeprefix("shot:")
        shots = manifest.get("shots", {})
        entry = shots.get(academie, {}).get(name)
        if entry is None:
            # A new académie without its own screenshots yet: borrow another's.
            entry = next((s[name] for s in shots.values() if name in s), None)
            if entry is None:
                raise GuideError(f"no screenshot {name!r}: run scripts/screenshots.py")
            log.warning("guide: no screenshot %r for %s, using another académie's", name, academie)
        return Picture(
            f"/static/{PICTURES}/shots/{entry['file']}",
            alt,
            entry["width"],
            entry["height"],
            "shot",
        )
    path = static_dir / PICTURES / ref
    if not path.is_file():
        raise GuideError(f"missing picture {path}")
    size = SVG_SIZE.search(path.read_text(encoding="utf-8")[:500])
    if size is None:
        raise GuideError(f"{path}: the <svg> element needs width and height")
    return Picture(f"/static/{PICTURES}/{ref}", alt, int(size[1]), int(size[2]), "drawn")
