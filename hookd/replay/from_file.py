"""``hookd replay --file``: re-publish a file of envelopes, or say what that would add.

Its report (the counts per host, the lines it could not read, what it redacted, the
session index's keys Redis refused), and its warnings: spooled events the file would
hide from hookd run, and nothing added because the marks are already past the file.
The publishing itself is republish.py.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any, TextIO

import redis.exceptions

from hookd.config import Config, mask_url
from hookd.terminal.progress import Progress
from hookd.terminal.text import visible
from hookd.publish.failures import describe_failure
from hookd.publish.script import marks_key, sender
from hookd.publish.settings import RedisSettings
from hookd.replay.errors import ReplayError
from hookd.replay.lines import BAD_LINES_SHOWN, read_file, say_bad_lines
from hookd.replay.redacting import redact_events, say_redacted
from hookd.replay.republish import HostCounts, PublishFailed, hidden_in_spool, predict, publish, read_marks
from hookd.units import plural


def _totals(counts: dict[str, HostCounts]) -> tuple[int, int]:
    return sum(c.added for c in counts.values()), sum(c.skipped for c in counts.values())


def _sayer(err: TextIO) -> Callable[[str], None]:
    """A sentinel gone mute or failing, said on stderr (sentinel.say_to)."""
    return lambda text: print(f"hookd replay: {visible(text)}", file=err)


def replay_file(config: Config, path: str, dry_run: bool, as_json: bool, out: TextIO, err: TextIO) -> int:
    parsed, redacted = redact_events(config, read_file(path, err))
    where = f"{config.stream} at {mask_url(config.redis_url)}"
    report: dict[str, Any] = {
        "file": path,
        "dry_run": dry_run,
        "envelopes": len(parsed.events),
        "bad": parsed.bad_count,
        "bad_lines": [{"line": b.line, "error": b.error} for b in parsed.bad],
        "added": None,
        "skipped": None,
        "hosts": {},
        "redis_url": mask_url(config.redis_url),
        "stream": config.stream,
        "redis_error": None,
        "spool_events_hidden": {},
        "redacted": dict(redacted),
    }
    if not as_json:
        say_bad_lines(parsed, path, err)
    if redacted and not as_json:
        say_redacted(redacted, path, err)
    hidden = hidden_in_spool(config, parsed.events) if parsed.events else {}
    report["spool_events_hidden"] = hidden
    if hidden and not as_json:
        hosts = ", ".join(f"{n} of host {h}" for h, n in sorted(hidden.items()))
        verb = "would hide" if dry_run else "hides"
        print(
            f"hookd: warning: this file {verb} events still waiting in the spool "
            f"{config.spool_dir} ({hosts}): their seq is below the file's highest, so once "
            "the file raises the mark, hookd run publishing that spool to the same stream "
            "skips them as already published. Let hookd run publish the spool first.",
            file=err,
        )

    bad_text = plural(parsed.bad_count, "bad line")
    read_text = f"{path}: {plural(len(parsed.events), 'envelope')} read, {bad_text} skipped"
    if not parsed.events:
        report["added"] = report["skipped"] = 0
        if as_json:
            print(json.dumps(report), file=out)
        else:
            print(f"{read_text}; nothing to publish", file=out)
        return 0

    if dry_run:
        senders = sorted({sender(e) for e in parsed.events})
        redis_settings = RedisSettings.from_config(config)
        try:
            marks = asyncio.run(read_marks(redis_settings, config.stream, senders, _sayer(err)))
        except (redis.exceptions.RedisError, OSError, TimeoutError) as exc:
            report["redis_error"] = describe_failure(redis_settings, exc)
            if as_json:
                print(json.dumps(report), file=out)
            else:
                print(read_text, file=out)
                print(
                    f"dry run: could not ask Redis how many would be added: "
                    f"{visible(report['redis_error'])}; nothing was written",
                    file=out,
                )
            return 0
        counts = predict(parsed.events, marks)
    else:
        refused_keys: dict[str, str] = {}
        report["index_refused"] = refused_keys
        try:
            with Progress("publishing", len(parsed.events), stream=err) as progress:
                counts = asyncio.run(publish(config, parsed.events, progress.update, refused_keys, _sayer(err)))
        except PublishFailed as exc:
            added, _ = _totals(exc.counts)
            done = (
                f"{added} of {len(parsed.events)} events were added before it failed"
                if added
                else "nothing was published"
            )
            fix = "Fix what Redis refused (named above)" if exc.refused else "Start Redis or fix --redis-url"
            raise ReplayError(
                f"{exc}; {done}. {fix}, then run this again: events already in the stream are skipped"
            ) from None

    added, skipped = _totals(counts)
    report["added"], report["skipped"] = added, skipped
    report["hosts"] = {
        h: c._asdict() if dry_run else {k: v for k, v in c._asdict().items() if k != "mark"} for h, c in counts.items()
    }
    if as_json:
        print(json.dumps(report), file=out)
        return 0
    for key, error in sorted(report.get("index_refused", {}).items())[:BAD_LINES_SHOWN]:
        print(
            f"hookd: warning: Redis refused to update the session index's key {visible(key)} "
            f"({visible(error)}); its events were published, its entry not kept: delete the key and "
            "the session's next event writes it again",
            file=err,
        )
    print(read_text, file=out)
    if dry_run:
        print(
            f"dry run: would add {added} and skip {skipped} (at or below their host's mark) "
            f"to {where}; nothing was written",
            file=out,
        )
    else:
        print(
            f"added {added}, skipped {skipped} already in the stream (at or below their "
            f"host's mark), {bad_text}: {where}",
            file=out,
        )
    if added == 0:
        print(
            f"nothing {'would be' if dry_run else 'was'} added: every envelope's seq is at or "
            f"below its host's high-water mark in {marks_key(config.stream)}, so the stream "
            "has these events already, or newer ones of the same host (a file can only add "
            "events newer than the host's mark)",
            file=out,
        )
    return 0
