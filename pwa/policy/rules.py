"""The presets, the criteria they declare, and the pattern-rule evaluator.

Pattern rules are plain data (see `evaluate_rule`); static/js/policy.js is
the same evaluator for the browser, so no rule is written twice. Rule types:

    {"type": "min_length", "value": 12}         code points after NFKC
    {"type": "max_length", "value": 128}
    {"type": "has_class", "class": "upper"}     classes: normalize.CHAR_CLASSES
    {"type": "no_chars", "chars": ["€", "§"]}   checked before and after NFKC
    {"type": "all_of", "of": [rule, ...]}
    {"type": "any_of", "of": [rule, ...]}
    {"type": "criterion", "id": "classic"}      the result of another criterion
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from pwa.policy.normalize import has_class, nfkc

Rule = dict[str, Any]
Kind = Literal["pattern", "server"]


@dataclass(frozen=True)
class Preset:
    classic_min: int = 12
    passphrase_min: int = 15
    max_length: int = 128
    min_score: int = 3


PRESETS = {
    # DESIGN §4: CNIL 2022-100 and NIST SP 800-63B rev. 4.
    "default": Preset(),
    # For académies that want more: ANSSI-like lengths, strongest score only.
    "renforce": Preset(classic_min=14, passphrase_min=20, min_score=4),
}


@dataclass(frozen=True)
class Criterion:
    id: str
    label: str  # French
    kind: Kind
    hint: str = ""  # French, optional explanation
    parent: str | None = None  # sub-criteria are shown under their parent
    rule: Rule | None = None  # pattern criteria only

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "label": self.label,
            "kind": self.kind,
            "hint": self.hint,
            "parent": self.parent,
            "rule": self.rule,
        }


def _ref(criterion_id: str) -> Rule:
    return {"type": "criterion", "id": criterion_id}


def declare(preset: Preset, forbidden: tuple[str, ...]) -> tuple[Criterion, ...]:
    """The criteria in checklist order, French labels included. `forbidden`:
    the profile's forbidden characters (see `forbidden_display`)."""
    c, p = preset.classic_min, preset.passphrase_min
    classes = ("upper", "lower", "digit", "special")
    criteria = [
        Criterion(
            "composition",
            "Assez long et varié : l'un des deux choix suffit",
            "pattern",
            "Une phrase de passe, ce sont quelques mots pris au hasard, séparés par des "
            "espaces : facile à retenir, difficile à deviner.",
            rule={"type": "any_of", "of": [_ref("classic"), _ref("passphrase")]},
        ),
        Criterion(
            "classic",
            "Choix 1 : un mot de passe avec tous ces éléments :",
            "pattern",
            parent="composition",
            rule={"type": "all_of", "of": [_ref("length_classic"), *map(_ref, classes)]},
        ),
        Criterion(
            "length_classic", f"{c} caractères ou plus", "pattern", parent="classic",
            rule={"type": "min_length", "value": c},
        ),
        Criterion(
            "upper", "une majuscule (A, É…)", "pattern", parent="classic",
            rule={"type": "has_class", "class": "upper"},
        ),
        Criterion(
            "lower", "une minuscule (a, é…)", "pattern", parent="classic",
            rule={"type": "has_class", "class": "lower"},
        ),
        Criterion(
            "digit", "un chiffre (0 à 9)", "pattern", parent="classic",
            rule={"type": "has_class", "class": "digit"},
        ),
        Criterion(
            "special", "un caractère spécial (! ? # @, espace…)", "pattern", parent="classic",
            rule={"type": "has_class", "class": "special"},
        ),
        Criterion(
            "passphrase",
            f"Choix 2 : une phrase de passe d'au moins {p} caractères",
            "pattern",
            "Par exemple quatre mots pris au hasard, séparés par des espaces.",
            parent="composition",
            rule={"type": "min_length", "value": p},
        ),
        Criterion(
            "max_length", f"{preset.max_length} caractères au maximum", "pattern",
            rule={"type": "max_length", "value": preset.max_length},
        ),
    ]  # fmt: skip
    if forbidden:
        criteria.append(
            Criterion(
                "forbidden_chars",
                f"Sans {'ces caractères' if len(forbidden) > 1 else 'ce caractère'}, refusés par "
                f"certaines messageries : {' '.join(forbidden)}",
                "pattern",
                rule={"type": "no_chars", "chars": list(forbidden_rule_chars(forbidden))},
            )
        )
    criteria += [
        Criterion(
            "not_common",
            "Pas un mot de passe courant",
            "server",
            "Comparé à une liste de mots de passe très utilisés ou déjà piratés, en français "
            "et dans d'autres langues, sans tenir compte des chiffres et symboles ajoutés.",
        ),
        Criterion(
            "personal",
            "Sans vos nom, prénom, identifiant, date de naissance ni NUMEN",
            "server",
        ),
        Criterion(
            "strength",
            "Difficile à deviner",
            "server",
            "Évitez un mot seul suivi de chiffres, les années et les suites de touches comme azerty ou qsdfgh.",
        ),
    ]
    return tuple(criteria)


def forbidden_display(forbidden_chars: str) -> tuple[str, ...]:
    """The profile's characters, in order, without duplicates. Whitespace is
    ignored: in the profile it only separates them."""
    return tuple(dict.fromkeys(c for c in forbidden_chars if not c.isspace()))


def forbidden_rule_chars(forbidden: tuple[str, ...]) -> tuple[str, ...]:
    """Each character and its one-character NFKC form (`µ` micro sign -> `μ`
    mu): the rule looks at the password both as typed and after NFKC."""
    return tuple(dict.fromkeys(x for c in forbidden for x in (c, nfkc_char(c)) if x))


def nfkc_char(char: str) -> str:
    """The NFKC form of `char` when it is one character, else ''."""
    normal = nfkc(char)
    return normal if len(normal) == 1 and not normal.isspace() else ""


def evaluate_patterns(criteria: tuple[Criterion, ...], password: str) -> dict[str, bool]:
    """{criterion id: met} for the pattern criteria: what policy.js computes."""
    text = nfkc(password)
    by_id = {c.id: c for c in criteria if c.rule is not None}
    memo: dict[str, bool] = {}

    def criterion(criterion_id: str) -> bool:
        if criterion_id not in memo:
            rule = by_id[criterion_id].rule or {}
            memo[criterion_id] = evaluate_rule(rule, text, password, criterion)
        return memo[criterion_id]

    return {criterion_id: criterion(criterion_id) for criterion_id in by_id}


def evaluate_rule(rule: Rule, text: str, raw: str, criterion: Callable[[str], bool]) -> bool:
    kind = rule["type"]
    if kind == "min_length":
        return len(text) >= int(rule["value"])
    if kind == "max_length":
        return len(text) <= int(rule["value"])
    if kind == "has_class":
        return any(has_class(char, rule["class"]) for char in text)
    if kind == "no_chars":
        return not any(char in text or char in raw for char in rule["chars"])
    if kind == "all_of":
        return all([evaluate_rule(r, text, raw, criterion) for r in rule["of"]])
    if kind == "any_of":
        return any([evaluate_rule(r, text, raw, criterion) for r in rule["of"]])
    if kind == "criterion":
        return criterion(rule["id"])
    raise ValueError(f"unknown rule type {kind!r}")
