"""Formats people paste that hold a credential under no secret name (fourteenth session, h65's probe).

* ``redis_auth``: Redis' ``AUTH <password>`` and ``AUTH <user> <password>``, typed at a ``redis-cli``
  prompt, in a ``redis-cli`` command line, or alone on a line when the value looks random (``requirepass``
  is lines.py's);
* ``password_hash``: a crypt(3) hash (htpasswd's ``$apr1$``, bcrypt's ``$2y$``, ``/etc/shadow``'s ``$6$``,
  ``$5$``, ``$1$``, yescrypt's ``$y$``) or an Argon2 hash (``$argon2id$v=19$...``): a password's offline
  equivalent, replaced whole (its salt too);
* ``openvpn_static_key``: an OpenVPN ``Static key V1`` block (``<tls-auth>``, ``<tls-crypt>``, ``ta.key``);
* ``wireguard_preshared_key``: WireGuard's ``PresharedKey = <base64 of 32 bytes>`` (``PrivateKey`` is
  secret_assignment's).
"""

from __future__ import annotations

import re

from hookd.redact.checks import is_type_or_reference, option_value_ok
from hookd.redact.patterns import AFTER_ESCAPE, AFTER_PERCENT, VALUE, VALUE_REACH
from hookd.redact.prose import random_looking
from hookd.redact.rule import Rule
from hookd.redact.values import plausible_secret

# AUTH in capitals (as Redis' documentation and prompts write it), after a line's start, a prompt or a
# space; then a user name, maybe, and the value's first character. Where the line begins is read back.
_AUTH_TRIGGER = r"""(?:^|[\s>"]|\\[nrt])AUTH[ \t]{1,4}(?:[A-Za-z0-9_.@-]{1,64}[ \t]{1,4})?[^\s"'\\\-<$]"""
_LINE_REACH = 300  # characters of the line before AUTH that are read back
_PROMPT_NAME = re.compile(r"[ \t]*[\w.:\[\]-]{1,80}> ?")  # redis-cli's prompt: 127.0.0.1:6379>
_PROMPT = re.compile(r"[ \t]*")
_NEXT_WORD = re.compile(r"[ \t]{1,4}[^\s\\]")
# SMTP's AUTH takes a mechanism's name (AUTH CRAM-MD5, AUTH PLAIN <base64>, AUTH LOGIN): capitals, not a password.
_MECHANISM = re.compile(r"[A-Z][A-Z0-9_-]*")


def _auth_ok(match: re.Match[str]) -> bool:
    """The password of a Redis AUTH: the line is a prompt's or a redis-cli command's, and the value is the
    last word (AUTH <user> <password> reports at the user too: that one is refused)."""
    text, start, end = match.string, match.start("value"), match.end("value")
    value = match.group("value")
    if _NEXT_WORD.match(text, end) or _MECHANISM.fullmatch(value):
        return False
    if not option_value_ok(match) or is_type_or_reference(value):
        return False
    auth = text.rfind("AUTH", max(0, start - 80), start)
    low = max(0, auth - _LINE_REACH)
    begins = [text.rfind("\n", low, auth) + 1, text.rfind('"', low, auth) + 1]
    escaped = max(text.rfind("\\n", low, auth), text.rfind("\\r", low, auth))
    begins.append(escaped + 2 if escaped >= 0 else 0)
    begin = max(begins)
    if auth < 0 or (begin == 0 and low > 0):
        return False  # no line start within reach
    before = text[begin:auth]
    if "redis-cli" in before or _PROMPT_NAME.fullmatch(before):
        return True
    # alone on a line: also an FTP proxy's script (Net::Config's AUTH fwuser), so only a random-looking value
    return _PROMPT.fullmatch(before) is not None and random_looking(value)


REDIS_AUTH = Rule(
    name="redis_auth",
    replaces="the password of a Redis AUTH command (at a redis-cli prompt, in a redis-cli line, on its own line)",
    pattern=VALUE,
    group="value",
    trigger=_AUTH_TRIGGER,
    anchored=True,
    back=1,
    reach=VALUE_REACH,
    check=_auth_ok,
    example="`127.0.0.1:6379> AUTH default <password>`, `redis-cli -h db AUTH <password>`",
)

# redis-cli's CONFIG GET requirepass: the name, then the value on the next line; numbered and quoted at a
# terminal (1) "requirepass" / 2) "<v>"), raw where its output is piped (the Bash tool's). Raw, a line of a list
# of directives may follow the name, so the value must look random there.
_CONFIG_GET_TRIGGER = r"""(?:^|"|\\n)(?:1\)(?:[ \t]|\\t)\\")?(?i:requirepass|masterauth)(?:\\")?(?:\\r)?\\n(?:2\)(?:[ \t]|\\t)\\")?[^\s"\\$<]"""
_NUMBERED = re.compile(r'2\)(?:[ \t]|\\t)\\"\Z')


def _config_get_ok(match: re.Match[str]) -> bool:
    text, start, value = match.string, match.start("value"), match.group("value")
    if _NUMBERED.search(text, max(0, start - 6), start):
        return plausible_secret(value)
    return random_looking(value)


