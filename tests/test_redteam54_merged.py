"""Fifty-fourth red-team pass: today's merged code (h168, h169).

- The lines said once the event is settled (say_later: a relative routing variable ignored, a payload
  over HOOKD_MAX_EVENT_BYTES replaced by its marker) were never said when the run ended before that:
  ended by SIGTERM (Claude Code's hook timeout) while hookd held the event unanswered,
  the run said the event was not acknowledged and nothing of why it went where it did. Now the
  handler says them after its own line, in the same bounded write.
- --help and --version never let SIGTERM in (held since the start until the hook path's handler):
  an answer stuck on a stdout nobody reads ignored it until the deadline.
- merge.commands took whichever walk of a settings file came first, so a check of hookd's command
  hooks said a file held some, or did not, by the order of the checks.
- A SIGTERM inside the Python client's deadline handler ran a second handler inside it, which said an
  event the first had just kept lost.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
from pathlib import Path

import pytest
from conftest import wait_until
from test_redteam51_hook_clients import full_pipe

BODY = json.dumps({"hook_event_name": "Stop", "session_id": "s-54"}).encode()
IGNORED = b"HOOKD_SOCKET is not an absolute path; ignored, as if unset"
TOO_LARGE = b"event over HOOKD_MAX_EVENT_BYTES=1024 ("


def silent_hookd(path: Path) -> socket.socket:
    """A socket where hookd's would be that takes connections and never answers."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.listen(4)
    server.settimeout(30)
    return server


@pytest.mark.parametrize("case", ["relative_socket", "too_large"])
def test_lines_said_later_are_said_when_sigterm_ends_the_run(tmp_path, client_cmd, case):
    runtime = tmp_path / "run"
    server = silent_hookd(runtime / "hookd" / "hookd.sock")
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "XDG_RUNTIME_DIR": str(runtime),
        "HOOKD_SOCKET": "relative/hookd.sock" if case == "relative_socket" else str(runtime / "hookd" / "hookd.sock"),
        "HOOKD_STATE_DIR": str(tmp_path / "state"),
        "HOOKD_SPARE_INBOX": str(tmp_path / "spare"),
        "HOOKD_SEND_TIMEOUT_MS": "20000",  # SIGTERM ends it first, hookd holding the event
    }
    body = BODY
    if case == "too_large":
        env["HOOKD_MAX_EVENT_BYTES"] = "1024"
        body = b'{"hook_event_name":"Stop","x":"' + b"a" * 4000 + b'"}'
    proc = subprocess.Popen(
        [*client_cmd, "Stop"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
    )
    try:
        assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
        proc.stdin.write(body)
        proc.stdin.close()
        conn, _ = server.accept()  # the event is in hookd's hands, unanswered
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=30)
        out, err = proc.stdout.read(), proc.stderr.read()
        conn.close()
    finally:
        server.close()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert (code, out) == (0, b"")
    assert b"ended by SIGTERM" in err, err
    # the old clients: only the handler's line, not why the event went to that socket, or as a marker
    assert (IGNORED if case == "relative_socket" else TOO_LARGE) in err, err
    assert err.count(b"hook-send: ") == len(err.splitlines()), err  # whole lines, each said once


