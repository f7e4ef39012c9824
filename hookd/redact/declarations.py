"""A secret-named variable declared with what secret_assignment does not read: a type between the name and
its ``=`` after a declaration's keyword, or another language's assignment.

secret_assignment reads ``NAME=`` and ``NAME: <type> = `` where the name starts the statement. After a
declaration's keyword and a space, ``name:`` reads as prose to it (``let password: ...`` as "let password:
..."), and a type written without a colon is no separator at all. The forms here:

* ``let password: string = "<v>"``, ``const API_KEY: &str = "<v>"``, ``private val apiKey: String = "<v>"``,
  ``static let apiKey: String = "<v>"`` (TypeScript, Rust, Kotlin, Swift, Scala);
* ``var apiToken string = "<v>"``, ``const apiKey string = "<v>"`` (Go), ``Dim apiKey As String = "<v>"`` (VB);
* ``api_key <- "<v>"`` (R), ``API_KEY ::= <v>`` (Make, POSIX), ``setenv API_KEY <v>`` (csh),
  ``#define API_KEY "<v>"`` (C), ``(def api-key "<v>")``, ``(setq api-key "<v>")`` (Lisps).

The name must end with a secret's word, as secret_assignment's do; the value is judged by the same checks
(a type, a reference, a call, a placeholder stay).
"""

from __future__ import annotations

import re

from hookd.redact.checks import assigned_value_ok
from hookd.redact.jsonkeys import KEY_PREFIX_WORDS
from hookd.redact.patterns import VALUE, VALUE_REACH
from hookd.redact.rule import Rule

# A name whose last word says secret (apiToken, DB_PASSWORD, client_secret, *api-key*); pass, pwd and pat
# only after a separator (bypass, PWD and compat are no secrets).
_SECRET_WORD = (
    r"(?:password|passwd|passphrase|secret|token|credentials?|(?:" + KEY_PREFIX_WORDS + r")[_.-]?key"
    r"|[_-](?:pass|pwd|pat))s?"
)
_NAME = r"[A-Za-z0-9_$-]*" + _SECRET_WORD
_SP = r"(?:[ \t]|\\t)"
# A type as declarations write it: string, String, &str, &'static str, Option<String>, []byte, *C.char.
_TYPE = (
    r"(?:&(?:'static" + _SP + r"+)?|\*|\[\])?[A-Za-z_][A-Za-z0-9_.]*"
    r"(?:<[A-Za-z0-9_<>, .&']*>|\[[A-Za-z0-9_\[\], .|]{0,60}\])?\??"
)
# Where a declaration begins: the text's start, a character no name holds, or an escaped line break or tab
# (JSON text: the line before ends in \n, whose n is a letter).
_START = r"(?:^|[^A-Za-z0-9_$]|\\[nrt])"
_KEYWORDS = r"(?:let|const|var|val|mut|static|final|readonly|private|public|protected|internal|dim)"
_TRIGGER = (
    "(?i)(?:"
    # a declaration's keyword, the name, a type (after a colon, "As", or a space), and =
    + _START
    + _KEYWORDS
    + _SP
    + r"+(?:mut"
    + _SP
    + r"+)?"
    + _NAME
    + r"(?:"
    + _SP
    + r"*:"
    + _SP
    + r"*|"
    + _SP
    + r"+(?:as"
    + _SP
    + r"+)?)"
    + _TYPE
    + _SP
    + r"*="
    # csh's setenv, C's #define, a Lisp's def/setq/defvar/defparameter: the name, then a space
    + "|"
    + _START
    + r"(?:setenv|#define|%define)"
    + _SP
    + r"+"
    + _NAME
    + _SP
    + r"|\((?:def|setq|setf|defvar|defparameter|defconst|defconstant|define)"
    + _SP
    + r"+\*?"
    + _NAME
    + r"\*?"
    + _SP
    + ")"
)
# R's <- and <<-, Make's ::= and :::=: from the name's secret word (a run of name characters before it began a
# match at every word of prose), in the main database.
_OPERATOR = "(?i)" + _SECRET_WORD + _SP + r"*(?:<<?-|:::?=)"
# Every match holds a secret's word and, right after the name, a space, a colon, a < or a Lisp's *. The keywords
# began a match at each of their occurrences in code (a flood of "let " went 1.5 GB/s -> 42 MB/s), so the trigger
# is scanned only in the chunks that hold that; the word alone ("key", "tokens") stands in most events' JSON,
# where its Hyperscan reports doubled the cost of a small event.
_NEEDS = (
    (r"(?i)(?:password|passwd|passphrase|secret|token|credential|key|[_-]pass|[_-]pwd|[_-]pat)s?(?:[ \t:<*]|\\t)",),
)


def _declared_ok(match: re.Match[str]) -> bool:
    value = match.group("value")
    if not value or not (match.group("dq") or match.group("sq")) and value[0] in "*&":
        return False  # a pointer's target or a reference (*flagPassword, &args[1]): code
    return assigned_value_ok(match)


DECLARED_SECRET = Rule(
    name="declared_secret",
    replaces="the value of a secret-named variable declared with a type (let password: string = , Go's var "
    "apiToken string = , VB's Dim ... As String = ) or assigned by R's <-, Make's ::=, setenv, #define, a Lisp's "
    "def/setq",
    # From the trigger's end (the = or the space after the name): spaces, then the value. Not ==, =~ or =>.
    pattern=r"(?![=~>-])" + _SP + r"{0,4}" + VALUE,
    group="value",
    trigger=_TRIGGER + "|" + _OPERATOR,
    trigger_parts=((_TRIGGER, _NEEDS[0]), (_OPERATOR, ())),
    anchored=True,
    reach=VALUE_REACH + 8,
    check=_declared_ok,
    example="`let password: string = '<value>'`, `var apiToken string = \"<value>\"`, `api_key <- '<value>'`",
)
