"""Red team, forty-eighth pass: a hook command that runs code another user can change.

`hookd hooks install` writes a command Claude Code runs as the user for every event: the Python
client imported from its directory (sys.path[:0] = that directory, the bytecode cache beside it),
or the native binary. Installed where others can write (a shared virtualenv or a checkout in a
directory open to a group or to all), whoever can write there runs code as the user at every hook;
install said nothing, and `hooks status` judged hook_send.py and the way to it but not its
directory's bytecode cache. install now warns with what `hooks status` finds
(changeable.programs_others_can_change, entries.code_paths, which now adds the client's directory and
its __pycache__); a warning, not a refusal: the daemon runs from the same place.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

from conftest import REPO

WARNING = "hookd: warning: the hook command runs code another user can change"


def _install(tmp_path, pythonpath: str | None, command: str = "install") -> subprocess.CompletedProcess:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOOKD_")}
    env.update(HOME=str(home), HOOKD_HOOK_CLIENT="python", HOOKD_STATE_DIR=str(home / "state"))
    if pythonpath:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [pythonpath, os.environ.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, "-m", "hookd", "hooks", command, "--scope", "user"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
    )


def test_a_client_in_a_directory_others_can_write_is_named(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)  # a shared install: anyone may swap the client's directory
    shutil.copytree(REPO / "client", shared / "hookd_client", ignore=shutil.ignore_patterns("__pycache__"))
    done = _install(tmp_path, str(shared))
    assert done.returncode == 0, done.stderr
    assert str(shared / "hookd_client") in (tmp_path / "home" / ".claude" / "settings.json").read_text()
    assert WARNING in done.stderr and f"inside {shared}" in done.stderr, done.stderr
    assert "install hookd where only you or root can write" in done.stderr, done.stderr


def test_a_client_whose_bytecode_cache_others_can_write_is_named(tmp_path):
    shutil.copytree(REPO / "client", tmp_path / "site" / "hookd_client", ignore=shutil.ignore_patterns("__pycache__"))
    cache = tmp_path / "site" / "hookd_client" / "__pycache__"
    cache.mkdir()
    cache.chmod(0o777)  # a planted hook_send.*.pyc is imported in place of the file
    done = _install(tmp_path, str(tmp_path / "site"))
    assert done.returncode == 0, done.stderr
    assert WARNING in done.stderr and f"{cache} is a directory other users can add files to" in done.stderr, done.stderr
    status = _install(tmp_path, str(tmp_path / "site"), "status")  # the same finding, each time it is asked
    assert status.returncode == 1, status.stdout
    assert f"hookd's hooks run a file another user can change: {cache} is a directory" in status.stdout, status.stdout


def test_the_client_where_it_is_installed_here_is_not_named(tmp_path):
    """A guard: the checkout's own client (root's, 0755 all the way up) draws no warning."""
    done = _install(tmp_path, None)
    assert done.returncode == 0, done.stderr
    assert WARNING not in done.stderr, done.stderr
