"""hookd tail: a real daemon publishing to a real Redis, read back by the real command.

`hookd tail` runs as a subprocess with a bounded --count (or is stopped with
SIGINT) and a timeout. Envelopes with a chosen enrichment (a given risk and its
reasons) are added to the stream with XADD in the publisher's field layout.
"""

from __future__ import annotations

import datetime
import io
import json
import os
import re
import signal
import subprocess
import sys
import threading

import pytest

from conftest import REPO, free_port, wait_for_entries, wait_until
from hookd.tail import summary
from hookd.tail.follow import Filters, Tail, parse_since


def tail(hookd, *args: str, timeout: float = 30) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "hookd", "tail", *args],
        capture_output=True,
        text=True,
        env=hookd.env,
        cwd=REPO,
        timeout=timeout,
    )


def event(hook: str, session: str, **fields) -> bytes:
    return json.dumps({"hook_event_name": hook, "session_id": session, **fields}).encode()


BASH = event(
    "PreToolUse",
    "aaaa1111-session",
    tool_name="Bash",
    tool_use_id="toolu_bash",
    tool_input={"command": "npm test -- --watch=false"},
)
# Claude Code's own duration_ms wins over hookd's pairing
READ = event(
    "PostToolUse",
    "aaaa1111-session",
    tool_name="Read",
    tool_use_id="toolu_read",
    duration_ms=1234,
    tool_input={"file_path": "/home/me/shop/app.py"},
)
BASH_DONE = event(
    "PostToolUse",
    "aaaa1111-session",
    tool_name="Bash",
    tool_use_id="toolu_bash",
    tool_input={"command": "npm test -- --watch=false"},
    tool_response={"stdout": "ok"},
)
PROMPT = event("UserPromptSubmit", "bbbb2222-session", prompt="Please fix the failing checkout test")


@pytest.fixture
def published(hookd, redis_db):
    for body in (BASH, READ, BASH_DONE, PROMPT):
        assert hookd.send(body).returncode == 0
    wait_for_entries(redis_db, 4)
    return hookd


def test_tail_shows_one_readable_line_per_event_in_stream_order(published):
    done = tail(published, "--since", "1h", "--count", "4")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 4
    # time, session, hook, tool, operation, what it is about, (how long it took), [risk]
    assert lines[0].split()[1:5] == ["aaaa1111", "PreToolUse", "Bash", "execute"]
    assert lines[0].endswith("  npm test -- --watch=false  [low]")
    assert lines[1].split()[1:5] == ["aaaa1111", "PostToolUse", "Read", "read"]
    assert lines[1].endswith("  /home/me/shop/app.py  (1.2s)  [low]")
    # paired with its PreToolUse by tool_use_id: the time between the two, by the senders' clocks
    assert lines[2].split()[2:5] == ["PostToolUse", "Bash", "execute"]
    assert re.search(r"  npm test -- --watch=false  \((\d+ms|\d+\.\ds)\)  \[low\]$", lines[2]), lines[2]
    assert lines[3].split()[1:3] == ["bbbb2222", "UserPromptSubmit"]
    assert lines[3].endswith("  Please fix the failing checkout test")  # no tool: no risk
    assert "\x1b[" not in done.stdout  # not a terminal: no colour


@pytest.mark.parametrize(
    "args, expected",
    [
        (["--hook", "pretooluse,posttooluse"], ["PreToolUse", "PostToolUse", "PostToolUse"]),
        (["--hook", "Post*"], ["PostToolUse", "PostToolUse"]),
        (["--tool", "read"], ["PostToolUse"]),
        (["--tool", "B*"], ["PreToolUse", "PostToolUse"]),
        (["--session", "bbbb"], ["UserPromptSubmit"]),
        (["--session", "aaaa", "--hook", "PostToolUse", "--tool", "bash"], ["PostToolUse"]),
    ],
)
def test_tail_filters_by_hook_tool_and_session(published, args, expected):
    done = tail(published, "--since", "1h", "--count", str(len(expected)), *args)
    assert done.returncode == 0, done.stderr
    assert [line.split()[2] for line in done.stdout.splitlines()] == expected


def test_tail_warns_of_a_hook_name_it_does_not_know_and_filters_all_the_same(published):
    done = tail(published, "--since", "1h", "--count", "1", "--hook", "Stopp,UserPromptSubmit")
    assert done.returncode == 0, done.stderr
    assert "--hook stopp: not a hook event hookd knows" in done.stderr
    assert done.stdout.split()[2] == "UserPromptSubmit"


