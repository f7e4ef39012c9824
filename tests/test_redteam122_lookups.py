"""Hundred-twenty-second red-team pass: every name lookup bounded, one thread per name.

The hundred-twenty-first pass bounded the asyncio connections' lookups (hookd/publish/resolve.py); the synchronous
client (`hookd tail`) still asked the resolver on its own thread with no bound of hookd's, and a lookup past its
bound left a thread to the resolver on each round, so that rounds piled threads up. The resolver that hangs is a
real one, as in tests/test_redteam121_stop_lookup.py (its fixture): a mount namespace whose /etc/resolv.conf
names a UDP port that reads nothing (the resolver's own bound, 150 s).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from conftest import REPO, Hookd
from secure_redis import TlsRedis
from secure_redis import certs  # noqa: F401 - fixture
from test_redteam121_stop_lookup import HOST, silent_resolver  # noqa: F401 - fixture

pytestmark = [pytest.mark.process]

ASK_S = 40  # the bound (1 s) many times over; the resolver's own is 150 s


def _in_namespace(conf, env: dict[str, str], *argv: str) -> subprocess.CompletedProcess:
    """``python ARGV`` with the silent resolver as the system's; failing the test past ASK_S."""
    shell = f'mount --bind "{conf}" /etc/resolv.conf && exec "$0" "$@"'
    try:
        return subprocess.run(
            ["unshare", "-m", "sh", "-c", shell, sys.executable, *argv],
            env=env,
            capture_output=True,
            text=True,
            timeout=ASK_S,
            cwd=REPO,
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"{argv} had not ended {ASK_S}s after it was asked: the lookup of {HOST} was waited on ({exc})")


def test_tail_gives_up_on_a_lookup_within_redis_connect_timeout_s(tmp_path, silent_resolver):  # noqa: F811
    env = Hookd(tmp_path / "tail", f"redis://{HOST}:6379/0", redis_connect_timeout_s="1").env
    done = _in_namespace(silent_resolver, env, "-m", "hookd", "tail", "--count", "1")
    assert done.returncode == 1, done
    assert "redis_connect_timeout_s" in done.stderr and "Start Redis, or point redis_url" in done.stderr, done.stderr


ROUNDS = """
import asyncio, sys, threading
from hookd.console.settings import load
from hookd.publish.connection import connect, connect_sync
from hookd.publish.settings import RedisSettings

settings = RedisSettings.from_config(load({"redis_url": sys.argv[1], "redis_connect_timeout_s": "0.2"}, environ={}))

async def rounds():
    client = connect(settings)
    for _ in range(12):
        try:
            await client.ping()
        except Exception as exc:
            said = f"{type(exc).__name__}: {exc}"
    await client.aclose()
    return said

said = asyncio.run(rounds())
client = connect_sync(settings)
for _ in range(12):
    try:
        client.ping()
    except Exception as exc:
        said += f"; {type(exc).__name__}: {exc}"
asking = [t for t in threading.enumerate() if t.name == "hookd-resolve"]
print(len(asking), said[-200:])
"""


def test_rounds_of_connects_to_a_name_the_resolver_never_answers_hold_one_thread(tmp_path, silent_resolver):  # noqa: F811
    """24 connects, asyncio's and the blocking client's, each past its 0.2 s bound: one lookup thread, not one a
    round (before: 12 threads after the asyncio rounds alone)."""
    env = Hookd(tmp_path / "rounds", f"redis://{HOST}:6379/0").env
    done = _in_namespace(silent_resolver, env, "-c", textwrap.dedent(ROUNDS), f"redis://{HOST}:6379/0")
    assert done.returncode == 0, done
    threads, said = done.stdout.split(" ", 1)
    assert threads == "1", done.stdout
    assert "Timeout" in said, said


def test_the_blocking_client_checks_the_certificate_against_the_name_it_looked_up(tmp_path, certs):  # noqa: F811
    """rediss://localhost through connect_sync: the socket connects to the address, the TLS check still asks for the
    name (a certificate for localhost alone is taken); redis_tls_server_name still wins over the URL's host."""
    from hookd.console.settings import load
    from hookd.publish.connection import connect_sync
    from hookd.publish.settings import RedisSettings

    only_the_name = certs.ca.issue("localhost-only", dns=("localhost",))
    server = TlsRedis(tmp_path / "tls", certs, only_the_name, require_client_cert=False)
    server.start()

    def ping(server_name: str = "") -> str:
        values = {"redis_url": f"rediss://localhost:{server.tls_port}/0", "redis_connect_timeout_s": "5"}
        values |= {"redis_tls_ca_file": str(certs.ca.cert), "redis_tls_server_name": server_name}
        client = connect_sync(RedisSettings.from_config(load(values, environ={})))
        try:
            return str(client.ping())
        except Exception as exc:
            return f"{exc} {exc.__cause__ or exc.__context__}"
        finally:
            client.close()

    try:
        assert ping() == "True"
        refused = ping("redis.test")
        assert "certificate verify failed" in refused and "redis.test" in refused, refused
    finally:
        server.stop()
