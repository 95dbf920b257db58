"""Mail-app set-up (DESIGN §3.8), driven by the académie profile: the apps Sésame
explains, and the documents clients read by themselves — Thunderbird's autoconfig XML,
Apple's configuration profile (.mobileconfig) and /.well-known/security.txt (RFC 9116).

Pure functions: no I/O. The views in pwa/views/phone.py serve them."""

from __future__ import annotations

import datetime as dt
import plistlib
import re
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from pwa.profile import Profile, Server

MOBILECONFIG_TYPE = "application/x-apple-aspen-config"
SECURITY_TXT_DAYS = 180  # RFC 9116 §2.5.5: "less than a year into the future"
# Namespace of the profile's UUIDs: the same académie and account always get the same ones,
# so installing a newer profile replaces the older one instead of adding a second account.
UUID_NAMESPACE = uuid.UUID("6f1d3c52-8a57-4d0e-9d3b-5e0b7e7c2a91")


@dataclass(frozen=True)
class MailApp:
    slug: str  # its URL: /telephone/<slug>
    name: str
    platform: str  # shown under the name on the choice list
    picture: str  # under static/guide/drawn/


IPHONE = MailApp("iphone", "Mail", "iPhone et iPad", "iphone-mail.svg")  # offers the profile
APPS = (
    MailApp("gmail", "Gmail", "Android", "gmail.svg"),
    MailApp("samsung", "Samsung Email", "Android, téléphones Samsung", "samsung-email.svg"),
    MailApp("outlook", "Outlook", "Android, iPhone et iPad", "reglages.svg"),
    IPHONE,
    MailApp("thunderbird", "Thunderbird", "Android et ordinateur", "telephone-config.svg"),
)


def find_app(slug: str) -> MailApp | None:
    return next((app for app in APPS if app.slug == slug), None)


def uses_tls(server: Server) -> bool:
    """SSL/TLS (993, 465) or STARTTLS: the connection is encrypted either way."""
    return server.security.upper().replace(" ", "") in ("SSL/TLS", "SSL", "TLS", "STARTTLS")


def socket_type(server: Server) -> str:
    """Thunderbird's name for the profile's security."""
    security = server.security.upper().replace(" ", "")
    if security == "STARTTLS":
        return "STARTTLS"
    return "SSL" if uses_tls(server) else "plain"


# -- Thunderbird autoconfig ---------------------------------------------------------------


def autoconfig_xml(profile: Profile, *, documentation_url: str = "") -> bytes:
    """clientConfig v1.1 for the académie's mail domain. The login is the address
    (%EMAILADDRESS%): the mail server accepts it (DESIGN §2), so no address-to-identifiant
    look-up is ever exposed."""
    root = ET.Element("clientConfig", version="1.1")
    provider = ET.SubElement(root, "emailProvider", id=profile.mail_domain)
    ET.SubElement(provider, "domain").text = profile.mail_domain
    ET.SubElement(provider, "displayName").text = f"Messagerie académique – {profile.name}"
    ET.SubElement(provider, "displayShortName").text = profile.short_name
    for tag, kind, server in (
        ("incomingServer", "imap", profile.imap),
        ("outgoingServer", "smtp", profile.smtp),
    ):
        node = ET.SubElement(provider, tag, type=kind)
        ET.SubElement(node, "hostname").text = server.host
        ET.SubElement(node, "port").text = str(server.port)
        ET.SubElement(node, "socketType").text = socket_type(server)
        ET.SubElement(node, "authentication").text = "password-cleartext"
        ET.SubElement(node, "username").text = "%EMAILADDRESS%"
    if documentation_url:
        doc = ET.SubElement(provider, "documentation", url=documentation_url)
        ET.SubElement(doc, "descr", lang="fr").text = "Configurer la messagerie académique"
    ET.indent(root)
    declaration = '<?xml version="1.0" encoding="UTF-8"?>\n'
    return (declaration + ET.tostring(root, encoding="unicode") + "\n").encode()


# -- Apple configuration profile ------------------------------------------------------------


def reverse_domain(domain: str) -> str:
    return ".".join(reversed(domain.lower().split(".")))


def mobileconfig(profile: Profile, *, login: str = "", email: str = "", display_name: str = "") -> bytes:
    """A configuration profile with one com.apple.mail.managed payload: IMAP and SMTP over
    TLS, the user name filled in when known, never a password (iOS asks for it while
    installing). Fields left empty are asked by iOS during installation."""
    key = login.lower()
    suffix = re.sub(r"[^a-z0-9-]+", "-", key).strip("-")
    identifier = f"{reverse_domain(profile.mail_domain)}.sesame.mail" + (f".{suffix}" if suffix else "")
    mail: dict = {
        "PayloadType": "com.apple.mail.managed",
        "PayloadVersion": 1,
        "PayloadIdentifier": f"{identifier}.account",
        "PayloadUUID": str(uuid.uuid5(UUID_NAMESPACE, f"{profile.id}:{key}:mail")).upper(),
        "PayloadDisplayName": "Messagerie académique",
        "EmailAccountDescription": f"Messagerie académique ({profile.short_name})",
        "EmailAccountType": "EmailTypeIMAP",
        "IncomingMailServerHostName": profile.imap.host,
        "IncomingMailServerPortNumber": profile.imap.port,
        "IncomingMailServerUseSSL": uses_tls(profile.imap),
        "IncomingMailServerAuthentication": "EmailAuthPassword",
        "OutgoingMailServerHostName": profile.smtp.host,
        "OutgoingMailServerPortNumber": profile.smtp.port,
        "OutgoingMailServerUseSSL": uses_tls(profile.smtp),
        "OutgoingMailServerAuthentication": "EmailAuthPassword",
        "OutgoingPasswordSameAsIncomingPassword": True,
        "PreventMove": False,
        "SMIMEEnabled": False,
    }
    if login:
        mail["IncomingMailServerUsername"] = login
        mail["OutgoingMailServerUsername"] = login
    if email:
        mail["EmailAddress"] = email
    if display_name:
        mail["EmailAccountName"] = display_name
    document = {
        "PayloadType": "Configuration",
        "PayloadVersion": 1,
        "PayloadIdentifier": identifier,
        "PayloadUUID": str(uuid.uuid5(UUID_NAMESPACE, f"{profile.id}:{key}:configuration")).upper(),
        "PayloadDisplayName": f"Messagerie – {profile.name}",
        "PayloadDescription": (
            "Ajoute votre messagerie académique à l'application Mail. "
            "Votre mot de passe vous sera demandé : il n'est pas dans ce profil."
        ),
        "PayloadOrganization": profile.name,
        "PayloadRemovalDisallowed": False,
        "PayloadContent": [mail],
    }
    return plistlib.dumps(document, fmt=plistlib.FMT_XML, sort_keys=True)


# -- security.txt ---------------------------------------------------------------------------


def security_txt(profile: Profile, *, now: dt.datetime, canonical: str = "") -> str:
    """RFC 9116: Contact and Expires are required; Expires less than a year ahead."""
    contact = profile.security_contact or f"mailto:{profile.helpdesk_email}"
    expires = (now.astimezone(dt.UTC) + dt.timedelta(days=SECURITY_TXT_DAYS)).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    lines = [
        f"Contact: {contact}",
        f"Expires: {expires.strftime('%Y-%m-%dT%H:%M:%SZ')}",
        "Preferred-Languages: fr, en",
    ]
    if canonical:
        lines.append(f"Canonical: {canonical}")
    return "\n".join(lines) + "\n"
