"""The scanner's compiled Hyperscan database, kept in the state directory between starts.

Compiling the rules' keywords and triggers takes 70 to 100 ms, on every start of
the daemon: while it restarts, hooks wait on the socket for that long. Loading
the serialized database takes 0.1 ms. The file's name is a hash of what was
compiled and of the Hyperscan module's version, so a change of rules or of
Hyperscan compiles afresh; a file that does not load (damaged, or from another
build of the library, which Hyperscan checks) is compiled over. Only the
owner can write the state directory (0700), the same trust as the config file.
A process that starts several daemons (the tests) also keeps the last database
it compiled in memory, and saves it into each new state directory.
"""

from __future__ import annotations

import glob
import hashlib
import os

import hyperscan

from hookd.paths import UnsafePathError, read_private, replace_private

PREFIX = "redact-scanner-"
GATED_PREFIX = "redact-gated-scanner-"  # the second database: triggers scanned only where gated (scan.py)
SUFFIX = ".hsdb"
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
    if cache_dir:
        path = os.path.join(cache_dir, f"{prefix}{key[:32]}{SUFFIX}")
        try:
            return _load(read_private(path))
        except (OSError, UnsafePathError, hyperscan.error):
            pass
    last = _LAST.get(prefix)
    if last is not None and last[0] == key:
        data = last[1]
        database = _load(data)
    else:
        database = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        database.compile(expressions=expressions, ids=ids, elements=len(expressions), flags=flags)
        data = hyperscan.dumpb(database)
        _LAST[prefix] = (key, data)
    if path is not None:
        _save(data, path, prefix)
    return database


def _load(data: bytes) -> hyperscan.Database:
    database = hyperscan.loadb(data, hyperscan.HS_MODE_BLOCK)
    database.scratch = hyperscan.Scratch(database)  # compile makes one; loadb does not
    return database


def _save(data: bytes, path: str, prefix: str) -> None:
    """Write the database for the next start, replacing those of other rules; never fails the start."""
    try:
        replace_private(path, data, fsync=False)
        for old in glob.glob(os.path.join(glob.escape(os.path.dirname(path)), f"{prefix}*")):
            if old != path:
                os.unlink(old)
    except (OSError, UnsafePathError):
        pass
