"""Issue 16's redaction leftovers from h111 and h115 (h117): an MCP tool name whose server part holds a token of
variable length that may hold ``_`` keeps its tool (the envelope's mcp_server and mcp_tool were null) while no
part of the token is kept; the JSON form of a Kubernetes Secret whose ``"kind": "Secret"`` stands far (more than
2,000 characters) before its ``"data"`` has its values redacted. Each case through the reference and the engine,
which must agree; the fake secrets are built at run time.
"""

from __future__ import annotations

import base64
import json
import random
import string
import sys
from pathlib import Path

import pytest
from recall_helpers import apply, as_json

from conftest import wait_for_entries
from hookd.envelope import EnvelopeBuilder
from hookd.envelope.payload import Preparer
from hookd.redact import build_redactor
from hookd.refusals import Header
from hookd.sequence import SequenceAllocator

sys.path.insert(0, str(Path(__file__).parent / "redaction_corpus"))

from fakes import Fakes  # noqa: E402

VALUES = Fakes(117).all()
_RND = random.Random(117)
_URLSAFE = string.ascii_letters + string.digits + "-_"


def _urlsafe(n: int) -> str:
    return "".join(_RND.choice(_URLSAFE) for _ in range(n))


# A Sentry org token: sntrys_ + base64 of its JSON claims + _ + its secret.
_SENTRY_ORG = (
    "sntry"
    + "s_"
    + base64.b64encode(b'{"iat":1684825458.97,"url":"https://sentry.io","org":"acme-corp"}').decode().rstrip("=")
    + "_"
    + _urlsafe(43).replace("-", "a").replace("_", "b")
)
# Tokens of variable length whose body may hold "_": found joined before "__<tool>", each ran on over the tool.
VARIABLE = {
    "openai_api_key": "sk-" + "proj-" + _urlsafe(100),
    "pypi_token": VALUES["pypi"],
    "sentry_token": _SENTRY_ORG,
    "vault_token": VALUES["vault"],
    "gitlab_token": VALUES["glrouted"],
    "sendgrid_key": VALUES["sendgrid"],
}
# Those whose provider's format says where they end before "_" (a routable GitLab token, SendGrid, a Sentry org
# token: h122), so a name joined after them by "_" is kept.
ENDED_BY_FORMAT = {"gitlab_token", "sendgrid_key", "sentry_token"}
# A token that holds "__" itself (some 4% of long base64url bodies): its part after its own "__" is no tool.
WITH_UNDERSCORES = (
    "sk-" + "proj-" + "Ab3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5b__xQ7dE9fG1hJ3kL5mN7pQ9rS1tU3vW5xY7zA9bC1dE3f"
)


def _name_out(payload: dict) -> str:
    out = apply(json.dumps(payload))
    assert apply(out) == out  # idempotent
    return out


@pytest.mark.parametrize("rule", sorted(VARIABLE))
@pytest.mark.parametrize(
    ("server", "tool", "kept_server"),
    [
        ("{t}", "list_files", "[REDACTED:{r}]"),
        ("{t}", "create_pull_request_review_comment", "[REDACTED:{r}]"),
        ("corp_{t}_prod", "get_file", "corp_[REDACTED:{r}]"),
        ("{t}", "get_v2_data", "[REDACTED:{r}]"),
    ],
)
def test_a_tool_name_keeps_its_tool_after_a_token_of_variable_length(
    rule: str, server: str, tool: str, kept_server: str
) -> None:
    token = VARIABLE[rule]
    out = _name_out({"hook_event_name": "PreToolUse", "tool_name": f"mcp__{server.format(t=token)}__{tool}"})
    assert token not in out, out
    if rule in ENDED_BY_FORMAT and server.endswith("_prod"):
        kept_server += "_prod"  # the token ends by its format before "_prod" (h122), the server's rest kept
    assert json.loads(out)["tool_name"] == f"mcp__{kept_server.format(r=rule)}__{tool}"


