"""Text encoded twice over, or a letter at a time (thirteenth session, h61): decoded and scanned whole.

* ``entity_run``: a run of text holding an HTML entity for a letter, a digit or ``_``
  (``&#112;assword=...``, ``ghp_&#97;bc...``, ``&#x70;&#x61;ssword: &quot;...&quot;``). Pages escape
  punctuation and non-ASCII, hardly ever a plain letter, so such an entity is the trigger (an apostrophe's
  ``&#39;`` in prose never is); the run (entities, words, a space after a sign or an entity; at most 300 pieces) is
  decoded with ``html.unescape`` and replaced whole if the redactor finds a secret in it.
* ``percent_run``: a run of percent-encoding that holds ``%25`` before an encoded quote, ``=`` or ``:``
  (``%2522password%2522%253A%2522...``: JSON or a form encoded twice), decoded twice the same way.

Why not in the view: the view (view.py, ``_viewcore.c``) maps every edit back to the original, and an edit
there is paid on every payload that holds the encoded piece (``&amp;`` in every fetched page's links);
as wrappers, only the rare trigger costs, and the replaced span is the whole encoded run, which the view's
map could not make narrower anyway (a secret's letters and the entities between them are one span).
"""

from __future__ import annotations

import html
import json
import re
import urllib.parse

from hookd.redact.rule import Rule

# A numeric entity for [0-9A-Za-z_], decimal (48-57, 65-90, 95, 97-122) or hex, with leading zeros.
_DEC = r"&#0{0,4}(?:4[89]|5[0-7]|6[5-9]|[78][0-9]|9[057-9]|1[01][0-9]|12[0-2]);"
_HEX = r"&#[xX]0{0,4}(?:3[0-9]|[46][1-9a-fA-F]|[57][0-9aA]|5[fF]);"
_LETTER = r"(?:" + _DEC + r"|" + _HEX + r")"
_SIGN = r"(?:[=:]|&#0{0,4}(?:61|58);|&#[xX]0{0,4}3[aAdD];)"
# A letter's entity where a secret can be: the last one in a name before its sign (plain characters between),
# the first one in a value after its sign (a quote's entity may open it), or beside a token's stretch of 12
# characters. Not the entity alone: a flood of them kept Hyperscan reporting.
ENTITY_TRIGGER = (
    r"(?:"
    + _LETTER
    + r"[A-Za-z0-9_.-]{0,40}"
    + _SIGN
    + r"|"
    + _SIGN
    + r" ?(?:&[A-Za-z]{2,6};|&#[0-9]{2,3};|&#[xX][0-9a-fA-F]{2};)?[A-Za-z0-9_.+/-]{0,60}"
    + _LETTER
    + r"|[A-Za-z0-9_-]{12}"
    + _LETTER
    + r"|"
    + _LETTER
    + r"[A-Za-z0-9_-]{12})"
)
_ENTITY = r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z]{2,8});"
# Characters of a word or an assignment; an entity; a single space after a sign or an entity (name: value,
# &quot; value), not between words: prose's runs stay words. Not < > " \ (markup, JSON's quotes).
_RUN_PIECE = r"(?:[A-Za-z0-9_.+/=:,;!?@#*~-]|" + _ENTITY + r"|(?<=[:=;]) (?! ))"
# A marker after a sign is the value a pass redacted there: read with the run, its name is no longer the value of
# a name before it (&#97;token: token: [REDACTED:...] decoded to "atoken: token: " took the run on a second pass).
# It ends the run: what follows was cut off the run by the value the marker replaced (password=\\,,password: x:),
# and read on with it, a second pass decoded text the first never had (x: read as the value at the run's end).
_RUN_MARKER = r"(?<=[:=; ])\[REDACTED:[a-z0-9_]{1,64}\]"
# A run glued to a marker at its end (no sign between) stood, on the pass before, with the marker's text: taken
# then, the marker would cover it; kept then, its head alone decoded otherwise (token: aAKIAdp.st.<40>, a dotted
# name kept, left token: aAKIAdp.st. a value once <40> was a marker: fresh seed 13,114,353). Not read.
_NOT_GLUED_TO_A_MARKER = r"(?!\[REDACTED:)"
# Signs a run begins with (after a space or a quote) are the sign of what stands before it (token: abc =&#97;...):
# taken into the marker, a second pass read the name before as a value with no assignment after it.
_RUN_SIGNS = r"(?>(?:[=:]++ ?+)?)"
# A run begins where a word could: not on an escape's letter (x\n&#97;password: ..., the n after the backslash),
# where its marker took the line break, and split a nested text's escape (\\n: the inner JSON no longer parsed);
# right after an escape's letter (a line break, a tab, \u0001) it may, and after an escaped backslash (two, four
# or eight) where no such letter follows (a:\\&#112;..., the backslash curl's value, redacted by a pass).
_RUN_START = (
    r"(?:(?<![A-Za-z0-9_.+/=:;!?@#*~&\\-])|(?<=\\[bfnrt])|(?<=\\u[0-9A-Fa-f]{4})"
    r"|(?:(?<=[^\\]\\\\)|(?<=[^\\]\\{4})|(?<=[^\\]\\{8}))(?![bfnrtu\\]))"
)
ENTITY_RUN = (
    _RUN_START
    + _RUN_SIGNS
    + r"(?P<value>(?=(?:"
    + _RUN_PIECE
    + r"|"
    + _RUN_MARKER
    + r"){8})"
    + _RUN_PIECE
    + r"{1,300}+(?:"
    + _RUN_MARKER
    + r")?)"
    + _NOT_GLUED_TO_A_MARKER
)
_LETTER_ENTITY = re.compile(_LETTER)


