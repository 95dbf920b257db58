"""Issue 15 item 4: Gestion's activation dashboard over time. A known set of people is
imported and activated over four days with the settable clock; the dashboard's chart (an
SVG in the HTML, no JavaScript) and its table say the right counts for each day, within
the agent's scope; the CSV for a secretariat lists who has not activated yet, in Excel's
French dialect, and is audited."""

from __future__ import annotations

import csv
import io
import json

import pytest
from support.helpdesk import account, make_staff, sign_in
from support.journeys import GOOD, set_password_with_numen
from support.web import JEAN, STAFF_CSV, Page, get

from pwa.importer import import_staff, parse_staff_csv

DAY = 86400.0
COLLEGE, ECOLE = "0130999A", "0130997C"
HEADER = "nom;prenom;date_naissance;numen;categorie;uai;etablissement\n"
PAUL = HEADER + "Blanc;Paul;01/02/1980;13E24TEST0100;aesh;0130999A;Collège Test\n"
DATES = ["15/01/2027", "16/01/2027", "17/01/2027", "18/01/2027"]  # the Clock starts on 15/01/2027, 09:00 in Paris


def import_csv(sesame, text: str) -> None:
    parsed = parse_staff_csv(text.encode())
    assert not parsed.errors
    import_staff(parsed.rows, store=sesame.store, directory=sesame.directory, keys=sesame.keys)


def set_password(sesame, identifiant: str, event: str) -> None:
    person = account(sesame, identifiant)
    sesame.directory.set_password_hash(person.id, sesame.hashing.hash("Un mot de passe solide 42"))
    sesame.audit.record(event, account_id=person.id)


@pytest.fixture
def history(sesame, clock):
    """Day 1: Jean, Jeanne (Collège Test) and Léa (École Test) imported. Day 2: Jeanne, the
    agent, chooses a password and adds an OTP app; Léa activates. Day 3: Jean activates with
    his NUMEN. Day 4: Jean changes his password (still activated on day 3) and Paul arrives."""
    import_csv(sesame, STAFF_CSV)
    clock.now += DAY
    agent = make_staff(sesame, "jdupont1", role=None)
    set_password(sesame, "lmartin", "password.set_letter")
    clock.now += DAY
    set_password(sesame, "jdupont", "password.set")
    clock.now += DAY
    set_password(sesame, "jdupont", "password.changed")
    import_csv(sesame, PAUL)
    return agent


def figures(page: Page) -> list[list[str]]:
    return [[c.get_text(strip=True) for c in tr.find_all(["th", "td"])] for tr in page.soup.select("#chart-figures tr")]


def curve(page: Page, key: str) -> list[tuple[float, float]]:
    polyline = page.soup.select_one(f"svg.chart g.curve-{key} polyline")
    return [tuple(float(v) for v in pair.split(",")) for pair in polyline["points"].split()]


def tick_y(page: Page) -> dict[int, float]:
    """The chart's y axis: value → its y coordinate, read from the labels' own positions."""
    labels = page.soup.select("svg.chart text.chart-y")
    return {int(t.get_text()): float(t["y"]) - 4 for t in labels}


def test_the_scope_over_four_days(client, sesame, clock, history):
    sesame.roles.grant(history.id, "gestionnaire", COLLEGE, by="test")
    sign_in(client, clock, "jdupont1")
    page = get(client, "/gestion/activation")
    assert page.status == 200
    assert figures(page) == [
        ["Date", "Importés", "Activés", "Avec deuxième protection"],
        [DATES[0], "2", "0", "0"],
        [DATES[1], "2", "1", "1"],
        [DATES[2], "2", "2", "1"],
        [DATES[3], "3", "2", "1"],
    ], "Léa (another établissement) is out of the agent's scope; Jean activated on day 3, not day 4"
    # The chart is in the HTML itself (no script draws it), named for screen readers.
    svg = page.soup.select_one("svg.chart")
    assert svg["role"] == "img"
    title, desc = (page.soup.find(id=i).get_text(" ", strip=True) for i in svg["aria-labelledby"].split())
    assert title.endswith("votre établissement")
    assert desc.startswith("Au 18/01/2027 : 3 importés, 2 activés, 1 avec deuxième protection.")
    ys = tick_y(page)
    assert [y for _, y in curve(page, "imported")] == pytest.approx([ys[2], ys[2], ys[2], ys[3]], abs=0.2)
    assert [y for _, y in curve(page, "activated")] == pytest.approx([ys[0], ys[1], ys[2], ys[2]], abs=0.2)
    xs = [x for x, _ in curve(page, "with_factor")]
    assert xs == sorted(xs) and len(set(xs)) == 4, "one point a day, left to right"
    # Each curve has its own marker shape, and the legend names them (not colour alone).
    assert page.soup.select("g.curve-imported circle") and page.soup.select("g.curve-activated rect")
    assert page.soup.select("g.curve-with_factor polygon")
    legend = [li.get_text(" ", strip=True) for li in page.soup.select(".chart-legend li")]
    assert legend == ["Importés (3)", "Activés (2)", "Avec deuxième protection (1)"]
    rows = [
        [c.get_text(" ", strip=True) for c in tr.find_all(["th", "td"])]
        for tr in page.soup.select("#etablissements tbody tr")
    ]
    assert rows == [["Collège Test 0130999A", "3", "2", "1", "1", "0", "0", "0", "Évolution"]]


