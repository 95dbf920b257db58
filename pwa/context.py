"""Everything the views need, built once per app from the settings."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from functools import partial

from jinja2 import Environment
from markupsafe import Markup
from jinja2_fragments.starlette import Jinja2Blocks

from pwa import __version__
from pwa.directory import Account, SqliteDirectory
from pwa.legal import rgaa
from pwa.mail.outbox import Outbox, OutboxWorker
from pwa.mfa.store import Authenticators
from pwa.policy import PersonalData, Policy, build_policy
from pwa.profile import Profile, load_profile
from pwa.security.antibot import AntiBot
from pwa.security.audit import Audit
from pwa.security.devices import Devices
from pwa.security.keys import Keys, MissingSecret
from pwa.security.middleware import CookieNames
from pwa.security.passwords import PasswordHashing
from pwa.security.roles import Roles
from pwa.security.sessions import SessionStore
from pwa.security.throttle import Throttle
from pwa.services.absence import AbsenceService
from pwa.services.accounts import AccountService
from pwa.services.backup import BackupService, masked
from pwa.services.codes import Codes
from pwa.services.letters import Letters
from pwa.services.factors import FactorService
from pwa.services.helpdesk import HelpDesk
from pwa.services.identity import personal_digest
from pwa.services.mailbox import MailServers
from pwa.services.notices import PARIS, Notices
from pwa.settings import Settings
from pwa.store import Store

log = logging.getLogger("sesame")


class DemoRefused(RuntimeError):
    pass


def open_store(settings: Settings) -> Store:
    store = Store(settings.db_path)
    store.migrate()
    return store


def check_demo_database(store: Store) -> None:
    """Demo mode refuses a database that holds non-demo accounts (DESIGN §5)."""
    real = store.one("select count(*) as n from accounts where demo = 0")
    if real and real["n"]:
        raise DemoRefused(
            f"{store.path} holds real accounts: demo mode only runs on a demo database"
        )


@dataclass
class Sesame:
    settings: Settings
    profile: Profile
    store: Store
    keys: Keys
    directory: SqliteDirectory
    policy: Policy
    hashing: PasswordHashing
    sessions: SessionStore
    throttle: Throttle
    audit: Audit
    outbox: Outbox
    cookies: CookieNames
    templates: Jinja2Blocks
    notices: Notices = None  # type: ignore[assignment]  (set by build)
    accounts: AccountService = None  # type: ignore[assignment]
    authenticators: Authenticators = None  # type: ignore[assignment]
    factors: FactorService = None  # type: ignore[assignment]
    codes: Codes = None  # type: ignore[assignment]
    roles: Roles = None  # type: ignore[assignment]
    letters: Letters = None  # type: ignore[assignment]
    backup: BackupService = None  # type: ignore[assignment]
    mail: MailServers = None  # type: ignore[assignment]
    absence: AbsenceService = None  # type: ignore[assignment]
    helpdesk: HelpDesk = None  # type: ignore[assignment]
    antibot: AntiBot = None  # type: ignore[assignment]
    devices: Devices = None  # type: ignore[assignment]

    @classmethod
    def build(cls, settings: Settings, *, hashing: PasswordHashing | None = None) -> Sesame:
        profile = load_profile(settings.academie, settings.profile_dir or None)
        if not settings.secret_key:
            raise MissingSecret("SESAME_SECRET_KEY is not set (see README, Configuration)")
        store = open_store(settings)
        if settings.demo:
            check_demo_database(store)
        templates = Jinja2Blocks(directory=str(settings.templates_dir))
        templates.env.auto_reload = False  # no os.stat per render: templates change with a deploy
        keys = Keys.from_secret(settings.secret_key)
        sesame = cls(
            settings=settings,
            profile=profile,
            store=store,
            keys=keys,
            directory=SqliteDirectory(store, profile.mail_domain),
            policy=build_policy(
                preset=profile.password_preset, forbidden_chars=profile.forbidden_chars
            ),
            hashing=hashing or PasswordHashing(),
            sessions=SessionStore(store),
            throttle=Throttle(store),
            audit=Audit(store),
            outbox=Outbox(store, keys),
            cookies=CookieNames(settings.secure_cookies),
            templates=templates,
        )
        sesame._setup_templates(templates.env)
        sesame.notices = Notices(templates.env, sesame.outbox, profile, settings.public_url)
        sesame.accounts = AccountService(sesame, sesame.notices)
        sesame.authenticators = Authenticators(store, sesame.keys)
        sesame.factors = FactorService(sesame)
        sesame.codes = Codes(store, keys)
        sesame.roles = Roles(store)
        sesame.letters = Letters(sesame)
        sesame.backup = BackupService(sesame)
        sesame.mail = MailServers(settings, profile)
        sesame.absence = AbsenceService(sesame.mail, profile.mail_domain)
        sesame.helpdesk = HelpDesk(sesame)
        sesame.antibot = AntiBot(store, keys)
        sesame.devices = Devices(keys)
        return sesame

    def _setup_templates(self, env: Environment) -> None:
        env.globals.update(
            profile=self.profile,
            demo=self.settings.demo,
            version=__version__,
            static_files=self.static_url,
            # Markup: the title block is already escaped (an apostrophe must not show as &#39;).
            title_suffix=lambda title: Markup("{} – Sésame, {}").format(title, self.profile.short_name),
            policy_criteria=self.policy.criteria,
            policy_json=self.policy.to_json(),
            # What the checklist shows before anything is typed: the empty password's states.
            policy_initial={i.id: i.met for i in self.policy.check_pattern("").items},
            # The conformance level every footer states, from the RGAA self-audit grid.
            accessibility_level=rgaa.load().level,
        )
        env.filters["isodatetime"] = lambda ts: dt.datetime.fromtimestamp(ts, PARIS).isoformat()
        env.filters["frdatetime"] = lambda ts: dt.datetime.fromtimestamp(ts, PARIS).strftime(
            "%d/%m/%Y à %H:%M"
        )
        env.filters["masked"] = masked
        env.policies["json.dumps_kwargs"] = {"ensure_ascii": False, "sort_keys": False}

    def static_url(self, path: str) -> str:
        return f"/static/{path}"

    @property
    def sender(self) -> str:
        return self.settings.mail_from or f"ne-pas-repondre@{self.profile.mail_domain}"

    def outbox_worker(self) -> OutboxWorker:
        return OutboxWorker(self.outbox, self.settings, self.sender)

    def maintain(self) -> None:
        """Hourly: audit kept 12 months; expired sessions, old failures, sent mails and spent
        proof-of-work solutions dropped."""
        self.audit.purge()
        self.sessions.purge_expired()
        self.throttle.purge()
        self.outbox.purge()
        self.codes.purge()
        self.antibot.purge()

    def personal_data(self, account: Account) -> PersonalData:
        return PersonalData(
            identifiant=account.identifiant,
            first_name=account.first_name,
            last_name=account.last_name,
            digest=partial(personal_digest, self.keys, account.id),
            secret_digests=account.personal_digests,
        )
