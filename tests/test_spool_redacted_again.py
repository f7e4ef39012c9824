"""The spool's waiting events are redacted again at start when the redaction settings changed.

An event spooled while `redact_disable` named a rule (Redis away, so it waited) was published raw
after hookd was started again with the rule on: the spool kept what the rules of then had left. Now
hookd records the settings that redacted its spool and, at start, redacts the waiting events again
with its own before any is published (hookd/daemon/backlog.py). Real `hookd run` processes on one
state directory, a real Redis.
"""

from __future__ import annotations

import json
import pickle
import shutil
import signal

import pytest
from conftest import free_port, log_records, scanner_seed, wait_for_entries

pytestmark = pytest.mark.process

AWS_KEY = "AKIAQ3EGTRV5XJ7KZP2M"
OFF = {"redact_disable": '["aws_access_key_id"]'}


@pytest.fixture(scope="module")
def scanners_without_the_rule(tmp_path_factory):
    """The scanner databases of the table less aws_access_key_id, compiled once per run (conftest's
    scanner_seed: the main database and its twin, a quarter of a minute of one core) and copied into
    each daemon's state directory, where hookd keeps the ones it compiled."""
    from hookd.redact import scanner_cache

    cache = tmp_path_factory.mktemp("scanners")
    with open(scanner_seed(redact_disable=OFF["redact_disable"]), "rb") as f:
        for prefix, (key, data) in pickle.load(f).items():
            if not scanner_cache.shipped_here(name := scanner_cache.file_name(prefix, key)):
                (cache / name).write_bytes(data)
    return cache


def send_keys(daemon) -> None:
    """Two Stop events, sessions s0 and s1, each holding AWS_KEY, each acknowledged."""
    for n in range(2):
        body = json.dumps({"hook_event_name": "Stop", "session_id": f"s{n}", "note": f"key {AWS_KEY} here"})
        done = daemon.send(body.encode(), "Stop", HOOKD_SEND_TIMEOUT_MS="5000")
        assert (done.returncode, done.stdout, done.stderr) == (0, b"", b"")


def spooled_then_restarted(factory, redis_db, scanners, first: dict[str, str], second: dict[str, str]):
    """Spool two events under ``first`` settings with Redis away, stop, start under ``second`` with
    Redis: the stream's envelopes, and the second daemon."""
    away = factory(start=False, redis_url=f"redis://127.0.0.1:{free_port()}/0", **first)
    shutil.copytree(scanners, away.state_dir, dirs_exist_ok=True)
    away.state_dir.chmod(0o700)
    away.start()
    send_keys(away)
    assert away.stop(signal.SIGTERM) == 0
    back = factory(start=False, **second)
    back.env["HOOKD_STATE_DIR"] = str(away.state_dir)
    back.state_dir = away.state_dir
    back.start()
    entries = wait_for_entries(redis_db, 2)
    return [json.loads(fields[b"envelope"]) for fields in entries], back


def test_a_rule_turned_back_on_redacts_what_was_spooled_without_it(
    hookd_process_factory, redis_db, scanners_without_the_rule
):
    envelopes, back = spooled_then_restarted(hookd_process_factory, redis_db, scanners_without_the_rule, OFF, {})
    assert [e["session_id"] for e in envelopes] == ["s0", "s1"]  # in order, once each
    for envelope in envelopes:
        assert AWS_KEY not in json.dumps(envelope), envelope
        assert envelope["redactions"] >= 1
    said = [r for r in log_records(back.log_text()) if r.get("event") == "spool_redacted_again"]
    assert len(said) == 1 and said[0]["events"] == 2 and said[0]["secrets"] == {"aws_access_key_id": 2}, said
    assert redis_db.xlen("hookd:events") == 2


def test_the_same_settings_leave_the_backlog_as_it_is(hookd_process_factory, redis_db, scanners_without_the_rule):
    """A guard (it held before): with the rule off in both runs the user's choice stands, and nothing
    is redacted again."""
    envelopes, back = spooled_then_restarted(hookd_process_factory, redis_db, scanners_without_the_rule, OFF, OFF)
    assert all(AWS_KEY in json.dumps(envelope) for envelope in envelopes)
    assert not [r for r in log_records(back.log_text()) if r.get("event") == "spool_redacted_again"]


def test_a_backlog_of_no_known_settings_is_rewritten_only_if_the_rules_find_more(hookd_process_factory, redis_db):
    """A guard: a spool an older hookd left (no record of its settings) is read once at start; with
    nothing more for this run's rules to find it is published as it is, not copied."""
    away = hookd_process_factory(redis_url=f"redis://127.0.0.1:{free_port()}/0")
    for n in range(2):
        away.send_stop(f"s{n}")
    assert away.stop(signal.SIGTERM) == 0
    (away.state_dir / "spool-redacted-by").unlink(missing_ok=True)
    back = hookd_process_factory(start=False)
    back.env["HOOKD_STATE_DIR"] = str(away.state_dir)
    back.state_dir = away.state_dir
    back.start()
    assert [fields[b"session"] for fields in wait_for_entries(redis_db, 2)] == [b"s0", b"s1"]
    assert not [r for r in log_records(back.log_text()) if r.get("event") == "spool_redacted_again"]
