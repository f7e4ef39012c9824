"""`hookd status` against real daemons in each state, both output forms, exit codes; metrics.

Every status here is a real `python -m hookd status` subprocess with the daemon's
environment, its stdout a pipe (not a terminal). Polling for a state to be reached
uses the control socket in-process (faster); the assertions then run the CLI.
"""

from __future__ import annotations

import json
import os
import re
import select
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter

import pytest
from prometheus_client.parser import text_string_to_metric_families

from conftest import CORPUS, REPO, RedisServer, free_port, log_records, wait_until

from hookd import __version__ as HOOKD_VERSION
from hookd.control import verdict
from hookd.control.client import CannotTell, NotRunning, request

HEALTHY, DEGRADED, NOT_RUNNING, UNKNOWN = 0, 1, 2, 3
CLEAR = "\x1b[H\x1b[2J"
ANSI = re.compile(r"\x1b\[")
# A row is "<name padded>  <value>"; a name is words separated by single spaces
# ("accept ms") or empty (a reason row). The value starts after the 2+ spaces.
VALUE_COLUMN = re.compile(r"^(?:\S+(?: \S+)*)?  +")

# The documented JSON of a running daemon: key -> nested keys (None: any value).
REQUIRED = {
    "version": None,
    "pid": None,
    "uptime_s": None,
    "socket": None,
    "redis": {"url": None, "state": None, "last_error": None, "last_ok_at": None},
    "breaker": {"state": None, "failures": None, "next_attempt_in_s": None},
    "spool": {"events": None, "bytes": None, "oldest_age_s": None, "dropped": None},
    "inbox": {"events": None},
    "counters": {
        "received": None,
        "published": None,
        "batches": None,
        "rejected": None,
        "redacted": None,
        "deduplicated": None,
    },
    "rates": {"1m": None, "5m": None},
    "latency_ms": {
        "accept": {"p50": None, "p95": None, "p99": None},
        "publish": {"p50": None, "p95": None, "p99": None},
    },
    "by_hook": None,
    "process": {"rss_bytes": None, "cpu_percent": None, "open_fds": None, "threads": None},
}

# Small corpus events, several hooks, some repeated.
HEALTHY_CORPUS = [
    "session_start_startup.json",
    "user_prompt_submit.json",
    "pre_tool_use_bash.json",
    "post_tool_use_bash.json",
    "pre_tool_use_edit.json",
    "post_tool_use_edit.json",
    "notification.json",
    "stop.json",
]


# ---------------------------------------------------------------- helpers


def hookd_cli(env: dict[str, str], *args: str, timeout: float = 30) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "hookd", *args], env=env, capture_output=True, text=True, timeout=timeout, cwd=REPO
    )


def status_json(daemon) -> tuple[int, dict]:
    result = hookd_cli(daemon.env, "status", "--json")
    assert result.stderr == ""
    return result.returncode, json.loads(result.stdout)


def status_text(daemon) -> tuple[int, str]:
    result = hookd_cli(daemon.env, "status")
    assert result.stderr == ""
    return result.returncode, result.stdout


def control_socket(daemon) -> str:
    return str(daemon.socket.parent / "control.sock")


def live_status(daemon) -> dict | None:
    """The status document straight from the control socket, for polling; None if unreachable."""
    try:
        return request(control_socket(daemon), "status", timeout_s=2)
    except (NotRunning, CannotTell):
        return None


def wait_status(daemon, predicate, what: str, timeout: float = 20) -> dict:
    def check():
        status = live_status(daemon)
        return status if status is not None and predicate(status) else None

    return wait_until(check, timeout=timeout, interval=0.05, what=what)


def corpus(name: str) -> bytes:
    return (CORPUS / name).read_bytes()


def event(n: int, hook: str = "Stop") -> bytes:
    return json.dumps({"hook_event_name": hook, "session_id": f"s{n}"}).encode()


def send_ok(daemon, body: bytes) -> None:
    result = daemon.send(body)
    assert (result.returncode, result.stdout, result.stderr) == (0, b"", b"")


def missing_keys(doc: dict, spec: dict, prefix: str = "") -> list[str]:
    missing = []
    for key, sub in spec.items():
        if key not in doc:
            missing.append(prefix + key)
        elif sub is not None:
            assert isinstance(doc[key], dict), f"{prefix}{key} is not an object: {doc[key]!r}"
            missing += missing_keys(doc[key], sub, f"{prefix}{key}.")
    return missing


