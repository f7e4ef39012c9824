"""Hundred-ninth red-team pass: a POSIX ACL that lets another user write where the mode says only we can.

hookd and both hook-send clients accept a file or directory its group can write when that group is
the user's own private group (umask 002; tests/test_redteam19_shared_group.py). With a POSIX ACL
(``setfacl -m u:someone:rwx``) the mode's group bits are the ACL's mask, not the owning group's: a
config file or a directory on the way to hookd's socket that reads 0660/0770, root's group alone,
was writable by every user the ACL names, and was trusted. The ACL is set here through its xattr
(``system.posix_acl_access``), as setfacl does, so no acl package is needed.
"""

from __future__ import annotations

import errno
import grp
import json
import os
import pwd
import shutil
import stat
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO
from fake_peer import answering
from other_user import NOBODY, needs_root, run_as_nobody
from test_client import BODY, env, inbox_files, run_client, sockdir  # noqa: F401 -- env and sockdir are fixtures
from test_hooks_install import home, run_hooks, user_settings  # noqa: F401 - fixture
from test_redteam14_left_hooks import problems

ATTACKER = 'redis_url = "redis://attacker.invalid:6379/0"\n'
ACL_USER_OBJ, ACL_USER, ACL_GROUP_OBJ, ACL_MASK, ACL_OTHER = 0x01, 0x02, 0x04, 0x10, 0x20
UNDEFINED_ID = 0xFFFFFFFF


def grant(path: str, uid: int, perm: int) -> None:
    """Give ``uid`` ``perm`` (rwx bits) on ``path`` by a POSIX access ACL, as ``setfacl -m u:UID:PERM``:
    the mask becomes the mode's group bits, so the mode reads as the group's write."""
    mode = os.stat(path).st_mode
    owner, group, other = (mode >> 6) & 7, (mode >> 3) & 7, mode & 7
    entries = [
        (ACL_USER_OBJ, owner, UNDEFINED_ID),
        (ACL_USER, perm, uid),
        (ACL_GROUP_OBJ, group, UNDEFINED_ID),
        (ACL_MASK, perm | group, UNDEFINED_ID),
        (ACL_OTHER, other, UNDEFINED_ID),
    ]
    value = struct.pack("<I", 2) + b"".join(struct.pack("<HHI", *entry) for entry in entries)
    try:
        os.setxattr(path, "system.posix_acl_access", value)
    except OSError as exc:
        if exc.errno in (errno.ENOTSUP, errno.EOPNOTSUPP):
            pytest.skip(f"no POSIX ACLs on the file system of {path}")
        raise


@pytest.fixture(autouse=True)
def private_group() -> None:
    """The exemption the ACL slipped through holds only for a user private group (root's, in CI)."""
    me, group = pwd.getpwuid(os.getuid()).pw_name, grp.getgrgid(os.getgid())
    shared = [p.pw_name for p in pwd.getpwall() if p.pw_gid == os.getgid() and p.pw_uid != os.getuid()]
    if group.gr_name != me or set(group.gr_mem) - {me} or shared:
        pytest.skip("this user's primary group is not a private one here")


