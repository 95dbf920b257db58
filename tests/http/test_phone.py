"""Journey 8 over HTTP: the phone set-up pages and the documents mail clients and password
managers fetch by themselves (Thunderbird autoconfig, Apple configuration profile,
/.well-known/change-password, security.txt), checked against their formats."""

from __future__ import annotations

import datetime as dt
import plistlib
import xml.etree.ElementTree as ET

import pytest
from starlette.testclient import TestClient
from support.journeys import GOOD, login, set_password_with_numen
from support.web import JEAN, fast_hashing, get, make_settings, submit

from pwa.mailsetup import APPS
from pwa.profile import available_profiles, load_profile

AUTOCONFIG = ("/.well-known/autoconfig/mail/config-v1.1.xml", "/mail/config-v1.1.xml")
PROFILE_URL = "/telephone/profil.mobileconfig"


def signed_in(client, people):
    set_password_with_numen(client, people["jean"], GOOD)
    assert login(client, JEAN.identifiant, GOOD).h1 == "Mon compte"


def settings_shown(page) -> dict[str, str]:
    """Each value shown with a copy button: {element id: its text}. A button copies the
    element its data-copy names."""
    values = {}
    for button in page.soup.select("main button[data-copy]"):
        target = page.soup.find(id=button["data-copy"])
        assert target is not None, button
        assert button.get("type") == "button" and button.has_attr("hidden")  # shown by app.js
        assert button.get_text(" ", strip=True).startswith("Copier")
        values[button["data-copy"]] = target.get_text(strip=True)
    return values


# -- the pages ----------------------------------------------------------------------------


def test_the_choice_lists_every_app_and_is_linked(client, people):
    page = get(client, "/telephone")
    assert page.status == 200 and page.h1 == "Configurer mon téléphone"
    links = {a["href"] for a in page.soup.select("main .choices a")}
    assert links == {f"/telephone/{app.slug}" for app in APPS}
    assert len(APPS) == 5
    assert "/telephone" in {a["href"] for a in get(client, "/").soup.select("main a")}
    done = set_password_with_numen(client, people["jean"], GOOD)
    assert "/telephone" in {a["href"] for a in done.soup.select("main a")}
    account = login(client, JEAN.identifiant, GOOD)
    assert "/telephone" in {a["href"] for a in account.soup.select("main a")}


@pytest.mark.parametrize("slug", [a.slug for a in APPS])
def test_each_app_shows_the_profile_settings_with_copy_buttons(client, slug):
    page = get(client, f"/telephone/{slug}")
    assert page.status == 200
    assert page.soup.select("main ol.steps li"), "no steps"
    values = settings_shown(page)
    assert values == {
        "reglage-imap-serveur": "imap.ac-aix-marseille.fr",
        "reglage-imap-port": "993",
        "reglage-imap-securite": "SSL/TLS",
        "reglage-smtp-serveur": "smtp.ac-aix-marseille.fr",
        "reglage-smtp-port": "465",
        "reglage-smtp-securite": "SSL/TLS",
    }
    # Signed out: the user name is explained, with a way to find it.
    text = page.text()
    assert "identifiant" in text and "jdupont" in text
    assert {"/identifiant", f"/connexion?suite=/telephone/{slug}"} <= {a["href"] for a in page.soup.select("main a")}
    # No JavaScript needed: every value is plain text in the page, nothing is drawn by a script.
    assert not page.soup.select("main script, main noscript")
    # A QR code opens the same page on a phone.
    qr = page.soup.select_one(".phone-handoff .qr[role=img] svg")
    assert qr is not None and f"https://testserver/telephone/{slug}" in page.text()


def test_signed_in_the_user_name_is_the_identifiant(client, people):
    signed_in(client, people)
    page = get(client, "/telephone/gmail")
    values = settings_shown(page)
    assert values["reglage-utilisateur"] == JEAN.identifiant
    assert values["reglage-adresse"] == JEAN.email


def test_unknown_app_is_404(client):
    assert get(client, "/telephone/nokia").status == 404