def value_columns(text: str) -> set[int]:
    """Where the value column starts on each line of the human output."""
    columns = set()
    for line in text.rstrip("\n").splitlines():
        match = VALUE_COLUMN.match(line)
        assert match, f"not a table row: {line!r}"
        columns.add(match.end())
    return columns


# ---------------------------------------------------------------- healthy


@pytest.mark.process
def test_healthy_daemon_reports_every_counter_and_exits_0(hookd, redis_db):
    names = HEALTHY_CORPUS
    for name in names:
        send_ok(hookd, corpus(name))
    sent_hooks = Counter(json.loads(corpus(name))["hook_event_name"] for name in names)
    wait_status(hookd, lambda s: s["counters"]["published"] == len(names), "all events published")

    code, status = status_json(hookd)
    assert code == HEALTHY, status["reasons"]
    assert missing_keys(status, REQUIRED) == []
    assert status["running"] is True and status["health"] == "healthy" and status["reasons"] == []
    assert status["version"] == HOOKD_VERSION
    assert status["pid"] == hookd.proc.pid
    assert status["uptime_s"] >= 0
    assert status["socket"] == str(hookd.socket)
    assert status["instance"] == (hookd.state_dir / "sequence.instance").read_text().strip()
    assert status["redis"]["url"] == hookd.env["HOOKD_REDIS_URL"]
    assert status["redis"]["state"] == "up"
    assert status["redis"]["last_error"] is None
    assert abs(status["redis"]["last_ok_at"] - time.time()) < 60
    assert status["breaker"] == {"state": "closed", "failures": 0, "next_attempt_in_s": 0}
    assert status["spool"]["events"] == 0 and status["spool"]["bytes"] == 0
    assert status["spool"]["oldest_age_s"] is None and status["spool"]["dropped"] == 0
    assert status["inbox"]["events"] == 0
    counters = status["counters"]
    assert counters["received"] == len(names)
    assert counters["published"] == len(names)
    assert 1 <= counters["batches"] <= len(names)
    assert counters["rejected"] == {}
    assert counters["deduplicated"] == 0
    assert status["by_hook"] == dict(sent_hooks)
    assert status["rates"]["1m"] > 0 and status["rates"]["5m"] > 0
    for name in ("accept", "publish"):
        latency = status["latency_ms"][name]
        assert latency["samples"] > 0, name
        assert 0 <= latency["p50"] <= latency["p95"] <= latency["p99"], (name, latency)
    process = status["process"]
    assert process["rss_bytes"] > 0 and process["open_fds"] > 0 and process["threads"] >= 1
    assert process["cpu_percent"] >= 0
    assert redis_db.xlen("hookd:events") == len(names)
    assert stat.S_IMODE(os.lstat(control_socket(hookd)).st_mode) == 0o600  # owner-only


def test_healthy_human_output_is_an_aligned_table_without_colour_on_a_pipe(hookd, redis_db):
    for n in range(3):
        send_ok(hookd, event(n, hook="PreToolUse"))
    wait_status(hookd, lambda s: s["counters"]["published"] == 3, "3 events published")

    code, text = status_text(hookd)
    assert code == HEALTHY, text
    assert not ANSI.search(text), repr(text)
    lines = text.rstrip("\n").splitlines()
    assert lines[0].startswith("hookd") and "healthy" in lines[0]
    assert "degraded" not in text
    assert len(value_columns(text)) == 1, text
    rows = {line.split("  ", 1)[0]: line for line in lines}
    assert {
        "hookd",
        "redis",
        "breaker",
        "spool",
        "inbox",
        "events",
        "rejected",
        "rate",
        "accept ms",
        "publish ms",
        "hooks",
        "process",
        "socket",
    } <= set(rows), text
    assert "up" in rows["redis"] and hookd.env["HOOKD_REDIS_URL"] in rows["redis"]
    assert "received 3" in rows["events"] and "published 3" in rows["events"]
    assert "PreToolUse 3" in rows["hooks"]
    assert str(hookd.socket) in rows["socket"]


# ---------------------------------------------------------------- Redis down


