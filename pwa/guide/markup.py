"""The guide's tiny text markup: **bold**, [label](url), {placeholder}, "- " list items.

Text is escaped first, so chapters.toml cannot inject HTML; placeholder values
(from the académie profile) are escaped too."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from markupsafe import Markup, escape

PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
BOLD = re.compile(r"\*\*(.+?)\*\*")
LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")
SAFE_URL = re.compile(r"^(/|https://|tel:)")


def _link(match: re.Match[str]) -> str:
    label, url = match[1], match[2]
    if not SAFE_URL.match(url):
        raise ValueError(f"link target {url!r} must start with /, https:// or tel:")
    # Other sites and phone numbers are not htmx page swaps.
    boost = "" if url.startswith("/") else ' hx-boost="false"'
    return f'<a href="{url}"{boost}>{label}</a>'


def inline(text: str, values: Mapping[str, str]) -> Markup:
    """One line of guide text as HTML. Unknown placeholders raise KeyError."""
    html = str(escape(text))
    html = PLACEHOLDER.sub(lambda m: str(escape(values[m[1]])), html)
    html = BOLD.sub(r"<strong>\1</strong>", html)
    html = LINK.sub(_link, html)
    return Markup(html)


def blocks(paragraphs: Iterable[str], values: Mapping[str, str]) -> Markup:
    """Paragraphs, with consecutive "- " items grouped into one bullet list."""
    out: list[str] = []
    items: list[str] = []

    def flush() -> None:
        if items:
            out.append('<ul class="bullets">' + "".join(f"<li>{i}</li>" for i in items) + "</ul>")
            items.clear()

    for text in paragraphs:
        if text.startswith("- "):
            items.append(inline(text[2:], values))
        else:
            flush()
            out.append(f"<p>{inline(text, values)}</p>")
    flush()
    return Markup("\n".join(out))
