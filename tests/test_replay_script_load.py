"""`hookd replay --file` loads the publish script as the daemon's publisher does, and gets past a flush.

It sent each batch with redis-py's Script, which sends EVALSHA and, answered NOSCRIPT, loads the
script and sends the batch again: on a server without the script (a fresh one, a restart, a
failover's new master) the first batch's bytes crossed the link twice. Now replay publishes through
the publisher's BatchWriter: the script is loaded at the start and on each connection as it
connects, a batch answered NOSCRIPT (a SCRIPT FLUSH mid-replay) has the script loaded and is sent
again, once, and each event lands once. Real redis-server.
"""

from __future__ import annotations

import asyncio
import json
import os

import pytest

from hookd.cli import main
from hookd.config import Config
from hookd.replay.lines import parse_line
from hookd.replay.republish import publish

EVENTS = 30
BATCH = 5


@pytest.fixture(autouse=True)
def no_hookd_environment(monkeypatch):
    for name in list(os.environ):
        if name.startswith("HOOKD_"):
            monkeypatch.delenv(name)


def _envelope(seq: int) -> dict:
    return {
        "v": 1,
        "event_id": f"id-h-{seq}",
        "seq": seq,
        "host": "h",
        "hook": "Stop",
        "session_id": f"s{seq}",
        "tool_name": None,
        "received_at": "2026-01-01T00:00:00.000000Z",
        "sent_at": None,
        "client": None,
        "project_dir": None,
        "payload": {"hook_event_name": "Stop", "session_id": f"s{seq}"},
    }


def _errors(redis_db, code: str) -> int:
    return int(redis_db.info("errorstats").get(f"errorstat_{code}", {"count": 0})["count"])


def _evalsha_calls(redis_db) -> int:
    return int(redis_db.info("commandstats").get("cmdstat_evalsha", {"calls": 0})["calls"])


def test_replay_loads_the_script_before_its_first_batch(redis_server, redis_db, tmp_path, capsys):
    path = tmp_path / "events.jsonl"
    path.write_text("".join(json.dumps(_envelope(seq)) + "\n" for seq in range(1, EVENTS + 1)))
    (tmp_path / "config.toml").write_text(f"batch_max_events = {BATCH}\n")
    redis_db.script_flush()  # a server that has not seen the script
    redis_db.config_resetstat()
    code = main(
        [
            "replay",
            "--config",
            str(tmp_path / "config.toml"),
            "--state-dir",
            str(tmp_path / "state"),
            "--redis-url",
            redis_server.url,
            "--file",
            str(path),
        ]
    )
    out, err = capsys.readouterr()
    assert (code, err) == (0, ""), out
    assert f"added {EVENTS}, skipped 0" in out
    assert _errors(redis_db, "NOSCRIPT") == 0  # no batch crossed to be told the script is missing
    assert _evalsha_calls(redis_db) == EVENTS // BATCH  # each batch sent once
    assert redis_db.xlen("hookd:events") == EVENTS


def test_a_script_flush_mid_replay_costs_one_resend_and_every_event_lands_once(redis_server, redis_db):
    events = [parse_line(json.dumps(_envelope(seq)).encode()) for seq in range(1, EVENTS + 1)]
    config = Config(redis_url=redis_server.url, batch_max_events=BATCH)
    flushes = []

    def flush(sent: int) -> None:
        if sent in (BATCH, 3 * BATCH):  # after the first and the third batch
            redis_db.script_flush()
            flushes.append(sent)

    redis_db.config_resetstat()
    counts = asyncio.run(publish(config, events, on_batch=flush))
    assert flushes == [BATCH, 3 * BATCH]
    assert (counts["h"].added, counts["h"].skipped) == (EVENTS, 0)
    assert _errors(redis_db, "NOSCRIPT") == 2  # once per flush, each batch then sent again
    assert _evalsha_calls(redis_db) == EVENTS // BATCH + 2
    entries = redis_db.xrange("hookd:events")
    assert [int(fields[b"seq"]) for _, fields in entries] == list(range(1, EVENTS + 1))
