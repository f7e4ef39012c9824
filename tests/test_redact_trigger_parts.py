"""A trigger split into parts (Rule.trigger_parts, scan.py) reports what the whole trigger reports, and
each part's needs are in every match of it: the split changes what Hyperscan scans, never what is found."""

from __future__ import annotations

import dataclasses
import functools
import json
import random

import hyperscan
import pytest

from hookd.redact import build_redactor
from hookd.redact.rules import BUILTIN_RULES
from hookd.redact.scan import CHUNK, TriggerScan
from scan_reference import for_rules

SPLIT = [rule for rule in BUILTIN_RULES if rule.trigger_parts]
# Pieces the split triggers are made of, and their near misses.
PIECES = [
    "mysql",
    "mariadb-dump",
    "sshpass",
    "docker",
    " login",
    "redis-cli",
    "curl",
    "smbclient",
    " -p",
    "-P",
    " -u",
    " -U",
    " --user",
    " --username",
    " -a ",
    " --password",
    "--db-token",
    "--api-key",
    "=",
    " ",
    "  ",
    "\t",
    "\\n",
    "\\t",
    "\n",
    ";",
    "|",
    '"',
    "'",
    '\\"',
    "\\\\",
    ":",
    "%",
    "x",
    "Pw1",
    "alice",
    "u:",
    "- name: ",
    "name",
    "Key",
    "auth",
    "secret",
    "\u00a0",
    "DB_PASSWORD",
    "api_key",
    "x_token",
    "Type",
    ": String",
    ",",
    "value",
    "Value",
    "VALUE",
    "password",
    "requirepass",
    "ENV ",
    "set -gx ",
    "\\r",
    ">",
    "<value>",
    "<entry key=",
]


@functools.cache
def texts() -> tuple[str, ...]:
    rng = random.Random(16)
    found = ["".join(rng.choice(PIECES) for _ in range(rng.randint(1, 40))) for _ in range(3000)]
    found += [
        "mysql -u root -pSecret1",
        "curl -u alice:Pw1 https://x",
        "smbclient -U bob%Pw1",
        "redis-cli -a Pw1",
        "docker login -u x --password Pw1",
        "--password=Pw1",
        "- name: DB_PASSWORD\\n  value: Pw1",
        '{"name": "API_TOKEN", "value": "v1"}',
        "key: x_token\\n value : v1",
        "Name: DB_PASSWORD,  Value  :  v1",
        "name: api_key\\n  type: String\\n  value: v1",
        '{\\"auth\\"=Pw1, \\"auth\\" =Pw1}',
        "'auth'=Pw1 'auth' =Pw1 password\u00a0=Pw1 secret_key'=Pw1",
        # encoded.py's and markup.py's parts (the twelfth session)
        "{&quot;password&quot;: &quot;Pw1x&quot;} token&#x3D;Pw1x Bearer&nbsp;Pw1x password:&nbsp;Pw1x",
        "%22token%22%3A%22Pw1x%22 \\u001b[1mpassword\\u001b[0m=Pw1x Bearer \\u001b[3mPw1x",
        "password\uff1dPw1x token\\uff1a Pw1x",
        "<td>DB password</td><td>Pw1x</td> | api key | Pw1x | curl|password|x",
        # declarations.py's parts (the nineteenth session): a typed declaration, R's and Make's operators
        "let password: string = 'Pw1x' var apiToken string = Pw1x\\nDim apiKey As String = Pw1x",
        "api_key <- 'Pw1x' X_TOKEN ::= Pw1x\\tsetenv API_TOKEN Pw1x (setq auth-token Pw1x) tokens <<- x",
        "const token\\t:\\tstring = Pw1x let key: x = 1 let password = Pw1x",
        # k8s_secret_data's parts (h97): a Secret's data as YAML (a patch's lines too) and as kubectl's JSON
        "kind: Secret\\ndata:\\n  relay: SHVu\\n  b: QQ==\\n",
        '"+kind: Secret", "+data:", "+  relay: SHVu"',
        '{\\n  \\"data\\": {\\n    \\"relay\\": \\"SHVu\\",\\n    \\"b\\": \\"QQ==\\"\\n  },\\"kind\\":\\"Secret\\"}',
        '\\"kind\\": \\"Secret\\", \\"data\\":{\\"relay\\":\\"SHVu\\"}',
        # k8s_secret_string_data's (h101): a Secret's stringData, a patch's lines too
        "kind: Secret\\nstringData:\\n  relay: Pw1x\\n  b: c d\\n",
        '"+kind: Secret", "+stringData:", "+  relay: Pw1x"',
        # nuget_source_password's (h228): "nuget" in any case before the option, in its command or not
        "dotnet nuget add source https://x -n f -u u -p Pw1x NuGet.exe sources add -Name f -Password Pw1x",
        'Nuget sources add \\"a b\\" --password=Pw1x; mkdir -p x nuget a\\ -p Pw1x nuget\\n-p Pw1x',
        # ai_platform_key's (h250): ElevenLabs' sk_ + 48 hex after what may stand before a token, and glued to a name
        *(
            f"{before}sk_{'0123456789abcdef' * 3}{after}"
            for before in ("", " ", "\\n", "\\u00a0", "=_", " -k", "%3D", "x", "a_")
            for after in ("", " ", "_x", "ghp_")
        ),
    ]
    # secret_line's parts and needs: every last word of a name, the spacings (raw, escaped tab), the
    # value's forms, with and without a keyword
    names = ["password", "passwd", "Passphrase", "SECRET", "token", "credential", "credentials", "api_key"]
    names += ["privateKey", "DB_PASS", "x-pwd", "x.auth", "requirepass", "masterauth", "ENV X_TOKEN"]
    names += ["set -gx TOKEN", "ENV\\tDB_PASSWORD"]
    found += [
        f"{start}{name}{space}{value}"
        for start in ("\\n", "\\n\\t", '"')
        for name in names
        for space in (" ", "\t", "\\t", " \\t ", "  ")
        for value in ("v1", '\\"v1', "'v1")
    ]
    return tuple(found)


