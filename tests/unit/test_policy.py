"""Password policy (DESIGN §4): fixed examples. Generated sets are in
test_policy_generated.py, the browser evaluator in test_policy_js.py."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json

import pytest

from pwa.policy import PersonalData, build_policy, personal_tokens

KEY = b"test personal-data key"
BIRTH = dt.date(1985, 7, 14)
NUMEN = "13E24TEST0001"
STRONG_PHRASE = "girafe orange sous la pluie"


def digest(token: str) -> str:
    return hmac.new(KEY, token.encode(), hashlib.sha256).hexdigest()


def person(
    identifiant: str = "jdupont",
    first_name: str = "Jean",
    last_name: str = "Dupont",
    tokens: set[str] | None = None,
) -> PersonalData:
    """What the app holds: names in clear, the secret data only as digests."""
    secret = personal_tokens(BIRTH, NUMEN) if tokens is None else tokens
    return PersonalData(
        identifiant=identifiant,
        first_name=first_name,
        last_name=last_name,
        digest=digest,
        secret_digests=frozenset(digest(t) for t in secret),
    )


@pytest.fixture(scope="module")
def policy():
    return build_policy(preset="default", forbidden_chars="")


@pytest.fixture(scope="module")
def jean():
    return person()


# -- the contract ---------------------------------------------------------------


def test_criteria_are_declared_once_in_checklist_order(policy):
    ids = [c.id for c in policy.criteria]
    assert ids == [
        "composition", "classic", "length_classic", "upper", "lower", "digit", "special",
        "passphrase", "max_length", "not_common", "personal", "strength",
    ]  # fmt: skip
    kinds = {c.id: c.kind for c in policy.criteria}
    assert {i for i, k in kinds.items() if k == "server"} == {"not_common", "personal", "strength"}
    assert all(c.label for c in policy.criteria)
    assert {c.parent for c in policy.criteria} == {None, "composition", "classic"}


def test_to_json_carries_pattern_rules_as_data(policy):
    data = json.loads(json.dumps(policy.to_json()))
    assert data["min_length"] == 12 and data["max_length"] == 128
    assert data["normalization"] == "NFKC"
    assert set(data["classes"]) == {"upper", "lower", "digit", "special"}
    rules = {c["id"]: c["rule"] for c in data["criteria"]}
    assert rules["length_classic"] == {"type": "min_length", "value": 12}
    assert rules["passphrase"] == {"type": "min_length", "value": 15}
    assert rules["upper"] == {"type": "has_class", "class": "upper"}
    assert rules["composition"]["type"] == "any_of"
    assert rules["not_common"] is None and rules["strength"] is None


def test_check_runs_every_criterion_and_reports_a_score(policy, jean):
    result = policy.check(STRONG_PHRASE, personal=jean)
    assert result.ok, result.failed
    assert [i.id for i in result.items] == [c.id for c in policy.criteria]
    assert result.score == 4
    assert all(i.message is None for i in result.items if i.met)


def test_check_pattern_only_runs_pattern_criteria(policy):
    result = policy.check_pattern("Azerty123456!")
    assert result.ok  # the browser cannot know it is common: the server will
    assert {i.kind for i in result.items} == {"pattern"}
    assert result.score is None


def test_unknown_preset_is_refused():
    with pytest.raises(ValueError, match="preset"):
        build_policy(preset="nope")


# -- composition: two paths ------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "classic", "passphrase"),
    [
        ("k8#Vq2!rTz9@", True, False),  # 12 characters, four classes
        ("k8#vq2!rtz9@", False, False),  # no capital, too short for a phrase
        ("chaussette verte", False, True),  # 16 characters, no other rule
        ("Éléphant#2ok", True, False),  # É and é: Unicode upper and lower case
    ],
)
def test_composition_is_met_by_either_path(policy, password, classic, passphrase):
    result = policy.check_pattern(password)
    assert result.item("classic").met is classic
    assert result.item("passphrase").met is passphrase
    assert result.item("composition").met is (classic or passphrase)
    if not (classic or passphrase):
        assert "composition" in result.failed
        assert "15" in (result.item("composition").message or "")


def test_sub_items_explain_what_is_missing(policy):
    result = policy.check_pattern("abcdefgh")
    states = {i.id: i.met for i in result.items}
    assert states["lower"] and not states["upper"] and not states["digit"]
    assert result.item("length_classic").message == "Encore 4 caractères."
    assert result.item("passphrase").message == "Encore 7 caractères."


# -- length: code points after NFKC, nothing truncated ----------------------------


def test_128_code_points_pass_and_129_are_refused(policy, jean):
    base = "girafe orange sous la pluie tombe "
    at_max = (base * 4)[:128]
    assert policy.check(at_max, personal=jean).item("max_length").met
    too_long = at_max + "x"
    result = policy.check(too_long, personal=jean)
    assert not result.ok and "max_length" in result.failed
    assert result.item("max_length").message == "Il compte 129 caractères : retirez-en 1."


def test_length_is_counted_after_nfkc(policy):
    ligatures = "ﬃ" * 43  # 43 typed characters, 129 after NFKC
    assert not policy.check_pattern(ligatures).item("max_length").met
    astral = "😀" * 128  # 256 UTF-16 units, 128 code points
    assert policy.check_pattern(astral).item("max_length").met
    composed = "e\u0301" * 15  # 30 code points typed, 15 once composed
    assert policy.check_pattern(composed).item("passphrase").met
    assert not policy.check_pattern("e\u0301" * 14).item("passphrase").met


# -- forbidden characters ----------------------------------------------------------


def test_forbidden_character_is_refused_and_listed():
    policy = build_policy(forbidden_chars="€ § µ")
    criterion = next(c for c in policy.criteria if c.id == "forbidden_chars")
    assert "€ § µ" in criterion.label
    result = policy.check("Tortue-Violette-87€")
    assert not result.ok and result.failed == ("forbidden_chars",)
    assert result.item("forbidden_chars").message == "Retirez ce caractère : €"
    two = policy.check_pattern("Tortue§Violette€87")
    assert two.item("forbidden_chars").message == "Retirez ces caractères : €, §"
    # The Greek mu is what NFKC makes of the micro sign: refused as well.
    assert not policy.check_pattern("Tortue-Violette-μ87").item("forbidden_chars").met


def test_no_forbidden_criterion_when_the_profile_has_none(policy):
    assert "forbidden_chars" not in {c.id for c in policy.criteria}


# -- the examples of the brief -------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "failing"),
    [
        ("Azerty123456!", {"not_common", "strength"}),
        ("Motdepasse2024!", {"not_common", "strength"}),
        ("JeanDupont1985!", {"personal"}),
        ("Soleil14071985?", {"personal", "strength"}),
        ("Wxcvbn!2024Az", {"strength"}),
        ("Chouchou2023!", {"not_common", "strength"}),
        ("Qsdfghjklm12!", {"not_common", "strength"}),
        ("Marseille13013!", {"not_common", "strength"}),
        ("Az1&é\"'(-è_çà)=", {"strength"}),  # the AZERTY digit row, unshifted
    ],
)
def test_weak_french_passwords_are_refused(policy, jean, password, failing):
    result = policy.check(password, personal=jean)
    assert not result.ok
    assert failing <= set(result.failed), result.failed
    assert result.item("composition").met  # each one passes the composition rule
    for item_id in failing:
        assert result.item(item_id).message


@pytest.mark.parametrize(
    "password",
    [
        STRONG_PHRASE,
        "k8#Vq2!rTz9@",
        "Tortue-Violette-87!",
        "chaussette verte, parapluie jaune",
        "mésange lointaine cerf-volant",
    ],
)
def test_strong_passwords_pass(policy, jean, password):
    result = policy.check(password, personal=jean)
    assert result.ok, [(i.id, i.message) for i in result.items if not i.met]
    assert result.score is not None and result.score >= 3


def test_repeated_words_do_not_make_a_passphrase(policy):
    result = policy.check("soleil soleil soleil")
    assert "strength" in result.failed


# -- common passwords ------------------------------------------------------------------


@pytest.mark.parametrize(
    "password",
    [
        "azerty",
        "MOTDEPASSE",
        "Motdepasse2024!",
        "mot de passe",
        "P@ssw0rd",
        "!!Bonjour123",
        "Loulou",
    ],
)
def test_common_passwords_are_found_under_their_decorations(policy, password):
    assert "not_common" in policy.check(password).failed


def test_a_passphrase_containing_a_common_word_is_not_common(policy):
    assert policy.check("soleil girafe orange pluie").item("not_common").met


# -- personal data ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "form",
    ["14071985", "140785", "14/07/1985", "14-07-85", "1985-07-14", "14.07.1985", "14 juillet 1985"],
)
def test_birth_date_in_usual_french_forms_is_refused(policy, jean, form):
    result = policy.check(f"girafe orange pluie {form}", personal=jean)
    assert "personal" in result.failed
    assert "date de naissance" in (result.item("personal").message or "")


def test_birth_date_is_compared_through_digests_only(policy):
    dates_only = person(tokens={"date:1985-07-14"})
    assert "personal" in policy.check("girafe orange 14/07/85", personal=dates_only).failed
    # Someone else's birth date is fine.
    assert policy.check("girafe orange 15/07/85", personal=dates_only).item("personal").met


@pytest.mark.parametrize("form", [NUMEN, NUMEN.lower(), "13E24-TEST0001", "13 E24 TEST 0001"])
def test_numen_is_refused_through_its_digest(policy, form):
    numen_only = person(tokens={f"numen:{NUMEN}"})
    result = policy.check(f"girafe {form} orange", personal=numen_only)
    assert result.failed == ("personal",)
    assert "NUMEN" in (result.item("personal").message or "")


def test_personal_tokens_are_normalised():
    assert personal_tokens(BIRTH, " 13e24-test 0001 ") == {
        "date:1985-07-14",
        "ddmm:1407",
        "year:1985",
        "numen:13E24TEST0001",
    }


@pytest.mark.parametrize(
    "password",
    [
        "Pluie-Jean-Orange-7",
        "girafe DUPONT orange",
        "Jdupont#Girafe#Orange",
        "tnopud girafe orange",
    ],
)
def test_names_and_identifiant_are_refused(policy, jean, password):
    result = policy.check(password, personal=jean)
    assert result.failed == ("personal",)
    assert "nom" in (result.item("personal").message or "")


def test_names_are_compared_without_accents_or_case(policy):
    helene = person("hlefevre", "Hélène", "de la Lefèvre", tokens=set())
    assert "personal" in policy.check("HELENE girafe orange", personal=helene).failed
    assert "personal" in policy.check("girafe lefevre orange", personal=helene).failed
    # Particles and short fragments are not personal data.
    assert policy.check("de la girafe orange", personal=helene).item("personal").met


def test_short_names_count_only_as_words_of_their_own(policy):
    tom = person("tleroy", "Tom", "Leroy", tokens=set())
    assert "personal" in policy.check("Tom-girafe-orange-7", personal=tom).failed
    assert "personal" in policy.check("girafeTomOrange!7", personal=tom).failed
    assert policy.check("tomate girafe orange", personal=tom).item("personal").met


def test_without_personal_data_the_personal_criterion_is_met(policy):
    assert policy.check("JeanDupont14071985!").item("personal").met


# -- inputs that are not judged --------------------------------------------------------


def test_empty_password(policy):
    result = policy.check("")
    assert not result.ok and result.score == 0
    assert "composition" in result.failed and "strength" in result.failed


def test_over_long_password_is_not_scored(policy):
    result = policy.check("x" * 5000)
    assert not result.ok and result.score == 0
    assert result.item("strength").message == "Vérifié une fois le mot de passe raccourci."
