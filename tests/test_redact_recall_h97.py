"""What the twentieth session left (h97, issue 16): each secret as plain text and inside every payload kind it
arrives in (recall_helpers.EVERY_KIND), through the reference and the engine, which must agree; beside each class,
the code and look-alikes that stay. The fake secrets are built at run time.
"""

from __future__ import annotations

import base64
import json

import pytest
from recall_helpers import EVERY_KIND, assert_gone_in, assert_kept
from test_redact_view_core import compare

from test_redact_properties import SECRETS  # (the property test's tokens, redacted wherever they stand)

PW = "Hunter" + "2xyz9Q"
KEY_ID = "3f4e5d6c7b8a9988" + "7766554433221100ffeeddcc"
GITHUB, JWT = (next(s for s in SECRETS if s.startswith(p)) for p in ("ghp_", "eyJ"))


# 5. A Google service account's private_key_id (40 hex) under its name, whatever quotes it.
@pytest.mark.parametrize(
    "text",
    [
        '{"type": "service_account", "project_id": "p", "private_key_id": "' + KEY_ID + '", "private_key": "x"}',
        '  "private_key_id": "' + KEY_ID + '",',
        "{'private_key_id': '" + KEY_ID + "'}",
        "GOOGLE_PRIVATE_KEY_ID=" + KEY_ID,
        "privateKeyId: " + KEY_ID,
    ],
)
@pytest.mark.parametrize("kind", EVERY_KIND)
def test_a_service_accounts_private_key_id(text: str, kind: str) -> None:
    assert_gone_in(text, KEY_ID, kind, rule="gcp_private_key_id")


@pytest.mark.parametrize(
    "text",
    [
        "commit " + KEY_ID,  # a git SHA
        '{"private_key_id": "0000000000000000000000000000000000000000"}',  # a made-up one
        "private_key_id = " + KEY_ID + "abcd",  # not 40 hex
        '{"client_id": "' + KEY_ID + '"}',
    ],
)
def test_a_40_hex_run_under_another_name_is_kept(text: str) -> None:
    assert_kept(text)


# 7. Base64 of a URL with its password: the exhaustive reference decoded every run and redacted it
# (encoded_secret), the engine read only runs holding an encoded token prefix or secret name; a URL's scheme
# and slashes are one now.
URLS = [f"postgres://app:{PW}@db:5432/app", f"https://bob:{PW}@git.example.com/x.git", f"mongodb+srv://u:{PW}@c0.x.net"]


@pytest.mark.parametrize("url", URLS)
@pytest.mark.parametrize("kind", EVERY_KIND)
@pytest.mark.parametrize("line", ["LOG: {}", "starting\nDATABASE_URL_B64={}\n", "{}"])
def test_base64_of_a_url_with_its_password(url: str, kind: str, line: str) -> None:
    for encoded in (base64.b64encode(url.encode()).decode(), base64.b64encode(b"\n" + url.encode()).decode()):
        assert_gone_in(line.format(encoded), encoded, kind)


@pytest.mark.parametrize("url", ["https://example.com/a/b?c=d", "postgres://db:5432/app", "https://bob@x.org"])
def test_base64_of_a_url_with_no_password_is_kept(url: str) -> None:
    assert_kept("LOG: " + base64.b64encode(url.encode()).decode())


# 1. Python's repr() of a string holding a bare name=value: its escaped line break or tab is the string's own, and
# the value goes on over it to the closing quote (a quoted value held it before: h93).
REPR = [
    "b'password=p4ss\\n" + PW + "'",
    "'password=p4ss\\n" + PW + "'",
    "print(repr(s))\n'api_key=ab\\t" + PW + "'",
    "\"password=it's\\n" + PW + '"',
    "{'password': 'ab\\ncd" + PW + "'}",
    "{'db': {'password': 'x\\n" + PW + "', 'u': 1}}",
    "Config(token=b'v1\\n" + PW + "\\n" + PW + "x')",
]


