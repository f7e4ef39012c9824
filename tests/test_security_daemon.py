"""hookd against a second local user (uid 65534) and planted links: what it refuses, and what stays untouched.

Each refusal stops `hookd run` with exit 1 and one line naming the path and the
fix; each planted link's target keeps its bytes and its mode. Connections from
another uid on the event and control sockets are closed unread and counted.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from conftest import free_port, log_records, wait_for_entries, wait_until
from hookd.control.client import CannotTell, request
from hookd.hooks import settings as settings_file
from hookd.hooks import settings_write
from other_user import NOBODY, NobodyListener, make_dir_as_nobody, needs_root, run_as_nobody

VICTIM_TEXT = b"precious: never written by hookd\n"
MARKER = "planted-7c1e"
WRITES = 200  # settings writes raced by the watcher; the old copy-then-chmod lost 1 to 234 of 60


@pytest.fixture
def victim(tmp_path):
    """A file hookd must never write, truncate or read through a link (mode 0644, like ~/.bashrc)."""
    path = tmp_path / "victim"
    path.write_bytes(VICTIM_TEXT)
    path.chmod(0o644)
    return path


@pytest.fixture
def request_cleanup():
    paths: list[Path] = []
    yield paths
    for path in paths:
        shutil.rmtree(path, ignore_errors=True)


def untouched(path: Path) -> bool:
    return path.read_bytes() == VICTIM_TEXT and stat.S_IMODE(path.stat().st_mode) == 0o644


def refused_start(daemon) -> str:
    """Start hookd, which must refuse: its exit status 1, its one-line message."""
    daemon.start(wait=False)
    assert daemon.proc.wait(30) == 1, daemon.log_text()
    daemon.log.close()
    lines = [line for line in daemon.log_text().splitlines() if line.startswith("hookd: ")]
    assert len(lines) == 1, daemon.log_text()
    return lines[0]


def frame(body: bytes) -> bytes:
    return b"HOOKD/1 %d sent=1 pid=1 ppid=1 id=00ff00ff00ff00ff\n%s" % (len(body), body)


# ---------------------------------------------------------------- directories


@pytest.mark.process
@needs_root
def test_a_state_directory_made_by_another_user_is_refused(hookd_factory):
    squatted = make_dir_as_nobody(tempfile.mktemp(prefix="hkst", dir="/tmp"), 0o755)
    try:
        daemon = hookd_factory(start=False, state_dir=squatted)
        line = refused_start(daemon)
    finally:
        shutil.rmtree(squatted, ignore_errors=True)
    assert line.startswith(f"hookd: {squatted} belongs to uid {NOBODY}, not to you (uid 0)")
    assert "remove it" in line


@pytest.mark.process
@needs_root
def test_a_socket_directory_made_by_another_user_is_refused(hookd_factory):
    squatted = make_dir_as_nobody(tempfile.mktemp(prefix="hksk", dir="/tmp"), 0o777)
    try:
        daemon = hookd_factory(start=False, socket=f"{squatted}/hookd.sock")
        line = refused_start(daemon)
        assert os.listdir(squatted) == []
    finally:
        shutil.rmtree(squatted, ignore_errors=True)
    assert line.startswith(f"hookd: {squatted} belongs to uid {NOBODY}")


@pytest.mark.process
@needs_root
def test_a_state_directory_inside_another_users_directory_is_refused(hookd_factory):
    parent = make_dir_as_nobody(tempfile.mktemp(prefix="hkpa", dir="/tmp"), 0o755)
    try:
        state = os.path.join(parent, "state")
        os.mkdir(state, 0o700)  # ours, private, but nobody can rename it and put another in place
        line = refused_start(hookd_factory(start=False, state_dir=state))
    finally:
        shutil.rmtree(parent, ignore_errors=True)
    assert line.startswith(f"hookd: {state} is inside {parent} (owner uid {NOBODY}, mode 0755)")


@pytest.mark.process
def test_a_state_directory_others_can_write_is_refused_with_the_fix(hookd_factory):
    daemon = hookd_factory(start=False)
    daemon.state_dir.mkdir(mode=0o700)
    daemon.state_dir.chmod(0o777)
    line = refused_start(daemon)
    assert line.startswith(f"hookd: {daemon.state_dir} is writable by other users")
    assert f"chmod 700 {daemon.state_dir}" in line
    assert list(daemon.state_dir.iterdir()) == []


@pytest.mark.process
def test_a_state_directory_that_is_a_link_is_refused(hookd_factory, tmp_path):
    daemon = hookd_factory(start=False)
    real = tmp_path / "real-state"
    real.mkdir(mode=0o700)
    daemon.state_dir.symlink_to(real)
    line = refused_start(daemon)
    assert line.startswith(f"hookd: {daemon.state_dir} is a symbolic link")
    assert list(real.iterdir()) == []


def test_our_own_readable_state_directory_is_tightened_and_served(hookd_factory):
    daemon = hookd_factory(start=False)
    daemon.state_dir.mkdir(mode=0o700)
    daemon.state_dir.chmod(0o755)
    daemon.start()
    assert stat.S_IMODE(daemon.state_dir.stat().st_mode) == 0o700
    assert daemon.stop() == 0


# ---------------------------------------------------------------- planted links


REFUSED_LINKS = [
    "hookd.lock",
    "sequence",
    "sequence.instance",
    "spool/cursor",
    "spool/00000000000000000001.seg",
    "inbox",
    "spool",
    "http.token",
]


@pytest.mark.process
@pytest.mark.parametrize("name", REFUSED_LINKS)
def test_a_link_planted_where_hookd_keeps_a_file_stops_the_start_and_its_target_is_untouched(
    hookd_factory, victim, tmp_path, name
):
    settings = {"http_addr": f"127.0.0.1:{free_port()}"} if name == "http.token" else {}
    daemon = hookd_factory(start=False, **settings)
    (daemon.state_dir / "spool").mkdir(parents=True, mode=0o700)
    daemon.state_dir.chmod(0o700)
    link = daemon.state_dir / name
    if link.exists():
        link.rmdir()
    target = victim
    if name in ("inbox", "spool"):  # a directory: a link to one of someone else's
        target = tmp_path / "elsewhere"
        target.mkdir(mode=0o700)
    link.symlink_to(target)
    line = refused_start(daemon)
    assert line.startswith(f"hookd: {link}"), line
    assert "symbolic link" in line and "remove it" in line
    if target == victim:
        assert untouched(victim)
    else:
        assert list(target.iterdir()) == []


@pytest.mark.parametrize("name", ["sequence.tmp", "spool/cursor.tmp"])
def test_a_link_at_a_temporary_name_is_removed_never_written_through(hookd_factory, redis_db, victim, name):
    daemon = hookd_factory(start=False)
    (daemon.state_dir / "spool").mkdir(parents=True, mode=0o700)
    daemon.state_dir.chmod(0o700)
    (daemon.state_dir / name).symlink_to(victim)
    daemon.start()
    assert daemon.send(b'{"hook_event_name": "Stop", "session_id": "s"}').returncode == 0
    wait_for_entries(redis_db, 1)
    assert daemon.stop() == 0
    assert untouched(victim)
    assert not (daemon.state_dir / name).is_symlink()
    for kept in ("sequence", "spool/cursor"):
        assert stat.S_IMODE((daemon.state_dir / kept).stat().st_mode) == 0o600, kept


def test_a_link_at_the_scanner_cache_is_replaced_never_written_through(hookd_factory, victim, tmp_path, monkeypatch):
    # Nothing shipped beside the code: the daemon keeps its databases in its state directory
    # (a shipped one it reads from where it is: tests/test_scanner_shipped.py).
    from hookd.redact import scanner_cache

    (tmp_path / "shipped").mkdir()
    monkeypatch.setattr(scanner_cache, "SHIPPED_DIR", str(tmp_path / "shipped"))
    daemon = hookd_factory()
    assert daemon.stop() == 0
    (cache,) = daemon.state_dir.glob("redact-scanner-*.hsdb")
    cache.unlink()
    cache.symlink_to(victim)
    daemon.start()
    assert daemon.stop() == 0
    assert untouched(victim)
    assert cache.is_file() and not cache.is_symlink()
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600


def test_a_link_in_the_inbox_is_set_aside_and_its_target_never_published(hookd_factory, redis_db, tmp_path):
    secret = tmp_path / "secret-frame"
    secret.write_bytes(frame(json.dumps({"hook_event_name": "Stop", "session_id": MARKER}).encode()))
    daemon = hookd_factory(start=False)
    inbox = daemon.state_dir / "inbox"
    inbox.mkdir(parents=True, mode=0o700)
    daemon.state_dir.chmod(0o700)
    planted = inbox / "00000000000000000001-1-00ff00ff00ff00ff.hookd"
    planted.symlink_to(secret)
    daemon.start()
    assert daemon.send(b'{"hook_event_name": "Stop", "session_id": "real"}').returncode == 0
    wait_for_entries(redis_db, 1)
    wait_until(lambda: not planted.is_symlink(), what="the planted link set aside")
    assert daemon.stop() == 0
    entries = redis_db.xrange("hookd:events")
    assert len(entries) == 1 and MARKER.encode() not in repr(entries).encode()
    assert (inbox / "rejected" / planted.name).is_symlink()
    assert secret.read_bytes().startswith(b"HOOKD/1")


def test_every_file_hookd_creates_is_0600_and_every_directory_0700(hookd_factory, redis_db):
    daemon = hookd_factory(http_addr=f"127.0.0.1:{free_port()}")
    assert daemon.send(b'{"hook_event_name": "Stop", "session_id": "s"}').returncode == 0
    wait_for_entries(redis_db, 1)
    time.sleep(0.5)  # the cursor is written a few times a second
    assert daemon.stop() == 0
    seen = []
    for root in (daemon.state_dir, daemon.socket.parent):
        for path in [root, *root.rglob("*")]:
            mode = stat.S_IMODE(path.lstat().st_mode)
            seen.append(path.name)
            assert mode == (0o700 if path.is_dir() else 0o600), (path, oct(mode))
    for name in ("hookd.lock", "sequence", "sequence.instance", "cursor", "http.token", "inbox"):
        assert name in seen


# ---------------------------------------------------------------- peers


def _connect_and_send(path: str, data: bytes, times: int) -> list[str]:
    answers = []
    for _ in range(times):
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(5)
            s.connect(path)
            try:
                s.sendall(data)
                s.shutdown(socket.SHUT_WR)
                answers.append(b"".join(iter(lambda: s.recv(65536), b"")).decode("latin-1"))
            except OSError as exc:  # reset: the daemon closed without reading
                answers.append(f"{type(exc).__name__}")
    return answers


def _open_to_everyone(daemon) -> None:
    """Undo the sockets' protection, as a loose SocketMode or a chmod-ed directory would."""
    daemon.socket.parent.chmod(0o711)
    daemon.socket.chmod(0o777)
    (daemon.socket.parent / "control.sock").chmod(0o777)


