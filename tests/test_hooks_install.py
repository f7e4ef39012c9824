"""hookd hooks install|uninstall|status against settings files of every shape.

The CLI runs in-process (``hookd.cli.main``) with HOME, the working directory
and PATH pointed at the test's own directory, so that ``--scope user``,
``project`` and ``local`` and the ``claude --version`` check all land there.
Two tests run the installed entries as Claude Code would, against a real
daemon and Redis: the command entry, and every entry of an http install
against hookd's own HTTP listener.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shlex
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import CORPUS, free_port, stream_entries, wait_for_entries, wait_until
from hookd.cli import main
from hookd.hooks.command import hook_command
from hookd.hooks import entries, events

OTHER_HOOK = {"type": "command", "command": "~/bin/lint.sh", "timeout": 30}


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A fresh HOME and project directory; no hookd config, no `claude` on PATH."""
    for name in list(os.environ):
        if (
            name.startswith("HOOKD_")
            or name
            in (
                "CLAUDE_CONFIG_DIR",
                "CLAUDE_CODE_SAFE_MODE",
                "CLAUDE_CODE_SESSIONEND_HOOKS_TIMEOUT_MS",
                "CLAUDE_CODE_SIMPLE",
                "NO_PROXY",
                "no_proxy",
            )
            or name.lower().endswith(("http_proxy", "https_proxy"))
        ):
            monkeypatch.delenv(name)
    (tmp_path / "home").mkdir()
    (tmp_path / "project").mkdir()
    (tmp_path / "bin").mkdir()
    (tmp_path / "config.toml").write_text("")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("HOOKD_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.setenv("HOOKD_HOOK_CLIENT", "python")  # the native client has its own tests (test_native_client.py)
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}:/usr/bin:/bin")
    monkeypatch.chdir(tmp_path / "project")
    return tmp_path


def user_settings(home: Path) -> Path:
    return home / "home" / ".claude" / "settings.json"


def fake_claude(home: Path, version: str) -> None:
    script = home / "bin" / "claude"
    script.write_text(f"#!/bin/sh\necho '{version} (Claude Code)'\n")
    script.chmod(0o755)


def run_hooks(*args: str) -> int:
    return main(["hooks", *args])


def hookd_handlers(data: dict) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for event, groups in data.get("hooks", {}).items():
        for group in groups:
            for handler in group["hooks"]:
                if entries.is_hookd(handler):
                    found.setdefault(event, []).append(handler)
    return found


def backups(path: Path) -> list[Path]:
    return sorted(path.parent.glob(path.name + ".hookd-backup-*"))


EXISTING = {
    "model": "opus",
    "permissions": {"allow": ["Bash(npm test)"], "deny": []},
    "hooks": {
        "PreToolUse": [{"matcher": "Bash", "hooks": [OTHER_HOOK]}],
        "Stop": [{"hooks": [{"type": "command", "command": "notify-send done"}]}],
        "CustomFutureEvent": [{"hooks": [{"type": "command", "command": "true"}]}],
    },
    "env": {"FOO": "bar"},
    "statusLine": {"type": "command", "command": "echo hi"},
}


# ---------------------------------------------------------------- files of every shape


def test_install_into_a_missing_file_creates_it_with_one_hookd_entry_per_default_event(home, capsys):
    assert run_hooks("install") == 0
    path = user_settings(home)
    data = json.loads(path.read_text())
    found = hookd_handlers(data)
    assert list(found) == list(events.DEFAULT_EVENTS)
    for event, handlers in found.items():
        timeout = entries.SESSION_END_TIMEOUT_S if event == "SessionEnd" else entries.COMMAND_TIMEOUT_S
        assert handlers == [{"type": "command", "command": shlex.join(hook_command(event)), "timeout": timeout}]
    assert "WorktreeCreate" not in data["hooks"] and "FileChanged" not in data["hooks"]
    assert data["hooks"]["PreToolUse"][0]["matcher"] == "*"
    assert "matcher" not in data["hooks"]["Stop"][0]  # Stop takes no matcher
    assert path.read_text().endswith("}\n")
    assert backups(path) == []
    assert "installed hookd's hooks" in capsys.readouterr().out