def test_every_status_json_key_and_text_row_is_documented(hookd):
    send_ok(hookd, event(0))
    _, status = status_json(hookd)
    page = (REPO / "docs" / "status.md").read_text()
    assert [key for key in status if f"`{key}`" not in page] == [], "status --json keys docs/status.md does not name"
    _, text = status_text(hookd)
    sample = page.split("```")[1]  # the page's first block: the text status prints
    shown = {line[:12].strip() for line in sample.splitlines()[2:] if line[:1].strip()}
    rows = [line[:12].strip() for line in text.splitlines() if line[:1].strip()]
    assert [row for row in rows if row not in shown] == [], "status rows docs/status.md's sample does not show"


def test_redis_down_in_the_log_names_the_setting_and_the_fix(hookd_factory):
    # What a newcomer sees first when Redis is not where hookd looks (another port, not started):
    # `make run`'s terminal, not `hookd status`.
    daemon = hookd_factory(redis_url=f"redis://127.0.0.1:{free_port()}/0")
    send_ok(daemon, event(0))

    def redis_down() -> list[dict]:
        return [r for r in log_records(daemon.log_text()) if r.get("event") == "redis_down"]

    (record,) = wait_until(redis_down, what="redis_down in the log")
    assert "refused" in record["error"], record
    assert "start Redis where redis_url points, or correct redis_url" in record["hint"], record


def test_redis_down_reports_degraded_with_a_growing_spool_and_an_open_breaker(hookd_factory, tmp_path):
    server = RedisServer(tmp_path / "redis-down")
    server.start()
    try:
        daemon = hookd_factory(redis_url=server.url, breaker_failures=1)
        send_ok(daemon, event(0))
        wait_status(daemon, lambda s: s["counters"]["published"] == 1, "the first event published")
    finally:
        server.stop()

    for n in range(1, 4):
        send_ok(daemon, event(n))
    wait_status(
        daemon,
        lambda s: s["redis"]["state"] == "down" and s["breaker"]["state"] == "open",
        "redis down and the breaker open",
    )

    code, first = status_json(daemon)
    assert code == DEGRADED
    assert first["health"] == "degraded"
    assert first["redis"]["state"] == "down"
    assert "refused" in first["redis"]["last_error"]
    assert first["redis"]["last_ok_at"] is not None  # it was up before
    assert first["spool"]["events"] == 3
    assert first["spool"]["bytes"] > 0 and first["spool"]["oldest_age_s"] >= 0
    assert first["breaker"]["failures"] >= 1
    assert any("redis is down" in reason for reason in first["reasons"])

    for n in range(4, 6):
        send_ok(daemon, event(n))
    code, second = status_json(daemon)
    assert code == DEGRADED
    assert second["spool"]["events"] == 5 > first["spool"]["events"]
    assert second["spool"]["bytes"] > first["spool"]["bytes"]
    assert second["counters"]["received"] == 6 and second["counters"]["published"] == 1
    wait_status(daemon, lambda s: s["breaker"]["state"] == "open", "the breaker open")
    assert status_json(daemon)[1]["breaker"]["state"] in ("open", "half_open")

    code, text = status_text(daemon)
    assert code == DEGRADED
    assert not ANSI.search(text)
    first_line, reason_line = text.splitlines()[:2]
    assert "degraded" in first_line and "healthy" not in first_line
    assert "redis is down" in reason_line and "refused the connection" in reason_line
    assert "5 events spooled" in reason_line
    assert len(value_columns(text)) == 1, text


# ---------------------------------------------------------------- breaker half-open


