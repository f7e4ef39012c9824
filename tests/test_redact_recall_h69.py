"""Misses left by h68 and found by h69's probe: SNMP communities and SNMPv3 users in an agent's configuration
(snmpd.conf, Cisco's snmp-server), a command's quoted argument in JSON inside a payload's string (echo
\\\\\\"pw\\\\\\" | docker login --password-stdin), more commands' password options, gh's --with-token, Wi-Fi,
IPsec and network devices' keys. Each case runs through the reference and the engine, which must agree, as a
command (with and without \\u escapes) and in every kind of hook payload. The fake secrets are built from
pieces at run time.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from hookd.redact.view import PyView, View
from recall_helpers import PAYLOAD_KINDS, REFERENCE, assert_kept, assert_redacted, assert_redacted_in_payload

sys.path.insert(0, str(Path(__file__).parent / "redaction_corpus"))
from fakes import ALNUM, Fakes  # noqa: E402

PW = "Xq7vR2m" + "Tz9LwK4pB"
WP = PW[::-1]
FAKES = Fakes(69)
R40 = FAKES.pick(ALNUM, 40)
HEX64 = FAKES.pick("0123456789abcdef", 64)
GHP = FAKES.crc("ghp_")  # a token whose checksum holds: github_token takes it only whole


def nested(command: str, levels: int) -> str:
    """``command`` as a string in JSON ``levels`` times over (a JSON file read whole, jq's output)."""
    for _ in range(levels):
        command = json.dumps({"c": command})
    return command


SECRETS = [
    # snmpd.conf: the community of the access directives, com2sec, a trap sink; Cisco's snmp-server community
    (f"rocommunity {PW} 10.0.0.0/8", PW),
    (f"rwcommunity {PW}", PW),
    (f"  rocommunity6 {PW} fd00::/8", PW),
    (f"rwcommunity6 '{PW}' default -V all", PW),
    (f"authcommunity log,execute,net {PW} 10.0.0.0/8", PW),
    (f"trapcommunity {PW}", PW),
    (f"trap2sink nms.example.com {PW}", PW),
    (f"informsink 10.0.0.9 {PW} 162", PW),
    (f"com2sec readonly default {PW}", PW),
    (f"com2sec -Cn ctx readonly 10.0.0.0/8 {PW}", PW),
    (f"com2sec6 readonly fd00::/8 {PW}", PW),
    (f"# snmpd.conf\nsysLocation rack 4\nrocommunity {PW} 10.0.0.0/8\n", PW),
    (f"snmp-server community {PW} RO\nsnmp-server community {WP} RW 10", PW),
    # SNMPv3 users: createUser's passphrases, both of them; net-snmp-create-v3-user's -A and -X
    (f"createUser bob SHA {PW} AES {WP}", PW),
    (f"createUser bob SHA {WP} AES {PW}", PW),
    (f'createUser -e 0x80001f8880 bob SHA-512 "{PW}" AES256 "{WP}"', PW),
    (f'createUser -e 0x80001f8880 bob SHA-512 "{WP}" AES256 "{PW}"', PW),
    (f"createUser bob MD5 {PW} DES", PW),
    (f"net-snmp-create-v3-user -ro -A {PW} -X {WP} -a SHA -x AES bob", PW),
    (f"net-snmp-create-v3-user -ro -A {WP} -X {PW} -a SHA -x AES bob", PW),
    # a command's double-quoted argument in JSON in the payload's string, two and three levels down
    *((nested(f'echo "{PW}" | docker login -u bob --password-stdin r.io', k), PW) for k in (1, 2)),
    *((nested(f'docker login -u bob --password-stdin <<< "{PW}"', k), PW) for k in (1, 2)),
    *((nested(f'echo "{PW}" | gpg --batch --passphrase-fd 0 -d x.gpg', k), PW) for k in (1, 2)),
    *((nested(f'echo "{PW}" | passwd --stdin bob', k), PW) for k in (1, 2)),
    *((nested(f'echo "{PW}" | sudo -S true', k), PW) for k in (1, 2)),
    (nested(f'echo "bob:{PW}" | chpasswd', 1), PW),
    *((nested(f'sshpass -p "{PW}" ssh bob@host', k), PW) for k in (1, 2)),
    *((nested(f'mysql -u root -p"{PW}" shop', k), PW) for k in (1, 2)),
    *((nested(f'ldapsearch -x -w "{PW}" -D cn=admin', k), PW) for k in (1, 2)),
    *((nested(f'snmpwalk -v2c -c "{PW}" sw1', k), PW) for k in (1, 2)),
    *((nested(f'rclone obscure "{PW}"', k), PW) for k in (1, 2)),
    *((nested(f'htpasswd -b .htpasswd bob "{PW}"', k), PW) for k in (1, 2)),
    (f'sh -c "ldapsearch -x -w {PW} -D cn=admin"', PW),
    # more commands' password options
    (f"mosquitto_pub -h m -u bob -P {PW} -t t -m x", PW),
    (f"mosquitto_sub -h m -u bob -P '{PW}' -t '#'", PW),
    (f"rdesktop -u bob -p {PW} host", PW),
    (f"cqlsh -u cassandra -p {PW} db", PW),
    (f"hydra -l admin -p {PW} ssh://host", PW),
    (f"crane auth login r.io -u bob -p {PW}", PW),
    (f"oras login r.io -u bob -p {PW}", PW),
    (f"vsql -U dbadmin -w {PW}", PW),
    (f"unrar x -p{PW} a.rar", PW),
    (f"skopeo copy --dest-creds bob:{PW} docker://a docker://b", PW),
    (f"skopeo copy --src-creds=bob:{PW} docker://a docker://b", PW),
    (f"java -jar jenkins-cli.jar -s http://j:8080 -auth admin:{PW} build job", PW),
    # gh reads its token from stdin with --with-token
    (f"gh auth login --with-token <<< {R40}", R40),
    (f"echo {R40} | gh auth login --hostname github.example.com --with-token", R40),
    # Wi-Fi, IPsec and network devices
    (f'network={{\n\tssid="HomeNet"\n\tpsk="{PW}"\n}}', PW),
    (f'network={{\n    ssid="HomeNet"\n    psk={HEX64}\n}}', HEX64),
    (f"interface=wlan0\nssid=HomeNet\nwpa=2\nwpa_psk={HEX64}\n", HEX64),
    (f'10.0.0.1 10.0.0.2 : PSK "{PW}"', PW),
    (f'conn home\n  authby=secret\n\n: PSK "{PW}"\nbob : XAUTH "{WP}"', PW),
    (f"username admin privilege 15 password 0 {PW}", PW),
    (f"username admin password 7 {PW}", PW),
    (f"enable secret 0 {PW}", PW),
    (f"tacacs-server key 7 {PW}\nradius-server key {WP}", PW),
    (f"key chain k\n key 1\n  key-string 7 {PW}", PW),
    (f"crypto isakmp key {PW} address 10.0.0.1", PW),
    (f"tunnel-group 10.0.0.1 ipsec-attributes\n ikev1 pre-shared-key {PW}", PW),
    # a token split over adjacent literals on indented lines, no + (Python's implicit concatenation, C's)
    # (the piece after the joint is the secret checked: the token whole is in no text)
    (f'TOKEN = (\n    "{GHP[:20]}"\n    "{GHP[20:]}"\n)', GHP[20:]),
    (f"token = ('{GHP[:15]}'\n\t'{GHP[15:]}')", GHP[15:]),
    (f'static const char *token = "{GHP[:10]}"\n                          "{GHP[10:]}";', GHP[10:]),
    (f'headers = {{\n    "Authorization": (\n        "Bearer {GHP[:12]}"\n        "{GHP[12:]}"\n    ),\n}}', GHP[12:]),
]

# Redacted before this session too: kept as guards.
ALREADY = [
    (f"echo {PW} | docker login -u bob --password-stdin", PW),
    (f"sshpass -p '{PW}' ssh bob@host", PW),
    (f"snmpwalk -v2c -c {PW} 10.0.0.1", PW),
    (f"nmcli con modify HomeNet wifi-sec.psk {PW}", PW),
    (f"wpa_passphrase HomeNet {PW}", PW),
    (f"7z a -p{PW} out.7z dir", PW),
    (f"docker login -u bob -p {PW} registry.example.com", PW),
    (nested(f'echo "bob:{PW}" | chpasswd', 2), PW),
    (f"interface=wlan0\nssid=HomeNet\nwpa=2\nwpa_passphrase={PW}\nsae_password={WP}\n", PW),
]


@pytest.mark.parametrize(("text", "secret"), SECRETS)
@pytest.mark.parametrize("ascii_only", [True, False])
def test_a_secret_is_redacted(text, secret, ascii_only):
    assert_redacted(text, secret, ascii_only=ascii_only)


@pytest.mark.parametrize(("text", "secret"), SECRETS + ALREADY)
@pytest.mark.parametrize("kind", sorted(PAYLOAD_KINDS))
def test_a_secret_is_redacted_in_every_payload(text, secret, kind):
    assert_redacted_in_payload(text, secret, kind)


KEPT = [
    # SNMP's defaults, references, prose, and createUser as code
    "rocommunity public default\nrwcommunity private localhost\nrocommunity public 10.0.0.0/8 -V systemonly",
    "com2sec notConfigUser default public\ncom2sec local localhost private\ntrap2sink localhost public",
    'createUser bob SHA "$AUTHPASS" AES "$PRIVPASS"\ncreateUser -e 0x8000 bob',
    "user = createUser bob SHA x\nawait createUser(name, SHA256(pw))",
    "the rocommunity directive sets a community; see rwcommunity6 and com2sec in snmpd.conf(5)",
    "snmp-server community public RO\nsnmp-server community $COMMUNITY RO",
    "const user = await createUser(db, { name: 'bob', role: 'AES' });",
    # nested quotes that are no password: JSON's own, prose, another command's argument
    nested('{"name": "deploy", "args": ["-v", "--dry-run"]}', 1),
    nested('echo "hello world" | tee out.txt\ngit commit -m "fix: the parser"', 2),
    # other commands' -p, -P, -w, -auth; gh's other logins
    "rar a -m5 out.rar dir\ncrane push img r.io/x -p linux\noras push r.io/x -p\nXvfb :1 -auth /tmp/xauth",
    "gh auth login --with-token < token.txt\ngh auth login --web\necho $GH_TOKEN | gh auth login --with-token",
    # Wi-Fi, IPsec and devices' lines that hold no key
    'network={\n  ssid="HomeNet"\n  key_mgmt=NONE\n}\npsk=$PSK\nwpa_passphrase=$(cat pw)',
    "username admin privilege 15 secret 9 $9$abcdefgh\nenable secret 5 $1$abcd$efgh",
    "the pre-shared-key must match; set a tacacs-server key on each device",
    "conn home\n  authby=secret\n  leftauth=psk\n: RSA moon.pem",
    "const { username, enable } = opts; // username password 0 default",
    # adjacent literals that hold no secret, and rows of a CSV file (not indented: not joined)
    'msg = (\n    "the token expired; "\n    "sign in again"\n)\nq = ("SELECT password_hash "\n     "FROM users")',
    '"name","token"\n"deploy","' + GHP[:20] + '"\n"' + GHP[20:] + '","x"',
]


@pytest.mark.parametrize(
    ("text", "joined"),
    [
        ('x = (\n    "a"\n    "b"\n)', True),
        ("y = ('a'\n\t'b')", True),
        ("'a' + \n  'b'", True),
        ('"a"\n"b"', False),  # not indented: a CSV file's rows
        ('"a" \n\n  "b"', False),  # a blank line between
        ('"a" \n "b"', False),  # a space before the newline
        ('"a"\n' + " " * 41 + '"b"', False),  # past the indentation's bound
    ],
)
def test_the_view_joins_literals_on_indented_lines_and_the_compiled_one_agrees(text, joined):
    doc = json.dumps({"c": text})
    assert ("ab" in PyView(doc).text) == joined
    assert View(doc).text == PyView(doc).text


@pytest.mark.parametrize("text", KEPT)
def test_a_look_alike_is_kept(text):
    assert_kept(text)


def test_the_reference_knows_every_new_rule():
    names = {rule.name for rule in REFERENCE.rules}
    assert {"snmp_community_line", "snmp_create_user", "wifi_psk", "ipsec_secret", "device_key"} <= names
