"""`hookd ui`: bind, print the URL to open (with its one-time token), serve until told to stop."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import signal
import socket
import sys
from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import TextIO

import structlog

from hookd import port_holders
from hookd.cancels import cancel_and_wait
from hookd.config import Config
from hookd.descriptors import follow_limit, raise_limit, warn_if_few
from hookd.hostport import is_loopback
from hookd.paths import PRIVATE_FILE, UnsafePathError, ensure_private_dir, replace_file
from hookd.publish.connection import connect
from hookd.hostport import split_host_port
from hookd.publish.replies import READER_REPLY_BYTES
from hookd.name_lookup import LISTEN_LOOKUP_S, listen_infos
from hookd.publish.settings import RedisSettings
from hookd.supervisor import STRAY_SIGNALS

log = structlog.get_logger("hookd.ui")
DEFAULT_HISTORY = 20_000
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
# The listening socket's queue, and so how many connections asyncio accepts each time the socket
# is ready, before any of them is counted against ui/connections.py's bound (uvicorn's default,
# 2,048, let another user's flood of connections take every descriptor the UI has, and its log
# got a line per failed accept: tests/test_redteam9_ui.py).
ACCEPT_BACKLOG = 64


def parse_addr(addr: str) -> tuple[str, int]:
    """HOST:PORT ([v6]:PORT for IPv6) as a host and a port; ValueError naming the problem."""
    parts = split_host_port(addr, lowest_port=0)  # 0: any free port
    if parts is None:
        raise ValueError(f"--addr {addr!r}: give HOST:PORT, e.g. 127.0.0.1:8790")
    return parts[0] or "127.0.0.1", parts[1]


def url_host(host: str) -> str:
    if host in ("0.0.0.0", "::", ""):
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host``:``port``, a name looked up within name_lookup.LISTEN_LOOKUP_S (TimeoutError);
    its first IPv4 address, as binding to the name did."""
    infos = listen_infos(host, port)
    family, kind, proto, _, sockaddr = next((info for info in infos if info[0] == socket.AF_INET), infos[0])
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(sockaddr)
    sock.listen(ACCEPT_BACKLOG)
    sock.setblocking(False)
    return sock


def run(
    config: Config,
    addr: str | None,
    history: int = DEFAULT_HISTORY,
    out: TextIO | None = None,
    url_file: str | None = None,
) -> int:
    out = out or sys.stdout
    from hookd.ui.connections import BoundedH11Protocol

    limit = raise_limit()
    BoundedH11Protocol.refit(set(), limit)  # no connection yet: the cap alone
    warn_if_few(limit, "hookd ui")
    try:
        host, port = parse_addr(addr or config.ui_addr)
        sock = bind(host, port)
    except ValueError as exc:
        print(f"hookd ui: {exc}", file=sys.stderr)
        return 2
    except TimeoutError:
        print(
            f"hookd ui: cannot resolve {addr or config.ui_addr}: the resolver did not answer within "
            f"{LISTEN_LOOKUP_S:g}s; pass --addr with an address (e.g. 127.0.0.1:{port}), or set ui_addr to one",
            file=sys.stderr,
        )
        return 1
    except OSError as exc:
        holder = f" ({port_holders.who(host, port)})" if exc.errno == errno.EADDRINUSE else ""
        print(
            f"hookd ui: cannot listen on {addr or config.ui_addr}: {exc.strerror}{holder}; pass another "
            "--addr (or set ui_addr)",
            file=sys.stderr,
        )
        return 1
    if not is_loopback(host):
        print(
            f"hookd ui: warning: listening on {host}, beyond this machine; the token and the "
            "events cross the network in clear text",
            file=sys.stderr,
        )
    try:
        asyncio.run(_serve(config, sock, history, out, url_file, limit))
    except KeyboardInterrupt:
        pass
    return 0


def write_private(path: str, text: str) -> None:
    """Replace path with text, private from creation (0600), never through a symbolic link."""
    ensure_private_dir(os.path.dirname(path))
    replace_file(path, text.encode(), PRIVATE_FILE)


