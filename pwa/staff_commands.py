"""`sesame import` and `sesame leavers` (registered on the `sesame` group by pwa/cli.py):
the staff file, its preview and confirmation, and the grace period of staff who leave."""

from __future__ import annotations

import sys
from pathlib import Path

import click


@click.command(name="import")
@click.argument("csv_file", type=click.Path(path_type=Path))
@click.option("--complet", "complete", is_flag=True, help="The file is the complete list of the --uai établissements.")
@click.option("--uai", "uais", multiple=True, help="With --complet: an établissement of the list (repeatable).")
@click.option("--dry-run", is_flag=True, help="Show the preview (new, updated, leaving, unchanged) and write nothing.")
@click.option("--oui", "yes", is_flag=True, help="Apply without the confirmation question (scripts).")
def import_(csv_file: Path, complete: bool, uais: tuple[str, ...], dry_run: bool, yes: bool) -> None:
    """Import staff from a CSV or tab-separated file (see README for the columns)."""
    from pwa.cli import KEYED, _build, _fail, _settings
    from pwa.importer import import_command

    if complete and not uais:
        _fail("--complet : indiquez les établissements dont le fichier est la liste complète (--uai UAI).")
    if uais and not complete:
        _fail("--uai n'a de sens qu'avec --complet.")
    sesame = _build(_settings(require=KEYED))
    code = import_command(
        csv_file,
        store=sesame.store,
        directory=sesame.directory,
        keys=sesame.keys,
        audit=sesame.audit,
        tty=sys.stderr.isatty(),
        complete=[u.strip().upper() for u in uais] if complete else None,
        dry_run=dry_run,
        confirm=None if yes else _confirmed,
        grace_days=sesame.profile.leavers_grace_days,
    )
    sys.exit(code)


def _confirmed() -> bool:
    """The operator's yes (oui/o) to the preview; anything else, or no terminal, is no."""
    try:
        answer = click.prompt("Appliquer cet import ? (oui/non)", default="non", show_default=False)
    except click.Abort:  # no terminal: a script says yes with --oui
        click.echo("\nPas de réponse : ajoutez --oui pour appliquer sans question.", err=True)
        return False
    return answer.strip().lower() in ("o", "oui", "y", "yes")


@click.command()
@click.option("--dry-run", is_flag=True, help="List who would be disabled; change nothing.")
def leavers(dry_run: bool) -> None:
    """Disable the accounts of staff marked leaving longer than the profile's grace period (daily, cron)."""
    from pwa.cli import KEYED, _build, _settings

    sesame = _build(_settings(require=KEYED))
    service = sesame.leavers()
    people = service.due() if dry_run else service.disable_due()
    verb = "seraient désactivés" if dry_run else "désactivés"
    click.echo(
        f"Départs après {service.grace_days} jours : {len(people)} compte{'s' if len(people) > 1 else ''} {verb}."
    )
    for account in people:
        click.echo(f"  - {account.last_name} {account.first_name} ({account.identifiant}, {account.uai or '—'})")
