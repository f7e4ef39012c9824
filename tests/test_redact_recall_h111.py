"""What the twenty-third session left (h111, issue 16): the idempotence property's three classes that fresh seeds
drew, a Kubernetes Secret whose kind stands far from its data, and a joint redacted over a Read's numbered lines.
Each case runs through the reference and the engine, which must agree (recall_helpers.apply).
"""

from __future__ import annotations

import base64
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from recall_helpers import ENGINE, EVERY_KIND, LINE_KINDS, apply, assert_gone_in

sys.path.insert(0, str(Path(__file__).parent / "redaction_corpus"))

from fakes import Fakes  # noqa: E402

from hookd.redact import k8ssecrets  # noqa: E402

_SECRET = Fakes(61).all()
PW = "Hunter" + "2xyz9Q"


def _twice(payload: str) -> str:
    out = apply(payload)
    json.loads(out)
    assert apply(out) == out, out
    return out


# 1a. A command's words holding a numeric entity: curl's -u (and mysql's -p) after them was read only once a pass
# had made the text between a marker.
@pytest.mark.parametrize(
    "text",
    [
        "curl &#97;token: url -u :on:",
        "curl &#97;token: :rl -u :swo",
        "curl &#97;b -u :" + PW,
        "curl -s &#104;ttps://api.example.com -u bot:" + PW,
        "mysql -h db &#97;b -p" + PW,
    ],
)
@pytest.mark.parametrize("depth", [0, 1, 2])
def test_an_option_after_a_numeric_entity_is_read_on_the_first_pass(text: str, depth: int) -> None:
    for _ in range(depth):
        text = json.dumps({"content": text})
    out = _twice(json.dumps({"tool_response": {"stdout": text}}))
    assert "[REDACTED:cli_password]" in out, out
    assert PW not in out


# 1b. An entity run cut at a marker (a value a pass redacted): decoded without it, the name before the marker had
# no value, and a second pass read the next name as that value and took the run.
@pytest.mark.parametrize(
    "text",
    [
        "&#97;token: token: password=\x07" + _SECRET["postman"],
        "&#97;token: token: [REDACTED:secret_assignment]",
        "&#112;assword: token: [REDACTED:secret_assignment] x",
    ],
)
@pytest.mark.parametrize("depth", [0, 1, 2])
def test_an_entity_run_cut_at_a_marker_is_judged_the_same_on_each_pass(text: str, depth: int) -> None:
    for _ in range(depth):
        text = json.dumps({"content": text})
    out = _twice(json.dumps({"tool_response": {"stdout": text}}))
    assert _SECRET["postman"] not in out


def test_an_entity_run_with_a_secret_is_still_taken() -> None:
    out = _twice(json.dumps({"stdout": "&#112;assword=" + PW}))
    assert PW not in out and "[REDACTED:" in out, out


# 1c. A token glued after one found by a glued run's re-read after curl -u :\"]: the round's runs are read joined,
# and the quoted value read on over the separator into the next run, which then kept the token.
def test_a_token_glued_after_one_found_after_a_quoted_option_is_redacted_on_the_first_pass() -> None:
    # The engine alone: the exhaustive reference reads no token glued to a word (ntn_<t>shpat_f), before or after.
    text = f'{_SECRET["notion"]}shpat_f\ncurl -u :"]{_SECRET["stripe"]}{_SECRET["shopify"]}hvs.'
    out = ENGINE.redact(
        json.dumps({"tool_response": {"stdout": json.dumps({"content": json.dumps({"content": text})})}})
    )[0]
    assert ENGINE.redact(out)[0] == out, out
    assert "[REDACTED:stripe_key][REDACTED:shopify_token]hvs." in out, out


# 2. A Secret written by hand: kind first, then a long metadata (kubectl's last-applied-configuration holds the whole
# object as JSON, labels), then its data: the kind stands more than 2,000 characters before the block.
_LABELS = {f"app.kubernetes.io/part-{i:02d}": "checkout-service-" + "abcdefghij" * 3 for i in range(40)}
_VALUE = base64.b64encode(PW.encode()).decode()
_OTHER = base64.b64encode(b"Zq8Lm2Xv9Rt4Wp7NKs3Hd6Yb").decode()


def _manifest(kind: str, indent: str = "", extra: str = "") -> str:
    last = json.dumps({"apiVersion": "v1", "kind": kind, "metadata": {"labels": _LABELS}}, separators=(",", ":"))
    labels = "".join(f"{indent}    {k}: {v}\n" for k, v in _LABELS.items())
    return (
        f"{indent}kind: {kind}\n{indent}metadata:\n{indent}  annotations:\n"
        f"{indent}    kubectl.kubernetes.io/last-applied-configuration: |\n{indent}      {last}\n"
        f"{indent}  labels:\n{labels}{extra}{indent}  name: relay\n{indent}type: Opaque\n"
        f"{indent}data:\n{indent}  relay: {_VALUE}\n{indent}  other: {_OTHER}\n"
    )


