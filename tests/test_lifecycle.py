"""The daemon's life as real processes: start, refuse to double-start, stop, survive Redis outages."""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hookd.spool.inspect import waiting_events

from conftest import REPO, RedisServer, free_port, log_records, stream_entries, wait_for_entries, wait_until

PASSWORD = "s3cret-pw"
TRIES_FOR_S = 40
STOP_WAIT_S = 30


def log_events(daemon) -> list[str]:
    return [r.get("event", "") for r in log_records(daemon.log_text())]


def body(n: int | str) -> bytes:
    return json.dumps({"hook_event_name": "Stop", "session_id": f"s{n}"}).encode()


def sessions(client) -> list[str]:
    return [f[b"session"].decode() for f in stream_entries(client)]


def send_ok(daemon, payload: bytes) -> None:
    result = daemon.send(payload)
    assert (result.returncode, result.stdout, result.stderr) == (0, b"", b"")


def raw_frames(daemon, payloads: list[bytes]) -> list[bytes]:
    """Send framed events on one connection; the daemon's reply lines."""
    data = b"".join(b"HOOKD/1 %d\n" % len(p) + p for p in payloads)
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(10)
        s.connect(str(daemon.socket))
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
        reply = s.makefile("rb").read()
    return reply.splitlines()


def hookd_command(*args: str, env: dict[str, str], **kwargs) -> subprocess.CompletedProcess:
    script = Path(sys.executable).parent / "hookd"
    argv = [str(script)] if script.exists() else [sys.executable, "-m", "hookd"]
    return subprocess.run([*argv, *args], env=env, capture_output=True, timeout=30, cwd=REPO, **kwargs)


# ---------------------------------------------------------------- the socket


def test_socket_is_owner_only_in_a_private_directory(hookd):
    assert stat.S_ISSOCK(os.lstat(hookd.socket).st_mode)
    assert stat.S_IMODE(os.lstat(hookd.socket).st_mode) == 0o600
    assert stat.S_IMODE(os.lstat(hookd.socket.parent).st_mode) == 0o700
    assert stat.S_IMODE(os.lstat(hookd.state_dir).st_mode) == 0o700


@pytest.mark.process
def test_stale_socket_of_a_killed_daemon_is_replaced(hookd_factory, redis_db):
    daemon = hookd_factory()
    send_ok(daemon, body(1))
    daemon.proc.kill()
    daemon.proc.wait()
    daemon.log.close()
    assert stat.S_ISSOCK(os.lstat(daemon.socket).st_mode), "SIGKILL leaves the socket file behind"
    with socket.socket(socket.AF_UNIX) as s, pytest.raises(ConnectionRefusedError):
        s.connect(str(daemon.socket))

    daemon.start()
    assert "stale_socket_removed" in log_events(daemon)
    send_ok(daemon, body(2))
    send_ok(daemon, body(3))
    wait_for_entries(redis_db, 3)
    assert sessions(redis_db) == ["s1", "s2", "s3"]
    assert daemon.inbox() == []


@pytest.mark.process
def test_a_running_daemon_records_what_redis_has_so_a_kill_resends_nothing(hookd_factory, redis_db):
    daemon = hookd_factory()
    for n in range(5):
        send_ok(daemon, body(n))
    wait_for_entries(redis_db, 5)
    spool = str(daemon.state_dir / "spool")
    # the cursor file follows the publisher while hookd runs, not only when it stops
    wait_until(lambda: not list(waiting_events(spool)), what="the spool's cursor file to pass the 5 events")
    daemon.proc.kill()
    daemon.proc.wait()
    daemon.log.close()
    daemon.start()
    send_ok(daemon, body(5))
    wait_for_entries(redis_db, 6)
    status = json.loads(hookd_command("status", "--json", env=daemon.env).stdout)
    assert status["counters"]["deduplicated"] == 0, "events Redis had were sent again"
    assert sessions(redis_db) == [f"s{n}" for n in range(6)]


@pytest.mark.process
def test_second_daemon_on_the_same_socket_refuses_and_leaves_the_first_alone(hookd_factory, redis_db):
    first = hookd_factory()
    inode = os.lstat(first.socket).st_ino
    second = hookd_factory(start=False)  # its own state directory
    env = {**second.env, "HOOKD_SOCKET": str(first.socket)}
    result = hookd_command("run", env=env)
    assert result.returncode != 0
    # The control socket beside it, bound first (hookd/daemon/first_socket.py), is the one found served.
    control = str(first.socket.parent / "control.sock").encode()
    assert b"already" in result.stderr and control in result.stderr, result.stderr
    assert os.lstat(first.socket).st_ino == inode, "the live socket must not be removed or replaced"
    send_ok(first, body(1))
    wait_for_entries(redis_db, 1)
    assert first.proc.poll() is None


