"""`make setup` runs this: the built-in rules' scanner databases compiled once, beside the code.

A daemon whose state directory holds no compiled databases yet would otherwise spend seconds of
CPU compiling them (and their twins) before it takes its first event: on its first start, after a
change of rules, and at every start with a fresh directory (scanner_cache.py reads these).
"""

from __future__ import annotations

import glob
import os
import sys

from hookd.paths import replace_private
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
        names.append(name := scanner_cache.file_name(prefix, key))
        path = os.path.join(directory, name)
        if scanner_cache.read_shipped(name, directory) != data:
            replace_private(path, data, fsync=False)
            os.chmod(path, 0o644)  # read by every user whose hookd runs this code
    for old in glob.glob(os.path.join(glob.escape(directory), f"*{scanner_cache.SUFFIX}")):
        if os.path.basename(old) not in names:
            os.unlink(old)
    return names


if __name__ == "__main__":
    target = sys.argv[1] if len(sys.argv) > 1 else scanner_cache.SHIPPED_DIR
    print(f"hookd: {len(ship(target))} redaction scanner databases ready in {target}")
