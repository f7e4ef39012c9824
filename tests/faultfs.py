"""A passthrough FUSE filesystem that fails on demand, for the failing-filesystem tests.

`FaultFS(backing, mountpoint)` mounts ``backing`` at ``mountpoint`` in a child process (fusepy over
libfuse2, ``direct_io`` so that every write and fsync reaches it). Faults are rules the test sets at
run time with ``set_rules``; they are written to a control file beside the backing directory, which
the child reads again whenever it changes. A rule:

    {"op": "fsync" | "write" | "rename" | "read" | "unlink" | "readdir" | "getattr" | "flush" | "statfs",
     "path": "<fnmatch pattern of the path in the mount>",
     "errno": "EIO" | "ENOSPC" | "EDQUOT" | ..., "count": N (faults, then the rule is spent; -1: always),
     "after_bytes": N  (write only: the matching files take N bytes in all, the next write is cut at
                        that byte and the one after fails),
     "short": N        (write only: a write of more than N bytes writes N and says so),
     "drop": true      (fsync only: what was written since the file's last good fsync reads back as
                        zeros, as Linux may drop the dirty pages of a failed writeback),
     "delay_s": S      (read, write, fsync, unlink: the call is answered, S seconds late, in place of failing:
                        a slow disk or a remote filesystem that hung; readdir and getattr: only this,
                        a listing or a stat (the lookup of a name, once the kernel's cache of a second
                        has passed) answered S seconds late; flush: only this, a close(2) of the file
                        answered S seconds late; statfs: only this, a statvfs(2), which the kernel never caches),
     "until_cleared": true (read or write with delay_s only: answered at the next set_rules if that comes first,
                        so that a test ends the hang when it has looked, not when a guess of its time ends)}

Every fault the child injects is appended to a log file (``faults()`` reads it), so a test can
check that its fault really fired instead of passing without it. ``available()`` says whether FUSE
can mount here, and why not.
"""

from __future__ import annotations

import ctypes.util
import errno
import fnmatch
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any


def available() -> str | None:
    """None when a FUSE filesystem can be mounted here, else why not."""
    if not os.path.exists("/dev/fuse"):
        return "no /dev/fuse (FUSE is not available in this environment)"
    try:
        with open("/proc/filesystems") as f:
            if "\tfuse\n" not in f.read():
                return "the kernel has no fuse filesystem (/proc/filesystems)"
    except OSError as exc:
        return f"cannot read /proc/filesystems: {exc.strerror}"
    if ctypes.util.find_library("fuse") is None:
        return "libfuse2 is not installed (scripts/install-fuse installs it)"
    try:
        import fuse  # noqa: F401
    except (ImportError, OSError, EnvironmentError) as exc:
        return f"fusepy cannot load: {exc} (make setup installs it)"
    if os.geteuid() != 0 and not os.access("/dev/fuse", os.R_OK | os.W_OK):
        return "/dev/fuse is not open to this user"
    return None


