"""Issue 16 (h229): the misses h221 left.

* chainreach: a chain past the reach whose strings hold a single quote (``"it's 0", ...``: the quote closed the value
  there), and a chain after a scalar (``password='ab", 1, "s0", ..., "<v>'``: the scanner began only at a quote that a
  nested quote follows).

Each case through the reference and the engine, which must agree.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from recall_helpers import apply_twice, nested, unnested

sys.path.insert(0, str(Path(__file__).parent / "redaction_corpus"))

from fakes import Fakes  # noqa: E402

PW = Fakes(229).all()["pw"]


def chain(strings: int, item: str = "s{i}") -> str:
    return ", ".join('"' + item.format(i=i) + '"' for i in range(strings))


CHAINS = {
    "single quotes in every string": "password='ab\", " + chain(12, "it's {i}") + ", \"{pw}'",
    "one string with a single quote": "password='ab\", " + chain(5) + ', "it\'s", ' + chain(6) + ", \"{pw}'",
    "a quoted word": "--password='ab\", " + chain(10, "'w{i}'") + ", \"{pw}' -h db",
    "after a number": "password='ab\", 1, " + chain(9) + ", \"{pw}'",
    "after true": "token: 'ab\", true, " + chain(9) + ", \"{pw}'",
    "after a negative float": "export DB_PASSWORD='ab\", -2.5e3, " + chain(9) + ", \"{pw}'\nmake\n",
}


@pytest.mark.parametrize("shape", CHAINS.values(), ids=CHAINS.keys())
@pytest.mark.parametrize("levels", [0, 1, 2])
def test_a_chain_past_the_reach_stays_in_the_value(shape: str, levels: int) -> None:
    out = apply_twice(nested(shape.replace("{pw}", PW), levels))
    assert PW not in out, out


# Arrays that end as JSON after an unclosed value, with single quotes and scalars among their strings: the value
# ends at its first quote, every string is kept.
@pytest.mark.parametrize(
    "items",
    [
        [f"it's {i}" for i in range(20)],
        [1, *(f"s{i}" for i in range(9))],
        [True, *(f"don't {i}" for i in range(12)), None],
    ],
    ids=["apostrophes", "a number first", "true first"],
)
@pytest.mark.parametrize("levels", [0, 1])
def test_an_array_that_ends_as_json_keeps_its_strings(items: list, levels: int) -> None:
    doc = {"a": [f"password='{PW}", *items]}
    out = apply_twice(nested(json.dumps(doc), levels))
    assert PW not in out, out
    assert json.loads(unnested(out, levels))["a"][1:] == items, out


@pytest.mark.parametrize(
    "text",
    [
        "print('it's', " + chain(12, "it's {i}") + ")",  # no value names a secret
        "msg = 'ab\", 1, " + chain(9) + ", \"end'",
    ],
)
@pytest.mark.parametrize("levels", [0, 1])
def test_chains_under_no_secret_name_are_kept(text: str, levels: int) -> None:
    doc = nested(text, levels)
    assert apply_twice(doc) == doc


# --- key names that end other names too: auth, creds, bearer, salt; a connection string, secret_key_base ----------

VALUE = Fakes(2291).all()["pw"]
WORDS = {"auth": ["auth"], "creds": ["creds"], "connectionString": ["connection", "string"]}
WORDS |= {"secretKeyBase": ["secret", "key", "base"], "bearer": ["bearer"], "salt": ["salt"]}


def name_forms(words: list[str]) -> dict[str, str]:
    camel = words[0] + "".join(w.capitalize() for w in words[1:])
    return {
        "whole": camel,
        "snake": "db_" + "_".join(words),
        "kebab": "db-" + "-".join(words),
        "camel": "db" + "".join(w.capitalize() for w in words),
    }


FORMS = {
    "json": lambda n: json.dumps({n: VALUE}),
    "yaml": lambda n: f"db:\n  {n}: {VALUE}\n",
    "env": lambda n: f"{n}={VALUE}\n",
    "toml": lambda n: f'{n} = "{VALUE}"\n',
    "xml attribute": lambda n: f'<add {n}="{VALUE}" />',
    "xml element": lambda n: f"<{n}>{VALUE}</{n}>",
}


@pytest.mark.parametrize("how", ["whole", "snake", "kebab", "camel"])
@pytest.mark.parametrize("word", WORDS)
def test_a_key_name_in_every_form(word: str, how: str) -> None:
    """Each form on a line of its own, each value the same: one kept fails the case."""
    name = name_forms(WORDS[word])[how]
    out = apply_twice(nested("\n".join(form(name) for form in FORMS.values()), 0))
    assert VALUE not in out, out


@pytest.mark.parametrize("word", WORDS)
def test_a_key_name_as_a_raw_json_key_and_an_option(word: str) -> None:
    out = apply_twice(json.dumps({"tool_name": "mcp__db__connect", "tool_input": {word: VALUE}}))
    assert VALUE not in out, out
    for option in ("-".join(WORDS[word]), name_forms(WORDS[word])["kebab"]):  # --connection-string, --db-salt
        out = apply_twice(nested(f"tool --{option} {VALUE} --host db", 0))
        assert VALUE not in out, out


@pytest.mark.parametrize(
    "text",
    [f'<add server="db" pwd="{VALUE}" />', f"<connection user='app' pwd='{VALUE}'/>"],
)
def test_pwd_as_an_xml_attribute(text: str) -> None:
    out = apply_twice(nested(text, 1))
    assert VALUE not in out, out


@pytest.mark.parametrize(
    "text",
    [
        *(f"{n}={VALUE}" for n in ("authority", "oauth_url", "salt_length", "connectionTimeout", "oauth", "OAUTH")),
        *(f"{n}: {VALUE}" for n in ("author", "bearer_format", "basalt")),
        json.dumps({"bearer_format": "JWT", "authority": VALUE, "author": "me", "oauth": VALUE}),
        "auth: basic\nauth: jwt\nauth: none\nauth: true\n--auth basic --auth-type digest\n",
        'auth = HTTPBasicAuth(user, pw)\nauth=("alice", pw)\nself.auth = auth\nauth: Optional[AuthConfig] = None\n',
        "salt = bcrypt.gensalt()\nsalt: bytes\nsalt = os.urandom(16)\nbearerFormat: JWT\nscheme: bearer\n",
        'connectionString: process.env.DATABASE_URL\nconnectionString = config.GetConnectionString("Default");\n',
        "creds = get_credentials()\ncreds: Credentials\nexport PWD=/home/me\ncurl --anyauth -u bob https://x\n",
        "commit 1f0e\n\n    auth: fix token refresh race\n    salt: use a longer one\n",  # a commit's subject
        "<author>Jane Doe</author><Authority>https://login.example/x</Authority><salt_length>16</salt_length>",
    ],
)
def test_look_alike_names_are_kept(text: str) -> None:
    doc = nested(text, 0)
    assert apply_twice(doc) == doc


# --- an Elicitation's requested_schema: an object before the value, a PIN -------------------------------------------


def elicitation(props: dict) -> str:
    return json.dumps({"hook_event_name": "Elicitation", "requested_schema": {"type": "object", "properties": props}})


@pytest.mark.parametrize(
    "props",
    [
        {"password": {"type": "string", "x-ui": {"widget": "password"}, "default": VALUE}},
        {"api_key": {"format": {"min": 1}, "type": "string", "const": VALUE}},
        {"token": {"type": "string", "meta": {"a": 1}, "enum": [VALUE]}},
        {"pin": {"type": "string", "default": "482193"}},
        {"cardPin": {"type": "string", "examples": ["482193"]}},
    ],
    ids=["nested then default", "nested then const", "nested then enum", "pin", "camel pin"],
)
def test_a_schema_value_after_a_nested_object_or_under_a_pin(props: dict) -> None:
    out = apply_twice(elicitation(props))
    assert VALUE not in out and "482193" not in out, out


@pytest.mark.parametrize(
    "props",
    [
        {"spin": {"type": "string", "default": "482193"}},
        {"pinned": {"type": "boolean", "default": "482193"}},
        {"password": {"type": "string"}, "colour": {"x": {"a": 1}, "default": "482193"}},
        {"password": {"type": "string", "description": "x"}, "mode": {"default": "482193"}},
    ],
)
def test_schema_look_alikes_are_kept(props: dict) -> None:
    doc = elicitation(props)
    assert apply_twice(doc) == doc
