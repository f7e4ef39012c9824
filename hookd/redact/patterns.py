"""Pattern pieces shared by the rules (rules.py, providers.py).

Every rule runs over the payload's JSON text, so the patterns see secrets as
they sit inside JSON strings: a newline is the two characters backslash and
n, a quote inside a string is backslash-quote, and a string embedded in a
string doubles its escapes. Three conventions keep the result valid JSON and
make redaction idempotent:

* The replaced part never contains a raw ``"``, never starts right after a
  backslash (it would split an escape such as ``\\n``) and never ends on a
  lone backslash: value classes exclude ``"`` and ``\\``, or take
  backslashes only as whole escape pairs.
* A token is recognised only at a boundary: not right after a letter, digit,
  ``_`` or backslash, except right after an escaped ``\\n``, ``\\r`` or ``\\t``
  (a token at the start of a line of a file that a tool read).
  A distinctive prefix may follow a letter or ``_`` (``glued``, ``b1_under``):
  glue.glue_ok judges the join.
* Value classes never start with ``[``, so a second pass leaves markers alone.

Every repetition is bounded or possessive, and a pattern that can start
anywhere begins with a lookbehind that fails at once inside a run, so the
regex does a bounded amount of work from each position.
"""

from __future__ import annotations

import re

from hookd.redact.jsonends import NESTED_STRING_END

# Start of a token, checked just after its first character (a leading
# lookbehind would stop the regex engine from scanning fast for that
# character): the token is not inside a word and not right after a backslash
# (which would split an escape), but may follow an escape that ends a word: an
# escaped newline, CR, tab, backspace or form feed, a \uXXXX escape (a
# control character a terminal left, BEL ending an OSC title; a no-break space
# as an ASCII-only encoder writes it) or an escaped backslash (a path's
# separator; ESC \ ending an OSC). AFTER_ESCAPE is that part, zero-width at
# the token's first character. An escaped backslash is also two or four of them: two literal backslashes (a
# Windows path in a string, C:\\Users\\<token>), or one written a level or two down (JSON in a string).
AFTER_ESCAPE = r"(?<=\\[bfnrt])|(?<=\\u[0-9A-Fa-f]{4})|(?<=[^\\]\\\\)|(?<=[^\\]\\\\\\\\)|(?<=[^\\]\\\\\\\\\\\\\\\\)"
AFTER_ESCAPE_1 = AFTER_ESCAPE.replace(")", ".)")
# Or after what opens a token's wrapping, not a word: Markdown's emphasis (``_ghp_..._``), a short option
# glued to its value (``zip -P<token>``, ``app -t<token>``), each itself after a space, quote or sign.
# Zero-width at the token's first character, as AFTER_ESCAPE_1.
AFTER_OPENER_1 = r"(?<=[\s\"'(*\[=]_.)|(?<=[\s\"'=]-[A-Za-z].)"
# Or after a URL's percent escape (%26, %3D, %2F), which the view decodes only before a name's letter: a token that
# begins with a digit or a sign (a Telegram bot token, a crypt hash's $6$) glued to %26 is one after an & all the same.
AFTER_PERCENT = r"(?<=%[0-9A-Fa-f]{2})"
AFTER_PERCENT_1 = r"(?<=%[0-9A-Fa-f]{2}.)"
B1 = r"(?:(?<![A-Za-z0-9_\\].)|" + AFTER_ESCAPE_1 + "|" + AFTER_OPENER_1 + "|" + AFTER_PERCENT_1 + ")"


def b1(extra: str) -> str:
    """B1 that also refuses to start right after one of ``extra`` (regex class syntax): a token whose
    body has those characters is tried only where a run of them begins, never at each of its positions."""
    return rf"(?:(?<![A-Za-z0-9_\\{extra}].)|" + AFTER_ESCAPE_1 + "|" + AFTER_OPENER_1 + "|" + AFTER_PERCENT_1 + ")"


B1_DASH = b1("-")
B1_DOT = b1(".-")


def b1_under(extra: str = "") -> str:
    """Like ``b1(extra)``, but the token may also follow ``_``, not a letter or a digit: a prefix too short or too
    like a word to stand glued to letters (``hvs.``, ``gsk_``, ``dapi``), whose token joined to a name or a file
    name by ``_`` (``mcp__<token>__tool``, ``backup_<token>.json``) is still one. glue.glue_ok judges the join."""
    return rf"(?:(?<![A-Za-z0-9\\{extra}].)|" + AFTER_ESCAPE_1 + "|" + AFTER_OPENER_1 + "|" + AFTER_PERCENT_1 + ")"


