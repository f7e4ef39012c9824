#!/usr/bin/env python3
"""What asking XINFO STREAM costs a batch sent behind nothing (publish_batch.lua).

A batch whose ``after`` is 0 (the first of a run, the one after a loss was said, every batch of
``hookd replay``) asks the stream what it is each time; a batch behind what landed asks once a second
at most. The reply copies the stream's first and last entries into the script, so the cost grows with
the event size. Sends one-event batches of each envelope size both ways to a redis-server of its own
and prints microseconds a batch (best of three rounds) and how many times XINFO STREAM was called.

    .venv/bin/python bench/xinfo_behind_nothing.py [--batches 300] [--sizes 1000,100000]
"""

from __future__ import annotations

import argparse
import time

import redis
from _harness import Processes

from hookd.config import Config
from hookd.publish.script import PUBLISH_BATCH, batch_args, script_keys
from hookd.publish.settings import PublishSettings
from hookd.spool.event import Event


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=300)
    parser.add_argument("--sizes", default="1000,100000")
    args = parser.parse_args()
    procs = Processes()
    try:
        procs.start_redis()
        db = redis.Redis(port=procs.port)
        settings = PublishSettings.from_config(Config(session_index=False))
        script = db.register_script(PUBLISH_BATCH)
        for size in (int(s) for s in args.sizes.split(",")):
            for behind_nothing in (False, True):
                db.flushall()
                db.config_resetstat()
                envelope, seq, rounds = b"x" * size, 0, []
                for _ in range(3):
                    started = time.perf_counter()
                    for _ in range(args.batches):
                        seq += 1
                        event = Event(seq, "h", f"e{seq}", "Stop", "s", "", envelope, instance="i")
                        after = 0 if behind_nothing else seq - 1
                        script(keys=script_keys(settings.stream), args=batch_args(settings, [event], after))
                    rounds.append((time.perf_counter() - started) / args.batches * 1e6)
                asked = db.info("commandstats").get("cmdstat_xinfo|stream", {}).get("calls", 0)
                how = "after 0" if behind_nothing else "behind"
                print(f"{size:>7} B  {how:<8} {min(rounds):8.0f} us/batch  xinfo {asked}")
    finally:
        procs.cleanup(keep=False)


if __name__ == "__main__":
    main()