def test_second_daemon_with_the_same_state_dir_refuses(hookd_factory, redis_db):
    first = hookd_factory()
    second = hookd_factory(start=False)  # its own socket
    env = {**second.env, "HOOKD_STATE_DIR": str(first.state_dir)}
    result = hookd_command("run", env=env)
    assert result.returncode != 0
    assert str(first.state_dir).encode() in result.stderr, result.stderr
    assert not second.socket.exists()
    send_ok(first, body(1))
    wait_for_entries(redis_db, 1)


# ---------------------------------------------------------------- stopping


@pytest.mark.process
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_stops_cleanly_after_publishing_what_was_accepted(hookd_factory, tmp_path, sig):
    # Redis holds the publisher's first batch (CLIENT PAUSE) so that the signal surely comes
    # while accepted events are still unpublished, and while the publisher waits for a reply.
    server = RedisServer(tmp_path / "paused-redis")
    server.start()
    client = server.client()
    try:
        daemon = hookd_factory(redis_url=server.url)
        client.execute_command("CLIENT", "PAUSE", "700", "WRITE")
        replies = raw_frames(daemon, [body(i) for i in range(50)])
        assert len(replies) == 50 and all(r.startswith(b"OK ") for r in replies)
        wait_until(
            lambda: any(c.get("name") == "hookd" and "b" in c.get("flags", "") for c in client.client_list()),
            what="the publisher to wait on the paused Redis",
        )
        assert client.xlen("hookd:events") == 0

        assert daemon.stop(sig) == 0
        assert not daemon.socket.exists()
        assert sessions(client) == [f"s{i}" for i in range(50)]
        events = log_events(daemon)
        assert "signal_received" in events and events[-1] == "hookd_stopped"
        assert log_records(daemon.log_text())[-1]["spooled"] == 0
    finally:
        client.close()
        server.stop()


def test_signal_when_idle_stops_at_once(hookd_factory, redis_db):
    daemon = hookd_factory()
    send_ok(daemon, body(1))
    wait_for_entries(redis_db, 1)
    assert daemon.stop(signal.SIGTERM) == 0
    assert not daemon.socket.exists()
    assert not (daemon.state_dir / "inbox").exists() or daemon.inbox() == []


@pytest.mark.process
def test_signal_while_the_publisher_is_sending_exits_within_the_drain_timeout(hookd_factory, redis_db):
    # The race needs the signal to land just as a batch has been written to Redis: many small
    # batches keep the publisher writing, and the race is usually hit at the first try. Each try
    # starts a hookd: on a loaded machine twelve overran pytest's timeout, so after three the tries
    # stop once TRIES_FOR_S have passed. A lost cancellation hangs hookd for good: the wait for its
    # exit is generous, as a loaded machine's stop takes seconds beyond drain_timeout_s.
    began = time.monotonic()
    for trial in range(12):
        if trial >= 3 and time.monotonic() - began > TRIES_FOR_S:
            break
        daemon = hookd_factory(drain_timeout_s="1", batch_max_events="5")
        replies = raw_frames(daemon, [body(f"{trial}-{i}") for i in range(500)])
        assert all(r.startswith(b"OK ") for r in replies)
        daemon.proc.send_signal(signal.SIGTERM)
        try:
            code = daemon.proc.wait(STOP_WAIT_S)
        except subprocess.TimeoutExpired:
            pytest.fail(f"hookd still runs {STOP_WAIT_S} s after SIGTERM with drain_timeout_s=1 (try {trial + 1})")
        finally:
            daemon.log.close()
        assert code == 0


def test_events_sent_while_stopped_wait_in_the_inbox(hookd_factory, redis_db):
    daemon = hookd_factory()
    send_ok(daemon, body(1))
    wait_for_entries(redis_db, 1)
    assert daemon.stop() == 0

    send_ok(daemon, body(2))
    send_ok(daemon, body(3))
    files = daemon.inbox()
    assert len(files) == 2
    contents = sorted(f.read_bytes() for f in files)
    assert all(c.startswith(b"HOOKD/1 ") for c in contents)
    assert sorted(c.partition(b"\n")[2] for c in contents) == [body(2), body(3)]
    assert all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in files)

    daemon.start()
    send_ok(daemon, body(4))
    wait_until(lambda: "s4" in sessions(redis_db), what="the event sent after the restart")
    assert sessions(redis_db)[0] == "s1"


# ---------------------------------------------------------------- Redis


