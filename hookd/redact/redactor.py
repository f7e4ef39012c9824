"""Running the rules over a payload: Hyperscan finds where each rule can apply, regexes confirm.

The payload's JSON text is redacted as it is, without decoding and
re-encoding it, so everything that is not a secret stays byte for byte. The
rules read a view of it with printable ``\\u`` escapes decoded and split
string pieces joined (view.py); what they find maps back to the original.

Cost is linear in the text, however many keywords it holds. One Hyperscan
pass, chunk by chunk, says which chunks hold each rule's keywords (once per
chunk and rule, however many times they occur) and where each context
trigger ends. A rule's regex then runs once over the merged stretches around
its chunks (never over a character twice), or, for a context rule, reads
just the value where its trigger ends, skipping triggers inside a value it
already read. ``examined`` counts, per rule, the characters handed to its
regex: tests/test_redact_linear.py holds it to the text's length.

The Python work per candidate (a report, a regex match, a check) is about
1-5 us, so a text with a candidate every few bytes would still crawl. Each
chunk has a budget: the scan makes at most scan.REPORT_LIMIT reports in it,
and at most CONFIRM_LIMIT candidates in it are confirmed one by one. A chunk
past either is dense: what is left of its candidates is not read, and
dense.py redacts the chunk in bulk (fail closed); tests/test_redact_dense.py.
A wrapper's decoded text (nested.py) is redacted on the same budget: what
its redaction confirms is spent from the chunk the wrapper starts in.
Where each rule's regex reads, and how finds merge: windows.py; what a match comes to: candidates.py.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable

from hookd.redact import memo
from hookd.redact.known import replaced
from hookd.redact.escapes import inside_strings, whole_escapes
from hookd.redact.budget import CONFIRM_LIMIT, Budget
from hookd.redact.chainreach import hidden, may_hide, regions
from hookd.redact.candidates import Candidates
from hookd.redact.dense import MARK, redact_in_bulk
from hookd.redact.glued import unglued
from hookd.redact.joints import Tails, always, ended_at_joints, joints
from hookd.redact.mcpnames import tools_kept
from hookd.redact.one_scan import ONE_AT_A_TIME
from hookd.redact.nested import InnerBudget, Unwrapper
from hookd.redact.patterns import HS_JOINT
from hookd.redact.prefilter import Prefilter
from hookd.redact.repeats import repeated
from hookd.redact.rule import Rule
from hookd.redact.scan import REPORT_LIMIT, Scanned, TriggerScan
from hookd.redact.settle import Pending, settled
from hookd.redact.validated import Validated
from hookd.redact.view import View
from hookd.redact.windows import AnchoredReads, around, contexts, merged, read_stretch, stretches

NOTHING: Counter[str] = Counter()  # what most events get; callers only read it


class Redactor(Candidates):
    def __init__(
        self, rules: Iterable[Rule], allow: Iterable[str] = (), cache_dir: str | None = None, exhaustive: bool = False
    ) -> None:
        """``exhaustive``: run every rule's regex over the whole text, whatever the scan found (the
        meaning of the table, which tests compare the fast path against)."""
        self.rules = tuple(rules)
        self.exhaustive = exhaustive
        # The exhaustive engine is the reference: it confirms every candidate, however dense.
        self._report_limit = None if exhaustive else REPORT_LIMIT
        self._confirm_limit = None if exhaustive else CONFIRM_LIMIT
        self.most_confirmed = 0  # the most candidates confirmed in one chunk (tests read it)
        self.allow = tuple(re.compile(pattern) for pattern in allow)
        self._triggers = TriggerScan(self.rules, cache_dir)
        self._every_rule_gates = all(rule.gates for rule in self.rules)
        self.examined: Counter[str] = Counter()  # per rule: characters its regex was given
        self._validated = Validated(len(self.rules))
        self._unwrapper = Unwrapper(self.rules, self._inner)
        self._prefilters = [Prefilter(*rule.prefilter) if rule.prefilter else None for rule in self.rules]
        # The rules whose value may be single-quoted: they read the text with chains past the reach hidden.
        self._single_quoted = frozenset(i for i, rule in enumerate(self.rules) if "sq" in rule.compiled.groupindex)
        self._carried = frozenset(rule.name for rule in self.rules if not rule.exact or rule.copies)  # repeats.py
        # Exact rules whose trigger also ends on another token's prefix glued to the token (joints.py).
        self._jointed = frozenset(i for i, rule in enumerate(self.rules) if rule.exact and HS_JOINT in rule.trigger)
        self.known: tuple[tuple[str, str], ...] = ()  # (value, rule name): hookd's own secrets (known.py)

    def redact(self, text: str, data: bytes | None = None) -> tuple[str, Counter[str]]:
        """The text with every secret replaced by its rule's marker, and the count per rule.

        ``data`` is the text's UTF-8 encoding, when the caller has it already.
        """
        with ONE_AT_A_TIME:
            redacted, counts = self._redact(text, data, 0)
        return replaced(redacted, counts, self.known) if self.known else (redacted, counts)

    def redact_string(self, value: str, key: str | None = None) -> tuple[str, Counter[str]]:
        """A string taken out of JSON (a frame header's value, a payload's field), redacted as the
        JSON string it is in a payload: redact() reads JSON text, where a bare quote ends a string.
        ``key``: the payload's field it was, read as under that key (a tool_name's tool: mcpnames.py)."""
        text = json.dumps(value if key is None else {key: value}, ensure_ascii=False)
        with ONE_AT_A_TIME:
            redacted, counts = self._redact(text, None, 0)
        if self.known:
            redacted, counts = replaced(redacted, counts, self.known)
        if not counts:
            return value, counts
        try:
            loaded = json.loads(redacted)
            return (loaded if key is None else loaded[key]), counts
        except (ValueError, KeyError, TypeError):  # redaction keeps JSON valid; should it not, nothing of it is kept
            return MARK, counts

    def forget(self) -> None:
        """Every remembered answer dropped: validated values, decoded wrappers, the checks' (memo.py). A
        benchmark's fresh start, so that values an input repeats are new to the redactor once only."""
        self._validated.forget()
        self._unwrapper.forget()
        memo.forget()

    def _inner(self, text: str, depth: int, budget: InnerBudget) -> int:
        """How many things a rule would redact in decoded text (from inside a wrapper; nested.py)."""
        return sum(self._redact(text, None, depth, budget)[1].values())

    def _redact(
        self, text: str, data: bytes | None, depth: int, inner: InnerBudget | None = None
    ) -> tuple[str, Counter[str]]:
        located = self._located(text, data, depth, inner)
        if located is None:
            return text, NOTHING
        spans, runs = located
        if runs:
            return redact_in_bulk(text, spans, runs)
        if depth == 0 and inner is None:  # secrets glued to a marker (glued.py), a found value's copies (repeats.py)
            ungluing = unglued(text, spans, self._spans)
            spans = repeated(text, ungluing, self._carried)
            if spans is not ungluing:  # a copy's marker may stand glued to a token too, or a copy merged on
                spans = unglued(text, spans, self._spans)
        pieces: list[str] = []
        counts: Counter[str] = Counter()
        last = 0
        for start, end, name in spans:
            pieces += (text[last:start], f"[REDACTED:{name}]")
            counts[name] += 1
            last = end
        pieces.append(text[last:])
        return "".join(pieces), counts

    def _spans(self, text: str, tails: bool = True) -> list[tuple[int, int, str]]:
        """What a pass over ``text`` replaces (a stretch too dense to confirm: nothing). Not ``tails``: no run
        after a joint read (joints.Tails), every split at a joint stands."""
        located = self._located(text, None, 0, always_view=True, limited=False, tails=tails)
        return located[0] if located is not None and not located[1] else []

    def _tail_spans(self, run: str) -> list[tuple[int, int, str]]:
        """What the passes take of a run after a joint (joints.Tails), the tokens glued in it too. The run is of
        the text the rules read (the view, decoded already): read as it is, not through a view of its own."""
        located = self._located(run, None, 0, limited=False, tails=False)
        spans = located[0] if located is not None and not located[1] else []
        return unglued(run, spans, lambda text: self._spans(text, False))

    def _located(
        self,
        text: str,
        data: bytes | None,
        depth: int,
        inner: InnerBudget | None = None,
        always_view: bool = False,
        limited: bool = True,
        tails: bool = True,
    ) -> tuple[list[tuple[int, int, str]], list[tuple[int, int]]] | None:
        """The spans to replace in ``text`` (whole escapes) and the dense stretches; None: nothing.
        ``always_view``: the rules read the view even where the scan saw nothing to decode (pieces of a
        text whose view was built for what the rest of it holds); not ``limited``: no chunk's budget (the
        caller bounds the text: glued.py)."""
        view = None
        report_limit = self._report_limit if limited else None
        done: list[Scanned] = []
        chunks = self._triggers.chunks(text, data, report_limit, done)
        # Escapes or joints to decode: the rules read the view, and the text's own scan stops at the first
        # chunk that says so (or is not begun). Where the view turns out the same, it runs on from there.
        if always_view or next(chunks, False) or done[0][2]:
            view = View(text)
            if view.changed:
                scanned = self._triggers.scan(view.text, None, report_limit)
            else:
                view = None
        if view is None:
            for _ in chunks:
                pass
            scanned = done[0]
        read = view.text if view else text
        spans, budget = self._find(read, scanned, depth, inner, limited, tails)
        if budget is None:
            return None
        if budget.spent and limited:  # the reads of glued runs are bounded by glued.py, not per chunk
            self.most_confirmed = max(self.most_confirmed, max(budget.spent.values()))
        runs = budget.runs(len(read)) if budget.dense else []
        if not spans and not runs:
            return None
        if view is not None:
            spans = inside_strings(text, [(*view.span(start, end), name) for start, end, name in spans])
            runs = [view.span(start, end) for start, end in runs]
        return whole_escapes(text, spans), runs

    def _find(
        self,
        text: str,
        scanned: Scanned,
        depth: int,
        inner: InnerBudget | None = None,
        limited: bool = True,
        tails: bool = True,
    ) -> tuple[list[tuple[int, int, str]], Budget | None]:
        """The spans to replace, in order, overlapping finds merged (named by the earlier rule); and the
        budget spent on them (None: nothing to read). Decoded text spends the outer text's (``inner``). Not
        ``tails``: a split at a joint stands without a read of the run after it (joints.Tails)."""
        gated, reports, _, confirms, dense = scanned
        if not gated and not reports and not confirms and not dense and self._every_rule_gates and not self.exhaustive:
            return [], None
        if inner is None:
            budget = Budget(dense, self._confirm_limit if limited else None)
        else:
            budget = inner
            budget.dense.update(dense)
        found: list[tuple[int, int, int]] = []
        cut: dict[tuple[int, int], int] = {}  # a token's start and rule: the joint it ends at (joints.py)
        pending: list[Pending] = []  # candidates whose checks wait for the budget to settle (settle.py)
        # Every rule gates: one with no report, context or chunk has nothing to read. Only the others are
        # visited (in the table's order, which is the budget's), not all of them per text.
        if self.exhaustive or not self._every_rule_gates:
            indices: Iterable[int] = range(len(self.rules))
        else:
            indices = sorted(gated.keys() | reports.keys() | confirms.keys())
        rules = self.rules
        chains_hidden: str | None = None  # the text as the single-quoted values read it (chainreach.py)
        for index in indices:
            rule = rules[index]
            read = text
            if index in self._single_quoted:
                # The chains where the single-quoted rules read (all of them: the reference); no regions to find
                # where hidden() changes nothing (a flood's every report is one)
                if chains_hidden is None and may_hide(text):
                    quoted = [at for at in indices if at in self._single_quoted]
                    where = None if self.exhaustive else regions(rules, quoted, text, (gated, reports, confirms))
                    chains_hidden = hidden(text, where)
                elif chains_hidden is None:
                    chains_hidden = text
                read = chains_hidden
            if rule.anchored:
                ends = reports.get(index, [])
                if rule.trigger_check is not None:
                    ends = [end for end in ends if rule.trigger_check(text, end)]
                if rule.select is not None and ends:
                    ends = rule.select(text, ends)
                if index in confirms:
                    ends = sorted(set(ends).union(contexts(rule, text, confirms[index])))
                if ends:
                    reads = AnchoredReads(rule, read, ends, budget)
                    for match in reads:
                        self._take(index, rule, match, found, pending, depth, budget)
                    if reads.tried:
                        self.examined[rule.name] += reads.examined
                continue
            if self.exhaustive:
                windows = [(0, len(text))]
            elif rule.exact:
                assert rule.reach is not None  # Rule requires a reach of an exact rule
                windows = around(reports.get(index, ()), rule.reach, rule.ahead, len(text))
            elif rule.gates and index not in gated:
                continue
            else:
                windows = stretches(rule, text, gated.get(index))
            prefilter = None if self.exhaustive else self._prefilters[index]
            for low, high in windows:
                self.examined[rule.name] += high - low
                for match in read_stretch(rule, prefilter, read, low, high, budget):
                    self._take(index, rule, match, found, pending, depth, budget)
            if index in self._jointed and not self.exhaustive:  # a token glued before another's prefix
                assert rule.reach is not None
                for low, joint in joints(text, reports.get(index, []), rule.reach, budget.dense):
                    self.examined[rule.name] += joint - low
                    for match in rule.compiled.finditer(read, low, joint):
                        if match.end() == joint and budget.spend(match.start()):
                            cut[match.start(rule.group), index] = joint
                            self._take(index, rule, match, found, pending, depth, budget, joint=True)
        settled(pending, found, budget, len(text), self._confirmed)
        taken = Tails(text, lambda index: rules[index].name, self._tail_spans) if tails else always
        return tools_kept(text, merged(ended_at_joints(found, cut, taken), self.rules)), budget
