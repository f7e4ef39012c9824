"""`make setup` runs this: the built-in rules' scanner databases compiled once, beside the code.

A daemon whose state directory holds no compiled databases yet would otherwise spend seconds of
CPU compiling them (and their twins) before it takes its first event: on its first start, after a
change of rules, and at every start with a fresh directory (scanner_cache.py reads these).
"""

from __future__ import annotations

import contextlib
import glob
import os
import sys

from hookd.redact import build_redactor, scanner_cache


def ship(directory: str = scanner_cache.SHIPPED_DIR) -> list[str]:
    """Compile the built-in rules' databases (and twins) into ``directory``, readable by all and
    writable by this user alone; remove the others there. Returns the files' names."""
    redactor = build_redactor(True)
    assert redactor is not None
    redactor._triggers.compile_twins()
    os.makedirs(directory, mode=0o755, exist_ok=True)
    os.chmod(directory, 0o755)
    names = []
    for prefix, (key, data) in sorted(scanner_cache._LAST.items()):
        names.append(name := f"{prefix}{key[:32]}{scanner_cache.SUFFIX}")
        path = os.path.join(directory, name)
        if scanner_cache.read_shipped(name, directory) != data:
            tmp = f"{path}.tmp"
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.chmod(tmp, 0o644)  # whatever the umask
            os.replace(tmp, path)
    for old in glob.glob(os.path.join(glob.escape(directory), f"*{scanner_cache.SUFFIX}")):
        if os.path.basename(old) not in names:
            os.unlink(old)
    return names


if __name__ == "__main__":
    target = sys.argv[1] if len(sys.argv) > 1 else scanner_cache.SHIPPED_DIR
    print(f"hookd: {len(ship(target))} redaction scanner databases ready in {target}")
