"""What reading every file Claude Code takes hooks from costs (hookd/hooks/sources.py).

`hookd status` and `hookd run`'s check at start read the plugin list and the enabled plugins'
hooks files too since h144. A throwaway HOME with LISTED installed plugins (the first 20 with a
hooks file, none named in enabledPlugins, so each is enabled by its defaultEnabled) and ENABLED
`enabledPlugins` entries naming others; the best of three reads.

    .venv/bin/python bench/hook_sources.py LISTED ENABLED
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time


def main(listed: int, enabled: int) -> None:
    root = tempfile.mkdtemp(prefix="hookd-bench-sources-")
    os.environ["HOME"] = root
    os.environ.pop("CLAUDE_CONFIG_DIR", None)
    config = os.path.join(root, ".claude")
    os.makedirs(os.path.join(config, "plugins"))
    plugins = {}
    for i in range(listed):
        where = os.path.join(config, "plugins", "cache", "m", f"p{i}")
        if i < 20:
            os.makedirs(os.path.join(where, "hooks"))
            with open(os.path.join(where, "hooks", "hooks.json"), "w") as fh:
                json.dump({"hooks": {"Stop": [{"hooks": [{"type": "command", "command": "true"}]}]}}, fh)
        plugins[f"p{i}@m"] = [{"scope": "user", "installPath": where, "version": "1"}]
    listing = os.path.join(config, "plugins", "installed_plugins.json")
    with open(listing, "w") as fh:
        json.dump({"version": 2, "plugins": plugins}, fh)
    with open(os.path.join(config, "settings.json"), "w") as fh:
        json.dump({"enabledPlugins": {f"q{i}@m": True for i in range(enabled)}}, fh)
    os.chdir(root)
    from hookd.hooks import sources, switches
    from hookd.hooks.settings import scope_paths

    switches.MANAGED_SETTINGS = (os.path.join(root, "managed-settings.json"),)
    times = []
    for _ in range(3):
        start = time.perf_counter()
        found = sources.read(scope_paths()[0])
        times.append(time.perf_counter() - start)
    size = os.path.getsize(listing)
    shutil.rmtree(root)
    print(
        f"{listed} listed, {enabled} enabledPlugins entries, list {size:,} bytes: "
        f"{len(found.files)} files, best {min(times) * 1000:.1f} ms"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