@pytest.mark.parametrize("text", REPR)
@pytest.mark.parametrize("kind", EVERY_KIND)
def test_a_repr_escaped_line_break_inside_a_value(text: str, kind: str) -> None:
    assert_gone_in(text, PW, kind)


@pytest.mark.parametrize(
    "text",
    [
        "b'DB_PASSWORD=$X\\nPORT=8080\\n'",  # an .env file's repr: the next line is a name's
        "print('token=%s\\n' % t)",
        "'password=${PW}\\nuser=bob'",
        "f.write('token: str\\n')",
    ],
)
def test_a_repr_line_break_before_the_next_name_is_kept(text: str) -> None:
    assert_kept(text)


# 3. String concatenation: PHP's and Perl's " . ", Lua's " .. " join literals as + did; the ..= of Lua's dialects
# appends as .= does; a variable joined to a literal (a long-hand append) gives the literal, when it looks random.
CONCATENATED = [
    '$password = "a" . "' + PW + '";',
    "$config['db_password'] = 'x1' . '" + PW + "';",
    'my $api_key = "ab" . "' + PW + '";',
    'local token = "x" .. "' + PW + '"',
    'password ..= "' + PW + '"',
    '$password = $password . "' + PW + '";',
    '$this->password = $this->password . "' + PW + '";',
    'password = password .. "' + PW + '"',
    'token = prefix + "' + PW + '"',
]


@pytest.mark.parametrize("text", CONCATENATED)
@pytest.mark.parametrize("kind", EVERY_KIND)
def test_a_secret_joined_to_a_string(text: str, kind: str) -> None:
    assert_gone_in(text, PW, kind)


# PSR-12's continued line: the dot before or after a line break. (Not in a Read's numbered lines or an Edit's patch
# lines: a line's prefix stands between the two literals, as for + (test_redact_line_prefixes' split literals).)
@pytest.mark.parametrize("text", ["$password = 'x1'\n    . '" + PW + "';", "$token = 'x1' .\n    '" + PW + "';"])
@pytest.mark.parametrize("kind", [kind for kind in EVERY_KIND if kind not in ("numbered", "patch")])
def test_a_secret_joined_over_a_line_break(text: str, kind: str) -> None:
    assert_gone_in(text, PW, kind)


@pytest.mark.parametrize(
    "text",
    [
        "$path = $base . '.' . $ext;",
        "parts = '.'.join(names)",
        "echo implode(' . ', $parts);",
        '$password = $password . "suffix";',
        "url = base + '/login'",
        "token = token .. chunk",
        'password ..= "abc"',
        "token **= 2",
        'msg = "Hello " . $name . "!";',
        "$s = 'x' . PHP_EOL;",
    ],
)
def test_code_that_joins_strings_is_kept(text: str) -> None:
    assert_kept(text)


@pytest.mark.parametrize(
    "text",
    [
        '\\"a\\" . \\"b\\"',
        "'a' .. 'b'",
        "'.' . '.'",
        "'a'.'b' '.' 'a' . 'b'",
        "'a' .\\n  'b'",
        "'a'\\t..\\t'b' + 'c'",
        "'a' ... 'b'",
        "'a' . .'b'",
    ],
)
def test_the_compiled_view_joins_dots_as_the_reference(text: str) -> None:
    compare(text, every_pair=False)


# 2. A log line's prefix after a diff's marker (a patch that adds a log line): the view drops both, and the
# line-start rules read what follows. In an Edit's patch the marker is the patch's own.
ADDED_LOG_LINES = [
    "2024-05-01 12:00:00 INFO requirepass {pw}",
    "2024-05-01 12:00:00,123 [main] INFO  c.e.App - requirepass {pw}",
    "warn: requirepass {pw}",
    "[2024-05-01 12:00:00] [error] requirepass {pw}",
    "May  1 12:00:00 host app[123]: requirepass {pw}",
    "web-1  | requirepass {pw}",
    "2024-05-01T12:00:00Z DEBUG machine git.example.com login bob password {pw}",
]


