"""The compiled view (hookd/redact/_viewcore.c) against its Python reference (view.PyView): the same text,
the same `changed`, the same map back, on random escape-rich texts of every str kind and on every flood;
and the same inputs through a copy of the C file built with AddressSanitizer, UndefinedBehaviorSanitizer
and a bounds check on every read (-DVIEWCORE_BOUNDS), in a subprocess (its map in long longs past 64
characters, so that both widths of the map are run)."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import REPO
from hookd.hooks import native
from hookd.redact import view as view_module
from hookd.redact.view import CompiledView, PyView
from test_redact_view import ATOMS, FULLWIDTH, INVISIBLE, NOT_INVISIBLE, RAW_SPACES

SOURCE = REPO / "hookd" / "redact" / "_viewcore.c"
FLOODS = json.loads((Path(__file__).parent / "redaction_corpus" / "floods.json").read_text())
# The edges of every alternative: runs of 1 to 9 backslashes, 8 and 9 joint characters a side, escapes and
# percent escapes cut short, every character a lookbehind or lookahead looks at.
EDGES = [
    "\\" * 2, "\\" * 4, "\\" * 7 + '"', "\\" * 3 + '"', "\\" * 8 + "u0041", "\\" * 16 + "u0041", "\\" * 6 + "u0067",
    "\\u002", "\\u0", "u0041", "\\u0041", "\\u0022", "\\\\u0022", "\\\\\\u0022", "\\u007F", "\\u001f", "\\u0080",
    " " * 8, " " * 9, "\\n" * 8, "\\t" * 9, "\\\"", "%2", "%3", "%26", "6a", "6_", "D", "d", "%3d", ".", "~", "+",
    "\\u200", "\\u200B", "\\ufefF", "\\\\\\u2060", "\\" * 8 + "u200c", "\\" * 16 + "u200d", "\\" * 6 + "u200b", "u20", "uFE",
    # terminal escape sequences, raw and escaped at every level: CSI, OSC openings, string terminators, and
    # their bounds (32 parameters, 4 intermediates), cut short
    "\x1b", "\x1b[31m", "\x1b[", "\x1b]8;;", "\x1b]8;id=1;", "\x1b]0;", "\x1b]12345;", "\x1b\\", "\x07", "[K",
    "\\u001b", "\\u001B[1;2m", "\\u001b]8;;", "\\u001b\\\\", "\\\\u001b\\\\\\\\", "\\" * 3 + "u001b[0m", "\\" * 8 + "u001b[K",
    "\\" * 16 + "u001b[m", "\\" * 7 + "u001b" + "\\" * 16, "u001b", "]8;", "[0;" * 11, "!!!!!", "!",
    # a quote of a nested level after an escaped CSI's letter, and an escape of a string terminator's level right
    # after it (h221)
    "\\u001b[32m\\\\\\\"a", "\\" * 2 + "u001b[0;1m" + "\\" * 7 + '"', "\\u001b\\\\\\\"", "\\" * 2 + "u001b" + "\\" * 7 + '"u',
    "\\" * 4 + "u001b" + "\\" * 15 + '"', "\\u001b\\\\\\u0041", "[1;2;3;4;5;6;7;8;9;1;2;3m",
    # control characters' escapes (read as a space), JSON's \b \f \t, a CR before a LF (dropped), at every level
    "\\b", "\\f", "\\t", "\\r", "\\r\\n", "\\u0007", "\\u0000", "\\u0010", "\\u001c", "\\u001A", "\\u000a",
    "\\u0009", "\\u000D", "\\\\b", "\\\\u0007", "\\" * 4 + "u0008", "\\r\\n    ", '\\"a\\"\\r\\n  \\"b\\"', "\\r+",
    # a line's prefix after a line break (raw or escaped) or a string's opening quote (after [ , : { or a space):
    # cat -n's and the Read tool's numbers, grep's path:N:, diff markers, comment marks; and their bounds (six
    # wide, seven digits; the long bounds are test_a_line_prefixs_bounds_are_the_reference's)
    "\n", "\\n", "[", ",", ":", "{", "     1\t", "    12\\t", "1234567\t", "12345678\t", "      1\t", "     1\u2192",
    "  3\\u2192", "src/a.env:12:", "./d/.env:", "/a/b:", "/a/b: ", "/a/b:  ", "12:", "12:3", "- ", "-  ", "-p ", "-pw", "-p",
    "+ ", "++", "# ", "// ", "-- ", "; ", "> ", "\\\\\\n", "\\" * 4 + "\\n",
    # a NUL or a BEL (a line break of its level; nothing right after an escaped line break), a string
    # terminator at each level (a line break of it), no-break and other Unicode spaces, raw and escaped
    "\\n\\u0000", "\\\\n\\\\u0007", "n\\u0000", "\\" * 8 + "u0000", "\\" * 16 + "u0007", "\\" * 3 + "u0000", "\\n\\\\u0007",
    "\\\\u001b\\\\\\\\", "\\" * 8 + "u001b" + "\\" * 16, "\\u00A0", "\\u00a1", "\\u009f", "\\u2009", "\\u200A", "\\u1fff",
    "\\u201f", "\\u202F", "\\u2030", "\\u3000", "\\u3001", "\\\\u00a0", "\\" * 8 + "u3000", "\\" * 16 + "u00a0",
    # a line's prefix after a line break the view reads where none is written: a first level's NUL, BEL or ESC \\
    # (not a second level's), a raw ESC \\, and a NUL after an escaped line break (read as nothing)
    "\\u0007+ ", "\\u0000     1\\t", "\\u001b\\\\# ", "\x1b\\+", "\\\\\\u0000- ", "\\\\u0007+ ", "\\n\\u0000+ ",
    "\\u0007/a/b:3:", "\x1b\\  1\u2192", "\\\\u001b\\\\\\\\+ ",
    # JSON's escaped solidus at every level, and past the last
    "\\/", "\\\\/", "\\" * 3 + "/", "\\" * 4 + "/", "\\" * 8 + "/", "\\" * 16 + "/", "/", "\\n\\/", "AKIA\\/",
    # a line continuation (an escaped backslash, then a line break) at every level, and runs that are none
    "\\" * 3 + "n", "\\" * 6 + "n", "\\" * 12 + "n", "\\" * 24 + "n", "\\" * 5 + "n", "\\" * 9 + "n", "\\" * 48 + "n",
]  # fmt: skip
# Per kind of str: what the random texts hold besides ATOMS and EDGES. The zero-width characters with a
# latin-1 and an astral one: a text whose widest character is dropped is a narrower str in the view (and OSC 8
# parameters holding one, dropped with their sequence).
KINDS = {
    "ascii": [],
    "latin-1": ["é"] * 3,
    "ucs-2": ["Ā€"] * 3,
    "ucs-4": ["😀"] * 3,
    "zero-width": [*INVISIBLE, "é", "😀", "\x1b]8;id=😀;", "\\u001b]8;é;"],
    # a text whose widest character is a space read as a space is a narrower str in the view
    "spaces": [*RAW_SPACES, "\x9f", "é", "\u200b"],
    "fullwidth": [*FULLWIDTH, *NOT_INVISIBLE, "é", "\u200b", "😀"],
}


def escape_rich(rng: random.Random, wide: list[str], atoms: int = 40) -> str:
    pool = ATOMS + EDGES + wide
    return "".join(rng.choice(pool) for _ in range(rng.randint(1, atoms)))


def compare(text: str, every_pair: bool = True) -> bool:
    """The compiled view is the reference's: text, changed, map, and span() for every view span."""
    want, got = PyView(text), CompiledView(text)
    assert got.text == want.text, text
    # (== compares the kinds first: a view of a wider kind than its characters need would differ here too)
    assert type(got.text) is str and got.changed == want.changed, text
    if not want.changed:
        return False
    want._map()
    got._map()
    for column in ("_view_at", "_view_len", "_orig_at", "_orig_len"):
        assert list(getattr(got, column)) == list(getattr(want, column)), (column, text)
    n = len(want.text)
    pairs = [(s, e) for s in range(n) for e in range(s + 1, n + 1)] if every_pair else [(x, x + 1) for x in range(n)]
    for start, end in pairs:
        assert got.span(start, end) == want.span(start, end), (start, end, text)
    return True


