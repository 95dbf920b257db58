"""Password policy (DESIGN §4): one declaration, three uses.

    policy = build_policy(preset="default", forbidden_chars="€§")
    policy.criteria                      # Criterion(id, label, kind, hint, parent, rule)
    policy.to_json()                     # for static/js/policy.js and the guide page
    policy.check(password, personal=PersonalData(...))   # every criterion
    policy.check_pattern(password)       # pattern criteria only (what the browser runs)

Modules: rules (presets, criteria, pattern evaluator), strength (zxcvbn-rs-py
plus the French layer in matching, keyboard, dates), personal (names, birth
date and NUMEN through digests), wordlists (the lists in data/).
"""

from __future__ import annotations

from pwa.policy.personal import PersonalData, personal_tokens
from pwa.policy.policy import CheckResult, ItemResult, Policy, PolicyResult, build_policy
from pwa.policy.rules import PRESETS, Criterion

__all__ = [
    "PRESETS",
    "CheckResult",
    "Criterion",
    "ItemResult",
    "PersonalData",
    "Policy",
    "PolicyResult",
    "build_policy",
    "personal_tokens",
]
