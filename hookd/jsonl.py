"""JSON Lines: one envelope per line, as `replay --export`, `tail --json` and `replay --file` use."""

from __future__ import annotations


def one_line(envelope: bytes) -> bytes:
    """The envelope on one line.

    A raw CR or LF in valid JSON can only be whitespace between tokens (inside
    strings they are escaped, and no UTF-8 sequence contains those bytes), so
    a space in its place keeps the JSON the same and everything else byte for
    byte. The payload is embedded as Claude Code sent it, which may be
    pretty-printed.
    """
    if b"\n" in envelope or b"\r" in envelope:
        return envelope.replace(b"\r", b" ").replace(b"\n", b" ")
    return envelope
