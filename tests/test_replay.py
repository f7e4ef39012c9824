"""`hookd replay`: what waits, exporting the spool, and re-publishing a file with the same dedupe."""

from __future__ import annotations

import io
import json
import os

import pytest

from conftest import free_port, sender_marks, wait_until
from hookd.cli import main
from hookd.replay import lines
from hookd.units import format_age
from hookd.spool.inspect import summarize, waiting_events

MARKS = "{hookd:events}:hwm"


@pytest.fixture(autouse=True)
def no_hookd_environment(monkeypatch):
    for name in list(os.environ):
        if name.startswith("HOOKD_"):
            monkeypatch.delenv(name)


def unreachable_url(password: str = "") -> str:
    auth = f":{password}@" if password else ""
    return f"redis://{auth}127.0.0.1:{free_port()}/0"


def spooled(hookd_factory, bodies: list[bytes]):
    """A stopped hookd whose spool holds these events (its Redis never answered)."""
    daemon = hookd_factory(redis_url=unreachable_url())
    for body in bodies:
        result = daemon.send(body)
        assert result.returncode == 0, result
    wait_until(lambda: summarize(str(daemon.state_dir / "spool")).events == len(bodies), what="events in the spool")
    assert daemon.stop() == 0
    return daemon


def stop_body(n: int) -> bytes:
    return json.dumps(
        {
            "hook_event_name": "PreToolUse",
            "session_id": f"s{n}",
            "tool_name": "Bash",
            "tool_input": {"command": f"echo {n}"},
        }
    ).encode()


def replay(capsys, state_dir, redis_url: str, *args: str) -> tuple[int, str, str]:
    config = state_dir.parent / "config.toml"
    config.touch()
    code = main(["replay", "--config", str(config), "--state-dir", str(state_dir), "--redis-url", redis_url, *args])
    out, err = capsys.readouterr()
    return code, out, err


def envelope(host: str, seq: int, session: str = "s", tool: str | None = "Bash", hook: str = "PreToolUse") -> dict:
    return {
        "v": 1,
        "event_id": f"id-{host}-{seq}",
        "seq": seq,
        "host": host,
        "hook": hook,
        "session_id": session,
        "tool_name": tool,
        "received_at": "2026-01-01T00:00:00.000000Z",
        "sent_at": None,
        "client": None,
        "project_dir": None,
        "payload": {"hook_event_name": hook, "session_id": session},
    }


def write_jsonl(path, items) -> None:
    lines = [item if isinstance(item, str) else json.dumps(item) for item in items]
    path.write_text("\n".join(lines) + "\n")


# -- what waits -------------------------------------------------------------------


def test_summary_counts_the_spool_and_the_inbox(hookd_factory, capsys):
    daemon = spooled(hookd_factory, [stop_body(n) for n in range(3)])
    for n in range(2):  # the daemon is gone: hook-send leaves these in the inbox
        assert daemon.send(stop_body(10 + n)).returncode == 0
    assert len(daemon.inbox()) == 2
    envelopes = list(waiting_events(str(daemon.state_dir / "spool")))

    code, out, err = replay(capsys, daemon.state_dir, unreachable_url(), "--json")
    assert (code, err) == (0, "")
    info = json.loads(out)
    assert info["spool"]["events"] == 3
    assert info["spool"]["bytes"] == sum(len(e.envelope) for e in envelopes) > 0
    assert info["spool"]["segments"] >= 1
    first = json.loads(envelopes[0].envelope)
    assert info["spool"]["oldest_received_at"] == first["received_at"]
    assert 0 <= info["spool"]["oldest_age_s"] < 120
    assert info["inbox"] == {"directory": str(daemon.state_dir / "inbox"), "frames": 2}
    assert info["daemon"] == {"running": False, "pid": None}
    assert info["stream"] == "hookd:events"

    code, out, err = replay(capsys, daemon.state_dir, unreachable_url())
    assert (code, err) == (0, "")
    assert "spool:  3 events" in out
    assert f"received {first['received_at']}" in out and "s ago" in out
    assert "inbox:  2 frames" in out
    assert "no hookd is running" in out
    assert "hookd run publishes these" in out and "never publishes the spool itself" in out


@pytest.mark.process
def test_summary_names_a_running_daemon_and_publishes_nothing(hookd_factory, redis_db, capsys):
    daemon = hookd_factory(redis_url=unreachable_url())
    daemon.send(stop_body(1))
    wait_until(lambda: summarize(str(daemon.state_dir / "spool")).events == 1, what="spooled event")
    code, out, _ = replay(capsys, daemon.state_dir, unreachable_url(), "--json")
    assert code == 0
    assert json.loads(out)["daemon"] == {"running": True, "pid": daemon.proc.pid}
    assert summarize(str(daemon.state_dir / "spool")).events == 1
    assert daemon.stop() == 0