@pytest.mark.parametrize("content", ["", "\n", "  \n\t\n"])
def test_install_into_an_empty_file_treats_it_as_no_settings(home, content):
    path = user_settings(home)
    path.parent.mkdir()
    path.write_text(content)
    assert run_hooks("install", "--events", "PreToolUse") == 0
    assert list(hookd_handlers(json.loads(path.read_text()))) == ["PreToolUse"]


def test_install_keeps_every_other_setting_and_hook_in_place_and_order(home):
    path = user_settings(home)
    path.parent.mkdir()
    original = json.dumps(EXISTING, indent=4) + "\n"
    path.write_text(original)
    assert run_hooks("install") == 0
    data = json.loads(path.read_text())
    assert list(data) == list(EXISTING)  # key order, "hooks" where it was
    for key in ("model", "permissions", "env", "statusLine"):
        assert data[key] == EXISTING[key]
    assert data["hooks"]["PreToolUse"][0] == {"matcher": "Bash", "hooks": [OTHER_HOOK]}
    assert data["hooks"]["Stop"][0] == EXISTING["hooks"]["Stop"][0]
    assert data["hooks"]["CustomFutureEvent"] == EXISTING["hooks"]["CustomFutureEvent"]
    assert list(data["hooks"])[:3] == ["PreToolUse", "Stop", "CustomFutureEvent"]
    assert len(hookd_handlers(data)["PreToolUse"]) == 1
    assert '\n    "model": "opus"' in path.read_text()  # the file's 4-space indentation
    [backup] = backups(path)
    assert backup.read_text() == original


def test_a_second_install_changes_nothing(home, capsys):
    path = user_settings(home)
    path.parent.mkdir()
    path.write_text(json.dumps(EXISTING, indent=2) + "\n")
    assert run_hooks("install") == 0
    after_first = path.read_bytes()
    mtime = path.stat().st_mtime_ns
    capsys.readouterr()
    assert run_hooks("install") == 0
    assert path.read_bytes() == after_first
    assert path.stat().st_mtime_ns == mtime
    assert len(backups(path)) == 1
    assert "already installed" in capsys.readouterr().out


def inline_styled(text: str) -> str:
    """Short arrays and flat objects on one line, as prettier and people write them."""
    text = re.sub(r'\[\n\s+("[^"\n]*")\n\s+\]', r"[\1]", text)
    return re.sub(
        r'\{\n\s+("[^"\n]+": "[^"\n]*"(?:,\n\s+"[^"\n]+": "[^"\n]*")*)\n\s+\}',
        lambda m: "{" + re.sub(r",\n\s+", ", ", m.group(1)) + "}",
        text,
    )


@pytest.mark.parametrize(
    "render",
    [
        lambda d: json.dumps(d, indent=2) + "\n",
        lambda d: json.dumps(d, indent=4),
        lambda d: json.dumps(d, indent="\t", ensure_ascii=False) + "\n",
        lambda d: json.dumps(d, indent=2, ensure_ascii=False) + "\n",
        lambda d: json.dumps(d) + "\n",
        lambda d: json.dumps(d, separators=(",", ":")),
        lambda d: inline_styled(json.dumps(d, indent=2)) + "\n",
        lambda d: "{ " + json.dumps(d)[1:-1] + " }\r\n",
    ],
    ids=[
        "2-spaces-escaped",
        "4-spaces-no-newline",
        "tabs",
        "2-spaces-utf8",
        "one-line",
        "one-line-compact",
        "inline-arrays",
        "spaced-braces-crlf",
    ],
)
def test_install_then_uninstall_gives_back_the_original_bytes(home, render):
    path = user_settings(home)
    path.parent.mkdir()
    original = render({**EXISTING, "note": "naïve ✓"}).encode()
    path.write_bytes(original)
    assert run_hooks("install") == 0
    assert path.read_bytes() != original
    assert run_hooks("uninstall") == 0
    assert path.read_bytes() == original


def test_uninstall_of_a_file_hookd_created_removes_it(home):
    assert run_hooks("install") == 0
    assert run_hooks("uninstall") == 0
    assert not user_settings(home).exists()  # more in test_hooks_leftovers.py


