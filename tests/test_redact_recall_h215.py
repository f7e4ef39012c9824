"""Issue 16: NuGet's packageSourceCredentials hold a source's password as written, under ClearTextPassword.

``<add key="ClearTextPassword" value="TestSourcePassword" />`` was kept: a value that reads as words naming a
password is taken for a placeholder elsewhere, but under this key it is the password itself. References (NuGet
reads %VAR% from the environment, MSBuild $(Prop)) and masks are still kept, and so are other keys' word values.

Each case through the reference and the engine, which must agree.
"""

from __future__ import annotations

import json

import pytest
from recall_helpers import PAYLOAD_KINDS, apply_twice, assert_kept, assert_redacted_in_payload, nested

_CONFIG = """<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <add key="TestSource" value="https://pkgs.example.com/nuget/v3/index.json" />
  </packageSources>
  <packageSourceCredentials>
    <TestSource>
      <add key="Username" value="ci-bot" />
      <add key="ClearTextPassword" value="{value}" />
    </TestSource>
  </packageSourceCredentials>
</configuration>
"""

WORD_VALUES = ["TestSourcePassword", "MyFeedPassword", "nuget-feed-password"]


@pytest.mark.parametrize("value", WORD_VALUES)
@pytest.mark.parametrize("quote", ['"', "'"])
@pytest.mark.parametrize("levels", [0, 1, 2])
def test_a_clear_text_password_that_reads_as_words_is_redacted(value: str, quote: str, levels: int) -> None:
    line = f"<add key={quote}ClearTextPassword{quote} value={quote}{value}{quote} />"
    out = apply_twice(nested(line, levels))
    assert value not in out, out
    assert "ClearTextPassword" in out, out


@pytest.mark.parametrize("kind", PAYLOAD_KINDS)
def test_a_nuget_config_in_every_payload_kind(kind: str) -> None:
    assert_redacted_in_payload(_CONFIG.format(value="TestSourcePassword"), "TestSourcePassword", kind)


def test_the_config_keeps_its_other_values() -> None:
    out = apply_twice(nested(_CONFIG.format(value="TestSourcePassword"), 1))
    assert "TestSourcePassword" not in out, out
    for kept in ("https://pkgs.example.com/nuget/v3/index.json", "ci-bot", 'key=\\\\\\"TestSource\\\\\\"'):
        assert kept in out, out


@pytest.mark.parametrize(
    "line",
    [
        '<add key="ClearTextPassword" value="%NUGET_FEED_PASSWORD%" />',  # NuGet reads it from the environment
        '<add key="ClearTextPassword" value="$(NuGetFeedPassword)" />',  # an MSBuild property
        '<add key="ClearTextPassword" value="********" />',  # a mask
        '<add key="Username" value="TestSourceUser" />',  # not the password's key
        '<add key="ClearTextPasswordHint" value="TestSourcePassword" />',  # another key
    ],
)
def test_references_masks_and_other_keys_are_kept(line: str) -> None:
    assert_kept(line)
    doc = json.dumps({"content": line})
    assert apply_twice(doc) == doc
