"""Where a single-quoted value in JSON text ends: at a nested string's end that JSON goes on after.

patterns.VALUE reads a single-quoted value up to the first quote that ``NESTED_STRING_END`` matches at (a lookahead
of bounded reach: each nested string it reads stops where the next reading would begin, and a chain of strings
joined by commas is read at most _CHAIN_REACH strings on).
"""

from __future__ import annotations

# A single-quoted value inside JSON text in a string ends at that text's string's end: \" and then what follows a
# JSON string and goes on as JSON (, or : and a value, } or ] and more of the document or its end, or the outer
# string's end). Unclosed, it ran on over the inner document's closing \"} to its outer string's end, and the inner
# document was no longer JSON; closing far on ({"a": "token: 'x", "b": ["it's"]}), over the inner document's
# ", " and what stood between. The view writes a nested string's quote and a quote inside a value alike, so only
# what follows tells them apart: a quote and a comma before words (password='ab", cd) stay in the value.
_NESTED_QUOTE = r'(?:\\\\)*+\\"'  # raw (an odd run, 2**k - 1) or as the view writes it
_JSON_SPACE = r"(?:[ \t]|\\{1,8}+[nrt]){0,64}+"  # raw or escaped (2**k backslashes k levels down)
_JSON_SCALAR = r"(?:-?[0-9]{1,32}+(?:\.[0-9]{1,32}+)?(?:[eE][-+]?[0-9]{1,8}+)?|true|false|null)"
# A next value's first characters, and a next string read to its end: what follows that string must go on as JSON
# too (password='ab", "cd: a quote, a comma, and a string that never ends as one, is no JSON). After a comma the
# string is a key or a list's item (: , or ] after it), after a colon a value (, } or ]). The string ends at the
# first quote that JSON may follow (a quote inside it, written as its end is, goes on). Every string also ends where
# a next one would be read from (a quote, then : or , and a value), so the strings of a chain stay apart. A line break in it ends the reading too, as JSON going on (the value ends before the quote, as it did:
# one read over the line's end is kept as code's), unless a single quote that ends a shell word came first
# (password='ab", "cd' -h db\n: the value closes there).
_NON_STRING_START = r"(?:[{\[]|-?[0-9]|true|false|null)"
_NESTED_ITEM = r"(?:[^\"\\']|(?:\\\\)++(?![\\\"n])|(?:\\\\)*+\\[^\"\\n]|(?:\\\\)*+\\\")"
_WORD_QUOTE = r"'(?=[ \t;&|)>]|\\{1,8}+[nrt])"
# Before a line break, not over a quote that a next string's reading begins at (the reads stay apart)
_LINE_ITEM = _NESTED_ITEM.replace(r"|(?:\\\\)*+\\\")", r"|(?:\\\\)*+\\\"(?!" + _JSON_SPACE + "[,:]))")


def _string_to_quote(after: str) -> str:
    """A nested string from its opening quote to its first end that ``after`` may follow (not taken back)."""
    return f"(?>{_NESTED_QUOTE}(?:{_NESTED_ITEM}|'){{0,1024}}?{_NESTED_QUOTE}{_JSON_SPACE}(?={after}))"


def _string_to_line_break() -> str:
    """A nested string from its opening quote to a line break, not over a quote that ends a shell word."""
    return f"{_NESTED_QUOTE}(?:{_LINE_ITEM}|(?!{_WORD_QUOTE})'){{0,1024}}?\\\\++n"


# A string after a comma and a next string's opening quote is read to its end too, and so is a chain of them
# (password='ab", "cd", "ef' is no JSON: its last string never ends as one). Each string of the chain ends at its
# first quote that a comma and a next string, or what goes on as JSON, follow; the strings after the first are a
# list's items or keys (: , or ] after the last). _CHAIN_REACH strings are taken as JSON going on without reading
# further, so each stretch is read a bounded number of times from the quotes before it.
_CHAIN_REACH = 8
_NEXT_STRING = f",{_JSON_SPACE}(?={_NESTED_QUOTE})"
_AFTER_ITEM = f"[:\\]]|,{_JSON_SPACE}{_NON_STRING_START}"
_LINK = f"{_string_to_quote(f'{_NEXT_STRING}|{_AFTER_ITEM}')}{_NEXT_STRING}"
_CHAIN_REST = (
    f"(?:{_LINK}){{0,{_CHAIN_REACH - 1}}}+(?:{_LINK}|{_string_to_quote(_AFTER_ITEM)}|{_string_to_line_break()})"
)


def _chain(end: str) -> str:
    """A nested string that ``end`` follows, or a chain of them after it, or one read to a line break."""
    return (
        f"(?:{_string_to_quote(f'{_NEXT_STRING}|{end}')}(?:(?!{_NEXT_STRING})|{_NEXT_STRING}(?:{_CHAIN_REST}))"
        f"|{_string_to_line_break()})"
    )


_NESTED_STRING_AFTER_COMMA = _chain(_AFTER_ITEM)
_NESTED_STRING_AFTER_COLON = _chain(f"[:}}\\]]|,{_JSON_SPACE}{_NON_STRING_START}")
_NESTED_STRING_KEY = _chain(f":|,{_JSON_SPACE}{_NON_STRING_START}")
# Each chain is written once, where the ways to it are alternatives before it ((?:[|scalar ,) then a string, not
# one copy per way): NESTED_STRING_END is only ever looked ahead for, so the alternatives' order does not matter,
# and each copy of a chain went into every rule's regex that reads a value (its compiling, at every start).
_JSON_VALUE_ON = (
    f"(?:(?:\\[|{_JSON_SCALAR}{_JSON_SPACE},){_JSON_SPACE}{_NESTED_STRING_AFTER_COMMA}"
    f"|\\[{_JSON_SPACE}(?:[{{\\[\\]]|-?[0-9]|true|false|null)"
    f"|\\{{{_JSON_SPACE}(?:{_NESTED_STRING_KEY}|}})"
    f"|{_JSON_SCALAR}{_JSON_SPACE}(?:[}}\\]]|,{_JSON_SPACE}{_NON_STRING_START})"
    f"|{_JSON_SCALAR}{_JSON_SPACE}{_NESTED_QUOTE})"
)
NESTED_STRING_END = (
    f"{_NESTED_QUOTE}{_JSON_SPACE}"
    f"(?:,{_JSON_SPACE}{_NESTED_STRING_AFTER_COMMA}"
    f"|:{_JSON_SPACE}{_NESTED_STRING_AFTER_COLON}"
    f"|[,:]{_JSON_SPACE}{_JSON_VALUE_ON}"
    f'|[}}\\]]{_JSON_SPACE}(?:[,}}\\]"]|{_NESTED_QUOTE}|$)|")'
)
# What chainreach.py reads a whole chain with: a link, and its last string's end where JSON goes on after it.
CHAIN_REACH = _CHAIN_REACH
NESTED_QUOTE = _NESTED_QUOTE
JSON_SCALAR = _JSON_SCALAR
LINK = _LINK
LAST_STRING_ENDS_AS_JSON = f"{_string_to_quote(_AFTER_ITEM)}|{_string_to_line_break()}"
