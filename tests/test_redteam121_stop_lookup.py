"""A stop that waits on a name lookup (the hundred-twenty-first pass): a getaddrinfo the resolver never answers
cannot be cancelled, and its thread outlives hookd's wait for it (the hundred-seventeenth pass bounded the wait).
A stop must not wait for that thread: ``hookd run`` ends within its drain limit, every acknowledged event kept.

The resolver that hangs is a real one, as in tests/test_redteam117_waits.py: the system's resolver pointed (in a
mount namespace of its own, ``unshare -m``) at a UDP port on 127.x.y.z:53 that reads nothing."""

from __future__ import annotations

import random
import shutil
import signal
import socket
import subprocess
import sys
import time

import pytest

from conftest import REPO, Hookd, wait_for_entries, wait_until
from secure_redis import TlsRedis, assert_exactly_once, send_events
from secure_redis import certs  # noqa: F401 - fixture
from test_status import wait_status

HOST = "redis.h121.test"  # not in /etc/hosts: asked of the resolver


@pytest.fixture
def silent_resolver(tmp_path):
    """A resolv.conf naming a nameserver that reads nothing (5 tries of 30 s: the resolver's own bound is 150 s)."""
    if shutil.which("unshare") is None or subprocess.run(["unshare", "-m", "true"], capture_output=True).returncode:
        pytest.skip("needs a mount namespace (unshare -m) to point the resolver at a silent port")
    nameserver = f"127.{random.randint(1, 250)}.{random.randint(1, 250)}.{random.randint(1, 250)}"
    resolver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        resolver.bind((nameserver, 53))
    except OSError as exc:
        resolver.close()
        pytest.skip(f"cannot take UDP port 53 on {nameserver}: {exc}")
    conf = tmp_path / "resolv.conf"
    conf.write_text(f"nameserver {nameserver}\noptions timeout:30 attempts:5\n")
    yield conf
    resolver.close()


class HungResolverHookd(Hookd):
    """``hookd run`` in a mount namespace whose /etc/resolv.conf names the silent resolver (exec'd: same pid)."""

    conf = ""

    def start(self, wait: bool = True, timeout: float = 60) -> Hookd:
        self.log = open(self.log_path, "ab")
        shell = f'mount --bind "{self.conf}" /etc/resolv.conf && exec "{sys.executable}" -m hookd run'
        self.proc = subprocess.Popen(
            ["unshare", "-m", "sh", "-c", shell], env=self.env, stdout=subprocess.DEVNULL, stderr=self.log, cwd=REPO
        )
        if wait:
            wait_until(self._serving, timeout=timeout, what="hookd to serve its socket")
        return self


def test_a_stop_does_not_wait_for_a_lookup_the_resolver_never_answers(
    tmp_path, silent_resolver, redis_server, redis_db
):
    """redis_url names a host the silent resolver is asked for; events acknowledged, then SIGTERM. Before: the
    drain said hookd_stopped, and the process stayed (the lookup's thread joined at exit) for the resolver's 150 s."""
    daemon = HungResolverHookd(
        tmp_path / "hung",
        f"redis://{HOST}:6379/0",
        drain_timeout_s="3",
        redis_connect_timeout_s="1",
    )
    daemon.conf = str(silent_resolver)
    daemon.start()
    try:
        send_events(daemon, range(5))
        wait_status(
            daemon,
            lambda s: any(HOST in w.get("address", "") for w in (s.get("redis") or {}).get("waiting_on") or ()),
            f"the connect to {HOST} waited on",
            timeout=60,
        )
        # The first check's connect fails at its 1 s bound (redis_down); the ask whether the server is open to all
        # (publish/exposure.py) comes right after it, a connection of its own to the same name: both lookups left
        # behind, still asking, when the stop comes.
        wait_until(lambda: "redis_down" in daemon.log_text(), timeout=60, what="the first check's redis_down")
        time.sleep(1.5)
        daemon.proc.send_signal(signal.SIGTERM)
        try:
            code = daemon.proc.wait(60)  # drain 3 s and the hard stop's margin; the resolver's own bound is 150 s
        except subprocess.TimeoutExpired:
            pytest.fail(f"hookd run still running 60 s after SIGTERM (drain_timeout_s 3):\n{daemon.log_text()[-3000:]}")
    finally:
        daemon.kill()
    assert code == 0, daemon.log_text()[-3000:]
    # every acknowledged event kept: the next start (the same state directory, Redis reachable) publishes them
    again = Hookd(tmp_path / "hung", redis_server.url)
    again.start()
    try:
        wait_for_entries(redis_db, 5)
        assert_exactly_once(redis_db, 5)
    finally:
        again.stop()


def test_a_name_looked_up_off_the_loop_is_still_the_name_the_certificate_is_checked_against(tmp_path, certs):
    """rediss://localhost: the loop is handed the address (resolve.py), and the TLS check still asks for the name:
    a certificate for localhost alone (no address in it) is taken, one for another name refused as before."""
    import asyncio

    from hookd.console.settings import load
    from hookd.publish.connection import connect
    from hookd.publish.settings import RedisSettings

    only_the_name = certs.ca.issue("localhost-only", dns=("localhost",))
    server = TlsRedis(tmp_path / "tls", certs, only_the_name, require_client_cert=False)
    server.start()

    async def ping(server_name: str = "") -> str:
        values = {"redis_url": f"rediss://localhost:{server.tls_port}/0", "redis_connect_timeout_s": "5"}
        values |= {"redis_tls_ca_file": str(certs.ca.cert), "redis_tls_server_name": server_name}
        client = connect(RedisSettings.from_config(load(values, environ={})))
        try:
            return str(await client.ping())
        except Exception as exc:
            return f"{exc} {exc.__cause__ or exc.__context__}"
        finally:
            await client.aclose()

    try:
        assert asyncio.run(ping()) == "True"
        refused = asyncio.run(ping("redis.test"))  # redis_tls_server_name still wins over the URL's host
        assert "certificate verify failed" in refused and "redis.test" in refused, refused
    finally:
        server.stop()
