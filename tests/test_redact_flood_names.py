"""The name before an assignment's value is read back from its = or :, not searched for from 100 characters
before it (namewords.whole_word_ok): a flood of `password = <164 base64>` lines, every line a secret confirmed,
had its name searched for at each character of the value before it, some 80 regex steps at each (issue 16, h260:
0.8 MB/s, the worst input known). Regex steps are not countable here; the characters each search is handed are."""

from __future__ import annotations

import random
import re
import string

import pytest

from hookd.redact import build_redactor, namewords

REDACTOR = build_redactor(True)
B64 = string.ascii_letters + string.digits + "+/"


class Searches:
    """_NAME_BEFORE's searches: per call, the characters it was handed (endpos - pos)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.handed: list[int] = []
        pattern = namewords._NAME_BEFORE
        handed = self.handed

        class Counting:
            def search(self, text: str, pos: int, endpos: int) -> re.Match[str] | None:
                handed.append(endpos - pos)
                return pattern.search(text, pos, endpos)

        monkeypatch.setattr(namewords, "_NAME_BEFORE", Counting())


def lines(name: str, count: int, seed: int = 7) -> str:
    rng = random.Random(seed)
    return "".join(f"{name} = {''.join(rng.choice(B64) for _ in range(164))}\n" for _ in range(count))


@pytest.mark.parametrize("name", ["password", "db_auth", "x" * 60 + "_password"])
def test_a_flood_of_assignments_searches_only_its_names(name, monkeypatch):
    searches = Searches(monkeypatch)
    out, counts = REDACTOR.redact(lines(name, 200))
    assert counts.get("secret_assignment", 0) >= 40 and searches.handed
    # The name (80 characters at most), its quote, spaces, sign and =, and an escape's backslash before it.
    longest = min(len(name), 80) + 6
    assert max(searches.handed) <= longest, (max(searches.handed), longest)


@pytest.mark.parametrize(
    "before",
    [
        "password = ",
        "\\nauth: ",
        'db.auth\\" = ',
        "dbAuth += ",
        "oauth = ",
        "x" * 99 + "auth = ",
        "a.b.=",
        "PWD=",
        ";Pwd=",
    ],
)
def test_the_name_read_back_is_the_one_searched_for(before):
    """What whole_word_ok reads is what a search from 100 characters before found."""
    for text in (before, "zz" + before, "\\" + before, "q" * 200 + before):
        at = len(text)
        found, expected = namewords._name_before(text, at), namewords._NAME_BEFORE.search(text, max(0, at - 100), at)
        assert (found and (found.span(), found.group(1))) == (expected and (expected.span(), expected.group(1)))
