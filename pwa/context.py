"""Everything the views need, built once per app from the settings."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from jinja2 import Environment
from jinja2_fragments.starlette import Jinja2Blocks
from markupsafe import Markup

from pwa import __version__
from pwa.directory import SqliteDirectory
from pwa.legal import rgaa
from pwa.mail.outbox import Outbox, OutboxWorker
from pwa.mfa.store import Authenticators
from pwa.policy import Policy, build_policy
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
from pwa.services.activation import ActivationService
from pwa.services.app_passwords import AppPasswords
from pwa.services.backup import BackupService, masked
from pwa.services.codes import Codes
from pwa.services.factors import FactorService
from pwa.services.gestion import GestionService
from pwa.services.grants import Grants
from pwa.services.guard import Guard
from pwa.services.helpdesk import HelpDesk
from pwa.services.leavers import Leavers
from pwa.services.letter_requests import LetterRequests
from pwa.services.letters import Letters
from pwa.services.mailbox import MailServers
from pwa.services.notices import PARIS, Notices
from pwa.services.printing import Printing
from pwa.services.signin import SignInService
from pwa.services.staff_import import StaffImport
from pwa.settings import Settings
from pwa.store import Store
from pwa.store import open_store as store_for
from pwa.stores.app_passwords import AppPasswordStore
from pwa.stores.etablissements import Etablissements
from pwa.stores.letter_requests import LetterQueue
from pwa.stores.pending_imports import PendingImports

log = logging.getLogger("sesame")


class DemoRefused(RuntimeError):
    pass


def open_store(settings: Settings) -> Store:
    store = store_for(settings)
    store.migrate()
    return store


def open_directory(
    settings: Settings, store: Store, mail_domain: str, etablissements: Etablissements
) -> SqliteDirectory:
    """SESAME_DIRECTORY: Sésame's own SQLite accounts, or the académie's LDAP directory."""
    if settings.directory == "ldap":
        from pwa.ldap_directory import LdapDirectory

        return LdapDirectory.from_settings(settings, store, mail_domain, etablissements)
    return SqliteDirectory(store, mail_domain, etablissements)


def check_demo_database(directory: SqliteDirectory, store: Store) -> None:
    """Demo mode refuses a database that holds non-demo accounts (DESIGN §5)."""
    if directory.count(demo=False):
        raise DemoRefused(f"{store.describe()} holds real accounts: demo mode only runs on a demo database")


def setup_templates(env: Environment, settings: Settings, profile: Profile, policy: Policy) -> None:
    env.globals.update(
        profile=profile,
        demo=settings.demo,
        version=__version__,
        static_files=static_url,
        # Markup: the title block is already escaped (an apostrophe must not show as &#39;).
        title_suffix=lambda title: Markup("{} – Sésame, {}").format(title, profile.short_name),
        policy_criteria=policy.criteria,
        policy_json=policy.to_json(),
        # What the checklist shows before anything is typed: the empty password's states.
        policy_initial={i.id: i.met for i in policy.check_pattern("").items},
        # The conformance level every footer states, from the RGAA self-audit grid.
        accessibility_level=rgaa.load().level,
    )
    env.filters["isodatetime"] = lambda ts: dt.datetime.fromtimestamp(ts, PARIS).isoformat()
    env.filters["frdatetime"] = lambda ts: dt.datetime.fromtimestamp(ts, PARIS).strftime("%d/%m/%Y à %H:%M")
    env.filters["masked"] = masked
    env.policies["json.dumps_kwargs"] = {"ensure_ascii": False, "sort_keys": False}


def static_url(path: str) -> str:
    return f"/static/{path}"


@dataclass
class Sesame:
    """The app object: every store and service, wired once by `build` (services get
    the collaborators they use as keyword arguments, and never see this object)."""

    settings: Settings
    profile: Profile
    store: Store
    keys: Keys
    etablissements: Etablissements
    directory: SqliteDirectory
    policy: Policy
    hashing: PasswordHashing
    sessions: SessionStore
    throttle: Throttle
    audit: Audit
    outbox: Outbox
    cookies: CookieNames
    templates: Jinja2Blocks
    notices: Notices
    authenticators: Authenticators
    codes: Codes
    roles: Roles
    devices: Devices
    antibot: AntiBot
    guard: Guard
    factors: FactorService
    accounts: AccountService
    signin: SignInService
    grants: Grants
    letter_queue: LetterQueue
    letters: Letters
    letter_requests: LetterRequests
    printing: Printing
    backup: BackupService
    mail: MailServers
    absence: AbsenceService
    helpdesk: HelpDesk
    gestion: GestionService
    activation: ActivationService
    app_passwords: AppPasswords

    @classmethod
    def build(cls, settings: Settings, *, hashing: PasswordHashing | None = None) -> Sesame:
        profile = load_profile(settings.academie, settings.profile_dir or None)
        if not settings.secret_key:
            raise MissingSecret("SESAME_SECRET_KEY is not set (see README, Configuration)")
        store = open_store(settings)
        etablissements = Etablissements(store)
        directory = open_directory(settings, store, profile.mail_domain, etablissements)
        if settings.demo:
            check_demo_database(directory, store)
        templates = Jinja2Blocks(directory=str(settings.templates_dir))
        templates.env.auto_reload = False  # no os.stat per render: templates change with a deploy
        keys = Keys.from_secret(settings.secret_key)
        policy = build_policy(preset=profile.password_preset, forbidden_chars=profile.forbidden_chars)
        setup_templates(templates.env, settings, profile, policy)
        hashing = hashing or PasswordHashing()
        sessions, throttle, audit = SessionStore(store), Throttle(store), Audit(store)
        outbox = Outbox(store, keys)
        notices = Notices(templates.env, outbox, profile, settings.public_url)
        authenticators, codes, devices = Authenticators(store, keys), Codes(store, keys), Devices(keys)
        guard = Guard(store=store, keys=keys, throttle=throttle, audit=audit, notices=notices, devices=devices)
        factors = FactorService(
            store=store,
            authenticators=authenticators,
            directory=directory,
            sessions=sessions,
            audit=audit,
            notices=notices,
            guard=guard,
        )
        accounts = AccountService(
            store=store,
            keys=keys,
            directory=directory,
            hashing=hashing,
            policy=policy,
            sessions=sessions,
            throttle=throttle,
            audit=audit,
            notices=notices,
            codes=codes,
            factors=factors,
            guard=guard,
        )
        letter_queue = LetterQueue(store)
        letters = Letters(
            store=store,
            profile=profile,
            directory=directory,
            etablissements=etablissements,
            queue=letter_queue,
            codes=codes,
            audit=audit,
        )
        mail = MailServers(settings, profile)
        printing = Printing(
            store=store,
            directory=directory,
            codes=codes,
            letters=letters,
            queue=letter_queue,
            audit=audit,
        )
        app_passwords = AppPasswords(
            store=store,
            passwords=AppPasswordStore(store),
            directory=directory,
            hashing=hashing,
            authenticators=authenticators,
            audit=audit,
            notices=notices,
            only_with_factor=profile.app_passwords_only_with_factor,
        )
        app_passwords.publish_rule()
        return cls(
            settings=settings,
            profile=profile,
            store=store,
            keys=keys,
            etablissements=etablissements,
            directory=directory,
            policy=policy,
            hashing=hashing,
            sessions=sessions,
            throttle=throttle,
            audit=audit,
            outbox=outbox,
            cookies=CookieNames(settings.secure_cookies),
            templates=templates,
            notices=notices,
            authenticators=authenticators,
            codes=codes,
            roles=Roles(store),
            devices=devices,
            antibot=AntiBot(store, keys, throttle),
            guard=guard,
            factors=factors,
            accounts=accounts,
            signin=SignInService(
                directory=directory,
                accounts=accounts,
                codes=codes,
                authenticators=authenticators,
                factors=factors,
                audit=audit,
                guard=guard,
            ),
            grants=Grants(store=store, directory=directory, authenticators=authenticators),
            letter_queue=letter_queue,
            letters=letters,
            letter_requests=LetterRequests(
                store=store,
                keys=keys,
                directory=directory,
                etablissements=etablissements,
                queue=letter_queue,
                letters=letters,
                audit=audit,
            ),
            printing=printing,
            backup=BackupService(
                store=store,
                mail_domain=profile.mail_domain,
                directory=directory,
                codes=codes,
                audit=audit,
                notices=notices,
                throttle=throttle,
                accounts=accounts,
                guard=guard,
            ),
            mail=mail,
            absence=AbsenceService(mail, profile.mail_domain),
            helpdesk=HelpDesk(
                store=store,
                keys=keys,
                directory=directory,
                etablissements=etablissements,
                throttle=throttle,
                authenticators=authenticators,
                codes=codes,
                audit=audit,
                sessions=sessions,
                notices=notices,
            ),
            gestion=GestionService(
                directory=directory,
                etablissements=etablissements,
                authenticators=authenticators,
                printing=printing,
            ),
            activation=ActivationService(
                store=store,
                directory=directory,
                etablissements=etablissements,
                authenticators=authenticators,
                audit=audit,
                queue=letter_queue,
            ),
            app_passwords=app_passwords,
        )

    def static_url(self, path: str) -> str:
        return static_url(path)

    @property
    def sender(self) -> str:
        return self.settings.mail_from or f"ne-pas-repondre@{self.profile.mail_domain}"

    def outbox_worker(self) -> OutboxWorker:
        return OutboxWorker(self.outbox, self.settings, self.sender)

    def leavers(self) -> Leavers:
        """The grace period of staff who leave (`sesame leavers`, daily from cron)."""
        return Leavers(
            store=self.store,
            directory=self.directory,
            sessions=self.sessions,
            audit=self.audit,
            grace_days=self.profile.leavers_grace_days,
        )

    def staff_import(self) -> StaffImport:
        """Gestion's import: preview, then the agent's confirmation applies it."""
        return StaffImport(
            store=self.store,
            directory=self.directory,
            keys=self.keys,
            audit=self.audit,
            pending=PendingImports(self.store),
        )

    def maintain(self) -> None:
        """Hourly: audit kept 12 months; expired sessions, old failures, sent mails and spent
        proof-of-work solutions dropped."""
        self.audit.purge()
        self.sessions.purge_expired()
        self.throttle.purge()
        self.outbox.purge()
        self.codes.purge()
        self.antibot.purge()
        self.staff_import().purge()