@pytest.mark.parametrize("line", ADDED_LOG_LINES)
@pytest.mark.parametrize("marker", ["+", "+ ", "-"])
@pytest.mark.parametrize("kind", EVERY_KIND)
def test_a_log_line_after_a_diffs_marker(line: str, marker: str, kind: str) -> None:
    logged = line.format(pw=PW)
    if kind == "patch":  # each line a string of the structuredPatch, after the patch's own +
        assert_gone_in("starting\n" + logged, PW, kind)
    else:
        assert_gone_in(f"@@ -1,2 +1,3 @@\n starting\n{marker}{logged}\n", PW, kind)


@pytest.mark.parametrize(
    "text",
    [
        "@@ -1 +1 @@\n+2024-05-01 12:00:00 INFO app password rotated for bob\n",
        "@@ -1 +1 @@\n-warn: the token is rotated daily\n",
        "+2024-05-01 12:00:00 INFO app token_count 12\n",
        "@@ -1 +1 @@\n+[2024-05-01 12:00:00] ERROR db: password required\n",
    ],
)
def test_an_added_log_line_with_no_secret_is_kept(text: str) -> None:
    assert_kept(text)


# 6. Spring Boot's log line: a token standing where its app's or thread's name or its logger stands is no field of
# the prefix (they are read in log4j's shapes), so the view keeps it for the rules to read.
SPRING = [
    "2024-05-01 12:00:00.123  INFO 1234 --- [main] {t} : started",
    "2024-05-01T12:00:00.123Z  INFO 1 --- [           main] {t}  : started",
    "2024-05-01 12:00:00.123  INFO 1234 --- [{t}] o.s.b.App : started",
    "2024-05-01 12:00:00.123  INFO 1234 --- [{t}] [main] c.e.App : started",
    "2024-05-01 12:00:00.123  INFO 1234 --- [demo] [main] c.e.{t} : started",
]


@pytest.mark.parametrize("line", SPRING)
@pytest.mark.parametrize("token", [GITHUB, JWT])
@pytest.mark.parametrize("kind", EVERY_KIND)
def test_a_token_in_a_spring_boot_field_is_read(line: str, token: str, kind: str) -> None:
    assert_gone_in("starting\n" + line.format(t=token) + "\n", token, kind)


# What a Spring Boot line's prefix holds is still dropped: the line-start rules read the message.
@pytest.mark.parametrize(
    "prefix",
    [
        "2024-05-01 12:00:00.123  INFO 1234 --- [           main] o.s.b.w.embedded.tomcat.TomcatWebServer  : ",
        "2024-05-01 12:00:00.123  INFO 1234 --- [demo-app] [nio-8080-exec-1] c.e.d.DemoApplication$Inner : ",
        "2024-05-01 12:00:00.123  WARN 1234 --- [ionShutdownHook] org.hibernate.orm.deprecation            : ",
        "2024-05-01 12:00:00.123 DEBUG 1234 --- [  restartedMain] ROOT : ",
    ],
)
@pytest.mark.parametrize("kind", EVERY_KIND)
def test_a_spring_boot_prefix_is_dropped(prefix: str, kind: str) -> None:
    assert_gone_in("starting\n" + prefix + "requirepass " + PW + "\n", PW, kind)


@pytest.mark.parametrize(
    "text",
    [
        "\\n+2024-05-01 12:00:00 INFO requirepass x",
        '"+warn: requirepass x"',
        '"-2024-05-01T12:00:00Z DEBUG x"',
        "\\n     3\\t+2024-05-01 12:00:00 INFO x",
        "\\n+ web-1  | x",
        "\\n2024-05-01 12:00:00.123  INFO 1 --- [  restartedMain] o.s.b.App  : x",
        "\\n2024-05-01 12:00:00.123  INFO 1 --- [demo] [nio-8080-exec-1] org.hibernate.SQL : x",
        "\\n2024-05-01 12:00:00.123  INFO 1 --- [main] org.hibernate.orm.deprecation : x",
        "\\n2024-05-01 12:00:00.123  INFO 1 --- [main-] c.e.App : x",
        "\\n2024-05-01 12:00:00.123  INFO 1 --- [main] p6spy : x",
        "\\n2024-05-01 12:00:00.123  INFO 1 --- [main] c.e.App$ : x",
        "\\n2024-05-01 12:00:00.123  INFO 1 --- [a1b2] c.e.App : x",
    ],
)
def test_the_compiled_view_reads_the_new_prefixes_as_the_reference(text: str) -> None:
    compare(text, every_pair=False)


