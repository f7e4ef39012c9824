"""The one Hyperscan pass over a payload: per chunk, which rules' keywords occur, and where the
context and shape triggers end (redactor.py reads the rules' regexes where this says)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any, TypeAlias

import hyperscan

from hookd.redact.floods import FLOOD_LIMIT, FLOOD_WORDS, ChunkLimits
from hookd.redact.floods import collect as _collect
from hookd.redact.floods import collect_limited as _collect_limited
from hookd.redact.floods import reported_as
from hookd.redact.rule import Rule
from hookd.redact.scanner_cache import GATED_PREFIX, Twin, compiled, content_prefix
from hookd.redact.scanwords import counted, literal_pattern
from hookd.redact.viewtriggers import VIEW_TRIGGERS

CHUNK = 8192  # characters: the grain at which a keyword switches its rule on
OVERLAP = 2048  # characters: how far back a trigger is seen across a chunk border (a command line's context)
VIEW = -1  # the rule index of the view's triggers
# A need written with this first (a pattern) is scanned in a database of its own, and only where the rest of
# its group is found: one that would cost the main database at every occurrence of its words (files.py).
LATER = "(?#later)"
# A scanner expression reports once per chunk; every end; a confirm's ends; every prefix, only counted;
# once per chunk, that the chunk holds what a gated trigger needs (then the gated database scans it).
GATE, EVERY, CONFIRM, COUNT, NEEDED = 0, 1, 2, 3, 4
# Reports (calls into Python) one chunk's scan may make, its overlap included; past it the scan of that
# chunk stops and the chunk is dense (redactor.py redacts it in bulk, dense.py). The payloads of
# tests/corpus make at most 35 in a chunk (a token shape reports at every end it can have).
REPORT_LIMIT = 128
# Right after a dense chunk, a flood usually runs on: the next chunk's first PROBE characters (no overlap)
# are scanned first, and more than PROBE_LIMIT reports there (the density of REPORT_LIMIT in a chunk and
# its overlap) make it dense without scanning the rest. Text with no dense chunk is never probed.
PROBE = CHUNK // 4
PROBE_LIMIT = REPORT_LIMIT * PROBE // (CHUNK + OVERLAP)
# What TriggerScan.scan returns (its doc string says what each part is).
Scanned: TypeAlias = tuple[dict[int, list[int]], dict[int, list[int]], bool, dict[int, list[int]], list[int]]


class TriggerScan:
    """Per chunk of text, which rules' keywords occur; and where each context trigger ends.

    Keyword and trigger expressions of ordinary rules are compiled with
    Hyperscan's single-match flag: a chunk costs one report per rule at
    most, however often its keywords repeat. Context triggers report every
    end, which the anchored rules read from.
    """

    def __init__(self, rules: Iterable[Rule], cache_dir: str | None = None) -> None:
        """``cache_dir``: where the compiled database is kept between starts (scanner_cache)."""
        expressions: list[bytes] = [expression.encode() for expression in VIEW_TRIGGERS]
        flags: list[int] = [hyperscan.HS_FLAG_SINGLEMATCH] * len(VIEW_TRIGGERS)
        self._rule_of: list[int] = [VIEW] * len(VIEW_TRIGGERS)
        self._anchored: list[int] = [GATE] * len(VIEW_TRIGGERS)
        self._short: list[bool] = [False] * len(VIEW_TRIGGERS)
        ids = list(range(len(VIEW_TRIGGERS)))
        # Per gated database: its rule, the groups of what it needs, and its one expression with its id.
        gated: list[tuple[int, tuple[tuple[str, ...], ...], tuple[bytes, int, int]]] = []
        prefixes: list[str] = []  # per gated database: the prefix of its file (scanner_cache)
        needed: dict[str, int] = {}  # per literal or pattern needed: its expression
        later: dict[str, int] = {}  # per pattern needed LATER: its expression (in a database of its own)
        keep: set[bytes] = set()  # expressions whose ^ the twin databases keep (Rule.keeps_start)

        def need(literal: str) -> int:
            if literal not in needed and literal not in later:
                if literal.startswith(LATER):
                    later[literal] = len(self._rule_of)
                else:
                    needed[literal] = len(self._rule_of)
                    expressions.append(literal.encode() if literal.startswith("(?") else literal_pattern(literal))
                    flags.append(hyperscan.HS_FLAG_SINGLEMATCH)
                    ids.append(len(self._rule_of))
                self._rule_of.append(VIEW)
                self._anchored.append(NEEDED)
                self._short.append(False)
            return needed.get(literal, later.get(literal, -1))

        for index, rule in enumerate(rules):
            every = EVERY if rule.anchored or rule.exact else GATE
            # Per pattern: the expression, its flags, its kind, and the groups of what it needs (none: it is
            # in the main database; else in a database of its own, scanned only where a group is found).
            patterns: list[tuple[bytes, int, int, tuple[tuple[str, ...], ...]]]
            if rule.trigger_parts:  # the trigger's parts, each gated by its own needs (or by none: always)
                parts = sorted(rule.trigger_parts, key=lambda part: not part[1])
                patterns = [(part.encode(), 0, every, (group,) if group else ()) for part, group in parts]
            elif rule.trigger:
                patterns = [(rule.trigger.encode(), 0, every, rule.trigger_needs)]
            else:
                caseless = hyperscan.HS_FLAG_CASELESS if rule.ignore_case_keywords else 0
                patterns = [(literal_pattern(keyword), caseless, every, ()) for keyword in rule.keywords]
            confirms = rule.confirm_parts or (((rule.confirm, ()),) if rule.confirm else ())
            patterns += [(part.encode(), 0, CONFIRM, (group,) if group else ()) for part, group in confirms]
            if rule.exact:  # a run of token prefixes keeps many shapes alive in Hyperscan: let it count
                patterns += [(literal_pattern(keyword), 0, COUNT, ()) for keyword in rule.keywords if counted(keyword)]
            for expression, flag, kind, wanted in patterns:
                if rule.keeps_start:
                    keep.add(expression)
                flag = flag if kind else flag | hyperscan.HS_FLAG_SINGLEMATCH
                if wanted:  # kept under its rule's name and its place among the rule's (see _later below)
                    prefixes.append(f"{GATED_PREFIX}{rule.name}.{sum(at == index for at, _, _ in gated)}-")
                    gated.append((index, wanted, (expression, flag, len(self._rule_of))))
                else:
                    expressions.append(expression)
                    flags.append(flag)
                    ids.append(len(self._rule_of))
                self._rule_of.append(index)
                self._anchored.append(kind)
                self._short.append(rule.short_trigger and kind == EVERY)
        needs = [[frozenset(map(need, group)) for group in groups] for _, groups, _ in gated]
        # Per expression: its flood guard's word's place in a chunk's budget (0: an ordinary report).
        self._floods = [0] * len(self._rule_of)
        self._flood_budget = (FLOOD_LIMIT, *FLOOD_WORDS.values())
        for slot, word in enumerate(FLOOD_WORDS, 2):
            expressions.append(literal_pattern(word))
            flags.append(hyperscan.HS_FLAG_CASELESS)
            ids.append(len(self._rule_of))
            self._floods.append(slot)
            self._rule_of.append(VIEW)
            self._anchored.append(COUNT)
            self._short.append(False)
        self._needed = frozenset(needed.values())  # every needed literal's or pattern's expression
        # Per needed expression: the gated databases with a group that holds it (checked only when found).
        self._needing: dict[int, list[int]] = {}
        for at, groups in enumerate(needs):
            for needed_id in sorted({e for group in groups for e in group} - set(later.values())):
                self._needing.setdefault(needed_id, []).append(at)
            if any(group and group <= set(later.values()) for group in groups):
                raise ValueError(
                    "a group of needs holds none needed in the main database: a need scanned LATER is "
                    "scanned only where the rest of its group was found"
                )
        self._main = Twin(expressions, flags, cache_dir, ids, keep=frozenset(keep))
        # Per need scanned LATER: its own database, scanned where the rest of a group that holds it is found.
        # Each database of one expression is compiled with id 0 (its reports are given their expression's id as
        # they come: floods.reported_as) and kept under a name of its rule's or its pattern's, not of its place:
        # a rule left out (redact_disable) shifts every later id and place, and would compile them all again.
        self._later: dict[int, Any] = {
            number: compiled(
                [expression := pattern.removeprefix(LATER).encode()],
                [hyperscan.HS_FLAG_SINGLEMATCH],
                cache_dir,
                [0],
                content_prefix(f"{GATED_PREFIX}later-", expression),
            )
            for pattern, number in later.items()
        }
        # Per gated trigger (or part of one): the groups of its needed expressions, its own database, and
        # its rule. A database is scanned only where its needs are met: a trigger whose needs are common
        # (netrc's "password") does not make another's scan every chunk.
        self._gated: list[tuple[list[frozenset[int]], Any, int]] = [
            (groups, Twin([expression], [flag], cache_dir, [0], prefix, frozenset(keep)), index)
            for prefix, groups, (index, _, (expression, flag, _)) in zip(prefixes, needs, gated)
        ]
        self._gated_ids = [number for _, _, (_, _, number) in gated]  # per gated database: its reports' id

    def compile_twins(self) -> None:
        """Compile (or load) now the twin databases that pieces inside a long text are scanned with."""
        for twin in [self._main] + [twin for _, twin, _ in self._gated]:
            twin.inner()

    def scan(self, text: str, data: bytes | None = None, limit: int | None = REPORT_LIMIT) -> Scanned:
        """Per rule: the chunks holding its keywords; per context or exact rule: where its triggers end;
        whether the text has escapes or joints for the view to decode; per rule with a ``confirm``
        pattern: where that ends; and the dense chunks, whose scan made more than ``limit`` reports
        (None: no limit) and whose reports are left out."""
        done: list[Scanned] = []
        for _ in self.chunks(text, data, limit, done):
            pass
        return done[0]

    def chunks(self, text: str, data: bytes | None, limit: int | None, done: list[Scanned]) -> Iterator[bool]:
        """scan's work, chunk by chunk, its result put in ``done`` at the end. It yields True once, after the
        first chunk that says the text needs its view: a text read as its view is scanned as that alone, so
        its own scan stops there (run to its end by a for loop, at C speed: most texts are one chunk)."""
        gated: dict[int, list[int]] = {}
        reports: dict[int, set[int]] = {}
        confirms: dict[int, set[int]] = {}
        ascii_data = data if data is not None and len(data) == len(text) else None
        if ascii_data is None and text.isascii():
            ascii_data = text.encode()
        found: defaultdict[int, list[int]] = defaultdict(list)  # per expression: where it ended, in order
        # The reports a chunk may still make; the flood guard's words together, and each (floods.py).
        limits = ChunkLimits((limit or 0, *self._flood_budget))
        left = limits.left
        handler = _collect if limit is None else _collect_limited
        context = found if limit is None else (found, left, self._floods)
        dense: list[int] = []
        view = viewed = False
        for chunk, low in enumerate(range(0, max(len(text), 1), CHUNK)):
            if view and not viewed:
                yield True
            viewed = view
            begin = max(0, low - OVERLAP)
            high = low + CHUNK
            if dense and dense[-1] == chunk - 1 and self._probe(text, ascii_data, low, handler, found, left):
                dense.append(chunk)
                continue
            if len(text) <= CHUNK:  # most events: one chunk, no copy
                piece = ascii_data if ascii_data is not None else text.encode("utf-8", "surrogatepass")
            else:
                piece = (
                    ascii_data[begin:high]
                    if ascii_data is not None
                    else text[begin:high].encode("utf-8", "surrogatepass")
                )
            try:
                self._scan(piece, handler, found, context, begin > 0)
            except hyperscan.ScanTerminated:  # _collect stopped it: past the limit and the text's spare
                dense.append(chunk)
                found.clear()
                limits.settle()
                continue
            limits.settle()  # a chunk with only the flood guard's words has no found, but spent them
            if not found:
                continue
            for expression, ends in found.items():
                rule = self._rule_of[expression]
                if self._anchored[expression] >= COUNT:
                    continue
                if rule == VIEW:
                    view = True
                    continue
                if not self._anchored[expression]:
                    chunks = gated.setdefault(rule, [])
                    if not chunks or chunks[-1] != chunk:
                        chunks.append(chunk)
                    continue
                if ends[-1] == len(piece) and high < len(text) and self._short[expression]:
                    ends.pop()  # the next chunk holds it whole
                if ascii_data is None and len(piece) != min(high, len(text)) - begin:
                    ends = _characters(piece, ends)
                into = (reports if self._anchored[expression] == EVERY else confirms).setdefault(rule, set())
                into.update(map(begin.__add__, ends) if begin else ends)
            found.clear()
        done.append(
            (
                gated,
                {rule: sorted(ends) for rule, ends in reports.items()} if reports else {},
                view,
                {rule: sorted(ends) for rule, ends in confirms.items()} if confirms else {},
                dense,
            )
        )

    def _scan(self, piece: bytes, handler: Any, found: dict[int, list[int]], context: Any, inner: bool) -> None:
        """The main database over a piece; a gated rule's only if the piece holds what its trigger needs.
        ``inner``: the piece begins inside the text, so no ``^`` may match at its start (scanner_cache.Twin).
        (A need scanned LATER with a ``^`` would only open a gate too often: those databases have no twin.)"""
        self._main.scan(piece, inner, match_event_handler=handler, context=context)
        if self._gated and not self._needed.isdisjoint(found):
            ats = {at for expression in self._needed.intersection(found) for at in self._needing[expression]}
            scanned: set[int] = set()  # the needs scanned LATER in this piece
            for at in sorted(ats):
                groups, database, _ = self._gated[at]
                for group in groups:
                    for number in group.intersection(self._later).difference(scanned):
                        if (group - self._later.keys()).issubset(found):
                            # Its reports go to found uncounted: a chunk's budget is what it was without it.
                            later = reported_as(found, number)
                            self._later[number].scan(piece, match_event_handler=_collect, context=later)
                            scanned.add(number)
                if any(group.issubset(found) for group in groups):
                    reported = reported_as(context, self._gated_ids[at])
                    database.scan(piece, match_event_handler=handler, context=reported, inner=inner)

    def _probe(self, text: str, ascii_data: bytes | None, low: int, handler: Any, found: Any, left: list[int]) -> bool:
        """Whether the chunk starting at ``low``, right after a dense one, makes more than PROBE_LIMIT
        reports in its first PROBE characters, or holds more of the flood guard's words than their share
        of a chunk's limits (then it is dense too, and the rest is not scanned)."""
        piece = (
            ascii_data[low : low + PROBE]
            if ascii_data is not None
            else text[low : low + PROBE].encode("utf-8", "surrogatepass")
        )
        limits = left[:]
        left[:] = [PROBE_LIMIT] + [_share(most) for most in self._flood_budget]
        try:
            self._scan(piece, handler, found, (found, left, self._floods), True)
        except hyperscan.ScanTerminated:
            return True
        finally:
            found.clear()
            left[:] = limits
        return False


def _characters(data: bytes, ends: list[int]) -> list[int]:
    """How many characters the first ``end`` bytes hold, for each of the ends (a character cut at an end
    counted whole). The bytes are decoded once, from one end to the next in order: decoded from the
    start for each, a chunk's reports read the chunk once per report."""
    out = [0] * len(ends)
    done = counted = 0
    for index in sorted(range(len(ends)), key=ends.__getitem__):
        end = ends[index]
        while end < len(data) and data[end] & 0xC0 == 0x80:
            end += 1
        if end > done:
            counted += len(data[done:end].decode("utf-8", "surrogatepass"))
            done = end
        out[index] = counted
    return out


def _share(most: int) -> int:
    """A chunk's limit scaled to a probe's PROBE characters."""
    return max(1, most * PROBE // (CHUNK + OVERLAP))
