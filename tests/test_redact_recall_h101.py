"""What the twenty-first session left (h101, issue 16): each secret as plain text and inside every payload kind it
arrives in (recall_helpers.EVERY_KIND), through the reference and the engine, which must agree; beside each class,
the code and look-alikes that stay. The fake secrets are built at run time.
"""

from __future__ import annotations

import base64
import json

import pytest
from recall_helpers import EVERY_KIND, LINE_KINDS, apply, assert_gone_in, assert_kept
from test_redact_view_core import compare

PW = "Hunter" + "2xyz9Q"


# 2. Adjacent literals with no operator (C's and Python's implicit concatenation on one line) after an assignment:
# the pieces are one value, taken whole as one literal would be.
ADJACENT = [
    'password = "a" "' + PW + '"',
    "password = 'abc' '" + PW + "'",
    'static const char *password = "Hunter2" "xyz9Q";',
    'token = "ab" "cd" "' + PW + '";',
    'API_KEY = ("sk" "' + PW + '")',
]


@pytest.mark.parametrize("text", ADJACENT)
@pytest.mark.parametrize("kind", EVERY_KIND)
def test_adjacent_literals_after_an_assignment(text: str, kind: str) -> None:
    secret = "xyz9Q" if 'Hunter2" "xyz9Q' in text else PW
    out = assert_gone_in(text, secret, kind)
    assert "Hunter2" not in out


@pytest.mark.parametrize(
    "text",
    [
        'password = "x" "y"',  # joined, two characters: no secret
        'token = "%s" "%s"',
        'PASSWORD_PROMPT = "Enter" " password"',
        'label = "Password:" " "',
        'echo "password=" "$PW"',
        'password = "{" "}"',
        'mysql --password "x" "' + PW + '"',  # an option's value, then the next argument (deliberately kept)
    ],
)
def test_adjacent_literals_that_are_no_secret_are_kept(text: str) -> None:
    assert_kept(text)


def test_an_adjacent_literals_value_is_one_marker() -> None:
    out = apply(json.dumps({"tool_input": {"command": 'token = "ab" "cd" "' + PW + '";'}}))
    assert '"token = \\"[REDACTED:secret_assignment]\\";"' in out, out


# 3. A joint over a line break inside a Read's numbered lines, a diff's lines (a marker after the break) or an Edit's
# structuredPatch (a string a line), and over a line's continuation (an escaped backslash before the break).
JOINED_OVER_LINES = [
    'token = "abc" +\n    "' + PW + '"',
    'token = "abc"\n    + "' + PW + '"',
    'password = "x1" \\\n    + "' + PW + '"',
    'password = "x1" \\\n    "' + PW + '"',
    "$password = 'x1' .\n    '" + PW + "';",
    "$password = 'x1'\n    . '" + PW + "';",
    'API_KEY = (\n    "ab"\n    "' + PW + '"\n)',
    'token = "a1" +\n  "b2" +\n  "' + PW + '"',
    'def f():\n    token = "ab" +\n            "' + PW + '"',
]


@pytest.mark.parametrize("text", JOINED_OVER_LINES)
@pytest.mark.parametrize("kind", EVERY_KIND)
def test_a_joint_over_a_prefixed_line_break(text: str, kind: str) -> None:
    assert_gone_in(text, PW, kind)


@pytest.mark.parametrize("text", JOINED_OVER_LINES)
@pytest.mark.parametrize("marker", ["+", "-", " "])
def test_a_joint_over_a_text_diffs_lines(text: str, marker: str) -> None:
    lines = text.split("\n")
    diff = "@@ -1,3 +1,3 @@\n" + "\n".join(marker + line for line in lines) + "\n"
    assert_gone_in(diff, PW, "plain")
    assert_gone_in(diff, PW, "numbered")