def test_half_open_breaker_is_reported_then_closes_and_the_spool_drains(hookd_factory, tmp_path):
    # How half_open is made observable, without races:
    # - Redis stays up; the daemon's batches fail because the stream key is made a
    #   string (WRONGTYPE inside the publish script), so with breaker_failures=1 the
    #   breaker opens, and fails every trial quickly (back-off capped at 0.3 s).
    # - Then ONE transaction (MULTI/EXEC: atomic, no daemon command runs between its
    #   commands) puts the stream back and pauses writes (CLIENT PAUSE ... WRITE,
    #   which holds every EVAL/EVALSHA). Every trial before it fails, every trial
    #   after it hangs: the next trial starts within the back-off and stays in
    #   half_open until the pause ends. Stopping and restarting Redis instead would
    #   leave a window between the start and the pause in which a trial could succeed.
    # - WRITE, not ALL: under PAUSE ALL the pausing client is held too, CLIENT UNPAUSE
    #   included (Redis 7.0), so the pause could only end by expiring.
    # - breaker_trial_timeout_s=45 and redis_timeout_s=50 keep the held trial from
    #   failing on its own before CLIENT UNPAUSE releases it, and stall_after_s=60 keeps
    #   it from being judged stalled meanwhile: two `hookd status` runs on a loaded
    #   machine took longer than the default 10 s (status said "stalled", not "degraded").
    server = RedisServer(tmp_path / "redis-half-open")
    server.start()
    admin = server.client()
    try:
        daemon = hookd_factory(
            redis_url=server.url,
            breaker_failures=1,
            breaker_backoff_min_s=0.05,
            breaker_backoff_max_s=0.3,
            breaker_trial_timeout_s=45,
            redis_timeout_s=50,
            stall_after_s=60,
        )
        for n in range(2):
            send_ok(daemon, event(n))
        wait_until(lambda: admin.xlen("hookd:events") == 2, what="2 entries in the stream")

        admin.rename("hookd:events", "saved-stream")
        admin.set("hookd:events", "not a stream")
        for n in range(2, 5):
            send_ok(daemon, event(n))
        wait_status(
            daemon,
            lambda s: (
                s["breaker"]["state"] != "closed"
                and s["spool"]["events"] == 3
                and "WRONGTYPE" in (s["redis"]["last_error"] or "")
            ),
            "the breaker open",
        )

        with admin.pipeline(transaction=True) as tx:
            tx.delete("hookd:events")
            tx.rename("saved-stream", "hookd:events")
            tx.execute_command("CLIENT", "PAUSE", 60000, "WRITE")
            tx.execute()
        try:
            wait_status(
                daemon,
                lambda s: s["breaker"]["state"] == "half_open",
                "the breaker half-open (its trial hanging on the paused Redis)",
            )
            code, status = status_json(daemon)
            assert status["breaker"]["state"] == "half_open"
            assert status["breaker"]["next_attempt_in_s"] == 0
            assert status["spool"]["events"] == 3
            assert code == DEGRADED
            code, text = status_text(daemon)
            assert code == DEGRADED
            assert "half-open" in text and "degraded" in text.splitlines()[0]
        finally:
            admin.client_unpause()

        wait_status(
            daemon,
            lambda s: s["breaker"]["state"] == "closed" and s["spool"]["events"] == 0,
            "the breaker closed and the spool drained",
        )
        code, status = status_json(daemon)
        assert code == HEALTHY
        assert status["redis"]["state"] == "up"
        assert status["breaker"]["state"] == "closed" and status["breaker"]["failures"] == 0
        assert status["spool"]["events"] == 0
        assert status["counters"]["published"] == 5
        assert admin.xlen("hookd:events") == 5
    finally:
        try:
            admin.client_unpause()
        except Exception:
            pass
        admin.close()
        server.stop()


# ---------------------------------------------------------------- not running


def test_absent_daemon_reports_not_running_with_the_spool_and_the_inbox_on_disk(hookd_factory, tmp_path):
    # Redis refuses, so the daemon leaves 3 events in the spool when it stops;
    # then 2 more go to the inbox, as the hook would leave them.
    daemon = hookd_factory(redis_url=f"redis://127.0.0.1:{free_port()}/0", drain_timeout_s=1)
    for n in range(3):
        send_ok(daemon, event(n))
    wait_status(daemon, lambda s: s["spool"]["events"] == 3, "3 events spooled")
    assert daemon.stop() == 0
    for n in range(3, 5):
        send_ok(daemon, event(n))
    assert len(daemon.inbox()) == 2

    code, status = status_json(daemon)
    assert code == NOT_RUNNING
    assert status["running"] is False
    assert "nothing answers" in status["error"]
    assert status["inbox"]["events"] == 2
    assert status["spool"]["events"] == 3 and status["spool"]["bytes"] > 0
    assert status["spool"]["oldest_received_at"]
    assert status["state_dir"] == str(daemon.state_dir)
    assert status["socket"] == str(daemon.socket)

    code, text = status_text(daemon)
    assert code == NOT_RUNNING
    assert not ANSI.search(text)
    assert "not running" in text.splitlines()[0]
    assert "3 events waiting" in text and "2 events waiting" in text
    assert len(value_columns(text)) == 1, text


