"""ElevenLabs' `sk_` + 48 hex glued to a name (issue 16, h250). `sk_` ends many names (`task_`, `disk_`, `xsk_`), and
Hyperscan's shape of the token dropped what may stand before it: a flood of a name glued to 48 hex reported at every
repetition (about 155 a chunk, past scan.REPORT_LIMIT) and went dense, redacted in bulk. The trigger now asks what
may stand before the token, so such a flood makes no report; a key after what may stand before a token still does
(test_redact_recall_h238's ElevenLabs cases)."""

from __future__ import annotations

import pytest
from scan_reports import Reports

from hookd.redact.redactor import Redactor
from hookd.redact.rules import BUILTIN_RULES
from hookd.redact.scan import CHUNK

ENGINE = Redactor(BUILTIN_RULES)
HEX = "".join("0123456789abcdef"[(i * 5 + 1) % 16] for i in range(48))


@pytest.mark.parametrize("name", ["xsk_", "task_", "disk_", "Mask_"])
def test_a_flood_of_a_name_glued_to_48_hex_reports_nothing(name, monkeypatch):
    reports = Reports(monkeypatch)
    unit = name + HEX + " "
    text = (unit * (8 * CHUNK // len(unit) + 1))[: 8 * CHUNK]
    assert ENGINE._triggers.scan(text)[4] == []  # no chunk dense
    assert reports.calls == 0
    assert ENGINE.redact(text) == (text, {})


@pytest.mark.parametrize(
    "text",
    [
        "export ELEVEN_API_KEY=sk_{}",
        "the key is sk_{} now",
        "headers = {{'xi-api-key': 'sk_{}'}}",
        "curl -H xi-api-key:sk_{} https://api.elevenlabs.io",
        "line one\nsk_{}\n",
        "app -tsk_{} run",
        "/v1?key%3Dsk_{}",
    ],
)
def test_a_key_in_ordinary_text_is_still_redacted(text):
    out, counts = ENGINE.redact(text.format(HEX))
    assert "sk_" + HEX not in out, out
    assert HEX[:8] not in out, out
