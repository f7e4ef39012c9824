"""Eighteenth session: a quoted value in parentheses after a secret's name (Python's long strings: the value on
the same line or the lines after, split in adjacent literals the view joins). Each case was kept before."""

from __future__ import annotations

import pytest
from recall_helpers import apply, as_json, assert_kept, assert_redacted

PW = "Hunter2xyz9Q"


@pytest.mark.parametrize(
    "text",
    [
        f'password = ("{PW}")',
        f'password = ( "{PW}" )',
        f'password = (\n    "{PW}"\n)',
        f'DB_PASSWORD = (\n"{PW}")',
        f"password = (\n    '{PW}'\n)",
        f'settings = dict(x=1)\nAPI_KEY = (\n    "{PW[:6]}"\n    "{PW[6:]}"\n)\n',
    ],
)
def test_a_parenthesized_value_is_the_value(text: str) -> None:
    out = assert_redacted(text, PW[6:], rule="secret_assignment")
    assert PW[:6] not in out, out


@pytest.mark.parametrize(
    "text",
    [
        'password = (\n    os.environ["DB_PASSWORD"]\n)',
        'password = ("changeme")',
        'password = (\n    ""\n)',
        'token = (\n    f"{prefix}-{suffix}"\n)',
        'password = (\n    "your-password-here"\n)',
        "password = (get_password() or default)",
        "password = (\n    settings.DB_PASSWORD\n)",
    ],
)
def test_a_parenthesized_reference_or_placeholder_is_kept(text: str) -> None:
    assert_kept(text)


@pytest.mark.parametrize("prefix", ["b", "r", "u", "rb", "BR", "f"])
def test_a_python_string_prefix_before_the_value(prefix: str) -> None:
    assert_redacted(f'API_KEY = {prefix}"{PW}"', PW, rule="secret_assignment")
    assert_redacted(f"password={prefix}'{PW}'", PW, rule="secret_assignment")


@pytest.mark.parametrize(
    "text",
    [
        'password = f"{prefix}{suffix}"',
        'token = b""',
        'password = rf"{PW_DIR}/x"',
        "password: bytes = b'changeme'",
    ],
)
def test_a_prefixed_reference_or_placeholder_is_kept(text: str) -> None:
    assert_kept(text)


@pytest.mark.parametrize("tag", ["!vault", "!!binary", "!Sub"])
def test_a_yaml_tag_before_a_block_is_no_value(tag: str) -> None:
    # Before: password: [REDACTED:secret_assignment] | (the tag taken as the value, the block left).
    text = f"db:\n  password: {tag} |\n    $ANSIBLE_VAULT;1.1;AES256\n    66386439653236336462626566653063336164663966303231\n"
    assert_kept(text)  # Ansible's vault: ciphertext


@pytest.mark.parametrize(
    "text",
    [
        f'Password is "{PW}"',
        f"ssh password for root is {PW}",
        f"The password for the admin account is `{PW}`.",
        f"the api key for staging was '{PW}' until today",
    ],
)
def test_prose_with_whose_secret_and_a_quoted_value(text: str) -> None:
    assert_redacted(text, PW, rule="prose_secret", ascii_only=True)


@pytest.mark.parametrize(
    "text",
    [
        "the password for the account is expired",
        'the token for this is "a long sentence"',
        'the token is "PLACEHOLDER_VALUE"',
        "the password for each user is stored hashed",
    ],
)
def test_prose_about_a_secret_is_kept(text: str) -> None:
    assert_kept(text)


DICEWARE = "correct horse battery staple"


@pytest.mark.parametrize(
    "text",
    [
        f"passphrase: {DICEWARE}",
        f"PASSPHRASE={DICEWARE}",
        f'GPG_PASSPHRASE="{DICEWARE.replace(" ", "-")}"',
        f"ssh key passphrase: {DICEWARE}\nnext line",
        f"the passphrase: {DICEWARE} # rotated",
        f'{{"passphrase": "{DICEWARE}"}}',
    ],
)
def test_a_passphrase_of_words_is_redacted_whole(text: str) -> None:
    # Before: passphrase: [REDACTED:secret_assignment] horse battery staple (the first word alone).
    out = assert_redacted(text, "horse", rule="passphrase_words")
    assert "staple" not in out and "battery" not in out, out


@pytest.mark.parametrize(
    "text",
    ["passphrase: used to unlock the key", "passphrase = None", "key_passphrase: ${SSH_PASSPHRASE}"],
)
def test_prose_about_a_passphrase_is_no_passphrase(text: str) -> None:
    out = apply(as_json(text))
    assert "passphrase_words" not in out, out
