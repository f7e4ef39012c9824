"""Keys in Wi-Fi, IPsec and network devices' configuration lines (h69's probe; issue 16).

* ``wifi_psk``: wpa_supplicant.conf's ``psk="<passphrase>"`` or ``psk=<64 hex>``, hostapd.conf's
  ``wpa_passphrase=``, ``wpa_psk=`` and ``sae_password=``;
* ``ipsec_secret``: ipsec.secrets' ``<selectors> : PSK "<secret>"`` (also ``XAUTH``);
* ``device_key``: a Cisco-style device's shared keys and passwords: ``username <u> [privilege n] password|secret
  0|7 <pw>``, ``enable password|secret 0|7 <pw>`` (with their type, as ``show running-config`` writes them), ``tacacs-server key``, ``radius-server key``,
  ``key-string``, ``crypto isakmp key <k> address``, ``pre-shared-key``. Type 7 is reversible; a type 5, 8 or
  9 hash (a digit, then the hash) is left to password_hash.

Each stands at a line's start (snmpconf.line_begins): the words are in prose and code.
"""

from __future__ import annotations

import re

from hookd.redact.checks import option_value_ok
from hookd.redact.patterns import VALUE, VALUE_REACH
from hookd.redact.rule import Rule
from hookd.redact.snmpconf import line_begins

_SP = r"(?:[ \t]|\\t)"


def _line_ok(match: re.Match[str]) -> bool:
    return line_begins(match.string, match.start()) >= 0 and option_value_ok(match)


WIFI_PSK = Rule(
    name="wifi_psk",
    replaces="a Wi-Fi passphrase or key in wpa_supplicant.conf (psk=) or hostapd.conf (wpa_passphrase=, "
    "wpa_psk=, sae_password=)",
    pattern=r"(?:psk|wpa_passphrase|wpa_psk|sae_password)=" + VALUE,
    group="value",
    keywords=("psk=", "wpa_passphrase=", "sae_password="),
    reach=VALUE_REACH + 20,
    check=_line_ok,
    example='`network={` / `ssid="home"` / `psk="<passphrase>"`, `wpa_passphrase=<passphrase>`',
)


def _ipsec_ok(match: re.Match[str]) -> bool:
    """The secret of an ipsec.secrets line: selectors (or none) before the colon, on one line."""
    text, start = match.string, match.start()
    low = max(0, start - 300)
    breaks = max(text.rfind("\n", low, start), text.rfind("\\n", low, start), text.rfind('"', low, start))
    if breaks < 0 and low > 0:
        return False
    line = text[breaks + 1 : start]
    return '\\"' not in line and option_value_ok(match)


IPSEC_SECRET = Rule(
    name="ipsec_secret",
    replaces="the secret of an ipsec.secrets line (: PSK, : XAUTH)",
    pattern=r":" + _SP + r"{0,4}(?:PSK|XAUTH)" + _SP + r"{1,4}" + VALUE,
    group="value",
    keywords=("PSK", "XAUTH"),
    reach=VALUE_REACH + 20,
    check=_ipsec_ok,
    example='`10.0.0.1 10.0.0.2 : PSK "<secret>"`',
)

_TYPE = _SP + r"{1,4}[07]" + _SP + r"{1,4}"  # 0: in clear, 7: Cisco's reversible encoding
# username and enable with their type, as show running-config writes them (a key's type is optional)
_DEVICE = (
    r"(?:(?:username" + _SP + r"{1,4}[^\s\"\\]{1,64}(?:" + _SP + r"{1,4}privilege" + _SP + r"{1,4}[0-9]{1,2})?"
    r"|enable)"
    + _SP
    + r"{1,4}(?:password|secret)"
    + _TYPE
    + r"|(?:(?:tacacs|radius)-server"
    + _SP
    + r"{1,4}key|key-string|crypto"
    + _SP
    + r"{1,4}isakmp"
    + _SP
    + r"{1,4}key|(?:ikev[12]"
    + _SP
    + r"{1,4})?pre-shared-key(?:"
    + _SP
    + r"{1,4}(?:local|remote))?)(?:"
    + _TYPE
    + "|"
    + _SP
    + r"{1,4}))"
    + VALUE
)


def _device_ok(match: re.Match[str]) -> bool:
    return len(match.group("value")) >= 4 and _line_ok(match)


DEVICE_KEY = Rule(
    name="device_key",
    replaces="a network device's password or shared key (username ... password, enable secret, tacacs-server key, "
    "key-string, crypto isakmp key, pre-shared-key)",
    pattern=_DEVICE,
    group="value",
    keywords=(" password 0 ", " password 7 ", " secret 0 ", " secret 7 ", "server key", "key-string", "isakmp key")
    + ("pre-shared-key",),
    reach=VALUE_REACH + 200,
    check=_device_ok,
    example="`username admin privilege 15 password 0 <password>`, `tacacs-server key <key>`",
)

NET_SECRET_RULES: tuple[Rule, ...] = (WIFI_PSK, IPSEC_SECRET, DEVICE_KEY)
