"""The chains of strings that run past jsonends' reach and never end as JSON, read once per text.

NESTED_STRING_END reads a quote's chain of strings (``", "s0", "s1", ...``) at most CHAIN_REACH strings on, and
takes a chain that reaches that far as JSON going on: each quote of a value reads a bounded stretch. So a chain past
the reach ended a single-quoted value at its first quote even when it never ends as JSON, and kept what followed
(``password='ab", "s0", ..., "s11", "<v>'``). Read from every quote to its end, a chain costs each of its quotes the
rest of it; read here, it costs one reading per text: from a quote that a comma (or a colon, and a list's or an
object's opening) and at least CHAIN_REACH + 1 plain strings follow, over the chain's strings to the first that is
none of it, where what follows tells whether it ended as JSON (as NESTED_STRING_END's last string does).

The rules whose value may be single-quoted read a copy of the text in which such a chain's first quote and the
quotes of its plain strings are letters (``hidden``: the same length, so offsets and spans hold). A value reaching
it runs on over it (fail closed) and reads it as a class run; a chain that ends as JSON, or a short one, is left as
it was, so the value ends where it did. The chains are read only where those rules read (``regions``), each stretch
from a barrier no chain's reading holds, so in each the copy is the whole text's.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator, Sequence
from functools import cache

from hookd.redact.jsonends import CHAIN_REACH, JSON_SCALAR, LAST_STRING_ENDS_AS_JSON, LINK, NESTED_QUOTE
from hookd.redact.patterns import HS_JOINT
from hookd.redact.rule import Rule
from hookd.redact.windows import stretches

# A plain string of a chain (no backslash, double quote or line break inside: its only quotes are its ends; plain spaces
# around the comma) and the comma before the next one: one link as jsonends' _LINK reads it.
_PLAIN_LINK = f'{NESTED_QUOTE}[^"\\\\\\r\\n]{{0,1024}}+{NESTED_QUOTE}[ \\t]{{0,64}}+,[ \\t]{{0,64}}+(?={NESTED_QUOTE})'
# Plain links first: the engine reads them as class runs; jsonends' own link reads the others (a quote or an escape
# inside, each string to its first quote that JSON may follow).
_ONE_LINK = f"(?>{_PLAIN_LINK}|{LINK})"  # atomic: a link that fails is not read again as the other kind
# One JSON level down, a plain link's quotes are \\" as written: read without the alternation, in runs.
_PLAIN_LINK_1 = r'\\"[^"\\\r\n]{0,1024}+\\"[ \t]{0,64}+,[ \t]{0,64}+(?=\\")'
_LINKS = f"(?:{_PLAIN_LINK_1})*+(?:{_ONE_LINK}(?:{_PLAIN_LINK_1})*+)*+"
_PAST_REACH = f"{_ONE_LINK}{{{CHAIN_REACH + 1}}}"
_SHORTEST_LINKS = (CHAIN_REACH + 1) * len('\\"\\",')  # no chain past the reach is shorter, one level down
# A quote's end that NESTED_STRING_END reads a chain after: a comma or a colon (and a list's or an object's opening,
# or a scalar and a comma, as jsonends' _JSON_VALUE_ON reads them), then a nested quote; and the chain's links from
# there (group links, none at all is a match). It begins with the quote itself, so the search skips to each quote,
# and a search resumes where the links it read end.
_OPENING = r'"[ \t]{0,64}+[,:][ \t]{0,64}+(?:[\[{][ \t]{0,64}+|' + JSON_SCALAR + r"[ \t]{0,64}+,[ \t]{0,64}+)?"
_CHAIN = _OPENING + r'(?=(?:\\\\)*+\\")' + f"(?P<links>{_LINKS})"
# Where a chain's reading may begin: its first characters, up to the nested quote's first backslash (found in a
# stretch with no more than this past it; the reading itself sees the whole text).
_HIT = _OPENING + r"\\"
_SCALAR_LONGEST = 1 + 32 + 1 + 32 + 2 + 8  # jsonends' _JSON_SCALAR at its longest: -d{32}.d{32}e+d{8}
_HIT_LONGEST = 1 + 64 + 1 + 64 + (_SCALAR_LONGEST + 64 + 1 + 64) + 1
# A single quote inside the chain's strings, not one that may open a value (a chain read from an earlier quote holds
# the value's own opening: ='ab").
_INNER_SINGLE_QUOTE = re.compile(r"(?<![=:\s(\[{,])'")
# Around a single-quoted rule's value, how far the text it reads has its chains hidden: the value and what the rule's
# checks read beside it (a command's words, commands._COMMAND_REACH back).
_AROUND = 8192
# A JSON line break (backslash, n) after a closing parenthesis or a colon: no chain's reading holds one (a link's
# strings hold no escaped line break, and the spacing that may, JSON's, follows only a quote or a comma), so a reading
# from there finds the whole text's chains from there on. Python source has one every few lines.
_BARRIERS = (")\\n", ":\\n")
_LETTER = "~"  # no mask's or placeholder's character (xxxx is one): the value's checks read it as punctuation
_QUOTES = ('\\\\\\\\\\\\\\"', '\\\\\\"', '\\"')  # a nested quote three, two and one JSON levels down


@cache
def _compiled() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """The chain's regexes, compiled at the first text that may hold a chain (jsonends' link is long: compiled at
    import, it cost every start of every hookd process)."""
    # The last: the chain's last string, after which JSON goes on (jsonends' _CHAIN_REST's last alternatives).
    return re.compile(_HIT), re.compile(_CHAIN), re.compile(_PAST_REACH), re.compile(LAST_STRING_ENDS_AS_JSON)


def regions(
    rules: Sequence[Rule],
    indices: Iterable[int],
    text: str,
    scanned: tuple[dict[int, list[int]], dict[int, list[int]], dict[int, list[int]]],
) -> list[tuple[int, int]] | None:
    """Where the single-quoted rules at ``indices`` read, with what their checks read around that, in order; None (the
    whole text) when one of them reads where this does not know (the ends it selects, joints). ``scanned``: per
    rule, its chunks with keywords, its trigger's ends and its confirms' ends."""
    gated, reports, confirms = scanned
    found: list[tuple[int, int]] = []  # each widened by _AROUND
    for index in indices:
        rule = rules[index]
        if rule.select is not None or rule.reach is None or (rule.exact and HS_JOINT in rule.trigger):
            return None
        if rule.anchored:
            found += _around(reports.get(index, ()), rule.back, rule.reach - rule.back)
            # a context ends within confirm_reach before its confirm's end
            found += _around(confirms.get(index, ()), rule.confirm_reach + rule.back, rule.reach)
        elif rule.exact:
            found += _around(reports.get(index, ()), rule.reach, rule.ahead)
        elif index in gated:
            found += [(low - _AROUND, high + _AROUND) for low, high in stretches(rule, text, gated[index])]
    where: list[tuple[int, int]] = []
    for low, high in sorted(found):
        if where and low <= where[-1][1]:
            where[-1] = (where[-1][0], max(where[-1][1], high))
        else:
            where.append((low, high))
    # Read over most of the text, the whole text's reading is the cheaper (one search, no barriers)
    return where if 2 * sum(high - low for low, high in where) < len(text) else None


def _around(ends: Iterable[int], before: int, after: int) -> list[tuple[int, int]]:
    """The stretches (end - before, end + after) widened by _AROUND, those that touch merged: from a stretch's first
    end, a bisection to the last end whose stretch the merged one reaches, again from there until none is added. A
    flood's thousands of reports cost a few bisections, not a tuple each and their sort."""
    ends = sorted(ends)
    out: list[tuple[int, int]] = []
    first = 0
    while first < len(ends):
        low, last = ends[first] - before - _AROUND, first
        while True:
            high = ends[last] + after + _AROUND
            reached = bisect.bisect_right(ends, high + before + _AROUND, last + 1) - 1
            if reached == last:
                break
            last = reached
        out.append((low, high))
        first = last + 1
    return out


