"""hook-send: hand one Claude Code hook event to hookd, or leave it in the inbox.

Claude Code runs this once per hook event and waits for it, so the process's
whole life is added to the agent's latency. Hence one standard-library file,
run as `python3 -I -S hook_send.py`, that imports only modules the interpreter
has already loaded (posix, sys, time, _signal) plus _socket: not even os,
whose import costs a quarter of a bare start. Python parses this file on every
run, so it is kept short. The payload is forwarded as bytes, never parsed.
A hook's stdout and exit status mean something to Claude Code: this never
writes to stdout and always exits 0, by SIGALRM at the deadline if need be.
stderr is used with HOOKD_DEBUG=1, and always for an event given up (neither
the inbox nor the spare inbox took it). Runs on CPython 3.9 to 3.13.
"""

import posix
import sys
import time

import _signal
import _socket

# ERR reasons that are the sender's fault: resending the same bytes cannot help.
FINAL = (b"empty", b"not_json", b"invalid_utf8", b"not_object", b"too_deep", b"too_large", b"bad_header")
DELIVERED, REJECTED, RETRY = "delivered", "rejected", "retry"
_SAFE = bytes(range(0x21, 0x25)) + bytes(range(0x26, 0x7F))  # sent as is in header values
_debug = False


def _join(a, b):
    return a + b if not a or a.endswith("/") else a + "/" + b  # os.path.join for a relative b


def _fsencode(s):
    return s if isinstance(s, bytes) else s.encode(sys.getfilesystemencoding(), "surrogateescape")


def read_environ():
    """os.environ's content, without importing os."""
    enc = sys.getfilesystemencoding()
    return {k.decode(enc, "surrogateescape"): v.decode(enc, "surrogateescape") for k, v in posix.environ.items()}


def default_socket_path(environ):
    if environ.get("HOOKD_SOCKET"):
        return environ["HOOKD_SOCKET"]
    if environ.get("XDG_RUNTIME_DIR", "").startswith("/"):  # relative XDG paths are to be ignored
        return _join(environ["XDG_RUNTIME_DIR"], "hookd/hookd.sock")
    return "/tmp/hookd-%d/hookd.sock" % posix.getuid()


def default_state_dir(environ):
    if environ.get("HOOKD_STATE_DIR"):
        return environ["HOOKD_STATE_DIR"]
    if environ.get("XDG_STATE_HOME", "").startswith("/"):
        return _join(environ["XDG_STATE_HOME"], "hookd")
    home = environ.get("HOME")
    if not home:
        import os.path  # rare path

        home = os.path.expanduser("~")
    return _join(home, ".local/state/hookd")


def inbox_dir(state_dir):
    return _join(state_dir, "inbox")


def spare_inbox_dir(environ):
    """The spare inbox (CLIENT_SPEC.md), for when the inbox cannot take a file; None if there is none."""
    if environ.get("HOOKD_SPARE_INBOX"):
        return environ["HOOKD_SPARE_INBOX"]
    if environ.get("XDG_RUNTIME_DIR", "").startswith("/"):
        return _join(environ["XDG_RUNTIME_DIR"], "hookd/inbox")
    try:
        if posix.stat("/dev/shm").st_mode & 0o170000 == 0o040000:
            return "/dev/shm/hookd-%d/inbox" % posix.getuid()
    except OSError:
        pass
    return None


def send_timeout_ms(environ):
    try:
        return min(max(int(environ.get("HOOKD_SEND_TIMEOUT_MS") or 250), 10), 60000)
    except ValueError:
        return 250