def test_uninstall_removes_hookd_handlers_and_nothing_else(home):
    path = user_settings(home)
    path.parent.mkdir()
    ours = entries.command_handler(hook_command("PostToolUse"))
    shared = {
        "PostToolUse": [{"matcher": "Edit|Write", "hooks": [OTHER_HOOK, ours]}],
        "Stop": [{"hooks": [{"type": "command", "command": "python3 /opt/hook_sender.py"}]}],
    }
    path.write_text(json.dumps({"hooks": shared}, indent=2) + "\n")
    assert run_hooks("uninstall") == 0
    data = json.loads(path.read_text())
    assert data == {
        "hooks": {"PostToolUse": [{"matcher": "Edit|Write", "hooks": [OTHER_HOOK]}], "Stop": shared["Stop"]}
    }


@pytest.mark.parametrize(
    "content, expected",
    [
        ('{\n  "model": "opus",\n  "hooks": {\n', "line 4 column 1"),
        ('{"model": "opus",}', "line 1 column 18"),
        ("[1, 2]", "not an object"),
        ('{"hooks": []}', '"hooks" is a JSON array'),
        ('{"hooks": {"PreToolUse": {"matcher": "*"}}}', "hooks.PreToolUse is a JSON object"),
        ('{"model": "a", "model": "b"}', "'model' twice"),
        ('{"x": NaN}', "NaN is not JSON"),
    ],
    ids=["truncated", "trailing-comma", "array", "hooks-list", "event-object", "duplicate-key", "nan"],
)
@pytest.mark.parametrize("action", ["install", "uninstall"])
def test_a_file_that_is_not_a_settings_object_is_refused_and_left_alone(home, capsys, content, expected, action):
    path = user_settings(home)
    path.parent.mkdir()
    path.write_text(content)
    if action == "uninstall" and "hooks.PreToolUse" in expected:
        assert run_hooks(action) == 0  # an event it cannot read holds nothing of hookd's
        assert path.read_text() == content and backups(path) == []
        return
    assert run_hooks(action) == 1
    err = capsys.readouterr().err
    assert expected in err and str(path) in err and "nothing was changed" in err
    assert path.read_text() == content
    assert backups(path) == []


def test_dry_run_prints_a_unified_diff_and_writes_nothing(home, capsys):
    path = user_settings(home)
    assert run_hooks("install", "--dry-run", "--events", "PreToolUse,Stop") == 0
    out = capsys.readouterr().out
    assert out.startswith(f"--- /dev/null\n+++ {path}\n@@ ")
    assert '+        "matcher": "*",' in out
    assert not path.exists()
    path.parent.mkdir()
    original = json.dumps(EXISTING, indent=2) + "\n"
    path.write_text(original)
    assert run_hooks("install", "--dry-run", "--events", "PreToolUse") == 0
    out = capsys.readouterr().out
    assert out.startswith(f"--- {path}\n+++ {path}\n")
    assert '-  "model": "opus",' not in out and "+" in out
    assert run_hooks("uninstall", "--dry-run") == 0
    assert path.read_text() == original and backups(path) == []


def test_scopes_and_an_explicit_path_name_their_files(home):
    assert run_hooks("install", "--scope", "project", "--events", "Stop") == 0
    assert run_hooks("install", "--scope", "local", "--events", "Stop") == 0
    other = home / "elsewhere" / "my-settings.json"
    assert run_hooks("install", "--settings", str(other), "--events", "Stop") == 0
    for path in (
        home / "project" / ".claude" / "settings.json",
        home / "project" / ".claude" / "settings.local.json",
        other,
    ):
        assert list(hookd_handlers(json.loads(path.read_text()))) == ["Stop"]
    assert not user_settings(home).exists()


def test_claude_config_dir_moves_the_user_scope(home, monkeypatch):
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(home / "cfg"))
    assert run_hooks("install", "--events", "Stop") == 0
    assert (home / "cfg" / "settings.json").exists()


def test_write_keeps_the_mode_and_a_symlink(home):
    target = home / "dotfiles" / "settings.json"
    target.parent.mkdir()
    target.write_text("{}\n")
    target.chmod(0o600)
    link = user_settings(home)
    link.parent.mkdir()
    link.symlink_to(target)
    assert run_hooks("install", "--events", "Stop") == 0
    assert link.is_symlink()
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert "Stop" in json.loads(target.read_text())["hooks"]
    assert [p.name for p in target.parent.iterdir() if p.name.startswith(".hookd-")] == []


# ---------------------------------------------------------------- older installs, modes, events


