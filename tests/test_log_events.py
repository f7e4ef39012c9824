"""hookd's log events are snake_case ids with fields, so JSON logs group by ``event``.

A human hint may ride along as a ``hint=`` field; the sentence never replaces the id.
"""

from __future__ import annotations

import ast
import asyncio
import re

import msgspec
import pytest
from structlog.testing import capture_logs

from conftest import REPO, RedisServer
from hookd.config import Config
from hookd.envelope import Event
from hookd.publish.connection import connect
from hookd.publish.publisher import Publisher
from hookd.publish.settings import PublishSettings, RedisSettings
from hookd.spool import Spool, SpoolFull
from hookd.state import DaemonState

LEVELS = {"debug", "info", "warning", "warn", "error", "exception", "critical", "fatal", "msg"}
SNAKE_CASE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")


def _is_get_logger(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute | ast.Name)
        and (node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id) == "get_logger"
    )


def structlog_calls(tree: ast.AST) -> list[ast.Call]:
    """Calls like ``log.info(...)`` on a name bound to ``structlog.get_logger(...)`` in the module,
    or on ``get_logger(...)`` itself."""
    loggers = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and _is_get_logger(node.value):
            loggers.update(target.id for target in node.targets if isinstance(target, ast.Name))
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in LEVELS
        and (
            (isinstance(node.func.value, ast.Name) and node.func.value.id in loggers) or _is_get_logger(node.func.value)
        )
    ]


def bad_events(source: str, name: str = "<test>") -> list[str]:
    found = []
    for call in structlog_calls(ast.parse(source, name)):
        first = call.args[0] if call.args else None
        if not (isinstance(first, ast.Constant) and isinstance(first.value, str) and SNAKE_CASE.fullmatch(first.value)):
            shown = ast.unparse(first) if first is not None else "(no event)"
            found.append(f"{name}:{call.lineno}: {shown[:80]}")
    return found


def test_every_log_event_in_hookd_is_a_snake_case_literal():
    paths = sorted((REPO / "hookd").rglob("*.py"))
    calls = sum(len(structlog_calls(ast.parse(p.read_text(), str(p)))) for p in paths)
    assert calls > 50, "the check found almost no log calls: it no longer sees them"
    problems = [problem for path in paths for problem in bad_events(path.read_text(), str(path.relative_to(REPO)))]
    assert problems == [], (
        "log events must be snake_case ids with fields, e.g. "
        'log.warning("redis_down", error=...); a sentence goes in hint=:\n' + "\n".join(problems)
    )


@pytest.mark.parametrize(
    "source",
    [
        'import structlog\nlog = structlog.get_logger("x")\nlog.info(f"{1} is up")\n',
        'import structlog\nlog = structlog.get_logger("x")\nlog.error("the spool is full", n=1)\n',
        'import structlog\nlog = structlog.get_logger("x")\nwhat = "a"\nlog.critical(what)\n',
        'import structlog\ndef f():\n    log = structlog.get_logger("x")\n    log.warning("Bad-Id")\n',
        'import structlog\nstructlog.get_logger("x").info("hookd is up")\n',
    ],
)
def test_the_check_catches_sentences_f_strings_and_variables(source):
    assert len(bad_events(source)) == 1


def make_event(seq: int) -> Event:
    envelope = msgspec.json.encode({"seq": seq, "payload": {"n": seq}})
    return Event(seq, "laptop", f"id-{seq}", "Stop", "sess", "", envelope)


def events(logs: list[dict], name: str) -> list[dict]:
    return [entry for entry in logs if entry["event"] == name]


