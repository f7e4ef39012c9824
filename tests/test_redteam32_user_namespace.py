"""A user namespace that leaves our uid unmapped (``unshare -U``, some sandboxes) makes every
unmapped uid read as the same overflow uid (65534): ours, and another user's. A uid comparison
there says "same user" of anyone, so hook-send, both clients, handed the raw event to a socket
another user (nobody) served, and hookd's own peer checks (its sockets' peers, `hookd status`'s
daemon, a local Redis's owner) read such a peer as the user. Both clients now keep the event in the
inbox and say why; hookd_client's peer_uid calls such a uid unknown, so every check refuses it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from conftest import CLIENT_ARGV
from other_user import NOBODY, NobodyListener, needs_root

REPO = Path(__file__).resolve().parent.parent
SECRET = b'{"hook_event_name":"UserPromptSubmit","prompt":"the secret plan 7f3a"}'


def _unmapped_namespaces() -> bool:
    try:
        return subprocess.run(["unshare", "-U", "true"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


needs_userns = pytest.mark.skipif(
    not sys.platform.startswith("linux") or not _unmapped_namespaces(),
    reason="needs unprivileged user namespaces (unshare -U)",
)
pytestmark = [needs_root, needs_userns]


class Squatter:
    """nobody's listener on a socket in nobody's directory (0711: only its owner can write in it,
    anyone can reach the socket, 0777), in a place anyone can make directories."""

    def __init__(self) -> None:
        self.directory = tempfile.mktemp(prefix="hk32", dir="/tmp")
        self.listener = NobodyListener(self.directory, dir_mode=0o711)
        self.path = self.listener.path
        self.got: dict | None = None

    def report(self) -> dict:
        """What nobody received (the listener stops at the first call)."""
        if self.got is None:
            self.got = self.listener.report()
        return self.got


@pytest.fixture
def squatted():
    squatter = Squatter()
    yield squatter
    squatter.report()
    shutil.rmtree(squatter.directory, ignore_errors=True)


def in_unmapped_namespace(argv: list[str], env: dict[str, str], stdin: bytes = b"") -> subprocess.CompletedProcess:
    return subprocess.run(["unshare", "-U", *argv], input=stdin, env=env, capture_output=True, timeout=30)


@pytest.mark.parametrize("client", ["python", "native"])
def test_hook_send_in_an_unmapped_namespace_sends_nothing_to_another_users_socket(client, squatted, tmp_path, request):
    argv = list(CLIENT_ARGV) if client == "python" else [request.getfixturevalue("native_client")]
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "HOOKD_STATE_DIR": str(tmp_path / "state"),
        "HOOKD_SPARE_INBOX": str(tmp_path / "spare"),
        "HOOKD_SOCKET": squatted.path,
        "HOOKD_SEND_TIMEOUT_MS": "5000",
    }
    proc = in_unmapped_namespace(argv, env, SECRET)
    got = squatted.report()
    assert got["bytes"] == 0, f"the {client} client sent nobody {got['data']!r}"
    assert proc.returncode == 0 and proc.stdout == b""
    (line,) = proc.stderr.decode().splitlines()
    assert line.startswith(f"hook-send: refused {squatted.path}: your uid is not mapped in this user namespace")
    assert "map your uid into it" in line
    (kept,) = (tmp_path / "state" / "inbox").glob("*.hookd")
    assert kept.read_bytes().endswith(SECRET)


PEER_UID = """
import socket, sys
sys.path[:0] = [sys.argv[2]]
from hook_send import peer_uid
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
print(peer_uid(s))
"""


def test_peer_uid_calls_another_users_process_unknown_in_an_unmapped_namespace(squatted):
    """The uid hookd's checks compare (its sockets' peers, `hookd status`'s daemon, a local Redis's
    owner) comes from this one function: nobody's process read as 65534, our own uid there."""
    argv = [sys.executable, "-I", "-S", "-c", PEER_UID, squatted.path, str(REPO / "client")]
    proc = in_unmapped_namespace(argv, {"PATH": os.environ.get("PATH", "")})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.decode().split() == ["None"]
    outside = subprocess.run(argv, capture_output=True, timeout=30)
    assert outside.stdout.decode().split() == [str(NOBODY)], outside.stderr  # no namespace: its real uid


