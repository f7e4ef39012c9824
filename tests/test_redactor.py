"""The redaction engine (with rules of the test's own) and redaction in the running daemon."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import REPO, github_token, wait_for_entries
from hookd.redact import Redactor, Rule

DIGITS = Rule("digits", r"\bPIN(\d{4})\b", "a PIN", group=1, keywords=("PIN",))
WORD = Rule("word", r"(?i)secret-(\w+)", "a secret word", group=1, keywords=("secret",), ignore_case_keywords=True)
EVEN = Rule("even", r"\bN(\d+)\b", "even numbers", group=1, keywords=("N",), validate=lambda value: int(value) % 2 == 0)


def test_the_marker_replaces_only_the_group_and_counts_per_rule():
    text, counts = Redactor([DIGITS, WORD]).redact('{"a": "PIN1234 and Secret-abc, PIN9999"}')
    assert text == '{"a": "PIN[REDACTED:digits] and Secret-[REDACTED:word], PIN[REDACTED:digits]"}'
    assert counts == {"digits": 2, "word": 1}


def test_a_rule_whose_keywords_are_absent_does_not_run():
    rule = Rule("never", r"x", "x", keywords=("zzz",))
    assert Redactor([rule]).redact("xxx") == ("xxx", {})


def test_allowlisted_values_and_failed_validation_are_left_alone():
    redactor = Redactor([DIGITS, EVEN], allow=[r"^0000$"])
    text, counts = redactor.redact("PIN0000 PIN1111 N3 N4")
    assert text == "PIN0000 PIN[REDACTED:digits] N3 N[REDACTED:even]"
    assert counts == {"digits": 1, "even": 1}


def test_redaction_is_idempotent():
    redactor = Redactor([DIGITS, WORD])
    once, _ = redactor.redact("PIN1234 secret-x")
    twice, counts = redactor.redact(once)
    assert twice == once and not counts


def test_a_secret_never_reaches_the_spool_or_redis_and_the_envelope_counts_it(hookd, redis_db):
    token = github_token()
    body = json.dumps(
        {"hook_event_name": "UserPromptSubmit", "session_id": "s1", "prompt": f"use {token} for the push"}
    ).encode()
    assert hookd.send(body).returncode == 0
    (fields,) = wait_for_entries(redis_db, 1)
    envelope = json.loads(fields[b"envelope"])
    assert token.encode() not in fields[b"envelope"]
    assert envelope["payload"]["prompt"] == "use [REDACTED:github_token] for the push"
    assert envelope["redactions"] == 1
    for segment in (hookd.state_dir / "spool").glob("*.seg"):
        assert token.encode() not in segment.read_bytes()
    status = json.loads(
        subprocess.run(
            [sys.executable, "-m", "hookd", "status", "--json"], env=hookd.env, capture_output=True, text=True
        ).stdout
    )
    assert status["counters"]["redacted"] == 1
    assert status["counters"]["redactions"] == {"github_token": 1}


def test_redaction_can_be_turned_off(hookd_factory, redis_db):
    daemon = hookd_factory(redact="false")
    token = github_token()
    daemon.send(json.dumps({"prompt": token}).encode())
    (fields,) = wait_for_entries(redis_db, 1)
    assert token.encode() in fields[b"envelope"]


def test_hookd_redact_uses_the_daemons_rules_and_settings(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text(
        'redact_disable = ["github_token"]\n'
        '[[redact_rules]]\nname = "ticket"\npattern = "TICKET-[0-9]+"\nkeywords = ["TICKET-"]\n'
    )
    doc = {"a": "postgres://app:hunter2@db:5432/shop", "b": "ghp_" + "x" * 36, "c": "TICKET-42"}
    result = subprocess.run(
        [sys.executable, "-m", "hookd", "redact", "--config", str(config)],
        input=json.dumps(doc),
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out == {
        "a": "postgres://app:[REDACTED:url_password]@db:5432/shop",
        "b": "ghp_" + "x" * 36,
        "c": "[REDACTED:ticket]",
    }
    assert "url_password 1" in result.stderr and "ticket 1" in result.stderr


def test_hookd_redact_refuses_what_is_not_json():
    result = subprocess.run(
        [sys.executable, "-m", "hookd", "redact"], input="not json", capture_output=True, text=True, cwd=REPO
    )
    assert result.returncode == 1 and "not one UTF-8 JSON document" in result.stderr


def test_an_unknown_rule_name_in_redact_disable_is_a_config_error():
    from hookd.config import ConfigError
    from hookd.console.settings import load

    try:
        load({}, environ={"HOOKD_REDACT_DISABLE": '["no_such_rule"]', "HOME": "/nonexistent"})
    except ConfigError as exc:
        assert "no_such_rule" in str(exc) and "HOOKD_REDACT_DISABLE from the environment" in str(exc)
    else:
        raise AssertionError("an unknown rule name was accepted")


def _load_with_rules(rules: list[dict]):
    from hookd.console.settings import load

    return load({}, environ={"HOOKD_REDACT_RULES": json.dumps(rules), "HOME": "/nonexistent"})


@pytest.mark.parametrize(
    "rule, problem",
    [
        # each of these was accepted before, and then failed on events or crashed the start
        ({"name": "t", "pattern": "tkt_[0-9]+", "group": 1}, "group 1 is not in its pattern"),
        ({"name": "t", "pattern": "(?P<id>tkt_[0-9]+)", "group": "token"}, "group 'token' is not in its pattern"),
        ({"name": "t", "pattern": "tkt_[0-9]+", "keywords": ["tkt_", ""]}, "a keyword is empty"),
        ({"name": 'my "ticket"', "pattern": "tkt_[0-9]+"}, "must be 1-64 of A-Z a-z 0-9 _ . -"),
        ({"name": "t", "pattern": "tkt_([0-9]+"}, "missing ), unterminated subpattern"),
    ],
)
def test_a_user_rule_that_could_not_work_is_a_config_error_naming_redact_rules(rule, problem):
    from hookd.config import ConfigError

    with pytest.raises(ConfigError) as caught:
        _load_with_rules([rule])
    assert problem in str(caught.value) and "redact_rules: " in str(caught.value)
    assert caught.value.setting == "redact_rules"
    assert "HOOKD_REDACT_RULES from the environment" in str(caught.value)


def test_a_user_rule_on_a_named_group_is_accepted_and_replaces_that_group():
    from hookd.redact import build_redactor

    config = _load_with_rules(
        [{"name": "ticket.id", "pattern": "tkt_(?P<id>[0-9]+)", "group": "id", "keywords": ["tkt_"]}]
    )
    redactor = build_redactor(True, extra=config.redact_rules)
    assert redactor.redact('{"a": "tkt_42"}')[0] == '{"a": "tkt_[REDACTED:ticket.id]"}'


def test_checking_the_settings_does_not_build_the_scanner(monkeypatch):
    """Every hookd command loads the settings; the scanner's compile is the daemon's to pay."""
    import hookd.redact.redactor as redactor_module

    def no_scanner(*args, **kwargs):
        raise AssertionError("the settings check compiled the scanner")

    monkeypatch.setattr(redactor_module, "TriggerScan", no_scanner)
    config = _load_with_rules([{"name": "t", "pattern": "tkt_[0-9]+", "keywords": ["tkt_"]}])
    assert [rule.name for rule in config.redact_rules] == ["t"]
