"""Secret words that end other names too: ``auth`` (oauth), ``salt`` (basalt), ``bearer``, ``creds``, and the
names of a whole connection string or a framework's signing secret (h229, issue 16's misses left by h221).

A name ending in one counts when the word is a word of it: the whole name, after a separator (``db_auth``,
``db-salt``, ``db.creds``) or as camelCase (``dbAuth``, ``appSalt``). ``authority``, ``author``, ``oauth_url``,
``salt_length``, ``bearer_format`` and ``connectionTimeout`` end in other words, and never reach the check;
``oauth`` and ``OAUTH`` end in ``auth`` but not as a word of their own, and are kept, as an XML element
(``<oauth>``) and an option (``--oauth``) too. ``pwd`` counts after ODBC's ``;`` only: ``PWD=`` in a shell is the
working directory (XML's ``<add pwd="..."/>`` is xmlpairs.py's, read only quoted).
"""

from __future__ import annotations

import re

_SEPARATED = ("connection{}string", "secret{}key{}base")
WHOLE_WORDS: tuple[str, ...] = (
    "auth",
    "creds",
    "bearer",
    "salt",
    *(form.replace("{}", sep) for form in _SEPARATED for sep in ("", "_", "-", ".")),
)
# The same words as a pattern's alternatives (caseless in each pattern that uses it): a JSON key's or an XML
# element's last word, a command-line option's (kebab-case: --db-auth, --connection-string).
PATTERN = r"auth|creds|bearer|salt|connection[_.-]?string|secret[_.-]?key[_.-]?base"
# A command-line option's secret words, with those of namewords' own (--db-password, --db_auth, --dbAuth): an option
# is read when its last word is one of these, as the whole name, after - or _, or as camelCase (not --bypass,
# --anyauth, --author, --auth-type). OPTION_WORDS as Hyperscan and re both read them, caseless.
_OPTION_WORDS: tuple[str, ...] = ("password", "passwd", "passphrase", "pass", "token", "secret", "api{}key", "cookie")
_OPTION_WORDS += ("auth", "creds", "bearer", "salt", "connection{}string", "secret{}key{}base")


def _option_word(word: str, camel: bool) -> str:
    rest = word.replace("{}", "[-_]?") if not camel else word[1:].replace("{}", "[-_]?")
    return rest if not camel else "(?-i:" + word[0].upper() + ")" + rest


OPTION_NAME = r"--(?:[A-Za-z0-9]{1,20}[-_]){0,3}(?:" + "|".join(_option_word(w, False) for w in _OPTION_WORDS) + ")"
# camelCase apart, in a database of its own scanned only where a capitalised word stands (its need): a run of
# letters before the word starts Hyperscan at every "--" (a flood of `--bypass ` 250 -> 48 MB/s in one expression).
OPTION_NAME_CAMEL = (
    r"--(?:[A-Za-z0-9]{1,20}[-_]){0,3}(?-i:[A-Za-z0-9]{0,19}[a-z0-9])(?:"
    + "|".join(_option_word(w, True) for w in _OPTION_WORDS)
    + ")"
)
OPTION_CAMEL_NEED = r"(?:P(?i:ass)|T(?i:oken)|S(?i:ecret|alt)|A(?i:pi|uth)|C(?i:ookie|reds|onnection)|B(?i:earer))"
_WORDS_LONGEST_FIRST = sorted(WHOLE_WORDS, key=len, reverse=True)
# The name before an assignment's = or : (a JSON escape's letter before it is no part of it: \nauth: ...), its
# quote and spaces, and an append's sign.
_NAME_BEFORE = re.compile(r"""(?:\\[nrt])?([A-Za-z0-9_.-]{1,80})(?:\\?["'])?[ \t]{0,2}(?:[.?+&]{1,2})?[=:]\Z""")
# The same, read backwards from the = or : (unbounded name, so at least as far as any of _NAME_BEFORE's matches
# reaches, but for an escape's backslash): where a search for _NAME_BEFORE may begin. From the window's start, the
# search tried a name at every character of the value before it, each run to its end and back: a flood of lines of
# secrets paid that per candidate.
_NAME_BEFORE_REVERSED = re.compile(r"""[=:][.?+&]{0,2}[ \t]{0,2}(?:["']\\?)?[A-Za-z0-9_.-]*""")
_FRAMEWORK_NAMES = frozenset(("secret_key_base", "signing_salt", "encryption_salt"))