def test_redis_down_breaker_open_and_redis_up_are_ids_with_fields(tmp_path):
    redis = RedisServer(tmp_path / "redis")  # not started yet: Redis is down
    config = Config(
        redis_url=f"redis://:hunter2-secret@127.0.0.1:{redis.port}/0",
        state_dir=str(tmp_path),
        redis_timeout_s=2,
        redis_connect_timeout_s=0.5,
        breaker_failures=2,
    )
    spool = Spool(config.spool_dir, 1 << 20, "never")
    redis_settings = RedisSettings.from_config(config)
    publisher = Publisher(
        PublishSettings.from_config(config), redis_settings, spool, connect(redis_settings), DaemonState()
    )
    spool.append_many([make_event(1), make_event(2)])

    async def history() -> list[dict]:
        with capture_logs() as logs:
            for _ in range(2):
                batch = await spool.next_batch(1, 1 << 20)
                assert not await publisher.publish(batch)
                spool.rewind()
            redis.start()
            batch = await spool.next_batch(10, 1 << 20)
            assert await publisher.publish(batch)
        await publisher.client.aclose()
        return logs

    try:
        logs = asyncio.run(history())
    finally:
        redis.stop()
        spool.close()
    (down,) = events(logs, "redis_down")  # the same failure twice is logged once
    assert down["log_level"] == "warning" and down["spooled"] == 2
    assert "refused the connection" in down["error"] and "****" in down["error"]
    assert "hunter2-secret" not in repr(logs)
    (opened,) = events(logs, "breaker_open")
    assert opened["log_level"] == "warning"
    assert opened["failures"] == 2 and opened["spooled"] == 2 and opened["next_trial_in_s"] >= 0
    (up,) = events(logs, "redis_up")
    assert up["log_level"] == "info" and up["backlog"] == 0  # what is left once this batch is in
    assert up["redis"] == f"redis at redis://:****@127.0.0.1:{redis.port}/0"
    assert isinstance(up["down_for_s"], float) and up["down_for_s"] >= 0


def test_a_full_spool_and_its_recovery_are_ids_with_fields(tmp_path):
    spool = Spool(str(tmp_path / "spool"), 64 * 1024, "never", max_bytes=256 * 1024)
    with capture_logs() as logs:
        seq = 0
        with pytest.raises(SpoolFull):
            while True:
                seq += 1
                spool.append(Event(seq, "h", f"id-{seq}", "Stop", "s", "", b"x" * 4000))
        with pytest.raises(SpoolFull):  # refused again: logged once, however often it is met
            spool.append(Event(seq, "h", f"id-{seq}", "Stop", "s", "", b"x" * 4000))
        while spool.has_unread():
            spool.commit(spool.read_batch(1000, 1 << 30))
        spool.append(make_event(seq + 2))
    spool.close()
    (full,) = events(logs, "spool_full")
    assert full["log_level"] == "error" and full["policy"] == "refuse"
    assert full["max_bytes"] == 256 * 1024 and full["pending_events"] == seq - 1
    assert full["disk_bytes"] + 4000 > full["max_bytes"]
    assert "spool_max_bytes" in full["hint"]
    (back,) = events(logs, "spool_room_again")
    assert back["log_level"] == "info" and back["full_for_s"] >= 0


def test_drop_oldest_names_what_it_dropped(tmp_path):
    spool = Spool(str(tmp_path / "spool"), 64 * 1024, "never", max_bytes=256 * 1024, full_policy="drop_oldest")
    with capture_logs() as logs:
        for seq in range(1, 200):
            spool.append(Event(seq, "h", f"id-{seq}", "Stop", "s", "", b"x" * 4000))
    spool.close()
    dropped = events(logs, "spool_full_dropped")
    assert dropped and all(entry["log_level"] == "error" for entry in dropped)
    assert dropped[-1]["dropped"] == spool.dropped > 0
    assert sum(entry["lost"] for entry in dropped) == spool.dropped


def test_the_publisher_and_spool_modules_are_covered(tmp_path):
    """The AST check reads the modules the events above come from (a moved module is still seen)."""
    sources = [path.read_text() for folder in ("publish", "spool") for path in (REPO / "hookd" / folder).glob("*.py")]
    ids = {
        call.args[0].value
        for source in sources
        for call in structlog_calls(ast.parse(source))
        if call.args and isinstance(call.args[0], ast.Constant)
    }
    assert {"redis_down", "redis_up", "breaker_open", "spool_full", "spool_room_again"} <= ids