@pytest.mark.process
def test_killed_daemon_with_its_sockets_left_behind_is_not_running(hookd_factory, redis_db):
    daemon = hookd_factory()
    daemon.stop(signal.SIGKILL)
    assert os.path.exists(control_socket(daemon))  # left behind, nobody listening

    code, status = status_json(daemon)
    assert code == NOT_RUNNING
    assert status["running"] is False


# ---------------------------------------------------------------- could not tell


class FakeControlSocket:
    """Something listening on the control socket that is not a (working) hookd."""

    def __init__(self, path: str, answer: bytes | None) -> None:
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        self.listener = socket.socket(socket.AF_UNIX)
        self.listener.bind(path)
        self.listener.listen()
        self.answer = answer
        self.held: list[socket.socket] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            if self.answer is None:
                self.held.append(conn)  # never answers
                continue
            conn.recv(4096)
            conn.sendall(self.answer)
            conn.close()

    def close(self) -> None:
        self.listener.close()
        for conn in self.held:
            conn.close()


@pytest.mark.parametrize(
    "answer, error",
    [
        (b"HTTP/1.0 400 Bad Request\r\n\r\n", "not JSON"),
        (b'{"error": "unknown command"}\n', "unknown command"),
        (None, "did not answer"),
        (b'{"pong": true}\n', "not a status document"),
        (b"[]\n", "not a status document"),
    ],
    ids=["garbage", "error-document", "no-answer", "json-object-not-a-status", "json-list"],
)
def test_control_socket_that_does_not_answer_properly_means_cannot_tell(hookd_factory, answer, error):
    daemon = hookd_factory(start=False)
    fake = FakeControlSocket(control_socket(daemon), answer)
    try:
        result = hookd_cli(daemon.env, "status", "--json")
        assert result.returncode == UNKNOWN, result
        status = json.loads(result.stdout)
        assert status["running"] is None
        assert error in status["error"]
        assert status["control_socket"] == control_socket(daemon)
        if answer is not None:  # the human form once is enough for the slow case
            result = hookd_cli(daemon.env, "status")
            assert result.returncode == UNKNOWN
            assert "cannot tell" in result.stdout and error in result.stdout
            assert not ANSI.search(result.stdout)
    finally:
        fake.close()


def test_invalid_setting_makes_status_exit_3_could_not_tell(hookd_factory):
    daemon = hookd_factory(start=False)
    result = hookd_cli({**daemon.env, "HOOKD_BREAKER_FAILURES": "many"}, "status")
    assert "HOOKD_BREAKER_FAILURES" in result.stderr
    assert result.returncode == UNKNOWN


def test_colour_only_on_a_terminal_and_never_with_no_color(hookd_factory):
    import pty

    daemon = hookd_factory(start=False)  # not running: the offline form paints "not running"

    def on_a_terminal(env: dict[str, str]) -> tuple[int, str]:
        leader, follower = pty.openpty()
        try:
            code = subprocess.run(
                [sys.executable, "-m", "hookd", "status"],
                env=env,
                stdout=follower,
                stderr=subprocess.DEVNULL,
                timeout=30,
                cwd=REPO,
            ).returncode
            os.close(follower)
            chunks = []
            while True:
                try:
                    chunk = os.read(leader, 65536)
                except OSError:  # EIO: the terminal's other side is closed and drained
                    break
                if not chunk:
                    break
                chunks.append(chunk)
            return code, b"".join(chunks).decode()
        finally:
            os.close(leader)

    code, text = on_a_terminal(daemon.env)
    assert code == NOT_RUNNING
    assert "\x1b[31mnot running\x1b[0m" in text
    code, text = on_a_terminal({**daemon.env, "NO_COLOR": "1"})
    assert code == NOT_RUNNING
    assert "not running" in text and not ANSI.search(text)
    code, text = on_a_terminal({**daemon.env, "NO_COLOR": ""})  # empty: colour stays on
    assert "\x1b[31mnot running\x1b[0m" in text


# ---------------------------------------------------------------- secrets


SECRET = "s3cr3t-Pw"


