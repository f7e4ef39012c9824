"""A command refused, within a bound, when a place it is about to use is on a mount that hung.

Its first lookup there would hold it for as long as the mount hangs, and past Ctrl-C (a FUSE or NFS
wait the kernel does not end on a signal): each place is asked first (child_read.Answers, a statvfs
in a child waited 2 s), and one that does not answer is said, naming the path, its mount and the fix.
"""

from __future__ import annotations

import sys

from hookd.child_read import Answers, NotAnswering


def refused(*paths: str, verb: str = "read", unchanged: bool = False) -> bool:
    """True, the line said on stderr, when a path's mount does not answer; ``unchanged``: the command
    writes, and is refused before its first write (it says nothing was changed)."""
    try:
        Answers(verb).check(*paths)
    except NotAnswering as exc:
        print(f"hookd: {exc}" + ("; nothing was changed" if unchanged else ""), file=sys.stderr)
        return True
    return False
