"""Identifiant and academic address generation (DESIGN §2), through the
directory's real import path on a real SQLite file."""

from __future__ import annotations

import itertools

import pytest

from pwa.directory import StaffRecord
from pwa.names import base_identifiant, new_address, new_identifiant
from pwa.services.identity import numen_index

DOMAIN = "ac-test.fr"  # the `directory` fixture's (tests/unit/conftest.py)


_serial = itertools.count(1)


def new_numen() -> str:
    return f"13A05{next(_serial):08d}"


def save(directory, keys, first, last, numen=None):
    """Import one person; returns (account, created)."""
    record = StaffRecord(
        first_name=first,
        last_name=last,
        category="aesh",
        uai="0130001A",
        etablissement="Collège Test",
        numen_index=numen_index(keys, numen or new_numen()),
    )
    account_id, created = directory.save_staff(record)
    return directory.get(account_id), created


TRICKY = [
    # (prénom, nom, identifiant, adresse)
    ("Éloïse Bérénice", "Dupré", "edupre", "eloise-berenice.dupre"),
    ("Léa", "Cœur", "lcoeur", "lea.coeur"),
    ("Jürgen", "Strauß", "jstrauss", "jurgen.strauss"),
    ("Jean-Pierre", "Dupont-Moretti", "jdupontmoretti", "jean-pierre.dupontmoretti"),
    ("Aminata", "N'Diaye", "andiaye", "aminata.ndiaye"),
    ("Charles", "D’Artagnan", "cdartagnan", "charles.dartagnan"),
    ("Jean", "de la Fontaine", "jdelafontaine", "jean.delafontaine"),
    ("Yann", "Le Goff", "ylegoff", "yann.legoff"),
    ("Anna", "van der Berg", "avanderberg", "anna.vanderberg"),
    ("Marie Claire", "Martin", "mmartin", "marie-claire.martin"),
    ("Émile", "Zola", "ezola", "emile.zola"),
    ("Ægir", "Østergaard", "aostergaard", "aegir.ostergaard"),  # first letter after folding
    ("  Zoë  ", "  Çelik ", "zcelik", "zoe.celik"),
]


@pytest.mark.parametrize(("first", "last", "identifiant", "local"), TRICKY)
def test_tricky_names(directory, keys, first, last, identifiant, local):
    account, created = save(directory, keys, first, last)
    assert created
    assert (account.identifiant, account.email) == (identifiant, f"{local}@{DOMAIN}")
    # The names themselves are kept as HR wrote them.
    assert (account.first_name, account.last_name) == (first, last)


def test_three_namesakes(directory, keys):
    accounts = [save(directory, keys, "Jean", "Dupont")[0] for _ in range(3)]
    assert [a.identifiant for a in accounts] == ["jdupont", "jdupont1", "jdupont2"]
    assert [a.email for a in accounts] == [
        f"jean.dupont@{DOMAIN}",
        f"jean.dupont1@{DOMAIN}",
        f"jean.dupont2@{DOMAIN}",
    ]


def test_namesake_of_someone_already_in_the_database(directory, keys):
    jean, _ = save(directory, keys, "Jean", "Dupont")
    # Another import, later: the identifiant collides, the address does not.
    julie, _ = save(directory, keys, "Julie", "Dupont")
    assert (julie.identifiant, julie.email) == ("jdupont1", f"julie.dupont@{DOMAIN}")
    # Same first name and surname written differently: both parts collide.
    jean2, _ = save(directory, keys, "JEAN", "DUPONT")
    assert (jean2.identifiant, jean2.email) == ("jdupont2", f"jean.dupont1@{DOMAIN}")
    assert directory.get(jean.id).identifiant == "jdupont"


def test_reimport_with_a_new_surname_keeps_identifiant_and_address(directory, keys, store):
    numen = new_numen()
    before, created = save(directory, keys, "Camille", "Durand", numen)
    assert created
    after, created = save(directory, keys, "Camille", "Durand-Lefèvre", numen)
    assert not created
    assert after.id == before.id
    assert (after.identifiant, after.email) == ("cdurand", f"camille.durand@{DOMAIN}")
    assert (after.first_name, after.last_name) == ("Camille", "Durand-Lefèvre")
    assert directory.count() == 1


def test_new_surname_frees_nothing_and_takes_nothing(directory, keys):
    """After Durand became Durand-Lefèvre, a new Camille Durand still collides
    with the kept identifiant."""
    numen = new_numen()
    save(directory, keys, "Camille", "Durand", numen)
    save(directory, keys, "Camille", "Durand-Lefèvre", numen)
    other, _ = save(directory, keys, "Camille", "Durand")
    assert (other.identifiant, other.email) == ("cdurand1", f"camille.durand1@{DOMAIN}")


def test_pure_generation_checks_every_candidate():
    taken = {"jdupont", "jdupont1", "jean.dupont@x.fr"}
    assert new_identifiant("Jean", "Dupont", taken.__contains__) == "jdupont2"
    assert new_address("Jean", "Dupont", "x.fr", taken.__contains__) == "jean.dupont1@x.fr"


@pytest.mark.parametrize(("first", "last"), [("李", "王"), ("Jean", "---"), ("", "Dupont")])
def test_name_with_no_usable_letter_is_refused(first, last):
    with pytest.raises(ValueError):
        base_identifiant(first, last)