@pytest.mark.parametrize("form", ["userinfo", "query", "live-redis-wrong-credentials"])
def test_redis_password_never_appears_in_status_config_or_the_log(hookd_factory, redis_server, form):
    if form == "userinfo":
        url = f"redis://app:{SECRET}@127.0.0.1:{free_port()}/0"
    elif form == "query":
        url = f"redis://127.0.0.1:{free_port()}/0?password={SECRET}"
    else:  # a Redis that answers, and refuses these credentials
        url = f"redis://app:{SECRET}@127.0.0.1:{redis_server.port}/0"
    daemon = hookd_factory(redis_url=url, breaker_failures=1, drain_timeout_s=1)
    send_ok(daemon, event(0))
    send_ok(daemon, b'{"not": "closed"')  # a rejection, logged
    wait_status(daemon, lambda s: s["redis"]["state"] == "down", "redis down")

    outputs = {}
    for name, args in {
        "status --json": ("status", "--json"),
        "status": ("status",),
        "config": ("config",),
        "config --json": ("config", "--json"),
    }.items():
        result = hookd_cli(daemon.env, *args)
        outputs[name] = result.stdout + result.stderr
        assert result.returncode in (0, 1), (name, result)
    for name in ("status --json", "status", "config", "config --json"):
        assert "****" in outputs[name], (name, outputs[name])
    status = json.loads(outputs["status --json"])
    assert "****" in status["redis"]["url"] and SECRET not in status["redis"]["url"]
    if form == "live-redis-wrong-credentials":
        assert "credentials" in status["redis"]["last_error"]

    assert daemon.stop() == 0
    for name, args in {"offline status --json": ("status", "--json"), "offline status": ("status",)}.items():
        result = hookd_cli(daemon.env, *args)
        assert result.returncode == NOT_RUNNING
        outputs[name] = result.stdout + result.stderr

    for name, text in outputs.items():
        assert SECRET not in text, f"the password appears in `hookd {name}`:\n{text}"
    log = daemon.log_text()
    assert log.strip()
    leaking = [line for line in log.splitlines() if SECRET in line]
    assert leaking == [], "the password appears in the daemon's log"
    assert "****" in log


# ---------------------------------------------------------------- --watch


def test_watch_refreshes_in_place_until_stopped(hookd, redis_db):
    proc = subprocess.Popen(
        [sys.executable, "-m", "hookd", "status", "--watch", "0.2"],
        env=hookd.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=REPO,
    )
    out = b""
    try:
        # Read until three screens have started (two are complete), however slow the start.
        deadline = time.monotonic() + 20
        while out.count(CLEAR.encode()) < 3 and time.monotonic() < deadline:
            ready, _, _ = select.select([proc.stdout], [], [], 0.5)
            if ready:
                chunk = os.read(proc.stdout.fileno(), 65536)
                if not chunk:
                    break
                out += chunk
        assert proc.poll() is None, "--watch stopped by itself"
    finally:
        proc.terminate()
        rest, err = proc.communicate(timeout=10)
    out = (out + rest).decode()
    assert out.count(CLEAR) >= 3, (out, err)
    assert out.startswith(CLEAR)
    complete = out.split(CLEAR)[1:-1]  # the last screen may have been cut by terminate
    assert len(complete) >= 2
    for screen in complete:
        assert "healthy" in screen.splitlines()[0], screen
        assert screen.rstrip("\n").endswith("(every 0.2s; Ctrl-C to stop)"), screen


# ---------------------------------------------------------------- exit-code rules


def _document(redis="up", breaker="closed", events=0, disk=0, max_bytes=1000, dropped=0) -> dict:
    return {
        "redis": {"state": redis, "last_error": None if redis == "up" else "refused"},
        "breaker": {"state": breaker},
        "spool": {"events": events, "bytes": disk, "disk_bytes": disk, "max_bytes": max_bytes, "dropped": dropped},
    }


@pytest.mark.parametrize(
    "doc, code, reason",
    [
        (_document(), HEALTHY, None),
        (_document(redis="down"), DEGRADED, "redis is down"),
        (_document(breaker="open", events=3), DEGRADED, "breaker is open"),
        (_document(breaker="half_open", events=3), DEGRADED, "breaker is half_open"),
        (_document(breaker="open", events=0), HEALTHY, None),
        (_document(disk=801), DEGRADED, "80% full"),
        (_document(disk=800), HEALTHY, None),
        (_document(dropped=2), DEGRADED, "2 events dropped"),
    ],
    ids=[
        "healthy",
        "redis-down",
        "breaker-open-spooling",
        "breaker-half-open-spooling",
        "breaker-open-nothing-spooled",
        "spool-over-80%",
        "spool-at-80%",
        "drops",
    ],
)
def test_verdict_exit_codes(doc, code, reason):
    got, reasons = verdict.verdict(doc)
    assert got == code
    if reason is None:
        assert reasons == []
    else:
        assert any(reason in r for r in reasons), reasons


