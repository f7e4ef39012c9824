"""A loopback port whose TCP connect never completes, for bounds on the connect itself."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator


@contextlib.contextmanager
def silent_syn_port() -> Iterator[int]:
    """Its backlog of one is taken, so the kernel drops the next SYNs: a connect waits until its own bound."""
    listener = socket.create_server(("127.0.0.1", 0), backlog=0)
    port = listener.getsockname()[1]
    taken = socket.create_connection(("127.0.0.1", port), timeout=5)
    try:
        yield port
    finally:
        taken.close()
        listener.close()
