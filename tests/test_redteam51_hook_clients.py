"""Fifty-first red-team pass: the hook clients (both: client/hook_send.py and client/hook_send.c).

- The inbox fallback opened the state directory twice: once for the inbox write, once again for the
  hook-send-missed mark. Now the mark is written through the directory's fd the inbox write holds.
- A stderr nobody reads (a pipe left full) held the deadline's handler in its write for ever: the
  hook never ended, no deadline being left to end it. The handler's write is now bounded itself.
- HOOKD_SEND_TIMEOUT_MS in other scripts' digits ("\\u0663\\u0660\\u0660") was 300 ms to the Python
  client (int() takes them) and the default 250 to the native one: now the default to both.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import wait_until

STRACE = shutil.which("strace")
BODY = json.dumps({"hook_event_name": "Stop", "session_id": "s-51"}).encode()


def routes(tmp_path: Path) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "HOOKD_STATE_DIR": str(tmp_path / "state"),
        "HOOKD_SOCKET": str(tmp_path / "absent.sock"),
        "HOOKD_SPARE_INBOX": str(tmp_path / "spare"),
    }


@pytest.mark.skipif(STRACE is None, reason="strace counts the client's opens (apt-get install strace)")
def test_the_inbox_fallback_opens_the_state_directory_once(tmp_path, client_cmd):
    env = routes(tmp_path)
    state = env["HOOKD_STATE_DIR"]
    trace = tmp_path / "trace"
    for _ in range(2):  # the second run: the state directory there, the Python client's bytecode cached
        sent = subprocess.run(
            [STRACE, "-f", "-qq", "-e", "trace=open,openat", "-o", str(trace), *client_cmd, "Stop"],
            input=BODY,
            capture_output=True,
            env=env,
            timeout=60,
        )
        assert (sent.returncode, sent.stdout, sent.stderr) == (0, b"", b"")
    opens = [line for line in trace.read_text().splitlines() if f'"{state}"' in line]
    assert len(opens) == 1, opens  # the old clients: the inbox write's open, then the mark's
    assert len(os.listdir(Path(state) / "inbox")) == 2
    mark = (Path(state) / "hook-send-missed").read_text().split("\n")
    assert mark[:2] == [env["HOOKD_SOCKET"], "unreachable (ENOENT)"]


def test_the_mark_goes_with_the_state_inbox_only(tmp_path, client_cmd):
    """The spare inbox keeps the event when the state directory's inbox cannot: no mark is left (there
    is no state directory of ours to leave it in), as before."""
    env = routes(tmp_path)
    Path(env["HOOKD_STATE_DIR"]).mkdir(mode=0o700)
    (Path(env["HOOKD_STATE_DIR"]) / "inbox").write_text("a file where the inbox goes")
    sent = subprocess.run([*client_cmd, "Stop"], input=BODY, capture_output=True, env=env, timeout=60)
    assert (sent.returncode, sent.stdout) == (0, b"")
    assert b"event kept in " + env["HOOKD_SPARE_INBOX"].encode() in sent.stderr, sent.stderr
    assert not (Path(env["HOOKD_STATE_DIR"]) / "hook-send-missed").exists()


def full_pipe() -> tuple[int, int]:
    """A pipe whose buffer is full and that nobody reads -> (read end, write end), the write end blocking."""
    r, w = os.pipe()
    fcntl.fcntl(w, fcntl.F_SETFL, os.O_NONBLOCK)
    try:
        while True:
            os.write(w, b"x" * 4096)
    except BlockingIOError:
        pass
    try:
        while True:
            os.write(w, b"x")
    except BlockingIOError:
        pass
    fcntl.fcntl(w, fcntl.F_SETFL, 0)
    return r, w


@pytest.mark.parametrize("debug", ["0", "1"])
def test_a_full_stderr_does_not_hold_the_deadline(tmp_path, client_cmd, debug):
    """stdin held open: at the deadline the handler has a line to write (part of an event read), to a
    stderr that cannot take it. The old clients stayed in that write for ever."""
    r, w = full_pipe()
    env = {**routes(tmp_path), "HOOKD_SEND_TIMEOUT_MS": "300", "HOOKD_DEBUG": debug}
    proc = subprocess.Popen([*client_cmd, "Stop"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=w, env=env)
    os.close(w)
    try:
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(BODY[:10])
        proc.stdin.flush()
        try:
            code = proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            code = None
        assert code == 0  # None: still in the handler's write, long after its 300 ms deadline
        assert proc.stdout.read() == b""
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for f in (proc.stdin, proc.stdout):
            if f is not None:
                try:
                    f.close()
                except BrokenPipeError:
                    pass
        os.close(r)


@pytest.mark.parametrize(
    ("value", "deadline"),
    [("\u0663\u0660\u0660", 250), ("\u2003300", 250), ("300\u00a0", 250), (" 300\n", 300), ("3_00", 300)],
)
def test_the_deadline_variable_reads_alike_in_both_clients(tmp_path, client_cmd, value, deadline):
    """What each client's deadline line names, stdin held open until it fires."""
    env = {**routes(tmp_path), "HOOKD_SEND_TIMEOUT_MS": value}
    proc = subprocess.Popen(
        [*client_cmd, "Stop"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
    )
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    proc.stdin.write(BODY[:10])
    proc.stdin.flush()
    try:
        code = proc.wait(timeout=30)
        out, err = proc.stdout.read(), proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for f in (proc.stdin, proc.stdout, proc.stderr):
            try:
                f.close()
            except BrokenPipeError:
                pass
    assert (code, out) == (0, b"")
    assert f"(HOOKD_SEND_TIMEOUT_MS={deadline})".encode() in err, err


@pytest.mark.parametrize("case", ["too_large", "HOOKD_STATE_DIR", "HOME"])
def test_a_full_stderr_costs_no_event(tmp_path, client_cmd, case):
    """A line that does not settle the event (the too_large marker's, a relative routing variable's),
    to a stderr that cannot take it. Said while the event was in hand, it held the hand-off until the
    deadline (the event lost), or, in the Python client, said before its deadline was armed, for ever.
    Now said once the event is kept: the event is in the inbox, the run ends by its deadline."""
    env = {**routes(tmp_path), "HOOKD_SEND_TIMEOUT_MS": "300"}
    xdg = tmp_path / "xdg"
    body = BODY
    if case == "too_large":
        env["HOOKD_MAX_EVENT_BYTES"] = "1024"
        body = b'{"hook_event_name":"Stop","x":"' + b"a" * 4000 + b'"}'
    else:  # ignored, as if unset: the state directory is then $XDG_STATE_HOME/hookd
        env.pop("HOOKD_STATE_DIR")
        env[case] = "relative/dir"
        env["XDG_STATE_HOME"] = str(xdg)
    inbox = (Path(env["HOOKD_STATE_DIR"]) if case == "too_large" else xdg / "hookd") / "inbox"
    r, w = full_pipe()
    try:
        sent = subprocess.run([*client_cmd, "Stop"], input=body, stdout=subprocess.PIPE, stderr=w, env=env, timeout=20)
    finally:
        os.close(w)
        os.close(r)
    assert (sent.returncode, sent.stdout) == (0, b"")
    kept = [f for f in os.listdir(inbox) if f.endswith(".hookd")] if inbox.is_dir() else []
    assert len(kept) == 1, kept  # the old clients: none (the native one), or still running at 20 s
    held = (inbox / kept[0]).read_bytes()
    assert (b'"reason":"too_large"' in held) if case == "too_large" else held.endswith(BODY)


@pytest.mark.skipif(STRACE is None, reason="strace holds the client in its start (apt-get install strace)")
def test_sigterm_before_the_handler_is_set_ends_the_run_at_exit_0(tmp_path, client_cmd):
    """SIGTERM between the signals' block and the handler's setting (the client held there by strace, at
    its setrlimit of RLIMIT_CORE, both clients' second prlimit64) found the default disposition: a death
    by SIGTERM, not exit 0. SIGTERM is now held with the rest until the handler is set."""
    env = routes(tmp_path)
    trace = tmp_path / "trace"
    proc = subprocess.Popen(
        [STRACE, "-qq", "-o", str(trace), "-e", "trace=prlimit64", "-e", "inject=prlimit64:delay_enter=3000000:when=2"]
        + [*client_cmd, "Stop"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    try:
        assert proc.stdin is not None
        proc.stdin.write(BODY)
        proc.stdin.close()
        proc.stdin = None  # written and closed: communicate() below only reads
        wait_until(lambda: trace.exists() and "RLIMIT_CORE" in trace.read_text(), timeout=30)
        children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
        assert len(children) == 1, children
        os.kill(int(children[0]), 15)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    # strace ends as its tracee did: by SIGTERM (-15) for the old clients
    assert (proc.returncode, out) == (0, b""), (proc.returncode, err)
    inbox = Path(env["HOOKD_STATE_DIR"]) / "inbox"
    assert not inbox.exists() or not [f for f in os.listdir(inbox) if f.startswith(".tmp-")]