def test_tail_from_host_shows_the_events_of_those_hosts(hookd_factory, redis_db):
    daemons = {host: hookd_factory(host=host) for host in ("laptop", "ci-1", "ci-2")}
    for host, daemon in daemons.items():
        assert daemon.send(event("Stop", f"{host}-session")).returncode == 0
    wait_for_entries(redis_db, 3)
    done = tail(daemons["laptop"], "--since", "1h", "--count", "2", "--from-host", "ci-*")
    assert done.returncode == 0, done.stderr
    assert sorted(line.split()[1] for line in done.stdout.splitlines()) == ["ci-1-ses", "ci-2-ses"]
    done = tail(daemons["laptop"], "--since", "1h", "--count", "1", "--from-host", "LAPTOP", "--json")
    assert json.loads(done.stdout)["host"] == "laptop"


def test_tail_json_prints_the_raw_envelopes(published, redis_db):
    done = tail(published, "--since", "1h", "--count", "4", "--json")
    assert done.returncode == 0, done.stderr
    stored = [fields[b"envelope"].decode() for _, fields in redis_db.xrange("hookd:events")]
    assert done.stdout.splitlines() == stored
    assert json.loads(done.stdout.splitlines()[0])["payload"]["tool_input"]["command"].startswith("npm")


def test_tail_without_since_shows_only_new_events(hookd, redis_db):
    assert hookd.send(event("Stop", "old00000-session")).returncode == 0
    wait_for_entries(redis_db, 1)
    proc = subprocess.Popen(
        [sys.executable, "-m", "hookd", "tail", "--count", "1"],
        env=hookd.env,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        # Send until tail, which may still be starting, has seen one.
        wait_until(
            lambda: proc.poll() is not None or hookd.send(event("Stop", "new11111-session")).returncode != 0,
            timeout=60,
            interval=0.2,
            what="tail to show a new event",
        )
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    [line] = out.splitlines()
    assert line.split()[1:3] == ["new11111", "Stop"]


def xadd_envelope(client, seq: int, **envelope_fields) -> None:
    envelope = {
        "v": 1,
        "event_id": f"e{seq}",
        "seq": seq,
        "host": "h",
        "hook": "PreToolUse",
        "session_id": "cccc3333",
        "tool_name": "Bash",
        "received_at": datetime.datetime.now(datetime.UTC).isoformat().replace("+00:00", "Z"),
        "payload": {"tool_input": {"command": f"cmd{seq}"}},
        **envelope_fields,
    }
    client.xadd(
        "hookd:events",
        {
            "envelope": json.dumps(envelope),
            "event_id": f"e{seq}",
            "hook": "PreToolUse",
            "session": "cccc3333",
            "host": "h",
            "tool": "Bash",
            "seq": seq,
        },
    )


def test_tail_risk_shows_that_level_and_above(hookd, redis_db):
    xadd_envelope(redis_db, 1)  # an older envelope, without enrichment
    xadd_envelope(redis_db, 2, risk="low", risk_reasons=[])
    xadd_envelope(redis_db, 3, risk="high", risk_reasons=["rm -rf", "sudo"], operation="delete")
    xadd_envelope(redis_db, 4, risk="medium", risk_reasons=["network"])
    done = tail(hookd, "--since", "1h", "--count", "2", "--risk", "medium")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert re.search(r" Bash +delete +cmd3  \[high \(rm -rf, sudo\)\]$", lines[0]), lines[0]
    assert re.search(r" Bash +cmd4  \[medium \(network\)\]$", lines[1]), lines[1]


def test_tail_since_starts_at_that_time(hookd, redis_db):
    old = (datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=3)).isoformat()
    xadd_envelope(redis_db, 1, received_at=old.replace("+00:00", "Z"))  # late-published backlog
    xadd_envelope(redis_db, 2)
    done = tail(hookd, "--since", "2h", "--count", "1")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[4] == "cmd2"


@pytest.mark.parametrize("group", [[], ["--group", "g"]], ids=["follow", "group"])
def test_tail_names_the_redis_it_cannot_reach_without_its_password(hookd, group):
    url = f"redis://:hunter2@127.0.0.1:{free_port()}/0"
    done = tail(hookd, "--redis-url", url, *group)
    assert done.returncode == 1
    assert "redis://:****@127.0.0.1" in done.stderr and "hunter2" not in done.stderr
    assert "refused the connection" in done.stderr and "redis_url" in done.stderr
    assert "Traceback" not in done.stderr


