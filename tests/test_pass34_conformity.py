"""Thirty-fourth pass: what Claude Code runs, checked the same by every hookd command.

From the plugins and settings references (docs/security.md, "Thirty-fourth pass: conformity"):
Claude Code runs the hooks of the managed settings and of every enabled plugin beside the user's,
the project's and the local file's; ``hookd status`` and ``hookd run``'s start check read only those
three, so a hook of hookd's in a managed file or a plugin that missed the daemon was named by
``hookd hooks status`` alone. A plugin that no ``enabledPlugins`` entry names is enabled by its
``defaultEnabled`` (true unless its marketplace entry or manifest says false); ``hooks status`` took
it for disabled. And the record of a settings file ``install`` created sat beside it, in a
project's ``.claude/``, where it could be committed. Real files under a throwaway HOME; the CLI
in-process (test_hooks_install.py), one real daemon for the start check.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from conftest import wait_until
from hookd.cli import main
from hookd.hooks import entries
from hookd.hooks.command import hook_command
from test_hooks_install import home, run_hooks, user_settings  # noqa: F401 - fixture
from test_pass29_conformity import managed  # noqa: F401 - fixture

PLUGIN = "hookd@tools"


def _write(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data))


def _stop_hook(argv: list[str]) -> dict:
    return {"Stop": [{"hooks": [entries.command_handler(argv)]}]}


def _plugin(home: Path, hooks: dict, manifest: dict | None = None, marketplace: dict | None = None) -> Path:
    """An installed plugin hookd@tools holding ``hooks``; ``marketplace``: its entry in the
    marketplace's own listing, registered in known_marketplaces.json."""
    plugins = home / "home" / ".claude" / "plugins"
    root = plugins / "cache" / "tools" / "hookd" / "1.0.0"
    _write(root / "hooks" / "hooks.json", {"hooks": hooks})
    if manifest is not None:
        _write(root / ".claude-plugin" / "plugin.json", {"name": "hookd", **manifest})
    listed = {"version": 2, "plugins": {PLUGIN: [{"scope": "user", "installPath": str(root), "version": "1.0.0"}]}}
    _write(plugins / "installed_plugins.json", listed)
    if marketplace is not None:
        where = plugins / "marketplaces" / "tools"
        _write(
            where / ".claude-plugin" / "marketplace.json",
            {"name": "tools", "plugins": [{"name": "hookd", **marketplace}]},
        )
        _write(
            plugins / "known_marketplaces.json",
            {"tools": {"installLocation": str(where), "source": {"source": "github"}}},
        )
    return root / "hooks" / "hooks.json"


def _hooks_status(capsys) -> tuple[int, str]:
    capsys.readouterr()
    code = run_hooks("status")
    return code, capsys.readouterr().out


@pytest.fixture
def own_daemon(home, monkeypatch):  # noqa: F811
    """This config's socket and state directory, the test's own (the default socket is the
    machine's, where another hookd may run): (socket, state_dir)."""
    monkeypatch.setenv("HOOKD_STATE_DIR", str(home / "state"))
    monkeypatch.setenv("HOOKD_SOCKET", str(home / "state" / "hookd.sock"))
    return str(home / "state" / "hookd.sock"), str(home / "state")


def _status_problems(capsys) -> list[str]:
    """``hookd status --json``'s hooks findings (no daemon runs: exit 2, the hooks still checked)."""
    capsys.readouterr()
    assert main(["status", "--json"]) == 2
    return json.loads(capsys.readouterr().out)["hooks_problems"]


# A plugin no settings file names follows its defaultEnabled (plugins reference, "Default enablement").


def test_an_installed_plugin_no_settings_file_names_runs_its_hooks(home, managed, capsys):  # noqa: F811
    hooks_file = _plugin(home, _stop_hook(hook_command("Stop")))
    code, out = _hooks_status(capsys)
    assert f"{hooks_file} (plugin {PLUGIN})" in out and "1 event: Stop" in out, out
    assert code == 0, out