B1_UNDER = b1_under()
B1_UNDER_DASH = b1_under("-")
B1_UNDER_DOT = b1_under(".-")


def glued(extra: str = "", lower_only: bool = False) -> str:
    """Like ``b1(extra)``, but the token may also follow a letter: it is glued to a word before it
    (``tokenxoxb-...``, ``idAKIA...``). Only for prefixes distinctive enough to stand without a left
    boundary (see providers.py); a token with an upper-case prefix only after a lower-case letter (the
    case change marks the join: ``XAKIA...`` is one upper-case word). glue.glue_ok then asks that
    the word it is glued to be short and begin at a boundary, not inside a base64 run. It may also follow ``_``
    (``mcp__<token>__tool``, ``backup_<token>.json``, ``GH_TOKEN_<token>``): glue_ok judges that join."""
    letters = "A-Z" if lower_only else ""
    return rf"(?:(?<![{letters}0-9\\{extra}].)|" + AFTER_ESCAPE_1 + "|" + AFTER_OPENER_1 + "|" + AFTER_PERCENT_1 + ")"


GLUED = glued()
GLUED_DASH = glued("-")
GLUED_DOT = glued(".-")
GLUED_LOWER = glued(lower_only=True)
GLUED_LOWER_DASH = glued("-", lower_only=True)
# End of a token: no further token character.
# Or a single _ that closes Markdown's emphasis (``_<token>_``), which no further token character follows.
E = r"(?:(?![A-Za-z0-9_])|(?=_(?![A-Za-z0-9_])))"
E_DASH = r"(?:(?![A-Za-z0-9_-])|(?=_(?![A-Za-z0-9_-])))"
# A token of one exact length whose body may hold ``_``, followed by ``_``: its body would otherwise run on over
# the name it is joined to (``mcp__AIza<35>__create_issue``) and, past its longest, not be found at all.
UNDER_AHEAD = r"(?=_)"
# The prefixes of other tokens, distinctive enough that one right after a token's last character is taken as
# that token's end (joints.py): two tokens written glued (``AKIA<16>dapi<32>``, ``lin_api_<40>ghp_<36>``) had
# no boundary between them, and each rule refused its own. A JWT's header ({"alg": or {"typ":) is one too.
# Word-like keywords (``secret_``, ``re_``, ``sl.``, ``pk_``, ``cio``) are not: a word's end before them is none.
JOINTS = (
    *("ghp_", "gho_", "ghs_", "ghu_", "ghr_", "github_pat_"),
    *("glpat-", "glptt-", "glcbt-", "glimt-", "glsoat-", "glagent-", "gloas-", "gldt-", "glrt-", "glft-"),
    *("xoxb-", "xoxp-", "xoxa-", "xoxe-", "xoxe.", "xapp-", "sk_live_", "rk_live_", "sk_test_", "rk_test_", "whsec_"),
    *("sk-", "gsk_", "xai-", "pplx-", "AIza", "npm_", "pypi-AgE", "hvs.", "shpat_", "shpca_", "shppa_", "shpss_"),
    *("sq0atp-", "sq0csp-", "dop_v1_", "doo_v1_", "dor_v1_", "HRKU-", "sbp_", "lin_api_", "ntn_", "dp.st.", "dp.ct."),
    *("AGE-SECRET-KEY-1", "glsa_", "glc_", "dapi", "PMAK-", "ATATT3", "ATCTT3", "sntrys_", "sntryu_", "pul-"),
    *("NRAK-", "AKIA", "ASIA", "SG.", "hf_", "EAAA", "key-", "eyJhbGciOi", "eyJ0eXAiOi"),
)
# The end of a token whose body holds no ``_``: any ``_`` may follow, a join to a name or a file name's next part
# (``<token>__tool``, ``<token>_old.json``); glue.glue_ok judges it. Not a ``_`` inside a joint whose start
# the body took (``sk_live_<24>shpat_<32>``, ``...sk_live_<24>``): the next token, its prefix gone, was left in
# clear; refused here, the two are told apart at the joint as before (joints.py).
_UNDER_JOINTS = "".join(
    f"(?!(?<={re.escape(joint[:at])}){re.escape(joint[at:])})"
    for joint in JOINTS
    for at in range(1, len(joint))
    if joint[at] == "_"
)
E_UNDER = r"(?![A-Za-z0-9])" + _UNDER_JOINTS
E_DASH_UNDER = r"(?![A-Za-z0-9-])" + _UNDER_JOINTS
# The same, as a Hyperscan alternation: a token's trigger ends at a boundary or on a joint's last character.
HS_JOINT = "|".join(re.escape(joint) for joint in JOINTS)
# A joint right after, for a regex: a rule whose end is judged by what follows (not by its trigger's report).
JOINT_AHEAD = "(?=" + HS_JOINT + ")"
# Key/value separators, with the key's closing quote possibly escaped (\")
# or single, as in TOML, YAML, JSON embedded in a string, or Python.
KV_SEP = r"""(?:\\?["'])?\s{0,4}[:=]{1,2}>?\s{0,4}(?:\\?["'])?"""

