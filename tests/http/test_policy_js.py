"""static/js/policy.js, run in Node, agrees with Policy.check_pattern on every
pattern criterion: the seeded generated sets plus Unicode edge cases.
(A real-Chromium variant belongs with the browser tests.)"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from pathlib import Path

import pytest
from support.policy_samples import azerty_walk, french_words, personal_mix, random_classic, random_passphrase

from pwa.policy import build_policy

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "static" / "js" / "policy.js"
NODE = shutil.which("node")

pytestmark = pytest.mark.skipif(NODE is None, reason="node is not installed")

# Loads policy.js in a sandbox whose `document` has nothing to bind, then
# evaluates every password of the input.
EVALUATE = r"""
const fs = require("fs"), vm = require("vm");
const input = JSON.parse(fs.readFileSync(0, "utf8"));
const document = {
  readyState: "complete", querySelectorAll: () => [], addEventListener() {},
};
const sandbox = { document, CSS: { escape: (s) => s } };
sandbox.window = sandbox;
vm.createContext(sandbox);
vm.runInContext(fs.readFileSync(input.script, "utf8"), sandbox, { filename: "policy.js" });
const evaluate = sandbox.window.SesamePolicy.evaluate;
process.stdout.write(JSON.stringify(input.passwords.map((p) => evaluate(input.policy, p))));
"""

EDGE_CASES = [
    "",
    "É",
    "é",
    "Éé1!",
    "E\u0301te\u0301 2024 !",  # combining accents, composed by NFKC
    "ﬁﬂ",  # ligatures become two letters each
    "Ａｂｃ１２３！ｘｙｚｗｖ",  # full width: upper, lower, digits, special after NFKC
    "①②③",  # circled digits: NFKC makes them digits
    "x²y³",
    "Ⅻ",  # Roman numeral twelve: NFKC "XII", upper case
    "ǅungla",  # title-case letter counts as upper case
    "straße ẞ",
    "İstanbul",
    "Σίσυφος",
    "٣٤٥",  # Arabic-Indic digits
    "\u00a0\u200b\t",  # no-break space, zero-width space, tab
    "😀😃😄",
    "𝐀𝐛𝟏!",  # mathematical bold: NFKC makes them plain
    "𠀀𠀁 CJK",
    "µ micro",
    "μ mu",
    "prix 5€ §2",
    "a" * 11,
    "a" * 12,
    "Aa1!" * 3,
    "a" * 14,
    "a" * 15,
    "a" * 128,
    "a" * 129,
    "😀" * 128,
    "😀" * 129,
    "ﬃ" * 42,  # 126 after NFKC
    "ﬃ" * 43,  # 129 after NFKC
    "e\u0301" * 15,
    "Ａ" * 129,
]


def generated_passwords() -> list[str]:
    words = french_words()
    rng = random.Random(42)
    passwords = [random_classic(rng) for _ in range(200)]
    passwords += [random_classic(rng, rng.randint(1, 20)) for _ in range(200)]
    passwords += [random_passphrase(rng, words) for _ in range(200)]
    passwords += [azerty_walk(rng) for _ in range(100)]
    passwords += [personal_mix(rng) for _ in range(100)]
    alphabet = "aAéÉ1٣ !€§µμﬁ①😀𝐀\u0301"
    passwords += ["".join(rng.choices(alphabet, k=rng.randint(0, 20))) for _ in range(200)]
    return passwords


def run_node(policy_json: dict, passwords: list[str]) -> list[dict[str, bool]]:
    assert NODE is not None
    payload = json.dumps({"script": str(SCRIPT), "policy": policy_json, "passwords": passwords})
    completed = subprocess.run(
        [NODE, "-e", EVALUATE],
        input=payload,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(completed.stdout)


@pytest.mark.parametrize("forbidden", ["", "€§µ"])
def test_browser_and_server_agree_on_every_pattern_criterion(forbidden):
    policy = build_policy(forbidden_chars=forbidden)
    passwords = EDGE_CASES + generated_passwords()
    browser = run_node(policy.to_json(), passwords)
    pattern_ids = {c.id for c in policy.criteria if c.kind == "pattern"}
    disagreements = []
    for password, js in zip(passwords, browser, strict=True):
        server = {i.id: i.met for i in policy.check_pattern(password).items}
        assert set(js) == pattern_ids == set(server)
        if js != server:
            disagreements.append((password, js, server))
    assert disagreements == []


def test_edge_cases_are_judged_as_intended():
    policy = build_policy()
    results = dict(zip(EDGE_CASES, run_node(policy.to_json(), EDGE_CASES), strict=True))
    assert results["É"]["upper"] and not results["É"]["lower"]
    assert results["é"]["lower"] and not results["é"]["upper"]
    assert results["①②③"]["digit"]
    assert results["Ａｂｃ１２３！ｘｙｚｗｖ"]["classic"]
    assert results["😀" * 128]["max_length"] and not results["😀" * 129]["max_length"]
    assert results["ﬃ" * 42]["max_length"] and not results["ﬃ" * 43]["max_length"]
    assert results["e\u0301" * 15]["passphrase"]


def test_an_unknown_rule_type_is_an_error_not_a_pass():
    policy = build_policy().to_json()
    policy["criteria"][2]["rule"] = {"type": "shiny_new_rule"}
    with pytest.raises(subprocess.CalledProcessError):
        run_node(policy, ["abc"])
