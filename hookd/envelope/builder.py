"""The envelope: a prepared payload (payload.py) numbered, timed, enriched and encoded, in
arrival order, as the spool's record (hookd/spool/event.py)."""

from __future__ import annotations

import datetime
import random
import time
from collections import Counter
from typing import Any

import msgspec
import structlog

from hookd.enrich import NO_ENRICHMENT, Enricher, Enrichment, normalise_hook
from hookd.enrich.enricher import Assessed
from hookd.enrich.usage import ModelUsage, Usage, UsageTracker, transcript_paths
from hookd.envelope.payload import Prepared, Preparer
from hookd.redact import Redactor
from hookd.refusals import Header
from hookd.sequence import SequenceAllocator
from hookd.spool.event import Event
from hookd.state import BuilderStats

ENVELOPE_VERSION = 1
UNKNOWN_HOOK = "unknown"
# Model names read from transcripts, with their redaction: a session has one or a few, asked at
# each of its events. Cleared when full, as a transcript that names a new model per line could fill it.
MAX_REMEMBERED_NAMES = 1024

log = structlog.get_logger("hookd.envelope")


class ClientInfo(msgspec.Struct):
    pid: int | None
    ppid: int | None
    handoff_id: str | None


# The envelope's fields, in the order they are written. The enrichment's come from its
# Struct (hookd/enrich/enricher.py), so that they are defined in one place.
ENVELOPE_FIELDS: list[tuple[str, Any]] = [
    ("v", int),
    ("event_id", str),
    ("seq", int),
    ("host", str),
    ("instance", str | None),  # with host, whose sequence seq belongs to
    ("hook", str),
    ("session_id", str | None),
    ("tool_name", str | None),
    ("received_at", str),
    ("sent_at", str | None),
    ("client", ClientInfo | None),
    ("project_dir", str | None),
    ("redactions", int),
    ("truncated", int),  # strings cut to truncate_strings_at
    # Enrichment (hookd/enrich), computed from the redacted payload; see docs/envelope.md.
    *((field.name, field.type) for field in msgspec.structs.fields(Enrichment)),
    ("usage", Usage | None),  # tokens and cost from the transcript (hookd/enrich/usage.py)
    ("payload", msgspec.Raw),
]
Envelope = msgspec.defstruct("Envelope", ENVELOPE_FIELDS, module=__name__)

_encoder = msgspec.json.Encoder()


class EventIds:
    """UUIDv7 ids: time-ordered to the millisecond, and strictly increasing within a process."""

    def __init__(self) -> None:
        self._last_ms = 0
        self._counter = 0

    def next(self, now_ns: int) -> str:
        ms = now_ns // 1_000_000
        if ms > self._last_ms:
            self._last_ms, self._counter = ms, random.getrandbits(10)
        else:
            self._counter += 1
            if self._counter > 0xFFF:
                self._last_ms, self._counter = self._last_ms + 1, 0
        value = (self._last_ms << 80) | (0x7 << 76) | (self._counter << 64) | (0b10 << 62) | random.getrandbits(62)
        h = f"{value:032x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


