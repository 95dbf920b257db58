"""`sesame backup` and `sesame restore` (registered on the `sesame` group by pwa/cli.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from pwa.settings import Settings


def _fail(message: str) -> None:
    click.echo(f"Erreur : {message}", err=True)
    sys.exit(2)


def _sqlite_only(settings: Settings) -> None:
    """These commands copy the SQLite file; PostgreSQL has its own tools."""
    if settings.database_url:
        _fail(
            "SESAME_DATABASE_URL désigne PostgreSQL : sauvegardez et restaurez avec les outils de "
            "PostgreSQL (pg_dump et pg_restore, ou la sauvegarde continue de votre serveur)."
        )


@click.command(name="backup")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
def backup_(out: Path) -> None:
    """Copy the database to OUT while Sésame runs (SQLite online backup), checked."""
    from pwa.ops.backup import BackupError, backup

    settings = Settings.from_env()
    _sqlite_only(settings)
    try:
        copy = backup(settings.db_path, out, secret_key=settings.secret_key)
    except BackupError as exc:
        _fail(str(exc))
    click.echo(
        f"Sauvegarde vérifiée : {copy.path} ({copy.size / 1e6:.1f} Mo, {copy.accounts} comptes, "
        f"{copy.seconds:.2f} s). Gardez SESAME_SECRET_KEY à part : sans elle, la copie est inutilisable."
    )


@click.command()
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", "-y", "confirmed", is_flag=True, help="Replace the existing database (Sésame must be stopped).")
def restore(source: Path, confirmed: bool) -> None:
    """Replace the database with SOURCE, a copy made by `sesame backup`, after checking it."""
    from pwa.ops.backup import BackupError, key_matches, verify
    from pwa.ops.backup import restore as run

    settings = Settings.from_env()
    _sqlite_only(settings)
    try:
        verify(source)
        if key_matches(source, settings.secret_key) is False:
            _fail(
                "cette sauvegarde a été faite avec une autre SESAME_SECRET_KEY : NUMEN, codes et "
                "protections seraient illisibles. Remettez la clé d'origine."
            )
        if settings.db_path.exists() and not confirmed:
            _fail(
                f"{settings.db_path} existe. Arrêtez Sésame, puis relancez avec --yes pour le remplacer "
                "(une copie de l'ancienne base est gardée à côté)."
            )
        accounts, kept = run(source, settings.db_path)
    except BackupError as exc:
        _fail(str(exc))
    click.echo(f"Base restaurée depuis {source} : {accounts} comptes, intégrité vérifiée.")
    if kept:
        click.echo(f"L'ancienne base est gardée dans {kept}.")


@click.command(name="copy-database")
@click.option(
    "--to",
    "url",
    default=None,
    metavar="URL",
    help="The empty PostgreSQL database (postgresql://…); default SESAME_DATABASE_URL, which keeps its "
    "password out of the process list and the shell history.",
)
@click.option(
    "--from",
    "source",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The SQLite file to copy (default: SESAME_DB).",
)
@click.option("--dry-run", is_flag=True, help="Count the rows and check the target answers; write nothing.")
def copy_database_(url: str | None, source: Path | None, dry_run: bool) -> None:
    """Copy the SQLite database to PostgreSQL in one transaction, checked row by row.

    Stop Sésame (or put it in maintenance) for the final copy: what it writes after the
    copy started is not copied. The target must be empty; a target that already holds
    exactly the same rows is left as it is (running the command twice is harmless)."""
    from pwa.cli import _settings
    from pwa.ops.copy_database import CopyError, copy_database
    from pwa.pg import where
    from pwa.settings_values import database_url

    settings = _settings(require=())
    if url is None:
        url = settings.database_url
        if not url:
            _fail(
                "où copier ? Donnez l'adresse PostgreSQL dans SESAME_DATABASE_URL (son mot de passe "
                "reste hors de la liste des processus) ou avec --to."
            )
    try:
        url = database_url(url)
    except ValueError as exc:
        _fail(f"--to {exc}")
    path = source or settings.db_path
    target = f"PostgreSQL {where(url)}"
    try:
        outcome = copy_database(
            path, url, secret_key=settings.secret_key, dry_run=dry_run, say=lambda line: click.echo(line, err=True)
        )
    except CopyError as exc:
        click.echo(f"Erreur : {exc}", err=True)
        sys.exit(exc.status)
    rows = sum(outcome.counts.values())
    if outcome.already:
        click.echo(f"{target} : déjà copiée, identique : rien à faire ({rows} lignes vérifiées ligne à ligne).")
    elif dry_run:
        click.echo(f"Essai : {rows} lignes de {len(outcome.counts)} tables seraient copiées vers {target}. Rien écrit.")
    else:
        click.echo(
            f"Base {path} copiée vers {target} : {len(outcome.counts)} tables, {rows} lignes, vérifié ligne à ligne, "
            f"en {outcome.seconds:.1f} s. Réglez SESAME_DATABASE_URL sur cette base avant de redémarrer Sésame."
        )
