"""Issue 16 (h281): a red team of h270's exits and its prose trigger, one class each.

* A relative path after a secret's name was kept when its segments were lower-case words: a passphrase with
  slashes (``password: hunter/two/three``) or lower-case base32 with a slash went through. Now it must say it is
  a path: begin ``./``, ``../``, ``~/`` or end ``/``, end in a file's extension, begin in a folder for secrets
  (``secrets/...``) or end in a name saying what the file holds (``aws/credentials``, ``k8s/prod/token``).
* A head of 12 characters and an ellipsis was a placeholder: ``password: hunter2...`` (a whole password, then a
  sentence's ellipsis) went through. Now only a provider's prefix (``sk_test_...``) or 4 characters at most.
* ``Authorization: Bearer <token>...`` (a log's preview, or prose) kept the whole token: the header's value could
  not end before an ellipsis.
* The prose trigger missed ``my openai key is <v>``, ``my key: <v>``, ``here's the key: <v>`` and a password
  named in another language (``mein Passwort ist <v>``); a database's or a cache's key stays.

Each case through the reference and the engine, which must agree; a second pass changes nothing.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from recall_helpers import assert_kept, assert_redacted

sys.path.insert(0, str(Path(__file__).parent / "redaction_corpus"))

from fakes import ALNUM, Fakes  # noqa: E402

F = Fakes(281)
KEY = F.pick(ALNUM, 24)
LOWER32 = "".join(c for c in F.pick(ALNUM, 80).lower() if c in "abcdefghijklmnopqrstuvwxyz234567")[:16]
B32 = LOWER32[:8] + "/" + LOWER32[8:16]


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("password: hunter/two/three", "hunter/two/three"),
        ("secret: correct/horse/battery/staple", "correct/horse"),
        (f"api_key: {B32}", B32),  # lower-case base32 with a slash
        ("TOKEN=ab_cd/ef_gh/ij_kl", "ab_cd/ef_gh"),
        ("webhook_secret: hooks/t000/b000/qzvmkwrtplxbnhgdsjcfy", "qzvmkwrtplxbnhgdsjcfy"),
    ],
)
def test_words_with_slashes_that_name_no_file_go(text: str, secret: str) -> None:
    assert_redacted(text, secret, "secret_assignment")


@pytest.mark.parametrize(
    "text",
    [
        "storage:\n  credentials: aws/credentials\n",
        "cluster:\n  token: k8s/prod/token\n",
        "creation_rules:\n  - secret: secrets/prod/db\n",
        "api_key: keys/prod/age.txt",
        "password: config/db-password.txt",
        "token_dir: tokens/cache/",
        "NPM_TOKEN: buildkite/npm-token",  # a secret manager's name for it (fourth fresh set, z-b018)
        "DB_PASSWORD: prod/db/password",
    ],
)
def test_a_path_that_says_it_is_one_stays(text: str) -> None:
    assert_kept(text)


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("password: hunter2...", "hunter2"),
        ("password: correcthorse... then it logged in", "correcthorse"),
        ("password=qwerty12345...", "qwerty12345"),
        ("token: ghp_abcdefgh...", "ghp_abcdefgh"),
        ("secret: zxcvbnmasdfg\u2026", "zxcvbnmasdfg"),
    ],
)
def test_a_whole_secret_before_an_ellipsis_goes(text: str, secret: str) -> None:
    assert_redacted(text, secret, ascii_only=False)


@pytest.mark.parametrize(
    "text",
    [
        "export STRIPE_SECRET_KEY=sk_test_...",
        "ANTHROPIC_API_KEY=sk-ant-api03-...",
        "GITHUB_TOKEN=github_pat_...",
        "aws_access_key_id = AKIA...",
        "API_KEY=abc...",
    ],
)
def test_a_providers_prefix_then_an_ellipsis_stays(text: str) -> None:
    assert_kept(text)


@pytest.mark.parametrize(
    "text",
    [
        f"Authorization: Bearer {KEY}...",
        f'curl -H "Authorization: Bearer {KEY}..." https://api.example.com',
        f"INFO sending Bearer {KEY}\u2026 to the proxy",
    ],
)
def test_a_bearer_token_before_an_ellipsis_goes(text: str) -> None:
    assert_redacted(text, KEY, "authorization_header", ascii_only=False)


def test_a_jwt_header_cut_short_stays() -> None:
    """A preview of a JWT's first ten characters is the same for every HS256 token: nothing to hide."""
    assert_kept("Authorization: Bearer eyJhbGciOi...")


@pytest.mark.parametrize(
    "text",
    [
        f"my openai key is {KEY}",
        f"my key: {KEY}",
        f"here's the key: {KEY}",
        f"the openai key is {KEY}, rotate it after",
        f"mein Passwort ist {KEY}",
        f"le mot de passe est {KEY}",
        f"mi clave es {KEY}",
    ],
)
def test_a_key_handed_over_in_prose_goes(text: str) -> None:
    assert_redacted(text, KEY, "prose_secret")


@pytest.mark.parametrize(
    "text",
    [
        "my ssh key is SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s",
        "our signing key is 4AEE18F83AFDEB23aa",
        "my commit 3f9c2a7b1e4d5c6b7a8f9e0d1c2b3a4f5e6d7c8b fixed it",
        "the sort key is createdAt#2024",
        "the cache key is user:1234:profile",
        "the S3 key is uploads/2024/01/report.pdf",
        "the key is required, and that key is deprecated",
        "die Passwort Richtlinie ist streng",
    ],
)
def test_a_public_or_a_databases_key_in_prose_stays(text: str) -> None:
    assert_kept(text)
