"""Red team, nineteenth pass: another user listening where hookd expects Redis.

Anyone on the machine may listen on a loopback port (or make a Unix socket in a shared directory)
while Redis is stopped, restarting, or not there yet. hookd connected to whatever answered and
sent it the password (HELLO/AUTH) and every event, and tail and the UI read entries from it. Now
every connection of hookd's clients is checked as it opens (hookd/publish/server_owner.py): a
server on this machine that is another user's (not root's or a system account's) is closed on
before a byte is sent. The fake Redis here runs as uid 65534 and records what it is sent.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
import time

import pytest

from conftest import REPO, free_port, wait_until
from other_user import NOBODY, needs_root, nobody_server

SECRET = "pw-19-never-to-a-stranger"
DEFAULT_ACCOUNTS = ("redis", "valkey")  # redis_server_accounts by default
MARKER = "event-19-marker"

# Answers +OK to whatever it is sent and prints every chunk it receives (hex), so the test can
# tell what a client sent it.
FAKE_REDIS = """
import os, socket, sys, threading
family = socket.AF_UNIX if sys.argv[1].startswith("/") else (socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET)
s = socket.socket(family)
if family == socket.AF_UNIX:
    s.bind(sys.argv[1])
    os.chmod(sys.argv[1], 0o777)
else:
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if family == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind((sys.argv[1], int(sys.argv[2])))
s.listen(64)
tls = None
if len(sys.argv) > 4:  # a certificate and its key: TLS, as rediss:// speaks it
    import ssl
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(sys.argv[3], sys.argv[4])
print("ready", flush=True)
def serve(conn):
    if tls is not None:
        try:
            conn = tls.wrap_socket(conn, server_side=True)
        except OSError:
            return
    with conn:
        while True:
            data = conn.recv(65536)
            if not data:
                return
            print(data.hex(), flush=True)
            conn.sendall(b"+OK\\r\\n")
while True:
    conn, _ = s.accept()
    print("connection", flush=True)
    threading.Thread(target=serve, args=(conn,), daemon=True).start()
