"""Reading a payload and preparing it to spool: validate (one JSON object, UTF-8), redact, cut,
assess. Needs no memory of other events, so a large payload is prepared in the worker process
(hookd/worker.py); builder.py numbers and encodes the result in the daemon."""

from __future__ import annotations

from collections import Counter
from typing import Any

import msgspec
import structlog

from hookd.enrich import PayloadFields, fields_from_dict, read_fields
from hookd.enrich.enricher import Assessed, assess_payload
from hookd.jsonl import loads as loads_any
from hookd.redact import DENSE, Redactor
from hookd.redact.dense import redact_in_bulk
from hookd.redact.truncate import truncate_strings
from hookd.refusals import Reason, Rejected

log = structlog.get_logger("hookd.envelope")

# The payload fields the envelope lifts out and enriches from; anything else is only validated.
PayloadHead = PayloadFields


class Prepared(msgspec.Struct, array_like=True, frozen=True):
    """An event's payload made ready to spool: validated, redacted, cut, assessed.

    This is the work whose cost grows with the payload, and it needs no memory of
    other events, so a large event is prepared in the worker process (hookd/worker.py)
    and only ``EnvelopeBuilder.finish`` (numbers, times, encoding) runs in the daemon.
    """

    body: bytes
    redactions: dict[str, int]
    truncated: int
    hook_name: str | None
    session: str | None
    tool: str | None
    assessed: Assessed | None  # None: enrichment failed (logged where it ran)
    transcript_path: str | None = None  # where usage is read from (Stop and the like)
    agent_transcript_path: str | None = None


_head_decoder = msgspec.json.Decoder(PayloadHead)


def read_payload_head(body: bytes) -> PayloadHead:
    """Validate the body as one UTF-8 JSON object; return the fields the envelope needs."""
    return read_payload(body)[0]


def read_payload(body: bytes) -> tuple[PayloadHead, str]:
    """Validate the body as one UTF-8 JSON object: the fields the envelope needs, and its text."""
    if not body.strip():
        raise Rejected(Reason.EMPTY, "the event body is empty; send the hook's JSON object")
    try:
        head = _head_decoder.decode(body)
    except RecursionError:
        raise Rejected(Reason.TOO_DEEP, "the JSON nests too deeply (limit about 1000 levels)") from None
    except UnicodeDecodeError:
        raise Rejected(Reason.INVALID_UTF8, "the body is not valid UTF-8") from None
    except msgspec.ValidationError:
        # msgspec stops at the first byte that is not '{'; parse it all to tell
        # "valid JSON, wrong type" from "not JSON at all".
        head = _decode_with_stdlib(body)
    except msgspec.DecodeError:
        head = _decode_with_stdlib(body)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Rejected(Reason.INVALID_UTF8, f"the body is not valid UTF-8 (byte {exc.start})") from None
    return head, text


def _decode_with_stdlib(body: bytes) -> PayloadHead:
    """Second opinion for what msgspec refuses, and the verdict when the body is not an object.

    JavaScript's JSON.stringify writes a lone surrogate (a string cut in the
    middle of an emoji) as ``\\ud83d``; that is valid JSON which msgspec refuses,
    and such an event must not be lost. NaN and Infinity, which the stdlib
    would take, are not JSON and stay refused.
    """
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Rejected(Reason.INVALID_UTF8, f"the body is not valid UTF-8 (byte {exc.start})") from None
    try:
        value = loads_any(text)
    except RecursionError:
        raise Rejected(Reason.TOO_DEEP, "the JSON nests too deeply (limit about 1000 levels)") from None
    except ValueError as exc:
        raise Rejected(Reason.NOT_JSON, f"the body is not JSON: {exc}") from None
    if not isinstance(value, dict):
        raise Rejected(Reason.NOT_OBJECT, f"the body must be a JSON object, not {type(value).__name__}")
    return fields_from_dict(value)


def _text(value: Any) -> str | None:
    """A lifted field as text; a lone surrogate (possible after the stdlib fallback) becomes U+FFFD."""
    if not isinstance(value, str) or not value:
        return None
    if value.isascii():
        return value
    return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


class Preparer:
    """``prepare``: the part of building an envelope that needs no state (see Prepared)."""

    def __init__(self, redactor: Redactor | None = None, truncate_at: int = 0) -> None:
        self.redactor = redactor
        self.truncate_at = truncate_at
        self.enrich_failures = 0
        self.invalid_outputs = 0  # redactions whose output was not JSON (a rule's bug), redacted whole

    def _identity(self, head: PayloadHead, fields: PayloadHead) -> PayloadHead:
        """A dense stretch (hookd/redact/dense.py) replaces every string in it, the fields that name
        the event among them: those are taken from the sender's payload, each redacted on its own, so
        that the event keeps its hook, session and tool."""
        assert self.redactor is not None
        kept = {}
        for name in ("hook_event_name", "session_id", "tool_name"):
            value = getattr(head, name)
            if isinstance(value, str) and value:
                kept[name] = self.redactor.redact_string(value, name)[0]
        return msgspec.structs.replace(fields, **kept)

    def _redacted_whole(self, text: str, found: Counter[str]) -> tuple[str, Counter[str]]:
        """Every string of the payload redacted (dense.py's bulk, whose output is JSON): the rules keep JSON
        valid, and should one not, the event is still taken, with nothing of its text kept."""
        self.invalid_outputs += 1
        if self.invalid_outputs & (self.invalid_outputs - 1) == 0:  # 1st, 2nd, 4th, 8th, ...
            log.error("redaction_output_invalid", rules=sorted(found), count=self.invalid_outputs)
        return redact_in_bulk(text, [], [(0, len(text))])

    def prepare(self, body: bytes) -> Prepared:
        """Validate, redact, cut and assess a payload; raises Rejected."""
        head, text = read_payload(body)
        counts: dict[str, int] = {}
        fields = head
        if self.redactor is not None:
            redacted, found = self.redactor.redact(text, body)
            if found:
                body = redacted.encode()
                try:
                    fields = read_fields(body)  # enrichment must see only the redacted payload
                except ValueError:
                    redacted, found = self._redacted_whole(text, found)
                    body = redacted.encode()
                    fields = read_fields(body)
                if DENSE in found:
                    fields = self._identity(head, fields)
                counts = dict(found)
                text = redacted
        truncated = 0
        if self.truncate_at and len(body) > self.truncate_at:
            shortened, truncated = truncate_strings(text, self.truncate_at)
            if truncated:
                body = shortened.encode()
        tool = _text(fields.tool_name)
        try:
            assessed = assess_payload(fields, tool)
        except Exception:
            self.enrich_failures += 1
            if self.enrich_failures & (self.enrich_failures - 1) == 0:  # 1st, 2nd, 4th, 8th, ...
                log.exception("enrichment_failed", failures=self.enrich_failures)
            assessed = None
        return Prepared(
            body,
            counts,
            truncated,
            _text(fields.hook_event_name),
            _text(fields.session_id),
            tool,
            assessed,
            _text(fields.transcript_path),
            _text(fields.agent_transcript_path),
        )