def test_tail_stops_cleanly_on_ctrl_c(hookd, redis_db):
    proc = subprocess.Popen(
        [sys.executable, "-m", "hookd", "tail"],
        env=hookd.env,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    first_line: list[str] = []
    reader = threading.Thread(target=lambda: first_line.append(proc.stdout.readline()), daemon=True)
    reader.start()
    try:
        # Once a line is out, tail is in its read loop.
        wait_until(
            lambda: first_line or hookd.send(event("Stop", "dddd4444-session")).returncode != 0,
            timeout=60,
            interval=0.2,
            what="tail to show an event",
        )
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 130  # as a shell reports SIGINT, without a traceback
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    assert "dddd4444" in first_line[0]


def test_tail_waits_out_a_redis_restart(hookd, redis_server, redis_db):
    proc = subprocess.Popen(
        [sys.executable, "-m", "hookd", "tail", "--count", "1"],
        env=hookd.env,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        redis_server.stop()
        redis_server.start()
        wait_until(
            lambda: proc.poll() is not None or hookd.send(event("Stop", "eeee5555-session")).returncode != 0,
            timeout=60,
            interval=0.2,
            what="tail to show an event after the restart",
        )
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert out.split()[1:3] == ["eeee5555", "Stop"]


# ---------------------------------------------------------------- pieces


NOW = datetime.datetime(2026, 11, 21, 12, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=1)))


@pytest.mark.parametrize(
    "text, expected",
    [
        ("10m", NOW - datetime.timedelta(minutes=10)),
        ("2h", NOW - datetime.timedelta(hours=2)),
        ("1.5d", NOW - datetime.timedelta(hours=36)),
        ("30s", NOW - datetime.timedelta(seconds=30)),
        ("2026-11-21T09:30:00Z", datetime.datetime(2026, 11, 21, 9, 30, tzinfo=datetime.UTC)),
        ("11:15", NOW.replace(hour=11, minute=15)),
        ("13:15", NOW.replace(hour=13, minute=15) - datetime.timedelta(days=1)),  # ahead: yesterday
    ],
)
def test_since_takes_a_duration_or_a_time(text, expected):
    assert parse_since(text, NOW) == expected


def test_since_names_what_it_accepts():
    with pytest.raises(ValueError, match="duration .* or a time"):
        parse_since("last tuesday", NOW)


def test_a_bad_since_is_refused_before_redis_is_asked(hookd):
    done = tail(hookd, "--since", "yesterday-ish")
    assert done.returncode == 2 and "--since 'yesterday-ish'" in done.stderr


@pytest.mark.parametrize(
    "payload, expected",
    [
        ({"tool_name": "Bash", "tool_input": {"command": "ls -la"}}, "ls -la"),
        ({"tool_name": "Edit", "tool_input": {"file_path": "/a/b.py", "old_string": "x"}}, "/a/b.py"),
        ({"tool_name": "Grep", "tool_input": {"pattern": "TODO", "path": "src"}}, "TODO in src"),
        ({"tool_name": "Glob", "tool_input": {"pattern": "**/*.ts"}}, "**/*.ts"),
        ({"tool_name": "WebFetch", "tool_input": {"url": "https://x.test", "prompt": "p"}}, "https://x.test"),
        ({"tool_name": "TodoWrite", "tool_input": {"todos": [{}, {}]}}, "2 todos"),
        ({"tool_name": "mcp__gh__create_issue", "tool_input": {"title": "t"}}, '{"title":"t"}'),
        ({"hook_event_name": "SessionStart", "source": "resume", "model": "opus"}, "resume opus"),
        (
            {
                "hook_event_name": "PostToolUseFailure",
                "tool_name": "Bash",
                "tool_input": {"command": "make"},
                "error": "exit 2",
            },
            "make ✗ exit 2",
        ),
        ({"tool_name": "Bash", "tool_input": {"command": "echo a\nprintf '\x1b[2J'"}}, "echo a ⏎ printf '\\x1b[2J'"),
        # The fields the hooks reference gives the later events (each shown empty before).
        (
            {"hook_event_name": "MessageDisplay", "index": 0, "final": True, "delta": "Here is the plan:"},
            "Here is the plan:",
        ),
        (
            {"hook_event_name": "PostToolBatch", "tool_calls": [{"tool_name": "Edit"}, {"tool_name": "Bash"}]},
            "2 calls: Edit, Bash",
        ),
        (
            {"hook_event_name": "PostToolBatch", "tool_calls": [{"tool_name": f"T{i}"} for i in range(9)]},
            "9 calls: T0, T1, T2, T3, …",
        ),
        ({"hook_event_name": "PostToolBatch", "tool_calls": ["not a call", {}]}, "2 calls: ?"),
        (
            {"hook_event_name": "DirectoryAdded", "directory": "/src/lib", "source": "slash_command"},
            "/src/lib slash_command",
        ),
        ({"hook_event_name": "FileChanged", "file_path": "/src/.envrc", "event": "change"}, "/src/.envrc change"),
    ],
)
def test_summary_says_what_each_event_is_about(payload, expected):
    envelope = {
        "hook": payload.get("hook_event_name", "PreToolUse"),
        "tool_name": payload.get("tool_name"),
        "payload": payload,
    }
    assert summary.summary(envelope) == expected


