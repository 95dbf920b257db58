"""Staff files for the import tests: rows, CSV bytes, a run of the import on a real SQLite file."""

from __future__ import annotations

import re

from pwa.importer import (
    import_command,
)

HEADER = ["nom", "prenom", "date_naissance", "numen", "categorie", "uai", "etablissement"]


DUPONT = ["Dupont", "Jean", "05/03/1985", "13A0500000001", "AESH", "0130001A", "Collège Z"]


MARTIN = ["Martin", "Hélène", "1979-11-30", "13A0500000002", "2nd degré", "0130002B", "Lycée T"]


ROSSI = ["Rossi", "Luca", "01/09/1990", "13A0500000003", "administratif", "0130001A", "Collège Z"]


def csv_bytes(*rows, header=HEADER, sep=";", encoding="utf-8", bom=False) -> bytes:
    text = "".join(sep.join(r) + "\r\n" for r in (header, *rows))
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding)


class Echo:
    """Stands in for click.echo; keeps stdout and stderr lines apart."""

    def __init__(self):
        self.out: list[str] = []
        self.err: list[str] = []

    def __call__(self, message="", err=False):
        (self.err if err else self.out).append(message)

    def row_errors(self) -> list[tuple[int, str]]:
        lines = [re.fullmatch(r"Ligne (\d+) : (.+)", m) for m in self.err]
        return [(int(m[1]), m[2]) for m in lines if m]


def run(tmp_path, data: bytes, *, store, directory, keys):
    path = tmp_path / "personnels.csv"
    path.write_bytes(data)
    echo = Echo()
    code = import_command(path, store=store, directory=directory, keys=keys, echo=echo)
    return code, echo


def count(store, table="accounts") -> int:
    return store.db[table].count