def test_default_enabled_false_in_the_manifest_keeps_it_off_until_a_file_enables_it(home, managed, capsys):  # noqa: F811
    hooks_file = _plugin(home, _stop_hook(hook_command("Stop")), manifest={"defaultEnabled": False})
    code, out = _hooks_status(capsys)
    assert str(hooks_file) not in out and code == 3, out
    _write(user_settings(home), {"enabledPlugins": {PLUGIN: True}})
    code, out = _hooks_status(capsys)
    assert f"{hooks_file} (plugin {PLUGIN})" in out and code == 0, out


def test_the_marketplace_entrys_default_wins_over_the_manifests(home, managed, capsys):  # noqa: F811
    hooks_file = _plugin(home, _stop_hook(hook_command("Stop")), {"defaultEnabled": False}, {"defaultEnabled": True})
    code, out = _hooks_status(capsys)
    assert f"{hooks_file} (plugin {PLUGIN})" in out and code == 0, out
    _plugin(home, _stop_hook(hook_command("Stop")), {"defaultEnabled": True}, {"defaultEnabled": False})
    code, out = _hooks_status(capsys)
    assert str(hooks_file) not in out and code == 3, out


def test_a_plugin_enabled_by_default_and_a_settings_file_both_hooked_is_said_twice(home, managed, capsys):  # noqa: F811
    _plugin(home, _stop_hook(hook_command("Stop")))
    assert run_hooks("install", "--events", "Stop") == 0
    code, out = _hooks_status(capsys)
    assert code == 1 and "reaches hookd twice" in out and PLUGIN in out, out


# hookd status reads the files hooks status reads.


def test_hookd_status_names_a_plugins_hook_that_sends_elsewhere(home, managed, own_daemon, capsys, tmp_path):  # noqa: F811
    other = tmp_path / "other"
    hooks_file = _plugin(home, _stop_hook(hook_command("Stop", str(other / "h.sock"), str(other / "state"))))
    _write(user_settings(home), {"enabledPlugins": {PLUGIN: True}})
    [problem] = _status_problems(capsys)
    assert str(hooks_file) in problem and "would miss it" in problem, problem
    assert f"come with the plugin {PLUGIN}" in problem and "--settings" not in problem, problem


def test_hookd_status_and_hooks_status_name_a_managed_hook_whose_interpreter_is_gone(
    home,  # noqa: F811
    managed,  # noqa: F811
    own_daemon,
    capsys,
):
    gone = str(home / "pyenv" / "versions" / "3.11.4" / "bin" / "python3.11")
    argv = hook_command("Stop", *own_daemon)
    argv[argv.index(hook_command("Stop")[0])] = gone
    _write(managed, {"hooks": _stop_hook(argv)})
    [problem] = _status_problems(capsys)
    assert str(managed) in problem and gone in problem and "no longer exists" in problem, problem
    assert "managed policy" in problem, problem
    code, out = _hooks_status(capsys)
    assert f"{managed} (managed settings)" in out and gone in out and code == 1, out


def test_a_disabled_plugins_hooks_are_not_checked_by_hookd_status(home, managed, own_daemon, capsys, tmp_path):  # noqa: F811
    other = tmp_path / "other"
    _plugin(home, _stop_hook(hook_command("Stop", str(other / "h.sock"), str(other / "state"))))
    _write(user_settings(home), {"enabledPlugins": {PLUGIN: False}})
    assert _status_problems(capsys) == []


@pytest.mark.process
def test_hookd_runs_start_check_names_a_plugins_hook_that_sends_elsewhere(home, hookd_factory, redis_db, tmp_path):  # noqa: F811
    other = tmp_path / "other"
    hooks_file = _plugin(home, _stop_hook(hook_command("Stop", str(other / "h.sock"), str(other / "state"))))
    daemon = hookd_factory()
    wait_until(lambda: "hooks_would_miss" in daemon.log_text(), what="the warning at start")
    [record] = [json.loads(line) for line in daemon.log_text().splitlines() if "hooks_would_miss" in line]
    assert record["settings"] == str(hooks_file) and record["events"] == ["Stop"], record
    assert PLUGIN in record["repair"], record


# The record of a file install created: in hookd's state, not in the user's repository.


@pytest.fixture
def state(home, monkeypatch):  # noqa: F811
    monkeypatch.setenv("HOOKD_STATE_DIR", str(home / "state"))
    return home / "state"


def _project_file(home: Path) -> Path:
    return home / "project" / ".claude" / "settings.json"