def term_held_or_caught(pid: int) -> bool:
    fields = dict(
        line.split(":\t", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":\t" in line
    )
    return any(int(fields[name], 16) >> (signal.SIGTERM - 1) & 1 for name in ("SigBlk", "SigCgt"))


@pytest.mark.parametrize("asked", ["--help", "--version"])
def test_sigterm_ends_an_answer_stuck_on_its_stdout(tmp_path, client_cmd, asked):
    """--help and --version never set SIGTERM's handler, and since the fifty-first pass SIGTERM is held
    until it is: to a stdout nobody reads, the answer ignored SIGTERM until the deadline (up to 60 s)."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path), "HOOKD_SEND_TIMEOUT_MS": "60000"}
    r, w = full_pipe()
    proc = subprocess.Popen([*client_cmd, asked], stdin=subprocess.DEVNULL, stdout=w, stderr=subprocess.PIPE, env=env)
    os.close(w)
    try:
        assert proc.stderr is not None
        # Once held or handled (before, it is the default's, which no client can help): whether it comes
        # before the handler is set (held until then) or in the stuck write, it ends the run at exit 0.
        wait_until(lambda: term_held_or_caught(proc.pid), what="SIGTERM held or caught")
        proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            code = None
        assert code == 0  # None: the old clients, SIGTERM held, still waiting for the 60 s deadline
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stderr is not None:
            proc.stderr.close()
        os.close(r)


@pytest.mark.parametrize("token", [False, True])
def test_the_command_checks_do_not_hang_on_which_walk_came_first(tmp_path, token):
    """merge.commands took whichever walk of the file came first: one made with hookd's HTTP URL kept
    an event whose only handler of hookd's is an HTTP one posting there, so `reach.check` said the file
    another user can change holds hooks, or did not, by the order of the checks. Now as a walk without
    the URL finds them, either way."""
    from hookd.hooks import merge, reach
    from hookd.hooks.settings import load

    url = "http://127.0.0.1:8787/hooks"
    handler = {"type": "http", "url": url, **({"allowedEnvVars": ["HOOKD_HTTP_TOKEN"]} if token else {})}
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"hooks": {"Stop": [{"hooks": [handler]}]}}))
    path.chmod(0o666)  # another user can change it: reach.check says so of the hooks it finds there

    def said(walk_first: bool) -> list[tuple[list[str], str]]:
        settings = load(str(path))
        if walk_first:
            merge.handlers(settings, url)
        found = reach.check([settings], str(tmp_path / "hookd.sock"), str(tmp_path / "state"))
        return [(f.events, f.problem) for f in found.findings]

    assert said(True) == said(False)  # the old walk with the URL first: ['Stop'] said, none without
    assert bool(said(False)) == token  # a token-carrying handler is hookd's whatever the URL, as before


NESTED = r"""
import inspect, os, signal, sys
sys.path[:0] = [sys.argv[1]]
import hook_send

box = sys.argv[2]
box_fd = os.open(box, os.O_RDONLY | os.O_DIRECTORY)
fd = os.open(".tmp-x", os.O_WRONLY | os.O_CREAT, 0o600, dir_fd=box_fd)
os.write(fd, b"whole")
hook_send._writing = (".tmp-x", "kept.hookd", box_fd, fd, 5)
hook_send._lost_line = b"hook-send: event lost: deadline reached\n"
signal.signal(signal.SIGALRM, hook_send._on_alarm)
signal.signal(signal.SIGTERM, hook_send._on_alarm)
lines, start = inspect.getsourcelines(hook_send._finish_or_remove)
after_rename = start + next(i for i, line in enumerate(lines) if "return True" in line)

def trace(frame, event, arg):  # SIGTERM the moment the file is renamed, before the handler knows it
    if frame.f_code is hook_send._finish_or_remove.__code__ and event == "line" and frame.f_lineno == after_rename:
        sys.settrace(None)
        frame.f_trace = None
        os.kill(os.getpid(), signal.SIGTERM)
    return trace

sys.settrace(trace)
os.kill(os.getpid(), signal.SIGALRM)
"""


def test_sigterm_inside_the_deadline_handler_says_nothing_false(tmp_path):
    """The Python client's handlers run between bytecodes, so a SIGTERM (Claude Code's timeout) that
    comes while the deadline's handler runs ran a second handler inside the first: once the first had
    renamed the inbox file whole, the second found no file to rename and said the event lost, of an
    event in the inbox. Now the second handler leaves the first to finish."""
    from conftest import BARE_PYTHON, CLIENT

    box = tmp_path / "inbox"
    box.mkdir()
    ran = subprocess.run(
        [BARE_PYTHON, "-I", "-S", "-c", NESTED, str(CLIENT.parent), str(box)], capture_output=True, timeout=60
    )
    assert sorted(os.listdir(box)) == ["kept.hookd"]
    assert (ran.returncode, ran.stdout, ran.stderr) == (0, b"", b"")  # the old client: "event lost" said