def _status(daemon) -> dict:
    return request(str(daemon.socket.parent / "control.sock"), "status")


@needs_root
def test_another_users_connections_are_closed_unread_counted_and_logged_once(hookd, redis_db):
    _open_to_everyone(hookd)
    body = json.dumps({"hook_event_name": "Stop", "session_id": MARKER}).encode()
    answers = run_as_nobody(_connect_and_send, str(hookd.socket), frame(body), 25)
    assert all("OK" not in a and "ERR" not in a for a in answers), answers
    control = run_as_nobody(_connect_and_send, str(hookd.socket.parent / "control.sock"), b"status\n", 5)
    assert all("{" not in a for a in control), control
    status = _status(hookd)  # the owner is still answered
    assert status["counters"]["refused_peers"] == {"events": 25, "control": 5}
    assert status["counters"]["received"] == 0
    shown = subprocess.run(
        [sys.executable, "-m", "hookd", "status"], env=hookd.env, capture_output=True, text=True, timeout=30
    ).stdout
    assert "control socket 5, events socket 25" in shown, shown
    assert hookd.send(b'{"hook_event_name": "Stop", "session_id": "owner"}').returncode == 0
    (fields,) = wait_for_entries(redis_db, 1)
    assert fields[b"session"] == b"owner"
    lines = [r for r in log_records(hookd.log_text()) if r.get("event") == "peer_refused"]
    assert [(r["socket"], r["peer_uid"], r["refused"]) for r in lines] == [
        ("events", NOBODY, 1),
        ("control", NOBODY, 1),
    ]


