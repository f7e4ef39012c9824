"""Red team, seventh pass: a reply without end made of many small elements.

The sixth pass bounded the publisher's replies by what hiredis holds buffered. hiredis parses an
array as it arrives and drops the bytes it has parsed, so an array without end (``*4000000000``
and then elements, each small) kept the buffer empty while every element became a Python object:
hookd grew by gigabytes within its redis_timeout_s. Now the bound is on the bytes received for
the reply.
"""

from __future__ import annotations

import socket

import pytest

from test_redteam6_redis_replies import (
    FLOOD,
    FloodingServer,
    LyingProxy,
    assert_a_flooding_proxy_leaves_hookd_small,
    assert_a_flooding_sentinel_leaves_hookd_small,
)

# Each element costs more once parsed than on the wire: an empty array is 4 bytes received and
# about 70 bytes of Python list (smaller elements grew hookd less than 200 MB within the 5 s
# timeout even before the fix, so they are not tried here). Announced as 10^8 elements,
# hiredis's list is allocated but not touched until filled (the memory grows with the flood);
# as 4 * 10^9, the list alone (32 GB) cannot be allocated (a MemoryError).
FLOODS = {
    "empty_arrays": (b"*0\r\n", 10**8),
    "announced_beyond_memory": (b"*0\r\n", 4 * 10**9),
}


class ArrayFloodProxy(LyingProxy):
    """LyingProxy whose flood is an array of ``length`` small elements, sent as fast as hookd reads."""

    element, length = FLOODS["empty_arrays"]

    def _flood(self, client: socket.socket) -> None:
        client.sendall(b"*%d\r\n" % self.length)
        blob = self.element * ((1 << 20) // len(self.element))
        while self.lie == FLOOD:
            client.sendall(blob)
        raise OSError("the flood was called off")


@pytest.mark.parametrize("flood", sorted(FLOODS))
def test_an_array_without_end_does_not_take_hookds_memory(hookd_process_factory, redis_server, redis_db, flood):
    proxy = ArrayFloodProxy(("127.0.0.1", redis_server.port))
    proxy.element, proxy.length = FLOODS[flood]
    assert_a_flooding_proxy_leaves_hookd_small(hookd_process_factory, redis_db, proxy)


def test_a_sentinels_array_without_end_does_not_take_hookds_memory(hookd_process_factory):
    """A hostile Sentinel: every command but PING answered with an array of 10^8 empty arrays."""
    sentinel = FloodingServer(head=b"*100000000\r\n", blob=b"*0\r\n" * (1 << 18))
    assert_a_flooding_sentinel_leaves_hookd_small(hookd_process_factory, sentinel)
