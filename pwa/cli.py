"""The `sesame` command: serve, check, import, letters, migrate, and staff roles.

Every command reads the settings first (`_settings`): a bad one is one French line naming
the variable, exit status 2, before anything starts. No command shows a traceback: an
unexpected error is one line too (`SesameGroup`)."""

from __future__ import annotations

import os
import secrets
import sqlite3
import sys
from pathlib import Path

import click
from psycopg import Error as DatabaseError

from pwa.cli_group import SesameGroup
from pwa.settings import Settings, SettingsError
from pwa.store import DatabaseUnavailable

DEMO_DB = "sesame-demo.db"


def app_from_env():
    """uvicorn factory: every worker process builds its own app from the environment."""
    from pwa.app import create_app

    return create_app(Settings.from_env())


def _fail(message: str) -> None:
    click.echo(f"Erreur : {message}", err=True)
    sys.exit(2)


SERVE = ("SESAME_SECRET_KEY", "SESAME_PUBLIC_URL")  # serving, letters, check
KEYED = ("SESAME_SECRET_KEY",)  # commands that read or write keyed digests


def _settings(*, require: tuple[str, ...] = SERVE) -> Settings:
    """The settings and the académie profile, checked before the command does anything."""
    from pwa.profile import load_profile
    from pwa.profile_check import ProfileError

    try:
        settings = Settings.from_env(require=require)
        load_profile(settings.academie, settings.profile_dir or None)
    except SettingsError as error:
        for line in error.lines:
            click.echo(f"Erreur : {line}", err=True)
        sys.exit(2)
    except ProfileError as error:
        _fail(f"profil d'académie : {error}")
    return settings


def _build(settings: Settings, **options):
    """The app's services on the configured database, or a clear error."""
    from pwa.context import DemoRefused, Sesame

    try:
        return Sesame.build(settings, **options)
    except DemoRefused as error:
        _fail(str(error))
    except (sqlite3.Error, DatabaseUnavailable, DatabaseError) as error:
        _fail(f"base de données {_where(settings)} : {error}.")


def _where(settings: Settings) -> str:
    """The database named for an operator: the SQLite file, or PostgreSQL's host and base."""
    if settings.database_url:
        from pwa.pg import where

        return f"PostgreSQL {where(settings.database_url)}"
    return str(settings.db_path)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("sesame-academie")
    except PackageNotFoundError:  # run from a checkout without installing it
        return "(non installé)"


