"""Hundred-eleventh red-team pass: a POSIX ACL longer than the native client read.

hook_send.c read the ACL of a directory on the way to the socket into a buffer of 1,024 entries: a
longer one (tmpfs and XFS keep up to 8,191; ext4 about 500, a block's worth) came back ERANGE, and the
directory was refused as "other users can write (a POSIX ACL names them)" though the ACL named no one
who could write. Now both clients read an ACL of any length the kernel keeps, and judge it by its
entries: the last one of 1,500 counts as the first does.
"""

from __future__ import annotations

import os
import struct
import subprocess

import pytest

from other_user import needs_root
from test_client import BODY, env, inbox_files, run_client, sockdir  # noqa: F401 -- env and sockdir are fixtures
from test_redteam109_acl import (
    ACL_GROUP_OBJ,
    ACL_MASK,
    ACL_OTHER,
    ACL_USER,
    ACL_USER_OBJ,
    UNDEFINED_ID,
    handed_over,
    refused,
)
from test_redteam109_acl import private_group  # noqa: F401 -- the autouse fixture: a user private group

LONG = 1500  # past the 1,024 entries the native client read; ext4 keeps no more than about 500
FIRST_UID = 300_000  # ids no account has: an ACL may name any uid


@pytest.fixture
def tmpfs(sockdir):  # noqa: F811
    """A tmpfs (it keeps an ACL as long as an xattr holds) under sockdir: a socket path stays short."""
    mount = sockdir / "m"
    mount.mkdir(mode=0o700)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "mode=0700,size=1m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode(errors='replace').strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False, capture_output=True)


def _long_acl_dir(path: str, writer: int | None) -> str:
    """Mode 0770, our private group's, its ACL naming LONG users who may read and enter it, and after
    them ``writer`` (if any) with write too: entries sorted by id, as the kernel requires."""
    os.mkdir(path, 0o770)
    os.chmod(path, 0o770)
    named = [(ACL_USER, 0o5, FIRST_UID + i) for i in range(LONG)]
    if writer is not None:
        named.append((ACL_USER, 0o7, writer))
    entries = [
        (ACL_USER_OBJ, 0o7, UNDEFINED_ID),
        *named,
        (ACL_GROUP_OBJ, 0o7, UNDEFINED_ID),
        (ACL_MASK, 0o7, UNDEFINED_ID),
        (ACL_OTHER, 0, UNDEFINED_ID),
    ]
    os.setxattr(
        path, "system.posix_acl_access", struct.pack("<I", 2) + b"".join(struct.pack("<HHI", *e) for e in entries)
    )
    assert len(os.getxattr(path, "system.posix_acl_access")) == 4 + 8 * (len(named) + 4)
    run = os.path.join(path, "run")
    os.mkdir(run, 0o700)
    return run


@needs_root
def test_a_long_acl_naming_no_one_who_can_write_is_accepted(env, tmpfs, client_cmd):  # noqa: F811
    run = _long_acl_dir(str(tmpfs / "shared"), writer=None)
    handed_over(env, client_cmd, run)


@needs_root
def test_a_long_acl_whose_last_entry_may_write_is_refused(env, tmpfs, client_cmd):  # noqa: F811
    shared = str(tmpfs / "shared")
    run = _long_acl_dir(shared, writer=FIRST_UID + LONG)
    refused(env, client_cmd, run, shared)
