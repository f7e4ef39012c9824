"""Twenty-ninth pass: what Claude Code does with settings and hooks today, against `hookd hooks`.

From the hooks, settings, managed-settings and plugins references (docs/security.md, "Twenty-ninth
pass: conformity"): Claude Code merges the user, project, local and managed settings and takes each
key from the highest file that sets it (``disableAllHooks``, ``env`` variable by variable,
``sandbox.enabled``); the managed tier includes ``managed-settings.d/*.json``; a command hook may be
written in exec form (``command`` the program, ``args`` its arguments); and an enabled plugin's
``hooks/hooks.json`` runs beside the settings' hooks. ``hookd hooks status`` read one file's switches
and ``env`` at a time, no drop-in, no exec form and no plugin.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest

from hookd.hooks import switches
from hookd.hooks.command import hook_command
from test_hooks_install import home, run_hooks, user_settings  # noqa: F401 - fixture

ADDR = "127.0.0.1:8787"
PROXY = "http://proxy.example:3128"


@pytest.fixture
def managed(home, monkeypatch):  # noqa: F811
    path = home / "etc" / "claude-code" / "managed-settings.json"
    (path.parent / "managed-settings.d").mkdir(parents=True)
    monkeypatch.setattr(switches, "MANAGED_SETTINGS", (str(path),))
    return path


def _status(capsys, *args: str) -> tuple[int, str]:
    capsys.readouterr()
    code = run_hooks("status", *args)
    return code, capsys.readouterr().out


def _write(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data))


def _merge_into(path: Path, extra: dict) -> None:
    _write(path, {**json.loads(path.read_text()), **extra})


# disableAllHooks is read after precedence (hooks reference, "Disable or remove hooks").


def test_disable_all_hooks_false_in_the_project_overrides_true_in_the_user_file(home, managed, capsys):  # noqa: F811
    assert run_hooks("install", "--events", "Stop") == 0
    _merge_into(user_settings(home), {"disableAllHooks": True})
    assert _status(capsys)[0] == 1  # the user's true alone turns them off
    _write(home / "project" / ".claude" / "settings.json", {"disableAllHooks": False})
    code, out = _status(capsys)
    assert code == 0 and "disableAllHooks" not in out, out


def test_disable_all_hooks_true_in_the_local_file_over_false_in_the_project_is_said(home, managed, capsys):  # noqa: F811
    assert run_hooks("install", "--events", "Stop") == 0
    _write(home / "project" / ".claude" / "settings.json", {"disableAllHooks": False})
    local = home / "project" / ".claude" / "settings.local.json"
    _write(local, {"disableAllHooks": True})
    code, out = _status(capsys)
    assert code == 1 and f"disableAllHooks is true in {local}" in out, out


# The managed tier: managed-settings.json, then managed-settings.d/*.json in name order.


def test_a_managed_drop_in_is_read(home, managed, capsys):  # noqa: F811
    assert run_hooks("install", "--events", "Stop") == 0
    drop_in = managed.parent / "managed-settings.d" / "20-security.json"
    _write(drop_in, {"allowManagedHooksOnly": True})
    code, out = _status(capsys)
    assert code == 1 and f"allowManagedHooksOnly is true in {drop_in}" in out, out


def test_a_later_drop_in_overrides_an_earlier_one_and_hidden_ones_are_skipped(home, managed, capsys):  # noqa: F811
    assert run_hooks("install", "--events", "Stop") == 0
    folder = managed.parent / "managed-settings.d"
    _write(folder / "10-hooks.json", {"disableAllHooks": True})
    assert _status(capsys)[0] == 1
    _write(folder / "20-hooks.json", {"disableAllHooks": False})
    _write(folder / ".30-hidden.json", {"disableAllHooks": True})
    _write(folder / "40-not-json.txt", {"disableAllHooks": True})
    code, out = _status(capsys)
    assert code == 0, out


# env: every file's, the highest file's value winning (settings reference, "env").


@pytest.fixture
def http_project(home, managed, capsys, monkeypatch):  # noqa: F811
    monkeypatch.setenv("HOOKD_HTTP_TOKEN", "x")
    assert run_hooks("install", "--scope", "project", "--mode", "http", "--http-addr", ADDR, "--events", "Stop") == 0
    return home / "project" / ".claude" / "settings.json"


def test_a_proxy_in_the_user_files_env_carries_a_projects_http_hooks(home, http_project, capsys):  # noqa: F811
    _write(user_settings(home), {"env": {"HTTPS_PROXY": PROXY}})
    code, out = _status(capsys, "--scope", "project", "--http-addr", ADDR)
    assert code == 1 and f"HTTPS_PROXY is set in the env of {user_settings(home)}" in out, out


def test_a_proxy_in_a_managed_drop_in_is_named(home, http_project, managed, capsys):  # noqa: F811
    drop_in = managed.parent / "managed-settings.d" / "10-net.json"
    _write(drop_in, {"env": {"HTTP_PROXY": PROXY}})
    code, out = _status(capsys, "--scope", "project", "--http-addr", ADDR)
    assert code == 1 and f"HTTP_PROXY is set in the env of {drop_in}" in out, out


def test_no_proxy_in_the_local_files_env_exempts_the_listener(home, http_project, capsys):  # noqa: F811
    _merge_into(http_project, {"env": {"HTTPS_PROXY": PROXY}})
    assert _status(capsys, "--scope", "project", "--http-addr", ADDR)[0] == 1
    _write(home / "project" / ".claude" / "settings.local.json", {"env": {"NO_PROXY": "127.0.0.1"}})
    code, out = _status(capsys, "--scope", "project", "--http-addr", ADDR)
    assert code == 0 and "through that proxy" not in out, out


def test_an_empty_proxy_in_a_higher_file_cancels_the_shell_export(home, http_project, capsys, monkeypatch):  # noqa: F811
    monkeypatch.setenv("HTTPS_PROXY", PROXY)
    assert _status(capsys, "--scope", "project", "--http-addr", ADDR)[0] == 1
    _write(home / "project" / ".claude" / "settings.local.json", {"env": {"HTTPS_PROXY": ""}})
    code, out = _status(capsys, "--scope", "project", "--http-addr", ADDR)
    assert code == 0, out


def test_sandbox_turned_off_in_a_higher_file_is_off(home, http_project, capsys):  # noqa: F811
    _write(user_settings(home), {"sandbox": {"enabled": True}})
    assert _status(capsys, "--scope", "project", "--http-addr", ADDR)[0] == 1
    _write(home / "project" / ".claude" / "settings.local.json", {"sandbox": {"enabled": False}})
    code, out = _status(capsys, "--scope", "project", "--http-addr", ADDR)
    assert code == 0 and "sandbox.enabled" not in out, out


# A command hook in exec form: command is the program, args its arguments.


def _exec_form(event: str) -> dict:
    argv = hook_command(event)
    return {"type": "command", "command": argv[0], "args": argv[1:], "timeout": 5}


def test_hookds_hook_in_exec_form_is_seen_replaced_and_removed(home, managed, capsys):  # noqa: F811
    path = user_settings(home)
    _write(path, {"hooks": {"Stop": [{"hooks": [_exec_form("Stop")]}]}})
    code, out = _status(capsys, "--scope", "user")
    assert "Stop" in out and "no hookd hooks" not in out, out
    assert run_hooks("install", "--events", "Stop") == 0
    handlers = json.loads(path.read_text())["hooks"]["Stop"]
    assert handlers == [{"hooks": [{"type": "command", "command": shlex.join(hook_command("Stop")), "timeout": 5}]}]
    _write(path, {"hooks": {"Stop": [{"hooks": [_exec_form("Stop")]}]}})
    assert run_hooks("uninstall") == 0
    assert json.loads(path.read_text()) == {}


# Plugins: an enabled plugin's hooks/hooks.json runs beside the settings' hooks.


def _plugin(home: Path, hooks: dict, name: str = "hookd@tools") -> Path:
    root = home / "home" / ".claude" / "plugins" / "cache" / "tools" / "hookd" / "1.0.0"
    _write(root / "hooks" / "hooks.json", {"description": "hookd", "hooks": hooks})
    listed = {"version": 2, "plugins": {name: [{"scope": "user", "installPath": str(root), "version": "1.0.0"}]}}
    _write(home / "home" / ".claude" / "plugins" / "installed_plugins.json", listed)
    return root / "hooks" / "hooks.json"


STOP = {"Stop": [{"hooks": [_exec_form("Stop")]}]}


def test_hookds_hooks_in_an_enabled_plugin_are_shown(home, managed, capsys):  # noqa: F811
    hooks_file = _plugin(home, STOP)
    _write(user_settings(home), {"enabledPlugins": {"hookd@tools": True}})
    code, out = _status(capsys)
    assert f"{hooks_file} (plugin hookd@tools)" in out and "1 event: Stop" in out, out
    assert code == 0, out


def test_a_plugin_and_a_settings_file_both_hooked_send_each_event_twice(home, managed, capsys):  # noqa: F811
    _plugin(home, STOP)
    assert run_hooks("install", "--events", "Stop,SessionEnd") == 0
    _merge_into(user_settings(home), {"enabledPlugins": {"hookd@tools": True}})
    code, out = _status(capsys)
    assert code == 1 and "reaches hookd twice" in out and "hookd@tools" in out, out
    _write(home / "project" / ".claude" / "settings.local.json", {"enabledPlugins": {"hookd@tools": False}})
    code, out = _status(capsys)
    assert code == 0 and "plugin hookd@tools" not in out, out


def test_allow_managed_hooks_only_lets_a_plugin_the_managed_settings_enable_run(home, managed, capsys):  # noqa: F811
    hooks_file = _plugin(home, STOP)
    _write(user_settings(home), {"enabledPlugins": {"hookd@tools": True}})
    _write(managed, {"allowManagedHooksOnly": True})
    code, out = _status(capsys)
    assert code == 1 and "allowManagedHooksOnly is true" in out and str(hooks_file) in out, out
    _write(managed, {"allowManagedHooksOnly": True, "enabledPlugins": {"hookd@tools": True}})
    code, out = _status(capsys)
    assert code == 0 and "allowManagedHooksOnly" not in out, out


# install then uninstall leaves every other handler byte for byte, of every type.

OTHERS = {
    "hooks": {
        "PreToolUse": [
            {
                "matcher": "mcp__memory__.*",
                "hooks": [
                    {
                        "type": "mcp_tool",
                        "server": "memory",
                        "tool": "log",
                        "input": {"path": "${tool_input.file_path}"},
                    },
                    {
                        "type": "command",
                        "command": "${CLAUDE_PROJECT_DIR}/check.sh",
                        "args": ["--strict"],
                        "if": "Bash(git *)",
                    },
                ],
            }
        ],
        "Stop": [
            {"hooks": [{"type": "prompt", "prompt": "Did it finish? $ARGUMENTS", "timeout": 30}]},
            {
                "hooks": [
                    {"type": "agent", "prompt": "Verify tests pass", "model": "haiku", "statusMessage": "checking"}
                ]
            },
        ],
        "PostToolUse": [
            {
                "matcher": "Edit|Write",
                "hooks": [
                    {"type": "command", "command": "npx prettier --write", "async": True, "shell": "bash"},
                    {
                        "type": "http",
                        "url": "https://audit.example/h",
                        "headers": {"X": "$AUDIT"},
                        "allowedEnvVars": ["AUDIT"],
                    },
                ],
            }
        ],
    },
    "disableAllHooks": False,
}


@pytest.mark.parametrize("mode", ["command", "http"])
def test_install_and_uninstall_keep_every_other_handler_byte_for_byte(home, managed, mode):  # noqa: F811
    path = user_settings(home)
    path.parent.mkdir()
    original = json.dumps(OTHERS, indent=2) + "\n"
    path.write_text(original)
    assert run_hooks("install", "--mode", mode, "--http-addr", ADDR) == 0
    data = json.loads(path.read_text())
    for event, groups in OTHERS["hooks"].items():
        assert data["hooks"][event][: len(groups)] == groups
    assert run_hooks("uninstall", "--http-addr", ADDR) == 0
    assert path.read_text() == original


# SessionEnd hooks share a 1.5 s budget, raised to the longest timeout a settings file gives one.


@pytest.mark.parametrize("mode", ["command", "http"])
def test_hookds_session_end_hook_does_not_raise_claude_codes_budget(home, managed, mode):  # noqa: F811
    assert run_hooks("install", "--mode", mode, "--http-addr", ADDR, "--events", "SessionEnd,Stop") == 0
    hooks = json.loads(user_settings(home).read_text())["hooks"]
    [end] = hooks["SessionEnd"][0]["hooks"]
    assert end["type"] == mode and end["timeout"] <= 1.5, end
    assert hooks["Stop"][0]["hooks"][0]["timeout"] > 1  # the other events keep theirs


def test_install_does_not_ask_for_a_restart_that_claude_code_no_longer_needs(home, managed, capsys):  # noqa: F811
    """The hooks reference: direct edits to hooks in settings files are picked up by the file watcher."""
    capsys.readouterr()
    assert run_hooks("install", "--events", "Stop") == 0
    out = capsys.readouterr().out
    assert "restart running sessions" not in out and "pick the change up" in out, out


# allowedHttpHookUrls and httpHookAllowedEnvVars: once any file defines them, they bound every HTTP hook.


def test_an_allowlist_of_urls_without_the_listener_is_said(home, http_project, capsys):  # noqa: F811
    local = home / "project" / ".claude" / "settings.local.json"
    _write(local, {"allowedHttpHookUrls": ["https://hooks.example.com/*"]})
    code, out = _status(capsys, "--scope", "project", "--http-addr", ADDR)
    assert code == 1 and f"allowedHttpHookUrls is set in {local}" in out and "every event is lost" in out, out
    _write(user_settings(home), {"allowedHttpHookUrls": ["http://127.0.0.1:*"]})  # the arrays merge
    code, out = _status(capsys, "--scope", "project", "--http-addr", ADDR)
    assert code == 0, out
    _write(local, {"allowedHttpHookUrls": []})
    _write(user_settings(home), {})
    assert _status(capsys, "--scope", "project", "--http-addr", ADDR)[0] == 1  # an empty array blocks all


def test_an_env_var_allowlist_without_the_token_variable_is_said(home, http_project, managed, capsys):  # noqa: F811
    _write(managed, {"httpHookAllowedEnvVars": ["OTHER_TOKEN"]})
    code, out = _status(capsys, "--scope", "project", "--http-addr", ADDR)
    assert code == 1 and f"httpHookAllowedEnvVars is set in {managed} without HOOKD_HTTP_TOKEN" in out, out
    _write(managed, {"httpHookAllowedEnvVars": ["OTHER_TOKEN", "HOOKD_HTTP_TOKEN"]})
    assert _status(capsys, "--scope", "project", "--http-addr", ADDR)[0] == 0


def test_install_in_http_mode_warns_of_an_allowlist_that_blocks_it(home, managed, capsys, monkeypatch):  # noqa: F811
    _write(user_settings(home), {"allowedHttpHookUrls": ["https://hooks.example.com/*"]})
    capsys.readouterr()
    assert run_hooks("install", "--mode", "http", "--http-addr", ADDR, "--events", "Stop") == 0
    assert "hookd: warning: allowedHttpHookUrls is set" in capsys.readouterr().err


# Claude Code runs a handler two settings files hold alike once; different ones both.


def test_hookds_hooks_in_two_settings_files_running_different_commands_are_said(home, managed, capsys):  # noqa: F811
    assert run_hooks("install", "--events", "Stop") == 0
    project = home / "project" / ".claude" / "settings.json"
    same = json.loads(user_settings(home).read_text())
    _write(project, same)
    code, out = _status(capsys)
    assert code == 0 and "twice" not in out, out  # alike: Claude Code runs it once
    other = "env HOOKD_MAX_EVENT_BYTES=1048576 " + shlex.join(hook_command("Stop"))
    _write(project, {"hooks": {"Stop": [{"hooks": [{"type": "command", "command": other, "timeout": 5}]}]}})
    code, out = _status(capsys)
    assert code == 1 and "reaches hookd twice" in out and f"uninstall --settings {project}" in out, out


def test_a_plugin_manifest_naming_many_hooks_files_is_read_only_so_far(home, managed, capsys):  # noqa: F811
    """Bounded work: a manifest can list any number of paths; the first 16 are read."""
    hooks_file = _plugin(home, {})
    root = hooks_file.parent.parent
    names = [f"./h{i}.json" for i in range(10_000)]
    _write(root / ".claude-plugin" / "plugin.json", {"name": "hookd", "hooks": names})
    _write(root / "h3.json", {"hooks": STOP})
    _write(root / "h9999.json", {"hooks": {"SessionEnd": STOP["Stop"]}})
    _write(user_settings(home), {"enabledPlugins": {"hookd@tools": True}})
    code, out = _status(capsys)
    assert f"{root / 'h3.json'} (plugin hookd@tools)" in out and "h9999" not in out, out
