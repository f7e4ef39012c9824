"""Issue 16 (h283): what a fifth fresh set of pastes (tests/redaction_corpus/fresh5_*.jsonl) found, one class each.

* A secret store's reference (1Password's ``op://``, bank-vaults' ``vault:<path>#<key>``, vals' ``ref+<backend>://``)
  or an ``@file`` with a secret's or a setting's extension (``vault kv put ... password=@db-password.txt``) is
  where the secret is kept: kept (references.py).
* MongoDB's ``createUser({..., pwd: <expression>})``: only a string literal is a password.
* A box-drawn table's row between the double (U+2551) or heavy (U+2503) bars (railway variables, rich), and a
  name of an environment's style that ends in ``_PASS`` (doppler secrets' ``SMTP_PASS``).
* Cloudflare Tunnel tokens (base64 of ``{"a":...,"t":...,"s":...}``) and minisign secret keys (``RWRTY0Iy``).
* ``grafana-cli admin reset-admin-password <pw>``, ``bundle config <host> <user>:<pw>``, and the password
  ``elasticsearch-reset-password`` prints.

Each case through the reference and the engine, which must agree; a second pass changes nothing.
"""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path

import pytest
from recall_helpers import assert_kept, assert_redacted

sys.path.insert(0, str(Path(__file__).parent / "redaction_corpus"))

from fakes import ALNUM, B64, HEX, Fakes  # noqa: E402

F = Fakes(283)
PW = F.pick(ALNUM, 20)
TUNNEL = (
    base64.b64encode(
        json.dumps({"a": F.pick(HEX, 32), "t": F.uid(), "s": base64.b64encode(F.pick(ALNUM, 32).encode()).decode()})
        .replace(" ", "")
        .encode()
    )
    .decode()
    .rstrip("=")
)
MINISIGN = "RWRTY0Iy" + F.pick(B64, 203) + "="


@pytest.mark.parametrize(
    "text",
    [
        "DATABASE_PASSWORD=op://Engineering/orders-db/password\n",
        'password: "op://Private/github/token"',
        "db:\n  password: ref+vault://secret/orders/db#/password\n  token: ref+awsssm://orders/prod/api-token\n",
        "env:\n  - name: DB_PASSWORD\n    value: vault:secret/data/orders/db#password\n",
        "vault kv put -mount=secret orders/db password=@db-password.txt username=orders",
        "API_TOKEN=@./secrets/api.token",
    ],
)
def test_a_reference_to_where_the_secret_is_kept_stays(text: str) -> None:
    assert_kept(text)


@pytest.mark.parametrize(
    "text",
    [
        f"PASSWORD=@{PW}",  # no file's extension: a value that begins with @
        f"password: vault:{PW}",  # no path after vault:
        f"  - name: DB_PASSWORD\n    value: {PW}\n",
    ],
)
def test_a_value_that_only_looks_like_a_reference_still_goes(text: str) -> None:
    assert_redacted(text, PW)


@pytest.mark.parametrize(
    "text",
    [
        'db.createUser({\n  user: "orders",\n  pwd: process.env.MONGO_ORDERS_PASSWORD,\n  roles: [],\n});',
        "db.createUser({ user: 'app', pwd: passwordPrompt(), roles: ['readWrite'] })",
        "db.updateUser('app', { pwd: newPassword })",
    ],
)
def test_create_users_pwd_as_an_expression_stays(text: str) -> None:
    assert_kept(text)


@pytest.mark.parametrize(
    "text",
    [
        f'db.createUser({{ user: "orders", pwd: "{PW}", roles: [] }})',
        f"db.createUser({{ user: 'app', pwd: '{PW}' }})",
        f"rabbitmqctl add_user orders {PW}",
    ],
)
def test_create_users_pwd_as_a_literal_still_goes(text: str) -> None:
    assert_redacted(text, PW)


@pytest.mark.parametrize("ascii_only", [True, False])
@pytest.mark.parametrize(
    "text",
    [
        f"\u2551 NEON_PASSWORD     \u2502 {PW} \u2551\n",
        f"\u2502 SMTP_PASS         \u2502 {PW}        \u2502\n",
        f"\u2503 API_TOKEN \u2503 {PW} \u2503\n",
    ],
)
def test_a_box_drawn_rows_secret_goes(text: str, ascii_only: bool) -> None:
    assert_redacted(text, PW, "box_cell_secret", ascii_only=ascii_only)


@pytest.mark.parametrize(
    "text",
    [
        "\u2502 SKIP_PASS \u2502 enabled \u2502\n",
        f"\u2502 pass \u2502 {PW} \u2502\n",  # the word alone is no secret's name
        "\u2551 DB_PASSWORD \u2502 see vault \u2551\n",
    ],
)
def test_a_box_drawn_row_without_a_secret_stays(text: str) -> None:
    assert_kept(text, ascii_only=False)


@pytest.mark.parametrize(
    ("text", "secret", "rule"),
    [
        (f"sudo cloudflared service install {TUNNEL}", TUNNEL, "cloudflare_tunnel_token"),
        (f"TUNNEL_TOKEN={TUNNEL}", TUNNEL, None),
        (
            f"untrusted comment: minisign encrypted secret key\n{MINISIGN}\n",
            MINISIGN,
            "minisign_secret_key",
        ),
        (f"grafana-cli admin reset-admin-password {PW}", PW, "admin_reset_password"),
        (f"grafana cli --homepath /usr/share/grafana admin reset-admin-password '{PW}'", PW, None),
        (f"bundle config set --global gems.contribsys.com 4f2ac1d9:{PW}", PW, "bundle_config_credentials"),
        (f"bundle config rubygems.pkg.github.com dev:{PW}", PW, None),
        (
            f"Password for the [elastic] user successfully reset.\nNew value: {PW}\n",
            PW,
            "reset_password_report",
        ),
    ],
)
def test_a_tools_own_secret_goes(text: str, secret: str, rule: str | None) -> None:
    assert_redacted(text, secret, rule)


@pytest.mark.parametrize(
    "text",
    [
        "grafana-cli admin reset-admin-password --password-from-stdin < pw.txt",
        "the reset-admin-password command takes the new password",
        "bundle config set --local path vendor/bundle",
        "This tool will reset the password of the [elastic] user.\nYou will be prompted to enter the password.\n",
        # a minisign public key (RWQ + its key id) and base64 JSON that is no tunnel's
        "untrusted comment: minisign public key 7A3F2C1B\nRWQf6LRCGA9i53mlYecO4IzT51TGPpvWucNSCh1CBM0QTaLn73Y7GFO3\n",
        "eyJhIjoiYiIsImMiOiJkIiwiZSI6ImYiLCJnIjoiaCIsImkiOiJqIiwiayI6ImwiLCJtIjoibiIsIm8iOiJwIiwicSI6InIiLCJzIjoidCJ9",
    ],
)
def test_a_tools_words_without_a_secret_stay(text: str) -> None:
    assert_kept(text)
