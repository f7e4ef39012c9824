"""The adversarial corpus (tests/redaction_corpus/): recall and benign survival above their goals.

Secret cases put fake secrets in every position an agent's payload has them:
keys, values, nested arrays, \\u escapes, base64 and hex wrappers, data URLs,
split strings, headers and cookies, bare next to their key id. Benign cases
are what agents produce that looks like a secret and is not: type
annotations, references, placeholders, hashes, ids, lockfile integrity,
images, minified code. bench/README.md reports the figures.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "redaction_corpus"))

from load import cases, score, survived  # noqa: E402

from hookd.redact import build_redactor  # noqa: E402

REDACTOR = build_redactor(True)


def test_recall_and_benign_survival_meet_their_goals():
    result = score(REDACTOR)
    assert result["secrets"] >= 100 and result["benign"] >= 70
    assert result["recall"] >= 0.98, result["missed"]
    assert result["benign_kept"] >= 0.99, result["harmed"]


def test_every_case_stays_valid_json_and_redaction_is_idempotent():
    for case in cases():
        once, _ = REDACTOR.redact(case.payload)
        json.loads(once)
        twice, counts = REDACTOR.redact(once)
        assert twice == once and not counts, case.id


def test_the_check_sees_a_secret_that_survives():
    """The score can fail: with redaction off, every secret case counts as missed."""
    from hookd.redact import Redactor

    nothing = Redactor([])
    secret_cases = [case for case in cases() if case.kind == "secret"]
    assert all(survived(case, nothing.redact(case.payload)[0]) for case in secret_cases if case.secrets)


def test_the_engine_agrees_with_the_exhaustive_reference_on_every_case():
    """Every rule's Hyperscan trigger finds what its regex would find anywhere (the new rules' triggers are
    supersets of their regexes, and their checks see the same matches)."""
    from hookd.redact import Redactor
    from hookd.redact.rules import BUILTIN_RULES

    reference = Redactor(BUILTIN_RULES, exhaustive=True)
    differ = [case.id for case in cases() if REDACTOR.redact(case.payload)[0] != reference.redact(case.payload)[0]]
    assert not differ