# What decoded text must hold to be worth a redaction of its own: a secret's word, or a token-like run. A
# flood of letter entities without either (a&#97;b a&#97;b ...) then costs a regex, not the rules.
_HINT = re.compile(r"(?i)pass|pwd|secret|token|key|auth|cred|bearer|[A-Za-z0-9_+/-]{20}")


def _as_string(decoded: str) -> str | None:
    """Decoded text as the inside of a JSON string, the form the rules read (a quote is \\"), or None
    when it holds nothing a rule could take."""
    if _HINT.search(decoded) is None:
        return None
    return json.dumps(decoded, ensure_ascii=False)[1:-1]


# Before decoding (html.unescape calls back per entity): a sign, raw or as an entity, or a stretch of a token.
_RAW_HINT = re.compile(r"[=:]|&#0{0,4}(?:61|58);|&#[xX]0{0,4}3[aAdD];|&(?i:equals|colon);|[A-Za-z0-9_-]{12}")


def unwrap_entities(value: str) -> str | None:
    """The run with its entities decoded, when one of them stands for a letter, a digit or _."""
    if _LETTER_ENTITY.search(value) is None or _RAW_HINT.search(value) is None:
        return None
    return _as_string(html.unescape(value))


ENTITY_RUN_RULE = Rule(
    name="entity_run",
    replaces="a run of text that spells letters with HTML entities and holds a secret once decoded (whole)",
    pattern=ENTITY_RUN,
    group="value",
    trigger=ENTITY_TRIGGER,
    reach=3400,
    unwrap=unwrap_entities,
    example="`&#112;assword=<value>`, `ghp_&#97;…` (not `don&#39;t`)",
)

# %25 then an encoded quote, = or : (the second encoding of a JSON key's quote or a form's sign).
PERCENT_TRIGGER = r"%25(?:2[27]|3[aAdD])"
PERCENT_RUN = r"(?<![A-Za-z0-9_.~+%-])(?P<value>(?:[A-Za-z0-9_.~+*!'()-]|%[0-9A-Fa-f]{2}){8,2000}+)"


def unwrap_percent(value: str) -> str | None:
    """The run decoded twice (the first pass leaves %22, %3A...), when it holds %25."""
    if "%25" not in value:
        return None
    return _as_string(urllib.parse.unquote_plus(urllib.parse.unquote_plus(value)))


PERCENT_RUN_RULE = Rule(
    name="percent_run",
    replaces="a run of text percent-encoded twice that holds a secret once decoded (whole)",
    pattern=PERCENT_RUN,
    group="value",
    trigger=PERCENT_TRIGGER,
    reach=6020,
    unwrap=unwrap_percent,
    example="`%2522password%2522%253A%2522<value>%2522`",
)

ENTITY_RULES: tuple[Rule, ...] = (ENTITY_RUN_RULE, PERCENT_RUN_RULE)
