"""An MCP tool's name keeps its tool when a token in its server part is redacted (h117, issue 16).

Claude Code names an MCP server's tool ``mcp__<server>__<tool>``, the server's name as the user configured it.
A token of variable length whose body may hold ``_`` (``sk-proj-``, PyPI's ``pypi-``, ``sntrys_``, ``hvs.``,
a routable ``glpat-``) found there runs on over ``__<tool>`` to the name's end: the marker took the tool, and
the envelope's ``mcp_server`` and ``mcp_tool`` (split on ``__``) were null. Cutting the token at its first ``__``
would leave the rest of a real token that holds ``__`` in clear (some 4% of long base64url bodies do). So the
marker covers the name from the token's start to the name's last ``__``, which is the server's end whatever
the token holds; what follows, the tool, is kept when it is one:

* under a ``tool_name`` key (a hook's payload, at any level of escaping), always: Claude Code writes a tool
  after the server there, so the last ``__`` is never inside the token;
* elsewhere (a transcript's line, a notification's text), when it reads as a name: a letter, then letters
  and ``_`` or ``-``, each capital before a lower-case letter (``list_files``, ``getDiagnostics``,
  ``resolve-library-id``); or words joined by ``_`` or ``-`` that may end in digits or be acronyms, one a
  lower-case word (``get_v2_data``, ``API-post-search``: ``_reads_as_tool``). A random tail of a token seldom
  does; one that does leaves at most those few characters of a token whose own ``__`` ends a name with no
  tool after it.

Work per found span is bounded: NAME_MAX characters back to ``mcp__`` and on to the name's end.
"""

from __future__ import annotations

import re

NAME_MAX = 256  # characters of an MCP name read either side of a find
_PREFIX = "mcp__"
_NAME_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
_TOOL = re.compile(r"[A-Za-z](?:[a-z_-]|[A-Z](?=[a-z]))*")
# A tool's words joined by _ or -, where a word may also be lower-case letters ending in up to three digits (v2,
# s3, ec2, oauth2) or a short acronym (API): with a whole word of three lower-case letters or more among them.
_WORD = r"(?:(?:[a-z]+|[A-Z][a-z]+)(?:[A-Z][a-z]+)*|[a-z]{1,8}[0-9]{1,3}|[A-Z]{2,5})"
_TOOL_WORDS = re.compile(rf"{_WORD}(?:[_-]{_WORD})+")
_LOWER_WORD = re.compile(r"(?:^|[_-])[a-z]{3,}(?:[_-]|$)")
# A JSON key tool_name and its string's opening quote, raw or escaped (a payload one or two levels down).
_UNDER_KEY = re.compile(r'tool_name(?:\\+)?" ?: ?(?:\\+)?"\Z')


def tools_kept(text: str, spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """``spans`` (in order, apart) with each that starts in an MCP name's server part and runs over the
    name's last ``__`` ended there, when what follows is the tool."""
    out = spans
    for i, (start, end, name) in enumerate(spans):
        cut = _server_end(text, start, end)
        if cut is not None:
            if out is spans:
                out = list(spans)
            out[i] = (start, cut, name)
    return out


def _server_end(text: str, start: int, end: int) -> int | None:
    """Where the server part ends (its last ``__``) if the span from ``start`` to ``end`` is in one and runs
    past it; None: it is not, or what follows is no tool."""
    low = max(0, start - NAME_MAX)
    if text.rfind(_PREFIX, low, start) < 0:
        return None  # the common case, found at C's speed: no name begins within reach
    head = start
    while head > low and text[head - 1] in _NAME_CHARS:
        head -= 1
    if not text.startswith(_PREFIX, head) or head + len(_PREFIX) > start:
        return None
    if head > 0 and text[head - 1] in _NAME_CHARS:
        return None  # a run longer than a name's: base64url, not a tool's name
    name_end = end
    high = min(len(text), end + NAME_MAX)
    while name_end < high and text[name_end] in _NAME_CHARS:
        name_end += 1
    if name_end == high and high < len(text):
        return None  # longer than a name
    last = text.rfind("__", start + 1, name_end)
    if last < 0 or last >= end or last + 2 >= name_end:
        return None
    tool = text[last + 2 : name_end]
    if tool.startswith("_"):
        return None  # the name ends in a run of underscores: no tool's name begins there
    if _UNDER_KEY.search(text, max(0, head - 24), head) is None and not _reads_as_tool(tool):
        return None
    return last


def _reads_as_tool(tool: str) -> bool:
    """Whether the part after a name's last ``__`` reads as a tool's name (not a token's random tail): letters, each
    capital before a lower-case letter; or words joined by ``_`` or ``-`` of which some hold digits or are
    acronyms (``get_v2_data``, ``API-post-search``), one of them three lower-case letters or more. Of random
    base64url tails of 8 characters, 4.0% read as a tool by the first form, 4.1% by either."""
    if _TOOL.fullmatch(tool) is not None:
        return True
    return _TOOL_WORDS.fullmatch(tool) is not None and _LOWER_WORD.search(tool) is not None