def test_the_compiled_view_is_built_and_used_in_the_checkout() -> None:
    # Without this, a broken build would leave every other test here comparing nothing (hookd itself would run
    # on the Python view, slower on floods of escapes).
    assert view_module.COMPILED, (
        "hookd/redact/_viewcore.c is not built in this checkout, so the redaction view runs in Python: run "
        "`make setup` (it installs a C compiler and Python's headers when missing, and builds the extension)"
    )
    assert view_module.View is CompiledView
    built = sys.modules["hookd.redact._viewcore"].__file__
    assert os.stat(built).st_mtime >= SOURCE.stat().st_mtime, f"{built} is older than {SOURCE}: run `make setup`"


@pytest.mark.parametrize("kind", list(KINDS))
def test_the_compiled_view_is_the_reference_on_random_escape_rich_texts(kind: str) -> None:
    rng = random.Random(5252 + len(kind))
    changed = 0
    for i in range(3000):
        text = escape_rich(rng, KINDS[kind])
        changed += compare(text, every_pair=i % 10 == 0)
    assert changed > 1500


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_cut_of_an_escape_rich_text_is_the_reference(kind: str) -> None:
    # A text may end anywhere inside a match: every prefix and suffix of a few texts.
    rng = random.Random(77 + len(kind))
    for _ in range(40):
        text = escape_rich(rng, KINDS[kind], atoms=30)
        for cut in range(len(text) + 1):
            compare(text[:cut], every_pair=False)
            compare(text[cut:], every_pair=False)


