"""The red team of resolve.py (the hundred-twenty-fifth pass): a connect to a name is bounded as a whole.

Since the lookup left the loop (the hundred-twenty-first pass), a connect to a name was the lookup within
redis_connect_timeout_s, then each address tried within redis_connect_timeout_s of its own (redis-py's _connect
bounds each): a lookup that answered near its bound, then an address that took the TCP connection and never
answered the TLS handshake, held the connect twice its bound, while status and a stall said the bound was
redis_connect_timeout_s. The loop's connect to a name, before, had one bound for all of it.

Measured on a loop whose clock moves only when nothing is ready (VirtualClock): the bound is the loop's, not the
machine's, and a loaded machine's seconds do not enter it."""

from __future__ import annotations

import asyncio
import selectors
import socket

import pytest
import redis.exceptions
from redis.asyncio.connection import SSLConnection

from hookd.publish import resolve
from silent_ports import silent_syn_port

BOUND_S = 4.0


class VirtualClock(asyncio.SelectorEventLoop):
    """An event loop whose time jumps to its next timer whenever nothing is ready for half a real second."""

    def __init__(self) -> None:
        super().__init__(selectors.DefaultSelector())
        self.now = 0.0
        real = self._selector.select  # type: ignore[attr-defined]

        def select(timeout: float | None = None) -> list:
            ready = real(0 if timeout == 0 else 0.5)
            if ready or not timeout:
                return ready
            self.now += timeout
            return real(0)

        self._selector.select = select  # type: ignore[attr-defined]

    def time(self) -> float:
        return self.now


@pytest.fixture
def silent_syn():
    """A port whose TCP connect never completes (a silent TLS port no longer serves: the handshake has its own
    bound since the hundred-twenty-eighth pass)."""
    with silent_syn_port() as port:
        yield port


def test_a_connect_to_a_name_ends_within_one_connect_bound(monkeypatch, silent_syn):
    """The lookup answers at 3 s of redis_connect_timeout_s 4, the address then never completes TCP.
    Before: the connect ended at 7 s (the address given 4 s of its own); now at 4 s."""

    async def slow_lookup(host: str, bound_s: float | None) -> list[str]:
        await asyncio.sleep(BOUND_S * 0.75)
        return ["127.0.0.1"]

    monkeypatch.setattr(resolve, "lookup", slow_lookup)
    connection = type("Named", (resolve.ResolvesOffLoop, SSLConnection), {})
    conn = connection(
        host="slow.h125.test",
        port=silent_syn,
        socket_connect_timeout=BOUND_S,
        ssl_cert_reqs="none",
        ssl_check_hostname=False,
    )

    async def run() -> float:
        loop = asyncio.get_running_loop()
        with pytest.raises(redis.exceptions.TimeoutError):
            await conn.connect()
        ended = loop.time()
        await conn.disconnect()
        return ended

    loop = VirtualClock()
    try:
        ended = loop.run_until_complete(run())
    finally:
        loop.close()
    assert ended <= BOUND_S + 0.01, f"the connect ended at {ended:g}s of the loop's clock, its bound {BOUND_S:g}s"


NAMES_SCRIPT = """
import asyncio, json, socket, sys
from hookd.config import Config
from hookd.publish.connection import connect
from hookd.publish.settings import RedisSettings

async def ping(url):
    client = connect(RedisSettings.from_config(Config(redis_url=url, redis_connect_timeout_s=5)))
    try:
        return str(await client.ping())
    except Exception as exc:
        return repr(exc)
    finally:
        await client.aclose()

v4, v6 = int(sys.argv[1]), int(sys.argv[2])
order = [info[4][0] for info in socket.getaddrinfo("multi.h125.test", v4, type=socket.SOCK_STREAM)]
said = {
    "order": order,
    "v6only": asyncio.run(ping(f"redis://v6only.h125.test:{v6}/0")),
    "multi": asyncio.run(ping(f"redis://multi.h125.test:{v4}/0")),
    "literal": asyncio.run(ping(f"redis://[::1]:{v6}/0")),
}
print(json.dumps(said), flush=True)
"""


def test_names_from_etc_hosts_with_aaaa_only_and_several_addresses(tmp_path, redis_server):
    """A guard of what held (no change): in a mount namespace whose /etc/hosts names v6only.h125.test ::1 alone and
    multi.h125.test ::1 then 127.0.0.1, a Redis on 127.0.0.1 and one on ::1 (and 127.0.0.1, where the tests' own
    client asks it). The name with an IPv6 address only reaches it on ::1; the name whose first address refuses (nothing on ::1 at that port) falls back to the
    second; an IPv6 literal connects as it stands."""
    import json
    import shutil
    import subprocess
    import sys

    from conftest import REPO, RedisServer

    if shutil.which("unshare") is None or subprocess.run(["unshare", "-m", "true"], capture_output=True).returncode:
        pytest.skip("needs a mount namespace (unshare -m) for an /etc/hosts of the test's own")
    if not socket.has_ipv6:
        pytest.skip("no IPv6")
    v6 = RedisServer(tmp_path / "v6", extra_args=("--bind", "127.0.0.1", "::1"))  # the last --bind wins
    v6.start()
    try:
        hosts = tmp_path / "hosts"
        hosts.write_text("127.0.0.1 localhost\n::1 v6only.h125.test\n::1 multi.h125.test\n127.0.0.1 multi.h125.test\n")
        shell = f'mount --bind "{hosts}" /etc/hosts && exec "{sys.executable}" -c "$0" "$1" "$2"'
        done = subprocess.run(
            ["unshare", "-m", "sh", "-c", shell, NAMES_SCRIPT, str(redis_server.port), str(v6.port)],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=REPO,
        )
    finally:
        v6.stop()
    assert done.returncode == 0, done.stderr[-3000:]
    said = json.loads(done.stdout.strip().splitlines()[-1])
    if said["order"][0] != "::1":
        pytest.skip(f"this resolver orders multi.h125.test's addresses {said['order']}: the refused one is not first")
    assert said["v6only"] == "True" and said["multi"] == "True" and said["literal"] == "True", said
