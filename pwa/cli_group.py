"""The `sesame` command group: an unexpected error is one French line (exit 1), never a
traceback (SESAME_LOG_LEVEL=DEBUG shows it for a bug report), and click's own usage errors
are told in French with where to get help (exit 2)."""

from __future__ import annotations

import os
import re
import sys
from typing import Any

import click

# click's own usage errors, in French (the rest of its text: `sesame COMMAND --help`).
USAGE_ERRORS = (
    (re.compile(r"No such command '(.+)'\."), "commande inconnue « {0} »."),
    (re.compile(r"No such option:? '?([^'\s]+)'?"), "option inconnue : {0}."),
    (re.compile(r"Missing argument '(.+)'\."), "il manque l'argument {0}."),
    (re.compile(r"Missing option '(.+)'\."), "il manque l'option {0}."),
    (re.compile(r"Option '(.+)' requires an argument\."), "l'option {0} attend une valeur."),
    (re.compile(r"Got unexpected extra arguments? \((.+)\)"), "argument en trop : {0}."),
    (re.compile(r"Invalid value for (.+?): (.+)", re.S), "valeur non valable pour {0} : {1}"),
)


def french_usage(message: str) -> str:
    for pattern, french in USAGE_ERRORS:
        found = pattern.match(message)
        if found:
            return french.format(*found.groups())
    return message


class SesameGroup(click.Group):
    """Turns an unexpected exception into one French line (exit 1), not a traceback;
    SESAME_LOG_LEVEL=DEBUG shows the traceback for a bug report. A usage error (unknown
    command or option, missing argument) is one French line too, with where to get help."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["standalone_mode"] = False
        try:
            return super().main(*args, **kwargs)
        except click.UsageError as error:
            click.echo(f"Erreur : {french_usage(error.format_message())}", err=True)
            where = error.ctx.command_path if error.ctx else "sesame"
            click.echo(f"Aide : {where} --help", err=True)
            sys.exit(2)
        except click.ClickException as error:
            error.show()
            sys.exit(error.exit_code)
        except click.Abort:
            click.echo("Interrompu.", err=True)
            sys.exit(1)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort, SystemExit):
            raise
        except KeyboardInterrupt:
            click.echo("Interrompu.", err=True)
            sys.exit(130)
        except Exception as error:
            if os.environ.get("SESAME_LOG_LEVEL", "").strip().upper() == "DEBUG":
                raise
            click.echo(f"Erreur inattendue ({type(error).__name__}) : {error}", err=True)
            sys.exit(1)
