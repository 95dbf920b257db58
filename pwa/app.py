"""The app factory and the one route table: from a URL to its code in one hop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.convertors import register_url_convertor
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from pwa import offline
from pwa.context import Sesame
from pwa.ops import config as ops_config
from pwa.ops import health, metrics
from pwa.ops.access import AccessLog
from pwa.ops.logs import configure_logging
from pwa.parse import RowIdConvertor
from pwa.security.middleware import SecurityMiddleware
from pwa.security.passwords import PasswordHashing
from pwa.settings import Settings
from pwa.views import (
    account,
    activation,
    antibot,
    app_passwords,
    auth,
    backup,
    backup_reset,
    errors,
    gestion,
    gestion_activation,
    gestion_import,
    gestion_requests,
    guide,
    helpdesk,
    identifiant,
    legal,
    letters_print,
    mail_policy,
    mailbox,
    numen,
    pages,
    password,
    phone,
    second_step,
    security,
    staff,
)

# Route ids are SQLite rowids: an id out of its range matches no route (404), never a 500.
register_url_convertor("rowid", RowIdConvertor())


def routes(settings: Settings) -> list:
    table = [
        Route("/", pages.home, name="home"),
        Route("/manifest.webmanifest", pages.manifest, name="manifest"),
        Route("/sante", pages.health, name="health"),
        # Journey 1: retrouver mon identifiant
        Route("/identifiant", identifiant.ask_address, methods=["GET", "POST"], name="identifiant"),
        Route("/identifiant/verification", identifiant.verify, methods=["GET", "POST"], name="identifiant_verify"),
        Route("/identifiant/trouve", identifiant.found, name="identifiant_found"),
        # Journey 2: choisir / réinitialiser mon mot de passe avec mon NUMEN
        Route("/mot-de-passe", password.ask_identifiant, methods=["GET", "POST"], name="password"),
        Route("/mot-de-passe/verification", password.verify, methods=["GET", "POST"], name="password_verify"),
        Route("/mot-de-passe/numen", numen.identify, methods=["GET", "POST"], name="numen_identify"),
        Route("/mot-de-passe/nouveau", password.choose, methods=["GET", "POST"], name="password_choose"),
        Route("/mot-de-passe/facteur", second_step.reset_factor, methods=["GET", "POST"], name="reset_factor"),
        Route("/mot-de-passe/termine", password.done, name="password_done"),
        Route("/mot-de-passe/verifier", password.live_check, methods=["POST"], name="password_check"),
        Route("/mot-de-passe/regles.json", password.rules_json, name="password_rules"),
        # Journey 4: se connecter
        Route("/activation", activation.enter_code, methods=["GET", "POST"], name="activation"),
        Route("/depannage", activation.self_help, name="self_help"),
        Route("/courrier", activation.request_letter, methods=["GET", "POST"], name="letter_request"),
        Route("/courrier/suivi", activation.follow_request, name="letter_follow"),
        Route("/connexion", auth.login, methods=["GET", "POST"], name="login"),
        Route("/connexion/verification", second_step.second_step, methods=["GET", "POST"], name="second_step"),
        Route("/cle/options", second_step.passkey_options, methods=["POST"], name="passkey_options"),
        Route("/cle/verifier", second_step.passkey_verify, methods=["POST"], name="passkey_verify"),
        Route("/deconnexion", auth.logout, methods=["POST"], name="logout"),
        # Journey 6: mon compte
        Route("/compte", account.overview, name="account"),
        Route("/compte/mot-de-passe", account.change_password, methods=["GET", "POST"], name="account_password"),
        Route("/compte/deconnexion-partout", account.logout_everywhere, methods=["POST"], name="logout_everywhere"),
        Route("/session/prolonger", account.extend_session, methods=["POST"], name="extend_session"),
        Route("/compte/suggestion/masquer", security.hide_suggestion, methods=["POST"], name="hide_suggestion"),
        # Issue 5: second factors
        Route("/compte/securite", security.overview, name="security"),
        Route("/compte/securite/cle/options", security.passkey_options, methods=["POST"], name="passkey_new_options"),
        Route("/compte/securite/cle", security.passkey_add, methods=["POST"], name="passkey_add"),
        Route(
            "/compte/securite/cle/{id:rowid}/renommer", security.passkey_rename, methods=["POST"], name="passkey_rename"
        ),
        Route("/compte/securite/{id:rowid}/supprimer", security.factor_remove, methods=["POST"], name="factor_remove"),
        Route("/compte/securite/otp", security.totp_enrol, methods=["GET", "POST"], name="totp_enrol"),
        Route("/compte/securite/codes", security.codes_page, name="codes"),
        Route("/compte/securite/codes/nouveaux", security.codes_generate, methods=["POST"], name="codes_generate"),
        # Issue 16: app passwords for mail apps (checked by Dovecot)
        Route("/compte/mots-de-passe-application", app_passwords.overview, name="app_passwords"),
        Route("/compte/mots-de-passe-application", app_passwords.create, methods=["POST"], name="app_password_create"),
        Route(
            "/compte/mots-de-passe-application/{id:rowid}/revoquer",
            app_passwords.revoke,
            methods=["POST"],
            name="app_password_revoke",
        ),
        Route(
            "/compte/mots-de-passe-application/revoquer-tout",
            app_passwords.revoke_all,
            methods=["POST"],
            name="app_passwords_revoke_all",
        ),
        # Issue 6: adresse de secours (Mon compte), and the reset with it (M'auto dépanner)
        Route("/compte/adresse-de-secours", backup.address, methods=["GET", "POST"], name="backup_address"),
        Route("/compte/adresse-de-secours/code", backup.code, methods=["GET", "POST"], name="backup_address_code"),
        Route("/compte/adresse-de-secours/renvoyer", backup.resend, methods=["POST"], name="backup_address_resend"),
        Route("/compte/adresse-de-secours/supprimer", backup.remove, methods=["POST"], name="backup_address_remove"),
        Route("/mot-de-passe/secours", backup_reset.ask_identity, methods=["GET", "POST"], name="backup_reset"),
        Route("/mot-de-passe/secours/code", backup_reset.enter_code, methods=["GET", "POST"], name="backup_reset_code"),
        Route("/mot-de-passe/secours/renvoyer", backup_reset.resend, methods=["POST"], name="backup_reset_resend"),
        # Issue 7: the real mailbox, as the user
        Route("/compte/connexion-test", mailbox.test_connection, methods=["GET", "POST"], name="mailbox_test"),
        Route("/compte/absence", mailbox.absence, methods=["GET", "POST"], name="absence"),
        Route("/compte/absence/etat", mailbox.absence_status, methods=["POST"], name="absence_status"),
        # Issue 6: gestion (staff area; every view is wrapped in views.staff.staff)
        Route("/gestion", staff.home, name="gestion"),
        Route("/gestion/recherche", helpdesk.search, name="gestion_search"),
        Route("/gestion/compte", helpdesk.account_page, name="gestion_account"),
        Route("/gestion/compte/verification", helpdesk.check_caller, methods=["POST"], name="gestion_check"),
        Route("/gestion/compte/code", helpdesk.issue_code, methods=["POST"], name="gestion_code"),
        Route("/gestion/compte/deblocage", helpdesk.unlock, methods=["POST"], name="gestion_unlock"),
        Route("/gestion/compte/statut", helpdesk.set_status, methods=["POST"], name="gestion_status"),
        Route("/gestion/compte/journal", helpdesk.trail, name="gestion_trail"),
        Route("/gestion/activation", gestion_activation.dashboard, name="gestion_dashboard"),
        Route("/gestion/activation/etablissement", gestion_activation.etablissement, name="gestion_activation_uai"),
        Route("/gestion/activation/a-activer.csv", gestion_activation.export, name="gestion_activation_csv"),
        Route("/gestion/etablissement", gestion.etablissement, name="gestion_etablissement"),
        Route("/gestion/lettres", letters_print.letters, methods=["POST"], name="gestion_letters"),
        Route("/gestion/import", gestion_import.import_page, methods=["GET", "POST"], name="gestion_import"),
        Route("/gestion/import/confirmer", gestion_import.confirm, methods=["POST"], name="gestion_import_confirm"),
        # Issue 11: postal requests that matched nobody wait for an agent
        Route("/gestion/courriers", gestion_requests.waiting, name="gestion_requests"),
        Route("/gestion/courrier", gestion_requests.review, name="gestion_request"),
        Route("/gestion/courrier/rattacher", gestion_requests.attach, methods=["POST"], name="gestion_request_attach"),
        Route("/gestion/courrier/refuser", gestion_requests.reject, methods=["POST"], name="gestion_request_reject"),
        *legal.routes(),
        *guide.routes(),
        *phone.routes(),
        *offline.routes(),
        *antibot.routes(),
        *health.routes(),
        *metrics.routes(settings.metrics_token),
        *mail_policy.routes(settings.mail_policy_token),
        Mount("/static", app=StaticFiles(directory=settings.static_dir), name="static"),
    ]
    if settings.demo:
        table += [
            Route("/demo", pages.demo, name="demo"),
            Route("/demo/courriels", pages.demo_mailbox, name="demo_mailbox"),
        ]
    return table


def create_app(settings: Settings, *, hashing: PasswordHashing | None = None) -> Starlette:
    ops_config.check(settings)  # fail closed: a wrong operations setting stops here
    configure_logging(settings.log_level, settings.log_format)
    sesame = Sesame.build(settings, hashing=hashing)

    async def maintenance() -> None:
        while True:
            try:
                await asyncio.to_thread(sesame.maintain)
            except Exception:
                logging.getLogger("sesame").exception("maintenance failed")
            await asyncio.sleep(3600)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        tasks = []
        if settings.run_outbox_worker:
            tasks = [
                asyncio.create_task(sesame.outbox_worker().run()),
                asyncio.create_task(maintenance()),
            ]
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            sesame.store.close()

    app = Starlette(
        routes=routes(settings),
        middleware=[
            Middleware(AccessLog),
            Middleware(GZipMiddleware, minimum_size=500),
            Middleware(
                SecurityMiddleware,
                sessions=sesame.sessions,
                cookies=sesame.cookies,
                devices=sesame.devices,
                trusted_proxies=settings.trusted_proxies,
            ),
        ],
        exception_handlers=errors.handlers(),
        lifespan=lifespan,
    )
    app.state.sesame = sesame
    return app