"""


class FakeRedis:
    """A 'Redis' of uid 65534, on a loopback port or a Unix socket in a directory all may enter."""

    def __init__(
        self, host: str, unix_dir: str | None = None, tls: tuple[str, str] | None = None, uid: int = NOBODY
    ) -> None:
        self.port = free_port()
        where = [os.path.join(unix_dir, "redis.sock")] if unix_dir else [host, str(self.port), *(tls or ())]
        self.path = where[0] if unix_dir else None
        self.proc = nobody_server(FAKE_REDIS, *where, uid=uid)
        netloc = f"[{host}]:{self.port}" if ":" in host else f"{host}:{self.port}"
        scheme = "rediss" if tls else "redis"
        self.url = f"unix://:{SECRET}@{self.path}" if unix_dir else f"{scheme}://:{SECRET}@{netloc}/0"

    def received(self) -> tuple[int, bytes]:
        """(connections taken, every byte sent to it), once it is stopped."""
        self.proc.kill()
        out = self.proc.communicate()[0].decode().split()
        return out.count("connection"), b"".join(bytes.fromhex(x) for x in out if x != "connection")


@pytest.fixture(params=["127.0.0.1", "::", "unix"], ids=["loopback", "dual-stack", "unix-socket"])
def fake(request, tmp_path):
    unix_dir = None
    if request.param == "unix":
        unix_dir = f"/tmp/hookd-rt19-{os.getpid()}"
        os.makedirs(unix_dir, exist_ok=True)
        os.chmod(unix_dir, 0o1777)  # a shared directory, as /tmp is
    server = FakeRedis("127.0.0.1" if request.param == "::" else request.param, unix_dir)
    if request.param == "::":  # listening on every address, IPv4 reached through a mapped one
        server.proc.kill()
        server.proc.wait()
        server = FakeRedis("::")
        server.url = f"redis://:{SECRET}@127.0.0.1:{server.port}/0"
    yield server
    if server.proc.poll() is None:
        server.proc.kill()
        server.proc.wait()
    if unix_dir:
        subprocess.run(["rm", "-rf", unix_dir], check=False)


def _says_who(text: str, uid: int = NOBODY, name: str = "nobody") -> None:
    assert "SECURITY" in text and f"uid {uid} ({name})" in text, text
    assert "hookd closed the connection without sending it anything" in text and "fix:" in text, text
    assert SECRET not in text, text


@pytest.mark.process
@needs_root
def test_hookd_run_sends_a_strangers_redis_neither_password_nor_events(hookd_process_factory, fake):
    daemon = hookd_process_factory(redis_url=fake.url)
    body = json.dumps({"hook_event_name": "Stop", "session_id": MARKER}).encode()
    done = daemon.send(body)
    assert done.returncode == 0 and done.stdout == b"", done.stderr
    line = wait_until(
        lambda: next((r for r in daemon.log_text().splitlines() if "redis_down" in r), None),
        timeout=20,
        what="hookd to give up on the stranger's Redis",
    )
    status = subprocess.run(
        [sys.executable, "-m", "hookd", "status", "--json"], env=daemon.env, capture_output=True, timeout=30, cwd=REPO
    )
    time.sleep(1)  # the publisher's next tries, refused the same way
    connections, sent = fake.received()
    assert connections >= 1  # hookd did reach it...
    assert SECRET.encode() not in sent and MARKER.encode() not in sent, sent[:300]
    assert sent == b"", sent[:300]  # ...and sent it nothing at all
    _says_who(json.loads(line)["error"])
    assert "SECURITY" in status.stdout.decode() and f"uid {NOBODY}" in status.stdout.decode(), status.stdout
    assert daemon.stop() == 0


@pytest.mark.process
@needs_root
def test_tail_sends_a_strangers_redis_nothing_and_says_why(fake, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOOKD_")}
    config = tmp_path / "config.toml"
    config.write_text("")
    config.chmod(0o600)
    env.update(HOOKD_REDIS_URL=fake.url, HOOKD_CONFIG=str(config), HOOKD_STATE_DIR=str(tmp_path / "state"))
    done = subprocess.run(
        [sys.executable, "-m", "hookd", "tail", "--count", "5"],
        env=env,
        capture_output=True,
        timeout=60,
        cwd=REPO,
    )
    connections, sent = fake.received()
    assert connections >= 1 and SECRET.encode() not in sent, sent[:300]
    assert sent == b"", sent[:300]
    assert done.returncode != 0
    _says_who(done.stderr.decode())


@pytest.mark.process
@needs_root
@pytest.mark.parametrize("verify", [True, False], ids=["certificate-verified", "verification-off"])
def test_a_server_that_proved_its_certificate_is_spoken_to_whoever_runs_it(tmp_path, verify):
    """TLS with the certificate and its name checked is how to reach a Redis another person runs on
    this machine; with verification off, the uid decides as for plain connections. A guard of the
    exemption (which the old code did not need: it sent to every server)."""
    from tls_certs import CertificateAuthority

    ca = CertificateAuthority("rt19-ca", tmp_path / "ca")
    shared = f"/tmp/hookd-rt19-tls-{os.getpid()}"  # the server's files, readable by uid 65534
    os.makedirs(shared, mode=0o755, exist_ok=True)
    try:
        issued = ca.issue("server", dns=("localhost",), ips=("127.0.0.1",))
        cert, key = os.path.join(shared, "server.crt"), os.path.join(shared, "server.key")
        for source, target in ((issued.cert, cert), (issued.key, key)):
            with open(source, "rb") as src, open(target, "wb") as dst:
                dst.write(src.read())
            os.chmod(target, 0o644)
        fake = FakeRedis("127.0.0.1", tls=(cert, key))
        config = tmp_path / "config.toml"
        config.write_text("")
        config.chmod(0o600)
        env = {k: v for k, v in os.environ.items() if not k.startswith("HOOKD_")}
        env.update(HOOKD_REDIS_URL=fake.url, HOOKD_CONFIG=str(config), HOOKD_STATE_DIR=str(tmp_path / "state"))
        env.update(HOOKD_REDIS_TLS_CA_FILE=str(ca.cert)) if verify else env.update(HOOKD_REDIS_TLS_VERIFY="false")
        done = subprocess.run(
            [sys.executable, "-m", "hookd", "tail", "--count", "5"], env=env, capture_output=True, timeout=60, cwd=REPO
        )
        connections, sent = fake.received()
        assert connections >= 1
        if verify:
            assert b"HELLO" in sent, (sent[:200], done.stderr)  # spoken to: it proved who it is
        else:
            assert sent == b"", sent[:300]
            _says_who(done.stderr.decode())
    finally:
        subprocess.run(["rm", "-rf", shared], check=False)


def test_whose_server_is_trusted():
    """The user's, root's and an account named in redis_server_accounts (a distribution's
    redis-server runs as redis); not nobody's, nor another person's, nor any other system
    account's (forty-eighth pass: below UID_MIN was trusted, www-data's listener too)."""
    import pwd

    from hookd import port_holders

    trusted_server = functools.partial(port_holders.trusted_server, accounts=DEFAULT_ACCOUNTS)
    assert trusted_server(os.geteuid()) and trusted_server(0)
    assert not trusted_server(NOBODY)
    assert not trusted_server(pwd.getpwnam("www-data").pw_uid)
    assert not trusted_server(1)  # daemon
    assert not trusted_server(61184)  # a dynamic user's uid with no account
    assert not trusted_server(4321 if os.geteuid() != 4321 else 4322)
    try:
        redis_uid = pwd.getpwnam("redis").pw_uid
    except KeyError:
        redis_uid = None
    if redis_uid is not None:
        assert trusted_server(redis_uid)


@pytest.mark.process
@needs_root
def test_synchronous_and_asynchronous_connections_refuse_a_stranger_alike(fake):
    """hookd tail's connections (and the sentinels') are redis-py's synchronous class, the
    publisher's and the UI's its asyncio one: each refuses another user's server before sending it
    a byte, through the one check they share."""
    import asyncio

    import redis
    import redis.asyncio

    from hookd.publish.replies import bounded

    where = {"path": fake.path} if fake.path else {"host": "127.0.0.1", "port": fake.port}
    sync_class = redis.UnixDomainSocketConnection if fake.path else redis.Connection
    async_class = redis.asyncio.UnixDomainSocketConnection if fake.path else redis.asyncio.Connection
    with pytest.raises(redis.ConnectionError) as sync_refusal:
        bounded(sync_class, accounts=DEFAULT_ACCOUNTS)(password=SECRET, **where).connect()
    with pytest.raises(redis.ConnectionError) as async_refusal:
        asyncio.run(bounded(async_class, accounts=DEFAULT_ACCOUNTS)(password=SECRET, **where).connect())
    # Refused as soon as the connection was open, maybe before the server took it: its first lines
    # are awaited, else stopping it could lose what it was sent.
    early = [fake.proc.stdout.readline().decode().strip() for _ in range(2)]
    connections, sent = fake.received()
    connections += early.count("connection")
    sent += b"".join(bytes.fromhex(line) for line in early if line != "connection")
    assert connections >= 2 and sent == b"", sent[:300]
    for refusal in (sync_refusal, async_refusal):  # redis-py's asyncio class rewraps it as a ConnectionError
        _says_who(str(refusal.value))


def test_account_names_are_looked_up_once_per_version_of_the_password_file(tmp_path, monkeypatch):
    """Each new connection to Redis asks whether its server's uid is trusted: the account's name is
    looked up once, not at every connection, and again once the password file has changed."""
    from hookd import port_holders

    passwd = tmp_path / "passwd"
    passwd.write_text("one\n")
    monkeypatch.setattr(port_holders, "PASSWD", str(passwd))
    port_holders._account_name.cache_clear()
    answers = {port_holders.trusted_server(uid, DEFAULT_ACCOUNTS) for uid in [NOBODY, 0, 33, 1234] * 25}
    assert answers == {True, False}
    looked_up = port_holders._account_name.cache_info().misses
    assert looked_up <= 3, looked_up  # nobody's, www-data's and 1234's, each once
    passwd.write_text("two lines\nnow\n")
    port_holders.trusted_server(33, DEFAULT_ACCOUNTS)
    assert port_holders._account_name.cache_info().misses == looked_up + 1