REDIS_CONFIG_GET = Rule(
    name="redis_config_get",
    replaces="the value redis-cli prints after CONFIG GET requirepass (or masterauth), on the name's next line",
    pattern=r"""(?P<value>[^\s"\\]{1,512})(?=(?:\\")?(?:\\[rn]|"|$))""",
    group="value",
    trigger=_CONFIG_GET_TRIGGER,
    # Only in chunks where the name ends its line: scanned everywhere, the trigger slowed a flood of
    # `\nrequirepass ` (secret_line's keyword) about four times.
    trigger_needs=((r"(?i)(?:requirepass|masterauth)(?:\\\")?(?:\\r)?\\n",),),
    anchored=True,
    back=1,
    reach=520,
    check=_config_get_ok,
    example='`1) "requirepass"` / `2) "<password>"` (not `requirepass` / `masterauth` as a list)',
)

_B = r"[./A-Za-z0-9]"
_SALT = r"(?:rounds=[0-9]{1,9}\$)?" + _B + r"{1,16}\$"
_HASH = (
    r"\$(?:(?:1|5|6|apr1)\$" + _SALT + _B + r"{22,86}"
    r"|2[abxy]\$[0-9]{2}\$" + _B + r"{53}"
    r"|y\$" + _B + r"{1,32}\$" + _B + r"{1,64}\$" + _B + r"{43}"
    r"|argon2(?:id|i|d)\$v=[0-9]{1,3}\$m=[0-9]{1,8},t=[0-9]{1,4},p=[0-9]{1,3}\$[A-Za-z0-9+/]{11,64}\$[A-Za-z0-9+/]{16,128})"
)
_HASH_END = r"(?![./A-Za-z0-9+$])"
# A crypt(3) hash's checksum has one length per scheme (MD5's 22, SHA-256's 43, SHA-512's 86, bcrypt's 53,
# yescrypt's 43): that length is its end, whatever letters are glued after it. Read on to 86, it took another
# token's prefix glued after it (NRAK, shpat) and left the token's rest in clear (fresh seed 7,765,711); a SHA-512
# hash glued to a word was not found at all.
_HASH_EXACT = (
    r"\$(?:(?:1|apr1)\$" + _SALT + _B + r"{22}|5\$" + _SALT + _B + r"{43}|6\$" + _SALT + _B + r"{86}"
    r"|2[abxy]\$[0-9]{2}\$" + _B + r"{53}|y\$" + _B + r"{1,32}\$" + _B + r"{1,64}\$" + _B + r"{43})"
)

_HASH_START = r"(?:(?<![A-Za-z0-9$])|" + AFTER_ESCAPE + "|" + AFTER_PERCENT + ")"

PASSWORD_HASH = Rule(
    name="password_hash",
    replaces="a password hash in crypt(3) or Argon2 form (htpasswd, /etc/shadow, bcrypt; salt and hash)",
    pattern=_HASH_START + "(?:" + _HASH_EXACT + r"(?![./$])|" + _HASH + _HASH_END + ")",
    trigger=_HASH + r"(?:[^./A-Za-z0-9+$]|$)|" + _HASH_EXACT + r"(?:[^./$]|$)",
    keywords=("$1$", "$5$", "$6$", "$apr1$", "$2a$", "$2b$", "$2x$", "$2y$", "$y$", "$argon2"),
    exact=True,
    reach=420,
    example="`admin:$apr1$<salt>$<hash>`, `root:$6$<salt>$<hash>:19000:...`, `$2y$10$<hash>`",
)

_OVPN = "-----BEGIN OpenVPN Static key V1-----"
OPENVPN_STATIC_KEY = Rule(
    name="openvpn_static_key",
    replaces="an OpenVPN static key block (tls-auth, tls-crypt, secret), BEGIN to END",
    # Ends at its END line, or (cut off) before the next BEGIN or where the JSON string ends: a flood of
    # BEGIN lines reads each stretch between two of them once.
    pattern=re.escape(_OVPN)
    + r"(?:[^\"\\-]|\\.|-(?!----(?:END|BEGIN) )){0,8192}+"
    + r"(?:-----END OpenVPN Static key V1-----|(?=-----BEGIN )|(?=\"))",
    keywords=("OpenVPN Static key",),
    reach=2 * 8192 + 100,
    example="`<tls-auth>` `-----BEGIN OpenVPN Static key V1-----` … `-----END OpenVPN Static key V1-----`",
)

_PSK_TRIGGER = r"(?:^|[\s\"]|\\[nrt])(?i:presharedkey)[ \t]{0,4}=[ \t]{0,4}[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]="
WIREGUARD_PRESHARED_KEY = Rule(
    name="wireguard_preshared_key",
    replaces="a WireGuard PresharedKey (base64 of 32 bytes)",
    pattern=r"(?P<value>[A-Za-z0-9+/]{43}=)(?![A-Za-z0-9+/=])",
    group="value",
    trigger=_PSK_TRIGGER,
    anchored=True,
    back=44,
    reach=50,
    example="`[Peer]` / `PresharedKey = <44 characters of base64>`",
)

PASTED_RULES: tuple[Rule, ...] = (
    REDIS_AUTH,
    REDIS_CONFIG_GET,
    PASSWORD_HASH,
    OPENVPN_STATIC_KEY,
    WIREGUARD_PRESHARED_KEY,
)
