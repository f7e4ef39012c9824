"""Assignments written through an encoding the view does not decode (twelfth session, encoded.py), ODBC's
braced values, GraphQL's non-null types, and their look-alikes.

HTML entities (a page fetched by WebFetch, a log rendered as HTML), percent-encoding of a whole JSON object,
ANSI colour escapes in terminal output, fullwidth = and :. Each case runs through the reference and the
engine, which must agree, as a string written with and without \\u escapes. The fake secrets are built from
pieces at run time.
"""

from __future__ import annotations

import urllib.parse

import pytest
from recall_helpers import assert_kept, assert_redacted

PW = "RsZy4W7" + "ZTKb7F3"
PUNCT = "Tr0ub4d" + "or!x9Qz"

ENCODED = [
    f"{{&quot;password&quot;: &quot;{PW}&quot;}}",
    f"{{&#34;api_key&#34;:&#34;{PW}&#34;}}",
    f"{{&#x22;client_secret&#x22; : &#x22;{PW}&#x22;}}",
    f"password&#x3D;{PW}",
    f"db_password&#61;{PW}&amp;user=bob",
    f"password=&#39;{PW}&#39;",
    f"token: &apos;{PW}&apos;",
    f"<pre>DB_PASSWORD&#x3d;{PW}\n</pre>",
    urllib.parse.quote(f'{{"password": "{PW}"}}'),
    f"%7B%22password%22%3A%22{PW}%22%7D",
    f"data=%7B%22apiKey%22%3A+%22{PW}%22%7D",
    f"%22token%22%3a%20%22{PW}%22",
    f"\x1b[32mpassword\x1b[0m=\x1b[1m{PW}\x1b[0m",
    f"password=\x1b[31m{PW}\x1b[0m",
    f"\x1b[1;34mDB_PASSWORD\x1b[0m: {PW}",
    f"API_KEY\x1b[0m = {PW}",
    f"password＝{PW}",
    f"password： {PW}",
    f'"secret"：「x」 token＝"{PW}"',
]


@pytest.mark.parametrize("text", ENCODED)
@pytest.mark.parametrize("ascii_only", [True, False])
def test_an_encoded_assignment_is_redacted(text, ascii_only):
    # Terminal escapes are read through by the view (h72): the plain assignment rule takes those.
    rule = "secret_assignment" if "\x1b" in text else "encoded_secret_assignment"
    assert_redacted(text, PW, rule, ascii_only)


def test_a_percent_encoded_value_is_redacted_whole():
    value = urllib.parse.quote(PUNCT, safe="")
    out = assert_redacted(f"%22password%22%3A%22{value}%22", value, "encoded_secret_assignment")
    assert "x9Qz" not in out


BRACED = [
    f"Driver={{ODBC Driver 18 for SQL Server}};Server=db;Uid=sa;Pwd={{{PW}}};Encrypt=yes;",
    f"Server=db;Database=app;User Id=sa;Password={{{PW}}};",
    f"Server=db;PWD={{{PUNCT}; x}};",
]


@pytest.mark.parametrize("text", BRACED)
def test_a_braced_connection_password_is_redacted(text):
    secret = PUNCT if PUNCT in text else PW
    assert_redacted(text, secret)


KEPT = [
    "<code>password=&lt;your-password&gt;</code> and &quot;token&quot;: &quot;&lt;TOKEN&gt;&quot;",
    "<p>Tom &amp; Jerry &#8212; the password &quot;manager&quot; is great</p>",
    "&quot;password&quot;: &quot;${DB_PASSWORD}&quot;",
    "&quot;password&quot;: &quot;&quot;",
    "&quot;token&quot;: &quot;string&quot;",
    "https://x.com/search?q=%22password%22%3A%22%22&lang=en",
    "%22password%22%3A%22%3Cyours%3E%22",
    "\x1b[32mINFO\x1b[0m token refreshed, \x1b[33mpassword\x1b[0m policy: strict",
    "\x1b[1m\x1b[31mFAILED\x1b[0m tests/test_auth.py::test_password_reset - AssertionError",
    "\x1b[33mpassword\x1b[0m: \x1b[2mstr\x1b[0m",
    "密码：请输入您的密码\npassword：必填\n用户名＝admin",
    "password：<yours>",
    "Server=db;Database=app;Uid={user};Pwd={password};",
    'conn = f"Driver={{ODBC Driver 18}};Server={server};Pwd={pwd};"',
    "Pwd={DB_PASSWORD};",
    "Pwd={self.password};",
    "Pwd={0};",
    'print(f"password={password!r}")',
    "password={pw:>8}",
    "type Mutation {\n  resetPassword(token: String!, newPassword: String!): Boolean\n}",
    "input Login { password: String!, tokens: [Token!]! }",
]