def test_published_events_kept_for_dedupe_do_not_make_the_spool_look_full(hookd_factory, redis_db):
    daemon = hookd_factory(spool_max_bytes=str(1024 * 1024))  # segments of 128 KiB
    bodies = [corpus("post_tool_use_read_large.json")] * 2 + [corpus("post_tool_use_edit.json")] * 30
    for body in bodies:
        send_ok(daemon, body)
    wait_status(daemon, lambda s: s["counters"]["published"] == len(bodies), "all published")
    code, status = status_json(daemon)
    assert status["spool"]["events"] == 0 and status["spool"]["bytes"] == 0
    assert status["spool"]["disk_bytes"] > 0.8 * status["spool"]["max_bytes"]  # the setup holds
    # A loaded machine can make the loop run late (a reason of its own, not the spool's): only that may be said.
    others = [r for r in status["reasons"] if not r.startswith("the event loop runs late")]
    assert others == [] and (code == HEALTHY or status["reasons"]), (code, status["reasons"])


# ---------------------------------------------------------------- metrics


def scrape(port: int) -> dict[tuple[str, tuple], float]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        text = response.read().decode()
    samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def test_metrics_name_no_hook_event_it_does_not_know(hookd_factory, redis_db):
    """/metrics is read by any local user: a payload's hook_event_name, text as sent, is a label there
    only when it is an event Claude Code has; status, the owner's, names each."""
    port = free_port()
    daemon = hookd_factory(metrics_addr=f"127.0.0.1:{port}")
    odd = "x pw-3kQ9zr7LmT2vWq8N"
    for hook in ("PostToolUse", odd, "SomeFutureEvent"):
        send_ok(daemon, event(1, hook=hook))
    status = wait_status(daemon, lambda s: s["counters"]["published"] == 3, "3 events published")
    samples = scrape(port)
    assert samples[("hookd_events_by_hook_total", (("hook", "PostToolUse"),))] == 1
    assert samples[("hookd_events_by_hook_total", (("hook", "other"),))] == 2
    labels = {dict(labels).get("hook") for name, labels in samples if name == "hookd_events_by_hook_total"}
    assert labels == {"PostToolUse", "other"}, labels
    assert set(status["by_hook"]) == {"PostToolUse", odd, "SomeFutureEvent"}


def test_metrics_endpoint_serves_counters_gauges_and_latency_histograms(hookd_factory, redis_db):
    port = free_port()
    daemon = hookd_factory(metrics_addr=f"127.0.0.1:{port}")
    for n in range(4):
        send_ok(daemon, event(n, hook="PostToolUse"))
    assert daemon.request(b"this is not json").startswith(b"ERR not_json")
    wait_status(daemon, lambda s: s["counters"]["published"] == 4, "4 events published")

    samples = scrape(port)
    assert samples[("hookd_events_received_total", ())] == 5
    assert samples[("hookd_events_published_total", ())] == 4
    assert 1 <= samples[("hookd_batches_published_total", ())] <= 4
    assert samples[("hookd_events_rejected_total", (("reason", "not_json"),))] == 1
    assert samples[("hookd_events_by_hook_total", (("hook", "PostToolUse"),))] == 4
    assert samples[("hookd_spool_events", ())] == 0
    assert samples[("hookd_redis_up", ())] == 1
    assert samples[("hookd_redis_losses_total", ())] == 0
    assert samples[("hookd_breaker_state", (("state", "closed"),))] == 1
    for name in ("accept", "publish"):
        buckets = {
            labels: value
            for (sample, labels), value in samples.items()
            if sample == f"hookd_{name}_latency_seconds_bucket"
        }
        assert len(buckets) > 1, name
        assert buckets[(("le", "+Inf"),)] > 0, name
        assert samples[(f"hookd_{name}_latency_seconds_count", ())] > 0, name
    assert samples[("hookd_publish_latency_seconds_count", ())] == 4
