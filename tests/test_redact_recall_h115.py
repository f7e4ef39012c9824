"""Provider tokens joined to a name by ``_`` (h115, issue 16, the twenty-second red-team pass's Left): an MCP tool
name ``mcp__<token>__tool``, a file name ``backup_<token>.json``, an identifier ``KEY_<token>_OLD``. Each token
through the reference and the engine, which must agree; the envelope's fields derived from the tool name carry
the redacted form; the identifiers, file names and base64url runs that only look so are kept. The fake secrets
are built at run time.
"""

from __future__ import annotations

import json
import random
import string
import sys
from pathlib import Path

import pytest
from recall_helpers import EVERY_KIND, apply, as_json, assert_gone_in, assert_kept

from conftest import wait_for_entries
from hookd.envelope import EnvelopeBuilder
from hookd.envelope.payload import Preparer
from hookd.redact import build_redactor
from hookd.refusals import Header
from hookd.sequence import SequenceAllocator

sys.path.insert(0, str(Path(__file__).parent / "redaction_corpus"))

from fakes import Fakes  # noqa: E402

VALUES = Fakes(115).all()
AWS_ID = "AK" + "IA" + "QZ3XB7KD2MNV5RWT"
# One token of each rule that may stand joined by "_" (name: the rule that redacts it).
TOKENS = {
    "aws_access_key_id": AWS_ID,
    "github_token": VALUES["gh"],
    "gitlab_token": VALUES["glpat"],
    "slack_token": VALUES["slackbot"],
    "stripe_key": VALUES["stripe"],
    "anthropic_api_key": VALUES["anthropic"],
    "openai_api_key": VALUES["openai"],
    "llm_api_key": VALUES["groq"],
    "google_api_key": VALUES["google"],
    "npm_token": VALUES["npm"],
    "pypi_token": VALUES["pypi"],
    "vault_token": VALUES["vault"],
    "sendgrid_key": VALUES["sendgrid"],
    "shopify_token": VALUES["shopify"],
    "digitalocean_token": VALUES["do"],
    "heroku_key": VALUES["heroku"],
    "supabase_key": VALUES["supabase"],
    "linear_api_key": VALUES["linear"],
    "notion_token": VALUES["notion"],
    "doppler_token": VALUES["doppler"],
    "age_secret_key": VALUES["age"],
    "grafana_token": VALUES["grafana"],
    "databricks_token": VALUES["databricks"],
    "postman_key": VALUES["postman"],
    "sentry_token": VALUES["sentry"],
    "pulumi_token": VALUES["pulumi"],
    "newrelic_key": VALUES["newrelic"],
}
# Where a token stands joined by "_": after one or two, in an MCP tool name, a file name in a path, an
# identifier, glued at the string's start or end.
POSITIONS = [
    "x_{t}",
    "DEPLOY_{t}",
    "FOO__{t}",
    "mcp__{t}__tool",
    "mcp__corp_{t}_prod__get_file",
    "cat /home/bob/backup_{t}.json",
    "KEY_{t}_OLD = 1",
    "{t}_x",
    "{t}__tool",
]


@pytest.mark.parametrize("position", POSITIONS)
@pytest.mark.parametrize("rule", sorted(TOKENS))
def test_a_token_joined_by_an_underscore_is_redacted(rule: str, position: str) -> None:
    token = TOKENS[rule]
    text = position.format(t=token)
    out = apply(as_json(text))
    assert token not in out, out
    assert f"[REDACTED:{rule}]" in out, out
    assert apply(out) == out


@pytest.mark.parametrize("kind", EVERY_KIND)
@pytest.mark.parametrize("token", [AWS_ID, VALUES["gh"], VALUES["google"], VALUES["slackbot"]])
def test_a_joined_token_is_redacted_in_every_payload_kind(token: str, kind: str) -> None:
    assert_gone_in(f"saved to /srv/keys/old_{token}.json and mcp__{token}__call", token, kind)


# A token whose body may hold "_" stops at its exact length where "_" follows (AIza + 35, HRKU-AA + 58,
# sk-ant-...AA): the tool name after it is kept, however long.
@pytest.mark.parametrize("name", ["google", "heroku", "anthropic"])
def test_a_token_of_exact_length_ends_before_the_name_it_is_joined_to(name: str) -> None:
    token = VALUES[name]
    out = apply(as_json(f"mcp__{token}__create_pull_request_review_comment"))
    assert token not in out and out.endswith(']__create_pull_request_review_comment"}}'), out


def test_awss_documented_example_joined_by_an_underscore_is_redacted_as_anywhere() -> None:
    """AKIAIOSFODNN7EXAMPLE is redacted like any key of its shape (docs/redaction.md): joined too."""
    example = "AK" + "IA" + "IOSFODNN7EXAMPLE"
    for text in (f"mcp__{example}__tool", f"FOO__{example}", f"fixture_{example}.json"):
        out = apply(as_json(text))
        assert example not in out and AWS_MARK in out, out


