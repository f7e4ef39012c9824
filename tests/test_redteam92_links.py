"""The ninety-second red-team pass (docs/security.md): second names (hard links) of the files hookd
takes or writes, and another user's files the commands read.

An inbox frame holds the event as hook-send wrote it, before redaction; another name made of it (an
``ln``, a ``cp -al`` of the state directory) kept the raw event after hookd took it and deleted its
own name. Now the file is emptied as its name goes, if it still has another (inbox_file_linked).
The spool's reserve, written in place, that gains another name is left for a new file
(spool_reserve_linked). `hookd hooks status` read another user's settings file as the user's; it
refuses it now, as the writes do.
"""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from conftest import log_records, wait_for_entries, wait_until
from hookd.cli import main
from hookd.ingest.inbox_files import remove_each, remove_known_copy
from test_redteam84_user_files import NOBODY, finished, project  # noqa: F401 (a fixture)

SECRET = "AKIAIOSFODNN7EXAMPLE"


def body(n: int) -> bytes:
    return json.dumps({"hook_event_name": "PreToolUse", "session_id": f"s{n}", "tool_input": SECRET}).encode()


def test_an_inbox_frame_with_another_name_keeps_no_raw_copy_once_taken(hookd_factory, redis_db):
    daemon = hookd_factory(start=False)
    for n in range(2):
        daemon.send(body(n))
    first, second = daemon.inbox()
    copy = daemon.base / "copy.hookd"
    os.link(first, copy)
    assert SECRET.encode() in copy.read_bytes()
    daemon.start()
    entries = wait_for_entries(redis_db, 2)
    wait_until(lambda: daemon.inbox() == [], timeout=60, what="the inbox files deleted")
    assert all(SECRET.encode() not in entry[b"envelope"] for entry in entries)
    assert copy.read_bytes() == b"", "the other name kept the unredacted event"
    lines = [r for r in log_records(daemon.log_text()) if r.get("event") == "inbox_file_linked"]
    assert [(r["file"], r["names"], r["total"]) for r in lines] == [(str(first), 1, 1)]


