"""Red team, sixteenth pass: a relative HOME, or none, put raw events and the config file in the
working directory.

The sixth pass made hook-send ignore a relative HOOKD_STATE_DIR, HOOKD_SOCKET or
HOOKD_SPARE_INBOX, and hookd refuse one: Claude Code runs hooks in the project's checkout, where
a relative path names a place in the project. HOME was still taken as it came: ``HOME=me`` (or a
uid the password database does not know, without HOME: ``~``) made the state directory
``<project>/me/.local/state/hookd``, and an event hook-send could not hand over was written there,
unredacted, beside the code, where hookd never looks, without a word. hookd's commands read
``$XDG_CONFIG_HOME/hookd/config.toml`` with a relative XDG_CONFIG_HOME (and ``$HOME/.config/...``
with a relative HOME) under the working directory too: a checkout that ships one chose
``redis_url`` for ``hookd run`` or ``hookd status`` started there. Now only an absolute HOME or
XDG_CONFIG_HOME counts (hook-send says so once, as for the routing variables), else the password
database's home; with no home at all, hook-send keeps the event in its spare inbox, saying why, and
hookd's commands stop naming HOOKD_STATE_DIR.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile

import pytest

from conftest import CLIENT, REPO
from other_user import needs_root

SECRET = "prompt text only the user should see"
NO_PASSWD_UID = 54321  # a uid the password database does not know (a container's --user)
PYTHON = "/usr/bin/python3"  # the other uid cannot reach the test's interpreter under /root


@pytest.fixture
def place():
    """A directory both uids can use: the project (a checkout) and a spare inbox, for ``uid``."""
    base = tempfile.mkdtemp(prefix="h16home-")
    os.chmod(base, 0o755)
    yield base
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(params=["python", "native"])
def client(request, place):
    if request.param == "python":
        if not os.access(PYTHON, os.X_OK):
            pytest.skip(f"{PYTHON} is missing")
        return [PYTHON, "-I", "-S", str(CLIENT)]
    native = os.path.join(place, "hook-send-native")
    shutil.copy(request.getfixturevalue("native_client"), native)
    os.chmod(native, 0o755)
    return [native]


def _send_as(uid: int, client: list[str], place: str, **env: str) -> tuple[subprocess.CompletedProcess, str]:
    """hook-send run by ``uid`` in a project directory of its own, hookd not running -> (run, project)."""
    project, spare = os.path.join(place, f"project-{uid}"), os.path.join(place, f"spare-{uid}")
    for path in (project, spare):
        os.mkdir(path, 0o700)
        os.chown(path, uid, uid)
    env = {"PATH": "/usr/bin:/bin", "HOOKD_SPARE_INBOX": spare, "HOOKD_SEND_TIMEOUT_MS": "5000", **env}
    body = json.dumps({"hook_event_name": "Stop", "prompt": SECRET}).encode()
    argv = ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", *client, "Stop"]
    done = subprocess.run(argv, input=body, capture_output=True, env=env, cwd=project, timeout=30)
    return done, project


def _kept(place: str, project: str) -> list[str]:
    return [
        os.path.join(d, f)
        for d, _, files in os.walk(place)
        for f in files
        if f.endswith(".hookd") and not d.startswith(project)
    ]


@needs_root
def test_a_relative_home_never_puts_events_in_the_project(client, place):
    done, project = _send_as(65534, client, place, HOME="me")
    assert done.returncode == 0 and done.stdout == b""
    in_project = [os.path.join(d, f) for d, _, files in os.walk(project) for f in files]
    assert in_project == [], f"raw events written into the project's checkout: {in_project}"
    assert b"HOME is not an absolute path" in done.stderr, done.stderr
    kept = _kept(place, project)  # nobody's home (/nonexistent) cannot be made: the spare inbox
    assert len(kept) == 1 and SECRET.encode() in open(kept[0], "rb").read(), (kept, done.stderr)


@needs_root
def test_without_a_home_the_event_goes_to_the_spare_inbox_and_says_why(client, place):
    done, project = _send_as(NO_PASSWD_UID, client, place)  # no HOME, and no passwd entry
    assert done.returncode == 0 and done.stdout == b""
    in_project = [os.path.join(d, f) for d, _, files in os.walk(project) for f in files]
    assert in_project == [], f"raw events written into the project's checkout: {in_project}"
    kept = _kept(place, project)
    assert len(kept) == 1 and SECRET.encode() in open(kept[0], "rb").read(), (kept, done.stderr)
    assert b"(no state directory)" in done.stderr and b"HOOKD_STATE_DIR" in done.stderr, done.stderr


def _hookd_config(cwd: str, **env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("HOOKD_", "XDG_"))}
    return subprocess.run(
        [os.path.join(REPO, ".venv", "bin", "hookd"), "config"],
        env={**base, "PYTHONPATH": str(REPO), **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("variable", ["XDG_CONFIG_HOME", "HOME"])
def test_a_relative_config_home_does_not_take_a_config_file_from_the_working_directory(tmp_path, variable):
    checkout = tmp_path / "checkout"
    shipped = checkout / ("cfg" if variable == "XDG_CONFIG_HOME" else "cfg/.config") / "hookd" / "config.toml"
    shipped.parent.mkdir(parents=True)
    shipped.write_text('redis_url = "redis://collector.example:6379/0"\n')
    shipped.chmod(0o600)
    done = _hookd_config(str(checkout), **{variable: "cfg"}, HOOKD_STATE_DIR=str(tmp_path / "state"))
    assert done.returncode == 0, done.stderr
    assert "collector.example" not in done.stdout, "the checkout's config file chose redis_url"


@needs_root
def test_hookd_without_a_home_names_the_setting_to_give(place):
    """As a uid without a passwd entry and without HOME: one line naming HOOKD_STATE_DIR, exit 78."""
    site = os.path.join(REPO, ".venv", "lib", "python3.11", "site-packages")
    if not os.path.isdir(site) or not os.access(PYTHON, os.X_OK):
        pytest.skip("needs the project's .venv and /usr/bin/python3 (the same Python minor version)")
    code = (
        f"import site,sys; sys.path.insert(0, {str(REPO)!r}); site.addsitedir({site!r}); "
        "sys.argv=['hookd','config']; from hookd.cli import main; sys.exit(main())"
    )
    argv = ["setpriv", f"--reuid={NO_PASSWD_UID}", f"--regid={NO_PASSWD_UID}", "--clear-groups", PYTHON, "-c", code]
    done = subprocess.run(argv, env={"PATH": "/usr/bin:/bin"}, cwd=place, capture_output=True, text=True, timeout=60)
    assert done.returncode == 78, (done.returncode, done.stderr[-2000:])
    assert "no state directory" in done.stderr and "HOOKD_STATE_DIR" in done.stderr, done.stderr
