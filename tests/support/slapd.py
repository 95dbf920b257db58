"""A real OpenLDAP slapd on loopback for the tests: a throw-away cn=config, one mdb
database, the ppolicy overlay, argon2 password hashing, and TLS (ldaps:// and StartTLS)
with the throw-away CA of tests/dovecot.py.

One server per test session (`slapd` fixture); each test takes its own subtree
(`Slapd.subtree()`), so tests never see each other's entries. The service account
Sésame binds as has `write` (not `manage`) on userPassword, so the password policy
applies to the passwords it sets. Without slapd the tests are skipped, except when
``CI`` is set: then they fail.
"""

from __future__ import annotations

import itertools
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from support.certs import make_ca
from support.dovecot import HOST, free_port, missing

SLAPD = shutil.which("slapd") or "/usr/sbin/slapd"
SLAPADD = shutil.which("slapadd") or "/usr/sbin/slapadd"
SUFFIX = "dc=ac-exemple,dc=fr"
ADMIN_DN = f"cn=admin,{SUFFIX}"
ADMIN_PW = "admin-secret-for-tests"
SERVICE_DN = f"cn=svc-sesame,ou=services,{SUFFIX}"
SERVICE_PW = "svc-secret-for-tests"
POLICY_DN = f"cn=default,ou=policies,{SUFFIX}"
# Longer than Sésame's own minimum, so "too short" can be the directory's refusal alone.
MIN_LENGTH = 14

CONFIG = """\
dn: cn=config
objectClass: olcGlobal
cn: config
olcPidFile: {dir}/slapd.pid
olcArgsFile: {dir}/slapd.args
olcLogLevel: none
olcTLSCACertificateFile: {dir}/ca.pem
olcTLSCertificateFile: {dir}/server.pem
olcTLSCertificateKeyFile: {dir}/server.key

dn: cn=module{{0}},cn=config
objectClass: olcModuleList
cn: module{{0}}
olcModulePath: /usr/lib/ldap
olcModuleLoad: back_mdb
olcModuleLoad: ppolicy
olcModuleLoad: argon2

dn: cn=schema,cn=config
objectClass: olcSchemaConfig
cn: schema

include: file:///etc/ldap/schema/core.ldif
include: file:///etc/ldap/schema/cosine.ldif
include: file:///etc/ldap/schema/nis.ldif
include: file:///etc/ldap/schema/inetorgperson.ldif

dn: olcDatabase={{-1}}frontend,cn=config
objectClass: olcDatabaseConfig
objectClass: olcFrontendConfig
olcDatabase: {{-1}}frontend
olcPasswordHash: {{ARGON2}}

dn: olcDatabase={{0}}config,cn=config
objectClass: olcDatabaseConfig
olcDatabase: {{0}}config
olcAccess: {{0}}to * by dn.exact=gidNumber=0+uidNumber=0,cn=peercred,cn=external,cn=auth manage by * break

dn: olcDatabase={{1}}mdb,cn=config
objectClass: olcDatabaseConfig
objectClass: olcMdbConfig
olcDatabase: {{1}}mdb
olcSuffix: {suffix}
olcDbDirectory: {dir}/db
olcDbMaxSize: 67108864
olcDbNoSync: TRUE
olcRootDN: {admin}
olcRootPW: {admin_pw}
olcDbIndex: objectClass eq
olcDbIndex: uid,mail eq
olcDbIndex: employeeNumber eq
olcDbIndex: entryUUID eq
olcAccess: {{0}}to attrs=userPassword by dn.exact="{service}" write by self write by anonymous auth by * none
olcAccess: {{1}}to * by dn.exact="{service}" write by self read by users read by * none

dn: olcOverlay={{0}}ppolicy,olcDatabase={{1}}mdb,cn=config
objectClass: olcOverlayConfig
objectClass: olcPPolicyConfig
olcOverlay: {{0}}ppolicy
olcPPolicyDefault: {policy}
olcPPolicyHashCleartext: TRUE
olcPPolicyUseLockout: TRUE
"""

DATA = """\
dn: {suffix}
objectClass: dcObject
objectClass: organization
dc: ac-exemple
o: Academie exemple

dn: ou=services,{suffix}
objectClass: organizationalUnit
ou: services

dn: ou=policies,{suffix}
objectClass: organizationalUnit
ou: policies

dn: {policy}
objectClass: applicationProcess
objectClass: pwdPolicy
cn: default
pwdAttribute: userPassword
pwdCheckQuality: 2
pwdMinLength: {min_length}
pwdInHistory: 5
pwdLockout: TRUE
pwdMaxFailure: 5
pwdLockoutDuration: 0

dn: {service}
objectClass: applicationProcess
objectClass: simpleSecurityObject
cn: svc-sesame
userPassword: {service_pw}
"""


