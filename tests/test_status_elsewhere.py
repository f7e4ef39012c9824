"""`hookd status` from a shell whose XDG_RUNTIME_DIR differs from the daemon's (h152): the daemon,
started without one, listens in state_dir/run; a terminal with one looked in $XDG_RUNTIME_DIR/hookd,
said "not running" (exit 2) and advised `hookd run`, which then failed on the state directory's lock."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from conftest import REPO, Hookd
from other_user import NOBODY, needs_root, run_as_nobody


def _status(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hookd", "status", *args], env=env, cwd=REPO, capture_output=True, text=True, timeout=60
    )


def test_status_names_the_daemon_that_holds_the_state_dir_and_where_it_answers(redis_server, redis_db):
    base = Path(tempfile.mkdtemp(prefix="h152-", dir="/tmp"))  # short: a socket path has ~100 bytes
    daemon = Hookd(base, redis_server.url)
    for name in ("HOOKD_SOCKET", "XDG_RUNTIME_DIR"):
        daemon.env.pop(name, None)
    daemon.socket = daemon.state_dir / "run" / "hookd.sock"  # the default without XDG_RUNTIME_DIR
    runtime = base / "xdg"
    runtime.mkdir(mode=0o700)
    try:
        daemon.start()
        shell = {**daemon.env, "XDG_RUNTIME_DIR": str(runtime)}
        result = _status(shell)
        assert result.returncode == 3, result  # could not tell, not "not running"
        text = " ".join(result.stdout.split())
        assert f"a hookd (pid {daemon.proc.pid}) holds the state directory {daemon.state_dir}" in text, text
        assert f"nothing answers on {runtime}/hookd/control.sock" in text, text
        assert f"it answers on {daemon.state_dir}/run/control.sock" in text, text
        assert "XDG_RUNTIME_DIR" in text and "not running" not in text, text
        asked = _status(shell, "--socket", str(daemon.socket))  # the command the message gives
        assert asked.returncode in (0, 1) and f"pid {daemon.proc.pid}" in asked.stdout, asked
        daemon.stop()
        stopped = _status(shell)  # nobody holds the lock now: not running, as before
        assert stopped.returncode == 2 and "not running" in stopped.stdout, stopped
    finally:
        daemon.kill()
        shutil.rmtree(base, ignore_errors=True)


def test_status_without_the_daemons_socket_still_says_it_is_held(redis_server, redis_db):
    # A daemon on a socket of its own (HOOKD_SOCKET), asked from a shell without that setting: no
    # default place answers, and the message still says what holds the state directory and why.
    base = Path(tempfile.mkdtemp(prefix="h152-", dir="/tmp"))
    daemon = Hookd(base, redis_server.url)
    try:
        daemon.start()
        shell = {k: v for k, v in daemon.env.items() if k != "HOOKD_SOCKET"}
        shell["XDG_RUNTIME_DIR"] = str(base)
        result = _status(shell, "--json")
        assert result.returncode == 3, result
        text = result.stdout
        assert f"holds the state directory {daemon.state_dir}" in text and "HOOKD_SOCKET" in text, text
        assert '"answers_on": null' in text and f'"pid": {daemon.proc.pid}' in text, text
        assert os.path.exists(daemon.socket)
    finally:
        daemon.kill()
        shutil.rmtree(daemon.socket.parent, ignore_errors=True)
        shutil.rmtree(base, ignore_errors=True)


def test_hooks_that_reach_the_daemon_only_through_its_inbox_are_said_so_with_a_repair_that_works(
    redis_server, redis_db
):
    # Hooks installed from a shell with XDG_RUNTIME_DIR send to $XDG_RUNTIME_DIR/hookd/hookd.sock; a
    # daemon started without it listens in state_dir/run and sweeps the same inbox: the events arrive,
    # late. Said before as "their events would miss it", with a repair that changed nothing.
    base = Path(tempfile.mkdtemp(prefix="h152-", dir="/tmp"))
    daemon = Hookd(base, redis_server.url)
    for name in ("HOOKD_SOCKET", "XDG_RUNTIME_DIR"):
        daemon.env.pop(name, None)
    daemon.env["HOME"] = str(base / "home")
    daemon.socket = daemon.state_dir / "run" / "hookd.sock"
    runtime = base / "xdg"
    runtime.mkdir(mode=0o700)
    shell = {**daemon.env, "XDG_RUNTIME_DIR": str(runtime), "HOOKD_HOOK_CLIENT": "python"}
    # The fixture's HOOKD_SEND_TIMEOUT_MS (2000, for loaded workers) would pass SessionEnd's 1.5 s in the
    # environment Claude Code would start from, which status says (fiftieth pass); not this test's subject.
    shell.pop("HOOKD_SEND_TIMEOUT_MS")
    settings = base / "home" / ".claude" / "settings.json"

    def hookd(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "hookd", *args], env=shell, cwd=REPO, capture_output=True, text=True, timeout=60
        )

    try:
        daemon.start()
        assert hookd("hooks", "install", "--events", "Stop").returncode == 0
        found = hookd("status", "--json", "--socket", str(daemon.socket))
        document = json.loads(found.stdout)
        assert found.returncode == 1, found
        assert "1 installed hook group reaches this daemon only through its inbox (see hooks)" in document["reasons"]
        assert not any("would lose events" in reason for reason in document["reasons"]), document["reasons"]
        (problem,) = document["hooks_problems"]
        assert f"not to this daemon's {daemon.socket}" in problem and "only through the inbox" in problem, problem
        repair = problem.split("; repair: ")[1]
        assert repair.startswith(f"hookd hooks install --settings {settings} "), repair
        assert repair.endswith(f" --socket {daemon.socket}"), repair
        listed = hookd("hooks", "status", "--scope", "user").stdout
        assert f"which hookd (pid {daemon.proc.pid}) running on that state directory takes" in listed, listed
        assert "until a hookd reading that state directory runs" not in listed, listed
        assert hookd(*repair.split()[1:]).returncode == 0  # as the message says, from the same shell
        after = hookd("status", "--json", "--socket", str(daemon.socket))
        document = json.loads(after.stdout)
        assert document["hooks_problems"] == [], document["hooks_problems"]
        assert not any("hook group" in reason for reason in document["reasons"]), document["reasons"]
    finally:
        daemon.kill()
        shutil.rmtree(base, ignore_errors=True)


def _hookd_as_nobody(argv: list[str], runtime: str, home: str, errors: str) -> int:
    """``hookd ARGV`` in this forked child (run as nobody), its output to ``errors``."""
    from hookd.cli import main

    for name in [k for k in os.environ if k.startswith("HOOKD_")]:
        del os.environ[name]
    os.environ.update(XDG_RUNTIME_DIR=runtime, HOME=home, XDG_STATE_HOME=f"{home}/state", XDG_CONFIG_HOME=home)
    out = os.open(errors, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(out, 1)  # status says it on stdout, run on stderr
    os.dup2(out, 2)
    sys.stdout = open(1, "w", closefd=False)  # not pytest's capture, which the child never hands back
    sys.stderr = open(2, "w", closefd=False)
    try:
        return main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()  # the child ends in os._exit


@needs_root
def test_a_runtime_dir_of_another_user_is_named_with_the_fix():
    # `su newbie` (without -) keeps root's XDG_RUNTIME_DIR; the default sockets follow it, and hookd run
    # and hookd status said only "Permission denied" about a directory the user never chose.
    # The child cannot import what nobody may not read (an interpreter under /root): loaded here first,
    # as the two commands below load it.
    import encodings.ascii  # noqa: F401
    import hookd.cli  # noqa: F401
    import hookd.console.run  # noqa: F401
    import hookd.control.status  # noqa: F401
    import hookd.daemon  # noqa: F401

    base = Path(tempfile.mkdtemp(prefix="h152-", dir="/tmp"))
    runtime = base / "root-runtime"
    runtime.mkdir(mode=0o700)  # root's
    home = base / "home"
    home.mkdir()
    os.chown(home, NOBODY, NOBODY)
    os.chmod(base, 0o755)
    try:
        for argv, code in ((["run"], 1), (["status"], 3)):
            errors = str(home / "stderr")
            assert run_as_nobody(_hookd_as_nobody, argv, str(runtime), str(home), errors) == code, argv
            text = Path(errors).read_text()
            assert str(runtime) in text and "permission denied" in text.lower(), (argv, text)
            assert f"XDG_RUNTIME_DIR={runtime} belongs to uid 0, not to you (uid {NOBODY})" in text, text
            assert "unset XDG_RUNTIME_DIR" in text and "HOOKD_SOCKET" in text, text
    finally:
        shutil.rmtree(base, ignore_errors=True)
