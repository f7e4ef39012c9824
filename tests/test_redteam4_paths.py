"""Red team, fourth pass: hookd's directories reached through another user's link or directory.

hookd refuses a directory inside one that another user could change (they could rename it away
and put their own in its place), but it checked the directories above the *resolved* path only:
a path that goes through a symbolic link, or through a directory of another user's that holds
one, was judged by where the link pointed at the time. Whoever owns the link (or the directory
holding it) can point it elsewhere later, and hookd's next open by name lands in their
directory: the state directory, the sockets' directory, the config file, the spare inbox. Now
every directory looked in while the path is resolved, links followed included, must be the
user's or root's and closed to others (unless sticky), and every link followed must be the
user's or root's.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time

import pytest

from conftest import wait_until
from hookd import config as hookd_config
from hookd.paths import UnsafePathError, check_parents, ensure_private_dir
from other_user import NOBODY, make_dir_as_nobody, needs_root, run_as_nobody
from test_security_daemon import refused_start
from test_spare_inbox import put

pytestmark = needs_root


def _symlink(target: str, link: str) -> None:
    os.symlink(target, link)


@pytest.fixture
def planted(tmp_path):
    """/tmp/<A> made by nobody (0755), holding nobody's link ``l`` to ``ours``, a directory of
    ours (0700): -> (A, A/l, ours)."""
    parent = make_dir_as_nobody(tempfile.mktemp(prefix="hkln", dir="/tmp"), 0o755)
    ours = tempfile.mkdtemp(prefix="hkours", dir="/tmp")
    os.chmod(ours, 0o700)
    link = os.path.join(parent, "l")
    run_as_nobody(_symlink, ours, link)
    yield parent, link, ours
    shutil.rmtree(parent, ignore_errors=True)
    shutil.rmtree(ours, ignore_errors=True)


@pytest.fixture
def sticky_link(tmp_path):
    """nobody's link in /tmp itself (root's, sticky) to a directory of ours: -> (link, ours)."""
    ours = tempfile.mkdtemp(prefix="hkours", dir="/tmp")
    os.chmod(ours, 0o700)
    link = tempfile.mktemp(prefix="hkstl", dir="/tmp")
    run_as_nobody(_symlink, ours, link)
    yield link, ours
    os.unlink(link)
    shutil.rmtree(ours, ignore_errors=True)


def test_a_directory_reached_through_another_users_directory_and_link_is_refused(planted):
    parent, link, ours = planted
    with pytest.raises(UnsafePathError, match=f"{parent}|{link}"):
        ensure_private_dir(os.path.join(link, "state"))


def test_a_directory_reached_through_another_users_link_in_a_sticky_directory_is_refused(sticky_link):
    link, ours = sticky_link
    with pytest.raises(UnsafePathError, match=f"{link}.*uid {NOBODY}"):
        ensure_private_dir(os.path.join(link, "state"))


def test_our_own_links_to_our_own_directories_are_followed(tmp_path):
    """The control: dotfile managers and bind layouts make such links; they are the user's."""
    real = tmp_path / "real"
    real.mkdir(mode=0o700)
    (tmp_path / "link").symlink_to(real)
    (tmp_path / "rel").symlink_to("real/../real")
    assert ensure_private_dir(str(tmp_path / "link" / "state")).endswith("link/state")
    assert ensure_private_dir(str(tmp_path / "rel" / "state2"))
    check_parents(str(tmp_path / "link" / "state" / "x"))


@pytest.mark.process
def test_hookd_refuses_a_state_directory_behind_another_users_link(hookd_factory, planted):
    parent, link, ours = planted
    line = refused_start(hookd_factory(start=False, state_dir=os.path.join(link, "state")))
    assert parent in line or link in line, line
    assert os.listdir(ours) == [], "hookd made its files in a place another user can re-point"


@pytest.mark.process
def test_hookd_refuses_a_socket_behind_another_users_link(hookd_factory, sticky_link):
    link, ours = sticky_link
    line = refused_start(hookd_factory(start=False, socket=os.path.join(link, "run", "hookd.sock")))
    assert link in line, line
    assert os.listdir(ours) == []


def test_a_config_file_behind_another_users_link_is_refused(planted):
    parent, link, ours = planted
    with open(os.path.join(ours, "config.toml"), "w") as fh:
        fh.write('redis_url = "redis://127.0.0.1:1/0"\n')
    os.chmod(os.path.join(ours, "config.toml"), 0o600)
    with pytest.raises(hookd_config.ConfigError, match="config file"):
        hookd_config.load(environ={"HOOKD_CONFIG": os.path.join(link, "config.toml")})


def test_a_spare_inbox_behind_another_users_link_is_not_swept(hookd_factory, redis_db, sticky_link):
    """nobody points /tmp/<link> at a directory of ours that is not the spare inbox: hookd read
    and published (or set aside, moving them) the files it found there."""
    link, ours = sticky_link
    target = os.path.join(ours, "inbox")
    os.mkdir(target, 0o700)
    from pathlib import Path

    put(Path(target), 1, time.time_ns())
    daemon = hookd_factory(spare_inbox=os.path.join(link, "inbox"))
    wait_until(lambda: _status(daemon)["inbox"]["spare_problem"], timeout=60, what="status to name the problem")
    time.sleep(1)  # two sweeps
    assert redis_db.xlen("hookd:events") == 0
    assert len([n for n in os.listdir(target) if n.endswith(".hookd")]) == 1
    assert link in _status(daemon)["inbox"]["spare_problem"] or "link" in _status(daemon)["inbox"]["spare_problem"]


def _status(daemon) -> dict:
    import json

    done = subprocess.run(
        [sys.executable, "-m", "hookd", "status", "--json"], env=daemon.env, capture_output=True, timeout=30
    )
    return json.loads(done.stdout)
