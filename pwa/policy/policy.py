"""The password policy: criteria declared once, checked on the server, sent
as JSON to the browser's checklist (DESIGN §4)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pwa.policy.normalize import NORMALIZATION, classes_json, nfkc
from pwa.policy.personal import PersonalData, check_personal
from pwa.policy.rules import (
    PRESETS,
    Criterion,
    Kind,
    Preset,
    declare,
    evaluate_patterns,
    forbidden_display,
    nfkc_char,
)
from pwa.policy.strength import assess
from pwa.policy.wordlists import Wordlists, load_wordlists

JSON_VERSION = 1
NOT_CHECKED_TOO_LONG = "Vérifié une fois le mot de passe raccourci."
COMMON_MESSAGE = "Trop utilisé, même avec des chiffres ou des symboles en plus."


@dataclass(frozen=True)
class ItemResult:
    id: str
    label: str
    met: bool
    message: str | None = None  # French: why it is not met and what to do
    parent: str | None = None
    kind: Kind = "pattern"


@dataclass(frozen=True)
class PolicyResult:
    ok: bool  # every top-level item met (sub-items only explain their parent)
    items: tuple[ItemResult, ...]
    score: int | None  # 0-4 after the French layer; None from check_pattern()

    def item(self, criterion_id: str) -> ItemResult:
        for item in self.items:
            if item.id == criterion_id:
                return item
        raise KeyError(criterion_id)

    @property
    def failed(self) -> tuple[str, ...]:
        """Ids of the top-level items not met."""
        return tuple(i.id for i in self.items if i.parent is None and not i.met)


CheckResult = PolicyResult


def _characters(n: int) -> str:
    return f"{n} caractère" if n < 2 else f"{n} caractères"


@dataclass(frozen=True, eq=False)
class Policy:
    preset_name: str
    preset: Preset
    forbidden_chars: tuple[str, ...]
    criteria: tuple[Criterion, ...]
    lists: Wordlists = field(repr=False)

    def to_json(self) -> dict[str, Any]:
        """What static/js/policy.js (and the guide page) read."""
        return {
            "version": JSON_VERSION,
            "preset": self.preset_name,
            "normalization": NORMALIZATION,
            "min_length": min(self.preset.classic_min, self.preset.passphrase_min),
            "classic_min_length": self.preset.classic_min,
            "passphrase_min_length": self.preset.passphrase_min,
            "max_length": self.preset.max_length,
            "min_score": self.preset.min_score,
            "forbidden_chars": list(self.forbidden_chars),
            "classes": classes_json(),
            "criteria": [c.to_json() for c in self.criteria],
        }

    def check_pattern(self, password: str) -> PolicyResult:
        """The pattern criteria only: exactly what the browser computes."""
        met = evaluate_patterns(self.criteria, password)
        items = tuple(
            self._item(c, met[c.id], self._pattern_message(c.id, password))
            for c in self.criteria
            if c.kind == "pattern"
        )
        return PolicyResult(all(i.met for i in items if i.parent is None), items, None)

    def check(self, password: str, personal: PersonalData | None = None) -> PolicyResult:
        """Every criterion, pattern and server, in checklist order."""
        pattern = {i.id: i for i in self.check_pattern(password).items}
        server, score = self._server_items(password, personal)
        items = tuple(pattern.get(c.id) or server[c.id] for c in self.criteria)
        return PolicyResult(all(i.met for i in items if i.parent is None), items, score)

    def _item(self, criterion: Criterion, met: bool, message: str | None) -> ItemResult:
        return ItemResult(
            criterion.id, criterion.label, met, None if met else message,
            criterion.parent, criterion.kind,
        )  # fmt: skip

    def _pattern_message(self, criterion_id: str, password: str) -> str | None:
        """French explanation shown when the criterion is not met."""
        text, preset = nfkc(password), self.preset
        if criterion_id == "composition":
            return (
                f"Complétez le choix 1, ou allongez-le jusqu'à {preset.passphrase_min} "
                "caractères pour en faire une phrase de passe."
            )
        if criterion_id in ("length_classic", "passphrase"):
            wanted = preset.classic_min if criterion_id == "length_classic" else preset.passphrase_min
            return f"Encore {_characters(wanted - len(text))}."
        if criterion_id == "max_length":
            extra = len(text) - preset.max_length
            return f"Il compte {len(text)} caractères : retirez-en {extra}."
        if criterion_id == "forbidden_chars":
            present = [c for c in self.forbidden_chars if (nfkc_char(c) or c) in text + password]
            which = "ces caractères" if len(present) > 1 else "ce caractère"
            return f"Retirez {which} : {', '.join(present)}"
        return None

    def _server_items(self, password: str, personal: PersonalData | None) -> tuple[dict[str, ItemResult], int]:
        text = nfkc(password)
        server = [c for c in self.criteria if c.kind == "server"]
        if not text or len(text) > self.preset.max_length:
            # Nothing to judge, or too long to spend CPU on: refused anyway.
            message = NOT_CHECKED_TOO_LONG if text else None
            return {c.id: self._item(c, False, message) for c in server}, 0
        names = personal.name_words() if personal else frozenset()
        strength = assess(
            text,
            self.lists,
            personal_words=dict.fromkeys(names, 1),
            user_inputs=personal.user_inputs() if personal else (),
        )
        personal_message = check_personal(password, personal)
        outcome = {
            "not_common": (not self.lists.is_common(text), COMMON_MESSAGE),
            "personal": (personal_message is None, personal_message),
            "strength": (strength.score >= self.preset.min_score, strength.message),
        }
        return {c.id: self._item(c, *outcome[c.id]) for c in server}, strength.score


def build_policy(preset: str = "default", forbidden_chars: str = "") -> Policy:
    """The policy of an académie profile: its preset name and the characters
    its mail clients cannot take (may be empty)."""
    if preset not in PRESETS:
        raise ValueError(f"unknown password preset {preset!r}; known: {', '.join(PRESETS)}")
    forbidden = forbidden_display(forbidden_chars)
    return Policy(
        preset_name=preset,
        preset=PRESETS[preset],
        forbidden_chars=forbidden,
        criteria=declare(PRESETS[preset], forbidden),
        lists=load_wordlists(),
    )
