"""The spare a text may spend past its chunks' limits (floods.REPORT_SPARE, WORD_SPARE,
budget.CONFIRM_SPARE): real output that is dense in places stays whole; a flood still goes dense,
its work bounded by the limits plus that constant."""

from __future__ import annotations

import json

import pytest
from scan_reports import Reports

from hookd.redact import build_redactor
from hookd.redact.dense import MARK
from hookd.redact.floods import REPORT_SPARE, WORD_SPARE
from hookd.redact.scan import CHUNK, FLOOD_LIMIT, REPORT_LIMIT

REDACTOR = build_redactor(True)

# Output an agent sees every day, 300 lines of each: each line a candidate some rule must confirm.
DENSE_BUT_REAL = {
    "grep password": lambda i: f"src/auth/user{i}.py:{i + 10}:    password = request.form.get('password')\n",
    "grep token": lambda i: f"src/api/client{i}.ts:{i + 3}:  const token = await getToken(user);\n",
    "mkdir -p": lambda i: f"/usr/bin/mkdir -p '/usr/local/share/man/man{i}'\n",
    "pytest -p": lambda i: f"python -m pytest -p no:cacheprovider tests/test_{i}.py\n",
    "env example": lambda i: f"SERVICE_{i}_PASSWORD=\n",
    "compose env": lambda i: f"      - DB{i}_PASSWORD=${{DB{i}_PASSWORD}}\n",
    "apiKey refs": lambda i: f'  {{"name": "svc{i}", "apiKey": "${{SVC{i}_API_KEY}}"}},\n',
}


def payload(stdout: str) -> str:
    return json.dumps(
        {"session_id": "s1", "hook_event_name": "PostToolUse", "tool_name": "Bash", "tool_response": {"stdout": stdout}}
    )


@pytest.mark.parametrize("name", sorted(DENSE_BUT_REAL))
def test_real_output_dense_in_places_stays_whole(name, no_spare_later):
    text = payload("".join(DENSE_BUT_REAL[name](i) for i in range(300)))
    out, counts = REDACTOR.redact(text)
    assert "dense" not in counts and out == text, counts
    no_spare_later()  # without the spare, the same output went dense: what the spare is for
    out, counts = build_redactor(True).redact(text)
    assert "dense" in counts and MARK in out


def test_a_secret_in_real_dense_output_is_still_redacted():
    lines = [DENSE_BUT_REAL["grep password"](i) for i in range(300)]
    lines[150] = 'src/settings.py:9:DB_PASSWORD = "hunter2Hunter2x9"\n'
    out, counts = REDACTOR.redact(payload("".join(lines)))
    assert "hunter2Hunter2x9" not in out and "dense" not in counts
    assert "request.form.get('password')" in out


@pytest.fixture
def no_spare_later(monkeypatch):
    from hookd.redact import budget, floods

    def take_it_away() -> None:
        monkeypatch.setattr(floods, "REPORT_SPARE", 0)
        monkeypatch.setattr(floods, "WORD_SPARE", 0)
        monkeypatch.setattr(budget, "CONFIRM_SPARE", 0)

    return take_it_away


@pytest.mark.parametrize("unit", ["ApiKey ", "password=x1 ", "mkdir -p a ", '"token": "abcdefgh", '])
def test_a_flood_past_the_spare_goes_dense_its_reports_bounded(unit, monkeypatch):
    reports = Reports(monkeypatch)
    text = payload((unit * (64 * CHUNK // len(unit) + 1))[: 64 * CHUNK])
    out, counts = REDACTOR.redact(text)
    assert "dense" in counts and "abcdefgh" not in out
    pieces = (len(text) + CHUNK - 1) // CHUNK
    # A scan and one of a decoded view at most: per chunk its limits (and the stopping report), and once
    # the text's spare.
    assert reports.calls <= 2 * (pieces * (REPORT_LIMIT + FLOOD_LIMIT + 2) + REPORT_SPARE + WORD_SPARE)
