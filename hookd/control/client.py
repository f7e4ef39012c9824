"""Asking a running daemon over its control socket."""

from __future__ import annotations

import errno
import os
import socket
import time
from typing import Any

import msgspec

from hookd_client.hook_send import peer_uid


# A status document is a few KiB (its per-name counts are capped): an answer past this is not one.
MAX_ANSWER_BYTES = 8 << 20


class NotRunning(Exception):
    """Nothing answers on the control socket."""


class CannotTell(Exception):
    """Something is there, but it could not be asked (permissions, a hang, garbage)."""


def request(path: str, command: str, timeout_s: float = 3.0) -> dict[str, Any]:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout_s)
        try:
            sock.connect(path)
        except (FileNotFoundError, ConnectionRefusedError):
            raise NotRunning(f"nothing answers on {path}") from None
        except PermissionError:
            raise CannotTell(
                f"permission denied on {path}: it belongs to another user, or its directory is not yours"
            ) from None
        except OSError as exc:
            if exc.errno in (errno.ENOTDIR, errno.ENOENT):
                raise NotRunning(f"nothing answers on {path}") from None
            raise CannotTell(f"cannot connect to {path}: {exc.strerror}") from None
        uid = peer_uid(sock)
        if uid != os.getuid():  # only our own daemon's answer is believed, and sees our request
            raise CannotTell(
                f"the process listening on {path} runs as uid {uid}, not as you "
                f"(uid {os.getuid()}); it is not your hookd: stop it and remove "
                f"{path}"
            )
        # timeout_s is for the whole exchange, not each read: an answer that keeps coming a
        # byte at a time, or without end, must not hold the caller (tests/test_redteam4_status.py).
        deadline = time.monotonic() + timeout_s
        try:
            sock.sendall(command.encode() + b"\n")
            chunks = []
            size = 0
            while chunk := sock.recv(65536):
                chunks.append(chunk)
                size += len(chunk)
                if size > MAX_ANSWER_BYTES:
                    raise CannotTell(f"the answer on {path} is over {MAX_ANSWER_BYTES >> 20} MiB; it is not hookd's")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError
                sock.settimeout(left)
        except TimeoutError:
            raise CannotTell(f"the daemon on {path} did not answer within {timeout_s:g}s") from None
        except OSError as exc:
            raise CannotTell(f"the connection to {path} failed: {exc.strerror}") from None
    try:
        reply: dict[str, Any] = msgspec.json.decode(b"".join(chunks))
        return reply
    except msgspec.DecodeError:
        raise CannotTell(f"the answer on {path} is not JSON; is it really hookd's control socket?") from None
