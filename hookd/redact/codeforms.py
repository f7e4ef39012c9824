"""Code of other languages that begins where a secret's value would: read as code, not as a value.

Found by reading real trees of Rust, PHP, Ruby, C#, TypeScript and Helm (docs/redaction.md, "Code read
whole, other languages"): ``decode::<Claims>(...)``, ``HashCaster::class``, ``Devise.friendly_token``,
``Response?.AccessToken``, ``process.env.X!``, ``!!paramToken``, ``this.#auth.password``,
``token: impl AsRef<[u8]>``, ``confirmation_token: @token``. Each check reads the value alone, or a few
characters before it.
"""

from __future__ import annotations

import re

# A path through modules or a type's members: Rust's decode::<T>, serde_json::from_str::, PHP's
# HashCaster::class (and .':md5' after it), \Illuminate\Auth\Authenticate::class, Ruby's Foo::Bar. A
# password holding "::" between names is not a shape people choose. Java's method references too
# (this.serializer::serializeToByteArray).
_SEGMENT = r"[A-Za-z_][A-Za-z_]*[0-9]{0,3}"  # Sha256, from_str: digits only at a name's end
_SCOPED_PATH = re.compile(
    r"(?:\\{1,2})?"
    + _SEGMENT
    + r"(?:(?:\\{1,2}|\.)"
    + _SEGMENT
    + r")*(?:::"
    + _SEGMENT
    + r")*::(?:"
    + _SEGMENT
    + r")?\.?"
)
# A member path from a capitalised name (Devise.friendly_token, User.new, Response?.AccessToken,
# TestKeys.DEFAULT_EC_KEY_PAIR.private) or through a private field (this.#auth.loginPassword). Names of
# letters only: a password such as Summer2024.x or Bdd.l3BF is not one.
_MEMBER_PATH = re.compile(
    r"(?:[A-Z][a-z]+(?:[A-Z][a-z]*){0,6}|[a-z_][A-Za-z_]{0,30}|[A-Z][A-Z_]{1,30})(?:\??\.#?[A-Za-z_]+)+"
)
# After a negation (!x, !!x) or a non-null assertion (x!, TypeScript's and C#'s): a member path
# (!options.allowCredentials, config.secret!), null (null!), or after !! a camelCase name of letters
# (!!paramToken). A word with a sign and a digit (hunterTwo2!, !Summer) stays a password.
_CAMEL_NAME = re.compile(r"!![a-z]+(?:[A-Z][a-z]+)+")
# Keywords that begin a type or a constraint where a value would: Rust's impl Trait / dyn Trait, C#'s
# "where T : class".
KEYWORDS = frozenset({"impl", "dyn", "class"})
# A Ruby instance or class variable passed on: confirmation_url(@resource, confirmation_token: @token),
# "reset_password_token" => @raw, password = @password. Letters only; after ": ", "=>" or a spaced "=",
# never glued to a bare = (PASSWORD=@abc in an .env file is a value).
_INSTANCE_VARIABLE = re.compile(r"@@?[A-Za-z_]+")
_RUBY_SEPARATOR = re.compile(r"(?::|=>|[ \t]=)[ \t]*\Z")


def code_of_other_languages(value: str) -> bool:
    """``value`` (stripped of ; and ,) is a scoped path, a member path, a negated or asserted name."""
    # A path holds "::" or "."; a negated name starts with "!!" (tested first: cheaper than the regexes).
    if value in KEYWORDS or "::" in value and _SCOPED_PATH.fullmatch(value):
        return True
    if "." in value and _MEMBER_PATH.fullmatch(value) or value[:2] == "!!" and _CAMEL_NAME.fullmatch(value):
        return True
    core = value.lstrip("!")
    if core.endswith("!"):
        core = core[:-1]
    if core == value or not core:
        return False
    return core == "null" or _MEMBER_PATH.fullmatch(core) is not None


def instance_variable(match: re.Match[str]) -> bool:
    """The bare value is a Ruby instance variable handed on as an argument, a hash value or an assignment."""
    value = match.group("value")
    if value[:1] != "@" or not _INSTANCE_VARIABLE.fullmatch(value):
        return False
    start = match.start("value")
    return _RUBY_SEPARATOR.search(match.string, max(0, start - 8), start) is not None
