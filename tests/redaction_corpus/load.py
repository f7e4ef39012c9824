"""The adversarial corpus: templates (secrets.jsonl, benign.jsonl) filled with fakes.py's values.

A template's ``{name}`` or ``{name|transform}`` is a fake secret, written as
the transform says (base64, hex, \\u escapes...). A "text" template is a
string inside a hook payload; a "raw" one is the whole payload's JSON text
(``{{``/``}}`` stand for braces). ``score`` runs a redactor over every case
and counts: a secret case passes when none of its secrets survives, a benign
case when the payload comes back byte for byte.
"""

from __future__ import annotations

import base64
import json
import re
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from fakes import Fakes
from fresh import values as fresh_values
from fresh2 import values as fresh2_values
from fresh3 import values as fresh3_values
from fresh4 import values as fresh4_values
from fresh5 import values as fresh5_values
from outside import values as outside_values

HERE = Path(__file__).resolve().parent
FIRST = ("secrets.jsonl", "benign.jsonl")
OUTSIDE = ("outside_secrets.jsonl", "outside_benign.jsonl")  # written as an outside tester (ninth session)
FRESH = ("fresh_secrets.jsonl", "fresh_benign.jsonl")  # pastes in hook payloads' shapes (issue 16, h256)
FRESH2 = ("fresh2_secrets.jsonl", "fresh2_benign.jsonl")  # a second fresh set, other sources (h259)
FRESH3 = ("fresh3_secrets.jsonl", "fresh3_benign.jsonl")  # a third fresh set, other sources again (h270)
FRESH4 = ("fresh4_secrets.jsonl", "fresh4_benign.jsonl")  # a fourth, from sources none of those used (h277)
FRESH5 = ("fresh5_secrets.jsonl", "fresh5_benign.jsonl")  # a fifth, from sources none of the five used (h283)
ALL = FIRST + OUTSIDE + FRESH + FRESH2 + FRESH3 + FRESH4 + FRESH5
_PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_]*)(?:\|([a-z0-9]+))?\}")


def _u_escaped(value: str) -> str:
    """Every other character as a \\u escape, as some encoders write text."""
    return "".join(f"\\u{ord(c):04x}" if i % 2 == 0 else c for i, c in enumerate(value))


