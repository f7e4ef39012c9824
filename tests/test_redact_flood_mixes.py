"""Floods that alternate two or three of the last sessions' rules (issue 16, h271): cookiepairs.py's cookie objects and
calls, authlines.py's `authtok`, sasl_passwd and sonar.login lines, namewords' `password = <value>`, csvexports'
header and concealed fields, the YAML block scalar escaped in JSON. Each unit is a secret or a trigger's keyword
cut short, so every unit reports. Regex steps are not countable here; the work that can grow with a text is: the
scanner's calls into Python (reports), and the characters handed to the rules' regexes (Redactor.examined). Both
must stay within what a text's chunks and its spare allow, and grow no faster than the text (bench/README.md,
"Issue 16: worst cases, part N (h271)": 1, 2, 4, 8 MiB of each mix take time in proportion or less)."""

from __future__ import annotations

import pytest

from hookd.redact import build_redactor
from hookd.redact.floods import FLOOD_LIMIT, REPORT_SPARE, WORD_SPARE
from hookd.redact.scan import CHUNK, REPORT_LIMIT
from scan_reports import Reports

COOKIE = '{"name": "sessionid", "value": "Zq8vN3xR7tL2mK9pW4sY"} '
AUTHTOK = "\nldap_default_authtok = Tr0ub4dorQ3xQz9\n"
SASL = "\n[smtp.example.com]:587 u@example.com:Tr0ub4dorQ3xQz9\n"
SONAR = "-Dsonar.login=0123456789abcdef0123456789abcdef01234567 "
NAMED = "password = Zq8vN3xR7tL2mK9pW4sYQ3xQz9Tr0ub4dor\n"
CSV = "name,url,username,password\ngh,https://github.com,alice,Xq7vLp2mZ9rT4w\n"
CONCEALED = '{"type": "CONCEALED", "label": "password", "value": "Tr0ub4dorQ3xQz9"}, '
BLOCK = '\\\\\\"password\\\\\\": |\\\\\\\\n  Abc123xyz9Q\\\\\\\\n'
MIXES = {
    "cookie+authtok": COOKIE + AUTHTOK,
    "cookie+sasl+sonar": COOKIE + SASL + SONAR,
    "csv+cookie": CSV + COOKIE,
    "csv+names+block": CSV + NAMED + BLOCK,
    "concealed+cookie+authtok": CONCEALED + COOKIE + AUTHTOK,
    "block+cookie": BLOCK + COOKIE,
    "names+sasl": NAMED + SASL,
    "csv+concealed": CSV + CONCEALED,
    "keywords: cookie+block": '{"name": "sessionid", "value": "' + '\\"password\\": |\\\\n  ',
    "keywords: sasl+authtok+csv": "\n[a.b]:587 u:" + "\nldap_default_authtok = " + ",password,",
}
SMALL, LARGE = 16, 64  # chunks
REDACTOR = build_redactor(True)


def work(unit: str, chunks: int, reports: Reports) -> tuple[int, int, bool]:
    """The reports, the characters the rules' regexes were handed and whether a chunk went dense, redacting
    ``chunks`` chunks of the unit."""
    assert REDACTOR is not None
    size = chunks * CHUNK
    text = (unit * (size // len(unit) + 1))[:size]
    REDACTOR.forget()  # a fresh start: the values the flood repeats are new to it
    REDACTOR.examined.clear()
    reports.calls = 0
    _, counts = REDACTOR.redact(text)
    return reports.calls, sum(REDACTOR.examined.values()), "dense" in counts


@pytest.mark.parametrize("name", sorted(MIXES))
def test_a_mix_of_the_new_rules_floods_costs_what_its_chunks_allow(name, monkeypatch):
    reports = Reports(monkeypatch)
    small_reports, small_read, _ = work(MIXES[name], SMALL, reports)
    large_reports, large_read, dense = work(MIXES[name], LARGE, reports)
    assert dense  # a flood: past the spare its chunks go dense, redacted in bulk
    # Per chunk at most its limits (reports, the guard's words) and a stop's report, plus the text's spare.
    assert large_reports <= LARGE * (REPORT_LIMIT + FLOOD_LIMIT + 2) + REPORT_SPARE + WORD_SPARE
    # Four times the text, at most four times the work (the spare is spent once, so it is less).
    scale = LARGE // SMALL
    assert large_reports <= scale * small_reports
    assert large_read <= scale * small_read