def test_colour_only_on_a_terminal_and_never_with_no_color(monkeypatch, hookd):
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    from hookd.config import load

    config = load(environ=hookd.env)
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert Tail(config, Filters(), False, Terminal(), io.StringIO()).colour is True
    assert Tail(config, Filters(), False, io.StringIO(), io.StringIO()).colour is False
    monkeypatch.setenv("NO_COLOR", "1")
    assert Tail(config, Filters(), False, Terminal(), io.StringIO()).colour is False
    monkeypatch.setenv("NO_COLOR", "")  # no-color.org: an empty value does not turn colour off
    assert Tail(config, Filters(), False, Terminal(), io.StringIO()).colour is True
    envelope = {
        "hook": "PreToolUse",
        "tool_name": "Bash",
        "risk": "high",
        "risk_reasons": ["x"],
        "received_at": "2026-11-21T13:10:00.123456Z",
        "payload": {"tool_input": {"command": "ls"}},
    }
    assert "\x1b[1;31m[high (x)]" in summary.line(envelope, colour=True)
    assert "\x1b" not in summary.line(envelope, colour=False)


@pytest.mark.parametrize(
    "ms, expected",
    [
        (0, "0ms"),
        (340, "340ms"),
        (999, "999ms"),
        (1234, "1.2s"),
        (59_949, "59.9s"),
        (187_000, "3m07s"),
        (None, ""),
        (-5, ""),
        ("12", ""),
        (True, ""),
    ],
)
def test_durations_are_short(ms, expected):
    assert summary.duration(ms) == expected


def test_a_line_keeps_its_columns_for_events_with_and_without_enrichment():
    at = "2026-11-21T13:10:00.123456Z"
    edit = {
        "hook": "PostToolUse",
        "tool_name": "Edit",
        "session_id": "abc12345-x",
        "received_at": at,
        "operation": "write",
        "duration_ms": 1234,
        "risk": "low",
        "risk_reasons": [],
        "payload": {"tool_input": {"file_path": "/home/me/shop/app.py"}},
    }
    prompt = {
        "hook": "UserPromptSubmit",
        "session_id": "abc12345-x",
        "received_at": at,
        "operation": None,
        "duration_ms": None,
        "risk": None,
        "payload": {"prompt": "go on"},
    }
    old = {
        "hook": "PreToolUse",
        "tool_name": "Bash",
        "session_id": "abc12345-x",
        "received_at": at,
        "payload": {"tool_input": {"command": "ls"}},
    }  # from before enrichment
    lines = [summary.line(e, colour=False) for e in (edit, prompt, old)]
    assert lines[0].endswith("  Edit        write     /home/me/shop/app.py  (1.2s)  [low]")
    assert lines[1].endswith("  UserPromptSubmit                          go on")
    assert lines[2].endswith("  Bash                  ls")
    assert len({line.index(text) for line, text in zip(lines, ("/home", "go on", "ls"))}) == 1
    cut = summary.line({**edit, "payload": {"tool_input": {"file_path": "/x" * 100}}}, False, width=100)
    assert len(cut) == 100 and cut.endswith("…  (1.2s)  [low]")


# ---------------------------------------------------------------- scripts can trust it


PRETTY = json.dumps(
    {
        "hook_event_name": "PreToolUse",
        "session_id": "cccc3333-session",
        "tool_name": "Bash",
        "tool_input": {"command": "printf 'a\\nb'"},
        "note": "wide: 日本語 ✓",
    },
    indent=2,
    ensure_ascii=False,
).encode()