# What an auth setting names rather than holds: a scheme or a mode (auth: basic, --auth jwt, auth: none).
AUTH_MODES = frozenset(
    "basic bearer digest jwt oauth oauth2 oidc saml ntlm negotiate kerberos gssapi token none true false required "
    "optional anonymous session cookie header apikey api_key key cert tls mtls plain scram md5 sha256 trust ldap iam "
    "aws sigv4 password hmac login form off on yes no enabled disabled".split()
)
_OPTION_BEFORE = re.compile(r"""--([A-Za-z0-9_-]{1,80})(?:=|\s{1,4})(?:\\?["'])?\Z""")


def whole_word_ok(text: str, at: int, value: str, in_parentheses: bool = False, words_after: bool = False) -> bool:
    """Whether the name before ``at`` (just past its = or :) ends in one of WHOLE_WORDS as a word of its own, or in
    none of them (the other names are not this module's); not before an unquoted word that more words follow (a
    commit's subject: auth: fix token refresh); an auth setting's ``value`` no scheme's name, nor the first of a
    tuple in parentheses (requests' auth=("user", ...): the user)."""
    found = _name_before(text, at)
    if found is None:
        return True
    name = found.group(1)
    lower = name.lower()
    if lower == "pwd":
        return _after_a_semicolon(text, found.start(1)) and not value.lstrip("'\"\\").startswith(("/", "~"))
    if lower in _FRAMEWORK_NAMES:
        return False  # fields.framework_secret's, whole: its report
    word = last_word(name)
    if word is None:
        return True
    if not word or words_after:
        return False
    return word != "auth" or not (in_parentheses or names_a_mode(value))


def _name_before(text: str, at: int) -> re.Match[str] | None:
    """_NAME_BEFORE's search over the 100 characters before ``at``, begun where a match of it may begin."""
    low = max(0, at - 100)
    reach = _NAME_BEFORE_REVERSED.match(text[low:at][::-1])
    if reach is None:
        return None
    return _NAME_BEFORE.search(text, max(low, at - reach.end() - 2), at)


def last_word(name: str) -> str | None:
    """Which of WHOLE_WORDS ``name`` ends in as a word of its own (the whole name, after a separator, or camelCase:
    db_auth, dbAuth); "" when it ends in one only as letters (oauth, OAuth, DBAUTH); None when in none."""
    lower = name.lower()
    for word in _WORDS_LONGEST_FIRST:
        if lower.endswith(word):
            head = name[: -len(word)]
            first = name[-len(word)]
            whole = not head or head[-1] in "_.-" or (first.isupper() and (head[-1].islower() or head[-1].isdigit()))
            return word if whole else ""
    return None


def element_ok(name: str, value: str) -> bool:
    """An XML element's name (<dbAuth>, <oauth>) as an assignment's: one ending in a word of WHOLE_WORDS counts
    when that is a word of its own, and an auth element's text is no scheme's name (<auth>basic</auth>)."""
    word = last_word(name)
    return word is None or (word != "" and (word != "auth" or not names_a_mode(value)))


def names_a_mode(value: str) -> bool:
    return value.strip("'\"\\ ").lower() in AUTH_MODES


def option_ok(text: str, start: int, value: str) -> bool:
    """An option named ...auth (--auth, --db-auth, --dbAuth) whose value names a scheme (--auth basic) holds none."""
    found = _OPTION_BEFORE.search(text, max(0, start - 100), start)
    return found is None or not found.group(1).lower().endswith("auth") or not names_a_mode(value)


def _after_a_semicolon(text: str, start: int) -> bool:
    """The ODBC name (;Pwd=, or after a space: Uid=u; Pwd=), whose value is no path (a shell's cd x; PWD=/srv make).
    XML's pwd attribute is xmlpairs.py's."""
    return text[start - 1 : start] == ";" or text[max(0, start - 2) : start] == "; "