def test_every_inbox_removal_empties_a_file_that_keeps_another_name(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir(mode=0o700)
    frames = {name: inbox / name for name in ("a.hookd", "b.hookd", "c.hookd")}
    for path in frames.values():
        path.write_bytes(b"HOOKD/1 20\n" + SECRET.encode())
    os.link(frames["a.hookd"], tmp_path / "a-copy")
    os.link(frames["c.hookd"], tmp_path / "c-copy")
    fd = os.open(inbox, os.O_RDONLY | os.O_DIRECTORY)
    try:
        failed, linked = remove_each([(str(frames["a.hookd"]), fd), (str(frames["b.hookd"]), fd)])
        told: list[tuple[str, int]] = []
        # An abandoned copy of an event hookd has (inbox_abandoned.py): removed through the same call.
        frames["c.hookd"].write_bytes(b"HOOKD/1 20 sent=1 pid=1 id=c000000000000001\n" + SECRET.encode())
        assert remove_known_copy(str(frames["c.hookd"]), fd, lambda _id: True, lambda *a: told.append(a))
    finally:
        os.close(fd)
    assert (failed, linked) == ([], [(str(frames["a.hookd"]), 1)])
    assert told == [(str(frames["c.hookd"]), 1)]
    assert list(inbox.iterdir()) == []
    assert (tmp_path / "a-copy").read_bytes() == b"" and (tmp_path / "c-copy").read_bytes() == b""


def test_a_reserve_that_gains_another_name_is_left_for_a_new_file(tmp_path):
    from structlog.testing import capture_logs

    from hookd.spool.reserve import Reserve

    spool = tmp_path / "spool"
    spool.mkdir(mode=0o700)
    fd = os.open(spool, os.O_RDONLY | os.O_DIRECTORY)
    target = 1 << 20
    reserve = Reserve(str(spool), target, fd)
    try:
        copy = tmp_path / "copy"
        os.link(spool / "reserve", copy)
        with capture_logs() as logs:
            assert reserve.release(4096)  # a full disk met by a spool write
            reserve.refill()
        assert (copy.stat().st_size, copy.stat().st_blocks) == (0, 0), "the other name holds the reserve's space"
        assert (spool / "reserve").stat().st_nlink == 1 and reserve.size == target
        assert os.fstat(reserve._fd).st_ino == (spool / "reserve").stat().st_ino
        assert [(e["path"], e["renewed"]) for e in logs if e["event"] == "spool_reserve_linked"] == [
            (str(spool / "reserve"), True)
        ]
        reserve.close()
        Reserve(str(spool), target, fd).close()  # the next start takes it (it refused a linked one)
    finally:
        reserve.close()
        os.close(fd)


@pytest.mark.skipif(os.geteuid() != 0, reason="makes a file of another uid")
def test_hooks_status_does_not_take_another_users_settings_file(project, capsys):  # noqa: F811
    path = project / ".claude" / "settings.json"
    hooks = {"PreToolUse": [{"hooks": [{"type": "command", "command": "hook-send"}]}]}
    path.write_text(json.dumps({"hooks": hooks}))
    os.chown(path, NOBODY, NOBODY)
    assert main(["hooks", "status", "--scope", "project", "--json"]) == 1
    (found,) = json.loads(capsys.readouterr().out)["files"]
    assert found["path"] == str(path) and "events" not in found, found
    assert f"belongs to uid {NOBODY}, not to you" in found["error"] and f"chown 0 {path}" in found["error"]
    assert path.stat().st_uid == NOBODY


def test_the_fallback_log_file_that_gains_another_name_gets_no_later_lines(tmp_path):
    from hookd.logs import LogSink

    read_end, write_end = os.pipe()
    os.close(read_end)  # stderr broken: lines go to the state directory's file
    sink = LogSink(write_end, str(tmp_path / "state"))
    try:
        sink.write_line("before the link")
        assert sink.flush(2)
        log_file = tmp_path / "state" / "hookd.log"
        os.link(log_file, tmp_path / "copy.log")
        sink.write_line("after the link")
        assert sink.flush(2)
        assert "after the link" not in (tmp_path / "copy.log").read_text()
        assert log_file.stat().st_nlink == 1
        text = log_file.read_text()
        assert "log_file_linked" in text and text.rstrip().endswith("after the link")
    finally:
        os.close(write_end)


def test_hook_sends_missed_mark_with_another_name_is_not_written_through(hookd_process_factory, client_cmd):
    daemon = hookd_process_factory(start=False)  # no socket: hook-send keeps the event and marks the miss
    daemon.state_dir.mkdir(parents=True, exist_ok=True)
    victim = daemon.base / "victim"
    victim.write_bytes(b"a file of the user's, outside the state directory\n" * 20)
    os.link(victim, daemon.state_dir / "hook-send-missed")
    body = json.dumps({"hook_event_name": "Stop", "session_id": "s-linked"}).encode()
    sent = subprocess.run([*client_cmd, "Stop"], input=body, capture_output=True, timeout=60, env=daemon.env)
    assert (sent.returncode, sent.stdout) == (0, b""), sent.stderr
    assert victim.read_bytes() == b"a file of the user's, outside the state directory\n" * 20
    mark = daemon.state_dir / "hook-send-missed"
    assert mark.stat().st_nlink == 1 and str(daemon.socket).encode() in mark.read_bytes()
    assert len(daemon.inbox()) == 1


@pytest.mark.skipif(os.geteuid() != 0, reason="makes a folder of another uid")
def test_service_install_writes_no_unit_in_another_users_folder(project, capsys, monkeypatch):  # noqa: F811
    home = project.parent / "home"
    units = home / ".config" / "systemd" / "user"
    units.mkdir(parents=True)
    for path in (home / ".config", home / ".config" / "systemd", units):
        os.chown(path, NOBODY, NOBODY)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(project.parent))
    assert main(["service", "install", "--files-only", "--manager", "systemd"]) == 1
    err = capsys.readouterr().err
    assert f"{units} belongs to uid {NOBODY}, not to you" in err and "was not written" in err, err
    assert list(units.iterdir()) == []


def test_a_fifo_at_a_shipped_scanner_database_does_not_hold_the_start(tmp_path):
    from hookd.redact.scanner_cache import read_shipped

    shipped = tmp_path / "_scanners"
    shipped.mkdir()
    os.mkfifo(shipped / "redact-x.db")
    assert finished(lambda: read_shipped("redact-x.db", str(shipped)), str(shipped / "redact-x.db")) == {"value": None}
