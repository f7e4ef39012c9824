"""Running the rules over a payload: one Hyperscan pass finds where rules may apply, regexes confirm.

The payload's JSON text is redacted as it is, without decoding and
re-encoding it, so everything that is not a secret stays byte for byte.

Python's ``re`` scans a few tens of MB/s, too slow to run some twenty rules
over a tool response of megabytes. So one Hyperscan pass (GB/s) over the
UTF-8 bytes finds each rule's keywords or trigger; a rule with no hit is
skipped; a built-in rule (which knows its ``lead``) is tried only at the
start positions that can reach one of its hits; a user's rule runs over the
whole text. The result is the same as running every rule's regex over the
whole text (tests/test_redact_rules.py checks the two against each other).
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Iterable

import hyperscan

from hookd.redact.rule import Rule
from hookd.redact.scanner_cache import compiled

REDACTED_PREFIX = "[REDACTED:"
WHOLE = "hookd_match"  # the group around a windowed rule's own pattern
NOTHING: Counter = Counter()  # what most events get; callers only read it
TRIGGER_REACH = 64  # bytes: no built-in trigger matches more


class Redactor:
    def __init__(self, rules: Iterable[Rule], allow: Iterable[str] = (), cache_dir: str | None = None) -> None:
        self.rules = tuple(rules)
        self.allow = tuple(re.compile(pattern) for pattern in allow)
        self._triggers = TriggerScan(self.rules, cache_dir)
        self._every_rule_gates = all(rule.gates for rule in self.rules)
        self._anchored = {rule.name: _anchored(rule) for rule in self.rules if rule.lead is not None}

    def redact(self, text: str, data: bytes | None = None) -> tuple[str, Counter]:
        """The text with every secret replaced by its rule's marker, and the count per rule.

        ``data`` is the text's UTF-8 encoding, when the caller has it already.
        """
        hits = self._triggers.scan(text, data)
        if not hits and self._every_rule_gates:
            return text, NOTHING
        counts: Counter = Counter()
        for index, rule in enumerate(self.rules):
            if rule.gates and index not in hits:
                continue
            if rule.lead is None:
                matches, group = rule.compiled.finditer(text), rule.group
            else:
                matches, group = self._near(rule, text, hits[index]), _windowed_group(rule.group)
            spans = self._replaced_spans(rule, text, matches, group)
            if spans:
                counts[rule.name] += len(spans)
                text, hits = self._replace(rule, text, spans, hits)
        return text, counts

    def _near(self, rule: Rule, text: str, ends: list[int]) -> Iterable[re.Match]:
        """The matches that ``finditer`` over the whole text would yield, looking only near hits.

        Every match contains a hit and starts at most ``lead`` characters before
        the hit's end, so only the start positions in [end - lead, end] can begin
        one; the anchored pattern tries exactly those, leftmost first.
        """
        anchored = self._anchored[rule.name]
        resume = tried = 0  # finditer resumes at the last match's end; starts below `tried` failed
        for end in sorted(set(ends)):
            start = max(resume, tried, end - rule.lead)
            while start <= end:
                match = anchored.match(text, start)
                if match is None:
                    tried = start + rule.lead + 1
                    break
                yield match
                resume = start = max(match.end(), match.start(WHOLE) + 1)

    def _replaced_spans(self, rule: Rule, text: str, matches: Iterable[re.Match],
                        group: int | str) -> list[tuple[int, int]]:
        spans = []
        for match in matches:
            start, end = match.span(group)
            if start < 0 or end <= start:
                continue
            value = text[start:end]
            if value.startswith(REDACTED_PREFIX) or self._allowed(value) \
                    or (rule.validate is not None and not rule.validate(value)):
                continue
            spans.append((start, end))
        return spans

    def _replace(self, rule: Rule, text: str, spans: list[tuple[int, int]],
                 hits: dict[int, list[int]]) -> tuple[str, dict[int, list[int]]]:
        """The text with the spans replaced by the marker, and the hits moved to match it."""
        pieces: list[str] = []
        last = 0
        for start, end in spans:
            pieces += (text[last:start], rule.marker)
            last = end
        pieces.append(text[last:])
        changed = "".join(pieces)
        return changed, self._triggers.after_replacing(changed, hits, spans, len(rule.marker))

    def _allowed(self, value: str) -> bool:
        return any(pattern.search(value) for pattern in self.allow)


def _anchored(rule: Rule) -> re.Pattern:
    """The rule's pattern tried at each of the ``lead + 1`` positions from where the match begins."""
    return re.compile(rf"(?s:.{{0,{rule.lead}}}?)(?P<{WHOLE}>{rule.pattern})", rule.flags)


