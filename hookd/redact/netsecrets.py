"""Keys in Wi-Fi, IPsec and network devices' configuration lines (h69's probe; issue 16).

* ``wifi_psk``: wpa_supplicant.conf's ``psk="<passphrase>"`` or ``psk=<64 hex>`` (also in a block on one line),
  hostapd.conf's ``wpa_passphrase=``, ``wpa_psk=`` and ``sae_password=``;
* ``ipsec_secret``: ipsec.secrets' ``<selectors> : PSK "<secret>"`` (also ``XAUTH``);
* ``device_key``: a Cisco-style device's shared keys and passwords: ``username <u> [privilege n]
  password|secret 0|7 <pw>``, ``enable password|secret 0|7 <pw>`` (with their type, as ``show
  running-config`` writes them), ``tacacs-server key``, ``radius-server key``, ``key-string``, ``crypto isakmp key <k> address``, ``pre-shared-key``. Type 7 is reversible; a type 5, 8 or
  9 hash (a digit, then the hash) is left to password_hash.

Each but ipsec_secret stands at a line's start (its trigger reads the line from there): the words are in
prose and code.
"""

from __future__ import annotations

import re

from hookd.redact.checks import option_value_ok
from hookd.redact.patterns import VALUE, VALUE_REACH
from hookd.redact.rule import Rule
from hookd.redact.snmpconf import LINE_START, SP, VALUE_START

# The trigger (Hyperscan) reads each line from its start to the value's first character, or a network block
# written on one line (network={ ssid="x" key_mgmt=WPA-PSK psk="..." }) from its brace.
_ONE_LINE_BLOCK = r"network=\{[^}\n]{0,400}?" + SP
WIFI_PSK = Rule(
    name="wifi_psk",
    replaces="a Wi-Fi passphrase or key in wpa_supplicant.conf (psk=) or hostapd.conf (wpa_passphrase=, "
    "wpa_psk=, sae_password=)",
    pattern=VALUE,
    group="value",
    trigger=r"(?:"
    + LINE_START
    + "|"
    + _ONE_LINE_BLOCK
    + r")(?:psk|wpa_passphrase|wpa_psk|sae_password)="
    + VALUE_START,
    anchored=True,
    back=1,
    reach=VALUE_REACH,
    check=option_value_ok,
    example='`network={` / `ssid="home"` / `psk="<passphrase>"`, `network={ ssid="home" psk="<passphrase>" }`, '
    "`wpa_passphrase=<passphrase>`",
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
    pattern=r":" + SP + r"{0,4}(?:PSK|XAUTH)" + SP + r"{1,4}" + VALUE,
    group="value",
    keywords=("PSK", "XAUTH"),
    reach=VALUE_REACH + 20,
    check=_ipsec_ok,
    example='`10.0.0.1 10.0.0.2 : PSK "<secret>"`',
)

_TYPE = SP + r"{1,4}[07]" + SP + r"{1,4}"  # 0: in clear, 7: Cisco's reversible encoding
# username and enable with their type, as show running-config writes them (a key's type is optional)
_DEVICE_CONTEXT = (
    LINE_START
    + r"(?:(?:username"
    + SP
    + r"""{1,4}[^\s"\\]{1,64}(?:"""
    + SP
    + r"{1,4}privilege"
    + SP
    + r"{1,4}[0-9]{1,2})?|enable)"
    + SP
    + r"{1,4}(?:password|secret)"
    + _TYPE
    + r"|(?:(?:tacacs|radius)-server"
    + SP
    + r"{1,4}key|key-string|crypto"
    + SP
    + r"{1,4}isakmp"
    + SP
    + r"{1,4}key|(?:ikev[12]"
    + SP
    + r"{1,4})?pre-shared-key(?:"
    + SP
    + r"{1,4}(?:local|remote))?)(?:"
    + _TYPE
    + "|"
    + SP
    + r"{1,4}))"
    + VALUE_START
)


def _device_ok(match: re.Match[str]) -> bool:
    return len(match.group("value")) >= 4 and option_value_ok(match)


DEVICE_KEY = Rule(
    name="device_key",
    replaces="a network device's password or shared key (username ... password, enable secret, tacacs-server key, "
    "key-string, crypto isakmp key, pre-shared-key)",
    pattern=VALUE,
    group="value",
    trigger=_DEVICE_CONTEXT,
    anchored=True,
    back=1,
    reach=VALUE_REACH,
    check=_device_ok,
    example="`username admin privilege 15 password 0 <password>`, `tacacs-server key <key>`",
)

NET_SECRET_RULES: tuple[Rule, ...] = (WIFI_PSK, IPSEC_SECRET, DEVICE_KEY)