def test_summary_of_an_empty_state_directory(tmp_path, capsys):
    code, out, _ = replay(capsys, tmp_path / "state", unreachable_url())
    assert code == 0 and out.startswith("nothing waits")
    assert not (tmp_path / "state").exists()


def test_age_reads_well():
    assert [format_age(s) for s in (0, 45, 192, 7500, 3 * 86400 + 4 * 3600)] == ["0s", "45s", "3m12s", "2h05m", "3d04h"]


# -- export and re-publish ----------------------------------------------------------


def test_export_then_file_adds_everything_once(hookd_factory, redis_server, redis_db, capsys, tmp_path):
    # One payload is pretty-printed: its newlines must not split its line in the export.
    bodies = [stop_body(n) for n in range(4)] + [b'{\n  "hook_event_name": "Stop",\n  "session_id": "s4"\n}']
    daemon = spooled(hookd_factory, bodies)
    export = tmp_path / "backlog.jsonl"

    code, out, _ = replay(capsys, daemon.state_dir, unreachable_url(), "--export", str(export))
    assert code == 0 and "exported 5 events" in out
    lines = export.read_bytes().splitlines()
    assert len(lines) == 5
    assert [json.loads(line)["payload"] for line in lines] == [json.loads(b) for b in bodies]
    assert oct(export.stat().st_mode & 0o777) == "0o600"
    assert summarize(str(daemon.state_dir / "spool")).events == 5  # the spool keeps them

    code, out, err = replay(capsys, daemon.state_dir, redis_server.url, "--file", str(export))
    assert (code, err) == (0, "")
    assert "added 5, skipped 0" in out
    entries = [fields for _, fields in redis_db.xrange("hookd:events")]
    assert [e[b"envelope"] for e in entries] == lines
    for fields, line in zip(entries, lines):
        env = json.loads(line)
        assert fields[b"event_id"].decode() == env["event_id"]
        assert fields[b"hook"].decode() == env["hook"]
        assert fields[b"session"].decode() == env["session_id"]
        assert fields[b"tool"].decode() == (env["tool_name"] or "")
        assert fields[b"host"].decode() == env["host"]
        assert int(fields[b"seq"]) == env["seq"]

    code, out, _ = replay(capsys, daemon.state_dir, redis_server.url, "--file", str(export))
    assert code == 0
    assert "added 0, skipped 5" in out and "at or below its host's high-water mark" in out
    assert redis_db.xlen("hookd:events") == 5

    # The daemon, publishing the same spool to the same stream, adds nothing either.
    daemon.env["HOOKD_REDIS_URL"] = redis_server.url
    daemon.start()
    wait_until(lambda: summarize(str(daemon.state_dir / "spool")).events == 0, what="the daemon to publish its spool")
    assert daemon.stop() == 0
    assert redis_db.xlen("hookd:events") == 5


def test_export_json_and_dry_run(hookd_factory, capsys, tmp_path):
    daemon = spooled(hookd_factory, [stop_body(1), stop_body(2)])
    target = tmp_path / "x.jsonl"
    code, out, _ = replay(capsys, daemon.state_dir, unreachable_url(), "--export", str(target), "--dry-run", "--json")
    assert code == 0 and not target.exists()
    assert json.loads(out)["events"] == 2


def test_export_to_stdout_writes_the_lines_a_file_export_holds(hookd_factory, capsys, tmp_path):
    daemon = spooled(hookd_factory, [stop_body(1), stop_body(2)])
    target = tmp_path / "x.jsonl"
    assert replay(capsys, daemon.state_dir, unreachable_url(), "--export", str(target))[0] == 0
    code, out, err = replay(capsys, daemon.state_dir, unreachable_url(), "--export", "-")
    assert code == 0 and "exported 2 events" in err, err
    assert out.encode() == target.read_bytes() and len(out.splitlines()) == 2