_NESTED_BREAK = r'(?:\\\\){0,3}(?:[nrt]|\\")'


def run(single: str, others: str, least: int, most: int) -> str:
    """The items ``single`` (a class: the items of one character) or ``others`` (items that begin with no
    character of ``single``) repeated ``least`` to ``most`` times, possessively, read as a class run where
    that gives the same: a run of ``single`` that no other item follows (or of ``most``) is what the items
    give; otherwise the items are read one by one. The regex engine reads a class run several times faster
    than an alternation per character (a 1 KiB value: 83 -> 12 us).
    """
    return f"(?>{single}{{{least},{most}}}+(?!{others})|(?:{single}|{others}){{{least},{most}}}+)"


_BACKSLASHES = r"\\\\(?!" + _NESTED_BREAK + ")"  # a real backslash (escaped), not one that begins an escape
_BARE_CHAR = r"(?:[^\s\"'\\,;&|<>(){}\[\]`]|" + _BACKSLASHES + ")"
_BARE_RUN = (
    r"(?:[^\s\"'\\,;&|<>(){}\[\]`$]|" + _BACKSLASHES + ")" + run(r"[^\s\"'\\,;&|<>(){}\[\]`]", _BACKSLASHES, 0, 1023)
)
# Where a value ends: a line's end (raw, or escaped at any depth of JSON in a string), its JSON string's
# end, or trailing spaces and tabs before one or before a comment (` #`: YAML, .env, INI).
LINE_END = r"""(?=[ \t]*+(?:[\r\n"]|\\{1,8}+[nr"]|(?<=[ \t])#|\Z))"""
# A symbol inside an unquoted value (Tr0ub4dor&3xQz, a,b;c): not one that begins the next pair of a query,
# a list or a connection string, or a key of an object (&user=, ,host=, ;Server=, ,token:).
_INNER_SYMBOL = r"""(?:[,;&|<>(){}\[\]`'](?![^\s"'\\,;&|<>(){}\[\]`=:]{0,64}[=:]))"""
_INNER_CHAR = r"""[^\s"'\\,;&|<>(){}\[\]`]"""
# After a symbol, a run that goes on with a letter or a digit (Tr0ub4dor&3xQz), not punctuation alone (a
# sentence's `dbPassword`. in Markdown).
_INNER_RUN = r"""(?=[^\s"'\\,;&|<>(){}\[\]`]{0,255}?[A-Za-z0-9])""" + _INNER_CHAR + "{1,256}+"
# A literal (true, nil, null...) is a whole value: what follows a symbol after it is code
# (issecret=true;]$X, new_user(password: nil).encrypted_password).
_LITERAL = r"(?P<literal>(?=(?i:true|false|null|nil|none|undefined)(?![A-Za-z0-9_])))?"
# The first word of a value with spaces holds letters and digits (Tr0ub4dor 3xQz), as prose and code do not
# (:param token: The session token, i_token : i_token + SIZE, token: str = "0").
_LETTERS_AND_DIGITS = r"""(?=[^\s"\\]{0,1024}?[0-9])(?=[^\s"\\]{0,1024}?[A-Za-z])"""
# An unquoted (bare) value. Once it has begun it never fails (a bare word followed by "(" is a call,
# which checks.not_a_call rejects afterwards) and reads its characters once, so reading one costs its length.
# It stops at the first symbol, space or quote ("\\" pairs, a real backslash, are kept), unless it then
# reaches the end of its line over symbols that stand between value characters, in at most 256 more
# characters: a password manager's DB_PASSWORD=Tr0ub4dor&3xQz, password: a,b;c in YAML (not ?user=a&b=c,
# PW=a && make, f(password=pw), {token: t}). After a colon or = and a space (YAML, a .properties file, INI's
# `name = value`, Make's :=), when its first word holds letters and digits, it also runs over spaces to the
# end of its line (password: Tr0ub4dor 3xQz # a comment), not a shell's PW=a make. Its escaped backslash ends it where it begins an escape of
# JSON nested in a string: a newline or tab (\\n, \\\\n: a line of an .env file or of code there ends) or a
# quote (\\\").
# A further word begins with a letter or a digit and is not a word of an expression (a comment's #, an
# operator, password = pw1 if old else pw2, token = t1 or t2).
# Nor a next name's assignment (password= <a> <b> token=<c>): the value over spaces ends before it, so that name's
# own value is read (a value read over it and refused, too long, hid that name's trigger: a second pass took it).
_NEXT_ASSIGNMENT = r"[A-Za-z_][A-Za-z0-9_.-]{0,63}="
_NEXT_WORD = r"(?=[A-Za-z0-9])(?!(?i:if|else|or|and|not|in|is|for|then)(?![^\s\"\\]))(?!" + _NEXT_ASSIGNMENT + ")"
_INNER_WORD = _INNER_CHAR + "{1,256}+(?:" + _INNER_SYMBOL + "{1,8}+" + _INNER_RUN + ")*+"
# After a name in lower or mixed case (password=, db.password=), the same within the value's first 64 characters
# (read over 1024, every password= of a flood of long values cost that much: bench/README.md, h82).
_SHORT_LETTERS_AND_DIGITS = _LETTERS_AND_DIGITS.replace("1024", "64")
# After an upper-case NAME= with no space (.env, export, compose's - NAME=), a value with spaces
# (DB_PASSWORD=Tr0ub4dor 3xQz) runs on only over words that each hold a digit and no = to the line's end: a
# shell's PW=abc1 make test (a command), export A=abc1 B=x2 (two names) keep their words.
_GLUED_WORD = r"""(?=[A-Za-z0-9])(?=[^\s"'\\]{0,256}?[0-9])(?![^\s"'\\]{0,256}?=)"""
# A lone quote between letters or digits is part of the value wherever the line goes on (password=ab'cd more,
# password: it's2 x): a shell word's quote opens a string only at a word's start.
_APOSTROPHES = "(?:(?<=[A-Za-z0-9])'(?=[A-Za-z0-9])" + _INNER_CHAR + "{1,256}+)*+"
# Inside a quoted string, an escaped line break or tab is the string's own (Python's repr() of a str or bytes:
# b'password=p4ss\\nw0rd', "password=it's\\nw0rd"; in JSON text two backslashes): the value goes on over it when
# what follows reaches the closing quote with no sign of a next name (=, :) between (an .env file's repr,
# b'A_TOKEN=x1\\nPORT=8080\\n', is two lines).
_REPR_BREAKS = r"""(?:(?:\\\\[nrt][^\s'"\\=:,;&|<>(){}\[\]`]{1,256}+){1,8}+(?='|\\"))?"""
BARE_VALUE = (
    r"(?:(?<=[:=][ \t])"
    + _LETTERS_AND_DIGITS
    + "(?P<spaced>))?"
    + r"(?:(?:(?<=[A-Z][A-Z0-9_]=)"
    + _LETTERS_AND_DIGITS
    + r"|(?<=[A-Za-z][A-Za-z0-9_]=)"
    + _SHORT_LETTERS_AND_DIGITS
    + ")(?P<glued>))?"
    + _LITERAL
    + _BARE_RUN
    + _APOSTROPHES
    + r"""(?:(?(literal)(?!))(?=(?:[^\s"\\]{0,256}+(?![^\s"\\])|(?(spaced)[^\n"\\]{0,256}+(?![^\n"\\])"""
    + r"""|(?(glued)[^\n"\\]{0,256}+(?![^\n"\\])|(?!)))))"""
    + "(?:"
    + _INNER_SYMBOL
    + "{1,8}+"
    + _INNER_RUN
    + ")*+"
    + r"(?(spaced)(?:[ \t]{1,4}+"
    + _NEXT_WORD
    + _INNER_WORD
    + "){0,64}+)"
    + r"(?(glued)(?:[ \t]{1,4}+"
    + _GLUED_WORD
    + _INNER_WORD
    + "){0,64}+)"
    + "(?:"
    + LINE_END
    + r"|(?(spaced)(?=[ \t]{1,4}+"
    + _NEXT_ASSIGNMENT
    + ")|(?!)))"
    + ")?"
    + _REPR_BREAKS
)
# A bare value that is the rest of its line (a config directive, a tab-separated name and value: mysql -B,
# psql -A): after its first character it runs over & ; and , between value characters (which end a value
# elsewhere: a query, a command), which in a line of one name and one value are part of it (Tr0ub4dor&3); one
# at the line's end ends a statement (nginx's proxy_pass http://backend;). Brackets and | still end it, so a
# call or a type (varchar(64), list[str], str|None) is read as one. The line rule checks that the line ends there.
LINE_BARE_VALUE = (
    r"(?:[^\s\"'\\,;&|<>(){}\[\]`$]|\\\\(?!"
    + _NESTED_BREAK
    + r"))(?:"
    + _BARE_CHAR
    + r"|[,;&](?="
    + _BARE_CHAR
    + r")){0,1023}+"
)
# A shell's quote inside a single-quoted value, as JSON text writes it: '"'"' and '\'' close the quote, add
# a quote and open it again (mysql -p'Tr0ub'"'"'4dor'), so the value goes on after them; the escapes as deep as the
# value's JSON nesting.
_QUOTE_PIECES = r"""'(?:\\{2,8}+'|\\{1,7}+"'\\{1,7}+")'"""
# A lone quote inside a single-quoted value, when the value then closes at its line's end (PASSWORD='ab'cd'), or,
# the quote between letters or digits, where a shell word or a call's argument ends (DB_PASSWORD='ab'cd' && make,
# connect(password='ab'cd', host=h); not '--password='.$c['password'], a concatenation).
_LONE_QUOTE = (
    r"|'(?=(?:[^'\"\\\s]|\\\\){1,1024}+'"
    + LINE_END
    + r")|(?<=[A-Za-z0-9])'(?=[A-Za-z0-9](?:[^'\"\\\s]|\\\\){0,1023}+'(?:[ \t,;)&|>\]}]|\\t))"
)
# Python's repr() escapes a quote inside a single-quoted string ('p4ss\\'w0rd': a backslash and a quote, in
# JSON text two backslashes and the quote), which goes on the value; its escaped backslash ('C:\\\\', four in JSON
# text) is read first, as a pair, so the quote after it still closes the value.
_REPR_ESCAPES = r"\\{4}|\\{2}'|"
# A quoted value in JSON text: \"...\" (escaped double quotes) or '...'; otherwise a bare one. The value never
# starts with "[" (a marker) or "$" (a variable reference). A quoted one that does not close runs to the end
# of its JSON string; a single quote inside a single-quoted value is taken when the value then closes at the
# end of its line (PASSWORD='Tr0ub4dor'3xQz').
_SINGLE_QUOTED_ITEMS = "(?!" + NESTED_STRING_END + ")(?:" + _REPR_ESCAPES + r"\\.)|" + _QUOTE_PIECES + _LONE_QUOTE
VALUE = (
    r"(?:(?P<dq>\\\")|(?P<sq>'))?"
    r"(?P<value>"
    r"(?(dq)"
    + run(r"[^\"\\]", r"\\\\\\\"|\\[^\"]", 1, 1024)  # an escaped quote (\\\") is taken whole
    + r"|(?(sq)"
    + run(r"[^'\"\\]", _SINGLE_QUOTED_ITEMS, 1, 1024)
    + "|"
    + BARE_VALUE
    + r")))"
    r"(?(dq)(?:\\\")?|(?(sq)'?))"
)
VALUE_REACH = 2 * 1024 + 8  # a value of 1024 escaped characters and its quotes