@functools.cache
def database(patterns: tuple[str, ...], flags: int = 0) -> hyperscan.Database:
    compiled = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    compiled.compile(
        expressions=[p.encode() for p in patterns],
        ids=list(range(len(patterns))),
        elements=len(patterns),
        flags=[flags] * len(patterns),
    )
    return compiled


def ends(patterns: tuple[str, ...], text: str) -> set[int]:
    found: set[int] = set()

    def collect(_id: int, _start: int, end: int, _flags: int, _context: object) -> None:
        found.add(end)

    database(patterns).scan(text.encode(), match_event_handler=collect)
    return found


@pytest.mark.parametrize("rule", SPLIT, ids=lambda rule: rule.name)
def test_the_parts_report_what_the_trigger_reports(rule):
    parts = tuple(part for part, _ in rule.trigger_parts)
    differ = [text for text in texts() if ends((rule.trigger,), text) != ends(parts, text)]
    assert not differ, differ[:5]
    assert any(ends((rule.trigger,), text) for text in texts())  # the texts do reach the trigger


@pytest.mark.timeout(360)  # compiles an ungated database of every split rule: tens of seconds, minutes when loaded
def test_the_gates_lose_no_report():
    """The scanner with the split triggers and their needs reports what it reports with each trigger
    whole and ungated, on the texts and on long texts of them that cross chunk borders."""
    split = [at for at, rule in enumerate(BUILTIN_RULES) if rule.trigger_parts or rule.trigger_needs]
    ungated = TriggerScan(
        [dataclasses.replace(BUILTIN_RULES[at], trigger_parts=(), trigger_needs=()) for at in split]
    )  # the rules made whole alone: tests/scan_reference.py
    gated = TriggerScan(BUILTIN_RULES)
    rng = random.Random(17)
    many = list(texts())
    long = ["\\n".join(rng.sample(many, 400)) for _ in range(8)]
    reported = 0
    for text in many + long:
        expected = ungated.scan(text, limit=None)
        assert for_rules(gated.scan(text, limit=None), split)[:4] == expected[:4], text
        reported += len(expected[1])
    assert reported > 100


def test_a_flood_of_a_command_word_does_not_scan_its_branch(monkeypatch):
    """A flood of "curl " starts no part of the command-line trigger; a curl -u user: line in it is
    still read (its chunk holds " -u")."""
    engine = build_redactor(True)
    scanner = engine._triggers
    scans: list[int] = []

    class Counting:
        def __init__(self, database):
            self.database = database

        def scan(self, piece, **kwargs):
            scans.append(len(piece))
            return self.database.scan(piece, **kwargs)

    monkeypatch.setattr(scanner, "_gated", [(g, Counting(d), r) for g, d, r in scanner._gated])
    flood = ("curl " * (16 * CHUNK // 5)) + "curl -u alice:Zq8vT3mW9x https://a.example " + "curl " * (4 * CHUNK // 5)
    out, counts = engine.redact(json.dumps({"stdout": flood}))
    assert counts == {"cli_password": 1} and "Zq8vT3mW9x" not in out
    assert 1 <= len(scans) <= 4  # the chunk with the line, and the next one's overlap (curl and smbclient parts)
