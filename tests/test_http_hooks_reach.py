"""`hookd status` names HTTP hooks that post where the running daemon does not listen.

A newcomer's path (h136): `make run` starts hookd on its defaults, then http_addr goes into the
config file and `hookd hooks install --mode http` succeeds; hookd, not restarted, has no HTTP
listener, so every event Claude Code posts is refused and lost (an HTTP hook has no inbox), while
`hookd status` said healthy. Real daemons, real settings files, the real `hookd` commands.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from conftest import free_port, log_records, wait_for_entries, wait_until
from hookd.hooks import entries

pytestmark = pytest.mark.process


@pytest.fixture
def short_home():
    """A HOME whose default control socket path fits in a Unix socket address (pytest's tmp
    paths under xdist do not), so that `hookd` can tell that no daemon answers there."""
    home = Path(tempfile.mkdtemp(prefix="h136-", dir="/tmp"))
    yield home
    shutil.rmtree(home, ignore_errors=True)


def hookd_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "hookd", *args], env=env, capture_output=True, text=True, timeout=60)


def status(env: dict[str, str]) -> tuple[int, dict]:
    done = hookd_cli(env, "status", "--json")
    return done.returncode, json.loads(done.stdout)


def not_lag(reasons: list[str]) -> list[str]:
    """A loaded test worker may make the event loop run late, which status reports: not ours."""
    return [r for r in reasons if not r.startswith("the event loop runs late")]


def test_http_hooks_installed_before_hookd_reads_http_addr_are_named_until_it_restarts(
    tmp_path, hookd_process_factory, redis_db
):
    daemon = hookd_process_factory()  # on its defaults: no HTTP listener
    home = tmp_path / "home"
    home.mkdir()
    env = {**daemon.env, "HOME": str(home), "HOOKD_HOOK_CLIENT": "python"}
    addr = f"127.0.0.1:{free_port()}"
    (daemon.base / "config.toml").write_text(f'http_addr = "{addr}"\n')
    installed = hookd_cli(env, "hooks", "install", "--mode", "http", "--events", "PreToolUse,Stop")
    assert installed.returncode == 0, installed.stderr
    # Said at the moment of the mistake, with the fix.
    assert f"(pid {daemon.proc.pid}) has no HTTP listener: restart it" in installed.stdout, installed.stdout
    url = entries.http_url(addr)

    code, document = status(env)
    assert code == 1, document  # degraded: the hooks' events are lost
    [problem] = document["hooks_problems"]
    settings = home / ".claude" / "settings.json"
    assert str(settings) in problem and "PreToolUse" in problem and "Stop" in problem
    assert url in problem and "no HTTP listener" in problem and "restart hookd" in problem
    assert any("would lose events" in r for r in document["reasons"])
    text = hookd_cli(env, "status")
    assert text.returncode == 1 and url in text.stdout, text.stdout
    # hooks status says it on the hooks' url line (a note, as for a command hook's socket).
    hooks = hookd_cli(env, "hooks", "status", "--scope", "user")
    assert f"url {url}: nothing listens there" in hooks.stdout and "events are lost" in hooks.stdout, hooks.stdout

    # The repair it names: restart hookd, which now reads http_addr; then the hooks are sound.
    daemon.stop()
    daemon.start()
    code, document = status(env)
    assert document["hooks_problems"] == [] and not_lag(document["reasons"]) == [], document
    assert document["http"]["addr"] == addr
    hooks = hookd_cli(env, "hooks", "status", "--scope", "user")
    assert f"url {url}: a process of yours listens there" in hooks.stdout, hooks.stdout
    token = (daemon.state_dir / "http.token").read_text().strip()
    request = urllib.request.Request(
        url,
        data=json.dumps({"hook_event_name": "Stop", "session_id": "s-h136"}).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        assert answer.status == 200
    [entry] = wait_for_entries(redis_db, 1)
    assert entry[b"session"] == b"s-h136"


def test_http_hooks_posting_to_another_address_than_the_daemon_serves_are_named(
    tmp_path, hookd_process_factory, redis_db
):
    addr = f"127.0.0.1:{free_port()}"
    daemon = hookd_process_factory(http_addr=addr)
    home = tmp_path / "home"
    (home / ".claude").mkdir(parents=True)
    env = {**daemon.env, "HOME": str(home)}
    elsewhere = entries.http_url(f"127.0.0.1:{free_port()}")
    served = entries.http_handler(entries.http_url(addr))
    settings = home / ".claude" / "settings.json"
    groups = {
        "Stop": [{"hooks": [served]}],
        "PreToolUse": [{"matcher": "*", "hooks": [entries.http_handler(elsewhere)]}],
    }
    settings.write_text(json.dumps({"hooks": groups}))

    code, document = status(env)
    assert code == 1, document
    [problem] = document["hooks_problems"]
    assert "PreToolUse" in problem and "Stop" not in problem and elsewhere in problem
    assert f"serves {entries.http_url(addr)}" in problem and f"hookd hooks install --settings {settings}" in problem


def test_install_mode_http_without_http_addr_names_the_config_file_to_write(short_home):
    """A newcomer on defaults has no config file: the refusal says where it goes, not only
    "the config file" (h136's first hour had to read docs/settings.md to find it)."""
    home = short_home
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HOOKD_", "XDG_"))}
    env.update(HOME=str(home), HOOKD_HOOK_CLIENT="python")
    done = hookd_cli(env, "hooks", "install", "--mode", "http")
    assert done.returncode == 1
    config_file = home / ".config" / "hookd" / "config.toml"
    assert "http_addr" in done.stderr and f"{config_file} (not there yet: create it)" in done.stderr, done.stderr
    assert not (home / ".claude" / "settings.json").exists()  # nothing was changed

    # Where it is told: the file named, with the line it gave, is read, and install goes through.
    config_file.parent.mkdir(parents=True)
    config_file.write_text(f'http_addr = "127.0.0.1:{free_port()}"\n')
    done = hookd_cli(env, "hooks", "install", "--mode", "http")
    assert done.returncode == 0, done.stderr
    assert "hookd is not running" in done.stdout and "events these hooks post are lost" in done.stdout
    installed = json.loads((home / ".claude" / "settings.json").read_text())["hooks"]
    assert installed["Stop"][0]["hooks"][0]["type"] == "http"


def test_hooks_status_says_on_the_url_line_that_nothing_listens_where_http_hooks_post(tmp_path):
    """No daemon at all: events posted now are lost (no inbox on this path), said on the url line
    without failing the command, as a command hook's unserved socket is."""
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HOOKD_", "XDG_"))}
    addr = f"127.0.0.1:{free_port()}"
    env.update(HOME=str(home), HOOKD_HOOK_CLIENT="python", HOOKD_HTTP_ADDR=addr, HOOKD_HTTP_TOKEN="t" * 43)
    assert hookd_cli(env, "hooks", "install", "--mode", "http", "--events", "Stop").returncode == 0
    done = hookd_cli(env, "hooks", "status", "--scope", "user")
    url = entries.http_url(addr)
    assert f"url {url}: nothing listens there" in done.stdout and "events are lost" in done.stdout, done.stdout
    assert done.returncode == 0, done.stdout  # a note: hookd may only be stopped
    [described] = json.loads(hookd_cli(env, "hooks", "status", "--scope", "user", "--json").stdout)["files"]
    assert described["url_states"][url].startswith("nothing listens there")


def test_hookd_run_logs_http_hooks_it_will_not_serve_at_start(tmp_path, hookd_process_factory, redis_db):
    """hookd started without http_addr (its config lost the line, or another config) while the
    settings hold HTTP hooks: its start says so in the log, as it does for command hooks."""
    home = tmp_path / "home"
    (home / ".claude").mkdir(parents=True)
    url = entries.http_url(f"127.0.0.1:{free_port()}")
    settings = home / ".claude" / "settings.json"
    settings.write_text(json.dumps({"hooks": {"Stop": [{"hooks": [entries.http_handler(url)]}]}}))
    daemon = hookd_process_factory(start=False)
    daemon.env["HOME"] = str(home)
    daemon.start()
    wait_until(lambda: "hooks_would_miss" in daemon.log_text(), what="the start's check of the hooks")
    [missed] = [r for r in log_records(daemon.log_text()) if r.get("event") == "hooks_would_miss"]
    assert missed["settings"] == str(settings) and missed["events"] == ["Stop"]
    assert url in missed["problem"] and "no HTTP listener" in missed["problem"]
    assert f"hookd hooks install --settings {settings}" in missed["repair"]