@needs_root
def test_hookd_status_believes_only_a_daemon_of_its_own_user(tmp_path):
    squatter = NobodyListener(tempfile.mktemp(prefix="hkcs", dir="/tmp"), name="control.sock")
    ours = tmp_path / "run"
    ours.mkdir(mode=0o700)
    path = ours / "control.sock"
    os.rename(squatter.path, path)
    try:
        with pytest.raises(CannotTell, match=f"runs as uid {NOBODY}, not as you"):
            request(str(path), "status")
    finally:
        got = squatter.report()
        shutil.rmtree(os.path.dirname(squatter.path), ignore_errors=True)
    assert got["connections"] == 1 and got["bytes"] == 0


# ---------------------------------------------------------------- settings backups


def _watch_for_backups(directory: str, stop_file: str) -> dict:
    """As another user: open every backup file the moment it appears; count what could be read."""
    seen, read = set(), 0
    deadline = time.monotonic() + 60
    while not os.path.exists(stop_file) and time.monotonic() < deadline:
        for name in os.listdir(directory):
            if ".hookd-backup-" in name:
                seen.add(name)
                try:
                    with open(os.path.join(directory, name), "rb") as fh:
                        fh.read()
                    read += 1
                except OSError:
                    pass
    return {"seen": len(seen), "read": read}


