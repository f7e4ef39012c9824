"""structlog set-up: human lines on a terminal, JSON lines otherwise, on stderr; never blocking.

Lines go through a LogSink (log_sink.py: a bounded queue and a writer thread,
a fallback file when stderr breaks), so that a log line never stops the daemon.
``configure`` sets up the process's logging for a command; a daemon run inside
another program (a test) logs to a sink of its own (``routed_to``).
"""

from __future__ import annotations

import contextlib
import contextvars
import io
import logging
import sys
from collections.abc import Iterator, MutableMapping
from typing import Any, TextIO

import structlog

from hookd.log_sink import LogSink
from hookd.policies import LogFormat, LogLevel
from hookd.terminal.text import escaped, one_line_fields


class SinkLogger:
    """structlog's logger: each rendered line goes to the sink."""

    def __init__(self, sink: LogSink) -> None:
        self._sink = sink

    def msg(self, message: str) -> None:
        route = _ROUTE.get()
        (route[0] if route is not None else self._sink).write_line(message)

    log = debug = info = warn = warning = error = critical = exception = fatal = failure = msg


class SinkStream(io.TextIOBase):
    """sys.stderr while the daemon runs: what the standard library writes there (asyncio's
    and the threads' tracebacks, warnings) goes through the sink, line by line."""

    def __init__(self, sink: LogSink) -> None:
        self._sink = sink
        self._partial = ""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        lines = (self._partial + text).split("\n")
        self._partial = lines.pop()
        for line in lines:
            self._sink.write_line(escaped(line))
        return len(text)

    def flush(self) -> None:
        if self._partial:
            self._sink.write_line(escaped(self._partial))
            self._partial = ""


SINK: LogSink | None = None
# A daemon run inside another program (a test) logs to a sink of its own: set in the context
# its event loop runs in, so its tasks, callbacks and to_thread calls inherit it. (sink, level)
_ROUTE: contextvars.ContextVar[tuple[LogSink, int] | None] = contextvars.ContextVar("hookd_log_route", default=None)


def current_sink() -> LogSink | None:
    """Where this context's lines go: its routed sink, or the process's."""
    route = _ROUTE.get()
    return route[0] if route is not None else SINK


@contextlib.contextmanager
def routed_to(sink: LogSink, level: str = "info") -> Iterator[None]:
    """Lines logged in this context (and in tasks and threads started from it) go to ``sink``,
    those below ``level`` dropped; with ``configure_routed`` in effect."""
    token = _ROUTE.set((sink, logging.getLevelNamesMapping()[level.upper()]))
    try:
        yield
    finally:
        _ROUTE.reset(token)


def configure_routed() -> None:
    """structlog for daemons that run in-process (tests): JSON lines, each to the sink its
    context is routed to (routed_to), or to sys.stderr outside any; restore the previous
    configuration with ``structlog.configure(**previous)`` from ``structlog.get_config()``."""
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            _drop_below_route_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.ExceptionRenderer(_format_without_carets),
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.DEBUG),
        logger_factory=lambda *args: _RoutedLogger(),
        cache_logger_on_first_use=False,
    )


def _drop_below_route_level(logger: Any, method: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    route = _ROUTE.get()
    level = logging.getLevelNamesMapping().get(method.upper(), logging.CRITICAL)
    if method == "exception":
        level = logging.ERROR
    if route is not None and level < route[1]:
        raise structlog.DropEvent
    return event


def _format_without_carets(exc_info: Any) -> str:
    """A traceback as format_exc_info writes it, without the ^^^ under each line: to place them,
    Python 3.11 parses the line with ast, whose recursion counter is shared by all threads
    (CPython gh-106905); a daemon's thread formatting while the test's thread parses (pytest
    showing a failure) would stop the test run with a SystemError."""
    import traceback

    exc = exc_info[1]
    first = traceback.TracebackException(type(exc), exc, exc.__traceback__)
    todo, seen = [first], set()
    while todo:
        summary = todo.pop()
        if id(summary) in seen:
            continue
        seen.add(id(summary))
        for frame in summary.stack:
            frame.colno = None
        todo += [s for s in (summary.__cause__, summary.__context__) if s is not None]
        todo += getattr(summary, "exceptions", None) or []
    return "".join(first.format()).rstrip("\n")


class _RoutedLogger:
    def msg(self, message: str) -> None:
        route = _ROUTE.get()
        if route is not None:
            route[0].write_line(message)
        else:
            print(message, file=sys.stderr)

    log = debug = info = warn = warning = error = critical = exception = fatal = failure = msg


def configure(
    log_format: LogFormat | str = LogFormat.AUTO,
    level: LogLevel | str = LogLevel.INFO,
    fallback_dir: str | None = None,
    take_stderr: bool = False,
) -> LogSink:
    """Set up structlog over a sink; with ``take_stderr``, sys.stderr writes into it too."""
    global SINK
    on_tty = _isatty(sys.stderr)
    use_console = log_format == LogFormat.CONSOLE or (log_format == LogFormat.AUTO and on_tty)
    from hookd.terminal.color import enabled  # NO_COLOR / FORCE_COLOR, as everywhere

    # Console lines: each value escaped to one printable line first (values come from the
    # network). JSON lines are one line already: json.dumps escapes controls and non-ASCII.
    rendering: list[Any] = [structlog.processors.JSONRenderer()]
    if use_console:
        rendering = [one_line_fields, structlog.dev.ConsoleRenderer(colors=enabled(sys.stderr))]
    if SINK is None:
        SINK = LogSink(sys.stderr.fileno() if _has_fd(sys.stderr) else 2, fallback_dir)
    else:
        SINK.fallback_dir = fallback_dir
    sink = SINK
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            *rendering,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelNamesMapping()[level.upper()]),
        logger_factory=lambda *args: SinkLogger(sink),
        cache_logger_on_first_use=False,
    )
    if take_stderr:
        sys.stderr = SinkStream(sink)
    return sink


def release_stderr(timeout_s: float = 1.0) -> None:
    """Give sys.stderr back and write out what is queued, waiting at most ``timeout_s``."""
    if isinstance(sys.stderr, SinkStream):
        sys.stderr.flush()
        sys.stderr = sys.__stderr__
    if SINK is not None:
        SINK.flush(timeout_s)


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError, OSError):
        return False


def _has_fd(stream: TextIO) -> bool:
    try:
        stream.fileno()
        return True
    except (AttributeError, ValueError, OSError, io.UnsupportedOperation):
        return False