def test_tail_json_is_one_envelope_per_line_that_replay_file_reads_back(hookd, redis_db, tmp_path):
    # Claude Code may send a pretty-printed payload: the envelope embeds it as sent, newlines and all.
    bodies = [PRETTY] * 3 + [BASH, READ]
    for body in bodies:
        assert hookd.send(body).returncode == 0
    wait_for_entries(redis_db, len(bodies))
    done = tail(hookd, "--since", "1h", "--count", str(len(bodies)), "--json")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == len(bodies)
    stored = [json.loads(f[b"envelope"]) for _, f in redis_db.xrange("hookd:events")]
    assert [json.loads(line) for line in lines] == stored
    assert stored[0]["payload"]["note"] == "wide: 日本語 ✓"

    exported = tmp_path / "tail.jsonl"
    exported.write_text(done.stdout)
    replayed = subprocess.run(
        [sys.executable, "-m", "hookd", "replay", "--file", str(exported), "--stream", "hookd:copy", "--json"],
        env=hookd.env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert replayed.returncode == 0, replayed.stderr
    report = json.loads(replayed.stdout)
    assert (report["envelopes"], report["bad"], report["added"]) == (len(bodies), 0, len(bodies))
    copied = [json.loads(f[b"envelope"]) for _, f in redis_db.xrange("hookd:copy")]
    assert copied == stored
    assert "\r" not in replayed.stderr  # no progress bar in a pipe


WIDE = {
    "hook": "PostToolUse",
    "tool_name": "Bash",
    "session_id": "abc12345-x",
    "received_at": "2026-11-21T13:10:00.123456Z",
    "operation": "execute",
    "duration_ms": 64000,
    "risk": "high",
    "risk_reasons": ["rm -rf", "sudo"],
    "payload": {"tool_input": {"command": "echo 日本語の長いコマンド 🚀🚀 " * 8}},
}


@pytest.mark.parametrize("width", [40, 60, 80, 100, 132, 200])
@pytest.mark.parametrize("colour", [False, True])
def test_a_line_never_wraps_at_any_width_with_wide_characters(width, colour):
    for envelope in (
        WIDE,
        {**WIDE, "risk": None, "duration_ms": None},
        {**WIDE, "hook": "ツール使用後", "tool_name": "編集"},
    ):
        text = summary.line(envelope, colour, width)
        shown = re.sub(r"\x1b\[[0-9;]*m", "", text)
        assert summary.columns(shown) <= width, (width, shown)
        if width >= 100:  # room enough: risk and duration are kept, the summary is cut
            assert "…" in shown and ("[high" in shown) == bool(envelope["risk"])
            assert ("(1m04s)" in shown) == bool(envelope["duration_ms"])


def test_display_width_counts_wide_characters_as_two_columns():
    assert summary.columns("日本") == 4 and summary.columns("ab") == 2
    assert summary.columns(summary.fit("日本語日本語", 5)) <= 5


def test_tail_json_into_a_closed_pipe_ends_quietly_with_141(published):
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "hookd", "tail", "--since", "1h", "--json"],
            env=published.env,
            cwd=REPO,
            stdout=write_end,
            stderr=subprocess.PIPE,
            timeout=60,
        )
    finally:
        os.close(write_end)
    assert done.returncode == 141
    assert b"Traceback" not in done.stderr and b"BrokenPipeError" not in done.stderr


def test_tail_takes_plain_options_not_a_command_line(tmp_path):
    """tail.command.run is given a TailOptions, which anything can build; no Redis is reached
    when the options themselves are wrong."""
    from hookd.config import load
    from hookd.tail.command import TailOptions, run

    (tmp_path / "config.toml").write_text("")
    config = load(
        environ={
            "HOOKD_CONFIG": str(tmp_path / "config.toml"),
            "HOOKD_STATE_DIR": str(tmp_path),
            "HOOKD_REDIS_URL": "redis://127.0.0.1:1/0",
        }
    )
    err = io.StringIO()
    assert run(config, TailOptions(consumer="me"), io.StringIO(), err) == 2
    assert "--consumer and --claim-idle go with --group NAME" in err.getvalue()
    err = io.StringIO()
    assert run(config, TailOptions(claim_idle_s=5.0), io.StringIO(), err) == 2
    assert "go with --group" in err.getvalue()
    err = io.StringIO()
    assert run(config, TailOptions(since="last tuesday"), io.StringIO(), err) == 2
    assert "--since 'last tuesday'" in err.getvalue()