def test_a_line_prefixs_bounds_are_the_reference() -> None:
    # 64 characters a path's component, 16 components, 200 characters or escapes to a string's space, : or =
    bounds = [
        "a" * 63, "a" * 64, "a" * 65, "/" + "b" * 64, "/" + "b" * 65, "/c" * 15, "/c" * 16, "/c" * 17, "x" * 199,
        "x" * 200, "x" * 201, '\\"' * 100, '\\"' * 101, ":1:", ":", " ", "=", '"', "\\", "\n", "-",
    ]  # fmt: skip
    rng = random.Random(84)
    for _ in range(3000):
        text = "".join(rng.choice(bounds + ["\\n", '["', "\n+", '"-', "src"]) for _ in range(rng.randint(1, 8)))
        compare(text, every_pair=False)


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.sampled_from(ATOMS + EDGES + INVISIBLE + RAW_SPACES + FULLWIDTH + ["é", "Ā", "😀", "\x00", "\\"]),
        max_size=50,
    )
)
def test_the_compiled_view_is_the_reference_on_generated_texts(atoms: list[str]) -> None:
    compare("".join(atoms), every_pair=len(atoms) < 20)


def test_the_compiled_view_is_the_reference_on_every_flood() -> None:
    units = {u for table in ("keywords", "candidates") for units in FLOODS[table].values() for u in units}
    for unit in sorted(units):
        flood = unit * (20000 // len(unit) + 1)
        for text in (flood, json.dumps({"tool_response": {"stdout": flood}})):
            compare(text, every_pair=False)


def test_a_text_without_edits_is_returned_as_it_is() -> None:
    text = 'no escapes here \\n, a quote \\" and 100%'
    assert CompiledView(text).text is text and not CompiledView(text).changed


FALLBACK = """
import sys
class NoCore:  # as on a machine where the C core could not be built
    def find_spec(self, name, path=None, target=None):
        if name == "hookd.redact._viewcore":
            raise ImportError("no _viewcore here")
sys.meta_path.insert(0, NoCore())
from hookd.redact import budget, build_redactor, floods, view
if sys.argv[2] == "no-spare":  # as the no_spare fixture
    floods.REPORT_SPARE = floods.WORD_SPARE = budget.CONFIRM_SPARE = 0
print(view.View.__name__)
print(build_redactor(True, cache_dir=sys.argv[1]).redact(sys.stdin.read())[0], end="")
"""


def redacted_without_the_core(text: str, cache_dir: Path, spare: bool = True) -> str:
    """``text`` redacted by hookd in a process where the C core does not import (the view in Python)."""
    done = subprocess.run(
        [sys.executable, "-c", FALLBACK, str(cache_dir), "spare" if spare else "no-spare"],
        input=text,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
    )
    assert done.returncode == 0, done.stderr
    name, redacted = done.stdout.split("\n", 1)
    assert name == "PyView"
    return redacted


def test_hookd_redacts_the_same_without_the_compiled_view(tmp_path: Path) -> None:
    from hookd.redact import build_redactor

    redactor = build_redactor(True, cache_dir=str(tmp_path))  # the scanner compiled once, for both processes
    assert redactor is not None

    text = json.dumps({"stdout": 'k = "\\u0067hp_' + "a1B2" * 9 + '" and "sk-" + "proj-' + "Zx9" * 12 + '"'})
    assert redacted_without_the_core(text, tmp_path) == redactor.redact(text)[0] != text


# The sanitizer run: the same comparisons, and floods, with the sanitized copy standing in for _viewcore.
SANITIZE = ("-O1", "-g", "-fno-omit-frame-pointer", "-fsanitize=address,undefined", "-fno-sanitize-recover=all")
REPORTS = ("AddressSanitizer", "UndefinedBehaviorSanitizer", "runtime error:", "SUMMARY:", "viewcore: read at")
DRIVER = """
import importlib.util, json, random, sys
sys.path[:0] = [sys.argv[2], sys.argv[3]]
spec = importlib.util.spec_from_file_location("_viewcore", sys.argv[1])
core = importlib.util.module_from_spec(spec)
spec.loader.exec_module(core)
from hookd.redact import view
# CompiledView now runs the sanitized copy (whose map is in long longs past 64 characters: both widths)
view._decode, view._edits, view._NARROW_MAX = core.decode, core.edits, core.NARROW_MAX
assert core.NARROW_MAX == 64
import test_redact_view_core as t
checked = 0
for kind, wide in t.KINDS.items():
    rng = random.Random(99 + len(kind))
    for _ in range(1500):
        text = t.escape_rich(rng, wide)
        for cut in (len(text), len(text) - 1, len(text) - 2, len(text) - 5):
            t.compare(text[: max(cut, 0)], every_pair=False)
            checked += 1
units = {u for table in ("keywords", "candidates") for us in t.FLOODS[table].values() for u in us}
units |= {"\\\\u0067", "'a' + 'b' ", "a%3D", "\\\\" * 9 + '"', "\\\\" * 4096, "a\\u200b", "a\\\\u200b", "\\u200b" * 3 + "\\u00e9", "=" + "\\\\" * 3 + "n", "-p" + "\\\\" * 6 + "n"}
# A flood of 64 KiB's worth of whole units (fourteen of the longest, floods.json's; forty times the farthest the
# scan reads ahead, a log's prefix), so its loop reaches every state a longer one would, which only repeats
# them; it ends where one of 1 MiB ends, cut inside its unit alike (a read past an escape cut short there)
for unit in sorted(units):
    flood = unit * ((1 << 16) // len(unit)) + unit[: (1 << 20) % len(unit)]
    for text in (flood, flood[:-1], json.dumps({"stdout": flood})):
        got = view.CompiledView(text)
        got.span(0, 1) if got.changed else None
        checked += 1
print("checked", checked, core.__file__)
"""


@pytest.fixture(scope="module")
def sanitized(tmp_path_factory) -> Path:
    cc = native.compiler()
    if cc is None:
        pytest.skip("no C compiler (cc) here; `make setup` installs one")
    include = sysconfig.get_paths()["include"]
    if not os.path.isfile(os.path.join(include, "Python.h")):
        pytest.skip(f"no Python.h in {include}; `make setup` installs Python's headers")
    out = tmp_path_factory.mktemp("viewcore-asan") / "_viewcore_asan.so"
    argv = [
        *cc,
        "-shared",
        "-fPIC",
        "-std=c99",
        *SANITIZE,
        "-DVIEWCORE_BOUNDS",
        "-DVIEWCORE_NARROW_MAX=64",
        f"-I{include}",
        "-o",
        str(out),
    ]
    done = subprocess.run([*argv, str(SOURCE)], capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        pytest.skip(f"cannot build with the sanitizers here: {done.stderr[-500:]}")
    return out


@pytest.mark.timeout(660)  # CPU-bound under ASan: minutes on a machine loaded past its cores (the driver's own 600 s)
def test_the_compiled_view_under_the_sanitizers_reads_and_writes_only_its_own(sanitized: Path) -> None:
    cc = native.compiler()
    assert cc is not None
    libasan = subprocess.run([*cc, "-print-file-name=libasan.so"], capture_output=True, text=True).stdout.strip()
    if not os.path.isabs(libasan) or not os.path.isfile(libasan):
        pytest.skip(f"{cc[0]} does not say where its ASan runtime is (-print-file-name=libasan.so: {libasan!r})")
    env = dict(
        os.environ,
        LD_PRELOAD=libasan,  # the interpreter is not built with ASan: its runtime goes first
        PYTHONMALLOC="malloc",  # every str its own malloc block: a read past one is caught
        ASAN_OPTIONS="detect_leaks=0:abort_on_error=1",  # the interpreter's own allocations are not ours to judge
        UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1",
    )
    done = subprocess.run(
        [sys.executable, "-c", DRIVER, str(sanitized), str(REPO), str(Path(__file__).parent)],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )
    found = [r for r in REPORTS if r in done.stderr]
    assert not found, done.stderr[-4000:]
    assert done.returncode == 0, done.stderr[-4000:]
    assert done.stdout.startswith("checked ") and str(sanitized) in done.stdout, done.stdout
    assert int(done.stdout.split()[1]) > 20000