@pytest.mark.parametrize("rule", sorted(VARIABLE))
def test_a_tool_name_in_text_keeps_a_tool_that_reads_as_a_name(rule: str) -> None:
    """Out of a tool_name (a transcript's line, a notification): the tool is kept when it is a name."""
    token = VARIABLE[rule]
    for tool in ("list_files", "getDiagnostics", "resolve-library-id"):
        out = _name_out({"message": f"Claude wants to use mcp__{token}__{tool} now"})
        assert token not in out
        assert json.loads(out)["message"] == f"Claude wants to use mcp__[REDACTED:{rule}]__{tool} now"


def test_a_token_holding_double_underscores_is_never_cut_at_them() -> None:
    """Nothing of a token that holds "__" is kept: in a tool_name the marker runs to the name's last "__" (the tool
    follows it); in text, with no tool after it, its part after its own "__" (digits, mixed case) is no name."""
    token = WITH_UNDERSCORES
    rest = token.rsplit("__", 1)[1]
    out = _name_out({"tool_name": f"mcp__{token}__list_files"})
    assert json.loads(out)["tool_name"] == "mcp__[REDACTED:openai_api_key]__list_files"
    for text in (f"see mcp__{token}", f"see mcp__{token} and more", f"mcp__srv__{token}"):
        out = _name_out({"message": text})
        assert rest not in out and token.split("__")[0] not in out, out


def test_a_tool_name_two_levels_down_keeps_its_tool() -> None:
    token = VARIABLE["pypi_token"]
    inner = json.dumps({"c": json.dumps({"tool_name": f"mcp__{token}__x9"})})
    out = _name_out({"tool_response": {"stdout": inner}})
    assert token not in out
    assert json.loads(json.loads(json.loads(out)["tool_response"]["stdout"])["c"])["tool_name"] == (
        "mcp__[REDACTED:pypi_token]__x9"
    )


KEPT = [
    "mcp__github__create_pull_request_review_comment",
    "mcp__my_server__list__files",
    "look at mcp__context7__resolve-library-id",
]


@pytest.mark.parametrize("text", KEPT)
def test_tool_names_without_a_token_are_kept(text: str) -> None:
    doc = as_json(text)
    assert apply(doc) == doc


def _built(tmp_path: Path, tool_name: str, **payload: object) -> dict:
    builder = EnvelopeBuilder("h", SequenceAllocator(str(tmp_path / "seq")), build_redactor(True))
    body = {"hook_event_name": "PreToolUse", "session_id": "s", "tool_name": tool_name, **payload}
    event = builder.build(Header(), json.dumps(body).encode())
    envelope = json.loads(event.envelope)
    assert event.tool == envelope["tool_name"] == envelope["payload"]["tool_name"]
    return envelope


@pytest.mark.parametrize("rule", sorted(VARIABLE))
def test_the_envelope_splits_server_and_tool(tmp_path: Path, rule: str) -> None:
    token = VARIABLE[rule]
    envelope = _built(tmp_path, f"mcp__{token}__list_files", tool_input={"path": "/srv"})
    assert (envelope["mcp_server"], envelope["mcp_tool"]) == (f"[REDACTED:{rule}]", "list_files")
    assert token not in json.dumps(envelope)


def test_a_dense_payloads_tool_name_keeps_its_tool() -> None:
    """A payload redacted in bulk takes its tool name from the sender's, redacted on its own under its key."""
    token = VARIABLE["openai_api_key"]
    body = {"tool_response": {"stdout": "password=x1 " * 60000}, "hook_event_name": "PostToolUse"}
    prepared = Preparer(build_redactor(True)).prepare(
        json.dumps({**body, "tool_name": f"mcp__{token}__get_v2_data"}).encode()
    )
    assert "dense" in prepared.redactions
    assert prepared.tool == "mcp__[REDACTED:openai_api_key]__get_v2_data"
    assert token.encode() not in prepared.body