def test_an_older_install_with_other_paths_is_replaced_found_and_removed(home, capsys):
    path = user_settings(home)
    path.parent.mkdir()
    old = {
        "type": "command",
        "timeout": 5,
        "command": "/opt/py/bin/python3.11 -I -S -c 'import sys;"
        'sys.path[:0]=["/gone/hookd/client"];import hook_send;hook_send.exit_after_main()\'',
    }
    legacy = {"type": "command", "command": "/gone/.venv/bin/hook-send"}
    path.write_text(
        json.dumps(
            {"hooks": {"PreToolUse": [{"matcher": "*", "hooks": [old]}], "Notification": [{"hooks": [legacy]}]}},
            indent=2,
        )
    )
    assert run_hooks("status", "--scope", "user") == 1
    out = capsys.readouterr().out
    assert "PreToolUse, Notification" in out
    assert "/opt/py/bin/python3.11" in out and "/gone/hookd/client/hook_send.py" in out
    assert "/gone/.venv/bin/hook-send" in out
    assert run_hooks("install", "--events", "PreToolUse") == 0
    found = hookd_handlers(json.loads(path.read_text()))
    assert found == {"PreToolUse": [entries.command_handler(hook_command("PreToolUse"))]}
    assert run_hooks("status", "--scope", "user") == 0
    assert "paths ok" in capsys.readouterr().out
    assert run_hooks("uninstall") == 0
    assert json.loads(path.read_text()) == {}


def test_http_mode_writes_http_hooks_with_the_token_from_the_environment_never_the_file(home, capsys):
    token_file = home / "http.token"
    token_file.write_text("s3cr3t-token-value\n")
    settings = ["--http-addr", "127.0.0.1:8787", "--http-token-file", str(token_file)]
    assert run_hooks("install", "--mode", "http", *settings) == 0
    out = capsys.readouterr().out
    assert f'export HOOKD_HTTP_TOKEN="$(cat {token_file})"' in out
    text = user_settings(home).read_text()
    assert "s3cr3t" not in text
    found = hookd_handlers(json.loads(text))
    assert list(found) == list(events.DEFAULT_EVENTS)
    for event, [handler] in found.items():
        if event in ("SessionStart", "Setup", "PreModelSwitch"):
            assert handler["type"] == "command", event
        else:
            assert handler == {
                "type": "http",
                "url": "http://127.0.0.1:8787/hook",
                "timeout": 1 if event == "SessionEnd" else 2,
                "headers": {"Authorization": "Bearer $HOOKD_HTTP_TOKEN"},
                "allowedEnvVars": ["HOOKD_HTTP_TOKEN"],
            }, event
    # Back to command mode: the http entries go, one command entry per event stays.
    assert run_hooks("install") == 0
    found = hookd_handlers(json.loads(user_settings(home).read_text()))
    assert all(h == entries.group(e, entries.command_handler(hook_command(e)))["hooks"] for e, h in found.items())


def test_http_mode_without_a_listener_address_is_refused(home, capsys):
    assert run_hooks("install", "--mode", "http") == 1
    assert "http_addr" in capsys.readouterr().err
    assert not user_settings(home).exists()


def test_an_http_install_on_another_port_is_still_found(home, capsys, monkeypatch):
    assert run_hooks("install", "--mode", "http", "--http-addr", "127.0.0.1:9000", "--events", "Stop") == 0
    monkeypatch.setenv("HOOKD_HTTP_TOKEN", "x")
    assert run_hooks("status", "--scope", "user", "--http-addr", "127.0.0.1:9001") == 1
    out = capsys.readouterr().out
    assert "http mode, 1 event: Stop" in out and "but http_addr is 127.0.0.1:9001" in out
    assert run_hooks("uninstall", "--http-addr", "127.0.0.1:9001") == 0
    assert not user_settings(home).exists()  # found and removed, and with them the file install made


def test_status_says_where_hookd_is_installed_as_json(home, capsys):
    assert run_hooks("status") == 3  # nowhere yet
    assert run_hooks("install", "--scope", "local", "--events", "PreToolUse,Stop") == 0
    capsys.readouterr()
    assert run_hooks("status", "--json") == 0
    files = json.loads(capsys.readouterr().out)["files"]
    assert [f["path"] for f in files] == [
        str(user_settings(home)),
        str(home / "project" / ".claude" / "settings.json"),
        str(home / "project" / ".claude" / "settings.local.json"),
    ]
    assert files[2]["events"] == ["PreToolUse", "Stop"] and files[2]["modes"] == ["command"]
    assert files[2]["problems"] == [] and files[0]["exists"] is False