@click.group(cls=SesameGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(version=_version(), prog_name="sesame")
def main() -> None:
    """Sésame: self-service companion of an académie's mail account."""


@main.command()
@click.option("--demo", is_flag=True, help="Demo database with fictitious staff and a local SMTP server.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int)
def serve(demo: bool, host: str, port: int, workers: int) -> None:
    """Run the web app with uvicorn."""
    import uvicorn

    from pwa.ops import serving

    settings = _settings(require=() if demo else SERVE)  # every variable, before anything starts
    try:
        serving.before_start(workers)  # before prometheus_client is imported
    except serving.OpsSettingError as exc:
        _fail(str(exc))
    if demo:
        settings = _prepare_demo(f"http://{'localhost' if host in ('127.0.0.1', '::1') else host}:{port}")
    else:
        _build(settings, hashing=None).store.close()
    try:
        extra = serving.start()  # the metrics listener, uvicorn's log format
    except serving.OpsSettingError as exc:
        _fail(str(exc))
    uvicorn.run(
        "pwa.cli:app_from_env",
        **extra,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,
        proxy_headers=False,
        server_header=False,
        log_level=settings.log_level.lower(),
    )


def _prepare_demo(url: str) -> Settings:
    """Demo database, its key, its seed data, and a real SMTP server on loopback."""
    from pwa.demo import seed_demo
    from pwa.mail.demo_smtp import start_demo_smtp

    os.environ.setdefault("SESAME_DB", DEMO_DB)
    os.environ["SESAME_DEMO"] = "1"
    os.environ.setdefault("SESAME_PUBLIC_URL", url)  # mails and letters give whole addresses
    os.environ.setdefault("SESAME_SECURE_COOKIES", "1")
    _settings()  # every value checked before the demo writes its key
    key_file = Path(os.environ["SESAME_DB"]).with_suffix(".key")
    if "SESAME_SECRET_KEY" not in os.environ:
        if not key_file.exists():
            key_file.write_text(secrets.token_urlsafe(48))
            key_file.chmod(0o600)
        os.environ["SESAME_SECRET_KEY"] = key_file.read_text().strip()
    settings = _settings()
    db_path = settings.db_path
    sesame = _build(settings)
    count = seed_demo(sesame)
    controller = start_demo_smtp(sesame.store)
    os.environ.update(SESAME_SMTP_HOST="127.0.0.1", SESAME_SMTP_PORT=str(controller.port), SESAME_SMTP_TLS="none")
    click.echo(f"Démonstration : {count} personnes fictives dans {db_path}.")
    click.echo(f"Serveur SMTP de démonstration sur 127.0.0.1:{controller.port}.")
    click.echo(f"Ouvrez {url}/demo pour les données de test.")
    return _settings()


@main.command()
@click.argument("out", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--uai", help="Only this établissement (UAI code).")
@click.option(
    "--identifiant",
    "identifiants",
    multiple=True,
    help="Only this person (repeatable); prints even if already activated.",
)
@click.option("--requests", "requests_only", is_flag=True, help="Only the queued postal letter requests.")
@click.option("--all", "include_active", is_flag=True, help="Also people who already chose a password.")
@click.option(
    "--yes", "-y", "confirmed", is_flag=True, help="Print even when it voids a code still valid (listed otherwise)."
)
@click.option(
    "--dry-run", "dry_run", is_flag=True, help="Only list who would get a letter: no code, no file, nothing written."
)
def letters(
    out: Path | None,
    uai: str | None,
    identifiants: tuple[str, ...],
    requests_only: bool,
    include_active: bool,
    confirmed: bool,
    dry_run: bool,
) -> None:
    """Print activation letters to OUT.pdf: one page per person, with a new
    one-time code. By default, everyone not yet activated who has no letter
    still valid; --identifiant reprints. A request a newer code already serves
    is skipped; a print that would void a valid code needs --yes (exit 1).
    --dry-run lists what would be printed and changes nothing."""
    from pwa.progress import Progress
    from pwa.services.printing import fr_datetime

    settings = _settings()
    if out is None and not dry_run:
        _fail("indiquez le fichier PDF à écrire, par exemple : sesame letters lettres.pdf.")
    if out is not None and out.parent != Path() and not out.parent.is_dir():
        _fail(f"le dossier {out.parent} n'existe pas.")
    sesame = _build(settings)
    if uai and not sesame.etablissements.exists(uai.upper()):
        _fail(f"aucun établissement {uai.upper()} dans l'annuaire.")
    if requests_only:
        plan = sesame.printing.plan_requests(uai.upper() if uai else None)
    else:
        people = sesame.letters.accounts(
            uai=uai.upper() if uai else None, identifiants=list(identifiants), include_active=include_active
        )
        missing = set(identifiants) - {a.identifiant for a, _ in people}
        if missing:
            _fail(f"identifiant inconnu ou compte désactivé : {', '.join(sorted(missing))}.")
        plan = sesame.printing.plan_people(people)
    if plan.empty:
        _fail("aucune lettre à imprimer.")
    if dry_run:
        _dry_run(plan, fr_datetime)
        return
    if plan.voids and not confirmed:
        click.echo("Ces lettres annuleraient un code encore valable :", err=True)
        for info in plan.voids:
            click.echo(
                f"  - {info.name} ({info.account.identifiant}) : {info.label} {fr_datetime(info.issued_at)}", err=True
            )
        click.echo(
            "Rien n'a été imprimé. Pour imprimer quand même (ces codes ne marcheront plus), "
            "relancez la commande avec --yes.",
            err=True,
        )
        sys.exit(1)
    progress = Progress("lettres préparées", every=100)
    pdf = sesame.printing.carry_out(
        plan,
        confirmed={v.code_id for v in plan.voids},
        base_url=settings.public_url,
        actor="cli",
        progress=progress if progress.tty or len(plan.people) > 100 else None,
    )
    for info in plan.served:
        used = f", {info.used_label}" if info.used else ""
        click.echo(
            f"Demande {info.reference} de {info.name} ({info.account.identifiant}) déjà servie : "
            f"{info.label} {fr_datetime(info.issued_at)}{used}. Pas de nouvelle lettre."
        )
    if pdf is None:
        click.echo("Aucune lettre imprimée : les demandes étaient déjà servies.")
        return
    assert out is not None  # checked above: only --dry-run goes without OUT
    out.write_bytes(pdf)
    click.echo(f"{len(plan.people)} lettre(s) dans {out}.")
    if plan.voids:
        click.echo(f"Les anciens codes de {', '.join(v.name for v in plan.voids)} ne marchent plus.")


def _dry_run(plan, fr_datetime) -> None:
    """`letters --dry-run`: what a print would do, without doing any of it."""
    click.echo("Simulation : aucune lettre imprimée, aucun code créé, rien d'enregistré.")
    click.echo(f"{len(plan.people)} lettre(s) seraient imprimées :")
    for account, etablissement in plan.people:
        click.echo(f"  - {account.identifiant} ({etablissement})")
    for info in plan.served:
        click.echo(
            f"Demande {info.reference} de {info.name} ({info.account.identifiant}) déjà servie : "
            f"{info.label} {fr_datetime(info.issued_at)}. Pas de nouvelle lettre."
        )
    if plan.voids:
        click.echo("Ces lettres annuleraient un code encore valable (il faudrait --yes) :")
        for info in plan.voids:
            click.echo(f"  - {info.name} ({info.account.identifiant}) : {info.label} {fr_datetime(info.issued_at)}")


@main.command()
def check() -> None:
    """Show the effective configuration (secrets masked), then try the database, the SMTP
    server, IMAP and ManageSieve. Exit status 1 when something is wrong."""
    from pwa.checks import run_checks
    from pwa.profile import load_profile

    settings = _settings()
    profile = load_profile(settings.academie, settings.profile_dir or None)
    click.echo("Configuration :")
    for name, value in settings.shown():
        click.echo(f"  {name} = {value}")
    click.echo(f"Profil : {profile.name} ({profile.id}).")
    results = run_checks(settings, profile)
    for result in results:
        click.echo(f"{result.name} : {'ok' if result.ok else 'PROBLÈME'} — {result.detail}")
    failed = [r.name for r in results if not r.ok]
    if failed:
        click.echo(f"À corriger : {', '.join(failed)}.", err=True)
        sys.exit(1)
    click.echo("Tout est prêt.")


@main.command()
def migrate() -> None:
    """Apply pending database migrations."""
    from pwa.store import open_store

    settings = _settings(require=())
    try:
        store = open_store(settings)
        applied = store.migrate()
    except (sqlite3.Error, DatabaseUnavailable, DatabaseError) as error:
        _fail(f"base de données {_where(settings)} : {error}.")
    store.close()
    click.echo(f"{len(applied)} migration(s) appliquée(s)" + (f" : {', '.join(applied)}" if applied else "."))


def _role_target(identifiant: str, role: str, uai: str | None):
    """The container and the account for grant/revoke, or a clear error."""
    from pwa.security.roles import ROLES

    settings = _settings(require=KEYED)
    if role not in ROLES:
        _fail(f"rôle inconnu « {role} ». Rôles possibles : {', '.join(ROLES)}.")
    sesame = _build(settings)
    account = sesame.directory.by_login(identifiant)
    if account is None:
        _fail(f"aucun compte avec l'identifiant « {identifiant} ».")
    if uai is not None and not sesame.etablissements.exists(uai):
        _fail(f"aucun établissement avec l'UAI « {uai} » (importez d'abord son personnel).")
    return sesame, account


def _scope(uai: str | None) -> str:
    return f"l'établissement {uai}" if uai else "toute l'académie"


@main.command()
@click.argument("identifiant")
@click.argument("role")
@click.option("--uai", default=None, help="Limit the role to one établissement (default: the whole académie).")
def grant(identifiant: str, role: str, uai: str | None) -> None:
    """Grant ROLE (gestionnaire, assistance, admin) to IDENTIFIANT."""
    uai = uai.strip().upper() if uai else None
    role = role.strip().lower()
    sesame, account = _role_target(identifiant, role, uai)
    if not sesame.roles.grant(account.id, role, uai, by="cli"):
        click.echo(f"{account.identifiant} a déjà le rôle {role} sur {_scope(uai)}.")
        return
    sesame.audit.record("role.granted", account_id=account.id, actor="cli", role=role, uai=uai)
    click.echo(f"Rôle {role} attribué à {account.identifiant} sur {_scope(uai)}.")
    if not sesame.authenticators.has_factor(account.id):
        click.echo(
            "Pour entrer dans la gestion, cette personne doit d'abord ajouter une clé d'accès "
            "ou une application de codes dans « Mon compte »."
        )


@main.command()
@click.argument("identifiant")
@click.argument("role")
@click.option("--uai", default=None, help="The établissement of the grant to remove (default: the académie-wide one).")
def revoke(identifiant: str, role: str, uai: str | None) -> None:
    """Remove ROLE from IDENTIFIANT."""
    uai = uai.strip().upper() if uai else None
    role = role.strip().lower()
    sesame, account = _role_target(identifiant, role, uai)
    if not sesame.roles.revoke(account.id, role, uai):
        _fail(f"{account.identifiant} n'a pas le rôle {role} sur {_scope(uai)}.")
    sesame.audit.record("role.revoked", account_id=account.id, actor="cli", role=role, uai=uai)
    click.echo(f"Rôle {role} retiré à {account.identifiant} sur {_scope(uai)}.")


@main.command()
def roles() -> None:
    """List the staff roles granted."""
    sesame = _build(_settings(require=KEYED))
    names = {
        a.id: a.identifiant for a in sesame.directory.get_many([g["account_id"] for g in sesame.roles.every_grant()])
    }
    rows = sorted(
        ({**g, "identifiant": names[g["account_id"]]} for g in sesame.roles.every_grant() if g["account_id"] in names),
        key=lambda g: (g["identifiant"], g["role"], g["uai"] or ""),
    )
    if not rows:
        click.echo("Aucun rôle attribué.")
    for row in rows:
        click.echo(f"{row['identifiant']}\t{row['role']}\t{row['uai'] or 'académie'}")


# Operations commands (pwa/ops/commands.py): backup, restore, copy-database; staff files (pwa/staff_commands.py).
from pwa.ops.commands import backup_, copy_database_, restore  # noqa: E402
from pwa.staff_commands import import_, leavers  # noqa: E402

main.add_command(backup_)
main.add_command(restore)
main.add_command(copy_database_)
main.add_command(import_)
main.add_command(leavers)
