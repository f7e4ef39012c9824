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
it was, so the value ends where it did.
"""

from __future__ import annotations

import re
from functools import cache

from hookd.redact.jsonends import CHAIN_REACH, JSON_SCALAR, LAST_STRING_ENDS_AS_JSON, LINK, NESTED_QUOTE

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
# or a scalar and a comma, as jsonends' _JSON_VALUE_ON reads them), then a nested quote. It begins with the quote
# itself, so the search skips to each quote.
_AFTER_QUOTE = re.compile(
    r'"[ \t]{0,64}+[,:][ \t]{0,64}+(?:[\[{][ \t]{0,64}+|'
    + JSON_SCALAR
    + r'[ \t]{0,64}+,[ \t]{0,64}+)?(?=(?:\\\\)*+\\")'
)
# A single quote inside the chain's strings, not one that may open a value (a chain read from an earlier quote holds
# the value's own opening: ='ab").
_INNER_SINGLE_QUOTE = re.compile(r"(?<![=:\s(\[{,])'")
_LETTER = "~"  # no mask's or placeholder's character (xxxx is one): the value's checks read it as punctuation
_QUOTES = ('\\\\\\\\\\\\\\"', '\\\\\\"', '\\"')  # a nested quote three, two and one JSON levels down


@cache
def _compiled() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """The chain's regexes, compiled at the first text that may hold a chain (jsonends' link is long: compiled at
    import, it cost every start of every hookd process)."""
    # The last: the chain's last string, after which JSON goes on (jsonends' _CHAIN_REST's last alternatives).
    return re.compile(_LINKS), re.compile(_PAST_REACH), re.compile(LAST_STRING_ENDS_AS_JSON)


def hidden(text: str) -> str:
    """The text with the nested quotes of its chains past the reach that never end as JSON made letters; the text
    itself when it holds none (nor a single quote to begin a value that could reach one)."""
    if "'" not in text or "," not in text:
        return text
    runs: list[tuple[int, int]] = []  # from a chain's first quote to its last string's opening
    at = 0
    while (after := _AFTER_QUOTE.search(text, at)) is not None:
        first = after.end()
        links_at, past_reach, ends_as_json = _compiled()
        links = links_at.match(text, first)
        assert links is not None  # none at all is a match
        at = links.end()
        if (
            at - first < _SHORTEST_LINKS
            or text.count('"', first, at) <= 2 * CHAIN_REACH  # each link holds two quotes at least
            or not past_reach.match(text, first)
            or ends_as_json.match(text, at)
        ):
            at = max(at, first)
            continue
        quote = after.start()
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
