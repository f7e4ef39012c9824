"""Issue 16 (h270): what a third fresh set of pastes (tests/redaction_corpus/fresh3_*.jsonl) found, one class each.

* A relative path after a secret's name (``credentials: aws/credentials``, ``secret: secrets/prod/app.enc.yaml``)
  names the file that holds the secret: kept, as an absolute one was.
* A provider's prefix or a few characters then an ellipsis (docs' ``STRIPE_SECRET_KEY=sk_test_...``): a
  placeholder, kept; a long or mixed head cut short may be a real secret: still redacted.
* One's own key handed over in a sentence, the value right after its name (``use my cohere key <v> for ...``):
  the keys of providers without a prefix.

Each case through the reference and the engine, which must agree; a second pass changes nothing.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from recall_helpers import assert_kept, assert_redacted

sys.path.insert(0, str(Path(__file__).parent / "redaction_corpus"))

from fakes import ALNUM, B64, Fakes  # noqa: E402

F = Fakes(270)
KEY = F.pick(ALNUM, 40)
PW = F.pick(ALNUM, 20)
B64KEY = F.pick(ALNUM, 20) + "/" + F.pick(B64, 19)
HEAD = "Q7" + F.pick(ALNUM, 7)  # mixed: two cases and a digit


@pytest.mark.parametrize(
    "text",
    [
        "storage:\n  provider: s3\n  credentials: aws/credentials\n  bucket: assets\n",
        "creation_rules:\n  - secret: secrets/prod/app.enc.yaml\n    api_key: keys/prod/age.txt\n",
        "cluster:\n  token: k8s/prod/token\n",
        "password: ../shared/db-password.txt",
        "CLIENT_SECRET=config/client_secret.json",
    ],
)
def test_a_relative_path_after_a_secret_name_stays(text: str) -> None:
    assert_kept(text)


@pytest.mark.parametrize(
    ("text", "secret", "rule"),
    [
        (f"password: {PW[:10]}/{PW[10:]}", PW[:10], "secret_assignment"),  # mixed case: base64 or a password
        ("password: x7k2m/9qp4w8", "x7k2m/9qp4w8", "secret_assignment"),  # half digits: no path of words
        (f"aws_secret_access_key = {B64KEY}", B64KEY, None),
    ],
)
def test_a_secret_with_a_slash_still_goes(text: str, secret: str, rule: str | None) -> None:
    assert_redacted(text, secret, rule)


@pytest.mark.parametrize(
    "text",
    [
        "export STRIPE_SECRET_KEY=sk_test_...",
        "OPENAI_API_KEY=sk-proj-...",
        "aws_access_key_id = AKIA...",
        "API_KEY=abc...",
    ],
)
def test_a_prefix_then_an_ellipsis_stays(text: str) -> None:
    assert_kept(text)


def test_a_prefix_then_the_ellipsis_character_stays() -> None:
    """As Claude Code writes a payload (non-ASCII as it is): the value reads the ellipsis."""
    assert_kept("token: ghp_\u2026", ascii_only=False)


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        (f"password={HEAD}...", HEAD),  # a mixed head: a secret cut short
        (f"API_KEY={PW}...", PW),  # a long head
    ],
)
def test_a_secret_cut_short_still_goes(text: str, secret: str) -> None:
    assert_redacted(text, secret)


@pytest.mark.parametrize(
    "text",
    [
        f"use my cohere key {KEY} for the rerank step",
        f"here is our mistral api key {KEY}, keep it out of git",
        f"try with your token {KEY}",
    ],
)
def test_ones_own_key_in_a_sentence_goes(text: str) -> None:
    assert_redacted(text, KEY, "prose_secret")


@pytest.mark.parametrize(
    "text",
    [
        "add my ssh key ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl",
        "my gpg key 0A1B2C3D4E5F60718293A4B5C6D7E8F901234567 is on the keyserver",
        "my key expired yesterday, can you rotate it?",
        "my api key 3f9c2a7b1e is the short test one",
        "your token endpoint returns 401",
    ],
)
def test_a_public_key_or_a_sentence_about_a_key_stays(text: str) -> None:
    assert_kept(text)
