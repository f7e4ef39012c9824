"""What the view (view.py) edits, as one regex: the escapes it decodes, the joints between quoted pieces it
drops, the invisible characters, terminal sequences, spaces and fullwidth forms it reads as their plain
text, and the line prefixes it drops; its groups say which edit a match is (view._edit reads them)."""

from __future__ import annotations

import re

from hookd.redact.lineprefix import LINE_BREAK, LINE_PREFIX, STRING_OPEN, STRING_PREFIX

MAX_LEVEL = 4  # the payload's JSON and three levels of JSON text nested in its strings
# At level k (1: the payload's own strings) an escape is written with 2**(k-1) backslashes
# (\u0067, \\u0067, \\\\u0067...), and a quote that ends a string of level k+1 as
# 2**k - 1 backslashes and a quote (\", \\\", \\\\\\\") or as level k's \u0022.
# Every alternative starts with a plain character (\\, ' or %) and looks behind only after it, so
# the regex skips at C speed from one of those characters to the next; the character after it is
# checked before the lookbehind (a JSON text's every \n and ' is such a start).
# PHP's and Perl's . and Lua's .. join literals too, with a space or an escaped break on each side (PSR-12's and
# Lua's style): a dot alone, '.' or "a"."b", is also a character literal (split('.')) and a method's call
# ('.'.join).
# A line break in a joint may carry the next line's prefix (h101): the Read tool's or cat -n's number (escaped tab
# or arrow), a diff's marker before the line's indentation, or both (a patch's "+    \"<v>\""): what stands between the
# two literals is still only the joint; and a line's continuation before the break (a shell's, Python's, a C
# macro's escaped backslash). Each side is possessive, as _viewcore.c's greedy reading.
_DIFF_MARKER = r"[+-](?=[ \t]|\\t)"
_NEXT_PREFIX = (
    r"(?:(?:(?: {5}[0-9]| {4}[0-9]{2}| {3}[0-9]{3}| {2}[0-9]{4}| [0-9]{5}|[0-9]{6,7})\\t"
    r"| {0,6}[0-9]{1,7}\\u2192)(?:" + _DIFF_MARKER + ")?+|" + _DIFF_MARKER + ")?+"
)
# An Edit's structuredPatch writes each line as a string of its own, its marker first: a string's end and the next
# string's opening quote and marker are a line break there.
_PATCH_BREAK = r'", ?"[+ -]'
# (The next line's indentation after it, up to 40 as _IMPLICIT's, is the break's: not the side's 8.)
_JOINT_BREAK = r"(?:\\\\)?(?:\\n" + _NEXT_PREFIX + "|" + _PATCH_BREAK + r")(?:[ \t]|\\t){0,40}+"
_SIDE = r"(?:[ \t]|\\[rt]|" + _JOINT_BREAK + ")"
# A + right after a line break and right before the quote is a diff's added line that begins with a quote (an
# export's quoted row, "a",\n+"b",...), not a joint: code's + stands with a space or indentation beside it.
_JOINT = (
    "(?:"
    + _SIDE
    + r"{0,8}+(?:(?<!\\n)\+"
    + _SIDE
    + r"{0,8}+|\+"
    + _SIDE
    + "{1,8}+)|"
    + _SIDE
    + r"{1,8}+\.\.?"
    + _SIDE
    + "{1,8}+)"
)
# Two literals on adjacent lines with no + (Python's implicit concatenation inside parentheses, C's adjacent
# literals): a newline right after the quote (or a line's continuation after it, spaces and an escaped backslash;
# the next line's prefix after it, as in a joint), or a patch's next line, and the next line's indentation (at least one space or tab: not
# a CSV file's next row; nor one space alone, a diff's context line, or set -x's "+ " alone: a quoted CSV's row
# under a diff's or a trace's mark).
_IMPLICIT = (
    r"(?:[ \t]{0,8}+\\\\(?=\\n|" + _PATCH_BREAK + r")|\\r(?=\\n))?+(?:\\n" + _NEXT_PREFIX + "|" + _PATCH_BREAK + r")"
    r"(?:[ \t]|\\t){1,40}(?<!\\n\+ )(?<!\\n )"
)
_JOINED = "(?:" + _JOINT + "|" + _IMPLICIT + ")"
# The characters that print as nothing a secret may be split by: the zero-width ones (U+200B-U+200D, U+2060,
# U+FEFF), the soft hyphen, the combining grapheme joiner, the Mongolian vowel separator, the bidi marks,
# embeddings, overrides and isolates (U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069) and the invisible
# operators (U+2061-U+2064). The view drops them, raw or written as an escape of any level it reads, as it
# drops a joint: a value they split reads whole (``API_KEY=sk_live_4e<U+00AD>C39...`` kept all after it).
INVISIBLE = (
    "\u00ad\u034f\u061c\u180e\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
    "\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\ufeff"
)
INVISIBLE_HEX = r"00[Aa][Dd]|034[Ff]|061[Cc]|180[Ee]|200[B-Fb-f]|202[A-Ea-e]|206[0-46-9]|[Ff][Ee][Ff][Ff]"
# The spaces a web page or a chat tool writes between words (a no-break space, the narrow one, the en quad to the
# hair space, the ideographic space): the view reads them, raw or escaped, as a space, so ``mysql -p...`` or
# ``password = ...`` pasted from a page reads as typed. (U+FEFF, zero-width, stays INVISIBLE: it splits tokens.)
SPACES = "\xa0\u2000-\u200a\u202f\u3000"
_SPACE_HEX = r"00[Aa]0|200[0-9Aa]|202[Ff]|3000"
# The fullwidth forms of a token's characters (letters, digits, _ + - . /) an East Asian input method writes
# (``ＡＰＩ＿ＫＥＹ＝<v>``, ``ｓｋ＿ｌｉｖｅ＿...``): the view reads each as its ASCII character, raw or escaped. Not the
# punctuation of CJK prose (，：；（）！？: a view at every sentence cost Chinese text 4x), nor the quote, the
# backslash, the colon and the equals sign (encoded.py reads ``password：<v>`` as a sign of its own).
FULLWIDTH = "".join(map(chr, (0xFF0B, *range(0xFF0D, 0xFF1A), *range(0xFF21, 0xFF3B), 0xFF3F, *range(0xFF41, 0xFF5B))))
_FULLWIDTH_HEX = r"[Ff][Ff](?:0[BbD-Fd-f]|1[0-9]|2[1-9A-Fa-f]|3[0-9AaFf]|4[1-9A-Fa-f]|5[0-9Aa])"
FULLWIDTH_OFFSET = 0xFEE0  # from a fullwidth form to its ASCII character
# re.split keeps the whole match (its length maps the view back) and the groups an edit depends on
# (the lookbehinds are settled by then): whether an escaped line break ends right before it (empty, else
# None), whether the escape is a first level's NUL, BEL or ESC \\ (empty: _LINE_ESCAPE; a prefix after it is
# part of the match, so its edit's length), the escape or quote after the first backslash, which
# percent escape (3: %3D, 2: %26), what follows a raw ESC, a raw space, and the line break or the string's
# opening quote before a line's prefix; none for a joint or a raw invisible character.
# A quote of a nested level between two letters or digits is kept as written: it is escaped inside a nested
# string's word ({"password": "p4ss\"w0rd"} in a Read's content), where no quote of a JSON text stands, and
# flattened it closed the value there.
# (A letter or digit that ends an escape, \n's or \u00a0's, is none: a quote after it opens a nested string.)
_ESCAPE_END = "|".join(rf"(?<=\\[A-Za-z0-9]\\{{{n}}}\")|(?<=\\u[0-9A-Fa-f]{{4}}\\{{{n}}}\")" for n in (3, 7))
# Nor is a terminal's colour's or erase's last letter (an escaped CSI's: jq -C's or grep --color's output one JSON
# level down, ESC[32m\\\"password\\\"): the CSI prints nothing, so the quote after it opens a nested string.
_CSI_PARAMS_MAX = 12
_CSI_END = "|".join(
    rf"(?<=\\u001[Bb]\[[0-9;]{{{k}}}[A-Za-z]\\{{{n}}}\")" for n in (3, 7) for k in range(_CSI_PARAMS_MAX + 1)
)
# Nor is a short option's letter (mysql -p\"<pw>\", zip -P\"<pw>\"): a quote after it opens the option's value.
_OPTION_END = "|".join(rf"(?<=-[A-Za-z]\\{{{n}}}\")(?<![A-Za-z0-9_-]-[A-Za-z]\\{{{n}}}\")" for n in (3, 7))
# A percent escape is read after a name's last character, or after a marker's ] (the value a pass redacted there
# ended in one: \b%26 reads & whether or not its \b, a value, is a marker); %26 before a name's first letter, or
# before a marker's [ (the token a pass redacted there began with one: curl%26AGE-SECRET-KEY-1... ends curl's
# command whether or not the key is a marker). Not a marker of a rule whose tokens begin with a digit or a sign
# (a Telegram bot token, a crypt hash's $, a PEM block's -----, a card number): %26 before such a token reads as
# written, and so before its marker (_viewcore_find.h's marker_head_at names the same rules).
NOT_A_LETTER_MARKERS = ("telegram_bot_token", "password_hash", "pem_private_key", "payment_card")
_LETTER_MARKER = r"\[REDACTED:(?!(?:" + "|".join(NOT_A_LETTER_MARKERS) + r")\])"
# A quote of a nested level between a word and a marker is between two letters or digits as between the word and
# the token (AKIA\"<SendGrid key>: kept as written on the first pass, flattened before its marker on the second),
# unless the rule's tokens begin with a sign (_viewcore_find.h's alnum_marker_head_at names the same rules).
NOT_AN_ALNUM_MARKERS = ("password_hash", "pem_private_key")
_ALNUM_MARKER = r"\[REDACTED:(?!(?:" + "|".join(NOT_AN_ALNUM_MARKERS) + r")\])"
# A terminal's escape sequences (ESC, raw or as an escape of any level the view reads) print nothing: a colour
# or an erase (CSI: ESC [ parameters, intermediates, a final character) and an OSC's opening (ESC ] and its
# number; OSC 8's hyperlink parameters too) are dropped, so ``grep --color`` output that splits a token reads
# whole; a string terminator (ESC \\) reads as a line break: what an OSC holds (a title, a link's address) is
# not printed, so the text after it begins a line as printed (a section header after a prompt's title), and an
# OSC 8 link's address and its text stay apart.
# Bounded (32 parameters, 4 intermediates, 256 characters of OSC 8 parameters) and never past a backslash or
# an ESC: linear. The last four alternatives of the escaped form are ESC \\ at each level (2**k backslashes).
# A CSI never begins on a marker's bracket (ESC [REDACTED:...] is an ESC and a marker, not ESC [R and text):
# read as a CSI, the marker's rest became text a second pass redacted again. Nor is one with intermediates
# whose final begins a word (ESC [ SP gsk_..., ESC [, SP ghp_...): a terminal's (ESC [2 SP q, ESC [!p) ends
# where its text begins, and read as one, the final hid a token's first letter and the token with it.
_CSI_FINAL = r"(?!\[REDACTED:)[@-\[\]-~]"  # nor a final [ that opens a marker (ESC [ [REDACTED:...])
_CSI = r"\[(?!REDACTED:)[0-?]{0,32}(?:[ !#-/]{1,4}" + _CSI_FINAL + r"(?![A-Za-z0-9_])|" + _CSI_FINAL + ")"
_OSC = r"\](?:8;[^;\x00-\x1f\"\\]{0,256};|[0-9]{1,4};)"
_ESC_HEX = r"u001[Bb]"
# ESC \\ at level k: 2**(k-1) backslashes (the first is the match's own) and 2**k after it, no more; after any
# literal backslashes of its level (2**k each: the text's own \ before a string terminator), which stay. Read
# only where nothing else stood before the ESC, a pass that redacted the text's \ before it read the terminator
# the first pass had not (fresh seed 10,556,406).
_BS = "\\\\"  # one backslash, as a regex