def socket_reserve_ms(timeout_ms):
    """Time kept from the socket phase for the inbox write: max(20 ms, 20 %), at most half."""
    return min(max(20, timeout_ms // 5), timeout_ms // 2)


def pct_encode(value):
    """str or bytes -> percent-encoded bytes."""
    b = _fsencode(value)
    if not b.translate(None, _SAFE):
        return b
    return b"".join(bytes((c,)) if c in _SAFE else b"%%%02X" % c for c in b)


def make_header(body, hook=None, project=None, sent_ns=None, pid=None, ppid=None, handoff_id=None):
    """-> (header line, sent_ns, pid, handoff_id); the frame is header + body. Unset values are filled in."""
    sent_ns = time.time_ns() if sent_ns is None else sent_ns
    pid = posix.getpid() if pid is None else pid
    ppid = posix.getppid() if ppid is None else ppid
    handoff_id = handoff_id or posix.urandom(8).hex()
    head = b"HOOKD/1 %d sent=%d pid=%d ppid=%d id=%s" % (len(body), sent_ns, pid, ppid, handoff_id.encode())
    for key, value in ((b" hook=", hook), (b" project=", project)):
        if value:
            item = key + pct_encode(value)
            if len(head) + len(item) < 4096:  # the daemon's header limit: drop the item, not the event
                head += item
    return head + b"\n", sent_ns, pid, handoff_id


def _err_name(e):
    if not _debug:  # only ever shown in debug messages
        return ""
    import errno  # builtin

    code = getattr(e, "errno", None)
    return (errno.errorcode.get(code) if type(code) is int else None) or type(e).__name__


def send_frame(header, body, sock_path, deadline):
    """Hand the frame to the daemon by time.monotonic() == deadline -> (DELIVERED|REJECTED|RETRY, detail)."""
    buf, send_error = b"", None
    try:
        s = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
        try:
            s.settimeout(max(deadline - time.monotonic(), 0.001))
            s.connect(sock_path)
            s.settimeout(max(deadline - time.monotonic(), 0.001))
            try:
                for part in (header, body) if len(body) > 65536 else (header + body,):  # no 2nd copy of a big body
                    s.sendall(part)
            except OSError as e:  # the daemon may have answered and closed early (too_large): read on
                send_error = e
            while b"\n" not in buf and len(buf) < 4096:
                s.settimeout(max(deadline - time.monotonic(), 0.001))
                chunk = s.recv(4096 - len(buf))
                if not chunk:
                    break
                buf += chunk
        except OSError as e:
            if not buf:
                raise send_error or e
        finally:
            s.close()
    except Exception as e:  # OSError: ENOENT, ECONNREFUSED, EACCES, EPIPE, timeout, ...
        return RETRY, "unreachable (%s)" % _err_name(e)
    line, nl, _ = buf.partition(b"\n")
    words = line.split()
    detail = "answered %r" % line[:200].decode("utf-8", "replace")
    if nl and words[:1] == [b"OK"]:
        return DELIVERED, detail
    if nl and words[:1] == [b"ERR"] and words[1:2] and words[1] in FINAL:
        return REJECTED, detail
    return RETRY, detail if buf else "gave no reply"


def inbox_filename(sent_ns, pid, handoff_id):
    return "%020d-%d-%s.hookd" % (sent_ns, pid, handoff_id)


def _makedirs(path, mode):
    try:
        posix.mkdir(path, mode)
    except FileNotFoundError:
        parent = path.rstrip("/").rpartition("/")[0]
        if not parent:
            raise
        _makedirs(parent, 0o777)  # like os.makedirs: mode applies to the leaf only
        _makedirs(path, mode)
    except FileExistsError:
        pass


def write_spare_inbox(env, header, body, sent_ns, pid, handoff_id, fsync=True):
    """Write the frame to the spare inbox (made 0700 with its parent), if it passes the ownership
    checks: a directory, not a link, ours, not group/world-writable -> its final path. Raises OSError."""
    box = spare_inbox_dir(env)
    if not box:
        raise FileNotFoundError(2, "no spare inbox (set HOOKD_SPARE_INBOX or XDG_RUNTIME_DIR)")
    parent = box.rstrip("/").rpartition("/")[0]
    if parent:
        _makedirs(parent, 0o700)
    _makedirs(box, 0o700)
    for path in (parent, box) if parent else (box,):
        st = posix.lstat(path)
        if st.st_mode & 0o170000 != 0o040000 or st.st_uid != posix.getuid() or st.st_mode & 0o022:
            raise PermissionError(1, "refused %s: not a private directory of ours (owner uid %d, mode 0%o)"
                                  % (path, st.st_uid, st.st_mode & 0o7777))
    return write_inbox(None, header, body, sent_ns, pid, handoff_id, fsync, box)


def write_inbox(state_dir, header, body, sent_ns, pid, handoff_id, fsync=True, box=None):
    """Write the frame to <state_dir>/inbox/ (or ``box``) via a temporary file -> its final path. Raises OSError."""
    if box is None:
        box = inbox_dir(state_dir)
        _makedirs(box, 0o700)
    tmp = _join(box, ".tmp-" + handoff_id)
    fd = posix.open(tmp, posix.O_WRONLY | posix.O_CREAT | posix.O_EXCL, 0o600)
    try:
        try:
            for part in (header, body):
                view = memoryview(part)
                while view:
                    view = view[posix.write(fd, view) :]
            if fsync:
                posix.fsync(fd)
        finally:
            posix.close(fd)
        final = _join(box, inbox_filename(sent_ns, pid, handoff_id))
        posix.rename(tmp, final)
        return final
    except BaseException:
        try:
            posix.unlink(tmp)
        except OSError:
            pass
        raise


def log(msg):
    if _debug:
        try:
            posix.write(2, ("hook-send: %s\n" % msg).encode("utf-8", "replace"))
        except OSError:
            pass


def _on_alarm(signum, frame):
    try:
        log("deadline reached; exiting")
    finally:
        posix._exit(0)


def run(argv, env, deadline):
    """Read the event, send it, or keep it in the inbox. May raise."""
    f = sys.stdin
    try:
        body = f.buffer.read() if f is not None else b""
    except Exception as e:
        log("cannot read stdin (%s); sending an empty event" % _err_name(e))
        body = b""
    header, sent_ns, pid, hid = make_header(body, argv[0] if argv else None, env.get("CLAUDE_PROJECT_DIR"))
    path = default_socket_path(env)
    outcome, detail = send_frame(header, body, path, deadline)
    if outcome == DELIVERED:
        return log("daemon at %s %s; event delivered" % (path, detail))
    if outcome == REJECTED:
        return log("daemon at %s %s; event rejected, not saved" % (path, detail))
    state = default_state_dir(env)
    fsync = env.get("HOOKD_INBOX_FSYNC") != "0"
    try:
        saved = write_inbox(state, header, body, sent_ns, pid, hid, fsync)
    except OSError as e:
        try:  # the inbox's filesystem is full, read-only, ...: the spare inbox, usually a tmpfs
            saved = write_spare_inbox(env, header, body, sent_ns, pid, hid, fsync)
        except OSError as e2:
            msg = "hook-send: event lost: cannot write to %s (%s) nor to the spare inbox %s (%s)\n" % (
                inbox_dir(state), e.strerror or e, spare_inbox_dir(env), e2.strerror or e2)
            try:  # always said, not only with HOOKD_DEBUG
                posix.write(2, msg.encode("utf-8", "replace"))
            except OSError:
                pass
            return
        return log("daemon at %s %s; inbox %s failed (%s); event saved to spare inbox %s"
                   % (path, detail, inbox_dir(state), e.strerror or e, saved))
    log("daemon at %s %s; event saved to inbox %s" % (path, detail, saved))


def main(argv=None, env=None):
    """The hook command; argv excludes the program name. Always returns 0."""
    global _debug
    old = None
    try:
        start = time.monotonic()
        env = read_environ() if env is None else env
        _debug = env.get("HOOKD_DEBUG") == "1"
        timeout = send_timeout_ms(env)
        try:  # the hard stop; not possible outside the main thread
            old = _signal.signal(_signal.SIGALRM, _on_alarm)
            _signal.setitimer(_signal.ITIMER_REAL, timeout / 1000)
        except Exception:
            pass
        run(sys.argv[1:] if argv is None else argv, env, start + (timeout - socket_reserve_ms(timeout)) / 1000)
    except BaseException as e:
        try:
            log("unexpected %s: %s" % (type(e).__name__, e))
        except BaseException:
            pass
    finally:
        if old is not None:  # back to how it was: main() may run inside a longer-lived process
            try:
                _signal.setitimer(_signal.ITIMER_REAL, 0)
                _signal.signal(_signal.SIGALRM, old)
            except BaseException:
                pass
    return 0


def exit_after_main():
    """The hook command's entry: main(), then exit 0 at once, skipping interpreter teardown.

    `hookd print-hook-command` runs it as `python -I -S -c "import hook_send; ..."`
    with this directory first on sys.path, so the interpreter loads the cached
    bytecode instead of compiling this file on every run (a fifth of a bare
    start), and recompiles it by itself when the file changes.
    """
    try:
        main()
    finally:
        posix._exit(0)


if __name__ == "__main__":
    exit_after_main()