def hyperscan_shape(pattern: str, jointed: bool = True) -> str:
    """The pattern as Hyperscan reads it: the same token, with its end taken as a character that cannot
    continue it (Hyperscan has no lookaround), so it reports once per candidate, at that end; or as another
    token's prefix glued to it (JOINTS), reported at the prefix's end; not ``jointed``: a token whose body runs
    long (thousands of characters), where the joints after every length made Hyperscan 25 times slower on prose."""
    shape = pattern
    for piece, replacement in (
        *((g, "") for g in (GLUED_LOWER_DASH, GLUED_LOWER, GLUED_DOT, GLUED_DASH, GLUED)),
        *((g, "") for g in (B1_UNDER_DOT, B1_UNDER_DASH, B1_UNDER)),
        (E_UNDER, f"(?:[^A-Za-z0-9]|$|{HS_JOINT})" if jointed else "(?:[^A-Za-z0-9]|$)"),
        (E_DASH_UNDER, f"(?:[^A-Za-z0-9-]|$|{HS_JOINT})" if jointed else "(?:[^A-Za-z0-9-]|$)"),
        (B1_DOT, ""),
        (B1_DASH, ""),
        (B1, ""),
        (
            E_DASH,
            f"(?:[^A-Za-z0-9_-]|_?$|_[^A-Za-z0-9_-]|{HS_JOINT})"
            if jointed
            else "(?:[^A-Za-z0-9_-]|_?$|_[^A-Za-z0-9_-])",
        ),
        (E, f"(?:[^A-Za-z0-9_]|_?$|_[^A-Za-z0-9_]|{HS_JOINT})" if jointed else "(?:[^A-Za-z0-9_]|_?$|_[^A-Za-z0-9_])"),
        (UNDER_AHEAD, "_"),
    ):
        shape = shape.replace(piece, replacement)
    shape = re.sub(r"\(\?<[=!][^()]*\)", "", shape)  # (?<=[sr]), (?<=[A-Za-z0-9]): checked by the regex
    shape = re.sub(r"([}*?])\+", r"\1", shape)  # possessive: a regex engine's concern
    shape = shape.replace("(?>", "(?:")  # atomic: Hyperscan has none, and without it the shape matches more
    return shape.replace("(?P<value>", "(")


