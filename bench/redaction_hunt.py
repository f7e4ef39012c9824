#!/usr/bin/env python3
"""A search for the input redaction is slowest on (issue 16: >= 100 MB/s on the worst input).

An input is a unit repeated: a few pieces built from the rules' own parts (each rule's keywords, the
words of its trigger, confirm and trigger parts, tests/redaction_corpus/floods.json's floods) and value
shapes (random base64, hex, words, paths, 1 KiB values; fresh at each repetition, so the redactor's cache
of validated values does not help), joined by separators (``=``, ``: ``, quotes, escapes, line breaks).
Either repeated throughout, or thinned to N units per scan window (8192 + 2048 characters) with
plain prose between, as floods just under a guard's limit are. An evolutionary search (seeded: the same
seed draws the same mutations, though which survive depends on the timings) keeps the slowest, mutates
(replace, insert, delete, repeat a piece; change the thinning) and recombines them, each timed as
``redact()``'s CPU time on 256 KiB as plain text and as a payload's stdout (the slower counts). The
worst are then timed on 1 MiB (best of 3) and printed, slowest first, with MB/s (text | payload; "d":
redacted in bulk as dense) and the unit.

--out FILE writes the worst as JSON; --replay FILE times those again (on --tree, an older checkout's
hookd, as bench/redaction_compare.py loads it), to compare the same inputs before and after a change.

Usage: python bench/redaction_hunt.py [--budget-s 120] [--seed 1] [--top 10] [--out F] [--replay F] [--tree D]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import string
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..")
SEARCH_SIZE = 256 << 10
CONFIRM_SIZE = 1 << 20
WINDOW = 8192 + 2048
FILLER = "the build finished and the report lists nothing new for this module today "
SEPARATORS = ["=", ": ", " ", '\\"', '"', "'", "\n", "\\n", "\t", " = ", '="', ': "', "-", " -", "/", "@", ":", ", "]
SHAPES = ["b64", "hex", "word", "long", "path", "alnum", "digits"]
PER_WINDOW = [None, 4, 8, 16, 24, 32, 48, 64, 96, 128, 160, 200]
MAX_PIECES = 12
_WORD = re.compile(r"[A-Za-z][A-Za-z_.-]{2,40}")
_NOT_WORDS = {"A-Za-z", "Za-z", "A-Z", "a-z", "A-F", "a-f", "A-Fa-f"}
_WORDS = ["main", "value", "string", "config", "user", "admin", "test", "local", "db", "name"]


def parts(rules, floods) -> list[str]:
    """The literal pieces a unit is built from: every rule's keywords and its patterns' words."""
    found: set[str] = set()
    for rule in rules:
        found.update(rule.keywords)
        sources = [rule.trigger, rule.confirm, rule.confirm_after]
        sources += [p for p, _ in rule.trigger_parts] + [p for p, _ in rule.confirm_parts]
        sources += [n for _, needs in rule.trigger_parts + rule.confirm_parts for n in needs]
        sources += [n for needs in rule.trigger_needs for n in needs]
        for source in sources:
            found.update(w for w in _WORD.findall(source) if w not in _NOT_WORDS and "-Za" not in w)
    for kind in ("keywords", "candidates"):
        for units in floods[kind].values():
            found.update(units)
    return sorted(w for w in found if w)


def value(rng: random.Random, shape: str, length: int) -> str:
    if shape == "b64":
        return "".join(rng.choices(string.ascii_letters + string.digits + "+/", k=length))
    if shape == "hex":
        return "".join(rng.choices("0123456789abcdef", k=length))
    if shape == "word":
        return rng.choice(_WORDS)
    if shape == "long":
        return rng.choice(["a", "/", "x1"]) + "a" * 1000
    if shape == "path":
        return "/" + "/".join(rng.choice(_WORDS) for _ in range(max(1, length // 8)))
    if shape == "digits":
        return "".join(rng.choices(string.digits, k=length))
    return "".join(rng.choices(string.ascii_letters + string.digits, k=length))


def render(genome: dict, size: int, seed: int) -> str:
    """The genome's unit repeated (or thinned per window) to ``size`` characters, values drawn afresh."""
    rng = random.Random(seed)
    out: list[str] = []
    total = 0
    per = genome["per"]
    in_window = 0
    while total < size:
        unit = "".join(p[1] if p[0] == "lit" else value(rng, p[1], p[2]) for p in genome["pieces"])
        out.append(unit)
        total += len(unit)
        if per:
            in_window += 1
            if in_window >= per:
                gap = max(0, WINDOW - (total % WINDOW)) + 1
                out.append((FILLER * (gap // len(FILLER) + 1))[:gap])
                total += gap
                in_window = 0
    return "".join(out)[:size]


def describe(genome: dict) -> str:
    def shape(piece: list) -> str:
        if piece[0] == "lit":
            return piece[1]
        return f"<{piece[1]}>" if piece[1] in ("word", "long") else f"<{piece[1]}:{piece[2]}>"

    shown = "".join(shape(p) for p in genome["pieces"])
    return repr(shown) + (f" x{genome['per']} per window" if genome["per"] else "")


def as_payload(text: str) -> str:
    return json.dumps({"hook_event_name": "PostToolUse", "tool_name": "Bash", "tool_response": {"stdout": text}})


def timed(redactor, text: str, times: int) -> tuple[float, bool]:
    best = float("inf")
    dense = False
    for _ in range(times):
        # A fresh start each time: the values an input repeats are new to the redactor once only.
        if hasattr(redactor, "forget"):
            redactor.forget()
        else:  # an older tree's redactor
            for cache in getattr(redactor, "_validated", []) + getattr(redactor, "_unwrapped", []):
                cache.clear()
        started = time.process_time()
        _, counts = redactor.redact(text)
        best = min(best, time.process_time() - started)
        dense = "dense" in counts
    return len(text.encode()) / max(best, 1e-6) / 1e6, dense


def rates(redactor, genome: dict, size: int, times: int) -> tuple[tuple[float, bool], tuple[float, bool]]:
    text = render(genome, size, 7)
    return timed(redactor, text, times), timed(redactor, as_payload(text), times)


class Hunt:
    def __init__(self, redactor, pieces: list[str], rng: random.Random) -> None:
        self.redactor = redactor
        self.pieces = pieces
        self.rng = rng
        self.seen: dict[str, float] = {}

    def piece(self) -> list:
        roll = self.rng.random()
        if roll < 0.45:
            return ["lit", self.rng.choice(self.pieces)]
        if roll < 0.7:
            return ["lit", self.rng.choice(SEPARATORS)]
        return ["val", self.rng.choice(SHAPES), self.rng.choice([4, 8, 16, 24, 32, 40, 64])]

    def fresh(self) -> dict:
        pieces = [["lit", self.rng.choice(self.pieces)], ["lit", self.rng.choice(SEPARATORS)], self.piece()]
        return {"pieces": pieces, "per": self.rng.choice(PER_WINDOW)}

    def mutate(self, genome: dict) -> dict:
        pieces = [list(p) for p in genome["pieces"]]
        per = genome["per"]
        for _ in range(self.rng.choice([1, 1, 2, 3])):
            op = self.rng.randrange(6)
            at = self.rng.randrange(len(pieces))
            if op == 0:
                pieces[at] = self.piece()
            elif op == 1 and len(pieces) < MAX_PIECES:
                pieces.insert(at, self.piece())
            elif op == 2 and len(pieces) > 1:
                del pieces[at]
            elif op == 3 and len(pieces) < MAX_PIECES:
                pieces.insert(at, list(pieces[at]))
            elif op == 4:
                per = self.rng.choice(PER_WINDOW)
            elif op == 5 and pieces[at][0] == "val":
                pieces[at][2] = self.rng.choice([4, 8, 16, 24, 32, 40, 64, 128])
        return {"pieces": pieces, "per": per}

    def cross(self, a: dict, b: dict) -> dict:
        cut_a = self.rng.randrange(1, len(a["pieces"]) + 1)
        cut_b = self.rng.randrange(len(b["pieces"]))
        pieces = (a["pieces"][:cut_a] + b["pieces"][cut_b:])[:MAX_PIECES]
        return {"pieces": [list(p) for p in pieces], "per": self.rng.choice([a["per"], b["per"]])}

    def score(self, genome: dict) -> float:
        key = json.dumps(genome)
        if key not in self.seen:
            (text, _), (payload, _) = rates(self.redactor, genome, SEARCH_SIZE, 2)
            self.seen[key] = min(text, payload)
        return self.seen[key]

    def run(self, seeds: list[dict], budget: float, population: int) -> list[tuple[float, dict]]:
        deadline = time.monotonic() + budget
        pool = [(self.score(g), g) for g in seeds]
        generations = 0
        while time.monotonic() < deadline:
            pool.sort(key=lambda pair: pair[0])
            pool = pool[:population]
            parents = [g for _, g in pool[: max(4, population // 2)]]
            children = [self.mutate(self.rng.choice(parents)) for _ in range(population // 2)]
            children += [self.cross(*self.rng.sample(parents, 2)) for _ in range(population // 4)]
            children += [self.fresh() for _ in range(population // 8)]
            for child in children:
                if time.monotonic() >= deadline:
                    break
                pool.append((self.score(child), child))
            generations += 1
        print(f"{generations} generations, {len(self.seen)} inputs timed", file=sys.stderr)
        pool.sort(key=lambda pair: pair[0])
        return pool


def seeds(rules, floods, hunt: Hunt) -> list[dict]:
    """Each rule's keyword with a separator and a value, the known worst units, and random ones."""
    known = [
        {"pieces": [["lit", "password=/"], ["val", "long", 0], ["lit", "\n"]], "per": None},
        {
            "pieces": [
                ["lit", 'ApiKey\\" '],
                ["lit", "chpasswd "],
                ["lit", "chpasswd "],
                ["lit", "chpasswd "],
                ["lit", "chpasswd "],
            ],
            "per": 32,
        },
        {"pieces": [["lit", " -token "]], "per": None},
    ]
    out = list(known)
    for rule in rules:
        words = list(rule.keywords) or [w for w in _WORD.findall(rule.trigger) if w not in _NOT_WORDS][:1]
        if words:
            out.append(
                {
                    "pieces": [["lit", hunt.rng.choice(words)], ["lit", hunt.rng.choice(SEPARATORS)], hunt.piece()],
                    "per": hunt.rng.choice(PER_WINDOW),
                }
            )
    return out + [hunt.fresh() for _ in range(8)]


def load(tree: str | None):
    if not tree:
        from hookd.redact import build_redactor

        return build_redactor(True)
    sys.path.insert(0, HERE)
    from redaction_compare import load as load_tree

    return load_tree(tree)


def show(redactor, genomes: list[dict]) -> list[dict]:
    rows = []
    for genome in genomes:
        (text, text_dense), (payload, payload_dense) = rates(redactor, genome, CONFIRM_SIZE, 3)
        rows.append({"genome": genome, "text": text, "payload": payload, "dense": [text_dense, payload_dense]})
    rows.sort(key=lambda row: min(row["text"], row["payload"]))
    print("| MB/s text | payload | unit |\n|---|---|---|")
    for row in rows:
        t, p = row["dense"]
        print(
            f"| {row['text']:.1f}{' d' if t else ''} | {row['payload']:.1f}{' d' if p else ''} | {describe(row['genome'])} |"
        )
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--budget-s", type=float, default=120.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--top", type=int, default=10)
    ap.add_argument("--population", type=int, default=24)
    ap.add_argument("--out")
    ap.add_argument("--replay")
    ap.add_argument("--tree")
    args = ap.parse_args()
    redactor = load(args.tree)
    if args.replay:
        show(redactor, [row["genome"] for row in json.load(open(args.replay))])
        return
    from hookd.redact.rules import BUILTIN_RULES

    floods = json.load(open(os.path.join(ROOT, "tests", "redaction_corpus", "floods.json")))
    hunt = Hunt(redactor, parts(BUILTIN_RULES, floods), random.Random(args.seed))
    pool = hunt.run(seeds(BUILTIN_RULES, floods, hunt), args.budget_s, args.population)
    worst: list[dict] = []
    for _, genome in pool:
        if genome not in worst:
            worst.append(genome)
        if len(worst) == args.top:
            break
    rows = show(redactor, worst)
    if args.out:
        json.dump(rows, open(args.out, "w"), indent=1)


if __name__ == "__main__":
    main()