def test_install_in_a_project_leaves_nothing_of_hookds_in_its_claude_directory(home, state):  # noqa: F811
    assert run_hooks("install", "--scope", "project") == 0
    path = _project_file(home)
    assert sorted(os.listdir(path.parent)) == ["settings.json"]
    assert len(os.listdir(state / "created")) == 1
    assert run_hooks("uninstall", "--scope", "project") == 0
    assert not path.exists() and os.listdir(state / "created") == []


def _older_layout(home: Path, state: Path) -> Path:
    """A project file as an older hookd's install left it: the record beside it."""
    assert run_hooks("install", "--scope", "project", "--events", "Stop") == 0
    path = _project_file(home)
    for record in (state / "created").glob("*") if (state / "created").exists() else []:
        record.unlink()
    beside = path.parent / "settings.json.hookd-created"
    beside.write_text(hashlib.sha256(path.read_bytes()).hexdigest() + "\n")
    return beside


# A record beside the file is not read (a checkout can bring one: test_redteam37_created), only dropped.


def test_uninstall_keeps_a_file_created_under_the_older_layout_and_drops_its_record(home, state):  # noqa: F811
    beside = _older_layout(home, state)
    assert run_hooks("uninstall", "--scope", "project") == 0
    assert _project_file(home).exists() and not beside.exists()


def test_the_next_install_drops_an_older_record_from_the_project(home, state):  # noqa: F811
    beside = _older_layout(home, state)
    assert run_hooks("install", "--scope", "project", "--events", "Stop,SessionEnd") == 0
    assert not beside.exists()
    assert run_hooks("uninstall", "--scope", "project") == 0
    assert _project_file(home).exists()


# strictPluginOnlyCustomization (managed only) keeps the settings files' hooks from running.


@pytest.mark.parametrize("value", [True, ["skills", "hooks"]])
def test_strict_plugin_only_customization_locking_hooks_is_said_of_the_settings_files(home, managed, capsys, value):  # noqa: F811
    hooks_file = _plugin(home, _stop_hook(hook_command("Stop")))
    assert run_hooks("install", "--events", "SessionEnd") == 0
    path = user_settings(home)
    _write(path, {**json.loads(path.read_text()), "enabledPlugins": {PLUGIN: True}})
    _write(managed, {"strictPluginOnlyCustomization": value})
    code, out = _hooks_status(capsys)
    assert code == 1 and "strictPluginOnlyCustomization locks hooks" in out and str(managed) in out, out
    [settings_part, plugin_part] = out.split(f"{hooks_file} (plugin {PLUGIN})")
    assert "strictPluginOnlyCustomization" in settings_part and "strictPluginOnlyCustomization" not in plugin_part


def test_strict_plugin_only_customization_without_hooks_locks_nothing_of_hookds(home, managed, capsys):  # noqa: F811
    assert run_hooks("install", "--events", "SessionEnd") == 0
    _write(managed, {"strictPluginOnlyCustomization": ["skills", "mcp"]})
    code, out = _hooks_status(capsys)
    assert code == 0 and "strictPluginOnlyCustomization" not in out, out


# CLAUDE_CODE_SAFE_MODE (claude --safe-mode): only the managed settings' hooks run (env-vars reference).


def test_safe_mode_in_this_environment_is_said_of_all_but_the_managed_settings(home, managed, capsys, monkeypatch):  # noqa: F811
    assert run_hooks("install", "--events", "SessionEnd") == 0
    _write(managed, {"hooks": _stop_hook(hook_command("Stop"))})
    monkeypatch.setenv("CLAUDE_CODE_SAFE_MODE", "1")
    code, out = _hooks_status(capsys)
    assert code == 1 and out.count("CLAUDE_CODE_SAFE_MODE=1 is set") == 1, out
    [user_part, managed_part] = out.split(f"{managed} (managed settings)")
    assert "CLAUDE_CODE_SAFE_MODE" in user_part and "CLAUDE_CODE_SAFE_MODE" not in managed_part, out
    monkeypatch.setenv("CLAUDE_CODE_SAFE_MODE", "0")
    assert "CLAUDE_CODE_SAFE_MODE" not in _hooks_status(capsys)[1]