def test_a_pretooluse_with_a_token_in_its_server_reaches_redis_with_its_tool(hookd, redis_db):
    """A real PreToolUse through a real hookd: the stream's tool field, the envelope's tool_name, mcp_server and
    mcp_tool carry the marker and the tool; neither Redis nor the spool holds the token."""
    token = VARIABLE["pypi_token"]
    tool = f"mcp__{token}__list_files"
    body = {"hook_event_name": "PreToolUse", "session_id": "s1", "tool_name": tool, "tool_input": {"path": "/"}}
    assert hookd.send(json.dumps(body).encode()).returncode == 0
    (fields,) = wait_for_entries(redis_db, 1)
    assert all(token.encode() not in value for value in fields.values())
    envelope = json.loads(fields[b"envelope"])
    assert fields[b"tool"].decode() == envelope["tool_name"] == "mcp__[REDACTED:pypi_token]__list_files"
    assert envelope["payload"]["tool_name"] == envelope["tool_name"]
    assert (envelope["mcp_server"], envelope["mcp_tool"]) == ("[REDACTED:pypi_token]", "list_files")
    for segment in (hookd.state_dir / "spool").glob("*.seg"):
        assert token.encode() not in segment.read_bytes()


# The JSON form of a Secret whose "kind": "Secret" stands far before its "data" (written by hand, or a tool's
# output in that order: kind, a long metadata with kubectl's last-applied-configuration annotation, data).
def _b64(n: int) -> str:
    return base64.b64encode(_urlsafe(n).encode()).decode()


DATA = {"conn": _b64(18), "relay": _b64(24), "tls.key": _b64(90)}


def _manifest(kind: str, data: dict, pad: int = 3000, owner: str | None = None) -> dict:
    applied = json.dumps({"apiVersion": "v1", "kind": kind, "metadata": {"name": "db"}, "note": "n" * pad})
    metadata: dict = {
        "name": "db",
        "namespace": "prod",
        "annotations": {"kubectl.kubernetes.io/last-applied-configuration": applied},
        "labels": {"app": "db", "tier": "backend"},
    }
    if owner is not None:
        metadata["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": owner, "name": "web", "uid": "u-1"}]
    return {"apiVersion": "v1", "kind": kind, "metadata": metadata, "type": "Opaque", "data": data}


KINDS_OF_TEXT = {
    "read": lambda t: {"tool_name": "Read", "tool_response": {"file": {"content": t}}},
    "stdout": lambda t: {"tool_name": "Bash", "tool_response": {"stdout": t, "stderr": ""}},
    "write": lambda t: {"tool_name": "Write", "tool_input": {"file_path": "/k/s.json", "content": t}},
}
LAYOUTS = {"kubectl": {"indent": 4}, "compact": {"separators": (",", ":")}, "spaced": {}}


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
@pytest.mark.parametrize("kind_of_text", sorted(KINDS_OF_TEXT))
def test_a_json_secrets_data_far_after_its_kind_is_redacted(layout: str, kind_of_text: str) -> None:
    text = json.dumps(_manifest("Secret", DATA), **LAYOUTS[layout])
    out = apply(json.dumps(KINDS_OF_TEXT[kind_of_text](text)))
    assert apply(out) == out
    for value in DATA.values():
        assert value not in out, value
    assert out.count("[REDACTED:k8s_secret_data]") == len(DATA)


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_a_json_configmaps_data_far_after_its_kind_is_kept(layout: str) -> None:
    doc = json.dumps(KINDS_OF_TEXT["read"](json.dumps(_manifest("ConfigMap", DATA), **LAYOUTS[layout])))
    assert apply(doc) == doc


def test_a_json_secret_owned_by_a_deployment_is_redacted() -> None:
    """An ownerReferences item's "kind" between the object's kind and its data is not the object's."""
    text = json.dumps(_manifest("Secret", DATA, pad=10, owner="Deployment"), indent=2)
    out = apply(json.dumps(KINDS_OF_TEXT["read"](text)))
    assert all(value not in out for value in DATA.values()), out


