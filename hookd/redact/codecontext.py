"""What the text around a bare value says: a program's expression, not a secret's value.

A bare value (no quotes) after a secret name is the secret in an .env file, a shell line or YAML, and
a name in a program: ``const { token: otp } = ...``, ``self.token = nextchar``, ``passwd = acct = ''``,
``self.user, self.password = user, password``, ``credentials: mode === 'cors'``, ``login(token=tok)``.
Each check reads a few characters either side of the value, never more.
"""

from __future__ import annotations

import re

# Right after the value: a comparison or a nullish default (JavaScript's ===, !==, ??; ==, != elsewhere), or
# a further assignment in a chain (a = b = ''): an expression. A bare value runs over a glued = (base64's
# padding), so an assignment after it has a space before its =.
_EXPRESSION_AFTER = re.compile(r"[ \t]*(?:[=!]==?|\?\?)|[ \t]+=(?![=>~])")
# Right after the value: the next item of a tuple or an argument list, the end of a call, an object or a
# destructuring pattern (user, password; f(token=tok); { token: otp }).
_ITEM_ENDS_AFTER = re.compile(r"[ \t]*[,)}]")
# A name of letters (and underscores) only: a password that holds a digit or a sign is read as one.
_LETTERS_NAME = re.compile(r"[A-Za-z_]+")
_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")
# The value is assigned to an attribute of the object at hand (self.token = x, this.password = x, @token = x).
_OWN_ATTRIBUTE = re.compile(r"(?:(?<![\w.$])(?:self|this|cls)\.|(?<![\w@])@)[A-Za-z_]\w*[ \t]*=[ \t]*\Z")
# An assignment in a program's style, a space before its = (an .env line or a shell's has none), of a
# name in lower case: first_token = prev, token = nextchar, last_token = maybe_comma.
_SPACED_ASSIGNMENT = re.compile(r"[ \t]=[ \t]*\Z")
_LOWER_NAME = re.compile(r"[a-z_]+")
_LOOK_BACK = 80


def bare_value_in_code(match: re.Match[str]) -> bool:
    """The bare value ``match.group("value")`` is a name or an expression in code, by what surrounds it."""
    value = match.group("value")
    text, start, end = match.string, match.start("value"), match.end("value")
    after = _EXPRESSION_AFTER.match(text, end)
    # Not after a value that ends in a name's colon (password=token: =<v>, token: :token: ==<v>): the =, ==
    # or != begins that label's value, which a pass redacts with it; read as a chain or a comparison, the
    # first value was kept until the second was a marker, and a second pass took it.
    if after and value[-1] != ":":
        return True
    # The few characters around the value first, then the regex that reads all of it.
    if _ITEM_ENDS_AFTER.match(text, end) and _LETTERS_NAME.fullmatch(value):
        return True
    if _SPACED_ASSIGNMENT.search(text, max(0, start - 8), start) and _LOWER_NAME.fullmatch(value):
        return True
    if _passed_through(text, start, value) and _IDENTIFIER.fullmatch(value):
        return True
    low = max(0, start - _LOOK_BACK)
    head = text[low:start]
    if not ("self." in head or "this." in head or "cls." in head or "@" in head):
        return False
    return bool(_IDENTIFIER.fullmatch(value) and _OWN_ATTRIBUTE.search(text, low, start))


def _passed_through(text: str, start: int, value: str) -> bool:
    """The value is the name it is assigned to: f(passphrase=passphrase), {token: token}."""
    name = text[max(0, start - len(value) - 8) : start].rstrip(" \t=:")
    at = len(name) - len(value)
    return at >= 0 and name.endswith(value) and (at == 0 or not (name[at - 1].isalnum() or name[at - 1] == "_"))


# A lambda's parameter named like a secret, and its body reading a member of it (C#'s authorization =>
# authorization.Tokens, JavaScript's token => token.value, Java's password -> password.trim()), or a name
# assigned a member of itself (authorization = authorization.strip()): the value is code.
_SEPARATORS = ("=>", "->", "=", ":")


def member_of_its_name(match: re.Match[str]) -> bool:
    """The value is ``name.member`` (or ``name?.member``) where ``name`` is the name it is given to. Read
    back by hand from the value (a flood of Authorization headers pays a few string operations for each)."""
    value, start = match.group("value"), match.start("value")
    dot = value.find(".")
    word = value[:dot].removesuffix("?")
    if dot <= 0 or not _IDENTIFIER.fullmatch(word):
        return False
    head = match.string[max(0, start - len(word) - 12) : start].rstrip(" \t")
    sign = next((s for s in _SEPARATORS if head.endswith(s)), "")
    head = head[: len(head) - len(sign)].rstrip(" \t").removesuffix(")")
    if not sign or not head.endswith(word):
        return False
    before = head[: len(head) - len(word)][-1:]
    return not (before.isalnum() or before in ("_", "$"))


# A member read through an object (this.authorizationService, request.headers.authorization): identifiers
# joined by dots, none with a digit; a credential's dotted pieces (a JWT's, a Basic value's) always have one.
_MEMBER_CHAIN = re.compile(r"(?:this|self|super|[a-z_$][A-Za-z_$]*)(?:\??\.[A-Za-z_$][A-Za-z_$]*)+")


def member_reference(value: str) -> bool:
    """The value is a member read through an object in code, not a credential."""
    return _MEMBER_CHAIN.fullmatch(value) is not None


# A JavaScript regular expression literal where a value would be (token = /\$\{([^}]+)\}/g, password:
# /[a-z]+\d/): a / ... / with the syntax of one (an escape, a class, a group, a quantifier) and flags, then
# the end of an expression, a line or a JSON string; in JSON text an escape inside it is written twice
# (\\/). (/^... is checks': any text starting so is code.)
_REGEX_LITERAL = re.compile(
    r"/(?![*/])(?:[^/\\\n\[]|\\\\.|\\.|\[(?:[^\]\\\n]|\\\\.|\\.){0,200}+\]){1,300}+/[dgimsuyv]{0,8}"
    r"(?=[ \t]*(?:[,;)\]}.\"]|\\[nrt]|\n|\Z))"
)
_REGEX_SYNTAX = re.compile(r"\\[A-Za-z$^.*+?(){}\[\]/|]|\[[^\]]*\]|[(+*?{|]")


def regex_literal(match: re.Match[str]) -> bool:
    """The bare value begins a regular expression literal."""
    start = match.start("value")
    head = match.string[start : start + 800]
    if head.find("/", 1) < 0:  # no closing slash: a long path or value is not read unit by unit
        return False
    literal = _REGEX_LITERAL.match(head)
    return literal is not None and _REGEX_SYNTAX.search(literal.group(), 1, len(literal.group()) - 1) is not None
