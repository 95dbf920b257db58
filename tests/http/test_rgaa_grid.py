"""The RGAA 4.1 self-audit grid (pwa/legal/rgaa.toml) and what is built from it: the grid
is complete and names tests that exist; the statement (/accessibilite) shows the rate and
level computed from it and lists the non-conformities; the site map and the well-formed
markup the grid claims (criteria 8.1, 8.2, 12.1, 12.3, 12.4) are checked here."""

from __future__ import annotations

import math
import re
import tomllib
from html.parser import HTMLParser
from pathlib import Path

import pytest
from support.web import get

from pwa.legal import rgaa

ROOT = Path(__file__).resolve().parents[2]
GRID_TEXT = rgaa.GRID.read_text(encoding="utf-8")


def test_the_grid_has_every_criterion_once_and_names_real_tests():
    audit = rgaa.load()
    assert [c.id for c in audit.criteria] == rgaa.CRITERIA
    assert len(rgaa.CRITERIA) == 106 and len(rgaa.THEMES) == 13
    assert rgaa.missing_tests(audit, ROOT) == []
    for criterion in audit.criteria:
        assert criterion.status in rgaa.STATUSES and criterion.method in rgaa.METHODS
    # The sample covers the pages RGAA asks for.
    paths = {page.path for page in audit.sample}
    assert {"/", "/connexion", "/mentions-legales", "/accessibilite", "/plan-du-site"} <= paths


def without(text: str, criterion: str) -> str:
    """The grid text without one criterion's table."""
    start = text.index(f'[[criteria]]\nid = "{criterion}"\n')
    end = text.find("[[criteria]]", start + 1)
    return text[:start] + (text[end:] if end > 0 else "")


def criterion_block(text: str, criterion: str) -> str:
    start = text.index(f'[[criteria]]\nid = "{criterion}"\n')
    end = text.find("[[criteria]]", start + 1)
    return text[start:end]


def problems(text: str) -> str:
    with pytest.raises(rgaa.GridError) as caught:
        rgaa.parse(text)
    return "\n".join(caught.value.problems)


def test_a_broken_grid_is_refused_with_every_problem():
    assert "criteria missing: 4.7" in problems(without(GRID_TEXT, "4.7"))
    assert "6.2 is listed twice" in problems(GRID_TEXT + criterion_block(GRID_TEXT, "6.2"))
    assert "not RGAA 4.1 criteria: 13.13" in problems(
        GRID_TEXT + criterion_block(GRID_TEXT, "13.12").replace('"13.12"', '"13.13"')
    )
    block = criterion_block(GRID_TEXT, "6.2")
    for change, message in [
        (('status = "conforme"', 'status = "presque"'), "6.2: status 'presque'"),
        (('method = "automatique"', 'method = "au feeling"'), "6.2: method 'au feeling'"),
        (
            (re.search(r"tests = .*\n", block).group(), ""),
            "6.2: a automatique check names its tests",
        ),
        (('tests = ["', 'tests = ["nowhere", "'), "tests/<file>.py::<function>"),
        (('status = "conforme"', 'status = "non conforme"'), "6.2: a non-conformity says"),
    ]:
        broken = GRID_TEXT.replace(block, block.replace(*change))
        assert message in problems(broken), change
    # Two problems at once: both are reported.
    both = problems(without(without(GRID_TEXT, "1.1"), "13.12"))
    assert "1.1" in both and "13.12" in both
    assert "not TOML" in problems("criteria = [")


def test_a_reference_to_a_test_that_does_not_exist_is_found():
    block = criterion_block(GRID_TEXT, "6.2")
    renamed = block.replace("::test_every_page_of_the_route_table", "::test_gone")
    audit = rgaa.parse(GRID_TEXT.replace(block, renamed))
    assert rgaa.missing_tests(audit, ROOT) == ["6.2: tests/browser/test_browser_a11y.py::test_gone"]
    moved = GRID_TEXT.replace(block, block.replace("tests/browser/test_browser_a11y.py", "tests/nope.py"))
    assert rgaa.missing_tests(rgaa.parse(moved), ROOT)


