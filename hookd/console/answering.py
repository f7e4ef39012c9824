"""A command refused, within a bound, when a place it is about to use is on a mount that hung.

Its first lookup there would hold it for as long as the mount hangs, and past Ctrl-C (a FUSE or NFS
wait the kernel does not end on a signal): each place is asked first (child_read.Answers, a statvfs
in a child waited 2 s; for a command that writes, a probe's write there too, place_probe.writable), and
one that does not answer is said, naming the path, its mount and the fix.
"""

from __future__ import annotations

import sys

from hookd.child_read import Answers, NotAnswering


def refused(*paths: str, verb: str = "read", unchanged: bool = False, writes: bool = False) -> bool:
    """True, the line said on stderr, when a path's mount does not answer; ``unchanged``: the command
    writes, and is refused before its first write (it says nothing was changed); ``writes``: each path's
    directory takes a probe's write too (a mount that answers lookups may hold writes)."""
    try:
        Answers(verb, writes=writes).check(*paths)
    except NotAnswering as exc:
        print(f"hookd: {exc}" + ("; nothing was changed" if unchanged else ""), file=sys.stderr)
        return True
    return False
