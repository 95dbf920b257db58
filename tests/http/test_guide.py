"""The illustrated guide (journey 9) over HTTP: every chapter and step, the NUMEN helper
for every académie, the password rules from the policy, the printable letter, links,
sizes, and the freshness of the screenshots of Sésame it shows."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import pytest
from starlette.testclient import TestClient
from support.web import Page, fast_hashing, get, make_settings

from pwa.guide import build_guide, guide_urls
from pwa.guide.markup import inline
from pwa.guide.model import raw_guide
from pwa.guide.shots import load_shots, page_hash, person_values
from pwa.profile import available_profiles, load_profile
from pwa.settings import ROOT

STATIC = ROOT / "static"
MANIFEST = STATIC / "guide" / "shots" / "manifest.json"
PROFILES = ["aix-marseille", "amiens", "poitiers"]


def client_for(tmp_path: Path, academie: str, **overrides):
    from pwa.app import create_app

    app = create_app(make_settings(tmp_path, academie=academie, **overrides), hashing=fast_hashing())
    return TestClient(app, base_url="https://testserver", raise_server_exceptions=False)


@pytest.fixture
def guide(sesame):
    return build_guide(sesame.profile, sesame.settings.static_dir)


def links(page: Page, rel: str) -> str:
    node = page.soup.select_one(f"main a[rel={rel}]")
    assert node is not None, f"no {rel} link"
    return node["href"]


def expected_neighbours(chapters, c: int, n: int) -> tuple[str, str]:
    """Prev/next of step n of chapter index c, computed from the data alone."""
    chapter = chapters[c]
    prev = f"/guide/{chapter['slug']}/{n - 1}" if n > 1 else f"/guide/{chapter['slug']}"
    if n < len(chapter["step"]):
        nxt = f"/guide/{chapter['slug']}/{n + 1}"
    elif c + 1 < len(chapters):
        nxt = f"/guide/{chapters[c + 1]['slug']}"
    else:
        nxt = "/guide"
    return prev, nxt


def test_index_lists_every_chapter(client, guide):
    page = get(client, "/guide")
    assert page.status == 200 and page.h1
    hrefs = [a["href"] for a in page.soup.select("main .guide-chapters a")]
    assert hrefs == [f"/guide/{c['slug']}" for c in raw_guide()["chapter"]]
    assert len(hrefs) == 12
    resume = page.soup.find(id="guide-resume")
    assert resume is not None and resume.has_attr("hidden")  # filled by guide.js only


def test_every_chapter_and_step_renders(client, guide):
    chapters = raw_guide()["chapter"]
    for c, raw in enumerate(chapters):
        page = get(client, f"/guide/{raw['slug']}")
        assert page.status == 200
        assert page.h1 == raw["title"]
        assert f"Chapitre {c + 1} sur {len(chapters)}" in page.text()
        assert links(page, "next") == f"/guide/{raw['slug']}/1"
        for n, step in enumerate(raw["step"], start=1):
            url = f"/guide/{raw['slug']}/{n}"
            page = get(client, url)
            assert page.status == 200, url
            assert page.h1 == step["title"], url
            assert page.soup.select_one("main .step").get_text(strip=True) == f"Étape {n} sur {len(raw['step'])}"
            images = page.soup.select("main figure img")
            assert len(images) == 1, url
            img = images[0]
            assert img.has_attr("alt") and img["alt"] == step["alt"], url
            assert img.has_attr("width") and img.has_attr("height") and img.get("loading") == "lazy"
            assert client.get(img["src"]).status_code == 200, img["src"]
            assert (links(page, "prev"), links(page, "next")) == expected_neighbours(chapters, c, n), url


def test_pictures_alt_text(guide):
    for chapter in guide.chapters:
        for step in chapter.steps:
            alt = step.picture.alt
            assert alt == alt.strip()
            if step.picture.kind == "shot":
                assert alt, f"{step.url}: a screenshot of Sésame is never decorative"
            if alt:
                assert len(alt) >= 20, f"{step.url}: alt text too short to be meaningful"


def test_unknown_chapter_or_step_is_404(client):
    assert client.get("/guide/nulle-part").status_code == 404
    assert client.get("/guide/numen/0").status_code == 404
    assert client.get("/guide/numen/99").status_code == 404


def test_htmx_gets_the_fragment(client):
    response = client.get("/guide/numen/1", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response.text.lstrip().startswith("<title>")
    assert "<header" not in response.text and "Étape 1 sur" in response.text


def test_soon_chapters_say_so(client):
    # Built in issue 7: the out-of-office chapter says nothing is missing any more.
    slug = "message-absence"
    steps = raw_guide()["chapter"][[c["slug"] for c in raw_guide()["chapter"]].index(slug)]["step"]
    for path in [f"/guide/{slug}"] + [f"/guide/{slug}/{n}" for n in range(1, len(steps) + 1)]:
        page = get(client, path)
        assert page.status == 200 and "Bientôt" not in page.text(), path


def test_phone_chapter_describes_what_is_built(client):
    """Phone set-up is built: no step says "soon", and the chapter leads to Sésame's pages."""
    chapter = get(client, "/guide/application-telephone")
    assert "Bientôt" not in chapter.text()
    steps = raw_guide()["chapter"][[c["slug"] for c in raw_guide()["chapter"]].index("application-telephone")]["step"]
    assert not any(step.get("soon") for step in steps)
    links = set()
    for number in range(1, len(steps) + 1):
        page = get(client, f"/guide/application-telephone/{number}")
        assert "Bientôt" not in page.text()
        links |= {a["href"] for a in page.soup.select("main article a[href^='/telephone']")}
    assert {"/telephone", "/telephone/iphone", "/telephone/thunderbird"} <= links


