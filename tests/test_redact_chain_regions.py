"""chainreach.hidden read only where the single-quoted rules read (h228): in each stretch it is the whole text's,
read from a barrier (a JSON line break after ')' or ':') or from where the last reading ended."""

from __future__ import annotations

import random

from hookd.redact.chainreach import hidden

CHAIN = "password='ab\\\", " + '\\"s\\", ' * 11 + "\\\"v'"  # past the reach, never ending as JSON
PIECES = [
    CHAIN,
    CHAIN[:-1],
    '\\"a\\", ',
    '\\"bb\\",',
    '\\"c\\"',
    '\\\\\\"d\\\\\\", ',
    "\\n",
    ")\\n",
    ":\\n",
    ")\\\\n",
    "password='",
    "'",
    '", "',
    ", ",
    ": ",
    "[",
    "]",
    "{",
    " ",
    "\\t",
    "x",
    "\\\\",
    '"',
    'b"]',
]


def drawn(rng: random.Random) -> str:
    return "".join(rng.choice(PIECES) for _ in range(rng.randint(50, 400)))


def test_each_stretch_is_the_whole_texts():
    rng = random.Random(228)
    hid = 0
    for _ in range(400):
        text = drawn(rng)
        whole = hidden(text)
        hid += whole != text
        cuts = sorted(rng.sample(range(len(text) + 1), 6))
        where = [(cuts[0], cuts[1]), (cuts[2], cuts[3]), (cuts[4], cuts[5])]
        part = hidden(text, where)
        assert len(part) == len(text)
        for low, high in where:
            assert part[low:high] == whole[low:high], (text, low, high)
    assert hid > 100  # the texts do hold chains past the reach


def test_a_chain_far_from_every_stretch_is_not_read():
    chain = CHAIN
    text = chain + ")\\n" + "y" * 5000 + ")\\n" + chain
    assert hidden(text) != text
    part = hidden(text, [(len(text) - len(chain), len(text))])
    assert part[: len(chain)] == text[: len(chain)]  # the first chain was not read
    assert part[-len(chain) :] == hidden(text)[-len(chain) :]
