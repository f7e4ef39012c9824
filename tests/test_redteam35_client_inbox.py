"""Thirty-fifth red-team pass: hook-send (both clients) with an inbox that cannot take the event.

Held, no change: the daemon away, an inbox on a tmpfs that is full (ENOSPC), at its file-count
cap (nr_inodes: ENOSPC at the create), read-only (EROFS), or over its quota (EDQUOT: this kernel's
tmpfs has no quotas, so an LD_PRELOAD library fails each write to a regular file with it, which
fails the spare inbox's write too). Each time the client exits 0 with nothing on stdout, leaves
no part of a file, and keeps the event whole in the spare inbox (saying why on stderr) or, when
that fails too, says it is lost.
"""

from __future__ import annotations

import os
import subprocess

import pytest

from preload_shim import build_shim
from test_client import BODY, env, parse_frame, sockdir  # noqa: F401 -- env and sockdir are fixtures

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="mounting a tmpfs needs root (CI runs as root)")

EDQUOT_SHIM = r"""
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>
ssize_t write(int fd, const void *buf, size_t n)
{
    static ssize_t (*real)(int, const void *, size_t);
    struct stat st;
    if (!real)
        real = (ssize_t (*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
        errno = EDQUOT;
        return -1;
    }
    return real(fd, buf, n);
}
"""


@pytest.fixture(scope="module")
def edquot_shim(tmp_path_factory):
    return build_shim(tmp_path_factory, EDQUOT_SHIM)


def _mount(path, opts: str) -> None:
    path.mkdir(mode=0o700, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", opts, "tmpfs", str(path)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")


def _fill(state, how: str) -> None:
    if how == "full":
        _mount(state, "size=16k,mode=0700")
        fd = os.open(state / "filler", os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            while os.write(fd, b"x" * 4096):
                pass
        except OSError:  # full
            pass
        finally:
            os.close(fd)
    elif how == "file_cap":
        _mount(state, "nr_inodes=3,mode=0700")  # the root, inbox/, and one file
        (state / "inbox").mkdir(mode=0o700)
        for i in range(8):
            try:
                (state / "inbox" / f"other-{i}").touch()
            except OSError:
                break
    elif how == "read_only":
        _mount(state, "size=1m,mode=0700")
        (state / "inbox").mkdir(mode=0o700)
        subprocess.run(["mount", "-o", "remount,ro", str(state)], check=True)


@pytest.mark.parametrize("how, errno_name", [("full", "ENOSPC"), ("file_cap", "ENOSPC"), ("read_only", "EROFS")])
def test_an_inbox_that_cannot_take_the_event_sends_it_whole_to_the_spare_inbox(
    env,
    tmp_path,
    client_cmd,
    how,
    errno_name,  # noqa: F811
):
    state = tmp_path / "state"
    try:
        _fill(state, how)
        before = sorted(p.name for p in (state / "inbox").iterdir()) if (state / "inbox").exists() else []
        done = subprocess.run([*client_cmd, "Stop"], input=BODY, env=env, capture_output=True, timeout=30)
        after = sorted(p.name for p in (state / "inbox").iterdir()) if (state / "inbox").exists() else []
    finally:
        if os.path.ismount(state):
            subprocess.run(["umount", "-l", str(state)], check=True)
    assert done.returncode == 0 and done.stdout == b"", done
    assert after == before, "a part of a file was left in the inbox"
    spare = sorted((tmp_path / "spare").iterdir())
    assert len(spare) == 1, (spare, done.stderr)
    assert parse_frame(spare[0].read_bytes())[1] == BODY
    line = done.stderr.decode()
    assert f"cannot write to {state / 'inbox'} ({errno_name}); event kept in {spare[0]}" in line, line


def test_an_inbox_over_its_quota_everywhere_is_said_lost_and_leaves_nothing(env, tmp_path, client_cmd, edquot_shim):  # noqa: F811
    done = subprocess.run(
        [*client_cmd, "Stop"], input=BODY, env=dict(env, LD_PRELOAD=edquot_shim), capture_output=True, timeout=30
    )
    assert done.returncode == 0 and done.stdout == b"", done
    line = done.stderr.decode()
    assert "event lost" in line and "EDQUOT" in line, line
    for box in (tmp_path / "state" / "inbox", tmp_path / "spare"):
        assert not box.exists() or list(box.iterdir()) == [], list(box.iterdir())