def test_hookd_status_in_an_unmapped_namespace_does_not_believe_another_users_socket(squatted, tmp_path):
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "HOOKD_STATE_DIR": str(tmp_path / "state"),
        "HOOKD_CONTROL_SOCKET": squatted.path,
    }
    proc = in_unmapped_namespace([sys.executable, "-m", "hookd", "status", "--json"], env)
    got = squatted.report()
    assert got["bytes"] == 0, f"hookd status sent nobody {got['data']!r}"
    assert proc.returncode == 3 and proc.stdout == b"", (proc.stdout, proc.stderr)  # 3: could not tell
    assert proc.stderr.decode().startswith("hookd: your uid is not mapped in this user namespace")


def test_hookd_in_an_unmapped_namespace_does_not_take_another_users_config_file(tmp_path):
    """Its owner read as ours: nobody's config (Redis elsewhere, redaction off) was taken as the user's."""
    shared = tempfile.mkdtemp(prefix="hk32c", dir="/tmp")
    os.chmod(shared, 0o1777)
    try:
        config = os.path.join(shared, "config.toml")
        written = subprocess.run(
            [
                "setpriv",
                f"--reuid={NOBODY}",
                f"--regid={NOBODY}",
                "--clear-groups",
                "sh",
                "-c",
                f"umask 022; printf 'redis_url = \"redis://squatter.example:6379/0\"\\nredact = false\\n' > {config}",
            ],
            capture_output=True,
        )
        assert written.returncode == 0 and os.stat(config).st_uid == NOBODY, written.stderr
        env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "HOOKD_CONFIG": config}
        outside = subprocess.run([sys.executable, "-m", "hookd", "config"], env=env, capture_output=True, timeout=60)
        assert outside.returncode == 78 and b"belongs to another user" in outside.stderr  # the check it escaped
        proc = in_unmapped_namespace([sys.executable, "-m", "hookd", "config"], env)
        assert b"squatter.example" not in proc.stdout
        assert proc.returncode == 1
        assert proc.stderr.decode().startswith("hookd: your uid is not mapped in this user namespace")
    finally:
        shutil.rmtree(shared, ignore_errors=True)


def test_tail_in_a_namespace_that_maps_only_the_user_sends_a_strangers_redis_nothing(tmp_path):
    """Under PrivateUsers= (hookd.service) or ``unshare -U --map-current-user`` only the user's uid
    is mapped: another user's Redis reads as the overflow uid. Taken for "no owner found" (as a
    remote server is), it was sent the password: a regression of this pass's first change, caught
    before it landed; the uid as read is what the Redis check judges, and it is never trusted."""
    from test_redteam19_redis_owner import SECRET as PASSWORD
    from test_redteam19_redis_owner import FakeRedis

    shared = tempfile.mkdtemp(prefix="hk32r", dir="/tmp")
    os.chmod(shared, 0o1777)
    fake = FakeRedis("unix", shared)
    try:
        config = tmp_path / "config.toml"
        config.write_text("")
        config.chmod(0o600)
        env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "HOOKD_CONFIG": str(config)}
        env.update(HOOKD_REDIS_URL=fake.url, HOOKD_STATE_DIR=str(tmp_path / "state"))
        argv = ["unshare", "-U", "--map-current-user", sys.executable, "-m", "hookd", "tail", "--count", "1"]
        done = subprocess.run(argv, env=env, capture_output=True, timeout=60, cwd=REPO)
        connections, sent = fake.received()
        assert connections >= 1 and PASSWORD.encode() not in sent, sent[:300]
        assert sent == b"", sent[:300]
        assert done.returncode != 0
        text = done.stderr.decode()
        assert "SECURITY" in text and "hookd closed the connection without sending it anything" in text, text
        assert "hookd runs in a user namespace that maps only your uid" in text, text  # the cause, thirty-sixth pass
    finally:
        if fake.proc.poll() is None:
            fake.proc.kill()
        fake.proc.wait()
        shutil.rmtree(shared, ignore_errors=True)