class FaultFS:
    def __init__(self, backing: Path, mountpoint: Path, over_files: bool = False) -> None:
        """``over_files``: mounted over a directory that holds files (hidden while it is mounted), as a
        network mount put over a runtime directory."""
        self.over_files = over_files
        self.backing = Path(backing)
        self.mountpoint = Path(mountpoint)
        self.control = self.backing.with_name(self.backing.name + ".faults.json")
        self.log = self.backing.with_name(self.backing.name + ".faults.log")
        self.proc: subprocess.Popen[bytes] | None = None

    def mount(self) -> None:
        self.backing.mkdir(parents=True, exist_ok=True)
        self.mountpoint.mkdir(parents=True, exist_ok=True)
        self.set_rules([])
        self.log.write_bytes(b"")
        self.proc = subprocess.Popen(
            [sys.executable, __file__, str(self.backing), str(self.mountpoint), str(self.control), str(self.log)]
            + (["nonempty"] if self.over_files else []),
            stdout=subprocess.DEVNULL,
            stderr=open(self.backing.with_name(self.backing.name + ".stderr"), "wb"),
        )
        deadline = time.monotonic() + 10
        while not os.path.ismount(self.mountpoint):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                err = self.backing.with_name(self.backing.name + ".stderr").read_text(errors="replace")
                self.unmount()
                raise RuntimeError(f"faultfs did not mount {self.mountpoint}: {err.strip()}")
            time.sleep(0.02)

    def set_rules(self, rules: list[dict[str, Any]]) -> None:
        tmp = self.control.with_suffix(".tmp")
        tmp.write_text(json.dumps(rules))
        os.replace(tmp, self.control)

    def faults(self) -> list[dict[str, Any]]:
        try:
            text = self.log.read_text()
        except FileNotFoundError:
            return []
        return [json.loads(line) for line in text.splitlines() if line]

    def unmount(self) -> None:
        if os.path.ismount(self.mountpoint):
            subprocess.run(["umount", "-l", str(self.mountpoint)], check=False, capture_output=True)
        if self.proc is not None:
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None


