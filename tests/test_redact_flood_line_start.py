"""A CSV export's header line is found back from the password cell, near it first (csvexports._line_start): a
flood of 1Password's concealed fields as a payload (one line of objects, `"password"` in every one) had each
report read the 600 characters before it for line starts (issue 16, h260: 3.3 MB/s over 256 KiB, the worst
candidate flood of `bench/redaction.py --only worst`). Regex steps are not countable here; the characters each
read is handed are."""

from __future__ import annotations

import json
import random

import pytest

from hookd.redact import build_redactor, csvexports

REDACTOR = build_redactor(True)
UNIT = '{"type": "CONCEALED", "label": "password", "value": "Tr0ub4dorQ3xQz9"}, '


class Reads:
    """_LINE_STARTS' reads: per _line_start call, the characters its finditer calls were handed."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.handed: list[int] = []
        pattern = csvexports._LINE_STARTS
        handed = self.handed

        class Counting:
            def finditer(self, text: str, pos: int, endpos: int):  # type: ignore[no-untyped-def]
                handed.append(endpos - pos)
                return pattern.finditer(text, pos, endpos)

        monkeypatch.setattr(csvexports, "_LINE_STARTS", Counting())


def test_a_flood_of_concealed_fields_reads_only_near_each_cell(monkeypatch):
    reads = Reads(monkeypatch)
    text = json.dumps({"tool_response": {"stdout": (UNIT * 600)[: 40 * 1024]}})
    REDACTOR.redact(text)
    assert len(reads.handed) >= 40
    assert max(reads.handed) <= 2 * csvexports._LINE_STEP


def _from_low(text: str, at: int) -> int:
    """_line_start as a read of the whole stretch from its low end."""
    low = max(0, at - csvexports._HEADER_BACK)
    low = max(low, text.rfind("\n", low, at), text.rfind("\\n", low, at), text.rfind("\r", low, at))
    start = -1
    for found in csvexports._LINE_STARTS.finditer(text, low, at):
        start = found.end()
    return start if start >= 0 or low > 0 else 0


@pytest.mark.parametrize("alphabet", ['abnr\\",: [x', 'a\\"', 'ab,", ', 'xyz:[ \\"nrab,\n'])
def test_the_line_start_found_near_is_the_one_read_from_low(alphabet):
    rng = random.Random(alphabet)
    for _ in range(400):
        share = rng.random()
        text = "".join(rng.choice(alphabet) if rng.random() < share else rng.choice("abcxyz") for _ in range(900))
        at = rng.randint(0, len(text))
        assert csvexports._line_start(text, at) == _from_low(text, at), (text[max(0, at - 80) : at], at)