# 4. A Kubernetes Secret printed as JSON (kubectl get secret -o json, jq -c): its data's values under any key.
# (Its YAML over an Edit's patch lines is test_redact_recall_h95's, in every kind since h97.)
B64 = base64.b64encode(PW.encode()).decode()
URL64 = base64.b64encode(f"postgres://app:{PW}@db:5432/app".encode()).decode()
SECRET_JSON = [
    json.dumps(
        {"apiVersion": "v1", "data": {"DB_URL": URL64, "relay": B64}, "kind": "Secret", "metadata": {"name": "a"}},
        indent=4,
    ),
    json.dumps({"apiVersion": "v1", "data": {"relay": B64}, "kind": "Secret"}, separators=(",", ":")),
    json.dumps({"kind": "Secret", "apiVersion": "v1", "data": {"ca.crt": "LS0t", "relay": B64}}),
    json.dumps({"items": [{"data": {"relay": B64}, "kind": "Secret"}], "kind": "List"}, indent=2),
]


@pytest.mark.parametrize("text", SECRET_JSON)
@pytest.mark.parametrize("kind", EVERY_KIND)
def test_a_kubernetes_secret_as_json(text: str, kind: str) -> None:
    out = assert_gone_in(text, B64, kind, rule="k8s_secret_data")
    assert URL64 not in out


@pytest.mark.parametrize(
    "text",
    [
        json.dumps({"apiVersion": "v1", "data": {"PORT": "ODA4MA==", "relay": B64}, "kind": "ConfigMap"}, indent=4),
        json.dumps({"kind": "Secret", "metadata": {"name": B64, "namespace": "default"}}, indent=4),
        json.dumps({"data": {"greeting": "cGFzc3dvcmQ="}, "kind": "Secret"}),  # "password": a placeholder
        json.dumps({"items": [{"data": {"relay": B64}, "kind": "ConfigMap"}, {"kind": "Secret"}]}),
    ],
)
def test_json_that_is_no_secrets_data_is_kept(text: str) -> None:
    assert_kept(text)


# 8. A token after a literal backslash written as two (a Windows path in a string: C:\\Users\\<token>) or one a
# level or two down (JSON in a string): an escaped backslash is no word's character. Deliberately kept (decided
# per case, docs/redaction.md "Twenty-first session (h97)"): a token right after a - or . inside a word or followed
# by a - (key-<token>, cfg.<token>, <token>-suffix: slugs and ids in code, and the guard that tries a rule whose
# body holds - or . only where a run of them begins), a DER key right after a / (inside what reads as one base64
# run or path) or before =x, and a crypt hash followed by a / (its own alphabet's character: no hash that long).
@pytest.mark.parametrize("token", SECRETS)
@pytest.mark.parametrize("before", ["\\\\", "C:\\\\Users\\\\bob\\\\"])
def test_a_token_after_a_literal_backslash(token: str, before: str) -> None:
    assert_gone_in(before + token, token, "plain")
    assert_gone_in('{"path": "' + before.replace("\\", "\\\\") + token + '"}', token, "write")


@pytest.mark.parametrize("before", ["x\n", "x\t", "caf\u00e9"])  # written as \n, \t, \u00e9 in JSON
def test_an_escape_before_a_token_still_ends_a_word(before: str) -> None:
    assert_gone_in(before + GITHUB, GITHUB, "plain")
