"""What ``hookd hooks`` leaves behind, and the files ``hooks status`` could not read.

``uninstall`` of a file that ``install`` created left it holding ``{}`` (docs/hooks.md promised
the original bytes: there were none), and every change left one more
``settings.json.hookd-backup-*``, the same two contents over and over. ``hooks status`` skipped a
managed drop-in, a plugin's hooks file or manifest, or the plugin list that was a directory, a
FIFO, too big, not JSON or not readable without a word. Real files under a throwaway HOME; the
CLI in-process as in test_hooks_install.py.
"""

from __future__ import annotations

import json
import os

from other_user import needs_root, run_as_nobody
from test_hooks_install import backups, home, run_hooks, user_settings  # noqa: F401 - fixture
from test_redteam21_hooks_off import managed  # noqa: F401 - fixture

from hookd.hooks import layers, settings

SECRET = "sk-ant-api03-do-not-show-me-0123456789"


def test_uninstall_removes_the_file_install_created_and_nothing_else_of_hookd_stays(home, capsys):  # noqa: F811
    path = user_settings(home)
    assert run_hooks("install") == 0
    capsys.readouterr()
    assert run_hooks("uninstall") == 0
    assert "and the file, which hookd created" in capsys.readouterr().out
    assert not path.exists()
    assert sorted(os.listdir(path.parent)) == []  # no record, no backup of hookd's own entries


def test_uninstall_dry_run_of_a_created_file_shows_its_removal_and_keeps_it(home, capsys):  # noqa: F811
    assert run_hooks("install") == 0
    capsys.readouterr()
    assert run_hooks("uninstall", "--dry-run") == 0
    assert "+++ /dev/null" in capsys.readouterr().out
    assert user_settings(home).exists()


def test_a_created_file_someone_else_wrote_stays_and_the_user_is_told(home, capsys):  # noqa: F811
    path = user_settings(home)
    assert run_hooks("install") == 0
    data = json.loads(path.read_text())
    path.write_text(json.dumps({**data, "model": "opus"}))
    capsys.readouterr()
    assert run_hooks("uninstall") == 0
    assert "created by hookd's install but has been changed since, so it stays" in capsys.readouterr().out
    assert json.loads(path.read_text()) == {"model": "opus"}
    assert not (path.parent / "settings.json.hookd-created").exists()


def test_a_created_file_edited_back_to_only_hookd_entries_still_stays(home):  # noqa: F811
    path = user_settings(home)
    assert run_hooks("install") == 0
    path.write_text(json.dumps(json.loads(path.read_text())))  # rewritten by hand: no longer hookd's bytes
    assert run_hooks("uninstall") == 0
    assert json.loads(path.read_text()) == {}


def test_a_file_made_again_by_the_user_after_hookd_made_one_is_not_removed(home):  # noqa: F811
    path = user_settings(home)
    assert run_hooks("install") == 0
    os.unlink(path)  # the record stays behind: the user removed only the file
    path.write_text("{}\n")
    assert run_hooks("install") == 0
    assert run_hooks("uninstall") == 0
    assert path.read_bytes() == b"{}\n"


def test_a_second_install_into_a_created_file_keeps_it_removable(home):  # noqa: F811
    assert run_hooks("install", "--events", "Stop") == 0
    assert run_hooks("install") == 0
    assert run_hooks("uninstall") == 0
    assert not user_settings(home).exists()


def test_install_uninstall_cycles_keep_one_backup_per_distinct_content(home):  # noqa: F811
    path = user_settings(home)
    path.parent.mkdir()
    original = b'{"model": "opus"}\n'
    path.write_bytes(original)
    for _ in range(4):
        assert run_hooks("install") == 0
        assert run_hooks("uninstall") == 0
    assert path.read_bytes() == original
    kept = backups(path)
    assert len(kept) == 2, kept  # the original, and the file with hookd's entries
    assert original in {b.read_bytes() for b in kept}