def _windowed_group(group: int | str) -> int | str:
    """The rule's group in the anchored pattern, whose own group 1 wraps the rule's pattern."""
    if group == 0:
        return WHOLE
    return group + 1 if isinstance(group, int) else group


class TriggerScan:
    """Where each rule's keywords or trigger occur: one Hyperscan pass over the UTF-8 text.

    Keywords are literals (ASCII case folded when the rule says so); a trigger
    is a Hyperscan pattern, whose matches end on a whole character and are at
    most TRIGGER_REACH bytes long.
    """

    def __init__(self, rules: Iterable[Rule], cache_dir: str | None = None) -> None:
        """``cache_dir``: where the compiled database is kept between starts (scanner_cache)."""
        expressions: list[bytes] = []
        flags: list[int] = []
        self._rule_of: list[int] = []
        self.reach = TRIGGER_REACH  # the longest a hit can be, in bytes (so also in characters)
        for index, rule in enumerate(rules):
            if rule.trigger:
                expressions.append(rule.trigger.encode())
                flags.append(0)
                self._rule_of.append(index)
                continue
            for keyword in rule.keywords:
                expressions.append(_literal(keyword))
                flags.append(hyperscan.HS_FLAG_CASELESS if rule.ignore_case_keywords else 0)
                self._rule_of.append(index)
                self.reach = max(self.reach, len(keyword.encode()))
        self._database = compiled(expressions, flags, cache_dir) if expressions else None

    def scan(self, text: str, data: bytes | None = None) -> dict[int, list[int]]:
        """Per rule with a hit: the character offsets where its hits end."""
        if self._database is None:
            return {}
        if data is None:
            data = text.encode("utf-8", "surrogatepass")
        found: list[tuple[int, int]] = []
        self._database.scan(data, match_event_handler=_collect, context=found)
        if not found:
            return {}
        hits: dict[int, list[int]] = {}
        for expression, end in found:
            hits.setdefault(self._rule_of[expression], []).append(end)
        if len(data) != len(text):
            hits = _as_character_offsets(data, hits)
        return hits

    def after_replacing(self, text: str, hits: dict[int, list[int]], spans: list[tuple[int, int]],
                        marker_length: int) -> dict[int, list[int]]:
        """The hits in ``text``, which is the old text with each span replaced by a marker.

        Scanning all of a large text again after each rule that redacted
        something would cost more than the rules. A hit can change only if its
        match (at most ``reach`` characters) touches a replaced span; the others
        move by the length the text gained or lost before them, and the text
        around each marker is scanned again for the rest.
        """
        starts = [start for start, _ in spans]
        shift = [0]
        for start, end in spans:
            shift.append(shift[-1] + marker_length - (end - start))
        moved: dict[int, list[int]] = {}
        for rule, ends in hits.items():
            kept = []
            for end in ends:
                before = bisect.bisect_left(starts, end)  # spans that start before the hit ends
                if before and end <= spans[before - 1][1] + self.reach:
                    continue
                kept.append(end + shift[before])
            if kept:
                moved[rule] = kept
        for low, high in self._windows(text, spans, shift, marker_length):
            for rule, ends in self.scan(text[low:high]).items():
                moved.setdefault(rule, []).extend(low + end for end in ends)
        return moved

    def _windows(self, text: str, spans, shift, marker_length: int) -> list[tuple[int, int]]:
        """The stretches of the new text within ``reach`` of a marker, overlapping ones merged."""
        windows: list[tuple[int, int]] = []
        for (start, _), moved_by in zip(spans, shift):
            low = max(0, start + moved_by - self.reach)
            high = min(len(text), start + moved_by + marker_length + self.reach)
            if windows and low <= windows[-1][1]:
                windows[-1] = (windows[-1][0], high)
            else:
                windows.append((low, high))
        return windows


def _collect(expression: int, _start: int, end: int, _flags: int, found: list) -> None:
    found.append((expression, end))


def _as_character_offsets(data: bytes, hits: dict[int, list[int]]) -> dict[int, list[int]]:
    """Byte offsets (each on a character boundary) as offsets into the decoded text."""
    characters: dict[int, int] = {}
    count = previous = 0
    for end in sorted({end for ends in hits.values() for end in ends}):
        count += len(data[previous:end].decode("utf-8", "surrogatepass"))
        characters[end] = count
        previous = end
    return {rule: [characters[end] for end in ends] for rule, ends in hits.items()}


def _literal(keyword: str) -> bytes:
    """A keyword as a Hyperscan pattern that matches exactly its UTF-8 bytes."""
    return "".join(f"\\x{byte:02x}" for byte in keyword.encode()).encode()
