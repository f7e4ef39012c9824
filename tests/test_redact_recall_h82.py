"""What the sixteenth session left and a probe of pasted formats found (h82, issue 16): Fly's FlyV1 macaroons
of any length, a lone quote inside a value with more on its line, OpenVPN auth files under any name and inline
<auth-user-pass> blocks, a lower-case name= value with spaces, a config directive's line two JSON levels down,
kubectl create secret's literals, Composer's auth tokens, WordPress' salts. Each case runs through the
reference and the engine, which must agree, as a command and in every kind of hook payload, and as a file's
content two JSON levels down; the look-alikes are kept. The fake secrets are built at run time.
"""

from __future__ import annotations

import json

import pytest
from recall_helpers import (
    PAYLOAD_KINDS,
    REFERENCE,
    apply,
    assert_kept,
    assert_redacted,
    assert_redacted_in_payload,
    assert_redacted_two_levels_down,
)

PW = "Tr0ub4dor" + "Q3xQz9"
TOK = "k9Xq2" + "LmN0pQ7rS4tU8vW1yZ3aB5cD"
MACAROON = "fm2_" + "lJPECAAAAAAAAC7WxBBs" + "Qm9iVHIwdWI0ZG9yUTN4UXo5"

SECRETS = [
    # h77's Left: Fly's macaroons shorter than a bare fm2_ token's 64 characters, after FlyV1
    (f"FlyV1 {MACAROON}", MACAROON),
    (f"FlyV1 {MACAROON},{MACAROON[::-1]}fm2_", MACAROON),
    (f"fly deploy --access-token 'FlyV1 {MACAROON}'", MACAROON),
    # a lone quote inside a value, the line going on after it
    (f"password=ab'cd{PW} more", PW),
    (f"password: it's{PW} here", PW),
    (f"DB_PASSWORD='ab'cd{PW}' && make", PW),
    (f"connect(password='ab'cd{PW}', host='db')", PW),
    # OpenVPN's auth file under another name, or inline in the config
    (f"$ openvpn --config c.ovpn --auth-user-pass up.txt\n$ cat up.txt\nbob\n{PW}\n", PW),
    (
        f"auth-user-pass /etc/openvpn/client/x.conf\n\n==> /etc/openvpn/client/x.conf <==\nbob\n{PW}\n\n==> b <==",
        PW,
    ),
    (f"client\nremote vpn.example.com 1194\n<auth-user-pass>\nbob\n{PW}\n</auth-user-pass>\n", PW),
    (f"<auth-user-pass>\r\nbob\r\n{PW}\r\n</auth-user-pass>", PW),
    # a lower-case name= and a value with spaces
    (f"password=Tr0ub4dor {PW}\n", PW),
    (f"db.password=abc1 {PW}", PW),
    # a directive's line (name, space, value) in a file two JSON levels down is tested below; here its forms
    (f"signingConfigs {{\n  release {{\n    storePassword '{PW}'\n    keyAlias 'k'\n  }}\n}}", PW),
    (f"credentials {{\n    username 'deploy'\n    password '{PW}'\n}}", PW),
    # every literal of a Kubernetes Secret; Composer's auth tokens
    (f"kubectl create secret generic s --from-literal=key={PW}", PW),
    (f"oc create secret generic api -n prod --from-literal=API_TOKEN={TOK} --from-literal key2={PW}", PW),
    (f"composer config --global github-oauth.github.com {TOK}", TOK),
    (f"composer config -g gitlab-token.gitlab.example.com {TOK}", TOK),
    # wp-config.php's salts, their values aligned
    (f"define('AUTH_KEY',         '{PW}$k9!q@2');", PW),
    (f"define( 'NONCE_SALT',       '{PW}$k9!q@2' );", PW),
]

KEPT = [
    "it's fine\nmsg='don't'\nname=John Smith\nlabel=hello world",
    "password='a', user='b'\ndict(password='x1', user='y')",
    "password=pw1 if old else pw2",
    "<auth-user-pass>\n</auth-user-pass>\nauth-user-pass\nauth-nocache",
    "auth-user-pass up.txt\n$ cat notes.txt\nbob\nalice7x\n",
    "storePassword System.getenv('STORE_PASSWORD')\nkeyPassword keystoreProperties['keyPassword']",
    "kubectl create secret generic db --from-file=password=./pw.txt\nkubectl get secret db --from-literal",
    "kubectl create secret generic S --from-literal=root-user=USER --from-literal=root-password=PASSWORD --dry-run",
    "composer config --global github-oauth.github.com\ncomposer config repositories.x vcs https://x",
    "FlyV1 is the scheme\nfm2_ tokens",
    "define( 'SECURE_AUTH_KEY',  'put your unique phrase here' );\ndefine('AUTH_KEY', getenv('AUTH_KEY'));",
]

# Where a value stops: a symbol at its line's end stays (PW=abc& backgrounds the command, f(password=pw), nginx's
# proxy_pass x;), a command or a second name after it keeps its words.
PARTS = [
    (f"password={PW}&", "]&"),
    (f"DB_PASSWORD={PW})", "])"),
    (f"password={PW},rest{PW[::-1]}", "]"),
    ("password=abc1 make test", "make test"),
    ("db_password=abc1 user=bob1", "user=bob1"),
    (f"DB_PASSWORD='ab'cd{PW}' && make", "' && make"),
]


@pytest.mark.parametrize(("text", "secret"), SECRETS)
def test_a_form_left_or_probed_is_redacted(text, secret):
    assert_redacted(text, secret)


@pytest.mark.parametrize("kind", sorted(PAYLOAD_KINDS))
@pytest.mark.parametrize(("text", "secret"), SECRETS)
def test_in_every_kind_of_payload(text, secret, kind):
    assert_redacted_in_payload(text, secret, kind)


@pytest.mark.parametrize(("text", "secret"), SECRETS)
def test_two_json_levels_down_in_a_file(text, secret):
    assert_redacted_two_levels_down(text, secret)


def test_flyctl_tokens_create_output_is_redacted():
    payload = {"tool_name": "Bash", "tool_input": {"command": "flyctl tokens create deploy -a app"}}
    payload["tool_response"] = {"stdout": f"FlyV1 {MACAROON},{MACAROON}\n", "stderr": ""}
    out = apply(json.dumps(payload))
    assert MACAROON not in out, out


@pytest.mark.parametrize("text", KEPT)
def test_a_look_alike_is_kept(text):
    assert_kept(text)


@pytest.mark.parametrize(("text", "kept"), PARTS)
def test_where_the_value_stops(text, kept):
    out = apply(json.dumps({"tool_input": {"command": text}}))
    assert kept in out and "[REDACTED:" in out, out


def test_the_reference_knows_every_new_rule():
    assert {"openvpn_auth_named", "openvpn_auth_inline"} <= {rule.name for rule in REFERENCE.rules}
