"""Red team, sixteenth pass's Left: another user holding a port hookd or its hooks use.

Anyone on the machine may listen on a loopback port first. For ``metrics_addr`` and ``ui_addr``
that stops the start; for the port HTTP hooks post to, whoever holds it is sent every event
Claude Code posts, raw (redaction happens in hookd), with the token in its Authorization header.
The sixteenth pass made each start stop with one line, which said only "Address already in use";
``hooks status`` and ``hookd status`` said nothing. Now each names the uid and process holding
the port (hookd/port_holders.py, from /proc/net/tcp), the HTTP hooks' port as a security problem
with its fix, and ``hooks install --mode http`` refuses such a port.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import REPO, free_port, log_records
from other_user import NOBODY, needs_root, nobody_server
from test_hooks_install import home, run_hooks, user_settings  # noqa: F401 - fixture

HOLDER = """
import ctypes, socket, sys, time
if len(sys.argv) > 3:  # the name the process shows (PR_SET_NAME)
    ctypes.CDLL(None).prctl(15, sys.argv[3].encode(), 0, 0, 0)
s = socket.socket(socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen(16)
print("ready", flush=True)
time.sleep(120)
"""


class Held:
    """A port that uid 65534 listens on, in a process of its own started by setpriv."""

    def __init__(self, host: str = "127.0.0.1", name: str | None = None) -> None:
        self.port = free_port()
        self.proc = nobody_server(HOLDER, host, str(self.port), *([name] if name else []))
        self.addr = f"[{host}]:{self.port}" if ":" in host else f"{host}:{self.port}"

    def close(self) -> None:
        self.proc.kill()
        self.proc.wait()


@pytest.fixture
def held():
    port = Held()
    yield port
    port.close()


def _names_the_holder(text: str, held: Held) -> None:
    assert f"uid {NOBODY} (nobody)" in text and f"pid {held.proc.pid} (python3)" in text, text


@pytest.mark.process
@needs_root
@pytest.mark.parametrize(
    "setting, says", [("http_addr", ""), ("metrics_addr", " for metrics")], ids=["http", "metrics"]
)
def test_run_names_who_holds_its_port(hookd_factory, redis_db, held, setting, says):
    daemon = hookd_factory(start=False, **{setting: held.addr}).start(wait=False)
    code = daemon.proc.wait(60)
    stderr = daemon.log_text()
    assert code == 1 and "Traceback" not in stderr, stderr[-2000:]
    [line] = [line for line in stderr.splitlines() if f"cannot listen on {held.addr}{says}" in line]
    _names_the_holder(line, held)
    if setting == "http_addr":  # the port Claude Code posts events to: a security problem, with its fix
        assert "SECURITY" in line and "hookd hooks install --mode command" in line, line
        assert "http.token" in line, line  # the token it may have been sent: replace it


@pytest.mark.process
@needs_root
def test_a_name_the_holder_chose_reaches_no_terminal_as_it_is(hookd_factory, redis_db):
    """The process's name is the holder's to choose: an escape sequence in it is not printed."""
    held = Held(name="\x1b[2J\x1b]0;x\x07ok")
    try:
        daemon = hookd_factory(start=False, metrics_addr=held.addr).start(wait=False)
        assert daemon.proc.wait(60) == 1
        stderr = daemon.log_text()
    finally:
        held.close()
    [line] = [line for line in stderr.splitlines() if f"cannot listen on {held.addr} for metrics" in line]
    assert f"pid {held.proc.pid} (?[2J?]0;x?ok)" in line and "\x1b" not in stderr, line


@needs_root
def test_ui_names_who_holds_its_port(hookd_factory, redis_db, held):
    daemon = hookd_factory()
    done = subprocess.run(
        [sys.executable, "-m", "hookd", "ui", "--addr", held.addr],
        env={**os.environ, "HOOKD_SOCKET": str(daemon.socket), "HOOKD_STATE_DIR": str(daemon.state_dir)},
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
    )
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    _names_the_holder(done.stderr, held)


@needs_root
def test_hooks_status_and_install_name_another_user_on_the_http_hooks_port(home, capsys, monkeypatch):  # noqa: F811
    port = Held()
    port.close()  # free again: the hooks are installed while nobody holds it
    monkeypatch.setenv("HOOKD_HTTP_ADDR", port.addr)
    monkeypatch.setenv("HOOKD_HTTP_TOKEN", "x" * 43)
    assert run_hooks("install", "--scope", "user", "--mode", "http", "--events", "PreToolUse,Stop") == 0
    capsys.readouterr()
    assert run_hooks("status", "--json") == 0
    assert json.loads(capsys.readouterr().out)["files"][0]["problems"] == []
    path = user_settings(home)
    before = path.read_text()
    held = Held()
    try:
        monkeypatch.setenv("HOOKD_HTTP_ADDR", f"127.0.0.1:{held.port}")
        path.write_text(before.replace(port.addr, held.addr))
        before = path.read_text()
        assert run_hooks("status", "--json") == 1
        [user] = [f for f in json.loads(capsys.readouterr().out)["files"] if f["events"]]
        [problem] = [p for p in user["problems"] if p.startswith("SECURITY")]
        _names_the_holder(problem, held)
        assert held.addr in problem and "--mode command" in problem, problem
        # A new install onto that port is refused, nothing changed.
        assert run_hooks("install", "--scope", "user", "--mode", "http", "--events", "PreToolUse,Stop") != 0
        err = capsys.readouterr().err
        assert "SECURITY" in err and "nothing was changed" in err, err
        assert path.read_text() == before
        # The fix it names: command hooks, whose socket checks its peer.
        assert run_hooks("install", "--scope", "user", "--mode", "command", "--events", "PreToolUse,Stop") == 0
        capsys.readouterr()
        run_hooks("status", "--json")
        [user] = [f for f in json.loads(capsys.readouterr().out)["files"] if f["events"]]
        assert user["urls"] == [] and not [p for p in user["problems"] if p.startswith("SECURITY")], user
    finally:
        held.close()


def _http_hooks_posting_to(home, url: str) -> None:
    settings = home / ".claude" / "settings.json"
    settings.parent.mkdir()
    handler = {
        "type": "http",
        "url": url,
        "headers": {"Authorization": "Bearer $HOOKD_HTTP_TOKEN"},
        "allowedEnvVars": ["HOOKD_HTTP_TOKEN"],
        "timeout": 2,
    }
    settings.write_text(json.dumps({"hooks": {"Stop": [{"hooks": [handler]}]}}))
    settings.chmod(0o600)


@pytest.mark.process
@needs_root
def test_run_logs_installed_http_hooks_posting_to_another_users_port(hookd_factory, redis_db, tmp_path, held):
    """hookd started without http_addr, while the user's HTTP hooks still post to a port another
    user now holds: said at the start, as an error."""
    _http_hooks_posting_to(tmp_path, f"http://{held.addr}/hook")
    daemon = hookd_factory(start=False)
    daemon.env["HOME"] = str(tmp_path)
    daemon.start()
    [line] = [r for r in log_records(daemon.log_text()) if r.get("event") == "hooks_port_held_by_another_user"]
    assert line["level"] == "error" and line["problem"].startswith("SECURITY"), line
    _names_the_holder(line["problem"], held)


@pytest.mark.process
@needs_root
def test_status_names_another_user_on_the_http_hooks_port(hookd_factory, redis_db, tmp_path, held):
    """A running daemon whose installed HTTP hooks post to a port another user holds is degraded;
    one not running says the same, and this config's metrics_addr held is named too."""
    daemon = hookd_factory()
    env = {**daemon.env, "HOME": str(tmp_path), "HOOKD_HTTP_TOKEN": "x" * 43, "HOOKD_HOOK_CLIENT": "python"}
    url = f"http://{held.addr}/hook"
    _http_hooks_posting_to(tmp_path, url)

    def status(*args: str, **extra: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "hookd", "status", *args],
            env={**env, **extra},
            capture_output=True,
            text=True,
            timeout=60,
            cwd=REPO,
        )

    done = status("--json")
    document = json.loads(done.stdout)
    assert done.returncode == 1 and document["health"] == "degraded", done.stdout
    [problem] = document["port_problems"]
    assert problem.startswith("SECURITY") and url in problem, problem
    _names_the_holder(problem, held)
    text = status().stdout
    [row] = [line for line in text.splitlines() if line.startswith("ports")]
    _names_the_holder(row, held)
    other = Held()
    try:
        done = status("--json", HOOKD_METRICS_ADDR=other.addr)
        found = json.loads(done.stdout)["port_problems"]
        [metrics] = [p for p in found if "metrics_addr" in p]
        _names_the_holder(metrics, other)
    finally:
        other.close()
    daemon.stop()
    done = status("--json")
    assert done.returncode == 2, done.stdout
    [problem] = json.loads(done.stdout)["port_problems"]
    _names_the_holder(problem, held)