def test_redis_down_at_start_events_are_accepted_and_arrive_when_it_comes_up(hookd_factory, tmp_path):
    port = free_port()
    url = f"redis://127.0.0.1:{port}/0"
    daemon = hookd_factory(redis_url=url)
    for i in range(5):
        send_ok(daemon, body(i))
    assert daemon.inbox() == [], "the daemon took the events while Redis was down"

    def refused_logged():
        return any(
            r.get("event") == "redis_down" and "refused the connection" in r["error"] and url in r["error"]
            for r in log_records(daemon.log_text())
        )

    wait_until(refused_logged, what="a log line saying Redis refused the connection")

    server = RedisServer(tmp_path / "late-redis")
    server.port, server.url = port, url
    server.start()
    try:
        client = server.client()
        wait_for_entries(client, 5)
        send_ok(daemon, body("last"))  # once this is in, any repeat of earlier batches would be too
        wait_for_entries(client, 6)
        assert sessions(client) == [f"s{i}" for i in range(5)] + ["slast"]
        seqs = [int(f[b"seq"]) for f in stream_entries(client)]
        assert seqs == sorted(seqs) and len(set(seqs)) == 6
        client.close()
    finally:
        daemon.stop()
        server.stop()


@pytest.mark.parametrize("where", ["nothing_listening", "wrong_credentials"])
def test_redis_password_is_never_logged_or_printed(hookd_factory, redis_server, redis_db, where):
    port = free_port() if where == "nothing_listening" else redis_server.port
    url = f"redis://user:{PASSWORD}@127.0.0.1:{port}/0"
    daemon = hookd_factory(redis_url=url)
    send_ok(daemon, body(1))
    wait_until(
        lambda: sum(r.get("event") == "redis_down" for r in log_records(daemon.log_text())) >= 1,
        what="a log line about Redis being down",
    )

    for args in (["config"], ["config", "--json"], ["config", "--redis-url", url]):
        result = hookd_command(*args, env=daemon.env)
        assert result.returncode == 0, result.stderr
        assert PASSWORD.encode() not in result.stdout + result.stderr
        assert b"user:****@127.0.0.1" in result.stdout
    assert daemon.stop() == 0
    log = daemon.log_text()
    assert "user:****@" in log
    assert PASSWORD not in log


# ---------------------------------------------------------------- the hook command


def client_of(argv: list[str]) -> Path:
    """The client file a hook command runs: a script argument, or the directory a -c adds to sys.path."""
    if argv[3] == "-c":
        dirs = [Path(d) for d in re.findall(r"[\"'](/[^\"']+)[\"']", argv[4])]
        clients = [d / "hook_send.py" for d in dirs if (d / "hook_send.py").is_file()]
        assert clients, f"no client directory in {argv[4]!r}"
        return clients[0]
    return Path(argv[3])


def test_print_hook_command_prints_a_fast_command_that_delivers(hookd, redis_db):
    result = hookd_command("print-hook-command", env={**hookd.env, "HOOKD_HOOK_CLIENT": "python"})
    assert result.returncode == 0 and result.stderr == b""
    command = shlex.split(result.stdout.decode())
    # The daemon's paths are not hook-send's defaults: the command carries them.
    assert command[0] == "env" and command[1:3] == [
        f"HOOKD_STATE_DIR={hookd.env['HOOKD_STATE_DIR']}",
        f"HOOKD_SOCKET={hookd.env['HOOKD_SOCKET']}",
    ]
    argv = command[3:]
    assert os.path.isabs(argv[0]) and os.access(argv[0], os.X_OK)
    assert argv[1:3] == ["-I", "-S"]
    client = client_of(argv)
    assert client.is_absolute() and client.is_file()

    payload = b'{"hook_event_name": "Notification", "session_id": "via-hook-command"}'
    # Run as Claude Code would, from an environment that knows nothing of hookd's paths.
    bare = {k: v for k, v in hookd.env.items() if k not in ("HOOKD_SOCKET", "HOOKD_STATE_DIR")}
    run = subprocess.run(command, input=payload, env=bare, capture_output=True, timeout=30)
    assert (run.returncode, run.stdout, run.stderr) == (0, b"", b"")
    (fields,) = wait_for_entries(redis_db, 1)
    assert json.loads(fields[b"envelope"])["payload"] == json.loads(payload)
    assert hookd.inbox() == []


def test_print_hook_command_with_an_event_name_passes_it_on(hookd, redis_db):
    result = hookd_command("print-hook-command", "SessionStart", "--hook-client", "python", env=hookd.env)
    argv = shlex.split(result.stdout.decode())
    assert argv[4:6] == ["-I", "-S"] and argv[-1] == "SessionStart"
    run = subprocess.run(argv, input=b'{"session_id": "no-name"}', env=hookd.env, capture_output=True, timeout=30)
    assert (run.returncode, run.stdout, run.stderr) == (0, b"", b"")
    (fields,) = wait_for_entries(redis_db, 1)
    assert fields[b"hook"] == b"SessionStart"