def with_statuses(statuses: dict[str, str]) -> rgaa.Audit:
    """The real grid with some criteria's status changed (a plan added where needed)."""
    text = GRID_TEXT
    for criterion, status in statuses.items():
        block = criterion_block(text, criterion)
        changed = re.sub(r'status = "[^"]*"', f'status = "{status}"', block)
        if status == "non conforme" and "plan = " not in changed:
            changed = changed.rstrip("\n") + '\nplan = "Corriger."\n\n'
        text = text.replace(block, changed)
    return rgaa.parse(text)


def test_rate_and_level_the_rgaa_way():
    audit = rgaa.load()
    nc = [c.id for c in audit.non_conformities]
    # Everything fixed: totally conformant, 100 %.
    fixed = with_statuses({c: "conforme" for c in nc})
    assert (fixed.rate_text, fixed.level) == ("100 %", "totalement conforme")
    # Non-applicable criteria do not count: 1 wrong out of 3 applicable is 66 %.
    applicable = [c.id for c in audit.criteria if c.status != "non applicable"]
    three = with_statuses(
        {c: "non applicable" for c in applicable[3:]}
        | {applicable[0]: "non conforme", applicable[1]: "conforme", applicable[2]: "conforme"}
    )
    assert (three.applicable, three.rate_text, three.level) == (3, "66 %", "partiellement conforme")
    # Exactly half is still "partiellement", below half is "non conforme".
    half = with_statuses(
        {c: ("non conforme" if i % 2 else "conforme") for i, c in enumerate(applicable[:40])}
        | {c: "non applicable" for c in applicable[40:]}
    )
    assert (half.rate, half.level) == (50.0, "partiellement conforme")
    worse = with_statuses(
        {c: "non conforme" for c in applicable[:41]}
        | {c: "non applicable" for c in applicable[41:]}
        | {applicable[0]: "conforme"}
    )
    assert worse.level == "non conforme" and worse.rate_text == "2 %"
    # Rounded down: 69 of 70 (98.6 %) reads 98 %, and 99.x % would never read 100 %.
    many = with_statuses(
        {c: "conforme" for c in applicable[:69]}
        | {applicable[69]: "non conforme"}
        | {c: "non applicable" for c in applicable[70:]}
    )
    assert many.rate_text == "98 %" and many.level == "partiellement conforme"


def test_the_statement_shows_what_the_grid_says(client):
    data = tomllib.loads(GRID_TEXT)  # counted here without the loader
    statuses = [c["status"] for c in data["criteria"]]
    conformes, wrong = statuses.count("conforme"), statuses.count("non conforme")
    rate = 100 * conformes / (conformes + wrong)
    level = "totalement conforme" if wrong == 0 else "partiellement conforme" if rate >= 50 else "non conforme"
    page = get(client, "/accessibilite")
    assert page.status == 200 and page.h1 == "Déclaration d'accessibilité"
    assert page.soup.select_one("#rate").get_text(strip=True) == f"{math.floor(rate)} %"
    assert level in page.soup.select_one("#conformity").get_text(" ", strip=True)
    assert f"{conformes} conformes sur {conformes + wrong}" in page.text()
    listed = page.soup.select_one("#non-conformities").get_text(" ", strip=True)
    for criterion in data["criteria"]:
        if criterion["status"] == "non conforme":
            assert f"Critère {criterion['id']} : {criterion['title']}." in listed
            assert criterion["plan"] in listed
    assert "Critère 6.2" not in listed
    # Every criterion, grouped by theme in folding lists.
    themes = page.soup.select("details.statement-theme")
    assert [t.summary.get_text(strip=True).split(".")[0] for t in themes] == [str(n) for n in range(1, 14)]
    items = page.soup.select("details li[id^=critere-]")
    assert [li["id"].removeprefix("critere-") for li in items] == rgaa.CRITERIA
    assert "non conforme" in page.soup.select_one("#critere-11\\.10").get_text(" ", strip=True)
    # The sample, the date, the usual sections.
    links = {a["href"] for a in page.soup.select("main a")}
    assert {page.path for page in rgaa.load().sample} <= links
    assert rgaa.load().date_text in page.text() and "Défenseur des droits" in page.text()
    # Every footer states the same level.
    footer = get(client, "/").soup.select_one("footer a[href='/accessibilite']").get_text(strip=True)
    assert footer == f"Accessibilité : {level}"