def test_a_patch_keeps_its_lines() -> None:
    """Each string of the structuredPatch keeps its quotes, marker and joint: the value's pieces are redacted in
    the strings they stand in, and the patch has as many lines as before."""
    text = 'token = "a1" +\n  "b2" +\n  "' + PW + '"\nport = 1'
    out = json.loads(assert_gone_in(text, PW, "patch"))
    lines = out["tool_response"]["structuredPatch"][0]["lines"]
    assert lines == [
        " a:",
        '+token = "[REDACTED:secret_assignment]" +',
        '+  "[REDACTED:secret_assignment]" +',
        '+  "[REDACTED:secret_assignment]"',
        "+port = 1",
    ]


@pytest.mark.parametrize(
    "text",
    [
        'msg = "Hello " +\n    name',
        'url = "https://x" +\n    "/login"',
        'password = "a" +\n  "b"',
        'x = ["a",\n     "b"]',
        'printf("%s"\n       "\\n", s)',
        "token = 'a' \\\n  'b'",
    ],
)
@pytest.mark.parametrize("kind", ["plain", "numbered", "patch"])
def test_code_joined_over_lines_is_kept(text: str, kind: str) -> None:
    doc = json.dumps(LINE_KINDS[kind](text)) if kind != "plain" else json.dumps({"tool_input": {"command": text}})
    assert apply(doc) == doc


@pytest.mark.parametrize(
    "text",
    [
        '\\"a\\" +\\n     12\\t  \\"b\\"',
        '\\"a\\"\\n     12\\t  \\"b\\"',
        '\\"a\\"\\n    12\\t  \\"b\\"',
        '\\"a\\"\\n   1\\u2192  \\"b\\"',
        '\\"a\\"\\n     1\t  \\"b\\"',
        '\\"a\\" +\\n+   \\"b\\"',
        '\\"a\\"\\n-   \\"b\\"',
        '\\"a\\"\\n+\\"b\\"',
        '\\"a\\" +", "+  \\"b\\"',
        '\\"a\\"", "+  \\"b\\"',
        '\\"a\\"","   \\"b\\"',
        '\\"a\\" \\\\", "+  + \\"b\\"',
        '\\"a\\" \\\\\\n  \\"b\\"',
        '\\"a\\"    \\\\\\n  \\"b\\"',
        '\\"a\\"\\r\\\\\\n  \\"b\\"',
        "'a' \\\\\\n  'b'",
        "'a'\", \"+  'b'",
        "'a' .\\n     3\\t  'b'",
        '\\"a\\" +\\n    12\\t              \\"b\\"',
        '\\"a\\"\\n                    + \\"b\\"',
        '\\"a\\" +", "+\\t\\t\\t\\t\\t\\t\\t\\t\\t\\"b\\"',
    ],
)
def test_the_compiled_view_joins_over_prefixes_as_the_reference(text: str) -> None:
    compare(text, every_pair=False)


# 1. A Kubernetes Secret's values however far from its data: line and its kind (a kubectl get secret of many keys,
# kind written after them; a long certificate before a value), and its stringData: (values as written).
B64 = base64.b64encode(PW.encode()).decode()


def many_keys(indent: str = "  ") -> str:
    return "".join(
        f"{indent}key{i}: {base64.b64encode((f'value-{i}-' + 'q' * 40).encode()).decode()}\n" for i in range(90)
    )


MANY_KEYS = many_keys()
CERT = "  tls.crt: " + base64.b64encode(b"\x30\x82" + bytes(range(256)) * 12).decode() + "\n"
LONG_SECRETS = [
    "apiVersion: v1\ndata:\n" + MANY_KEYS + "  relay: " + B64 + "\nkind: Secret\nmetadata:\n  name: a\ntype: Opaque\n",
    "apiVersion: v1\ndata:\n  relay: " + B64 + "\n" + MANY_KEYS + "kind: Secret\nmetadata:\n  name: a\n",
    "apiVersion: v1\nkind: Secret\nmetadata:\n  name: a\ntype: Opaque\ndata:\n" + MANY_KEYS + "  relay: " + B64 + "\n",
    "apiVersion: v1\nkind: Secret\ntype: kubernetes.io/tls\ndata:\n" + CERT + "  relay: " + B64 + "\n",
    "apiVersion: v1\nitems:\n- apiVersion: v1\n  data:\n"
    + many_keys("    ")
    + "    relay: "
    + B64
    + "\n  kind: Secret\n  metadata:\n    name: a\nkind: List\n",
]


