"""The scanner's compiled Hyperscan databases, kept in the state directory between starts.

Compiling the rules' keywords and triggers (every database and its twin) takes seconds of CPU,
on every start of the daemon: while it restarts, hooks wait on the socket and then fall back to
the inbox. Loading the serialized databases takes milliseconds. A file's name is a hash of what
was compiled and of the Hyperscan module's version, so a change of rules or of Hyperscan
compiles afresh; a file that does not load (damaged, or from another build of the library,
which Hyperscan checks) is compiled over. A database of one expression (a gated trigger's, scan.py) is
compiled with id 0 under its rule's name: with a rule left out (redact_disable) only the main database,
which held it, is compiled again. Only the owner can write the state directory (0700),
the same trust as the config file. A process that starts several daemons (the tests) also keeps
the last database it compiled in memory, and saves it into each new state directory.

The state directory is also where the spool waits out a Redis outage, often on a small disk: a
database ``make setup`` shipped (below) is not copied there, and none is saved where it would leave
the filesystem less than SAVE_ROOM free, since the spool needs the space more than a start needs
its seconds.

A state directory with none yet (the first start after an install, and every start with a
fresh directory) would compile them all before the first event is taken. `make setup`
therefore compiles the built-in rules' databases once into ``_scanners/`` beside this module
(prebuild.py); they are read from there as the code beside them is: when the file and its
directory belong to root or this user and nobody else can write them.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import os
import stat
from typing import Any

import hyperscan

from hookd.paths import UnsafePathError, read_private, replace_private

PREFIX = "redact-scanner-"
GATED_PREFIX = "redact-gated-scanner-"  # the second database: triggers scanned only where gated (scan.py)
INNER = "redact-inner-"  # before a prefix less its "redact-": the twin of a database for inner pieces
SUFFIX = ".hsdb"
SAVE_ROOM = 256 << 20  # free space a saved database must leave on the state directory's filesystem
SHIPPED_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_scanners")
# Per file prefix, the last database compiled in this process, serialized: (key, bytes).
_LAST: dict[str, tuple[str, bytes]] = {}


def compiled(
    expressions: list[bytes],
    flags: list[int],
    cache_dir: str | None,
    ids: list[int] | None = None,
    prefix: str = PREFIX,
) -> hyperscan.Database:
    """The block-mode database for ``expressions`` (reported as ``ids``, by default their positions):
    loaded from ``cache_dir`` if there, else compiled (and saved there, under ``prefix``)."""
    path = None
    ids = list(range(len(expressions))) if ids is None else ids
    version = hyperscan.__version__  # type: ignore[attr-defined]  # set at import; its stub lacks it
    key = hashlib.sha256(repr((version, expressions, flags, ids)).encode()).hexdigest()
    name = file_name(prefix, key)
    if cache_dir:
        path = os.path.join(cache_dir, name)
        try:
            return _load(read_private(path))
        except (OSError, UnsafePathError, hyperscan.error):
            pass
    last = _LAST.get(prefix)
    if last is None or last[0] != key:
        shipped = read_shipped(name)
        last = (key, shipped) if shipped is not None else last
    database = None
    if last is not None and last[0] == key:
        data = last[1]
        with contextlib.suppress(hyperscan.error):  # a shipped file damaged, or from another Hyperscan
            database = _load(data)
            _LAST[prefix] = last
    if database is None:
        database = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        database.compile(expressions=expressions, ids=ids, elements=len(expressions), flags=flags)
        data = hyperscan.dumpb(database)
        _LAST[prefix] = (key, data)
    if path is not None and not shipped_here(name):
        _save(data, path, prefix)
    return database


class Twin:
    """A database, and its twin for the pieces that begin inside the text (with a ``cache_dir``, at once;
    without, when first needed).

    The scanner reads a long text in pieces; Hyperscan's ``^`` matches at the start of each, which
    inside the text is no line's or string's start: a context such as ``(?:^|[^A-Za-z0-9_])curl`` then
    matched ``xcurl`` there. The twin's ``^`` is a byte UTF-8 never holds, so it matches nowhere.
    """

    def __init__(
        self,
        expressions: list[bytes],
        flags: list[int],
        cache_dir: str | None,
        ids: list[int],
        prefix: str = PREFIX,
        keep: frozenset[bytes] = frozenset(),
    ) -> None:
        """``keep``: expressions whose ``^`` stays in the twin (their rule checks the start itself)."""
        self.first = compiled(expressions, flags, cache_dir, ids, prefix)
        inner = [expression if expression in keep else never_at_start(expression) for expression in expressions]
        self._inner: hyperscan.Database | None = self.first if inner == expressions else None
        self._args = (inner, flags, cache_dir, ids, INNER + prefix.removeprefix("redact-"))
        if cache_dir is not None:  # the daemon's: now, not within the work budget of its first long event
            self.inner()

    def inner(self) -> hyperscan.Database:
        if self._inner is None:
            self._inner = compiled(*self._args)
        return self._inner

    def scan(self, piece: bytes, inner: bool = False, **kwargs: Any) -> None:
        """Scan ``piece``: with the twin if it begins inside the text (``inner``)."""
        (self.inner() if inner else self.first).scan(piece, **kwargs)


def never_at_start(expression: bytes, nowhere: str = "\\xff") -> bytes:
    """The expression with each ``^`` outside a class made a byte that UTF-8 never holds (0xff)."""
    pattern = expression.decode("latin-1")
    out: list[str] = []
    at, in_class = 0, False
    while at < len(pattern):
        char = pattern[at]
        if char == "\\":
            out.append(pattern[at : at + 2])
            at += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            opening = 1 + (pattern[at + 1 : at + 2] == "^")
            opening += pattern[at + opening : at + opening + 1] == "]"  # a ] first in a class is itself
            out.append(pattern[at : at + opening])
            at += opening
            continue
        elif char == "^":
            char = nowhere
        out.append(char)
        at += 1
    return "".join(out).encode("latin-1")


def content_prefix(prefix: str, expression: bytes) -> str:
    """``prefix`` made the expression's own: for a database that has no rule's name to be kept under."""
    return f"{prefix}{hashlib.sha256(expression).hexdigest()[:12]}-"


def file_name(prefix: str, key: str) -> str:
    """Where a database compiled from what ``key`` hashes is kept, under ``prefix``."""
    return f"{prefix}{key[:32]}{SUFFIX}"


def read_shipped(name: str, directory: str | None = None) -> bytes | None:
    """The database ``make setup`` compiled under ``name``, if it is there and trusted as code is."""
    directory = SHIPPED_DIR if directory is None else directory
    try:
        # O_NONBLOCK: a FIFO at the name (put there by whoever could write the directory) held the
        # open, and the start with it; it is refused below as not a regular file.
        fd = os.open(os.path.join(directory, name), os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as fh:
        try:
            info = os.fstat(fh.fileno())
            trusted = stat.S_ISREG(info.st_mode) and all(_trusted(i) for i in (info, os.lstat(directory)))
            return fh.read() if trusted else None
        except OSError:
            return None


def shipped_here(name: str, directory: str | None = None) -> bool:
    """Whether read_shipped would find ``name``: a start reads it there, so no copy is kept."""
    directory = SHIPPED_DIR if directory is None else directory
    try:
        infos = (os.lstat(os.path.join(directory, name)), os.lstat(directory))
    except OSError:
        return False
    return all(_trusted(info) for info in infos) and stat.S_ISREG(infos[0].st_mode)


def _trusted(info: os.stat_result) -> bool:
    return not stat.S_ISLNK(info.st_mode) and info.st_uid in (0, os.getuid()) and not info.st_mode & 0o022


def _load(data: bytes) -> hyperscan.Database:
    database = hyperscan.loadb(data, hyperscan.HS_MODE_BLOCK)
    database.scratch = hyperscan.Scratch(database)  # compile makes one; loadb does not
    return database


def _save(data: bytes, path: str, prefix: str) -> None:
    """Write the database for the next start, replacing those of other rules; never fails the start,
    and never takes the room the spool's filesystem has left."""
    try:
        info = os.statvfs(os.path.dirname(path))
        if info.f_bavail * info.f_frsize < len(data) + SAVE_ROOM:
            return
        replace_private(path, data, fsync=False)
        # The prefix, then a key: not another prefix that begins with this one (a rule named "a.1-x" after "a").
        kept = f"{prefix}{'[0-9a-f]' * 32}{SUFFIX}"
        for old in glob.glob(os.path.join(glob.escape(os.path.dirname(path)), kept)):
            if old != path:
                os.unlink(old)
    except (OSError, UnsafePathError):
        pass