def test_status_reports_an_unreadable_file(home, capsys):
    path = user_settings(home)
    path.parent.mkdir()
    path.write_text("{oops")
    assert run_hooks("status", "--scope", "user") == 1
    assert "line 1 column 2" in capsys.readouterr().out


def test_an_old_claude_code_gets_only_the_events_it_knows(home, capsys):
    fake_claude(home, "2.1.90")
    assert run_hooks("install") == 0
    assert "Claude Code 2.1.90 rejects a whole settings file" in capsys.readouterr().err
    assert sorted(hookd_handlers(json.loads(user_settings(home).read_text()))) == sorted(events.BASE_EVENTS)
    fake_claude(home, "2.1.300")
    assert run_hooks("install") == 0
    assert sorted(hookd_handlers(json.loads(user_settings(home).read_text()))) == sorted(events.DEFAULT_EVENTS)


@pytest.mark.parametrize(
    "name, expected",
    [
        ("WorktreeCreate", "must print the new worktree's path"),
        ("FileChanged", "list of files"),
        ("PreToolUze", "is not a Claude Code hook event"),
    ],
)
def test_events_that_an_observer_must_not_hook_are_refused(home, capsys, name, expected):
    assert run_hooks("install", "--events", f"Stop,{name}") == 1
    assert expected in capsys.readouterr().err
    assert not user_settings(home).exists()


def test_message_display_is_installed_only_when_named(home):
    assert run_hooks("install", "--events", "MessageDisplay") == 0
    assert list(hookd_handlers(json.loads(user_settings(home).read_text()))) == ["MessageDisplay"]


def test_a_file_that_cannot_be_read_or_written_is_reported(home, capsys):
    blocker = home / "not-a-directory"
    blocker.write_text("")
    assert run_hooks("install", "--settings", str(blocker / "settings.json"), "--events", "Stop") == 1
    assert "cannot read" in capsys.readouterr().err
    # /proc takes no new files, not even from root.
    assert run_hooks("install", "--settings", "/proc/self/settings.json", "--events", "Stop") == 1
    err = capsys.readouterr().err
    assert "cannot write" in err and "nothing was changed" in err


# ---------------------------------------------------------------- the entry works


def test_the_installed_command_delivers_the_event_through_a_real_daemon(home, hookd, redis_db):
    assert main(["hooks", "install", "--events", "PreToolUse"]) == 0
    [handler] = hookd_handlers(json.loads(user_settings(home).read_text()))["PreToolUse"]
    body = b'{"session_id":"s-install","tool_name":"Bash","tool_input":{"command":"ls"}}'
    done = subprocess.run(
        ["/bin/sh", "-c", handler["command"]], input=body, capture_output=True, env=hookd.env, timeout=30
    )
    assert (done.returncode, done.stdout) == (0, b"")
    [entry] = wait_for_entries(redis_db, 1)
    assert entry[b"hook"] == b"PreToolUse" and entry[b"session"] == b"s-install"