@pytest.fixture
def shared_dir():
    path = f"/tmp/hookd-rt109-{os.getpid()}"  # others may enter it, as a home directory
    shutil.rmtree(path, ignore_errors=True)
    os.mkdir(path, 0o755)
    os.chmod(path, 0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _acl_dir(path: str) -> str:
    """A directory of ours, mode 0770 in our private group, that an ACL lets nobody write."""
    os.mkdir(path, 0o770)
    os.chmod(path, 0o770)
    grant(path, NOBODY, 0o7)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o770
    return path


def _touch(path: str) -> bool:
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    return True


def handed_over(env, client_cmd, run: str) -> None:
    """The client, its socket in ``run``, hands the event to the peer there: silent, nothing in the inbox."""
    env = {**env, "HOOKD_SOCKET": os.path.join(run, "hookd.sock")}
    peer = answering(env["HOOKD_SOCKET"])
    try:
        done = run_client(env, cmd=client_cmd)
        assert (done.returncode, done.stdout, done.stderr) == (0, b"", b""), done
        assert peer.got_frame.wait(30)
    finally:
        peer.close()
    assert peer.received is not None and peer.received.endswith(BODY)
    assert not inbox_files(env["HOOKD_STATE_DIR"])


def refused(env, client_cmd, run: str, shared: str) -> None:
    """The client refuses the socket in ``run`` (inside ``shared``, which an ACL lets others write), says why,
    and keeps the event in the inbox."""
    env = {**env, "HOOKD_SOCKET": os.path.join(run, "hookd.sock")}
    peer = answering(env["HOOKD_SOCKET"])  # ours: before, the event went to it
    try:
        done = run_client(env, cmd=client_cmd)
    finally:
        peer.close()
    assert done.returncode == 0 and done.stdout == b"", done
    assert peer.received is None, peer.received
    err = done.stderr.decode()
    assert f"refused {run}: inside {shared} (owner uid 0, mode 0770), which other users can write (a POSIX ACL" in err
    kept = inbox_files(env["HOOKD_STATE_DIR"])
    assert len(kept) == 1 and kept[0].read_bytes().endswith(BODY), kept


@needs_root
def test_a_config_file_an_acl_lets_another_user_write_is_refused(shared_dir):
    config = os.path.join(shared_dir, "config.toml")
    with open(config, "w") as fh:
        fh.write('redis_url = "redis://127.0.0.1:6390/0"\n')
    os.chmod(config, 0o600)
    grant(config, NOBODY, 0o6)
    assert stat.S_IMODE(os.stat(config).st_mode) == 0o660  # the mask, read as the (private) group's
    subprocess.run(  # the other user rewrites it
        ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", "sh", "-c", f"cat > {config}"],
        input=ATTACKER,
        text=True,
        check=True,
        timeout=30,
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOOKD_")}
    done = subprocess.run(
        [sys.executable, "-m", "hookd", "config"],
        env={**env, "HOOKD_CONFIG": config},
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
    )
    assert "attacker.invalid" not in done.stdout, done.stdout
    assert done.returncode == 78, (done.returncode, done.stdout, done.stderr)
    assert f"{config} is writable by other users (a POSIX ACL names them" in done.stderr, done.stderr
    assert f"chmod go-w {config}" in done.stderr, done.stderr


@needs_root
def test_hookd_run_refuses_a_state_directory_inside_one_an_acl_lets_another_user_write(shared_dir, tmp_path):
    shared = _acl_dir(os.path.join(shared_dir, "shared"))
    assert run_as_nobody(_touch, os.path.join(shared, "planted"))  # they can add, rename, remove there
    state = os.path.join(shared, "state")
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOOKD_")}
    env.update(
        HOOKD_STATE_DIR=state,
        HOOKD_SOCKET=os.path.join(state, "run", "hookd.sock"),
        HOOKD_SPARE_INBOX=str(tmp_path / "spare"),
        HOOKD_CONFIG="/dev/null",
        HOOKD_REDIS_URL="redis://127.0.0.1:1/0",
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "hookd", "run"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=REPO
    )
    try:
        out, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        raise AssertionError(
            f"hookd ran with its state directory in {shared}: {err.decode(errors='replace')}"
        ) from None
    assert proc.returncode == 1, err
    text = err.decode(errors="replace")
    # The control socket's directory (state/run here) is judged first: `hookd run` binds it before the state directory.
    said = f" is inside {shared} (owner uid 0, mode 0770), which other users can write (a POSIX ACL"
    assert f"{state}{said}" in text or f"{state}/run{said}" in text, text
    assert not os.path.exists(state)


@needs_root
def test_hook_send_refuses_a_socket_inside_a_directory_an_acl_lets_another_user_write(env, sockdir, client_cmd):  # noqa: F811
    shared = _acl_dir(str(sockdir / "shared"))
    run = os.path.join(shared, "run")
    os.mkdir(run, 0o700)
    refused(env, client_cmd, run, shared)


@needs_root
def test_a_directory_whose_acl_names_only_us_is_still_accepted(env, sockdir, client_cmd):  # noqa: F811
    """A guard: an ACL that names no one else (our own uid) leaves the private-group rule as it was."""
    shared = str(sockdir / "shared")
    os.mkdir(shared, 0o770)
    os.chmod(shared, 0o770)
    grant(shared, os.getuid(), 0o7)
    run = os.path.join(shared, "run")
    os.mkdir(run, 0o700)
    handed_over(env, client_cmd, run)


@needs_root
def test_hooks_status_names_a_settings_file_an_acl_lets_another_user_write(home, capsys):  # noqa: F811
    """The checks by path (trust.check_trusted_file: hooks status, hookd status, hooks install's warning)."""
    assert run_hooks("install", "--scope", "user", "--events", "PreToolUse,Stop") == 0
    assert problems(capsys) == []
    path = user_settings(home)
    grant(str(path), NOBODY, 0o6)
    assert stat.S_IMODE(path.stat().st_mode) == 0o660
    [line] = problems(capsys)
    assert "another user can change" in line and "a POSIX ACL names them" in line, line
    assert f"chmod go-w {path}" in line, line
    assert run_hooks("status") == 1
    os.chmod(path, 0o600)  # narrows the mask: the ACL's entry gives nobody nothing now
    assert problems(capsys) == [] and run_hooks("status") == 0


# The settings checked as a start checks them (check_settings), then a connection made: what it says.
CHECK_CONNECT = r"""
import json, sys
from hookd.config_errors import SettingError
from hookd.console.settings import load
from hookd.publish.access import check_settings
from hookd.publish.connection import connect_sync
from hookd.publish.settings import RedisSettings
try:
    config = RedisSettings.from_config(load(json.loads(sys.argv[1]), environ={}))
    check_settings(config)
    print("answered", connect_sync(config).ping())
except SettingError as exc:
    print("refused", exc)
"""


@pytest.fixture(scope="module")
def tls_redis(tmp_path_factory):
    from secure_redis import Certs, TlsRedis

    certs = Certs.make(tmp_path_factory.mktemp("certs"))
    server = TlsRedis(tmp_path_factory.mktemp("mtls-redis"), certs, certs.server, require_client_cert=True)
    server.start()
    yield server, certs
    server.stop()


def _opens_for_writing(path: str) -> bool:
    os.close(os.open(path, os.O_WRONLY))
    return True


@needs_root
def test_a_ca_file_an_acl_lets_another_user_write_is_refused(tls_redis, shared_dir):
    """Not a secret, so no check of who can read it caught the ACL: whoever rewrites the CA picks the
    server hookd trusts with every event (the files read once by descriptor: trusted_files.read_trusted)."""
    server, certs = tls_redis
    files = certs.private_copies(Path(shared_dir) / "tls")
    os.chmod(os.path.dirname(files["redis_tls_ca_file"]), 0o755)  # nobody may reach the file, as in a home
    ca = files["redis_tls_ca_file"]
    os.chmod(ca, 0o600)
    grant(ca, NOBODY, 0o6)
    assert run_as_nobody(_opens_for_writing, ca)
    values = {"redis_url": server.tls_url, "redis_connect_timeout_s": "2", **files}
    done = subprocess.run(
        [sys.executable, "-c", CHECK_CONNECT, json.dumps(values)], capture_output=True, timeout=60, cwd=REPO
    )
    out = done.stdout.decode()
    assert out.startswith("refused "), (out, done.stderr.decode()[-2000:])
    assert f"{ca} is writable by other users (a POSIX ACL names them" in out, out