@needs_root
def test_a_settings_backup_is_never_readable_by_another_user_not_even_for_a_moment(tmp_path, request_cleanup):
    shared = Path(tempfile.mkdtemp(prefix="hkbk", dir="/tmp"))
    request_cleanup.append(shared)
    project = shared / "project" / ".claude"
    project.mkdir(parents=True)
    for d in (shared, project.parent, project):
        d.chmod(0o755)  # another user may list the project, as in a shared checkout
    path = project / "settings.json"
    path.write_text('{"env": {"ANTHROPIC_API_KEY": "sk-ant-secret"}}\n')
    path.chmod(0o600)
    stop_file = str(shared / "stop")  # where the watcher can see it
    result = {}
    watcher = threading.Thread(target=lambda: result.update(run_as_nobody(_watch_for_backups, str(project), stop_file)))
    old_umask = os.umask(0o022)  # the usual one: a file made with it is readable by all
    watcher.start()
    try:
        time.sleep(0.3)
        for n in range(WRITES):
            settings_write.write(
                settings_file.load(str(path)),
                '{"env": {"ANTHROPIC_API_KEY": "sk-ant-secret"}, "n": %d}\n' % n,
                str(tmp_path / "state"),
            )
    finally:
        os.umask(old_umask)
        Path(stop_file).touch()
        watcher.join(70)
    backups = list(project.glob("settings.json.hookd-backup-*"))
    assert len(backups) == WRITES
    assert all(stat.S_IMODE(b.stat().st_mode) == 0o600 for b in backups)
    assert result["seen"] > 0, "the watcher must have seen backups for the test to mean anything"
    assert result["read"] == 0


# ---------------------------------------------------------------- the helpers, on their own


def test_replace_private_never_writes_through_a_link_at_either_name(tmp_path, victim):
    from hookd.paths import replace_private

    (tmp_path / "cursor.tmp").symlink_to(victim)
    (tmp_path / "cursor").symlink_to(victim)
    replace_private(str(tmp_path / "cursor"), b"1 2\n")
    assert untouched(victim)
    assert (tmp_path / "cursor").read_bytes() == b"1 2\n" and not (tmp_path / "cursor").is_symlink()
    assert stat.S_IMODE((tmp_path / "cursor").stat().st_mode) == 0o600
    assert not (tmp_path / "cursor.tmp").exists()


@needs_root
def test_open_private_refuses_a_link_and_another_users_file(tmp_path, victim):
    from hookd.paths import UnsafePathError, open_private

    (tmp_path / "link").symlink_to(victim)
    with pytest.raises(UnsafePathError, match="link is a symbolic link"):
        open_private(str(tmp_path / "link"), os.O_RDWR, create=True)
    theirs = tmp_path / "theirs"
    theirs.write_bytes(b"x")
    os.chown(theirs, NOBODY, NOBODY)
    with pytest.raises(UnsafePathError, match=f"belongs to uid {NOBODY}"):
        open_private(str(theirs))
    assert untouched(victim)


def test_a_directory_under_a_file_is_refused_with_a_message_not_a_traceback(tmp_path):
    from hookd.paths import UnsafePathError, ensure_private_dir

    (tmp_path / "file").write_bytes(b"")
    with pytest.raises(UnsafePathError, match="cannot create the directory .*: Not a directory"):
        ensure_private_dir(str(tmp_path / "file" / "state"))


def test_the_default_socket_is_in_the_state_directory_and_hook_send_finds_it(hookd_factory, redis_db):
    daemon = hookd_factory(start=False)
    for name in ("HOOKD_SOCKET", "XDG_RUNTIME_DIR"):
        daemon.env.pop(name, None)
    daemon.socket = daemon.state_dir / "run" / "hookd.sock"
    daemon.start()
    assert stat.S_IMODE((daemon.state_dir / "run").stat().st_mode) == 0o700
    assert stat.S_IMODE(daemon.socket.lstat().st_mode) == 0o600
    proc = daemon.send(b'{"hook_event_name": "Stop", "session_id": "found"}')
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, b"", b"")
    (fields,) = wait_for_entries(redis_db, 1)
    assert fields[b"session"] == b"found" and daemon.inbox() == []
    assert daemon.stop() == 0
