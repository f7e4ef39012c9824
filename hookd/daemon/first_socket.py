"""The control socket, bound and answered (start_answers.py) from the first moment of `hookd run`.

Before, it was bound in the start, after the daemon's modules were imported (the redaction view's
patterns, redis-py: seconds on a loaded machine), and after the state directory was opened and
locked: for all that time `hookd status` found no socket and said "not running" while a hookd was
starting, or, once the lock was held, that a hookd held the state directory but was started with
another socket setting. `hookd run` binds it here before those imports; this module imports nothing
of the daemon's own (hookd.daemon's package imports it lazily). The event socket is still bound in
the start: a hook-send meanwhile keeps its event in the inbox at once rather than waiting out its
deadline in an unserved socket's backlog. Sockets the service manager passed are taken here too
(all of them: the environment that names them is read once).
"""

from __future__ import annotations

import socket

from hookd.config import Config
from hookd.daemon.start_answers import StartAnswers
from hookd.ingest.socket_files import bind_private_socket, remove_socket_if_ours
from hookd.service.activation import PassedSockets, take_passed_sockets
from hookd.state import DaemonState


class FirstSocket:
    """The passed sockets, the control socket (``inodes``: its file's, when hookd bound it) and the thread
    answering on it until the daemon's control server takes it over. ``close()`` undoes it all when no daemon
    takes it (a start that failed before its own clean-up was set up)."""

    def __init__(self, config: Config, state: DaemonState) -> None:
        self.state = state  # the daemon's, which takes the refusals counted meanwhile
        paths = {"events": config.socket, "control": config.control_socket}
        self.passed: PassedSockets = take_passed_sockets(paths, http_addr=config.http_addr)
        self.inodes: dict[str, int] = {}  # only what hookd bound is its to unlink; a passed socket is the manager's
        control = self.passed.get("control")
        if control is None:
            control, self.inodes[config.control_socket] = bind_private_socket(config.control_socket)
        self.control: socket.socket = control
        try:
            self.answers = StartAnswers(control, state, config.state_dir, config.stall_after_s)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        if getattr(self, "answers", None) is not None:
            self.answers.ended()
        for sock in [self.control, *self.passed.values(), *self.passed.http]:
            sock.close()
        for path, inode in self.inodes.items():
            try:
                remove_socket_if_ours(path, inode)
            except OSError:
                pass  # its directory went or does not answer: a stale socket the next start replaces
        self.inodes.clear()