BENIGN = [
    "my_akia_reader = AkiaReader()",
    "AWS_AKIA_PREFIX = 'AKIA'; SKIP_AKIA_CHECKS_FOR_TESTS = True",
    "def test_sk_live_key_is_redacted(): pass",
    "STRIPE_sk_live_placeholder_value = None",
    "is_sk_proj_enabled = use_xoxb_token_here = MAX_gsk_LEN",
    "ci_glpat-token-for-the-ci-pipeline-jobs.yml",
    "x_hvs.configuration_file_for_prod",
    "load_hf_loadModelFromHubWithTokenAuth.py",
    "cache_key-d41d8cd98f00b204e9800998ecf8427e",
    "mcp__github__create_pull_request_review_comment",
    "backup_2024_01_01.json __init__.py file_sbp_notes.txt",
    "the_sk_live_keys_are_in_vault and FOO_AKIAPREFIXLIST",
    "glpat-" + "x" * 20 + "_old",  # a mask, as it was
]


@pytest.mark.parametrize("text", BENIGN)
def test_names_that_only_look_joined_are_kept(text: str) -> None:
    assert_kept(text)


def test_a_prefix_inside_a_long_base64url_run_is_not_taken_for_a_joined_token() -> None:
    """Deep in a run of base64url (a JWT's part, a URL-safe blob) "_" is one of its characters, not a join."""
    rnd = random.Random(115)
    alphabet = string.ascii_letters + string.digits + "-_"
    for prefix in ("_AKIA", "_AIza", "_sk_live_", "_xoxb-1234567890-", "_hvs.", "_gsk_", "_dapi", "_ghp_"):
        head = "".join(rnd.choice(alphabet) for _ in range(200))
        tail = "".join(rnd.choice(string.ascii_uppercase + "234567") for _ in range(60))
        blob = head + prefix + tail + "_" + "".join(rnd.choice(alphabet) for _ in range(40))
        assert_kept("data " + blob + " end")


AWS_MARK = "[REDACTED:aws_access_key_id]"


def _built(tmp_path: Path, tool_name: str, **payload: object) -> dict:
    builder = EnvelopeBuilder("h", SequenceAllocator(str(tmp_path / "seq")), build_redactor(True))
    body = {"hook_event_name": "PreToolUse", "session_id": "s", "tool_name": tool_name, **payload}
    event = builder.build(Header(), json.dumps(body).encode())
    envelope = json.loads(event.envelope)
    assert event.tool == envelope["tool_name"] == envelope["payload"]["tool_name"]
    return envelope


@pytest.mark.parametrize(
    ("server", "redacted"),
    [(AWS_ID, AWS_MARK), ("corp_" + AWS_ID + "_prod", "corp_" + AWS_MARK + "_prod")],
)
def test_every_field_derived_from_the_tool_name_carries_the_redacted_form(
    tmp_path: Path, server: str, redacted: str
) -> None:
    envelope = _built(tmp_path, f"mcp__{server}__list_buckets", tool_input={"bucket": "logs"})
    assert envelope["tool_name"] == f"mcp__{redacted}__list_buckets"
    assert envelope["mcp_server"] == redacted
    assert envelope["mcp_tool"] == "list_buckets"
    assert AWS_ID not in json.dumps(envelope)


def test_the_tool_name_kept_apart_from_a_dense_payload_is_redacted_too() -> None:
    """A payload too dense to confirm is redacted whole and its tool name taken from the sender's, redacted
    on its own (Preparer._identity): that string alone, its token joined at its start, is redacted as well."""
    body = {"tool_response": {"stdout": "password=x1 " * 60000}, "hook_event_name": "PostToolUse"}
    prepared = Preparer(build_redactor(True)).prepare(json.dumps({**body, "tool_name": f"mcp__{AWS_ID}__x"}).encode())
    assert "dense" in prepared.redactions
    assert prepared.tool == f"mcp__{AWS_MARK}__x"
    assert AWS_ID.encode() not in prepared.body


def test_an_mcp_tool_name_holding_a_token_reaches_redis_redacted(hookd, redis_db):
    """A real PreToolUse through a real hookd: the stream's tool field and the envelope's tool_name,
    mcp_server and mcp_tool all carry the marker; the spool never holds the token."""
    tool = f"mcp__{AWS_ID}__list_buckets"
    body = {"hook_event_name": "PreToolUse", "session_id": "s1", "tool_name": tool, "tool_input": {"bucket": "b"}}
    assert hookd.send(json.dumps(body).encode()).returncode == 0
    (fields,) = wait_for_entries(redis_db, 1)
    assert all(AWS_ID.encode() not in value for value in fields.values())
    envelope = json.loads(fields[b"envelope"])
    assert fields[b"tool"].decode() == envelope["tool_name"] == f"mcp__{AWS_MARK}__list_buckets"
    assert envelope["payload"]["tool_name"] == envelope["tool_name"]
    assert (envelope["mcp_server"], envelope["mcp_tool"]) == (AWS_MARK, "list_buckets")
    for segment in (hookd.state_dir / "spool").glob("*.seg"):
        assert AWS_ID.encode() not in segment.read_bytes()