TRANSFORMS = {
    None: lambda v: v,
    "b64": lambda v: base64.b64encode(v.encode()).decode(),
    "hex": lambda v: v.encode().hex(),
    "u": _u_escaped,
    "json": lambda v: json.dumps(v)[1:-1],
    # a JSON file's string written inside a payload's string (a service account key as Write content)
    "json2": lambda v: json.dumps(json.dumps(v)[1:-1])[1:-1],
    "basic": lambda v: base64.b64encode(f"admin:{v}".encode()).decode(),
    "envb64": lambda v: base64.b64encode(f"ANTHROPIC_API_KEY={v}\n".encode()).decode(),
    "envfileb64": lambda v: base64.b64encode(f"DEBUG=1\nDB_PASSWORD={v}\nPORT=8080\n".encode()).decode(),
    "tail4": lambda v: v[4:],
    "basicnl": lambda v: base64.b64encode(f"deploy:{v}\n".encode()).decode(),  # echo user:pass | base64
    "envquotedb64": lambda v: base64.b64encode(f'export DB_PASSWORD="{v}"\n'.encode()).decode(),
    "dockerb64": lambda v: base64.b64encode(
        json.dumps({"auths": {"ghcr.io": {"auth": base64.b64encode(f"bot:{v}".encode()).decode()}}}).encode()
    ).decode(),
    # \u escapes of JSON two levels inside the payload's string: four backslashes in its text
    "h1": lambda v: v[: len(v) // 2],  # a secret split in two by string concatenation
    "h2": lambda v: v[len(v) // 2 :],
    "url": lambda v: urllib.parse.quote(v, safe=""),
    "u3": lambda v: "".join(f"\\\\\\\\u{ord(c):04x}" if i % 2 == 0 else c for i, c in enumerate(v)),
    # terminal output: grep --color=always on the first three characters, a colour around the value
    "grep": lambda v: "\x1b[01;31m\x1b[K" + v[:3] + "\x1b[m\x1b[K" + v[3:],
    "bold": lambda v: "\x1b[1m" + v + "\x1b[0m",
    # a PEM as a YAML block scalar's lines (indented four) inside a payload's string
    "yaml4": lambda v: json.dumps(v.rstrip("\n").replace("\n", "\n    "))[1:-1],
    "urlb64": lambda v: base64.b64encode(f"postgres://app:{v}@db.internal:5432/app".encode()).decode(),
}


@dataclass
class Case:
    id: str
    kind: str
    where: str
    payload: str  # the JSON text handed to the redactor
    secrets: list[str]  # what must not survive (decoded)


def _payload(entry: dict, fill) -> str:
    if "raw" in entry:
        text = _PLACEHOLDER.sub(fill, entry["raw"]).replace("{{", "{").replace("}}", "}")
        json.loads(text)
        return text
    return json.dumps(
        {
            "hook_event_name": "PostToolUse",
            "tool_name": "Bash",
            "tool_response": {"stdout": _PLACEHOLDER.sub(fill, entry["text"]), "stderr": ""},
        }
    )


def cases(seed: int = 16, files: tuple[str, ...] = ALL) -> list[Case]:
    fakes = Fakes(seed)
    values = fakes.all()
    values["ids18"] = " ".join(str(fakes.rng.randrange(10**17, 10**18)) for _ in range(30))
    values.update(outside_values())
    values.update(fresh_values())
    values.update(fresh2_values())
    values.update(fresh3_values())
    values.update(fresh4_values())
    values.update(fresh5_values())
    out = []
    for name in files:
        for line in (HERE / name).read_text().splitlines():
            entry = json.loads(line)

            rendered: list[str] = []

            def fill(m: re.Match) -> str:
                if m.group(1) not in values:
                    return m.group()
                text = TRANSFORMS[m.group(2)](values[m.group(1)])
                if m.group(2) and m.group(1) in entry.get("secrets", ()):
                    rendered.append(text)  # the encoded form must go too
                return text

            payload = _payload(entry, fill)
            secrets = (
                [values[n] if not n.startswith("pem") else values[n].split("\n")[2] for n in entry.get("secrets", ())]
                + entry.get("literal", [])
                + rendered
            )
            out.append(Case(entry["id"], entry["kind"], entry["where"], payload, secrets))
    return out


def _strings(value) -> list[str]:
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in [k, *_strings(v)]]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [value] if isinstance(value, str) else []


def survived(case: Case, out: str) -> list[str]:
    """The case's secrets still readable in the redacted payload (decoded, and nested JSON decoded)."""
    texts = _strings(json.loads(out))
    return [s for s in case.secrets if any(s in t for t in texts) or s in out]


def score(redactor, files: tuple[str, ...] = ALL) -> dict:
    """Recall over the secret cases, survival over the benign ones, and what failed."""
    found = kept = n_secret = n_benign = 0
    missed, harmed = [], []
    for case in cases(files=files):
        out, _ = redactor.redact(case.payload)
        json.loads(out)
        if case.kind == "secret":
            n_secret += 1
            if survived(case, out):
                missed.append((case.id, case.where))
            else:
                found += 1
        else:
            n_benign += 1
            if out == case.payload:
                kept += 1
            else:
                harmed.append((case.id, case.where, out))
    return {
        "recall": found / n_secret,
        "benign_kept": kept / n_benign,
        "secrets": n_secret,
        "benign": n_benign,
        "missed": missed,
        "harmed": harmed,
    }


def text_secret_cases() -> list[Case]:
    """The secret cases written as text (a stdout) rather than as a payload of their own: those a test may
    write again as a terminal, an editor or a listing would."""
    entries = [json.loads(line) for name in ALL for line in (HERE / name).read_text().splitlines()]
    return [case for case, entry in zip(cases(), entries) if case.kind == "secret" and "text" in entry]


def missed_rewritten(redactor, text_cases: list[Case], rewrite) -> list[tuple[Case, bool]]:
    """The cases (caught as they are) that keep a secret once their stdout is rewritten, with ensure_ascii
    off and on; every output must be JSON."""
    missed = []
    for case in text_cases:
        if survived(case, redactor.redact(case.payload)[0]):
            continue  # the plain case's own miss (none today), counted by test_redaction_corpus
        payload = json.loads(case.payload)
        payload["tool_response"]["stdout"] = rewrite(payload["tool_response"]["stdout"])
        for ensure_ascii in (False, True):
            out, _ = redactor.redact(json.dumps(payload, ensure_ascii=ensure_ascii))
            json.loads(out)
            if survived(case, out):
                missed.append((case, ensure_ascii))
    return missed