@pytest.mark.parametrize("academie", PROFILES)
def test_numen_helper_answers_every_category(tmp_path, academie):
    profile = load_profile(academie)
    with client_for(tmp_path, academie) as client:
        page = get(client, "/guide/numen/service")
        assert page.status == 200 and page.soup.select_one(".guide-service") is None
        radios = [i["value"] for i in page.soup.select("main input[type=radio][name=categorie]")]
        assert sorted(radios) == sorted(profile.numen_services)
        form = page.soup.select_one("main form.guide-numen-form")
        assert form["method"] == "get" and form["action"] == "/guide/numen/service"
        for category, service in profile.numen_services.items():
            page = get(client, f"/guide/numen/service?categorie={category}")
            assert page.status == 200
            assert page.soup.select_one(".guide-service").get_text(strip=True) == service
            checked = page.soup.select_one("main input[name=categorie][checked]")
            assert checked["value"] == category
            warning = page.soup.select_one(".guide-warning").get_text(" ", strip=True)
            assert "courrier postal" in warning and "courriel" in warning and "téléphone" in warning
        page = get(client, "/guide/numen/service?categorie=inconnue")
        assert page.status == 422 and page.errors
        # The chapter's step offers the same choice.
        step = get(client, "/guide/numen/3")
        assert step.soup.select_one("main form.guide-numen-form")["action"] == "/guide/numen/service"


def test_password_chapter_lists_exactly_the_policy(client, sesame):
    page = get(client, "/guide/mot-de-passe/1")
    items = page.soup.select("main .guide-rules li")
    criteria = sesame.policy.criteria
    assert [li["data-criterion"] for li in items] == [c.id for c in criteria]
    labels = [li.select_one(".rule-label").get_text(strip=True) for li in items]
    assert labels == [c.label for c in criteria]
    for li, criterion in zip(items, criteria, strict=True):
        parent = li.find_parent("li")
        assert (parent["data-criterion"] if parent else None) == criterion.parent


def test_letter_never_asks_for_the_numen_and_prints(client, sesame):
    page = get(client, "/guide/lettre")
    assert page.status == 200 and page.h1 == "Lettre au rectorat"
    fields = page.soup.select("main input, main textarea")
    wanted = ("nom", "prenom", "etablissement", "adresse", "identifiant")
    assert {f["id"] for f in fields} >= {f"lettre-{name}" for name in wanted}
    for f in fields:
        label = page.soup.find("label", attrs={"for": f["id"]}).get_text(strip=True)
        assert "numen" not in (f["id"] + f.get("name", "") + label).lower()
        assert f.find_parent("form") is None  # filled and printed in the browser: nothing is sent
    warning = page.soup.select_one("main .guide-warning").get_text(" ", strip=True)
    assert "N'écrivez jamais votre NUMEN" in warning and "téléphone" in warning
    assert sesame.profile.rectorat_address in page.soup.select_one(".letter-to").get_text(" ", strip=True)
    assert page.soup.select_one("button[data-guide-print]") is not None
    sheets = [link["href"] for link in page.soup.select("link[rel=stylesheet]")]
    css = "".join(client.get(href).text for href in sheets)
    printed = css[css.index("@media print") :]
    assert ".site-header" in printed and ".guide-no-print" in printed


@pytest.mark.parametrize("academie", PROFILES)
def test_profile_values_in_the_guide(tmp_path, academie):
    profile = load_profile(academie)
    with client_for(tmp_path, academie) as client:
        settings = get(client, "/guide/application-telephone/2").text()
        for server in (profile.imap, profile.smtp):
            assert server.host in settings and str(server.port) in settings and server.security in settings
        webmail = get(client, "/guide/messagerie-en-ligne/1")
        assert webmail.soup.select_one(f'main a[href="{profile.webmail_url}"]') is not None
        for url in guide_urls(academie):
            if url.startswith("/static/guide/shots/"):
                assert f"/shots/{academie}/" in url


def test_all_internal_links_resolve(client):
    pages = [u for u in guide_urls("aix-marseille") if u.startswith("/guide")]
    seen: set[str] = set()
    for url in pages:
        page = get(client, url)
        assert page.status == 200, url
        targets = (
            [a["href"] for a in page.soup.select("a[href]")]
            + [i["src"] for i in page.soup.select("img[src]")]
            + [link["href"] for link in page.soup.select("link[href]")]
        )
        seen.update(t.split("#")[0] for t in targets if t.startswith("/"))
    assert "/guide/lettre" in seen and "/mot-de-passe" in seen and "/identifiant" in seen
    for target in sorted(seen):
        assert client.get(target).status_code == 200, target