def test_a_bad_line_is_reported_and_the_rest_is_published(redis_server, redis_db, capsys, tmp_path):
    no_seq = envelope("a", 1)
    del no_seq["seq"]
    no_host = envelope("a", 1)
    del no_host["host"]
    path = tmp_path / "in.jsonl"
    write_jsonl(
        path,
        [
            envelope("a", 1),
            "not json",
            "",
            envelope("b", 7, tool=None),
            "[1, 2]",
            no_seq,
            no_host,
            envelope("a", 2),
            '{"seq": 1.5, "host": "a"}',
        ],
    )

    code, out, err = replay(capsys, tmp_path / "state", redis_server.url, "--file", str(path))
    assert code == 0
    assert "line 2: not JSON" in err
    assert "line 5: not an envelope" in err
    assert "line 6: the envelope has no seq" in err
    assert "line 7: the envelope has no host" in err
    assert "line 9: seq must be a whole number" in err
    assert "3 envelopes read, 5 bad lines skipped" in out
    assert "added 3, skipped 0" in out
    entries = [fields for _, fields in redis_db.xrange("hookd:events")]
    assert [(e[b"host"], e[b"seq"], e[b"tool"]) for e in entries] == [
        (b"a", b"1", b"Bash"),
        (b"b", b"7", b""),
        (b"a", b"2", b"Bash"),
    ]
    assert sender_marks(redis_db) == {b"a": b"2", b"b": b"7"}

    code, out, _ = replay(capsys, tmp_path / "state", redis_server.url, "--file", str(path), "--json")
    report = json.loads(out)
    assert (report["added"], report["skipped"], report["bad"]) == (0, 3, 5)
    assert [b["line"] for b in report["bad_lines"]] == [2, 5, 6, 7, 9]


def test_dry_run_predicts_without_writing(redis_server, redis_db, capsys, tmp_path):
    state = tmp_path / "state"
    first = tmp_path / "first.jsonl"
    write_jsonl(first, [envelope("a", 10), envelope("a", 11)])
    assert replay(capsys, state, redis_server.url, "--file", str(first))[0] == 0
    # Out of order within a host: 9 is below the mark 11 once 12 is in; 13 is new.
    full = tmp_path / "full.jsonl"
    write_jsonl(
        full,
        [
            envelope("a", 10),
            envelope("a", 11),
            envelope("a", 12),
            envelope("a", 9),
            envelope("b", 5),
            envelope("b", 5),
            envelope("a", 13),
        ],
    )
    length, marks = redis_db.xlen("hookd:events"), redis_db.hgetall(MARKS)

    code, out, _ = replay(capsys, state, redis_server.url, "--file", str(full), "--dry-run", "--json")
    assert code == 0
    report = json.loads(out)
    assert (report["added"], report["skipped"], report["dry_run"]) == (3, 4, True)
    assert report["hosts"]["a"] == {"events": 5, "added": 2, "skipped": 3, "mark": 11}
    assert report["hosts"]["b"] == {"events": 2, "added": 1, "skipped": 1, "mark": 0}
    code, out, _ = replay(capsys, state, redis_server.url, "--file", str(full), "--dry-run")
    assert "would add 3 and skip 4" in out and "nothing was written" in out
    assert redis_db.xlen("hookd:events") == length and redis_db.hgetall(MARKS) == marks

    code, out, _ = replay(capsys, state, redis_server.url, "--file", str(full))
    assert "added 3, skipped 4" in out  # as predicted
    assert [int(f[b"seq"]) for _, f in redis_db.xrange("hookd:events")] == [10, 11, 12, 5, 13]


def test_dry_run_without_redis_still_reports_the_file(capsys, tmp_path):
    path = tmp_path / "in.jsonl"
    write_jsonl(path, [envelope("a", 1), "{"])
    url = unreachable_url("s3cret")
    code, out, err = replay(capsys, tmp_path / "state", url, "--file", str(path), "--dry-run")
    assert code == 0
    assert "1 envelope read, 1 bad line skipped" in out
    assert "could not ask Redis" in out and url.replace("s3cret", "****") in out
    assert "s3cret" not in out + err


def test_unreachable_redis_is_an_error_naming_the_masked_url(capsys, tmp_path):
    path = tmp_path / "in.jsonl"
    write_jsonl(path, [envelope("a", 1)])
    url = unreachable_url("s3cret")
    code, out, err = replay(capsys, tmp_path / "state", url, "--file", str(path))
    assert code == 1
    assert f"redis at {url.replace('s3cret', '****')} refused the connection" in err
    assert "nothing was published" in err and "run this again" in err
    assert "s3cret" not in out + err

    code, out, err = replay(capsys, tmp_path / "state", url)
    assert code == 0 and "s3cret" not in out + err


def test_a_missing_file_is_an_error(capsys, tmp_path):
    code, out, err = replay(capsys, tmp_path / "state", unreachable_url(), "--file", str(tmp_path / "nope.jsonl"))
    assert code == 1
    assert "cannot read" in err and "nope.jsonl" in err and "hookd replay --export" in err