async def _serve(
    config: Config, sock: socket.socket, history: int, out: TextIO, url_file: str | None, limit: int | None = None
) -> None:
    import uvicorn

    from hookd.ui.app import build_app
    from hookd.ui.connections import BoundedH11Protocol
    from hookd.ui.reader import LIVE_CONNECTIONS, REQUEST_CONNECTIONS, StreamReader
    from hookd.ui.security import Guard, Tokens
    from hookd.ui.store import Store

    host, port = sock.getsockname()[:2]
    base = f"http://{url_host(host)}:{port}/"
    tokens = Tokens()
    store = Store(history)
    server_class = _server_class(store.end_streams)
    redis_settings = RedisSettings.from_config(config)
    # Entries are as large as events, and others write them: every reply bounded at READER_REPLY_BYTES.
    live = connect(redis_settings, READER_REPLY_BYTES, LIVE_CONNECTIONS)
    client = connect(redis_settings, READER_REPLY_BYTES, REQUEST_CONNECTIONS)
    reader = StreamReader(redis_settings, config.stream, store, live, client)
    allowed = set(config.ui_allow_hosts)
    if host not in ("0.0.0.0", "::"):
        allowed.add(url_host(host).lower())
    app = Guard(build_app(reader, store), tokens, allowed)

    def print_url() -> None:
        url = f"{base}{tokens.root[1:]}/?token={tokens.new_token()}\n"
        if url_file:  # first: a stdout that fails must not keep the URL from the file
            try:
                write_private(url_file, url)
            except (OSError, UnsafePathError) as exc:  # a directory not the user's alone: not written
                log.error("ui_url_file_failed", path=url_file, error=str(exc))
        try:
            out.write(url)
            out.flush()
        except (OSError, ValueError, AttributeError) as exc:  # stdout closed (None), or its reader gone
            log.error(
                "ui_url_not_printed",
                error=str(exc) or type(exc).__name__,
                hint=f"the URL is in {url_file}" if url_file else "pass --url-file FILE to have it in a private file",
            )

    def ignored(sig: signal.Signals) -> None:
        log.warning(
            "ui_signal_ignored", signal=sig.name, hint="SIGUSR1 prints a new URL; SIGTERM or SIGINT stop hookd ui"
        )

    # The handlers first: a SIGUSR1 sent as soon as the first URL is out must not kill us, nor
    # any other signal whose default would end the process without a word.
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGUSR1, print_url)
    for sig in STRAY_SIGNALS:
        if sig != signal.SIGUSR1 and signal.getsignal(sig) is signal.SIG_DFL:
            loop.add_signal_handler(sig, ignored, sig)
    print_url()
    server = server_class(
        uvicorn.Config(
            app,
            log_level="warning",
            access_log=False,
            use_colors=False,  # else its formatter asks sys.stdout.isatty(): None when stdout is closed
            server_header=False,
            date_header=False,
            lifespan="off",
            timeout_graceful_shutdown=1,
            # Not httptools: uvicorn's protocol on it keeps a header that never ends and reads
            # pipelined requests ahead of its answers, without bound (anyone who can reach the
            # port; tests/test_redteam2_ui.py). h11 caps an unfinished head at 16 KiB and
            # reads the next request only once it has answered. Ours also times out a connection
            # that sends no request, and caps how many there are (hookd/ui/connections.py).
            http=BoundedH11Protocol,
            backlog=ACCEPT_BACKLOG,
            ws="none",
        )
    )
    reading = asyncio.create_task(reader.run(), name="ui-reader")
    # The limit followed, as hookd run does (prlimit may lower it): the cap refitted to it.
    refit = SimpleNamespace(refit=lambda now: BoundedH11Protocol.refit(server.server_state.connections, now))
    following = asyncio.create_task(follow_limit([refit], limit, "hookd ui"), name="ui-descriptors")
    # The origin only: the path and the token are secrets, and logs are read by others (a journal).
    log.info("ui_started", url=base, stream=config.stream, history=history)
    try:
        await server.serve(sockets=[sock])
    finally:
        for task in (reading, following):
            try:
                await cancel_and_wait(task)
            except Exception:
                log.exception("ui_task_failed", task=task.get_name())
        await live.aclose()
        await client.aclose()
    log.info("ui_stopped")


def _server_class(end_streams: Callable[[], None]) -> type:
    import uvicorn

    class Server(uvicorn.Server):
        """uvicorn's server, stopped the same way by SIGTERM, SIGINT and SIGHUP: its connections
        closed, then exit status 0. uvicorn's own handling takes SIGTERM and SIGINT only, and
        raises the signal again once stopped (SIGTERM then killed the process, status -15) while
        SIGHUP (the terminal closed) had its default action: killed on the spot, no word. The
        browsers' event streams are ended first: uvicorn waits for every answer to finish."""

        async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
            end_streams()
            await super().shutdown(sockets)

        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            loop = asyncio.get_running_loop()

            def stop(sig: signal.Signals) -> None:
                log.info("ui_signal_received", signal=sig.name)
                if self.should_exit and sig == signal.SIGINT:
                    self.force_exit = True  # a second Ctrl-C: stop waiting for connections
                self.should_exit = True

            previous = {sig: signal.getsignal(sig) for sig in STOP_SIGNALS}
            for sig in STOP_SIGNALS:
                loop.add_signal_handler(sig, stop, sig)
            try:
                yield
            finally:
                for sig, handler in previous.items():
                    loop.remove_signal_handler(sig)
                    if handler is not None:  # remove_signal_handler leaves SIG_DFL, not what was there
                        signal.signal(sig, handler)

    return Server