def _plugin(home, hooks_file, manifest=None) -> None:
    root = home / "plugin"
    (root / "hooks").mkdir(parents=True)
    hooks_file(root / "hooks" / "hooks.json")
    if manifest is not None:
        (root / ".claude-plugin").mkdir()
        manifest(root / ".claude-plugin" / "plugin.json")
    listed = {"version": 2, "plugins": {"p@m": [{"installPath": str(root), "scope": "user"}]}}
    config = home / "home" / ".claude"
    (config / "plugins").mkdir(parents=True)
    (config / "plugins" / "installed_plugins.json").write_text(json.dumps(listed))
    (config / "settings.json").write_text(json.dumps({"enabledPlugins": {"p@m": True}}))


def test_status_names_each_managed_or_plugin_file_it_cannot_read_without_its_content(
    home,
    managed,
    capsys,  # noqa: F811
):
    managed.write_text("{}")
    drop = managed.parent / "managed-settings.d"
    drop.mkdir()
    (drop / "10-dir.json").mkdir()
    os.mkfifo(drop / "20-fifo.json")
    (drop / "30-bad.json").write_text(json.dumps({"env": {"ANTHROPIC_API_KEY": SECRET}})[:-3])
    with open(drop / "40-big.json", "wb") as fh:
        fh.truncate(settings.MAX_BYTES + 1)
    (drop / "50-good.json").write_text('{"model": "opus"}')
    _plugin(home, lambda p: p.mkdir(), lambda p: p.write_text(f"{{{SECRET}"))
    assert run_hooks("install") == 0
    capsys.readouterr()
    code = run_hooks("status")
    out = capsys.readouterr().out
    assert code == 0, out  # notes: the hooks themselves are sound
    root = home / "plugin"
    expected = {
        drop / "10-dir.json": "it is a directory, not a file",
        drop / "20-fifo.json": "it is a FIFO, not a file",
        drop / "30-bad.json": "it is not valid JSON (line 1 column",
        drop / "40-big.json": "it is larger than a settings file can be",
        root / "hooks" / "hooks.json": "it is a directory, not a file",
        root / ".claude-plugin" / "plugin.json": "it is not valid JSON (line 1 column",
    }
    for path, why in expected.items():
        line = next((ln for ln in out.splitlines() if ln.startswith(f"{path} (")), None)
        assert line is not None, (path, out)
        note = out.split(line + "\n", 1)[1].splitlines()[0]
        assert note.startswith("  note: not read: ") and why in note and "fix:" in note, note
    assert "50-good.json" not in out and SECRET not in out and "do-not-show" not in out
    capsys.readouterr()
    assert run_hooks("status", "--json") == 0
    noted = {f["path"] for f in json.loads(capsys.readouterr().out)["files"] if f.get("note")}
    assert noted == {str(p) for p in expected}


def test_status_names_a_plugin_list_it_cannot_read(home, capsys):  # noqa: F811
    listing = home / "home" / ".claude" / "plugins" / "installed_plugins.json"
    listing.mkdir(parents=True)
    assert run_hooks("install") == 0
    capsys.readouterr()
    assert run_hooks("status", "--scope", "user") == 0
    out = capsys.readouterr().out
    assert f"{listing} (plugin list)\n  note: not read: it is a directory, not a file" in out, out


def _reason(path: str) -> str | None:
    return layers.read_noting(path)[1]


@needs_root
def test_a_file_another_user_cannot_read_is_named_as_such(tmp_path):
    os.chmod(tmp_path, 0o755)
    secret = tmp_path / "managed-settings.json"
    secret.write_text(json.dumps({"env": {"K": SECRET}}))
    secret.chmod(0o600)
    assert run_as_nobody(_reason, str(secret)) == "Permission denied"


def test_run_from_the_home_directory_the_one_settings_file_is_listed_once(home, capsys, monkeypatch):  # noqa: F811
    """In the home directory the project's .claude/settings.json is the user's: `hooks status` listed it
    twice, each of its findings said twice (and `hookd status` and `hookd run` said them twice)."""
    monkeypatch.chdir(home / "home")
    assert run_hooks("install") == 0
    capsys.readouterr()
    run_hooks("status", "--json")
    listed = [f["path"] for f in json.loads(capsys.readouterr().out)["files"]]
    assert listed.count(str(user_settings(home))) == 1, listed
