"""Red team, sixteenth pass's Left: ``hookd hooks install`` and ``hooks status`` without a home.

The sixteenth pass made hookd take only an absolute HOME, else the password database's home, but
the tests run as root, whose entry has one. Tried as a second uid (setpriv, ``env -i``): one the
password database does not know, and nobody, whose entry names ``/nonexistent``. With nobody's,
``hooks status`` said the user settings were "(no such file)" and that hookd's hooks were installed
nowhere (exit 3), ``hooks install`` stopped on ``cannot write /nonexistent: Permission denied``
without a fix; with a state directory given but no home, ``hooks status`` and ``hookd status``
stopped at once (exit 78) instead of checking the project's settings; and a relative
CLAUDE_CONFIG_DIR had ``hooks install`` write the user's settings into the working directory.
Now a home from the password database counts only when it is a directory of the user's, each says
what is wrong and the fix, the status commands check what they can, and nothing is written under
the working directory but the project scope's own file when that scope is asked for.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile

import pytest

from conftest import REPO
from other_user import NOBODY, needs_root
from test_hooks_install import home, run_hooks  # noqa: F401 - fixture

NO_PASSWD_UID = 54321  # a uid the password database does not know (a container's --user)
PYTHON = "/usr/bin/python3"  # the other uid cannot reach the test's interpreter under /root
SITE = os.path.join(REPO, ".venv", "lib", "python3.11", "site-packages")

pytestmark = [
    needs_root,
    pytest.mark.skipif(
        not os.path.isdir(SITE) or not os.access(PYTHON, os.X_OK),
        reason="needs the project's .venv and /usr/bin/python3 (the same Python minor version)",
    ),
]


@pytest.fixture
def place():
    base = tempfile.mkdtemp(prefix="h16nohome-")
    os.chmod(base, 0o755)
    yield base
    shutil.rmtree(base, ignore_errors=True)


def _hookd_as(uid: int, place: str, *args: str, state: bool = False) -> tuple[subprocess.CompletedProcess, str]:
    """``hookd ARGS`` as ``uid`` with no HOME (``env -i``), in a project directory it owns ->
    (run, project). ``state``: with HOOKD_STATE_DIR, an absolute directory of its own."""
    project = os.path.join(place, f"project-{uid}")
    os.mkdir(project)
    os.chown(project, uid, uid)
    env = {"PATH": "/usr/bin:/bin"}
    if state:
        env["HOOKD_STATE_DIR"] = os.path.join(place, f"state-{uid}")
        os.mkdir(env["HOOKD_STATE_DIR"], 0o700)
        os.chown(env["HOOKD_STATE_DIR"], uid, uid)
    code = (
        f"import site,sys; sys.path.insert(0, {str(REPO)!r}); site.addsitedir({SITE!r}); "
        "sys.argv=['hookd']+sys.argv[1:]; from hookd.cli import main; sys.exit(main())"
    )
    argv = ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", PYTHON, "-c", code, *args]
    done = subprocess.run(argv, env=env, cwd=project, capture_output=True, text=True, timeout=120)
    return done, project


@pytest.mark.parametrize("uid", [NO_PASSWD_UID, NOBODY])
def test_install_without_a_home_says_what_to_set_and_writes_nothing(place, uid):
    for state in (False, True):
        done, project = _hookd_as(uid, place, "hooks", "install", "--events", "Stop", state=state)
        assert done.returncode == 78, (state, done.returncode, done.stdout, done.stderr)
        assert "Traceback" not in done.stderr and "HOME is not set" in done.stderr, done.stderr
        assert ("HOOKD_STATE_DIR" if not state else "CLAUDE_CONFIG_DIR") in done.stderr, done.stderr
        if uid == NOBODY:
            assert "/nonexistent" in done.stderr, done.stderr
        assert os.listdir(project) == [], os.listdir(project)
        shutil.rmtree(project)
    assert not os.path.exists("/nonexistent")


@pytest.mark.parametrize("uid", [NO_PASSWD_UID, NOBODY])
def test_hooks_status_without_a_home_checks_the_project_and_names_the_fix(place, uid):
    done, project = _hookd_as(uid, place, "hooks", "status", "--json", state=True)
    assert done.returncode == 1, (done.returncode, done.stdout, done.stderr)
    files = json.loads(done.stdout)["files"]
    [user] = [f for f in files if f.get("error")]
    assert "user settings were not checked" in user["error"] and "set HOME" in user["error"], user
    assert "CLAUDE_CONFIG_DIR" in user["error"], user
    assert {f["path"] for f in files if not f.get("error")} == {
        os.path.join(project, ".claude", "settings.json"),
        os.path.join(project, ".claude", "settings.local.json"),
    }
    assert os.listdir(project) == []
    # Without a state directory either: one line naming both settings, nothing written.
    shutil.rmtree(project)
    done, project = _hookd_as(uid, place, "hooks", "status", state=False)
    assert done.returncode == 78 and "HOOKD_STATE_DIR" in done.stderr and "HOME" in done.stderr, done.stderr
    assert os.listdir(project) == []


def test_hookd_status_without_a_home_still_tells_the_daemons_state(place):
    done, project = _hookd_as(NO_PASSWD_UID, place, "status", state=True)
    assert done.returncode == 2, (done.returncode, done.stdout, done.stderr)  # not running, as it is
    [row] = [line for line in done.stdout.splitlines() if "user settings were not checked" in line]
    assert row.startswith("hooks") and "set HOME" in row, row
    assert os.listdir(project) == []


def test_a_relative_claude_config_dir_is_refused_not_made_in_the_working_directory(home, capsys, monkeypatch):  # noqa: F811
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", "cfg")
    assert run_hooks("install", "--events", "Stop") == 78
    assert "CLAUDE_CONFIG_DIR" in capsys.readouterr().err
    assert os.listdir(home / "project") == []
    assert run_hooks("status") == 1
    assert "CLAUDE_CONFIG_DIR ('cfg') is not an absolute path" in capsys.readouterr().out
    assert os.listdir(home / "project") == []