def _run(args: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(args, check=True, capture_output=True, text=True, **kwargs)


@dataclass
class Slapd:
    folder: Path
    port: int
    tls_port: int
    ca_file: Path
    process: subprocess.Popen | None = None
    _subtrees: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def url(self) -> str:
        return f"ldap://{HOST}:{self.port}"

    @property
    def ldaps_url(self) -> str:
        return f"ldaps://{HOST}:{self.tls_port}"

    def settings(self, base_dn: str, **overrides: object) -> dict:
        """Settings overrides that point Sésame at this directory, in `base_dn`
        (ldap:// with StartTLS and the test CA)."""
        return {
            "directory": "ldap",
            "ldap_url": self.url,
            "ldap_starttls": True,
            "ldap_ca_file": str(self.ca_file),
            "ldap_bind_dn": SERVICE_DN,
            "ldap_bind_password": SERVICE_PW,
            "ldap_base_dn": base_dn,
            "ldap_timeout": 2.0,
            **overrides,
        }

    # -- the process ---------------------------------------------------------------------
    def start(self) -> None:
        urls = f"{self.url}/ {self.ldaps_url}/"
        self.process = subprocess.Popen(
            [SLAPD, "-d", "0", "-F", str(self.folder / "slapd.d"), "-h", urls],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 15
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"slapd exited: {self.process.stderr.read().decode()[-2000:]}")
            try:
                self.admin().unbind()
                return
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.terminate()
            self.process.wait(10)
        self.process = None

    def freeze(self) -> None:
        """The directory hangs: connections open, nothing answers (a slow directory)."""
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        self.process.send_signal(signal.SIGCONT)

    # -- entries -------------------------------------------------------------------------
    def admin(self):
        import ldap3

        server = ldap3.Server(self.url, connect_timeout=2)
        return ldap3.Connection(server, ADMIN_DN, ADMIN_PW, auto_bind=True, receive_timeout=5)

    def subtree(self) -> str:
        """A fresh, empty `ou=` of people for one test; returns its DN."""
        dn = f"ou=t{next(self._subtrees)},{SUFFIX}"
        conn = self.admin()
        assert conn.add(dn, ["organizationalUnit"], {"ou": dn.split(",")[0][3:]}), conn.result
        conn.unbind()
        return dn

    def add_person(
        self,
        base: str,
        uid: str,
        mail: str,
        first: str,
        last: str,
        *,
        uai: str = "",
        password: str | None = None,
        **extra: object,
    ) -> str:
        dn = f"uid={uid},{base}"
        attributes = {"uid": uid, "mail": mail, "givenName": first, "sn": last, "cn": f"{first} {last}", **extra}
        if uai:
            attributes["departmentNumber"] = uai
        if password:
            attributes["userPassword"] = password
        conn = self.admin()
        assert conn.add(dn, ["inetOrgPerson"], attributes), conn.result
        conn.unbind()
        return dn

    def entry(self, dn: str, *attributes: str) -> dict:
        import ldap3

        conn = self.admin()
        conn.search(dn, "(objectClass=*)", ldap3.BASE, attributes=list(attributes) or ["*", "+"])
        found = conn.entries[0].entry_attributes_as_dict if conn.entries else {}
        conn.unbind()
        return found

    def modify(self, dn: str, changes: dict) -> None:
        conn = self.admin()
        assert conn.modify(dn, changes), conn.result
        conn.unbind()

    def binds(self, dn: str, password: str) -> bool:
        import ldap3

        conn = ldap3.Connection(ldap3.Server(self.url, connect_timeout=2), dn, password, receive_timeout=5)
        ok = conn.bind()
        conn.unbind()
        return ok


def build(folder: Path) -> Slapd:
    make_ca(folder)
    (folder / "slapd.d").mkdir()
    (folder / "db").mkdir()
    values = {
        "dir": folder,
        "suffix": SUFFIX,
        "admin": ADMIN_DN,
        "admin_pw": ADMIN_PW,
        "service": SERVICE_DN,
        "service_pw": SERVICE_PW,
        "policy": POLICY_DN,
        "min_length": MIN_LENGTH,
    }
    (folder / "config.ldif").write_text(CONFIG.format(**values))
    (folder / "data.ldif").write_text(DATA.format(**values))
    _run([SLAPADD, "-q", "-n0", "-F", str(folder / "slapd.d"), "-l", str(folder / "config.ldif")])
    _run([SLAPADD, "-q", "-n1", "-F", str(folder / "slapd.d"), "-l", str(folder / "data.ldif")])
    return Slapd(folder=folder, port=free_port(), tls_port=free_port(), ca_file=folder / "ca.pem")


@pytest.fixture(scope="session")
def slapd() -> Iterator[Slapd]:
    if not (os.path.exists(SLAPD) and os.path.exists("/usr/lib/ldap/ppolicy.so")):
        missing("slapd is not installed (Debian packages slapd, ldap-utils)")
    pytest.importorskip("ldap3")
    folder = Path(tempfile.mkdtemp(prefix="sesame-slapd-"))
    server = build(folder)
    server.start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)
