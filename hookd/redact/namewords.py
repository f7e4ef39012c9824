"""Secret words that end other names too: ``auth`` (oauth), ``salt`` (basalt), ``bearer``, ``creds``, and the
names of a whole connection string or a framework's signing secret (h229, issue 16's misses left by h221).

A name ending in one counts when the word is a word of it: the whole name, after a separator (``db_auth``,
``db-salt``, ``db.creds``) or as camelCase (``dbAuth``, ``appSalt``). ``authority``, ``author``, ``oauth_url``,
``salt_length``, ``bearer_format`` and ``connectionTimeout`` end in other words, and never reach the check;
``oauth`` and ``OAUTH`` end in ``auth`` but not as a word of their own, and are kept. XML's ``pwd`` attribute
(``<add pwd="..."/>``) counts inside a tag only: ``PWD=`` in a shell is the working directory.
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
OPTION_PATTERN = r"auth|creds|bearer|salt|connection-string|secret-key-base"
_WORDS_LONGEST_FIRST = sorted(WHOLE_WORDS, key=len, reverse=True)
# The name before an assignment's = or : (a JSON escape's letter before it is no part of it: \nauth: ...), its
# quote and spaces, and an append's sign.
_NAME_BEFORE = re.compile(r"""(?:\\[nrt])?([A-Za-z0-9_.-]{1,80})(?:\\?["'])?[ \t]{0,2}(?:[.?+&]{1,2})?[=:]\Z""")
_TAG_REACH = 200
_FRAMEWORK_NAMES = frozenset(("secret_key_base", "signing_salt", "encryption_salt"))


# What an auth setting names rather than holds: a scheme or a mode (auth: basic, --auth jwt, auth: none).
AUTH_MODES = frozenset(
    "basic bearer digest jwt oauth oauth2 oidc saml ntlm negotiate kerberos gssapi token none true false required "
    "optional anonymous session cookie header apikey api_key key cert tls mtls plain scram md5 sha256 trust ldap iam "
    "aws sigv4 password hmac login form off on yes no enabled disabled".split()
)
_OPTION_BEFORE = re.compile(r"""--([A-Za-z0-9-]{1,80})(?:=|\s{1,4})(?:\\?["'])?\Z""")


def whole_word_ok(text: str, at: int, value: str, in_parentheses: bool = False, words_after: bool = False) -> bool:
    """Whether the name before ``at`` (just past its = or :) ends in one of WHOLE_WORDS as a word of its own, or in
    none of them (the other names are not this module's); not before an unquoted word that more words follow (a
    commit's subject: auth: fix token refresh); an auth setting's ``value`` no scheme's name, nor the first of a
    tuple in parentheses (requests' auth=("user", ...): the user)."""
    found = _NAME_BEFORE.search(text, max(0, at - 100), at)
    if found is None:
        return True
    name = found.group(1)
    lower = name.lower()
    if lower == "pwd":
        return _in_a_tag(text, found.start(1))
    if lower in _FRAMEWORK_NAMES:
        return False  # fields.framework_secret's, whole: its report
    for word in _WORDS_LONGEST_FIRST:
        if lower.endswith(word):
            head = name[: -len(word)]
            first = name[-len(word)]
            whole = not head or head[-1] in "_.-" or (first.isupper() and (head[-1].islower() or head[-1].isdigit()))
            if not whole or words_after:
                return False
            return word != "auth" or not (in_parentheses or names_a_mode(value))
    return True


def names_a_mode(value: str) -> bool:
    return value.strip("'\"\\ ").lower() in AUTH_MODES


def option_ok(text: str, start: int, value: str) -> bool:
    """An option named ...auth (--auth, --db-auth) whose value names a scheme (--auth basic) holds none."""
    found = _OPTION_BEFORE.search(text, max(0, start - 100), start)
    return found is None or not found.group(1).lower().endswith("auth") or not names_a_mode(value)


def _in_a_tag(text: str, start: int) -> bool:
    """The ODBC name (;Pwd=), or an attribute: a space before it, inside an opening tag."""
    if text[start - 1 : start] == ";":
        return True
    if text[start - 1 : start] not in (" ", "\t"):
        return False
    low = max(0, start - _TAG_REACH)
    lt = text.rfind("<", low, start)
    return lt >= 0 and text.find(">", lt, start) < 0 and re.match(r"<[A-Za-z_]", text[lt : lt + 2]) is not None