def test_other_academie_settings(tmp_path):
    from pwa.app import create_app

    app = create_app(make_settings(tmp_path, academie="poitiers"), hashing=fast_hashing())
    with TestClient(app, base_url="https://testserver") as client:
        values = settings_shown(get(client, "/telephone/samsung"))
    assert values["reglage-imap-serveur"] == load_profile("poitiers").imap.host


# -- Thunderbird autoconfig ------------------------------------------------------------------


@pytest.mark.parametrize("url", AUTOCONFIG)
def test_autoconfig_xml(client, sesame, url):
    response = client.get(url, params={"emailaddress": JEAN.email})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/xml")
    root = ET.fromstring(response.content)
    assert root.tag == "clientConfig" and root.get("version") == "1.1"
    provider = root.find("emailProvider")
    profile = sesame.profile
    assert provider.get("id") == profile.mail_domain
    assert [d.text for d in provider.findall("domain")] == [profile.mail_domain]
    servers = {
        "imap": provider.find("incomingServer[@type='imap']"),
        "smtp": provider.find("outgoingServer[@type='smtp']"),
    }
    for kind, node in servers.items():
        expected = getattr(profile, kind)
        assert node.findtext("hostname") == expected.host
        assert node.findtext("port") == str(expected.port)
        assert node.findtext("socketType") == "SSL"
        assert node.findtext("authentication") == "password-cleartext"
        assert node.findtext("username") == "%EMAILADDRESS%"
    assert (servers["imap"].findtext("port"), servers["smtp"].findtext("port")) == ("993", "465")


@pytest.mark.parametrize("academie", available_profiles())
def test_autoconfig_for_every_profile(tmp_path, academie):
    from pwa.mailsetup import autoconfig_xml

    profile = load_profile(academie)
    root = ET.fromstring(autoconfig_xml(profile))
    assert root.find("emailProvider/incomingServer/hostname").text == profile.imap.host
    assert root.find("emailProvider/outgoingServer/hostname").text == profile.smtp.host


# -- Apple configuration profile ---------------------------------------------------------------


def mail_payload(document: dict) -> dict:
    assert document["PayloadType"] == "Configuration" and document["PayloadVersion"] == 1
    (payload,) = document["PayloadContent"]
    assert payload["PayloadType"] == "com.apple.mail.managed"
    return payload


def assert_servers(payload: dict, profile) -> None:
    assert payload["EmailAccountType"] == "EmailTypeIMAP"
    assert payload["IncomingMailServerHostName"] == profile.imap.host
    assert payload["IncomingMailServerPortNumber"] == 993
    assert payload["IncomingMailServerUseSSL"] is True
    assert payload["OutgoingMailServerHostName"] == profile.smtp.host
    assert payload["OutgoingMailServerPortNumber"] == 465
    assert payload["OutgoingMailServerUseSSL"] is True
    assert not [key for key in payload if "Password" in key and key != "OutgoingPasswordSameAsIncomingPassword"]


def test_mobileconfig_signed_in_has_the_identifiant_and_no_password(client, sesame, people):
    signed_in(client, people)
    response = client.get(PROFILE_URL)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/x-apple-aspen-config"
    assert response.headers["content-disposition"].startswith("attachment;")
    assert response.headers["cache-control"] == "no-store"
    assert GOOD.encode() not in response.content
    document = plistlib.loads(response.content)
    payload = mail_payload(document)
    assert_servers(payload, sesame.profile)
    assert payload["IncomingMailServerUsername"] == payload["OutgoingMailServerUsername"] == JEAN.identifiant
    assert payload["EmailAddress"] == JEAN.email
    # Stable identifiers: downloading again gives the same profile (iOS replaces it).
    again = plistlib.loads(client.get(PROFILE_URL).content)
    assert again == document
    uuids = {document["PayloadUUID"], payload["PayloadUUID"]}
    assert len(uuids) == 2
    assert document["PayloadIdentifier"].startswith("fr.ac-aix-marseille.")


