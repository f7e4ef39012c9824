"""h212's chain past the reach, read once per text (chainreach.py): the chains h212's tests do not write.

``password='ab", "s0", ..., "s11", "<v>'`` kept ``<v>``: a chain of strings past jsonends' reach was taken as JSON
going on. chainreach reads each chain once, to its end; one that never ends as JSON has its quotes hidden from the
value rules, so the value runs on over it. These are the chains of other shapes: strings with an escape inside (read
by jsonends' own link, not as plain ones), after a colon or an object's opening, tabs around the commas, a string
with a nested quote inside among plain ones. (A real array longer than the reach after an unclosed value ends as
JSON and is kept whole: h212's last test, which now asserts every string kept.)
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from recall_helpers import apply_twice, nested

sys.path.insert(0, str(Path(__file__).parent / "redaction_corpus"))

from fakes import Fakes  # noqa: E402

PW = Fakes(220).all()["pw"]


def chain(strings: int, item: str = "s{i}", comma: str = ", ") -> str:
    return comma.join('"' + item.format(i=i) + '"' for i in range(strings))


SHAPES = {
    "escapes inside": "password='ab\", " + chain(12, "a\\tb{i}") + ", \"{pw}'",
    "after a colon": "password='ab\": " + chain(12) + ", \"{pw}'",
    "an object's keys": "password='ab\", {" + chain(12) + ", \"{pw}'",
    "tabs": "password='ab\",\t" + chain(12, comma=",\t") + ",\t\"{pw}'",
    "a nested quote among plain strings": "password='ab\", " + chain(5) + ', "x\\"y", ' + chain(6) + ", \"{pw}'",
}


@pytest.mark.parametrize("shape", SHAPES.values(), ids=SHAPES.keys())
@pytest.mark.parametrize("levels", [0, 1, 2])
def test_a_chain_past_the_reach_of_another_shape_stays_in_the_value(shape: str, levels: int) -> None:
    out = apply_twice(nested(shape.replace("{pw}", PW), levels))
    assert PW not in out, out
