"""Nineteenth session: a provider token inside Markdown's emphasis (``_<token>_``, a ``_`` right after it) or
glued to a short option (``zip -P<token>``, ``app -t<token>``). Its left or right boundary refused it: each of the
tokens below was kept in most of these forms before."""

from __future__ import annotations

import json

import pytest
from recall_helpers import PAYLOAD_KINDS, apply, assert_kept, assert_redacted_in_payload

from test_redact_properties import SECRETS  # (the property test's tokens, redacted wherever they stand)

TOKENS = {secret[:8]: secret for secret in SECRETS}
GITHUB, ANTHROPIC, AWS_ID = (next(s for s in SECRETS if s.startswith(p)) for p in ("ghp_", "sk-ant-", "AKIA"))
FORMS = [
    "the key is _{t}_ for now",
    "the key is {t}_ for now",
    "(_{t}_)",
    "zip -P{t} backup.zip notes.txt",
    "app -t{t} --verbose",
    'run "-k{t}"',
    "deploy --flag=x -T{t}",
]


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("name", sorted(TOKENS))
def test_a_wrapped_or_option_glued_token_is_redacted(name: str, form: str) -> None:
    token = TOKENS[name]
    out = apply(json.dumps(PAYLOAD_KINDS["bash"](form.format(t=token))))
    assert token not in out and json.dumps(token)[1:-1] not in out, out
    assert apply(out) == out  # idempotent
    json.loads(out)


@pytest.mark.parametrize("kind", sorted(PAYLOAD_KINDS))
def test_in_every_kind_of_payload(kind: str) -> None:
    for form in FORMS:
        for token in (GITHUB, ANTHROPIC, AWS_ID):
            assert_redacted_in_payload(form.format(t=token), token, kind)


@pytest.mark.parametrize(
    "text",
    [
        "def __init__(self, _token_): return _private_key_",
        "tar -tvf archive.tar -Cdir",
        "ls -t_sorted_ -kfoo",
        "pip install sk-learn_ and _ghp_short_",
        "the _hf_transfer_ module, the -tAKIA flag",
        "node -r ts-node/register -pconsole.log(1)",
    ],
)
def test_a_look_alike_is_kept(text: str) -> None:
    assert_kept(text)
