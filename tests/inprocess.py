"""hookd's Daemon run inside the test process: its own event loop in a thread, real sockets.

``InProcessHookd`` has the API of conftest's ``Hookd`` (a ``hookd run`` process): the same
environment, sockets and state directory, ``send`` through the real hook-send, ``request``,
``inbox``, ``stop`` and the log lines in ``log_text()``; it starts in milliseconds instead of
the interpreter's second. Each daemon's log lines go to its own file (logs.routed_to); the
structlog configuration is set while any in-process daemon runs and put back after the last.

``running_daemon()`` is the same for a test that is itself async: the daemon runs on the
test's loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import signal
import threading
import traceback
from collections.abc import AsyncIterator
from typing import Any

import structlog

from hookd import logs
from hookd.config import Config, load
from hookd.daemon import Daemon

_config_lock = threading.Lock()
_config_users = 0
_config_before: dict[str, Any] | None = None


def _take_logging() -> None:
    global _config_users, _config_before
    with _config_lock:
        if _config_users == 0:
            _config_before = structlog.get_config()
        _config_users += 1
        # Set each time: a test in between may have configured structlog its own way.
        logs.configure_routed()


def _give_back_logging() -> None:
    global _config_users, _config_before
    with _config_lock:
        _config_users -= 1
        if _config_users == 0 and _config_before is not None:
            structlog.configure(**_config_before)
            _config_before = None


@contextlib.asynccontextmanager
async def running_daemon(config: Config, log_path: str | None = None, redis: Any = None) -> AsyncIterator[Daemon]:
    """A started Daemon on the running loop, stopped (drained) on the way out; its log lines
    appended to ``log_path`` when given."""
    with contextlib.ExitStack() as stack:
        if log_path is not None:
            out = stack.enter_context(open(log_path, "ab"))
            _take_logging()
            stack.callback(_give_back_logging)
            stack.enter_context(logs.routed_to(logs.LogSink(out.fileno()), config.log_level))
        daemon = Daemon(config, redis=redis, handle_signals=False)
        async with daemon.running():
            yield daemon


class InProcessHookd:
    """Mixed into conftest's Hookd: start and stop a Daemon in a thread instead of a process."""

    proc = None  # no process: a test that signals, kills or waits on one uses hookd_process
    daemon: Daemon | None = None
    thread: threading.Thread | None = None

    def start(self, wait: bool = True) -> Any:
        self.config = load(environ=self.env)  # type: ignore[attr-defined]
        if self.config.log_format == "console":  # the in-process sink writes JSON lines only
            raise AssertionError("log_format=console is rendered by `hookd run`: use hookd_process_factory")
        self.log = open(self.log_path, "ab")  # type: ignore[attr-defined]
        self.code: int | None = None
        self.error: BaseException | None = None
        self.ready = threading.Event()
        self.loop: asyncio.AbstractEventLoop | None = None
        _take_logging()
        self.thread = threading.Thread(target=self._run, name=f"hookd-{id(self):x}", daemon=True)
        self.thread.start()
        if wait:
            if not self.ready.wait(30):
                raise AssertionError(f"hookd did not start in 30s:\n{self.log_text()}")  # type: ignore[attr-defined]
            if self.error is not None:
                raise AssertionError(f"hookd failed to start: {self.error!r}:\n{self.log_text()}")  # type: ignore[attr-defined]
        return self

    def _run(self) -> None:
        import uvloop

        sink = logs.LogSink(self.log.fileno())  # a regular file: written at once, no thread
        try:
            with logs.routed_to(sink, self.config.log_level):
                self.code = uvloop.run(self._serve())
        except BaseException as exc:  # noqa: BLE001 - reported to the test by start() / stop()
            self.error = exc
            self.code = 1
            sink.write_line(f"hookd: {exc}")  # as `hookd run` says it, then the traceback
            sink.write_line("".join(traceback.format_exception(exc)))
        finally:
            self.ready.set()
            _give_back_logging()

    async def _serve(self) -> int:
        self.loop = asyncio.get_running_loop()
        self.context = contextvars.copy_context()
        self.daemon = Daemon(self.config, handle_signals=False)
        async with self.daemon.running():
            self.ready.set()
            await self.daemon.should_exit.wait()
        return self.daemon.exit_code

    def running(self) -> bool:
        return self.thread is not None and self.thread.is_alive()

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> int:
        """Stop as SIGTERM would (the same drain); the exit code hookd run would have."""
        if sig not in (signal.SIGTERM, signal.SIGINT):
            raise ValueError(f"an in-process daemon cannot take signal {sig}: use hookd_process")
        assert self.thread is not None, "never started"
        daemon, loop = self.daemon, self.loop
        if self.thread.is_alive() and daemon is not None and loop is not None:
            try:  # in the daemon's context: its log lines go to its own file
                loop.call_soon_threadsafe(daemon.request_stop, context=self.context)
            except RuntimeError:
                pass  # the loop has just closed: the daemon stopped on its own
        self.thread.join(timeout)
        if self.thread.is_alive():
            raise AssertionError(f"hookd did not stop in {timeout}s:\n{self.log_text()}")  # type: ignore[attr-defined]
        self.log.close()
        assert self.code is not None
        return self.code

    def kill(self) -> None:
        """At the test's end, whatever state it is in."""
        if self.thread is not None and self.thread.is_alive():
            self.stop()
        elif self.thread is not None and not self.log.closed:
            self.log.close()
