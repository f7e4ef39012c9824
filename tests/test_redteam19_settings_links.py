"""Red team, nineteenth pass: a checkout's settings link that points at nothing.

git keeps symbolic links, so a cloned repository can carry ``.claude/settings.json`` (or
``.claude`` itself) as a link to anywhere: ``../../.bash_profile``, ``~/.ssh/config``. ``hookd
hooks install --scope project`` (or ``local``) writes through a settings link, as dotfile managers
make them; when the link's target did not exist it created it, and any missing directory on the
way, with hookd's JSON in it: a ``.bash_profile`` that hides ``.profile`` from every login shell,
an ``ssh`` config that ssh refuses. Now a link to nothing is refused, naming it and the fix, and
nothing is created; a link to an existing file is written through as before.
"""

from __future__ import annotations

import json
import os

import pytest

from test_hooks_install import home, run_hooks  # noqa: F401 - fixture


@pytest.mark.parametrize("linked", ["file", "directory"])
@pytest.mark.parametrize("dry_run", [False, True], ids=["install", "dry-run"])
def test_a_settings_link_to_nothing_is_refused_and_nothing_is_created(home, capsys, linked, dry_run):  # noqa: F811
    victim = home / "home" / ".config" / "somewhere"  # not there: a missing directory too
    claude = home / "project" / ".claude"
    if linked == "file":
        claude.mkdir()
        os.symlink(os.path.relpath(victim / "profile", claude), claude / "settings.json")
    else:
        os.symlink(os.path.relpath(victim, home / "project"), claude)
    code = run_hooks("install", "--scope", "project", *(["--dry-run"] if dry_run else []))
    err = capsys.readouterr().err
    assert code != 0
    assert "is a symbolic link to" in err and "which does not exist" in err and "fix:" in err, err
    assert not (home / "home" / ".config").exists()


def test_a_settings_link_to_an_existing_file_is_still_written_through(home, capsys):  # noqa: F811
    """A guard, which held before too: a dotfile manager's link to a file that exists."""
    kept = home / "home" / "dotfiles" / "claude-settings.json"
    kept.parent.mkdir(parents=True)
    kept.write_text('{"model": "opus"}\n')
    claude = home / "project" / ".claude"
    claude.mkdir()
    os.symlink(kept, claude / "settings.json")
    assert run_hooks("install", "--scope", "project") == 0, capsys.readouterr().err
    assert os.path.islink(claude / "settings.json")
    data = json.loads(kept.read_text())
    assert data["model"] == "opus" and data["hooks"]
