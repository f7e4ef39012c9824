"""Code an agent reads every day, kept whole; the secrets written beside it in config form, still redacted.

The code lines are from real files (the Python standard library, site-packages, npm's own tree) that the
redactor changed when read as a Read result: names of variables and attributes, expressions, string
prefixes, format strings, constants naming a variable, enumerated settings, an example's PEM block.
Each runs through the reference and the engine, which must agree (recall_helpers).
"""

from __future__ import annotations

import pytest
from recall_helpers import assert_kept, assert_redacted

PW = "RsZy4W7" + "ZTKb7F3"
WORD_PW = "hunter" + "2"

CODE = [
    # Python: chained, tuple and attribute assignments of a name
    "userid = passwd = acct = ''",
    "self.user, self.password = user, password",
    "self.token = nextchar",
    "self._credential = credential",
    "self.username, self.password = credentials",
    "first_token = prev",
    "last_token = maybe_comma",
    "exposed, token = result",
    "util._reprcompare, util._assertion_pass = saved_assert_hooks",
    "ActivityTask(task_token=callback_id, task_input=activity_input)",
    "certificate_arn=certificate_arn, passphrase=passphrase",
    "{token: token}",
    "tokenTagToken = patternTree.symbol",
    # string prefixes, format strings, numbers
    "longopt_pat = r'[a-zA-Z](?:[a-zA-Z0-9-]*)'",
    "jsonnet_token = r'[^\\W\\d]\\w*'",
    'password = f"{registry_id}-auth-token"',
    "user_pass = '%s:%s' % (unquote(user), unquote(passwd))",
    "token = -1",
    "_token = 'e'",
    "SERVER_AUTH = '1.3.6.1.5.5.7.3.1'",
    "Token: '#dcdccc',",
    # constants and names that name a secret
    "ENV_VAR_AUTH_TOKEN = 'AWS_CONTAINER_AUTHORIZATION_TOKEN'",
    "SECRET_KEY = 'AWSSecretKey'",
    '"input_token": "next_token",',
    '"input_token": "NextToken",',
    "return {'Authorization': auth_token}",
    # JavaScript
    "exports2.HEADER_CHARS = exports2.TOKEN = exports2.ALPHA = void 0;",
    "token: forceAuth._authToken || forceAuth.token,",
    "const UNEXPECTED_TOKEN = /^Unexpected token '?(.)'?(,)? /i",
    "const SOCKS5_NO_ACCEPTABLE_AUTH = 0xff;",
    "const requestCredentials = /** @type {const} */ (['omit', 'same-origin', 'include'])",
    "credentials: kEnumerableProperty,",
    "credentials: corsAttributeState === 'anonymous'",
    "credentials: 'include',",
    "const USE_CREDENTIALS = 'use-credentials'",
    "const { token: otp } = await webAuthOpener(opener)",
    # a workflow's permissions, prose, a prompt, an example's key
    "permissions:\n  id-token: write\n  contents: read",
    '"""Token constants."""',
    "Returns a PrivateKey object.",
    "const confirmed = await readUserInfo.password('       Again:     ')",
    "'pass': 'The \"pass\" statement\\n'",
    'key="-----BEGIN PRIVATE KEY-----\\nXXXX\\nXXXX\\n-----END PRIVATE KEY-----"',
    "when your file has '-----BEGIN RSA PRIVATE KEY-----' and '-----END RSA PRIVATE KEY-----' markers",
    # cookies of documentation, not of a session
    "Set-Cookie: oreo=doublestuff; Path=/",
    "Cookie: theme=dark; lang=en",
]


@pytest.mark.parametrize("text", CODE)
def test_code_is_kept(text):
    assert_kept(text)


SECRETS = [
    (f"DB_PASSWORD={PW}", PW),
    (f"export TOKEN={WORD_PW}", WORD_PW),
    (f"password = {WORD_PW}", WORD_PW),  # an INI line: the value has a digit
    (f"token: {PW}", PW),
    (f"self.password = '{PW}'", PW),
    (f"{{ token: '{PW}' }}", PW),
    (f"API_KEY = '{PW}'", PW),
    (f"credentials: {PW},", PW),
    (f"acct = passwd = '{PW}'", PW),
    (f"passphrase=passphrase2{PW}", PW),
    (f"postgres://app:old-pass@db:5432/{PW}", "old-pass"),
    ("PRIVATE_KEY = 0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318", "4c0883a69102937d"),
    (f"Cookie: sessionid={PW}; theme=dark", PW),
    ("password: Summer2024", "Summer2024"),
    (f"Authorization: Bearer {PW}x.y", PW),
    ("-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----", "MIIEvQIBADANBgkq"),
]


@pytest.mark.parametrize(("text", "secret"), SECRETS)
def test_a_secret_beside_code_is_redacted(text, secret):
    assert_redacted(text, secret)


TABLES_AND_PERL = [
    "54FE 54FF 5500 5501 5502 5503 5504 5505 5506 5507",  # a code point table, not a card
    "5513 5514 5515 5516 5517 5518 5519 551A 551B 551C",
    "5414 5415 5416 5417 20BBF 20BC6 56DD 56DE 56DF 56E0",
    "7819 781A 781B 781C 2542F 25430 4100 7944 7945 7946",
    '"-auth=anonymous:$FROM_EMAIL",',
    'my $out = $as->{pass} ? "PASS" : "FAIL";',
    "d_pwpasswd='define'",
    "TOKEN: while (@tokens) {",
    "max_token => 10_000,",
    '"authorization": self.authorization,',
    "private_key: PKCS7PrivateKeyTypes,",
    '"password": "string?",',
    "use the --username and --password options instead of the URL",
    "trio_token = TOKEN_LOCAL.token",
    "Cookie: CUSTOMER=WILE_E_COYOTE; PART_NUMBER=ROCKET_LAUNCHER_0001",
]


@pytest.mark.parametrize("text", TABLES_AND_PERL)
def test_tables_and_perl_are_kept(text):
    assert_kept(text)


@pytest.mark.parametrize(
    "text",
    ["card 4111 1111 1111 1111 exp 12/29", "pay with 4111-1111-1111-1111 4567", "5500 0000 0000 0004"],
)
def test_a_grouped_card_number_alone_is_redacted(text):
    assert_redacted(text, "1111 1111" if "4111 " in text else ("1111-1111" if "-" in text else "0000 0004"))
