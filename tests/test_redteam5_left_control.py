"""Fifth red-team pass, left over: a control client that never reads its answer.

The control server wrote its answer and awaited ``writer.drain()`` with no deadline, then
closed the writer, which waits for the buffered rest to be written: a client of the owning
user that asked and never read held the connection, its handler and the answer's memory for
good. hookd's status answer fits in a Unix socket's kernel buffer today (some KB against
about 200 KB), so the drain does not block for it; the test gives the server an answer
larger than that buffer (a subclass's ``answer``) to reach the path a larger status, or a
smaller buffer, would take. Now an answer its peer has read nothing of for WRITE_TIMEOUT_S
is dropped with its connection, counted (``control_unread``) and logged.
"""

from __future__ import annotations

import asyncio
import socket

from hookd.config import Config
from hookd.control import server as control_server
from hookd.control.server import ControlServer
from hookd.state import DaemonState


class BigAnswers(ControlServer):
    def answer(self, command: str, counted: object = None) -> object:
        return {"blob": "x" * (8 << 20)}


async def _serve_one_unread_client(path: str) -> tuple[DaemonState, bool, int]:
    state = DaemonState()
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(path)
    listener.listen()
    listener.setblocking(False)
    server = BigAnswers(Config(), state)
    await server.start(listener)
    loop = asyncio.get_running_loop()
    client = socket.socket(socket.AF_UNIX)
    client.setblocking(False)
    await loop.sock_connect(client, path)
    await loop.sock_sendall(client, b"ping\n")
    await asyncio.sleep(2.0)  # read nothing meanwhile
    # Closed by the server: what the kernel holds can still be read, then the end (or a reset).
    received = 0
    closed = False
    try:
        while True:
            chunk = await asyncio.wait_for(loop.sock_recv(client, 1 << 20), 5)
            if not chunk:
                closed = True
                break
            received += len(chunk)
    except ConnectionResetError:
        closed = True
    except TimeoutError:
        closed = False
    client.close()
    server.close()
    return state, closed, received


def test_a_client_that_never_reads_its_answer_is_closed_and_counted(tmp_path, monkeypatch):
    monkeypatch.setattr(control_server, "WRITE_TIMEOUT_S", 1.0, raising=False)  # absent before the fix
    state, closed, received = asyncio.run(_serve_one_unread_client(str(tmp_path / "control.sock")))
    assert closed, "the connection was still open: the server waited for the client to read"
    assert received < 8 << 20, "all of it came: the server had waited until it was read"
    assert state.control_unread == 1