@pytest.mark.parametrize("text", KEPT)
@pytest.mark.parametrize("ascii_only", [True, False])
def test_look_alikes_are_kept(text, ascii_only):
    assert_kept(text, ascii_only)


MORE = [
    (f"password:&nbsp;{PW}", None),
    (f"<td>api_key&#x3a;&#160;&quot;{PW}&quot;</td>", None),
    (f"Authorization: Bearer&nbsp;{PW}", None),
    (f"Authorization: Bearer \x1b[33m{PW}\x1b[0m", None),
    (f"password: |\n  {PW}\n", "yaml_block_secret"),
    (f"db:\n  client_secret: >-\n    {PW}\n  user: app\n", "yaml_block_secret"),
    (f"echo {PW} | sudo -S apt update", "sudo_stdin_password"),
    (f"echo '{PW}' | sudo -k -S ls", "sudo_stdin_password"),
    (f"printf '{PW}' |sudo --stdin -u app id", "sudo_stdin_password"),
]


@pytest.mark.parametrize(("text", "rule"), MORE)
def test_no_break_space_entities_colour_after_bearer_yaml_blocks_and_sudo_stdin(text, rule):
    assert_redacted(text, PW, rule)


MORE_KEPT = [
    "password: |\n  must be at least 12 characters\n",
    "password: >-\n  {{ vault_db_password }}\n",
    "description: |\n  Xk9mQ2vL8pR4tZw7\n",
    "echo hello | sudo tee /etc/motd",
    "echo $PASSWORD | sudo -S ls",
    "SELECT * FROM users WHERE password = ? AND token = $1",
    "Authorization: Bearer&nbsp;&lt;token&gt;",
]


@pytest.mark.parametrize("text", MORE_KEPT)
def test_more_look_alikes_are_kept(text):
    assert_kept(text)


CELLS = [
    f"<tr><td>Password</td><td>{PW}</td></tr>",
    f'<tr>\n  <th>DB password:</th>\n  <td class="v"><code>{PW}</code></td>\n</tr>',
    f"<dl><dt>API key</dt><dd>{PW}</dd></dl>",
    f"| name | value |\n|---|---|\n| password | {PW} |\n",
    f"| Personal access token | `{PW}` |",
    f'<input type="password" name="pw" value="{PW}">',
    f"<input type='password' class='x' value='{PW}' />",
]


@pytest.mark.parametrize("text", CELLS)
def test_a_secret_in_the_cell_after_its_name_or_a_password_field_is_redacted(text):
    assert_redacted(text, PW)


CELLS_KEPT = [
    "| setting | meaning |\n|---|---|\n| password | the account's password |\n| token | an API token |\n",
    "| password | `changeme` |",
    "| token | `${{ secrets.TOKEN }}` |",
    "| api_key | string | yes |",
    "<tr><td>Password</td><td>required</td></tr>",
    "<tr><td>Token</td><td>v1.2.3</td></tr>",
    '<input type="password" name="pw" value="">',
    '<input type="password" value="{{ form.password.value }}">',
]


@pytest.mark.parametrize("text", CELLS_KEPT)
def test_cells_and_fields_that_hold_no_secret_are_kept(text):
    assert_kept(text)


CONFIG = [
    f"git config --global github.token {PW}",
    f"git config hub.oauthtoken '{PW}'",
    f"npm config set //registry.npmjs.org/:_authToken {PW}",
    f"yarn config set //npm.pkg.github.com/:_authToken={PW}",
    f"npm config set _auth {PW}",
    f"poetry config http-basic.internal bob {PW}",
    f"poetry config pypi-token.testpypi {PW}",
    f"setx API_KEY {PW}",
    f'setx /M DB_PASSWORD "{PW}"',
]


@pytest.mark.parametrize("text", CONFIG)
def test_a_secret_stored_by_a_config_command_is_redacted(text):
    assert_redacted(text, PW, None if "=" in text else "config_secret_argument")  # key=value: secret_assignment


CONFIG_KEPT = [
    "git config --global user.signingkey 3AA5C34371567BD2",
    "git config --global user.name 'Jane Doe'",
    "npm config set always-auth true",
    "npm config set auth-type legacy",
    "npm config set //registry.npmjs.org/:_authToken ${NPM_TOKEN}",
    "poetry config http-basic.internal bob",
    "setx PATH %PATH%;C:\\bin",
    "mygit config x.token abcdef",
]


@pytest.mark.parametrize("text", CONFIG_KEPT)
def test_config_commands_that_store_no_secret_are_kept(text):
    assert_kept(text)
