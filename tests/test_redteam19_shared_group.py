"""Red team, nineteenth pass: a primary group shared by every account.

hookd accepts a file or directory its group can write when that group is the user's own primary
group: with user private groups (a group per user, umask 002) nobody else is in it. Where every
account's primary group is one shared group (``users``, gid 100, on openSUSE; a directory
service's ``domain users``), every other user is in it: a config file of mode 0664 in that group
was trusted, and another user rewrote its redis_url. Now the exemption holds only for a private
group: named as the user, no other member, no other account's primary group (trust.private_group).
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import subprocess
import sys

import pytest

from conftest import REPO
from other_user import NOBODY, needs_root

ATTACKER = 'redis_url = "redis://attacker.invalid:6379/0"\n'


def _shared_gid() -> int:
    try:
        return grp.getgrnam("users").gr_gid
    except KeyError:
        pytest.skip("no 'users' group on this machine")


@pytest.fixture
def shared_dir():
    path = f"/tmp/hookd-rt19-grp-{os.getpid()}"  # others may enter it, as a home directory
    os.makedirs(path, mode=0o755, exist_ok=True)
    os.chmod(path, 0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _hookd_config(config: str, gid: int) -> subprocess.CompletedProcess:
    """`hookd config` as this user (root in CI) with ``gid`` as its primary group."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOOKD_")}
    env["HOOKD_CONFIG"] = config
    return subprocess.run(
        ["setpriv", f"--regid={gid}", "--clear-groups", sys.executable, "-m", "hookd", "config"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
    )


@needs_root
def test_a_config_file_a_shared_primary_group_can_write_is_refused(shared_dir):
    gid = _shared_gid()
    config = os.path.join(shared_dir, "config.toml")
    with open(config, "w") as fh:
        fh.write('redis_url = "redis://127.0.0.1:6390/0"\n')
    os.chown(config, os.getuid(), gid)
    os.chmod(config, 0o664)
    # Another account whose primary group is the same one rewrites it.
    subprocess.run(
        ["setpriv", f"--reuid={NOBODY}", f"--regid={gid}", "--clear-groups", "sh", "-c", f"cat > {config}"],
        input=ATTACKER,
        text=True,
        check=True,
        timeout=30,
    )
    done = _hookd_config(config, gid)
    assert "attacker.invalid" not in done.stdout, done.stdout
    assert done.returncode == 78, (done.returncode, done.stdout, done.stderr)
    assert f"{config} is writable by other users" in done.stderr and f"chmod go-w {config}" in done.stderr, done.stderr


@needs_root
def test_a_config_file_its_private_group_can_write_is_still_accepted(shared_dir):
    """A guard (it held before too): under a user private group, umask 002's files are the user's."""
    me, group = pwd.getpwuid(os.getuid()).pw_name, grp.getgrgid(os.getgid())
    shared = [p.pw_name for p in pwd.getpwall() if p.pw_gid == os.getgid() and p.pw_uid != os.getuid()]
    if group.gr_name != me or set(group.gr_mem) - {me} or shared:
        pytest.skip("this user's primary group is not a private one here")
    config = os.path.join(shared_dir, "config.toml")
    with open(config, "w") as fh:
        fh.write('redis_url = "redis://127.0.0.1:6390/0"\n')
    os.chown(config, os.getuid(), os.getgid())  # root's group, root's alone
    os.chmod(config, 0o664)
    done = _hookd_config(config, os.getgid())
    assert done.returncode == 0, done.stderr
    assert "redis://127.0.0.1:6390/0" in done.stdout