@pytest.mark.parametrize("text", LONG_SECRETS)
@pytest.mark.parametrize("kind", EVERY_KIND)
def test_a_long_kubernetes_secret(text: str, kind: str) -> None:
    out = assert_gone_in(text, B64, kind, rule="k8s_secret_data")
    assert base64.b64encode(("value-89-" + "q" * 40).encode()).decode() not in out


KEYS = {f"setting{i}": base64.b64encode((f"value-{i}-" + "q" * 40).encode()).decode() for i in range(90)}
# A CA's certificate as kubectl prints it: base64 of its PEM text (2,600 characters of its body).
CERT64 = base64.b64encode(
    ("-----BEGIN CERTIFICATE-----\nMIIC" + "Qk" * 1300 + "\n-----END CERTIFICATE-----\n").encode()
).decode()
LONG_JSON = [
    json.dumps(
        {"apiVersion": "v1", "data": {**KEYS, "relay": B64}, "kind": "Secret", "metadata": {"name": "a"}}, indent=4
    ),
    json.dumps({"apiVersion": "v1", "data": {"ca.crt": CERT64, "relay": B64}, "kind": "Secret"}, separators=(",", ":")),
    json.dumps({"kind": "Secret", "apiVersion": "v1", "data": {"tls.crt": CERT64, "relay": B64}}),
    json.dumps({"items": [{"data": {**KEYS, "relay": B64}, "kind": "Secret"}], "kind": "List"}, indent=2),
]


@pytest.mark.parametrize("text", LONG_JSON)
@pytest.mark.parametrize("kind", EVERY_KIND)
def test_a_long_kubernetes_secret_as_json(text: str, kind: str) -> None:
    out = assert_gone_in(text, B64, kind, rule="k8s_secret_data")
    assert KEYS["setting0"] not in out or "setting0" not in text


@pytest.mark.parametrize(
    "text",
    [
        json.dumps({"apiVersion": "v1", "data": {**KEYS, "relay": B64}, "kind": "ConfigMap"}, indent=4),
        json.dumps({"items": [{"data": {**KEYS, "relay": B64}, "kind": "ConfigMap"}, {"kind": "Secret"}]}),
        json.dumps({"data": {"ca.crt": CERT64, "relay": B64}, "kind": "ConfigMap"}),
    ],
)
def test_a_long_json_that_is_no_secrets_data_is_kept(text: str) -> None:
    assert_kept(text)


STRING_DATA = [
    "apiVersion: v1\nkind: Secret\nmetadata:\n  name: a\nstringData:\n  relay: " + PW + "\n",
    'apiVersion: v1\nkind: Secret\nmetadata:\n  name: a\nstringData:\n  relay: "' + PW + "\"  # the relay's\n",
    "apiVersion: v1\nkind: Secret\nmetadata:\n  name: a\nstringData:\n  smtp.host: mail\n  relay: '" + PW + "'\n",
    "apiVersion: v1\nkind: Secret\nmetadata:\n  name: a\nstringData:\n" + MANY_KEYS + "  relay: " + PW + "\n",
    "apiVersion: v1\nstringData:\n  relay: " + PW + "\nkind: Secret\n",
]


@pytest.mark.parametrize("text", STRING_DATA)
@pytest.mark.parametrize("kind", EVERY_KIND)
def test_a_kubernetes_secrets_string_data(text: str, kind: str) -> None:
    assert_gone_in(text, PW, kind, rule="k8s_secret_string_data")