def test_mobileconfig_signed_out(client, sesame, people):
    anonymous = plistlib.loads(client.get(PROFILE_URL).content)
    payload = mail_payload(anonymous)
    assert_servers(payload, sesame.profile)
    assert "IncomingMailServerUsername" not in payload and "EmailAddress" not in payload  # iOS asks
    page = get(client, "/telephone/iphone")
    form = page.soup.find("form", attrs={"action": PROFILE_URL})
    assert form.get("hx-boost") == "false"  # a download, not an htmx swap
    response = client.post(PROFILE_URL, data={**page.form(PROFILE_URL), "adresse": " Jean.Dupont@ac-aix-marseille.fr "})
    assert response.status_code == 200
    payload = mail_payload(plistlib.loads(response.content))
    assert payload["EmailAddress"] == payload["IncomingMailServerUsername"] == JEAN.email
    # Each account gets its own identifiers; the same account always the same ones.
    assert payload["PayloadUUID"] != mail_payload(anonymous)["PayloadUUID"]


def test_mobileconfig_address_refused_in_french(client):
    page = get(client, "/telephone/iphone")
    refused = submit(client, page, PROFILE_URL, adresse="jean.dupont@gmail.com")
    assert refused.status == 422
    assert refused.field_error("adresse") == "Votre adresse académique se termine par @ac-aix-marseille.fr."
    assert refused.value("adresse") == "jean.dupont@gmail.com"
    assert submit(client, page, PROFILE_URL, adresse="").status == 422


# -- well-known ---------------------------------------------------------------------------------


def test_change_password_redirects_to_the_password_page(client, people):
    response = client.get("/.well-known/change-password", follow_redirects=False)
    assert response.status_code in (302, 303)
    assert response.headers["location"] == "/compte/mot-de-passe"
    signed_in(client, people)
    assert get(client, "/.well-known/change-password").h1 == "Changer mon mot de passe"


def parse_security_txt(text: str) -> dict[str, str]:
    fields = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.partition(": ")
            fields[name] = value
    return fields


def test_security_txt(client, sesame):
    response = client.get("/.well-known/security.txt")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    fields = parse_security_txt(response.text)
    assert fields["Contact"] == f"mailto:{sesame.profile.helpdesk_email}"
    assert fields["Preferred-Languages"] == "fr, en"
    expires = dt.datetime.strptime(fields["Expires"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
    now = dt.datetime.now(dt.UTC)
    assert now < expires <= now + dt.timedelta(days=365)
    assert "Canonical" not in fields  # no public URL configured


def test_security_txt_canonical_with_public_url(tmp_path):
    from pwa.app import create_app

    settings = make_settings(tmp_path, public_url="https://sesame.ac-exemple.fr")
    with TestClient(create_app(settings, hashing=fast_hashing()), base_url="https://testserver") as client:
        fields = parse_security_txt(client.get("/.well-known/security.txt").text)
        assert fields["Canonical"] == "https://sesame.ac-exemple.fr/.well-known/security.txt"
        qr_text = get(client, "/telephone").text()
        assert "https://sesame.ac-exemple.fr/telephone" in qr_text


def test_service_worker_never_keeps_these_documents(client):
    from support.offline import precache

    kept = precache(client)
    for url in ("/telephone", *AUTOCONFIG, PROFILE_URL, "/.well-known/security.txt"):
        assert url not in kept["PAGES"] and url not in kept["ASSETS"]


def test_control_characters_in_the_address_are_refused_in_french(client):
    page = get(client, "/telephone/iphone")
    form = page.soup.find("form", attrs={"action": PROFILE_URL})
    data = {i["name"]: i.get("value", "") for i in form.find_all("input") if i.get("name")}
    for bad in ("jean\x01.dupont@ac-aix-marseille.fr", 'je"an@ac-aix-marseille.fr'):
        response = client.post(PROFILE_URL, data={**data, "adresse": bad})
        assert response.status_code == 422
        assert "adresse" in response.text