def test_site_map_links_every_public_page(client):
    site_map = get(client, "/plan-du-site")
    assert site_map.status == 200 and site_map.h1 == "Plan du site"
    listed = {a["href"] for a in site_map.soup.select("main a")}
    home = get(client, "/")
    # Every journey of the home page and every footer link is in the map.
    wanted = {a["href"] for a in home.soup.select("main a[href^='/'], footer a[href^='/']")}
    assert wanted - {"/plan-du-site"} <= listed
    for path in sorted(listed):
        assert get(client, path).status == 200, path
    # The map is reached from the same place on every page.
    for path in ("/", "/identifiant", "/guide", "/accessibilite", "/nulle-part"):
        assert get(client, path).soup.select_one("footer nav a[href='/plan-du-site']"), path


VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}


class WellFormed(HTMLParser):
    """Every element closed, in order; no id used twice."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.ids: set[str] = set()
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        self._id(attrs)
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):  # <path/> in an inline SVG
        self._id(attrs)

    def _id(self, attrs):
        for name, value in attrs:
            if name == "id":
                if value in self.ids:
                    self.problems.append(f"id {value!r} used twice")
                self.ids.add(value)

    def handle_endtag(self, tag):
        if tag in VOID:
            self.problems.append(f"</{tag}> closes a void element")
        elif not self.stack or self.stack[-1] != tag:
            open_tag = self.stack[-1] if self.stack else "?"
            self.problems.append(f"</{tag}> closes <{open_tag}> (line {self.getpos()[0]})")
            if tag in self.stack:
                del self.stack[len(self.stack) - 1 - self.stack[::-1].index(tag) :]
        else:
            self.stack.pop()


def well_formed(html: str) -> list[str]:
    problems = [] if re.match(r"<!doctype html>\s*<html lang=\"fr\">", html, re.I) else ["no doctype"]
    parser = WellFormed()
    parser.feed(html)
    parser.close()
    return problems + parser.problems + [f"<{t}> never closed" for t in parser.stack]


def test_well_formed_finds_problems():
    page = '<!doctype html><html lang="fr"><body><p id="a"><b>x</p><i id="a"></body></html>'
    assert well_formed(page) == [
        "</p> closes <b> (line 1)",
        "id 'a' used twice",
        "</body> closes <i> (line 1)",
    ]
    assert well_formed("<html><br></br></html>")[:2] == [
        "no doctype",
        "</br> closes a void element",
    ]


def test_sample_pages_are_well_formed(client, sesame, people):
    """RGAA 8.1 and 8.2 on the sample: the public pages, then the Gestion pages signed in."""
    from support.helpdesk import make_staff, sign_in
    from support.web import Clock

    paths = [s.path for s in rgaa.load().sample if not s.path.startswith("/gestion")]
    paths += ["/guide/lettre", "/guide/numen/service", "/telephone/gmail", "/nulle-part"]
    paths += [a["href"] for a in get(client, "/guide").soup.select("main a[href^='/guide/']")][:3]
    clock = Clock()
    sesame.store.clock = clock
    make_staff(sesame, "jdupont1", role="gestionnaire", uai="0130999A")
    sign_in(client, clock, "jdupont1")
    paths += [
        "/compte",
        "/compte/securite",
        "/gestion",
        "/gestion/activation",
        "/gestion/etablissement?uai=0130999A",
        "/gestion/import",
        "/gestion/recherche?q=dupont",
    ]
    found = {}
    for path in paths:
        response = client.get(path, follow_redirects=True)
        assert response.status_code < 500, path
        found[path] = well_formed(response.text)
    assert not any(found.values()), {p: v for p, v in found.items() if v}