_OWNER = "  ownerReferences:\n  - apiVersion: apps/v1\n    kind: Deployment\n    name: web\n"
FAR_SECRETS = {
    "hand": "apiVersion: v1\n" + _manifest("Secret"),
    "owner": "apiVersion: v1\n" + _manifest("Secret", extra=_OWNER),
    "second document": "apiVersion: v1\n"
    + _manifest("ConfigMap").replace(_VALUE, _OTHER)
    + "---\n"
    + _manifest("Secret"),
    # A List's item whose kind is before its data, and the List's own kind: after it.
    "list": "apiVersion: v1\nitems:\n- apiVersion: v1\n" + _manifest("Secret", indent="  ") + "kind: List\n",
}


@pytest.mark.parametrize("name", sorted(FAR_SECRETS))
@pytest.mark.parametrize("kind", EVERY_KIND)
def test_a_secrets_data_far_below_its_kind_is_redacted(name: str, kind: str) -> None:
    text = FAR_SECRETS[name]
    assert text.index(f"relay: {_VALUE}") - text.rindex("kind: Secret", 0, text.index(_VALUE)) > 2000
    out = assert_gone_in(text, _VALUE, kind)
    assert _OTHER not in out or name == "second document"


@pytest.mark.parametrize("kind", ["stdout", "numbered", "patch"])
def test_a_configmaps_data_far_below_its_kind_is_kept(kind: str) -> None:
    for text in (_manifest("ConfigMap"), _manifest("ConfigMap", extra=_OWNER.replace("Deployment", "Secret"))):
        payload = json.dumps(LINE_KINDS[kind](text))
        assert apply(payload) == payload


class _Scanned:
    """A compiled regex that adds up the characters its finditer is given to read."""

    read = 0

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern

    def finditer(self, text: str, pos: int, endpos: int) -> Iterator[re.Match[str]]:
        _Scanned.read += max(0, endpos - pos)
        return self.pattern.finditer(text, pos, endpos)


@pytest.mark.parametrize("blocks", [50, 400])
def test_the_walk_to_a_far_kind_reads_each_line_once(blocks: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Many data: blocks, each below 30 deeper lines, no kind anywhere: each block's walk back ends at the block
    before, so what the walks read together is at most the text, not the blocks times the lines."""
    shallow = k8ssecrets._shallow
    monkeypatch.setattr(k8ssecrets, "_shallow", lambda form, column: _Scanned(shallow(form, column)))
    block = "meta:\n" + "  note: x\n" * 30 + "data:\n  relay: " + _VALUE + "\n"
    text = block * blocks
    ends = [at + len("  relay: ") + 1 for at in range(len(text)) if text.startswith("\n  relay: ", at - 1)]
    _Scanned.read = 0
    assert k8ssecrets.K8S_SECRET_DATA.select is not None
    assert k8ssecrets.K8S_SECRET_DATA.select(text, ends) == []
    assert 0 < _Scanned.read <= len(text), _Scanned.read


# 3. A joint of literals over a Read's numbered lines: the lines, their numbers and the joint stay, each literal's
# part is redacted.
JOINTS = [
    'API_PASSWORD = "Hunter2" +\n    "xyz9Q"',
    'secret = ("Hunter2"\n    "xyz9Q")',
    "$password = 'Hunter2' .\n    'xyz9Q';",
    'token = "Hunt" +\n    "er2" +\n    "xyz9Q"',
    'password = "Hunter2" \\\n  "xyz9Q"',
]


@pytest.mark.parametrize("text", JOINTS)
@pytest.mark.parametrize("ascii_only", [True, False])
def test_a_joint_over_numbered_lines_keeps_the_lines(text: str, ascii_only: bool) -> None:
    source = "import os\n" + text + "\nprint(os.getcwd())"
    out = _twice(json.dumps(LINE_KINDS["numbered"](source), ensure_ascii=ascii_only))
    content = json.loads(out)["tool_response"]["file"]["content"]
    lines = content.split("\n")
    assert len(lines) == source.count("\n") + 1, content
    assert [line[:7] for line in lines] == [f"{i + 1:6d}\t" for i in range(len(lines))], content
    assert "Hunter2" not in content and "xyz9Q" not in content and "er2" not in content
    assert all("[REDACTED:" in line for line in lines[1:-1]), content


@pytest.mark.parametrize("text", JOINTS)
def test_a_joint_over_numbered_lines_is_gone_in_every_kind(text: str) -> None:
    for kind in EVERY_KIND:
        assert_gone_in(text, "Hunter2", kind)