def test_file_and_export_exclude_each_other(capsys, tmp_path):
    with pytest.raises(SystemExit) as exc:
        main(["replay", "--file", "a", "--export", "b"])
    assert exc.value.code == 2


def test_a_file_that_would_hide_spooled_events_is_flagged(hookd_factory, redis_server, redis_db, capsys, tmp_path):
    daemon = spooled(hookd_factory, [stop_body(1), stop_body(2)])
    waiting = [json.loads(e.envelope) for e in waiting_events(str(daemon.state_dir / "spool"))]
    newer = tmp_path / "newer.jsonl"
    # the same host and instance as the spool's events: their mark would pass them
    sender = f"{waiting[0]['host']}/{waiting[0]['instance']}"
    write_jsonl(newer, [{**envelope(waiting[0]["host"], waiting[-1]["seq"] + 100), "instance": waiting[0]["instance"]}])
    code, _, err = replay(capsys, daemon.state_dir, redis_server.url, "--file", str(newer), "--dry-run")
    assert code == 0
    assert "would hide events still waiting in the spool" in err
    assert f"2 of host {sender}" in err
    # Another daemon's numbers (no instance, or another one) hide nothing of this one's.
    write_jsonl(newer, [envelope(waiting[0]["host"], waiting[-1]["seq"] + 100)])
    code, _, err = replay(capsys, daemon.state_dir, redis_server.url, "--file", str(newer), "--dry-run")
    assert (code, err) == (0, "")
    # A file holding exactly what waits hides nothing.
    export = tmp_path / "export.jsonl"
    replay(capsys, daemon.state_dir, redis_server.url, "--export", str(export))
    code, _, err = replay(capsys, daemon.state_dir, redis_server.url, "--file", str(export))
    assert (code, err) == (0, "")


@pytest.mark.parametrize("kind", ["/dev/zero", "fifo", "directory"])
def test_a_file_that_is_not_a_regular_file_is_refused_at_once(capsys, tmp_path, kind):
    """/dev/zero never ends (read whole, it took 9 GB in 20 s) and a FIFO waits for a writer: both are
    refused before a byte is read, naming what the path is and ``-`` for standard input."""
    if kind == "fifo":
        path = tmp_path / "pipe"
        os.mkfifo(path)
    elif kind == "directory":
        path = tmp_path / "dir"
        path.mkdir()
    else:
        path = kind
    code, out, err = replay(capsys, tmp_path / "state", unreachable_url(), "--file", str(path))
    assert code == 1, (out, err)
    assert f"cannot read {path}: it is" in err and "- to read them from standard input" in err, err


def test_a_line_longer_than_any_envelope_is_skipped_unheld_and_the_next_is_read(monkeypatch):
    """A line past the limit is one bad line, read past in chunks (never held whole); the lines after it count."""
    held: list[int] = []

    class Watched(io.BytesIO):
        def readline(self, size=-1):
            line = super().readline(size)
            held.append(len(line))
            return line

    good = json.dumps(envelope("a", 1)).encode()
    data = good + b"\n" + b"x" * (5 << 20) + b"\n" + good.replace(b'"seq": 1', b'"seq": 2') + b"\n"
    parsed = lines.parse_lines(lines.bounded_lines(Watched(data), limit=1 << 20))
    assert [e.seq for e in parsed.events] == [1, 2]
    assert parsed.lines == [1, 3]
    assert [(b.line, "longer than" in b.error) for b in parsed.bad] == [(2, True)]
    assert max(held) <= (1 << 20) + 1, max(held)


def test_a_file_of_many_bad_lines_counts_them_all_and_names_the_first_thousand(capsys, tmp_path):
    """Each bad line was kept for --json: a file of nothing else was held in memory line by line."""
    path = tmp_path / "in.jsonl"
    path.write_text("not json\n" * 5000 + json.dumps(envelope("a", 1)) + "\n")
    code, out, err = replay(capsys, tmp_path / "state", unreachable_url(), "--file", str(path), "--dry-run")
    assert code == 0 and "1 envelope read, 5,000 bad lines skipped" in out, out
    assert "... and 4980 more bad lines (--json lists the first 1,000)" in err, err
    code, out, _ = replay(capsys, tmp_path / "state", unreachable_url(), "--file", str(path), "--dry-run", "--json")
    report = json.loads(out)
    assert report["bad"] == 5000 and len(report["bad_lines"]) == lines.BAD_LINES_KEPT
    assert report["bad_lines"][-1]["line"] == lines.BAD_LINES_KEPT
