"""The out-of-office message's rules and its Sieve script: hostile text cannot break out
of the script (Dovecot's own compiler, sievec, accepts every script, and sievelib's
parser reads back exactly the text typed), and the form's French validation."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pytest
from support.web import make_settings

from pwa.services import absence as rules
from pwa.services.absence import Absence, build_script, read_script
from pwa.services.mailbox import MailServers

TODAY = dt.date(2026, 6, 15)
DOMAIN = "ac-aix-marseille.fr"
ADDRESSES = ["jean.dupont@ac-aix-marseille.fr"]
SIEVEC = shutil.which("sievec") or "/usr/bin/sievec"

HOSTILE = {
    "quotes": 'Il a dit "au revoir" puis "" et \'encore\'',
    "backslashes": 'C:\\dossier\\ \\" \\\\ fin\\',
    "dot line": "Bonjour,\r\n.\r\nJe reviens lundi.\r\n.\r\n",
    "dot line LF": "avant\n.\n..\n. \napres",
    "text: marker": 'text:\nfoo\n.\n;\ndiscard;\nvacation "pirate";',
    "sieve code": '"; discard; vacation "x',
    "very long line": "mot " * 740,  # one line of 2,960 characters
    "very long word": "é" * 2999,
    "emoji": "Bonnes vacances 🏖️👩🏽‍🏫 à bientôt 😀\U0001f9d1\u200d\U0001f4bb",
    "controls": "nul\x00 bell\x07 esc\x1b vt\x0b ff\x0c fin",
    "starts with colon": ":days 1 :subject",
    "hash comment": "# pas un commentaire\n/* ni ceci */",
}


def absence(text: str, outside: str = "", subject: str = "Absent") -> Absence:
    fields = {
        "debut": TODAY.isoformat(),
        "fin": (TODAY + dt.timedelta(days=20)).isoformat(),
        "objet": subject,
        "message": text,
        "message_exterieur": outside,
        "frequence": "7",
    }
    found, errors = rules.read_form(fields, TODAY)
    assert not errors, errors
    return found


@pytest.fixture(scope="module")
def sievec(tmp_path_factory):
    """Dovecot's Sieve compiler, with a personal script location holding the user's own
    script "mes filtres \"perso\"" (so `include :personal` is checked too)."""
    if not Path(SIEVEC).exists():
        pytest.skip("sievec is not installed (apt-get install dovecot-sieve)")
    folder = tmp_path_factory.mktemp("sievec")
    (folder / "sieve").mkdir()
    (folder / "sieve" / 'mes filtres "perso".sieve').write_text('require "fileinto";\nkeep;\n')
    for sub in ("run", "state"):
        (folder / sub).mkdir()
    conf = folder / "dovecot.conf"
    conf.write_text(
        f"base_dir = {folder}/run\nstate_dir = {folder}/state\nlog_path = /dev/stderr\n"
        f"plugin {{\n  sieve = file:{folder}/sieve;active={folder}/active.sieve\n}}\n"
    )

    def compile_(script: str) -> str:
        source = folder / "test.sieve"
        source.write_text(script, encoding="utf-8")
        result = subprocess.run(
            [SIEVEC, "-c", str(conf), str(source), str(folder / "test.svbin")],
            capture_output=True,
            text=True,
            timeout=30,
        )
        return "" if result.returncode == 0 else result.stdout + result.stderr

    return compile_


@pytest.mark.dovecot
@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_text_compiles_and_reads_back_unchanged(sievec, name):
    text = HOSTILE[name]
    found = absence(text, outside=text[::-1] if name != "controls" else "", subject=f"Objet {text[:60]}")
    script = build_script(found, domain=DOMAIN, addresses=ADDRESSES, previous='mes filtres "perso"')
    problem = sievec(script)
    assert not problem, f"sievec refused the script for {name!r}:\n{problem}\n{script[:2000]}"
    back = read_script(script)
    assert back.previous == 'mes filtres "perso"'
    assert back.absence is not None
    assert back.absence.colleagues == rules.wrap_long_lines(found.colleagues)
    assert back.absence.outside == rules.wrap_long_lines(found.outside)
    assert back.absence.subject == found.subject
    assert (back.absence.start, back.absence.end, back.absence.days) == (found.start, found.end, 7)
    # The script's commands are Sésame's, whatever the text: nothing was added.
    commands = [c.name for top in rules.parse(script) for c in top.walk()]
    assert (
        commands
        == [
            "require",
            "if",
            "allof",
            "currentdate",
            "currentdate",
            "if",
            "envelope",
            "vacation",
            "else",
            "vacation",
            "include",
        ]
        if found.outside
        else [
            "require",
            "if",
            "allof",
            "currentdate",
            "currentdate",
            "vacation",
            "include",
        ]
    )


@pytest.mark.dovecot
def test_empty_outside_text_means_one_message_for_everyone(sievec):
    found = absence("Je suis absent.", outside="   \r\n  ")
    assert found.outside == "" and found.outside_text == "Je suis absent."
    script = build_script(found, domain=DOMAIN, addresses=ADDRESSES, previous=None)
    assert not sievec(script)
    assert "envelope" not in script and "include" not in script
    assert script.count("vacation :days") == 1


@pytest.mark.dovecot
def test_colleagues_and_outside_get_their_own_text(sievec):
    found = absence("Collègues : voyez Mme Roux.", outside="Je réponds à mon retour.")
    script = build_script(found, domain=DOMAIN, addresses=ADDRESSES, previous=None)
    assert not sievec(script)
    assert 'if envelope :domain :is "from" "ac-aix-marseille.fr" {' in script
    assert script.index("Collègues") < script.index("} else {") < script.index("Je réponds")
    assert 'currentdate :value "ge" "date" "2026-06-15"' in script
    assert 'currentdate :value "le" "date" "2026-07-05"' in script


def test_subject_is_one_line_so_no_header_can_be_injected():
    found = absence("x", subject="Absent\r\nBcc: victime@exemple.fr\r\n\r\ncorps\ttab\x00")
    assert found.subject == "Absent Bcc: victime@exemple.fr corps tab"
    script = build_script(found, domain=DOMAIN, addresses=ADDRESSES, previous=None)
    subject_line = next(line for line in script.splitlines() if ":subject" in line)
    assert '"Absent Bcc: victime@exemple.fr corps tab"' in subject_line


def test_long_lines_are_wrapped_for_mail_without_losing_words():
    text = ("mot " * 2000).strip()
    wrapped = rules.wrap_long_lines(text)
    assert all(len(line.encode()) <= rules.MAX_LINE_BYTES for line in wrapped.split("\n"))
    assert wrapped.split() == text.split()
    emoji = "😀" * 1000  # 4 bytes each, no space: cut between characters, never inside one
    assert rules.wrap_long_lines(emoji).replace("\n", "") == emoji


def errors_for(**changes: str) -> dict[str, str]:
    fields = {
        "debut": TODAY.isoformat(),
        "fin": (TODAY + dt.timedelta(days=3)).isoformat(),
        "objet": "Absent",
        "message": "Bonjour",
        "message_exterieur": "",
        "frequence": "7",
        **changes,
    }
    return rules.read_form(fields, TODAY)[1]


def test_form_rules_in_french():
    assert errors_for() == {}
    assert errors_for(debut="15/06/2026", fin="1/7/2026") == {}, "typed dates (no date picker) are understood"
    assert errors_for(fin="2026-06-14")["fin"] == "Le dernier jour doit être le même jour que le premier, ou après."
    assert errors_for(debut="2026-06-14")["debut"].startswith("Le premier jour est déjà passé")
    assert "jusqu'au 15/06/2027" in errors_for(fin="2027-06-16")["fin"]
    assert errors_for(fin="2027-06-15") == {}
    assert errors_for(fin="31/02/2027")["fin"].startswith("Cette date n'existe pas")
    assert errors_for(debut="", fin="") == {
        "debut": "Indiquez le premier jour de votre absence.",
        "fin": "Indiquez le dernier jour de votre absence.",
    }
    assert errors_for(objet=" \r\n ")["objet"].startswith("Indiquez l'objet")
    assert errors_for(objet="x" * 151)["objet"] == "L'objet est trop long : 151 caractères, 150 au plus."
    assert errors_for(message="\r\n")["message"] == "Écrivez le message que recevront vos collègues."
    assert errors_for(message_exterieur="x" * 3001)["message_exterieur"].startswith("Le message est trop long : 3001")
    for days in ("0", "31", "sept", "-1", ""):
        assert errors_for(frequence=days)["frequence"].startswith("Indiquez un nombre de jours entre 1 et 30")


def test_mail_servers_follow_the_profile_unless_overridden(tmp_path):
    from pwa.profile import available_profiles, load_profile

    for name in available_profiles():
        profile = load_profile(name)
        assert (profile.managesieve.port, profile.managesieve.security) == (4190, "STARTTLS")
        assert "managesieve.host" in profile.fictitious
    profile = load_profile("amiens")
    default = MailServers(make_settings(tmp_path), profile)
    assert (default.imap.host, default.imap.port) == (profile.imap.host, 993)
    assert default.managesieve == profile.managesieve
    moved = MailServers(make_settings(tmp_path, imap_host="127.0.0.1", managesieve_port=14190), profile)
    assert (moved.imap.host, moved.imap.port) == ("127.0.0.1", 993)
    assert (moved.managesieve.host, moved.managesieve.port) == (profile.managesieve.host, 14190)


@pytest.mark.dovecot
def test_the_checks_catch_a_break_out(sievec):
    """Not no-ops: naive quoting of the same text lets it add a `discard` that Dovecot
    accepts, which the command list shows; an unclosed string is refused by sievec."""
    text = HOSTILE["sieve code"]
    naive = f'require "vacation";\nvacation "{text}";\n'
    assert "discard" in [c.name for top in rules.parse(naive) for c in top.walk()]
    assert sievec(f'require "vacation";\nvacation "{HOSTILE["backslashes"]}";\n'), "unclosed string"
    ours = f'require "vacation";\nvacation {rules.tools.quote(text)};\n'
    assert not sievec(ours)
    assert [c.name for top in rules.parse(ours) for c in top.walk()] == ["require", "vacation"]
