"""The daemon's start-up: everything opened in order, each with its release on an exit stack.

A start that fails half-way closes what it had opened (sockets unlinked, the
lock released, tasks cancelled) and raises; after a good start the stack is
kept, and the stop (drain.py) closes it after the drain.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import sys
import time

import structlog

from hookd import __version__
from hookd.config import mask_url
from hookd.handoffs import KEEP_S
from hookd.control.server import ControlServer
from hookd.descriptors import Capped, follow_limit, soft_limit
from hookd.daemon.backlog import redact_backlog, settings_digest
from hookd.daemon.inbox_start import InboxAtStart
from hookd.daemon.socket_looks import SocketLooks
from hookd.daemon.sockets import DaemonSockets
from hookd.daemon.first_socket import FirstSocket
from hookd.daemon.start_progress import StartProgress
from hookd.daemon.loop_watch import watch_loop
from hookd.daemon.stalls import say_stalls
from hookd.dirwatch import DirectoryWatch
from hookd.spool.oldest_waiting import OldestWaiting, read_oldest
from hookd.envelope import EnvelopeBuilder
from hookd.ingest.http_listener import HttpListener
from hookd.ingest.http_setup import HttpSettings
from hookd.ingest.inbox import Inbox
from hookd.ingest.server import EventConnection
from hookd.paths import ensure_private_dir, open_private_dir
from hookd.publish.ca_alone import say_keylog_ignored
from hookd.peers import PeerGuard
from hookd.pipeline import Pipeline
from hookd.policies import FsyncPolicy
from hookd.publish.connection import connect
from hookd.publish.publisher import Publisher
from hookd.publish.access import secrets_in_use
from hookd.publish.script import sender_of
from hookd.publish.settings import PublishSettings, RedisSettings
from hookd.redact import build_redactor
from hookd.redact.known import own_secrets
from hookd.redact.view import COMPILED as VIEW_COMPILED
from hookd.sequence import SequenceAllocator
from hookd.service.notify import Notifier
from hookd.spool import Spool
from hookd.spool.cursor_keeper import keep_cursor
from hookd.spool.flusher import Flusher
from hookd.spool.settings import SpoolSettings
from hookd.state import Reports
from hookd.statedir import lock_state_dir
from hookd.worker import Worker

log = structlog.get_logger("hookd")


class DaemonStartup(DaemonSockets, InboxAtStart):
    """Daemon.startup(), and what it registers to be undone."""

    async def startup(self) -> None:
        """Open everything, each with its release on a stack: on a failure, released and raised;
        else kept for shutdown()."""
        async with contextlib.AsyncExitStack() as stack:
            await self._open(stack)
            self.resources = stack.pop_all()

    async def _open(self, stack: contextlib.AsyncExitStack) -> None:
        config = self.config
        self.notifier = Notifier.from_environ()
        stack.callback(self.notifier.close)
        # Sockets the service manager passed are served as they are; the others are bound first, before
        # the state directory is touched: a second daemon on them fails at once (bind_private_socket asks
        # the one there), and status is answered while the state directory's open and lock wait on a mount
        # that hung. Clients that connect meanwhile wait in the backlog until a server serves them.
        # The control socket and its answers: `hookd run` made them before importing the daemon (first_socket.py).
        first, self.first = self.first or FirstSocket(config, self.state), None
        passed = first.passed
        http_passed = passed.http or None
        # Only what hookd bound is its to unlink; a passed socket belongs to the manager.
        self.socket_inodes: dict[str, int] = {}
        for path, inode in first.inodes.items():
            self.socket_inodes[path] = inode
            stack.push_async_callback(self._remove_socket_if_bound, path)
        first.inodes = {}
        control_sock = first.control
        stack.callback(control_sock.close)
        # Status answered until the loop's control server below takes the socket over (start_answers.py).
        answers = first.answers
        stack.callback(answers.ended)
        listen_sock = passed.get("events") or self._bind(stack, config.socket)
        self.socket_looks = SocketLooks(self.socket_inodes)
        stack.callback(self.socket_looks.close_now)
        stack.callback(listen_sock.close)
        # The state directory is held open for the daemon's life and its files (lock, sequence,
        # unsent.jsonl) reached relative to it, as the spool's are (Spool): one moved aside and
        # replaced while hookd runs receives none of them.
        answers.at("opening the state directory", config.state_dir)
        self.state_fd = open_private_dir(config.state_dir)
        stack.callback(os.close, self.state_fd)
        answers.at("locking the state directory", config.state_dir)
        self.lock_fd = lock_state_dir(config.state_dir, self.state_fd)
        stack.callback(os.close, self.lock_fd)
        self.http = HttpListener.bind(HttpSettings.from_config(config), http_passed) if config.http_addr else None
        if self.http is not None:
            stack.callback(self.http.stop_listening)
        ensure_private_dir(config.inbox_dir)
        spool = SpoolSettings.from_config(config)
        answers.at("opening the spool (its recovery reads the newest segment)", spool.dir)
        self.spool = Spool(
            spool.dir,
            spool.segment_bytes,
            spool.fsync,
            max_bytes=spool.max_bytes,
            full_policy=spool.full_policy,
            reserve_bytes=spool.reserve_bytes,
            parent_fd=self.state_fd,  # the spool of the state directory checked above, not a second lookup
            # The recovery's read of the newest segment gathers its recent hand-off ids (_spooled_handoffs),
            # from before the window the pipeline's own begins, which is later.
            handoffs_since_ns=time.time_ns() - int(KEEP_S * 1e9),
        )
        stack.callback(self.spool.close)
        self.flusher = Flusher(self.spool, spool.fsync, spool.fsync_interval_ms / 1000, self.state.progress)
        answers.at("reading the sequence and the redaction rules", config.state_dir)
        sequence = SequenceAllocator(os.path.join(config.state_dir, "sequence"), dir_fd=self.state_fd)
        redactor = build_redactor(
            config.redact, config.redact_disable, config.redact_allow, config.redact_rules, cache_dir=config.state_dir
        )
        redis_settings = RedisSettings.from_config(config)
        if redactor is not None:  # before the worker's fork: it redacts with them too
            token = None if self.http is None else self.http.token
            redactor.known = own_secrets(token, secrets_in_use(redis_settings))
        self.usage = None
        if config.usage:
            from hookd.enrich.prices import PriceTable
            from hookd.enrich.usage import UsageTracker

            self.usage = UsageTracker(
                PriceTable(config.usage_prices), config.usage_budget_ms / 1000, config.usage_read_max_bytes
            )
            stack.callback(self.usage.close)
        self.builder = EnvelopeBuilder(
            config.host,
            sequence,
            redactor,
            self.state.redactions,
            truncate_at=config.truncate_strings_at,
            usage=self.usage,
        )
        self.worker = Worker(self.builder, config.work_budget_ms / 1000)
        stack.callback(self.worker.close)
        self.pipeline = Pipeline(self.builder, self.spool, self.flusher, self.state, self.worker)
        if self.given_redis is None:
            self.redis = connect(redis_settings)
            stack.push_async_callback(self.redis.aclose)
        else:
            self.redis = self.given_redis
        self.publisher = Publisher(
            PublishSettings.from_config(config),
            redis_settings,
            self.spool,
            self.redis,
            self.state,
            first_new_seq=sequence.last_issued + 1,
            run_sender=sender_of(config.host, sequence.instance),
            unsent_path=os.path.join(config.state_dir, "unsent.jsonl"),
            unsent_dir_fd=self.state_fd,
        )
        stack.push_async_callback(self.publisher.writer.route.aclose)  # before the client's aclose (LIFO)
        self.inbox = Inbox(config.inbox_dir, self.pipeline, config.max_event_bytes, config.spare_inbox)
        # Read before the backlog's copying, which lets published segments go that hold them; remembered
        # after it, which may outlast the ids' span.
        answers.at("reading the spool's recent hand-off ids", spool.dir)
        waiting, known = await self._spooled_handoffs(StartProgress(self.notifier, answers))
        # Before the inbox's events and any served: the backlog keeps its place in the order.
        digest = settings_digest(config, redactor)
        answers.at("checking the backlog's redaction", spool.dir)
        on_publish = await redact_backlog(
            self.spool, redactor, digest, self.state_fd, StartProgress(self.notifier, answers)
        )
        self.publisher.redacted = on_publish
        for handoff_id, event_id in known.items():
            self.pipeline.handoffs.add(handoff_id, event_id)
        answers.at("taking the inbox in", config.inbox_dir)
        await self._take_inbox_at_start(waiting, StartProgress(self.notifier, answers))

        loop = asyncio.get_running_loop()
        peers = PeerGuard(self.state.refused_peers)
        self.event_protocol = lambda: EventConnection(
            self.pipeline, config.max_event_bytes, config.client_timeout_s, self.connections, peers, self.budget
        )
        self.server = await loop.create_unix_server(
            self.event_protocol, sock=listen_sock, backlog=config.listen_backlog
        )
        stack.callback(lambda: self.server.close())  # the one serving then (sockets.py may bind it again)
        if self.http is not None:
            self.http.budget = self.budget
            await self.http.start(self.pipeline)
        oldest = self.oldest_waiting = OldestWaiting(
            functools.partial(read_oldest, self.spool), self.spool.directory, self.spool.appends.mount
        )
        directories = self.directories = DirectoryWatch(
            {config.state_dir: self.state_fd, config.spool_dir: self.spool.dir_fd}, [config.inbox_dir]
        )
        self.state.reports = Reports(
            spool=self.spool.stats,
            oldest_waiting_ns=oldest,
            publisher=self.publisher.health,
            inbox=self.inbox.stats,
            builder=self.builder.stats,
            tasks=self.supervisor.stats,
            work=self.worker.snapshot,
            pending_frames=self.budget.snapshot,
            stalled=self.stall_reasons,
            http=self.http.stats if self.http is not None else None,
            directories=directories.problems,
            look_again=lambda: asyncio.gather(directories.look(), oldest.look(), self.socket_looks.look()),
            redacted_on_publish=on_publish.report if on_publish is not None else None,
        )
        self.control = ControlServer(config, self.state)
        answers.ended()
        await self.control.start(control_sock)
        stack.callback(self.control.close)
        self.metrics = None
        if config.metrics_addr:  # prometheus_client is slow to import: only when asked for
            from hookd.control.metrics import start_metrics

            self.metrics = await start_metrics(config.metrics_addr, self.state, config.metrics_allow_hosts)
            stack.callback(self.metrics.close)
        stack.push_async_callback(self._cancel_tasks)
        start = self.supervisor.start
        self.tasks = [
            start("publisher", self.publisher.run),
            start("inbox", lambda: self.inbox.run(config.inbox_poll_ms / 1000), restartable=True),
            start("spool-flusher", self.flusher.run, may_finish=spool.fsync is FsyncPolicy.NEVER),
            start("spool-cursor", lambda: keep_cursor(self.spool)),
        ]
        if on_publish is not None:
            start("spool-redacted-on-publish", on_publish.run, may_finish=True)
        self.lag_task = start("loop-lag", self.state.loop_lag.run, restartable=True)
        start("stalls", lambda: say_stalls(self.stall_reasons), restartable=True)
        start("loop-watch", lambda: watch_loop(config.stall_after_s, config.spool_dir), restartable=True)
        self.socket_watch = start("sockets", self.keep_sockets, restartable=True)
        self.directory_watch = start("directories", directories.run, restartable=True)
        capped: list[Capped] = [c for c in (self.http, self.metrics) if c is not None]
        # The limit followed (prlimit may lower it): the caps refitted, and a lowered one said even with
        # nothing capped, since past it the owner's own connections are closed unanswered.
        start("descriptors", lambda: follow_limit(capped, soft_limit()), restartable=True)
        log.info(
            "hookd_started",
            version=__version__,
            pid=os.getpid(),
            socket=config.socket,
            redis=mask_url(config.redis_url),
            stream=config.stream,
            host=config.host,
            state_dir=config.state_dir,
            spooled=self.spool.pending_events,
            socket_activated=sorted(passed) + (["http"] if http_passed else []),
            # the view's C core (hookd/redact/_viewcore.c) or its Python fallback, slower on floods of escapes
            redaction_view=("compiled" if VIEW_COMPILED else "python") if redactor else None,
        )
        say_keylog_ignored()
        self.drain_progress = None
        if self.handle_signals and sys.stderr.isatty():  # a progress bar while a big spool drains
            from hookd.terminal.drain import show_drain

            self.drain_progress = asyncio.create_task(show_drain(self.spool), name="drain-progress")
        self.notifier.ready(self.describe())
        self.notifier_task = (
            start("notifier", lambda: self.notifier.keep_informing(self.describe, self.alive), restartable=True)
            if self.notifier.enabled
            else None
        )