def _st(k: int) -> str:
    """ESC \\ at level k, then no backslash, or an escape of its level (2**k - 1 more: an OSC title's end, then the
    quote that opens a line's first cell)."""
    tail = rf"(?=(?:\\{{{(1 << k) - 1}}})?(?!\\))"
    return f"(?:{_BS * (1 << k)})*+" + _BS * ((1 << (k - 1)) - 1) + _ESC_HEX + _BS * (1 << k) + tail


_ST = "|".join(_st(k) for k in range(1, MAX_LEVEL + 1))
# A control character's escape (not a line break or ESC, read above) and JSON's \b, \f and \t read as a space:
# a backspace, a form feed, a unit separator end a word as a space does, so a token right after one reads as it
# would after a space, and a tab between a name, its sign and its value (aligned .tfvars, INI files) or a
# command's words as a space between them. A BEL (an OSC title's end, as ESC \\ above) and a NUL (a record's
# end: find -print0, /proc/<pid>/environ) read as a line break of their level, so a line's first word after one
# reads as a line's first word. A CR before a line feed is dropped: a file with Windows line ends reads as one
# with Unix ones.
_CONTROL_HEX = r"00(?:0[0-8BbCcEeFf]|1[0-9AaC-Fc-f])"
# A line break the view reads where no line break is written (a NUL, a BEL, ESC \\; raw ESC \\ below) is a line's
# start as a written one is: a line's prefix after it (lineprefix.py) is dropped too, at the first level as after
# a written one (an OSC title, then grep's path:N:; find -print0's records with cat -n's numbers). The group
# (empty) says the escape after the match's backslash is one: what follows it may then be a prefix.
_LINE_ESCAPE = r"(?=(?:\\\\)*u000[07]|(?:\\\\)*u001[Bb]\\\\\\?(?!\\))"
# An escape right after a string terminator of its own level is one, though a backslash stands before it (the
# terminator's): an OSC title's end, then the quote that opens the line's first cell two JSON levels down. Read
# after the escape's first backslash, as the (?<!\\\\) it stands beside.