def run_as_claude_code(handler: dict, payload: bytes, env: dict[str, str]) -> tuple[int, bytes]:
    """What Claude Code does with one handler: a command gets the payload on stdin; an http
    handler is POSTed the payload, with ``$VAR``/``${VAR}`` in its headers filled from the
    environment for the variables it lists in allowedEnvVars, others left empty."""
    if handler["type"] == "command":
        done = subprocess.run(
            ["/bin/sh", "-c", handler["command"]], input=payload, capture_output=True, env=env, timeout=30
        )
        return (200 if done.returncode == 0 else 500), done.stdout
    allowed = set(handler.get("allowedEnvVars", []))

    def fill(value: str) -> str:
        return re.sub(
            r"\$\{(\w+)\}|\$(\w+)", lambda m: env.get(m[1] or m[2], "") if (m[1] or m[2]) in allowed else "", value
        )

    url = handler["url"].removeprefix("http://")
    host_port, _, path = url.partition("/")
    host, _, port = host_port.rpartition(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=handler["timeout"])
    try:
        conn.request(
            "POST",
            "/" + path,
            body=payload,
            headers={"Content-Type": "application/json", **{k: fill(v) for k, v in handler.get("headers", {}).items()}},
        )
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def test_every_entry_of_an_http_install_delivers_through_the_real_listener(home, hookd_factory, redis_db):
    daemon = hookd_factory(http_addr=f"127.0.0.1:{free_port()}")
    token_file = daemon.state_dir / "http.token"
    wait_until(token_file.exists, what="the HTTP listener's token file")
    assert (
        run_hooks(
            "install",
            "--mode",
            "http",
            "--http-addr",
            daemon.env["HOOKD_HTTP_ADDR"],
            "--http-token-file",
            str(token_file),
        )
        == 0
    )
    installed = hookd_handlers(json.loads(user_settings(home).read_text()))
    corpus = {}
    for path in sorted(CORPUS.glob("*.json")):
        corpus.setdefault(json.loads(path.read_bytes()).get("hook_event_name"), path.read_bytes())
    env = {**daemon.env, "HOOKD_HTTP_TOKEN": token_file.read_text().strip()}
    sent = []
    for event, [handler] in installed.items():
        payload = (
            corpus.get(event)
            or json.dumps({"session_id": "s-http-install", "hook_event_name": event, "cwd": "/tmp"}).encode()
        )
        status, answer = run_as_claude_code(handler, payload, env)
        # A command says nothing; an http hook answers 2xx with an empty JSON object, never
        # text that Claude Code would add to the model's context, nor a decision.
        assert (status, answer) == ((200, b"{}") if handler["type"] == "http" else (200, b"")), event
        sent.append(event)
    kinds = {h["type"] for [h] in installed.values()}
    assert kinds == {"http", "command"}, kinds
    wait_for_entries(redis_db, len(sent))
    assert sorted(e[b"hook"].decode() for e in stream_entries(redis_db)) == sorted(sent)
    # Without the variable in Claude Code's environment the header is empty: refused, not kept.
    [stop] = installed["Stop"]
    assert run_as_claude_code(stop, corpus["Stop"], daemon.env)[0] == 401


# ---------------------------------------------------------------- the hook reaches its daemon


def daemon_with_paths_in_its_config_file(home: Path, hookd_factory, monkeypatch):
    """A real daemon whose socket and state dir are set only in its config file."""
    daemon = hookd_factory(start=False)
    config = daemon.base / "config.toml"
    config.write_text(f'socket = "{daemon.socket}"\nstate_dir = "{daemon.state_dir}"\n')
    for name in ("HOOKD_SOCKET", "HOOKD_STATE_DIR"):
        daemon.env.pop(name)
    daemon.start()
    monkeypatch.setenv("HOOKD_CONFIG", str(config))
    return daemon


def claude_code_env(daemon) -> dict[str, str]:
    """Claude Code's environment: nothing of hookd's."""
    return {k: v for k, v in daemon.env.items() if not k.startswith("HOOKD_")}


def test_paths_set_only_in_the_config_file_reach_the_daemon_through_hook_send(
    home, hookd_factory, redis_db, monkeypatch, capsys
):
    daemon = daemon_with_paths_in_its_config_file(home, hookd_factory, monkeypatch)
    assert main(["hooks", "install", "--events", "PreToolUse,Stop"]) == 0
    found = hookd_handlers(json.loads(user_settings(home).read_text()))
    command = found["PreToolUse"][0]["command"]
    assert f"HOOKD_SOCKET={daemon.socket}" in command and f"HOOKD_STATE_DIR={daemon.state_dir}" in command

    body = b'{"session_id":"s-config-paths","tool_name":"Bash","tool_input":{"command":"ls"}}'
    assert run_as_claude_code(found["PreToolUse"][0], body, claude_code_env(daemon)) == (200, b"")
    [entry] = wait_for_entries(redis_db, 1)
    assert entry[b"session"] == b"s-config-paths"
    default_inbox = home / "home" / ".local" / "state" / "hookd" / "inbox"
    assert not default_inbox.exists() or not list(default_inbox.iterdir())

    capsys.readouterr()
    assert main(["hooks", "status", "--scope", "user", "--json"]) == 0
    [described] = json.loads(capsys.readouterr().out)["files"]
    [where] = described["routes"]
    assert where["this_daemon"] and where["reachable"] and described["problems"] == []

    status = subprocess.run(
        [sys.executable, "-m", "hookd", "status", "--json"], env=daemon.env, capture_output=True, text=True, timeout=30
    )
    document = json.loads(status.stdout)
    assert document["hooks_problems"] == []
    # Healthy, but for the event loop's lag, which a loaded worker may cause (status says so, exit 1).
    other_reasons = [r for r in document["reasons"] if not r.startswith("the event loop runs late")]
    assert (status.returncode, other_reasons) in ((0, []), (1, [])), status.stdout