class EnvelopeBuilder(Preparer):
    """Turns a validated frame into an Event, stamping id, sequence, host and times."""

    def __init__(
        self,
        host: str,
        sequence: SequenceAllocator,
        redactor: Redactor | None = None,
        redactions: Counter[str] | None = None,
        truncate_at: int = 0,
        usage: UsageTracker | None = None,
    ) -> None:
        super().__init__(redactor, truncate_at)
        self.usage = usage
        self.host = host
        self.instance = sequence.instance
        self.sequence = sequence
        self.redactions = Counter() if redactions is None else redactions  # per rule, for status
        self.events_redacted = 0
        self.ids = EventIds()
        self.utc = UtcText()
        self.enricher = Enricher()
        self._names: dict[str, tuple[str, Counter[str]]] = {}

    def stats(self) -> BuilderStats:
        return BuilderStats(self.instance, self.events_redacted)

    def build(self, header: Header, body: bytes) -> Event:
        return self.finish(header, self.prepare(body))

    def finish(self, header: Header, prepared: Prepared) -> Event:
        """Number, time and encode a prepared payload: cheap, and in arrival order."""
        body = prepared.body
        redactions = sum(prepared.redactions.values())
        if redactions:
            self.redactions.update(prepared.redactions)
            self.events_redacted += 1
        now_ns = time.time_ns()
        hook = normalise_hook(prepared.hook_name or self.header_text(header.hook, counted=True) or UNKNOWN_HOOK)
        session = prepared.session
        tool = prepared.tool
        extra = self._enrich(prepared.assessed, hook, session, tool, header.sent_ns, now_ns)
        usage, model = self._usage(prepared, hook, session, extra.model)
        # id= is the sender's text like hook=: a sender other than hook-send may put anything of
        # its shape there, and it is written to the spool and into the envelope.
        handoff_id = self.header_text(header.handoff_id, counted=True)
        client = None
        if header.pid is not None or handoff_id is not None:
            client = ClientInfo(header.pid, header.ppid, handoff_id)
        received_at = self.utc(now_ns)
        assert received_at is not None  # this machine's clock now: always a date datetime can hold
        if model != extra.model:
            extra = msgspec.structs.replace(extra, model=model)
        event_id = self.ids.next(now_ns)
        seq = self.sequence.next()
        envelope = Envelope(
            v=ENVELOPE_VERSION,
            event_id=event_id,
            seq=seq,
            host=self.host,
            instance=self.instance,
            hook=hook,
            session_id=session,
            tool_name=tool,
            received_at=received_at,
            sent_at=None if header.sent_ns is None else self.utc(header.sent_ns),
            client=client,
            project_dir=self.header_text(header.project, counted=True),
            redactions=redactions,
            truncated=prepared.truncated,
            **msgspec.structs.asdict(extra),
            usage=usage,
            payload=msgspec.Raw(body),
        )
        return Event(
            seq,
            self.host,
            event_id,
            hook,
            session or "",
            tool or "",
            _encoder.encode(envelope),
            handoff_id or "",
            now_ns,
            self.instance,
        )

    def header_text(self, value: str | None, *, counted: bool) -> str | None:
        """hook=, project= or id= of a frame's header, redacted: the sender wrote it, as it wrote the
        body. ``counted``: its redactions go into the counts status shows, as an event carries it;
        not for a refused frame's hook=, which only the log shows."""
        if not value or self.redactor is None:
            return value
        redacted, counts = self.redactor.redact_string(value)
        if counted:
            self.redactions.update(counts)
        return redacted

    def _enrich(
        self,
        assessed: Assessed | None,
        hook: str,
        session: str | None,
        tool: str | None,
        sent_ns: int | None,
        now_ns: int,
    ) -> Enrichment:
        """The enrichment fields; none (and a logged error) if enrichment fails, never a refusal."""
        if assessed is None:
            return NO_ENRICHMENT
        try:
            return self.enricher.complete(assessed, hook, session, tool, sent_ns, now_ns)
        except Exception:
            self.enrich_failures += 1
            if self.enrich_failures & (self.enrich_failures - 1) == 0:  # 1st, 2nd, 4th, 8th, ...
                log.exception("enrichment_failed", failures=self.enrich_failures, hook=hook)
            return NO_ENRICHMENT

    def _usage(
        self, prepared: Prepared, hook: str, session: str | None, model: str | None
    ) -> tuple[Usage | None, str | None]:
        """The event's usage (Stop and the like) and the model, from the transcript when the
        payload and the session's SessionStart gave none; never a refusal."""
        if self.usage is None:
            return None, model
        try:
            usage = self.usage.observe(
                session, hook, transcript_paths(prepared.transcript_path, prepared.agent_transcript_path)
            )
            return self._redacted_usage(usage), model or self._transcript_name(self.usage.model_of(session))
        except Exception:
            self.enrich_failures += 1
            log.exception("usage_failed", hook=hook)
            return None, model

    def _transcript_name(self, name: str | None) -> str | None:
        """A model name read from a transcript, redacted as a payload's string is: the transcript is
        not the payload, and whatever wrote it (a proxy answering as the API, a hand-edited line)
        chose the name, which any id-shaped secret fits (docs/security.md, twenty-second pass)."""
        if name is None:
            return None
        known = self._names.get(name)
        if known is None:
            if len(self._names) >= MAX_REMEMBERED_NAMES:
                self._names.clear()
            known = self._names[name] = self.redactor.redact_string(name) if self.redactor else (name, Counter())
        self.redactions.update(known[1])
        return known[0]

    def _redacted_usage(self, usage: Usage | None) -> Usage | None:
        """``usage`` with its model names redacted (each counted once per event)."""
        if usage is None or self.redactor is None:
            return usage
        names = {m: self._transcript_name(m) or m for m in {*usage.since_last, *usage.total}}
        if all(name == model for model, name in names.items()):
            return usage
        return msgspec.structs.replace(
            usage, since_last=_renamed(usage.since_last, names), total=_renamed(usage.total, names)
        )


def _renamed(usages: dict[str, ModelUsage], names: dict[str, str]) -> dict[str, ModelUsage]:
    """``usages`` under their redacted names; models whose names redact alike are added up, not dropped."""
    out: dict[str, ModelUsage] = {}
    for model, counts in usages.items():
        held = out.get(names[model])
        out[names[model]] = counts if held is None else _sum(held, counts)
    return out


def _sum(a: ModelUsage, b: ModelUsage) -> ModelUsage:
    cost = None if a.cost_usd is None and b.cost_usd is None else round((a.cost_usd or 0) + (b.cost_usd or 0), 6)
    return ModelUsage(
        a.input_tokens + b.input_tokens,
        a.output_tokens + b.output_tokens,
        a.cache_read_tokens + b.cache_read_tokens,
        a.cache_write_tokens + b.cache_write_tokens,
        cost,
    )


class UtcText:
    """RFC 3339 UTC text with microseconds, formatting date and time once per second."""

    def __init__(self) -> None:
        self._prefixes: dict[int, str] = {}

    def __call__(self, ns: int) -> str | None:
        second, rest = divmod(ns, 1_000_000_000)
        prefix = self._prefixes.get(second)
        if prefix is None:
            try:
                prefix = datetime.datetime.fromtimestamp(second, datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S")
            except (OverflowError, OSError, ValueError):
                return None
            if len(self._prefixes) >= 4:  # received and sent times: a few recent seconds
                self._prefixes.clear()
            self._prefixes[second] = prefix
        return f"{prefix}.{rest // 1000:06d}Z"