def _readings(text: str, where: list[tuple[int, int]] | None) -> Iterator[re.Match[str]]:
    """The chains' readings (a match of _CHAIN each) that the whole text's reading makes, in order: all of them, or
    (``where``) those that begin in the stretches, each read from a barrier before it or where the last one ended."""
    hits, chains = _compiled()[:2]
    if where is None:
        yield from chains.finditer(text)
        return
    resume = 0  # where the reading goes on: the whole text's reading from there on is the same
    for low, high in where:
        if high <= resume:
            continue
        if low > resume:  # from a barrier before the stretch, if there is one since the last reading
            resume = max(resume, *(text.rfind(barrier, resume, low) + 1 for barrier in _BARRIERS))
        if text[high - 1 : high] == "\\":  # the backslashes before a chain's first quote: its run begins in the stretch
            while high < len(text) and text[high] == "\\":
                high += 1
            high += 1
        last = min(len(text), high + _HIT_LONGEST)
        while (hit := hits.search(text, resume, last)) is not None and hit.start() < high:
            chain = chains.match(text, hit.start())
            resume = hit.start() + 1 if chain is None else chain.end()
            if chain is not None:
                yield chain


def may_hide(text: str) -> bool:
    """Whether hidden() may change the text: a single quote to begin a value, and a comma for a chain's links. Where
    not, the regions need not be found either (a flood's every report is one of them)."""
    return "'" in text and "," in text


def hidden(text: str, where: list[tuple[int, int]] | None = None) -> str:
    """The text with the nested quotes of its chains past the reach that never end as JSON made letters; the text
    itself when it holds none (nor a single quote to begin a value that could reach one). ``where``: the stretches
    (in order) where it must be so (regions); elsewhere a chain may be left as it was."""
    if not may_hide(text):
        return text
    runs: list[tuple[int, int]] = []  # from a chain's first quote to its last string's opening
    past_reach, ends_as_json = _compiled()[2:]
    for chain in _readings(text, where):
        first, at = chain.span("links")
        if (
            at - first < _SHORTEST_LINKS
            or text.count('"', first, at) <= 2 * CHAIN_REACH  # each link holds two quotes at least
            or not past_reach.match(text, first)
            or ends_as_json.match(text, at)
        ):
            continue
        quote = chain.start()
        start = quote
        while start > 0 and text[start - 1] == "\\":
            start -= 1
        if (quote - start) % 2:  # an odd run: a nested quote (an even one is a backslash's, then the string's end)
            runs.append((start, at))
    if not runs:
        return text
    pieces: list[str] = []
    last = 0
    for low, high in runs:
        run = text[low:high]
        # A string's quote inside the chain too: past the reach and not JSON, the value runs over all of it.
        for nested in _QUOTES if "\\\\" in run else _QUOTES[-1:]:  # deeper quotes: a run of backslashes
            run = run.replace(nested, _LETTER * len(nested))
        if "'" in run:  # one in a string (it's) would close the value there, before the chain's end
            run = _INNER_SINGLE_QUOTE.sub(_LETTER, run)
        pieces += (text[last:low], run)
        last = high
    pieces.append(text[last:])
    return "".join(pieces)
