"""Issue 16 (h238): what h229's names left.

* An XML element named ``oauth`` (``<oauth>``, ``<OAuth>``) ends in ``auth`` but not as a word of its own: kept, as
  ``oauth=`` is; ``<dbAuth>``, ``<db_auth>`` and ``<auth>`` hold a secret.
* A ``--`` option's name in snake_case and camelCase (``--db_auth``, ``--dbAuth``, ``--db_password``) is read as its
  kebab-case form is, for every secret word; ``--auth-type``, ``--author``, ``--bypass``, ``--anyauth`` are not.
* ``PWD=`` in a shell is the working directory: a flood of it reports nothing (it went dense), and XML's ``pwd``
  attribute is read only quoted, inside a tag.

Each case through the reference and the engine, which must agree.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from hookd.redact.floods import FLOOD_WORDS
from hookd.redact.scan import CHUNK, OVERLAP
from recall_helpers import ENGINE, REFERENCE, apply_twice, nested

sys.path.insert(0, str(Path(__file__).parent / "redaction_corpus"))

from fakes import Fakes  # noqa: E402

VALUE = Fakes(238).all()["pw"]


@pytest.mark.parametrize(
    "text",
    [
        f"<auth>{VALUE}</auth>",
        f"<dbAuth>{VALUE}</dbAuth>",
        f"<db_auth>{VALUE}</db_auth>",
        f"<db-auth>{VALUE}</db-auth>",
        f"<cfg:dbAuth>{VALUE}</cfg:dbAuth>",
        f"<dbAuth><![CDATA[{VALUE}]]></dbAuth>",
        f'<appSalt kind="x">{VALUE}</appSalt>',
    ],
)
@pytest.mark.parametrize("levels", [0, 1])
def test_an_element_named_by_a_whole_word_holds_a_secret(text: str, levels: int) -> None:
    out = apply_twice(nested(text, levels))
    assert VALUE not in out, out


@pytest.mark.parametrize(
    "text",
    [
        f"<oauth>{VALUE}</oauth>",
        f"<OAuth>{VALUE}</OAuth>",
        f"<OAUTH>{VALUE}</OAUTH>",
        f"<cfg:oauth>{VALUE}</cfg:oauth>",
        f"<oauth><![CDATA[{VALUE}]]></oauth>",
        f"<oauth_url>{VALUE}</oauth_url>",
        f"<oauthProvider>{VALUE}</oauthProvider>",
        f"<basalt>{VALUE}</basalt>",
        "<auth>basic</auth><dbAuth>none</dbAuth>",
    ],
)
@pytest.mark.parametrize("levels", [0, 1])
def test_an_element_that_only_ends_in_the_letters_is_kept(text: str, levels: int) -> None:
    doc = nested(text, levels)
    assert apply_twice(doc) == doc


OPTION_WORDS = {
    "password": ["password"],
    "token": ["token"],
    "secret": ["secret"],
    "api key": ["api", "key"],
    "auth": ["auth"],
    "creds": ["creds"],
    "salt": ["salt"],
    "bearer": ["bearer"],
    "connection string": ["connection", "string"],
}


@pytest.mark.parametrize("how", ["snake", "camel", "kebab", "snake then camel"])
@pytest.mark.parametrize("word", OPTION_WORDS)
def test_an_option_in_every_case_style(word: str, how: str) -> None:
    words = ["db", *OPTION_WORDS[word]]
    name = {
        "snake": "_".join(words),
        "camel": words[0] + "".join(w.capitalize() for w in words[1:]),
        "kebab": "-".join(words),
        "snake then camel": "my_" + words[0] + "".join(w.capitalize() for w in words[1:]),
    }[how]
    for text in (f"tool --{name} {VALUE} --host db", f"tool --{name}={VALUE}", f"tool --{name} '{VALUE}'"):
        out = apply_twice(nested(text, 0))
        assert VALUE not in out, out


@pytest.mark.parametrize(
    "text",
    [
        "http --auth-type bearer x.io",
        "git log --author alice",
        f"tool --authority {VALUE}",
        f"tool --bypass {VALUE}",
        f"curl --anyauth {VALUE} https://x.io",
        f"tool --dbpassword {VALUE}",  # glued in one case: no word of its own, as before
        f"tool --DBAUTH {VALUE}",
        "tool --dbAuth basic --db_auth jwt --api_auth none",
        f"tool --tokenizer {VALUE} --passes 3",
    ],
)
def test_options_that_name_no_secret_are_kept(text: str) -> None:
    doc = nested(text, 0)
    assert apply_twice(doc) == doc


@pytest.mark.parametrize("unit", ["PWD=/home/a ", "PWD = ", "export PWD=/home/me\n", "cd x && PWD=/srv/app make\n"])
def test_a_flood_of_the_working_directory_is_no_secret_flood(unit: str) -> None:
    """A shell's PWD= reports nothing: a flood of it went dense (each report counts in the budget) before. As
    many as the flood guard lets a chunk hold (floods.FLOOD_WORDS' pwd: a denser flood costs Hyperscan's
    engines at each and is redacted in bulk, h243) stay whole."""
    step = (CHUNK + OVERLAP) // FLOOD_WORDS["pwd"]
    piece = unit + ("lorem ipsum " * (step // 12 + 1))[: step - len(unit)]
    text = nested(piece * (65536 // len(piece)), 0)
    out, counts = ENGINE.redact(text)
    assert "dense" not in counts and out == text, counts
    assert REFERENCE.redact(text)[0] == text


@pytest.mark.parametrize(
    "text",
    [
        f'<add server="db" pwd="{VALUE}" />',
        f"<connection user='app' pwd='{VALUE}'/>",
    ],
)
@pytest.mark.parametrize("levels", [0, 1])
def test_the_pwd_attribute_quoted_in_a_tag(text: str, levels: int) -> None:
    out = apply_twice(nested(text, levels))
    assert VALUE not in out, out


@pytest.mark.parametrize(
    "text", [f"Server=db; Database=shop; Uid=app; Pwd={VALUE};", f"Driver={{ODBC}};Server=db;Pwd={VALUE};Port=1"]
)
def test_odbc_pwd_after_a_semicolon_and_a_space(text: str) -> None:
    """A connection string's pairs are often written `; `-separated: the pwd there was kept (the name read only
    right after the ;)."""
    out = apply_twice(nested(text, 0))
    assert VALUE not in out, out


def test_a_path_after_a_shells_semicolon_is_kept() -> None:
    doc = nested("cd x; PWD=/srv/app make; PWD='~/src' ./run", 0)
    assert apply_twice(doc) == doc


def test_the_pwd_attribute_after_a_tab() -> None:
    out = apply_twice(nested(f'<add\tPwd = "{VALUE}"/>', 0))
    assert VALUE not in out, out


@pytest.mark.parametrize(
    "text",
    [
        f'echo pwd="{VALUE}"',  # no tag
        f'<a href="x"> pwd="{VALUE}"',  # after the tag closed
        f"<add pwd={VALUE} />",  # unquoted: no XML
    ],
)
def test_pwd_outside_a_tag_or_unquoted_is_kept(text: str) -> None:
    doc = nested(text, 0)
    assert apply_twice(doc) == doc


def test_a_flood_of_pwd_attributes_is_read() -> None:
    doc = json.dumps({"tool_response": {"stdout": f"<add pwd='{VALUE}'/>\n" * 4000}})
    assert VALUE not in ENGINE.redact(doc)[0]


# --- ElevenLabs' sk_: what may stand before a token (a guard for the trigger's shape) --------------------------

ELEVEN = "sk_" + "".join("0123456789abcdef"[(i * 7 + 3) % 16] for i in range(48))


@pytest.mark.parametrize(
    "before", [" ", "", "key=", "\\n", "\\t", "=_", " -k", "%3D", "\\\\", '\\"', "(", "\\u00a0"], ids=repr
)
def test_an_elevenlabs_key_after_what_may_stand_before_a_token(before: str) -> None:
    doc = '{"tool_response": {"stdout": "' + before + ELEVEN + ' x"}}'
    out = apply_twice(doc)
    assert ELEVEN not in out, out