def test_a_configmap_owned_by_a_secret_is_kept() -> None:
    doc = json.dumps(KINDS_OF_TEXT["read"](json.dumps(_manifest("ConfigMap", DATA, pad=10, owner="Secret"))))
    assert apply(doc) == doc


def test_in_a_json_list_each_item_is_judged_by_its_own_kind() -> None:
    """A ConfigMap's data right before the next item's "kind": "Secret" is kept (the nearest kind after it was
    taken for its own); the Secret's data, its kind far before, is redacted."""
    config = _manifest("ConfigMap", {"app.conf": _b64(30)})
    secret = _manifest("Secret", DATA)
    for indent in (None, 2):
        text = json.dumps({"apiVersion": "v1", "kind": "List", "items": [config, secret, config]}, indent=indent)
        out = apply(json.dumps(KINDS_OF_TEXT["read"](text)))
        assert out.count(config["data"]["app.conf"]) == 2, out
        assert all(value not in out for value in DATA.values()), out


def test_the_kind_walks_read_a_bounded_multiple_of_the_text(monkeypatch: pytest.MonkeyPatch) -> None:
    """Blocks nested in each other's objects (each walk back would read all before it) and a List of hand-written
    Secrets: the walks forward read apart (each to the next block), the walks back at most twice the text."""
    from hookd.redact import k8sjson

    forward: list[tuple[int, int]] = []
    back: list[int] = []
    kind_after, kind_before = k8sjson._kind_after, k8sjson._kind_before

    def after(text: str, at: int, ceiling: int):
        forward.append((at, ceiling))
        return kind_after(text, at, ceiling)

    def before(text: str, data: int, budget: int):
        found, read = kind_before(text, data, budget)
        back.append(read)
        return found, read

    monkeypatch.setattr(k8sjson, "_kind_after", after)
    monkeypatch.setattr(k8sjson, "_kind_before", before)
    pair = '"data": {"k": "' + _b64(12) + '"}'
    nested = "{" + pair + "}"
    for _ in range(3000):  # each object's data after the one it holds: a walk back crosses all those inside
        nested = '{"x": ' + nested + ", " + pair + "}"
    secrets = json.dumps([_manifest("Secret", DATA, pad=2500)] * 40)
    for text in (nested, secrets):
        forward.clear()
        back.clear()
        payload = json.dumps({"tool_response": {"stdout": text}})
        build_redactor(True).redact(payload)
        assert len(forward) >= 40
        assert all(end <= start for (_, end), (start, _) in zip(forward, forward[1:], strict=False))
        assert sum(back) <= 2 * len(payload) + 2 * 4096  # (the budget, and the last chunk read past it)


# A token whose body may end before "_" or "-" (h115) glued before a token whose prefix holds "_" or "-": the first
# body took the second's prefix up to it (sk_live_<24> + "shpat"), the union of its find and its find up to the
# joint left the second token's rest in clear (its prefix in the marker). The engine alone: the exhaustive
# reference reads no joint.
@pytest.mark.parametrize("first", ["stripe", "groq", "hf", "gh"])
@pytest.mark.parametrize("second", ["shopify", "linear", "supabase", "notion", "do", "stripe", "sentry", "pulumi"])
def test_a_token_glued_after_one_whose_body_may_end_at_its_prefix_is_redacted(first: str, second: str) -> None:
    from recall_helpers import ENGINE

    a, b = VALUES[first], VALUES[second]
    out = ENGINE.redact(json.dumps({"tool_response": {"stdout": f"x {a}{b} y"}}))[0]
    assert ENGINE.redact(out)[0] == out
    text = json.loads(out)["tool_response"]["stdout"]
    assert a[6:] not in text and b[6:] not in text and b[-12:] not in text, text
    assert text.startswith("x [REDACTED:") and text.endswith("] y"), text
