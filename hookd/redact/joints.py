"""Two tokens written glued, each found on the first pass: another token's prefix right after a token is its end.

A token is recognised only at a boundary, so of ``AKIA<16>dapi<32>`` or ``lin_api_<40>ghp_<36>`` a pass
took the second at most (a rule with no left boundary), and often neither: the first's end ran into the
second's letters, the second had the first's last letter before it. A second pass then took the first,
once the second was a marker (or, with a rule whose context reaches farther than glued.py reads again, a
part of it: the output was not stable); or both were kept by every pass.

A token's trigger (patterns.hyperscan_shape) also ends on another token's prefix (patterns.JOINTS) glued
right after it: such a report is a joint, where the prefix begins. The rule's regex is then read again up
to the joint, as if the text ended there, and a match that ends exactly there is the first token; glued.py
then reads the run after its marker as a second pass would, which takes the second token (and a chain).
A benign word glued after a token is never a joint (it is no prefix), and a prefix inside a token's body
(``ghp_<36>`` with ``AKIA`` in it) is one only when the token's shape ends there.

Bounded: a joint is read back at most the rule's reach, and not past the joint before it (a token ends at
one joint and begins after the one before), so the reads of one rule together read the text once.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

from hookd.redact.glued import LOOKAHEAD, RUN, run_end
from hookd.redact.patterns import JOINTS
from hookd.redact.scan import CHUNK

_TOKEN_CHARACTER = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.")
_TAIL = 3  # characters of the shortest prefix (sk-, hf_, SG.)
# Per last _TAIL characters of a prefix, the prefixes that end with them (a report ends on a prefix's last
# character): one dictionary look per report, which a flood of glued tokens makes one every 40 characters.
_BY_TAIL: dict[str, tuple[str, ...]] = {}
for _joint in JOINTS:
    _BY_TAIL[_joint[-_TAIL:]] = (*_BY_TAIL.get(_joint[-_TAIL:], ()), _joint)
del _joint


def joints(text: str, ends: list[int], reach: int, dense: Collection[int] = ()) -> list[tuple[int, int]]:
    """Per report of an exact rule's trigger (``ends``, in order) that ends on a prefix glued to a token
    character: the stretch to read again, from at most ``reach`` back to the joint (the prefix's start).
    Reports in a ``dense`` chunk (redacted in bulk, dense.py) are not read."""
    windows: list[tuple[int, int]] = []
    floor = 0
    for end in ends:
        prefixes = _BY_TAIL.get(text[end - _TAIL : end])
        if prefixes is None or dense and end // CHUNK in dense:
            continue
        for prefix in prefixes:
            at = end - len(prefix)
            if at > 0 and text.startswith(prefix, at) and text[at - 1] in _TOKEN_CHARACTER:
                if at > floor:
                    windows.append((max(floor, at - reach), at))
                    floor = at
                break
    return windows


def ended_at_joints(
    found: list[tuple[int, int, int]], cut: dict[tuple[int, int], int], taken: Callable[[int, int, int], bool]
) -> list[tuple[int, int, int]]:
    """``found`` less a token's find that runs past the joint its own find ends at (``cut``: start and rule ->
    joint): a body that may end before ``_`` took the next token's prefix up to its ``_`` (``sk_live_<24>`` +
    ``shpat`` of ``shpat_<hex>``), and the union of the two left the next token's rest in clear, its prefix
    inside the marker. Ended at the joint, glued.py reads the run after its marker and takes the next token.
    Only where the run after the joint is taken as a token (``taken``: joint, the longer find's end, rule): a
    prefix inside a token of no fixed length (``hvb.<body>hf_<15>``) is no joint when no token follows it, and
    split there, the body's tail was left in clear after the marker; the longer find stands (fail closed)."""
    if not cut:
        return found
    confirmed = set(found)
    return [
        (start, end, index)
        for start, end, index in found
        if (joint := cut.get((start, index))) is None
        or end <= joint
        or (start, joint, index) not in confirmed
        or not taken(joint, end, index)
    ]


READS_AT_LEAST = 16  # runs after joints read in any text: more than real text holds (a few glued tokens)
READ_EVERY = 65536  # and one more for each this many characters


class Tails:
    """Whether the run after a joint in ``text`` is taken as tokens up to the longer find's end: read as a
    second pass would, glued tokens too (``locate``: a text's spans as the passes find them), finds from the
    joint on, each beginning where the one before ends, cover it. A rest they leave (``hf_<15>``, a glued
    ``-prod`` the body reads on, the body after a token) stays in the longer find. Bounded: each read counted
    twice (its pass, and glued.py's re-reads of the runs glued in it), the reads of one text together read at
    most its length and one run more; past that, the longer find stands, with no read."""

    def __init__(self, text: str, names: Callable[[int], str], locate: Callable[[str], list[tuple[int, int, str]]]):
        self._text = text
        self._names = names
        self._locate = locate
        self._left = len(text) + RUN
        # Each read is a whole pass over a short window, whose fixed cost outweighs its characters: a flood of
        # such joints read each would run several times slower than the text without them. Past this many
        # reads the longer finds stand (their labels merged, nothing left in clear).
        self._reads = READS_AT_LEAST + len(text) // READ_EVERY

    def __call__(self, joint: int, end: int, index: int) -> bool:
        self._reads -= 1
        if self._reads < 0:
            return False
        marker = f"[REDACTED:{self._names(index)}]"
        high = run_end(self._text, end, len(self._text))
        window = marker + self._text[joint:high] + self._text[high : high + LOOKAHEAD]
        self._left -= 2 * len(window)
        if self._left < 0:
            return False
        reached = len(marker)  # the finds from the joint on, each beginning where the one before ends or earlier
        for start, stop, _ in self._locate(window):
            if start > reached:
                break
            reached = max(reached, stop)
        return reached >= len(marker) + end - joint


def always(joint: int, end: int, index: int) -> bool:
    """No run after a joint read, every split stands: inside a run after a joint that Tails reads (whose cover
    of the run judges the split before it; a run is not read within a run)."""
    return True