def _serve(backing: str, mountpoint: str, control: str, log_path: str, *flags: str) -> None:
    from fuse import FUSE, FuseOSError, Operations, fuse_get_context

    class Rules:
        def __init__(self) -> None:
            self.lock = threading.Lock()
            self.stamp: tuple[int, int] | None = None
            self.rules: list[dict[str, Any]] = []
            self.written: dict[int, int] = {}  # bytes taken per after_bytes rule

        def _load(self) -> None:
            try:
                st = os.stat(control)
            except FileNotFoundError:
                return
            stamp = (st.st_mtime_ns, st.st_ino)
            if stamp != self.stamp:
                self.stamp = stamp
                with open(control) as f:
                    self.rules = json.load(f)
                self.written = {}

        def match(self, op: str, path: str) -> tuple[int, dict[str, Any]] | None:
            self._load()
            for i, rule in enumerate(self.rules):
                if rule["op"] == op and fnmatch.fnmatchcase(path, rule.get("path", "*")) and rule.get("count", -1) != 0:
                    return i, rule
            return None

        def spend(self, rule: dict[str, Any]) -> None:
            if rule.get("count", -1) > 0:
                rule["count"] -= 1

    rules = Rules()
    log_lock = threading.Lock()

    def note(op: str, path: str, **fields: Any) -> None:
        with log_lock, open(log_path, "a") as f:
            f.write(json.dumps({"op": op, "path": path, **fields}) + "\n")

    def fail(rule: dict[str, Any]) -> FuseOSError:
        return FuseOSError(getattr(errno, rule.get("errno", "EIO")))

    synced: dict[str, int] = {}  # size of each file at its last good fsync (for "drop")

    def delay(op: str, path: str) -> None:
        """An op whose only rule is delay_s (readdir, getattr): answered that late."""
        with rules.lock:
            hit = rules.match(op, path)
            if hit:
                rules.spend(hit[1])
                note(op, path, delay_s=hit[1]["delay_s"])
        if hit:
            time.sleep(hit[1]["delay_s"])

    def pause(rule: dict[str, Any], stamp: tuple[int, int] | None) -> None:
        """A delayed call's wait: delay_s, cut short by new rules (``stamp``: the rules' when it matched) for
        an until_cleared rule."""
        if not rule.get("until_cleared"):
            time.sleep(rule["delay_s"])
            return
        end = time.monotonic() + rule["delay_s"]
        while time.monotonic() < end:
            time.sleep(0.05)
            with rules.lock:
                rules._load()
                if rules.stamp != stamp:
                    return

    class Passthrough(Operations):
        def _real(self, path: str) -> str:
            return os.path.join(backing, path.lstrip("/"))

        def _own(self, real: str) -> None:
            uid, gid, _ = fuse_get_context()
            os.lchown(real, uid, gid)

        def getattr(self, path: str, fh: int | None = None) -> dict[str, Any]:
            delay("getattr", path)
            st = os.lstat(self._real(path))
            keys = ("st_mode", "st_nlink", "st_uid", "st_gid", "st_size", "st_ino")
            out = {k: getattr(st, k) for k in keys}
            out.update(st_atime=st.st_atime, st_mtime=st.st_mtime, st_ctime=st.st_ctime)
            return out

        def access(self, path: str, amode: int) -> None:
            if not os.access(self._real(path), amode):
                raise FuseOSError(errno.EACCES)

        def readdir(self, path: str, fh: int) -> list[str]:
            delay("readdir", path)
            return [".", "..", *os.listdir(self._real(path))]

        def readlink(self, path: str) -> str:
            return os.readlink(self._real(path))

        def mkdir(self, path: str, mode: int) -> None:
            os.mkdir(self._real(path), mode)
            self._own(self._real(path))

        def rmdir(self, path: str) -> None:
            os.rmdir(self._real(path))

        def unlink(self, path: str) -> None:
            with rules.lock:
                hit = rules.match("unlink", path)
                if hit:
                    rules.spend(hit[1])
                    if "delay_s" in hit[1]:
                        note("unlink", path, delay_s=hit[1]["delay_s"])
                    else:
                        note("unlink", path, errno=hit[1].get("errno", "EIO"))
                        raise fail(hit[1])
            if hit:
                time.sleep(hit[1]["delay_s"])
            os.unlink(self._real(path))
            synced.pop(path, None)

        def symlink(self, target: str, source: str) -> None:
            os.symlink(source, self._real(target))
            self._own(self._real(target))

        def link(self, target: str, source: str) -> None:
            os.link(self._real(source), self._real(target))

        def rename(self, old: str, new: str) -> None:
            with rules.lock:
                hit = rules.match("rename", new) or rules.match("rename", old)
                if hit:
                    rules.spend(hit[1])
                    note("rename", new, errno=hit[1].get("errno", "EIO"), old=old)
                    raise fail(hit[1])
            os.rename(self._real(old), self._real(new))
            if old in synced:
                synced[new] = synced.pop(old)

        def chmod(self, path: str, mode: int) -> None:
            os.chmod(self._real(path), mode)

        def chown(self, path: str, uid: int, gid: int) -> None:
            os.lchown(self._real(path), uid, gid)

        def truncate(self, path: str, length: int, fh: int | None = None) -> None:
            os.truncate(self._real(path), length)

        def utimens(self, path: str, times: tuple[float, float] | None = None) -> None:
            os.utime(self._real(path), times, follow_symlinks=False)

        def statfs(self, path: str) -> dict[str, Any]:
            delay("statfs", path)
            sv = os.statvfs(self._real(path))
            keys = ("f_bavail", "f_bfree", "f_blocks", "f_bsize", "f_favail", "f_ffree", "f_files", "f_flag")
            return {k: getattr(sv, k) for k in (*keys, "f_frsize", "f_namemax")}

        def open(self, path: str, flags: int) -> int:
            fd = os.open(self._real(path), flags & ~(os.O_APPEND | os.O_CREAT | os.O_EXCL | os.O_TRUNC))
            synced.setdefault(path, os.fstat(fd).st_size)
            return fd

        def create(self, path: str, mode: int, fi: Any = None) -> int:
            real = self._real(path)
            fd = os.open(real, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, mode)
            self._own(real)
            synced[path] = 0
            return fd

        def read(self, path: str, size: int, offset: int, fh: int) -> bytes:
            with rules.lock:
                hit = rules.match("read", path)
                if hit:
                    rules.spend(hit[1])
                    if "delay_s" not in hit[1]:
                        note("read", path, errno=hit[1].get("errno", "EIO"), offset=offset)
                        raise fail(hit[1])
                    note("read", path, delay_s=hit[1]["delay_s"], offset=offset)
                stamp = rules.stamp
            if hit:
                pause(hit[1], stamp)
            return os.pread(fh, size, offset)

        def write(self, path: str, data: bytes, offset: int, fh: int) -> int:
            with rules.lock:
                hit = rules.match("write", path)
                if hit:
                    i, rule = hit
                    if "delay_s" in rule:
                        rules.spend(rule)
                        note("write", path, delay_s=rule["delay_s"])
                    elif "after_bytes" in rule:
                        left = rule["after_bytes"] - rules.written.get(i, 0)
                        if len(data) > left:
                            if left > 0:
                                rules.written[i] = rule["after_bytes"]
                                note("write", path, short=left, of=len(data))
                                return os.pwrite(fh, data[:left], offset)
                            rules.spend(rule)
                            note("write", path, errno=rule.get("errno", "ENOSPC"))
                            raise FuseOSError(getattr(errno, rule.get("errno", "ENOSPC")))
                        rules.written[i] = rules.written.get(i, 0) + len(data)
                    elif "short" in rule:
                        if len(data) > rule["short"]:
                            rules.spend(rule)
                            note("write", path, short=rule["short"], of=len(data))
                            return os.pwrite(fh, data[: rule["short"]], offset)
                    else:
                        rules.spend(rule)
                        note("write", path, errno=rule.get("errno", "EIO"))
                        raise fail(rule)
                stamp = rules.stamp
            if hit and "delay_s" in hit[1]:
                pause(hit[1], stamp)
            return os.pwrite(fh, data, offset)

        def fsync(self, path: str, datasync: int, fh: int) -> None:
            with rules.lock:
                hit = rules.match("fsync", path)
                if hit and "delay_s" in hit[1]:
                    rules.spend(hit[1])
                    note("fsync", path, delay_s=hit[1]["delay_s"])
                elif hit:
                    rule = hit[1]
                    rules.spend(rule)
                    dropped = 0
                    if rule.get("drop"):
                        # The file keeps its size; what was not yet on the disk reads back as zeros,
                        # as from ext4 after a failed writeback.
                        size = os.fstat(fh).st_size
                        keep = synced.get(path, 0)
                        if size > keep:
                            os.pwrite(fh, bytes(size - keep), keep)
                            os.fsync(fh)
                            dropped = size - keep
                    note("fsync", path, errno=rule.get("errno", "EIO"), dropped=dropped)
                    raise fail(rule)
            if hit:
                time.sleep(hit[1]["delay_s"])
            os.fsync(fh)
            synced[path] = os.fstat(fh).st_size

        def fsyncdir(self, path: str, datasync: int, fh: int) -> None:
            with rules.lock:
                hit = rules.match("fsync", path)
                if hit:
                    rules.spend(hit[1])
                    note("fsync", path, errno=hit[1].get("errno", "EIO"), dir=True)
                    raise fail(hit[1])

        def flush(self, path: str, fh: int) -> None:
            delay("flush", path)  # each close(2) of a file sends one, and waits for its answer

        def release(self, path: str, fh: int) -> None:
            os.close(fh)

    # Only root mounts without fusermount's checks; allow_other lets the tests' second uid in, and
    # default_permissions has the kernel check modes as on a disk.
    # hard_remove: an open file unlinked is removed at once, as on a disk, not renamed to .fuse_hidden*
    # (a rename the rules could fail).
    options: dict[str, Any] = {
        "foreground": True,
        "nothreads": False,
        "direct_io": True,
        "use_ino": True,
        "hard_remove": True,
    }
    options.update(default_permissions=True, **{flag: True for flag in flags})
    if os.geteuid() == 0:
        options.update(allow_other=True)
    FUSE(Passthrough(), mountpoint, **options)


if __name__ == "__main__":
    _serve(*sys.argv[1:])