# Hyperscan reads UTF-8 bytes and its \s is ASCII; Python's \s is also \x1c-\x1f and the Unicode
# spaces (U+0085, U+00A0, U+1680, U+2000-U+3000). A trigger that stands for a regex's \s must
# match at least as much, so it takes any character whose UTF-8 form could be one of them.
HS_WS = r"(?:[\s\x1c-\x1f]|\xc2[\x85\xa0]|[\xe1-\xe3][\x80-\xbf][\x80-\xbf])"

# What B1 lets stand before a token's first character, as Hyperscan patterns (it has no lookbehind): a trigger that
# asks it reports nothing for a prefix glued to a name (``xsk_``, ``task_``). More than B1 (the regex judges). Two
# parts: the start or a character no token holds, cheap in the main database; the rarer escapes (\\n, \\u0041),
# openers (``_``, ``-t``) and percent escapes, which in the main database made a flood of the bare prefix 2.5 times
# slower (Hyperscan checked them at each), scanned apart where the prefix occurs (Rule.trigger_parts).
HS_B1_PLAIN = r"(?:^|[^A-Za-z0-9_])"
HS_B1_MARKED = (
    r"\\[bfnrt]",
    r"\\u[0-9A-Fa-f]{4}",
    r"(?:[\"'(*\[=]|" + HS_WS + r")_",
    r"-[A-Za-z]",
    r"%[0-9A-Fa-f]{2}",
)
# What KV_SEP matches, as a Hyperscan pattern (the same or more).
HS_KV_SEP = r"""(?:\\?["'])?""" + HS_WS + r"{0,4}[:=]{1,2}>?" + HS_WS + r"""{0,4}(?:\\?["'])?"""

# Unicode spaces typed or pasted around = and : (a no-break space after "password", an em space),
# as JSON escapes (\u00a0: json.dumps and many encoders write them so) and, for Hyperscan, as UTF-8.
U_SPACE_ESCAPE = r"\\u(?:00[aA]0|1680|200[0-9aA]|202[fF]|205[fF]|3000)"
# Those and an escaped tab, as Hyperscan reads them: the spaces that are not a raw space or tab.
HS_SPACE_ESCAPED = (
    r"(?:\\t|\xc2\xa0|\xe1\x9a\x80|\xe2\x80[\x80-\x8a\xaf]|\xe2\x81\x9f|\xe3\x80\x80|" + U_SPACE_ESCAPE + ")"
)
HS_SPACE = r"(?:[ \t]|" + HS_SPACE_ESCAPED.removeprefix("(?:")
# Python's \s (every Unicode space) or one of those escapes.
WS_OR_ESCAPE = r"(?:\s|" + U_SPACE_ESCAPE + ")"