def test_the_academie_and_one_etablissement(client, sesame, clock, history):
    sesame.roles.grant(history.id, "gestionnaire", None, by="test")
    sign_in(client, clock, "jdupont1")
    page = get(client, "/gestion/activation")
    assert page.soup.select_one("#chart-title").get_text().endswith("l'académie")
    assert figures(page)[1:] == [
        [DATES[0], "3", "0", "0"],
        [DATES[1], "3", "2", "1"],
        [DATES[2], "3", "3", "1"],
        [DATES[3], "4", "3", "1"],
    ]
    names = [th.get_text(" ", strip=True) for th in page.soup.select("#etablissements tbody th")]
    assert names == ["Collège Test 0130999A", "École Test 0130997C"]
    link = page.soup.select("#etablissements tbody tr")[1].find("a", string="Évolution")["href"]
    ecole = get(client, link)
    assert ecole.status == 200 and ecole.h1 == "École Test"
    assert figures(ecole)[1:] == [
        [DATES[0], "1", "0", "0"],
        [DATES[1], "1", "1", "0"],
        [DATES[2], "1", "1", "0"],
        [DATES[3], "1", "1", "0"],
    ]


def test_pending_requests_are_counted_per_etablissement(client, sesame, clock, history):
    sesame.roles.grant(history.id, "gestionnaire", COLLEGE, by="test")
    queue = sesame.letter_queue
    for n, (status, uai) in enumerate(
        [("queued", COLLEGE), ("queued", COLLEGE), ("review", COLLEGE), ("queued", ECOLE), ("printed", COLLEGE)]
    ):
        queue.add({"reference": f"REF{n}", "uai": uai, "status": status, "created_at": clock.now})
    sign_in(client, clock, "jdupont1")
    page = get(client, "/gestion/activation")
    row = [c.get_text(" ", strip=True) for c in page.soup.select("#etablissements tbody tr")[0].find_all(["th", "td"])]
    assert row[6:8] == ["2", "1"], (  # after the « Départs » column
        "two letters to print, one request to check; the other school's and the printed one not counted"
    )
    assert "1 demande de courrier à vérifier" in page.soup.select_one("#requests-to-review").get_text(" ", strip=True)


def test_the_secretariat_csv_lists_who_has_not_activated_and_is_audited(client, sesame, clock, history):
    sesame.roles.grant(history.id, "gestionnaire", COLLEGE, by="test")
    sign_in(client, clock, "jdupont1")
    response = client.get(f"/gestion/activation/a-activer.csv?uai={COLLEGE}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert (
        response.headers["content-disposition"] == f'attachment; filename="comptes-a-activer-{COLLEGE}-2027-01-18.csv"'
    )
    assert response.content.startswith(b"\xef\xbb\xbf"), "a BOM, so Excel reads UTF-8"
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows == [
        ["Nom", "Prénom", "Identifiant", "Adresse académique", "Catégorie", "UAI", "Établissement", "Importé le"],
        ["Blanc", "Paul", "pblanc", "paul.blanc@ac-aix-marseille.fr", "AESH", COLLEGE, "Collège Test", DATES[3]],
    ]
    events = sesame.store.query("select event, actor, details from audit where event = 'export.not_activated'")
    assert [(e["actor"], json.loads(e["details"])) for e in events] == [("jdupont1", {"uai": COLLEGE, "people": 1})]
    # Another établissement is out of scope: refused, nothing exported, nothing audited.
    refused = client.get(f"/gestion/activation/a-activer.csv?uai={ECOLE}")
    assert refused.status_code == 403 and "ne fait pas partie de votre périmètre" in refused.text
    assert len(sesame.store.query("select id from audit where event = 'export.not_activated'")) == 1
    assert get(client, f"/gestion/activation/etablissement?uai={ECOLE}").status == 403


def test_a_formula_in_a_name_stays_text_in_the_spreadsheet(client, sesame, clock, history):
    import_csv(sesame, PAUL.replace("Blanc;Paul", "=SOMME;Paul"))
    sesame.roles.grant(history.id, "gestionnaire", COLLEGE, by="test")
    sign_in(client, clock, "jdupont1")
    text = client.get(f"/gestion/activation/a-activer.csv?uai={COLLEGE}").content.decode("utf-8-sig")
    assert "\r\n'=SOMME;Paul;" in text


@pytest.mark.parametrize("backend", ["ldap"])
def test_the_timeline_follows_the_ldap_backend_too(client, sesame, clock, people, backend):
    """With the académie's directory, the rows mirror the entries: a password chosen with the
    NUMEN (a real Password Modify on slapd) counts as activated on its day."""
    clock.now += DAY
    assert set_password_with_numen(client, JEAN, GOOD).status == 200
    days = [
        (p.day.strftime("%d/%m/%Y"), p.imported, p.activated, p.with_factor) for p in sesame.activation.timeline(None)
    ]
    assert days == [(DATES[0], 3, 0, 0), (DATES[1], 3, 1, 0)]