@pytest.mark.parametrize(
    "text",
    [
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n" + MANY_KEYS + "  relay: " + B64 + "\n",
        "apiVersion: v1\ndata:\n" + MANY_KEYS + "  relay: " + B64 + "\nkind: ConfigMap\nmetadata:\n  name: a\n",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\nstringData:\n  relay: " + PW + "\n",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: a\nstringData:\n  password: {{ .Values.password | quote }}\n"
        "  user: ${DB_USER}\n  config.yaml: |\n    a: b\n  mode: test\n  token: <your-token>\n",
        "kind: Secret\ntype: Opaque\n---\napiVersion: v1\nkind: ConfigMap\ndata:\n" + MANY_KEYS,
        "img: data:image/png;base64," + B64 + "\nkind: Secret\n",
    ],
)
def test_what_is_no_secrets_data_is_kept(text: str) -> None:
    assert_kept(text)


# New: a secret put in a secret store from the command line, as the option's value or echoed into gcloud.
STORED = [
    "az keyvault secret set --vault-name shop --name db --value " + PW,
    "az keyvault secret set --vault-name shop --name db --value '" + PW + "' -o none",
    "aws ssm put-parameter --name /shop/db --type SecureString --value '" + PW + "'",
    "aws ssm put-parameter --name /shop/db --value " + PW + " --type SecureString --overwrite",
    "aws secretsmanager create-secret --name db --secret-string " + PW,
    'aws secretsmanager put-secret-value --secret-id db --secret-string "' + PW + '"',
    "echo -n '" + PW + "' | gcloud secrets create db --data-file=-",
    "printf '%s' '" + PW + "' | gcloud secrets versions add db --data-file=- --project shop",
]


@pytest.mark.parametrize("text", STORED)
@pytest.mark.parametrize("kind", EVERY_KIND)
def test_a_secret_put_in_a_secret_store(text: str, kind: str) -> None:
    assert_gone_in(text, PW, kind)


@pytest.mark.parametrize(
    "text",
    [
        "aws ssm put-parameter --name /shop/port --type String --value 8080",
        "aws ssm put-parameter --name /shop/region --value eu-west-1a --type String",
        "aws secretsmanager create-secret --name db --secret-string file://secret.json",
        "az keyvault secret set --vault-name shop --name db --file ./secret.txt",
        'az keyvault secret set --vault-name shop --name db --value "$DB_PASSWORD"',
        "gcloud secrets create db --data-file=./secret.txt",
        "cat pw.txt | gcloud secrets create db --data-file=-",
    ],
)
def test_a_secret_store_command_with_no_secret_is_kept(text: str) -> None:
    assert_kept(text)


# New: a private key's lines in an Edit's structuredPatch with no indentation, or an empty line between (a PGP
# block's armour header's end): the view has dropped each line's marker.
PGP_BODY = "lQOYBGXabcdEBCADxyz0123456789abcdefghijklmnopqrstuvwxyzABCDEF"
RSA_BODY = "MIIEpAIBAAKCAQEA0Z3VS5JJcds3xfn/ygWyF8PbnGy0AHB7MhgHcTz6sE2I2yPB"


@pytest.mark.parametrize(
    "text, body",
    [
        (
            "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\n" + PGP_BODY + "\n=abcd\n-----END PGP PRIVATE KEY BLOCK-----\n",
            PGP_BODY,
        ),
        (
            "gpg_key: |\n  -----BEGIN PGP PRIVATE KEY BLOCK-----\n\n  "
            + PGP_BODY
            + "\n  -----END PGP PRIVATE KEY BLOCK-----\n",
            PGP_BODY,
        ),
        (
            "-----BEGIN RSA PRIVATE KEY-----\n"
            + RSA_BODY
            + "\n"
            + RSA_BODY[::-1]
            + "\n-----END RSA PRIVATE KEY-----\n",
            RSA_BODY,
        ),
    ],
)
def test_a_private_keys_lines_in_a_patch(text: str, body: str) -> None:
    assert_gone_in(text, body, "patch")


def test_a_public_keys_lines_in_a_patch_are_kept() -> None:
    text = (
        "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n"
        + PGP_BODY.replace("lQ", "mQ")
        + "\n-----END PGP PUBLIC KEY BLOCK-----\n"
    )
    doc = json.dumps(LINE_KINDS["patch"](text))
    assert apply(doc) == doc