def _after_st(k: int) -> str:
    terminator = _ESC_HEX + _BS * ((1 << k) + 1)
    return f"(?<={_BS * (1 << (k - 1))}{terminator})(?<!{_BS * ((1 << (k - 1)) + 1)}{terminator})" + (
        rf"(?=\\{{{(1 << k) - 2}}}[u\"bfrt/])"
    )


_AFTER_ST = "|".join(_after_st(k) for k in range(1, MAX_LEVEL + 1))
# A shell's line continuation, an escaped backslash right before an escaped line break of the same level (3, 6, 12
# or 24 backslashes, then n), reads as nothing, as the shell reads it: export API_TOKEN=\<break><v>, mysql -p\<break>,
# PASS\<break>WORD= read joined. Only a whole run (after no backslash): 5 is two backslashes and a break, no
# continuation; the next line's indentation stays (--password \<break>  <v> reads as two words), its prefix (a
# listing's number) is dropped as after a break. Not after a \u escape (\u2028\<break>mysql ...: the command
# stays at a line's start, where the rules read it).
EDIT = re.compile(
    r"(\\(?=[\\u\"bfrt/])(?:(?<!\\\\)|"
    + _AFTER_ST
    + r")((?<=\\n\\))?(?:("
    + _LINE_ESCAPE
    + r")?(\\*u(?:00[2-7][0-9A-Fa-f]|"
    + _CONTROL_HEX
    + "|"
    + INVISIBLE_HEX
    + "|"
    + _SPACE_HEX
    + "|"
    + _FULLWIDTH_HEX
    + r")|\\*"
    + _ESC_HEX
    + r"(?:"
    + _CSI
    + r"|"
    + _OSC
    + r")|"
    + _ST
    + r"|\\*"
    + _ESC_HEX
    + r"|(?:\\{6}|\\{2})\"(?:(?![A-Za-z0-9]|"
    + _ALNUM_MARKER
    + r")|(?<![A-Za-z0-9]\\{7}\")(?<![A-Za-z0-9]\\{3}\")|"
    + _ESCAPE_END
    + "|"
    + _OPTION_END
    + "|"
    + _CSI_END
    + r")"
    + r"|[bft]|r(?=\\n)|\\*/|(?<!u[0-9A-Fa-f]{4}\\)(?:\\{2}|\\{5}|\\{11}|\\{23})n(?:"
    + LINE_PREFIX
    + r")?)(?(3)(?:"
    + LINE_PREFIX
    + r")?)|\""
    + _JOINED
    + r"\\\")"
    r"|'(?=[ \t\\+\"])(?<!\\')" + _JOINED + "'"
    r"|%((?<=[A-Za-z0-9_\]]%)3(?=[Dd])|(?<=[A-Za-z0-9_.~\]-]%)2(?=6(?:[A-Za-z_]|" + _LETTER_MARKER + r")))[Dd6]"
    r"|[" + INVISIBLE + "]"
    r"|\x1b(" + _CSI + "|" + _OSC + r"|\\)(?:(?<=\x1b\\)(?:" + LINE_PREFIX + "))?"
    r"|([" + SPACES + FULLWIDTH + "])"
    r"|(" + LINE_BREAK + ")(?:" + LINE_PREFIX + ")"
    r"|(" + STRING_OPEN + ")(?:" + STRING_PREFIX + "))"
)