def test_guide_urls(client, guide):
    urls = guide_urls("aix-marseille")
    assert len(urls) == len(set(urls))
    steps = [s.url for c in guide.chapters for s in c.steps]
    assert set(steps + [c.url for c in guide.chapters]) <= set(urls)
    assert {"/guide", "/guide/lettre", "/guide/numen/service"} <= set(urls)
    pictures = {s.picture.src for c in guide.chapters for s in c.steps}
    assert pictures <= set(urls)
    every = guide_urls()
    for academie in PROFILES:
        assert any(f"/shots/{academie}/" in u for u in every)
    for url in urls:
        assert client.get(url).status_code == 200, url


def test_sizes(client):
    pictures = [u for u in guide_urls("aix-marseille") if u.startswith("/static/guide/")]
    sizes = {u: len(client.get(u).content) for u in pictures}
    for url, size in sizes.items():
        assert size < 40 * 1024, f"{url}: {size} bytes"
    assert sum(sizes.values()) < 800 * 1024
    for url in guide_urls("aix-marseille"):
        if url.startswith("/guide"):
            body = client.get(url).content
            assert len(gzip.compress(body)) < 50_000, url


@pytest.mark.parametrize("academie", available_profiles())
def test_guide_builds_for_every_profile(academie):
    guide = build_guide(load_profile(academie), STATIC)
    assert len(guide.chapters) == 12


def test_markup_escapes_and_refuses_unsafe_links():
    assert str(inline("<b>**x**</b>", {})) == "&lt;b&gt;<strong>x</strong>&lt;/b&gt;"
    assert 'hx-boost="false"' in inline("[a](https://example.org)", {})
    with pytest.raises(KeyError):
        inline("{nope}", {})
    with pytest.raises(ValueError):
        inline("[a](javascript:alert(1))", {})


# --- the screenshots stay true to the screens they show ------------------------------


def replay(client: TestClient, shot, values: dict[str, str]) -> str:
    """Play a shot's actions like scripts/screenshots.py, through the test client."""
    client.cookies.clear()
    page: Page | None = None
    for action in shot.actions:
        if "get" in action:
            page = get(client, action["get"])
        elif "submit" in action:
            assert page is not None
            data = page.form(action["submit"])
            data.update({k: v.format(**values) for k, v in action.get("fields", {}).items()})
            page = Page(client.post(action["submit"], data=data, follow_redirects=True))
        assert page is not None and page.status < 400, (shot.name, action, page and page.errors)
    assert page is not None
    return page.response.text


@pytest.mark.parametrize("academie", PROFILES)
def test_screenshots_show_the_current_screens(tmp_path, academie):
    """Fails when a screen of Sésame changed and its picture was not made again:
    run `python scripts/screenshots.py` and commit the pictures and the manifest."""
    from pwa.demo import seed_demo

    manifest = json.loads(MANIFEST.read_text())["shots"][academie]
    person, shots = load_shots()
    assert [s.name for s in shots] == list(manifest), "shots.toml and the manifest differ"
    values = person_values(person, load_profile(academie))
    with client_for(tmp_path, academie, demo=True) as client:
        seed_demo(client.app.state.sesame)
        for shot in shots:
            entry = manifest[shot.name]
            assert (STATIC / "guide" / "shots" / entry["file"]).is_file()
            html = replay(client, shot, values)
            assert page_hash(html) == entry["hash"], (
                f"static/guide/shots/{entry['file']} shows an older version of this screen: "
                "run python scripts/screenshots.py"
            )


def test_page_hash_ignores_per_request_tokens():
    csrf = '<input type="hidden" name="csrf_token" value="{0}"><div data-csrf="{0}"></div>'
    htmx = """<p hx-headers='{{"X-CSRF-Token": "{}"}}'>"""
    a = f'<main id="main">{csrf.format("abc")}<script nonce="x1"></script>{htmx.format(1)}\n</main>'
    b = f'<title>T</title>\n{csrf.format("zzz")}  <script nonce="y2"></script>{htmx.format(2)}'
    assert page_hash(a) == page_hash(b)
    assert page_hash(a) != page_hash(a.replace('main"><', 'main"><p>changed</p><'))
    assert re.fullmatch(r"sha256:[0-9a-f]{64}", page_hash(a))


def test_second_factor_chapter_describes_what_is_built(client):
    page = get(client, "/guide/deuxieme-facteur")
    assert "Bientôt disponible" not in page.text()
    steps = [get(client, f"/guide/deuxieme-facteur/{n}").text() for n in range(1, 6)]
    assert "Ajouter une clé d'accès" in steps[1] and "Clés d'accès et codes" in steps[1]
    assert "10 codes de secours" in steps[4]