def test_hooks_that_would_miss_the_daemon_are_named_with_their_repair(
    home, hookd_factory, redis_db, monkeypatch, capsys
):
    daemon = daemon_with_paths_in_its_config_file(home, hookd_factory, monkeypatch)
    settings = user_settings(home)
    settings.parent.mkdir(parents=True)
    # What an older hookd installed: no paths, so hook-send's defaults, which this daemon does not use.
    old = entries.command_handler(hook_command("Stop"))
    settings.write_text(json.dumps({"hooks": {"Stop": [{"hooks": [old]}]}}))

    assert main(["hooks", "status", "--scope", "user"]) == 1
    out = capsys.readouterr().out
    assert "would miss it" in out and f"hookd hooks install --settings {settings}" in out

    status = subprocess.run(
        [sys.executable, "-m", "hookd", "status", "--json"], env=daemon.env, capture_output=True, text=True, timeout=30
    )
    assert status.returncode == 1, status.stderr  # degraded: its events go elsewhere
    document = json.loads(status.stdout)
    [problem] = document["hooks_problems"]
    assert "Stop" in problem and str(settings) in problem and "hookd hooks install" in problem

    # The repair it names fixes it.
    assert main(["hooks", "install", "--settings", str(settings), "--events", "Stop"]) == 0
    capsys.readouterr()
    assert main(["hooks", "status", "--scope", "user"]) == 0


@pytest.mark.process
def test_a_hook_whose_interpreter_is_gone_is_reported_by_run_and_status(home, hookd_factory, redis_db):
    settings = user_settings(home)
    settings.parent.mkdir(parents=True)
    gone = str(home / "pyenv" / "versions" / "3.11.4" / "bin" / "python3.11")
    argv = [gone] + hook_command("PreToolUse")[1:]
    settings.write_text(
        json.dumps({"hooks": {"PreToolUse": [{"matcher": "*", "hooks": [entries.command_handler(argv)]}]}}, indent=2)
    )
    daemon = hookd_factory()
    wait_until(lambda: "hooks_would_miss" in daemon.log_text(), what="the warning at start")
    [record] = [
        json.loads(line) for line in daemon.log_text().splitlines() if "hooks_would_miss" in line and gone in line
    ]
    assert record["events"] == ["PreToolUse"] and record["repair"].startswith("hookd hooks install")
    status = subprocess.run(
        [sys.executable, "-m", "hookd", "status"], env=daemon.env, capture_output=True, text=True, timeout=30
    )
    assert status.returncode == 1 and gone in status.stdout and "no longer exists" in status.stdout
    assert f"hookd hooks install --settings {settings}" in status.stdout


def test_the_hook_command_names_the_venv_python_not_the_interpreter_it_resolves_to():
    """A venv's bin/python outlives a patch upgrade of the Python it was made from
    (Homebrew, uv and pyenv keep each version in a directory of its own)."""
    from hookd.hooks.command import python_argv

    argv = python_argv("Stop")
    assert argv[0] == os.path.abspath(sys.executable)
    if sys.prefix != sys.base_prefix and os.path.islink(sys.executable):
        assert argv[0] != os.path.realpath(sys.executable)
    assert argv[1:4] == ["-I", "-S", "-c"] and argv[-1] == "Stop"


def test_a_route_is_read_back_from_a_command(tmp_path):
    from hookd.hooks.command import hook_command_line, route

    environ = {"HOME": str(tmp_path), "XDG_RUNTIME_DIR": "/run/user/1000"}
    line = hook_command_line("Stop", str(tmp_path / "my sock" / "h.sock"), str(tmp_path / "state"), environ)
    assert line.startswith("env ")
    where = route(line, environ)
    assert where.socket == str(tmp_path / "my sock" / "h.sock")
    assert where.inbox == str(tmp_path / "state" / "inbox")
    # On hook-send's defaults the command carries nothing.
    plain = hook_command_line(
        "Stop", "/run/user/1000/hookd/hookd.sock", str(tmp_path / ".local" / "state" / "hookd"), environ
    )
    assert not plain.startswith("env ")
