"""Issue 16 (h198): HAR and Postman exports seen through an Edit's structuredPatch.

Each line of the patch is a JSON string of its own, so a pair written over lines (``"name": "Cookie",`` then
``"value": "..."``; Postman's ``"key": "api_key",`` then ``"value": "..."``; its apikey auth's list) has, between
the name and ``"value"``, the name line's closing quote, the array's comma and the next line's opening quote and
mark. The rules read a pair over escaped line breaks, not over that joint. Added (+), removed (-) and context lines,
and the patch one JSON level down.
"""

from __future__ import annotations

import json

import pytest
from recall_helpers import apply_twice

MARKS = ["+", "-", " "]


def _patch(text: str, mark: str) -> dict:
    lines = [" a:"] + [mark + line for line in text.split("\n")]
    return {"tool_name": "Edit", "tool_response": {"structuredPatch": [{"oldStart": 1, "lines": lines}]}}


def _secret(tag: str) -> str:
    return "h198" + "".join("Zq8vLmN3pR7tKx2WbQ9cYd"[(i * 7 + len(tag)) % 22] for i in range(22))


def _har(cookie: str, api_key: str, password: str) -> str:
    headers = [
        {"name": "Accept", "value": "application/json"},
        {"name": "Cookie", "value": f"theme=dark; sessionid={cookie}"},
        {"name": "X-Api-Key", "value": api_key},
        {"name": "DB_PASSWORD", "value": password},
    ]
    return json.dumps({"log": {"entries": [{"request": {"method": "GET", "headers": headers}}]}}, indent=2)


def _postman(variable: str, token: str, apikey: str) -> str:
    doc = {
        "info": {"name": "api"},
        "auth": {
            "type": "apikey",
            "apikey": [
                {"key": "value", "value": apikey, "type": "string"},
                {"key": "key", "value": "X-API-Key", "type": "string"},
            ],
        },
        "variable": [
            {"key": "baseUrl", "value": "https://api.example.com"},
            {"key": "api_token", "value": variable, "type": "string"},
            {"key": "client_secret", "value": token},
        ],
    }
    return json.dumps(doc, indent=2)


def _out(text: str, mark: str, levels: int) -> str:
    doc = json.dumps(_patch(text, mark))
    for _ in range(levels):
        doc = json.dumps({"tool_response": {"stdout": doc}})
    return apply_twice(doc)


@pytest.mark.parametrize("mark", MARKS)
@pytest.mark.parametrize("levels", [0, 1])
@pytest.mark.parametrize("indent", [2, 4])
def test_a_har_s_header_pairs_over_patch_lines_are_redacted(mark: str, levels: int, indent: int) -> None:
    secrets = [_secret(f"har-{k}-{mark}-{levels}-{indent}") + k for k in ("c", "k", "p")]
    text = _har(*secrets).replace("\n  ", "\n" + " " * indent)
    out = _out(text, mark, levels)
    for s in secrets:
        assert s not in out, out
    assert "application/json" in out and "X-Api-Key" in out, out


@pytest.mark.parametrize("mark", MARKS)
@pytest.mark.parametrize("levels", [0, 1])
def test_a_postman_collection_s_pairs_over_patch_lines_are_redacted(mark: str, levels: int) -> None:
    secrets = [_secret(f"pm-{k}-{mark}-{levels}") + k for k in ("v", "t", "a")]
    out = _out(_postman(*secrets), mark, levels)
    for s in secrets:
        assert s not in out, out
    assert "https:" in out and "X-API-Key" in out and "baseUrl" in out, out


@pytest.mark.parametrize("mark", MARKS)
def test_look_alike_pairs_over_patch_lines_are_kept(mark: str) -> None:
    text = json.dumps(
        {
            "headers": [{"name": "Cookie", "value": "theme=dark"}, {"name": "Accept", "value": "text/html"}],
            "variable": [{"key": "api_token", "value": "{{apiToken}}"}, {"key": "password", "value": "changeme"}],
            "auth": {"apikey": [{"key": "value", "value": "{{apiKey}}"}]},
        },
        indent=2,
    )
    doc = json.dumps(_patch(text, mark))
    assert apply_twice(doc) == doc
