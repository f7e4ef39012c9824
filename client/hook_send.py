"""hook-send: hand one Claude Code hook event to hookd, or leave it in the inbox.

Claude Code runs this once per hook event and waits for it, so the process's
whole life is added to the agent's latency. Hence one standard-library file,
run as `python3 -I -S hook_send.py`, that imports only modules the interpreter
has already loaded (posix, sys, time, _signal) plus _socket (and select, for an
event over the limit only): not even os, whose import costs a quarter of a bare
start. The payload is forwarded as bytes, never parsed; one over
HOOKD_MAX_EVENT_BYTES is not held at all, and a small marker goes in its place
(two names looked for in its first bytes). A hook's stdout and exit status mean
something to Claude Code: this never writes to stdout and always exits 0, by SIGALRM at the
deadline if need be. stderr carries one line when the client refuses a socket
or a directory (another user's, or open to others) or loses an event; the rest
only with HOOKD_DEBUG=1. Runs on CPython 3.9 to 3.13.

Trust (docs/security.md): the payload goes only to a process of this user
(the peer's uid, read from the connected socket) found in a directory only this
user can change; the inbox is written only in such directories, each opened
without following a symbolic link. The contract is notes' CLIENT_SPEC v2,
mirrored by the native client.
"""

import posix
import sys
import time

import _signal
import _socket

__version__ = "0.1.0"
# ERR reasons that are the sender's fault: resending the same bytes cannot help.
FINAL = (b"empty", b"not_json", b"invalid_utf8", b"not_object", b"too_deep", b"too_large", b"bad_header")
DELIVERED, REJECTED, RETRY, REFUSED = "delivered", "rejected", "retry", "refused"
NO_HOME = (
    "(no state directory)",
    "HOME is not an absolute path and the password database names no home",
    "set HOOKD_STATE_DIR (and HOOKD_SOCKET) to absolute paths in the hook's command",
)
UNMAPPED = (
    "your uid is not mapped in this user namespace, so hookd's process cannot be told from another user's",
    "run the agent outside the namespace, or map your uid into it (unshare --map-current-user; bwrap does)",
)
MAX_EVENT_BYTES = 8 << 20  # hookd's max_event_bytes by default
# How much of a too-large payload is looked at for its hook_event_name and session_id.
PREFIX_BYTES = 16384
_WORD = b"-.0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"  # a value copied into a marker
_SAFE = bytes(range(0x21, 0x25)) + bytes(range(0x26, 0x7F))  # sent as is in header values
_DIR_FLAGS = posix.O_RDONLY | posix.O_DIRECTORY | posix.O_NOFOLLOW | posix.O_CLOEXEC
_debug = False
# The line the deadline's handler writes when the event was read whole but neither hookd
# acknowledged it nor an inbox kept it (None: nothing to lose yet, or nothing lost). Built
# before it can be needed, so that the handler only writes it (and settles the inbox file of
# _writing, below).
_lost_line = None
# The inbox file being written: (temporary name, final name, directory fd, file fd, frame size).
# The deadline's handler renames it if it is whole (the rename is all the run had left to do), so
# that a run the deadline ends while the file is written or made durable keeps the event instead
# of calling it lost; it removes it if it is not (part of a frame is no event; left, it would wait
# for hookd's abandoned-file rule a minute later, to be set aside). By the file's size, not a note
# made after the write: the deadline that fires during a long write runs its handler as the write
# returns, before any next line.
_writing = None
# Set while a child process makes the whole inbox file durable and renames it (apart_fsync_rename): the
# deadline's handler leaves the file to it rather than renaming it, which would wait for the fsync.
_renaming_apart = False
# True from the moment hookd's socket took the frame's last byte until an answer line comes: hookd
# has the whole event then, and takes it unless it refuses it or stops first, so a run ended in that
# state says the event is not acknowledged, never that it is lost.
_handed = False
# The deadline's line for that state (built in main(), before it can be needed).
_unacked_line = None
# Whether fd 2 was open at the start: if not, the socket or an inbox file may take it, and
# nothing is written to it (a line would land in the frame or the file).
_stderr_open = True
USAGE = """usage: hook-send [EVENT_NAME] < payload.json

Hands one Claude Code hook event (read from stdin) to hookd and exits 0 at once;
when hookd cannot take it in time, keeps it in the inbox that hookd sweeps.
Never writes to stdout; one line on stderr when it refuses a socket or a directory.

environment:
  HOOKD_SOCKET           the daemon's socket (default $XDG_RUNTIME_DIR/hookd/hookd.sock,
                         else <state dir>/run/hookd.sock)
  HOOKD_STATE_DIR        state directory, whose inbox/ is the fallback (default
                         $XDG_STATE_HOME/hookd, else ~/.local/state/hookd)
  HOOKD_SPARE_INBOX      where events go when the inbox cannot be written (default
                         $XDG_RUNTIME_DIR/hookd/inbox, else /dev/shm/hookd-$UID/inbox)
  HOOKD_SEND_TIMEOUT_MS  hard deadline for the whole run (default 250, 10..60000)
  HOOKD_MAX_EVENT_BYTES  largest event hookd takes (default 8388608, as hookd's max_event_bytes);
                         a larger one is sent as a small too_large marker, its payload dropped
  HOOKD_INBOX_FSYNC=0    do not fsync inbox files
  HOOKD_DEBUG=1          explain every outcome on stderr
"""


class Refused(Exception):
    """A directory or a peer this user cannot trust: (path, why, fix)."""


def _join(a, b):
    return a + b if not a or a.endswith("/") else a + "/" + b  # os.path.join for a relative b


def _dirname(path):
    head = path.rpartition("/")[0]
    return head or ("/" if path.startswith("/") else ".")


def _fsencode(s):
    return s if isinstance(s, bytes) else s.encode(sys.getfilesystemencoding(), "surrogateescape")


def read_environ():
    """os.environ's content, without importing os."""
    enc = sys.getfilesystemencoding()
    return {k.decode(enc, "surrogateescape"): v.decode(enc, "surrogateescape") for k, v in posix.environ.items()}


ROUTE_VARS = ("HOOKD_STATE_DIR", "HOOKD_SOCKET", "HOOKD_SPARE_INBOX")


def absolute_routes(environ):
    """The environment without a routing variable (or HOME, under which the state directory is
    found) that is not an absolute path, each said.

    Relative to the hook's working directory (the project's checkout) it is not where hookd
    looks: raw events would be kept there, never swept. settings.json's env does not expand
    ~, so "~/x" is such a value. It counts as unset, as relative XDG ones do.
    """
    relative = [k for k in ROUTE_VARS + ("HOME",) if environ.get(k) and not environ[k].startswith("/")]
    if not relative:
        return environ
    for name in relative:
        say_later(
            "%s is not an absolute path; ignored, as if unset (settings.json's env does not expand ~); "
            "fix: give it an absolute path" % name
        )
    return {k: v for k, v in environ.items() if k not in relative}


def default_socket_path(environ, state_dir=None):
    """$HOOKD_SOCKET, $XDG_RUNTIME_DIR/hookd/hookd.sock, else <state_dir>/run/hookd.sock.

    The last is in a directory only this user can create: a shared /tmp name
    could be made first, and listened on, by anyone.
    """
    if environ.get("HOOKD_SOCKET"):
        return environ["HOOKD_SOCKET"]
    if environ.get("XDG_RUNTIME_DIR", "").startswith("/"):  # relative XDG paths are to be ignored
        return _join(environ["XDG_RUNTIME_DIR"], "hookd/hookd.sock")
    state_dir = state_dir or default_state_dir(environ)
    return _join(state_dir, "run/hookd.sock") if state_dir else None


def default_state_dir(environ):
    """$HOOKD_STATE_DIR, $XDG_STATE_HOME/hookd, else ~/.local/state/hookd; None without a home."""
    named = named_state_dir(environ)
    if named:
        return named
    home = home_dir(environ)
    return _join(home, ".local/state/hookd") if home else None


def named_state_dir(environ):
    """The state directory the environment names without the home ($HOOKD_STATE_DIR, else
    $XDG_STATE_HOME/hookd), or None: hookd's config asks whether the home decides it."""
    if environ.get("HOOKD_STATE_DIR"):
        return environ["HOOKD_STATE_DIR"]
    if environ.get("XDG_STATE_HOME", "").startswith("/"):
        return _join(environ["XDG_STATE_HOME"], "hookd")
    return None


def home_dir(environ):
    """$HOME if it is an absolute path, else the password database's, else None.

    A relative one is taken against the working directory, for a hook the project's checkout:
    raw events would be kept there, and hookd's commands would read a config file from it.
    """
    home = environ.get("HOME", "")
    if home.startswith("/"):
        return home
    try:
        import pwd  # rare path

        home = pwd.getpwuid(posix.getuid()).pw_dir
    except (ImportError, KeyError):
        return None
    return home if home.startswith("/") else None


def inbox_dir(state_dir):
    return _join(state_dir, "inbox")


def _spare_parts(environ):
    """(base, sub) of the spare inbox: base is opened (made) with its parents, sub inside it."""
    if environ.get("HOOKD_SPARE_INBOX"):
        return environ["HOOKD_SPARE_INBOX"], None
    if environ.get("XDG_RUNTIME_DIR", "").startswith("/"):
        return _join(environ["XDG_RUNTIME_DIR"], "hookd"), "inbox"
    try:
        if posix.stat("/dev/shm").st_mode & 0o170000 == 0o040000:
            return "/dev/shm/hookd-%d" % posix.getuid(), "inbox"
    except OSError:
        pass
    return None, None


def spare_inbox_dir(environ):
    """Where events go when the inbox cannot be written or trusted, or None; the daemon sweeps it too."""
    base, sub = _spare_parts(environ)
    return base if base is None or sub is None else _join(base, sub)


def env_int(environ, name, default, lo, hi):
    """min(max(int($name), lo), hi), else default (unset, empty, or not a whole number). ASCII only, as
    the native client reads it: int() alone takes other scripts' digits and spaces ("\u0663\u0660\u0660"
    is 300 to it), which gave the two clients different deadlines for one variable."""
    value = environ.get(name)
    try:
        return min(max(int(value), lo), hi) if value and value.isascii() else default
    except ValueError:
        return default


def send_timeout_ms(environ):
    return env_int(environ, "HOOKD_SEND_TIMEOUT_MS", 250, 10, 60000)


def max_event_bytes(environ):
    """The largest body sent as it is: hookd's max_event_bytes, which `hookd hooks install` writes
    into the hook command when it is not the default. Past it, stdin is not held (see read_stdin)."""
    return env_int(environ, "HOOKD_MAX_EVENT_BYTES", MAX_EVENT_BYTES, 1024, 1 << 40)


def socket_reserve_ms(timeout_ms):
    """Time kept from the socket phase for the inbox write: max(100 ms, 20 %), at most half.

    The write itself takes a millisecond or two; the rest is for a process the scheduler leaves waiting
    when its wait for hookd's answer ends (a loaded machine left one 85 ms, past a 60 ms reserve: the
    deadline came before the inbox was opened). A file whole when the deadline comes is kept by its
    handler, so a slow fsync needs none of it."""
    return min(max(100, timeout_ms // 5), timeout_ms // 2)


def stdin_share_ms(timeout_ms):
    """What a payload over the limit leaves the socket after its stdin is drained: max(20 ms, 20 %),
    at most half."""
    return min(max(20, timeout_ms // 5), timeout_ms // 2)


def pct_encode(value):
    """str or bytes -> percent-encoded bytes."""
    b = _fsencode(value)
    if not b.translate(None, _SAFE):
        return b
    return b"".join(bytes((c,)) if c in _SAFE else b"%%%02X" % c for c in b)


def make_header(body, hook=None, project=None, sent_ns=None, pid=None, ppid=None, handoff_id=None, withheld=None):
    """-> (header line, sent_ns, pid, handoff_id); the frame is header + body. Unset values are filled in.

    withheld: why the body is a marker in place of the payload (too_large), which hookd counts."""
    sent_ns = time.time_ns() if sent_ns is None else sent_ns
    pid = posix.getpid() if pid is None else pid
    ppid = posix.getppid() if ppid is None else ppid
    handoff_id = handoff_id or posix.urandom(8).hex()
    head = b"HOOKD/1 %d sent=%d pid=%d ppid=%d id=%s" % (len(body), sent_ns, pid, ppid, handoff_id.encode())
    if withheld:  # before hook and project, whose length could leave no room for it
        head += b" withheld=" + withheld.encode()
    for key, value in ((b" hook=", hook), (b" project=", project)):
        if value:
            item = key + pct_encode(value)
            if len(head) + len(item) < 4096:  # the daemon's header limit: drop the item, not the event
                head += item
    return head + b"\n", sent_ns, pid, handoff_id


def err_name(e):
    import errno  # builtin; only on a failure

    code = getattr(e, "errno", None)
    return (errno.errorcode.get(code) if type(code) is int else None) or type(e).__name__


def _err_name(e):
    return err_name(e) if _debug else ""  # debug messages only


# -- trust ---------------------------------------------------------------------


def untrusted(st):
    """Why a directory with this (l)stat cannot be trusted, or None: ours, a directory, not writable by others."""
    kind = st.st_mode & 0o170000
    if kind != 0o040000:
        why = "a symbolic link" if kind == 0o120000 else "not a directory"
    elif st.st_uid != posix.getuid():
        why = "owned by another user"
    elif st.st_mode & 0o022:
        why = "writable by other users"
    else:
        return None
    return "%s (owner uid %d, mode 0%03o)" % (why, st.st_uid, st.st_mode & 0o7777)


FIX_SOCKET_WAY = "set HOOKD_SOCKET (and hookd's socket setting) to a path under directories only you or root can change"
FIX_INBOX_WAY = "set HOOKD_STATE_DIR (or HOOKD_SPARE_INBOX) to a path under directories only you or root can change"


def check_socket_dir(sock_path):
    """Refuse a socket whose directory exists and is not this user's alone (lstat: a link is refused),
    or that another user could swap by way of a directory above it (unsafe_way)."""
    d = _dirname(sock_path)
    try:
        st = posix.lstat(d)
    except OSError:
        return  # connect() fails on its own
    why = untrusted(st)
    if why:
        raise Refused(
            d, why, "remove it if it is not yours, or set HOOKD_SOCKET to hookd's socket in a directory of your own"
        )
    why = unsafe_way(d)
    if why:
        raise Refused(d, why, FIX_SOCKET_WAY)


def unsafe_way(path):
    """Why another user could rename or swap ``path`` by way of what is above it, or None: hookd's own
    rule (trust.check_ancestors), so that the two agree. Every directory a name is looked up in to reach
    ``path`` (links followed one at a time, as the kernel does) must be ours or root's and not writable by
    others unless sticky (/tmp); every link followed must be ours or root's. ``path`` itself is the
    caller's to judge; a part that is missing ends the walk (it is made in a directory judged here)."""
    me, current, st, links = posix.getuid(), "/", posix.lstat("/"), 0
    pending = [part for part in _dirname(path).split("/") if part and part != "."][::-1]
    while pending:
        name = pending.pop()
        if name == "..":  # looks up nothing another user can change: judged as the daemon does, not at all
            current = _dirname(current)
            try:
                st = posix.lstat(current)
            except OSError:  # gone meanwhile: what comes next fails on its own
                return None
            continue
        why = _open_parent(st, me, current)  # a name is looked up in current
        if why:
            return _inside(current, st, why)
        candidate = _join(current, name)
        try:
            info = posix.lstat(candidate)
        except OSError:  # missing: made in current, judged above
            return None
        kind = info.st_mode & 0o170000
        if kind == 0o120000:
            links += 1
            if info.st_uid not in (me, 0):
                return "reached through the symbolic link %s (owner uid %d), which another user owns" % (
                    candidate,
                    info.st_uid,
                )
            if links > 40:  # the kernel's own limit
                return "reached through too many symbolic links"
            try:
                target = posix.readlink(candidate)
            except OSError as e:
                return "reached through the symbolic link %s, which cannot be read (%s)" % (candidate, err_name(e))
            if target.startswith("/"):
                current, st = "/", posix.lstat("/")
            pending.extend(part for part in target.split("/")[::-1] if part and part != ".")
            continue
        if kind != 0o040000:
            return None  # not a directory on the way: what comes next fails on its own
        current, st = candidate, info
    why = _open_parent(st, me, current)  # where the last name, ``path``'s own, is looked up
    return _inside(current, st, why) if why else None


def _inside(directory, st, why):
    return "inside %s (owner uid %d, mode 0%03o), which %s" % (directory, st.st_uid, st.st_mode & 0o7777, why)


def _open_parent(st, me, directory):
    """Why ``directory`` (``st``, its lstat) above a path of ours lets another user change that path, or None."""
    if st.st_uid != me and st.st_uid != 0:
        return "another user owns"
    mode = st.st_mode
    if mode & 0o1000 or not mode & 0o022:  # sticky (/tmp): only a name's owner can move it
        return None
    if mode & 0o002 or not _private_group(st.st_gid):
        return "other users can write"
    if acl_lets_others_write(directory, me, st.st_gid):
        return "other users can write (a POSIX ACL names them)"
    return None


# The tags of a POSIX access ACL's entries (linux/posix_acl_xattr.h) that name a user or a group
# besides the owner and the owning group, and the mask that bounds what they get.
_ACL_USER, _ACL_GROUP, _ACL_MASK = 0x02, 0x08, 0x10


def acl_lets_others_write(where, uid, gid):
    """Whether the POSIX access ACL of ``where`` (a path, a link not followed; or an open fd) lets a
    user other than ``uid``, or a group other than ``gid``, write it. With an ACL, the group bits of
    the mode are its mask, not the owning group's: a directory or file that reads as writable by our
    private group alone (``setfacl -m u:someone:rwx``) is writable by every user and group the ACL
    names. False where there is no ACL (most files; macOS, whose ACLs this does not read)."""
    getxattr = getattr(posix, "getxattr", None)
    if getxattr is None:
        return False
    try:
        if isinstance(where, int):
            data = getxattr(where, "system.posix_acl_access")
        else:
            data = getxattr(where, "system.posix_acl_access", follow_symlinks=False)
    except OSError as e:
        import errno  # builtin; only for such a file

        # No ACL, a file system without them, or gone (what comes next fails on its own).
        return e.errno not in (errno.ENODATA, errno.ENOTSUP, errno.EOPNOTSUPP, errno.ENOENT)
    if len(data) < 4 or (len(data) - 4) % 8 or data[:4] != b"\x02\x00\x00\x00":
        return True  # not the format the kernel gives: what it grants cannot be told
    entries = [
        (int.from_bytes(data[i : i + 2], "little"), data[i + 2], int.from_bytes(data[i + 4 : i + 8], "little"))
        for i in range(4, len(data), 8)
    ]
    mask = next((perm for tag, perm, _ in entries if tag == _ACL_MASK), 0o7)
    return any(
        perm & mask & 0o2 and ((tag == _ACL_USER and who != uid) or (tag == _ACL_GROUP and who != gid))
        for tag, perm, who in entries
    )


def _private_group(gid):
    """Whether ``gid`` is our primary group and ours alone (hookd's trust.private_group): a directory
    it can write is then writable by no one else (user private groups, umask 002). Read only for such
    a directory, which is rare: the account database is not read on a run's usual path."""
    if gid != posix.getgid():
        return False
    try:
        import grp  # rare path
        import pwd

        me, group = pwd.getpwuid(posix.getuid()).pw_name, grp.getgrgid(gid)
        if group.gr_name != me or any(member != me for member in group.gr_mem):
            return False
    except (ImportError, KeyError):
        return False
    return not shared_by_another(gid, posix.getuid())


def shared_by_another(gid, uid, until=None):
    """Whether an account other than ``uid`` has ``gid`` as its primary group, read from libc's getpwent
    one account at a time: the deadline's handler runs between two. pwd.getpwall reads the whole
    database (a directory service's, where it is enumerated) in one C call, during which no signal
    handler of Python's runs: the run outlived its hard deadline by as long as the read took.
    ``until`` (time.monotonic()): past it, None, not told (hookd's bound, trust.private_group)."""
    try:
        import ctypes  # rare path, as the rest of the account database's

        class Passwd(ctypes.Structure):  # the fields every libc's struct passwd begins with
            _fields_ = [
                ("pw_name", ctypes.c_char_p),
                ("pw_passwd", ctypes.c_char_p),
                ("pw_uid", ctypes.c_uint32),
                ("pw_gid", ctypes.c_uint32),
            ]

        libc = ctypes.CDLL(None)
        getpwent = libc.getpwent
        getpwent.restype = ctypes.POINTER(Passwd)
    except (ImportError, OSError, AttributeError):  # no ctypes (a trimmed Python): the one call it is
        import pwd

        return any(account.pw_gid == gid and account.pw_uid != uid for account in pwd.getpwall())
    libc.setpwent()
    try:
        while True:
            if until is not None and time.monotonic() > until:
                return None
            entry = getpwent()
            if not entry:
                return False
            if entry.contents.pw_gid == gid and entry.contents.pw_uid != uid:
                return True
    finally:
        libc.endpwent()


def _proc_read(path):
    fd = posix.open(path, posix.O_RDONLY | posix.O_CLOEXEC)
    try:
        return posix.read(fd, 4096)
    finally:
        posix.close(fd)


def uid_stands_for_many(uid):
    """Whether ``uid``, as this process sees it, may be any of several users: in a Linux user
    namespace that does not map every uid (``unshare -U``, a sandbox), each unmapped uid, another
    user's as well as (when ours is unmapped) our own, reads as the overflow uid, in a peer's
    credentials as in a file's owner."""
    try:
        spans = [line.split() for line in _proc_read("/proc/self/uid_map").splitlines()]
    except OSError:  # no user namespaces (macOS, the BSDs), or no /proc: unmapped reads as the default
        return sys.platform.startswith("linux") and uid == 65534
    if sum(int(span[2]) for span in spans if len(span) == 3) >= 0xFFFFFFFF:
        return False  # every uid mapped (the initial namespace): each one names one user
    try:
        return uid == int(_proc_read("/proc/sys/kernel/overflowuid"))
    except (OSError, ValueError):
        return uid == 65534


def peer_uid(s):
    """The uid of the process at the other end of a connected Unix socket (None if unknown, or if it
    may be any of several users: uid_stands_for_many): the one to compare with ours."""
    uid = peer_uid_as_read(s)
    return None if uid is None or uid_stands_for_many(uid) else uid


def peer_uid_as_read(s):
    """The peer's uid as the kernel gives it (None if it cannot be read); one getsockopt."""
    opt = getattr(_socket, "SO_PEERCRED", None)
    if opt is not None:
        raw = s.getsockopt(_socket.SOL_SOCKET, opt, 12)  # Linux struct ucred {pid, uid, gid}
        at = 0 if sys.platform.startswith("openbsd") else 4  # OpenBSD: struct sockpeercred {uid, gid, pid}
    elif sys.platform == "darwin" or "bsd" in sys.platform:
        raw = s.getsockopt(0, 1, 76)  # SOL_LOCAL, LOCAL_PEERCRED: struct xucred {u_int version; uid_t uid; ...}
        at = 4
    else:
        return None
    return int.from_bytes(raw[at : at + 4], sys.byteorder) if len(raw) >= at + 4 else None


def send_frame(header, body, sock_path, deadline):
    """Hand the frame to the daemon by time.monotonic() == deadline -> (DELIVERED|REJECTED|RETRY|REFUSED, detail)."""
    buf, send_error = b"", None
    try:
        s = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
        try:
            s.settimeout(max(deadline - time.monotonic(), 0.001))
            s.connect(sock_path)
            uid = peer_uid(s)
            if uid != posix.getuid():  # not a byte to another user's process
                if uid is None and uid_stands_for_many(posix.getuid()):
                    return REFUSED, Refused(sock_path, *UNMAPPED)
                who = "the peer's uid cannot be read" if uid is None else "the process listening on it is not yours"
                return REFUSED, Refused(
                    sock_path,
                    "%s (peer uid %s)" % (who, uid),
                    "stop that process and remove the socket, then start hookd",
                )
            s.settimeout(max(deadline - time.monotonic(), 0.001))
            try:
                parts = (header, body) if len(body) > 65536 else (header + body,)  # no 2nd copy of a big body
                _hand_over(s, parts, deadline)
            except OSError as e:  # the daemon may have answered and closed early (too_large): read on
                send_error = e
            while b"\n" not in buf and len(buf) < 4096:
                s.settimeout(max(deadline - time.monotonic(), 0.001))
                chunk = _answer_part(s, buf)
                if not chunk:
                    break
                buf += chunk
        except OSError as e:
            if not buf:
                raise send_error or e
        finally:
            s.close()
    except Exception as e:  # OSError: ENOENT, ECONNREFUSED, EACCES, EPIPE, timeout, ...
        return RETRY, "unreachable (%s)" % err_name(e)  # named always: the missed mark carries it
    detail = "answered %r" % buf.partition(b"\n")[0][:200].decode("utf-8", "replace")
    return _outcome(buf), detail if buf else "gave no reply"


def _outcome(buf):
    """DELIVERED for an OK line, REJECTED for a final ERR, else RETRY (no whole line yet, or another answer)."""
    line, nl, _ = buf.partition(b"\n")
    words = line.split()
    if nl and words[:1] == [b"OK"]:
        return DELIVERED
    if nl and words[:1] == [b"ERR"] and words[1:2] and words[1] in FINAL:
        return REJECTED
    return RETRY


class _DeadlineHeld:
    """SIGALRM and SIGTERM blocked for the block's length (where the platform can): what the block does and
    notes happen together, or the deadline's handler runs before both or after both."""

    def __enter__(self):
        mask = getattr(_signal, "pthread_sigmask", None)
        self.before = mask(_signal.SIG_BLOCK, {_signal.SIGALRM, _signal.SIGTERM}) if mask is not None else None

    def __exit__(self, *exc):
        if self.before is not None:
            _signal.pthread_sigmask(_signal.SIG_SETMASK, self.before)


def _send_held(s, view):
    """One non-blocking send of ``view`` with the deadline held -> bytes sent; _handed is set in the
    same moment as the last byte leaves (the caller sends the frame's end through here)."""
    global _handed
    with _DeadlineHeld():
        timeout = s.gettimeout()
        s.setblocking(False)
        try:
            sent = s.send(view)
        except BlockingIOError:
            sent = 0
        finally:
            s.settimeout(timeout)
        if sent == len(view):
            _handed = True
        return sent


def _hand_over(s, parts, deadline):
    """Send the frame's parts by ``deadline`` (OSError; a socket timeout past it). The frame's end goes
    through _send_held, whole at once for a small frame; the waits for room in the socket (sendall's,
    then 1 ms sleeps for the last byte) leave the deadline and SIGTERM free to end the run."""
    for part in parts[:-1]:
        s.sendall(part)
    view = memoryview(parts[-1])
    view = view[_send_held(s, view) :]
    if len(view) > 1:
        s.sendall(view[:-1])
        view = view[-1:]
    while view and not _send_held(s, view):
        if time.monotonic() >= deadline:
            raise _socket.timeout("timed out")
        time.sleep(0.001)


def _answer_part(s, buf):
    """The next part of hookd's answer. The wait for it (a peek, under the socket's timeout) leaves
    the deadline free; the read itself is held off from the deadline until an answer that settles
    the event is noted, so a run never calls an event lost that hookd has just acknowledged."""
    global _handed
    if not s.recv(1, _socket.MSG_PEEK):
        return b""
    with _DeadlineHeld():
        chunk = s.recv(4096 - len(buf))
        if b"\n" in buf + chunk:  # answered: the answer says what became of the event
            _handed = False
        if _outcome(buf + chunk) != RETRY:
            _settled()
        return chunk


# -- the inbox -----------------------------------------------------------------


def inbox_filename(sent_ns, pid, handoff_id):
    return "%020d-%d-%s.hookd" % (sent_ns, pid, handoff_id)


def _makedirs(path):
    """mkdir -p, 0700 for every directory made here."""
    try:
        posix.mkdir(path, 0o700)
    except FileNotFoundError:
        parent = _dirname(path)
        if parent == path:
            raise
        _makedirs(parent)
        try:  # once: ENOENT again, the parent there (a link to nothing on the way, /proc), is the answer
            posix.mkdir(path, 0o700)
        except FileExistsError:
            pass
    except FileExistsError:
        pass


def _open_trusted(path, name=None, dir_fd=None):
    """Open a directory (made 0700 if missing) without following a link; refuse it unless trusted -> fd."""
    where = path if name is None else _join(path, name)
    try:
        if name is None:
            _makedirs(path)
        else:
            posix.mkdir(name, 0o700, dir_fd=dir_fd)
    except FileExistsError:
        pass
    why = unsafe_way(path) if name is None else None  # after the made parents: those are judged too
    if why:
        raise Refused(where, why, FIX_INBOX_WAY)
    try:
        fd = posix.open(where if name is None else name, _DIR_FLAGS, dir_fd=dir_fd)
    except OSError as e:  # ELOOP: a symbolic link; ENOTDIR: a file
        try:
            st = posix.lstat(where)
        except OSError:
            raise e from None
        raise Refused(where, untrusted(st) or err_name(e), "remove it and let hook-send create it") from None
    why = untrusted(posix.fstat(fd))
    if why:
        posix.close(fd)
        raise Refused(where, why, "make it yours and private (chmod 700), or set HOOKD_STATE_DIR elsewhere")
    return fd


def _open_locked(tmp, box_fd):
    """Create the temporary file and hold its lock (a POSIX record lock) until it is renamed -> fd.

    hookd takes a temporary file as abandoned (its writer died) only when it can lock it, so the
    lock, not the file's age, tells it that this run still writes it: a clock set forward cannot
    make a file being written look old. hookd moves an abandoned one away while it holds the lock;
    one it moved between our create and our lock is no longer at its name, and is made again.
    """
    for _ in range(3):
        fd = posix.open(
            tmp,
            posix.O_WRONLY | posix.O_CREAT | posix.O_EXCL | posix.O_NOFOLLOW | posix.O_CLOEXEC,
            0o600,
            dir_fd=box_fd,
        )
        try:
            try:
                posix.lockf(fd, posix.F_LOCK, 0)
            except OSError:  # not on this filesystem (ENOLCK): there hookd goes by the file's age
                pass
            mine, named = posix.fstat(fd), posix.stat(tmp, dir_fd=box_fd, follow_symlinks=False)
            if (mine.st_dev, mine.st_ino) == (named.st_dev, named.st_ino):
                return fd
        except FileNotFoundError:
            pass
        except BaseException:
            posix.close(fd)
            raise
        posix.close(fd)
    raise FileExistsError(17, "the temporary file was taken away while it was made", tmp)


def _kept_by_rename(tmp, final, box_fd):
    """Rename the written file into the inbox and settle the event, with the deadline held off
    between the two: its handler must not call an event lost that the rename kept."""
    global _writing
    with _DeadlineHeld():
        _writing = None
        posix.rename(tmp, final, src_dir_fd=box_fd, dst_dir_fd=box_fd)
        _settled()


def _finish_or_remove(writing):
    """The deadline's handler on an inbox file being written: renamed if whole -> True (kept), else
    removed -> False."""
    tmp, final, box_fd, fd, size = writing
    try:
        if posix.fstat(fd).st_size == size:
            posix.rename(tmp, final, src_dir_fd=box_fd, dst_dir_fd=box_fd)
            return True
    except OSError:
        pass
    try:
        posix.unlink(tmp, dir_fd=box_fd)
    except OSError:
        pass
    return False


def _close_all_but(*keep):
    """Close every descriptor from 3 up but keep's, in apart_fsync_rename's child: one it kept open (a pipe
    the agent reads to its end, a socket) held its reader until the disk answered the fsync."""
    try:
        top = posix.sysconf("SC_OPEN_MAX")
    except (OSError, ValueError):
        top = 65536
    low = 3
    for k in sorted(keep) + [max(top, max(keep) + 1)]:
        if k > low:
            posix.closerange(low, k)  # close_range(2) where the kernel has it
        low = max(low, k + 1)


def apart_fsync_rename(fd, box_fd, tmp, final):
    """fsync the whole file fd and rename tmp to final, both in a child process waited for -> True (renamed,
    the event settled), False (no child: the caller does both); OSError as fsync's or rename's (EIO when
    the child could not say), tmp left to the caller.

    A filesystem that holds the fsync (a FUSE or network mount, a device that stalls) held the caller in a
    wait no signal ends, and a rename by the deadline's handler waits as long (the kernel holds the file's
    inode lock through a FUSE fsync): the hook ran for as long as the disk took. The wait for the child
    ends at the deadline; the child finishes on its own, its stdio on /dev/null so that nobody waits for
    it, and renames the file even if its fsync fails once the run is gone, as the handler did. As
    apart_fsync_rename in the native client."""
    global _writing, _renaming_apart
    mask = getattr(_signal, "pthread_sigmask", None)
    if mask is None or not hasattr(posix, "fork"):
        return False
    # SIGCHLD ignored, as a parent may leave it across exec: the child is reaped unseen, and waitpid says
    # ECHILD for a child that did its work (an event kept twice, and called lost).
    try:
        if _signal.getsignal(_signal.SIGCHLD) == _signal.SIG_IGN:
            _signal.signal(_signal.SIGCHLD, _signal.SIG_DFL)
    except (ValueError, OSError):  # not the main thread: the fsync and rename in place
        return False
    parent = posix.getpid()
    before = mask(_signal.SIG_BLOCK, _signal.valid_signals())  # the child takes no signal but SIGKILL
    try:
        try:
            pid = posix.fork()
        except Exception:  # OSError (EAGAIN, a sandbox's EPERM), or no fork here (a subinterpreter)
            return False
        if pid == 0:
            code = 5  # EIO
            try:
                null = posix.open("/dev/null", posix.O_RDWR)
                for i in range(3):
                    if i != fd and i != box_fd:  # one of 0-2 left closed at the start is the file's now
                        posix.dup2(null, i)
                _close_all_but(fd, box_fd)
                try:
                    posix.fsync(fd)
                except OSError as e:
                    if posix.getppid() == parent:
                        code = (e.errno or 5) & 0xFF or 5
                        raise
                posix.rename(tmp, final, src_dir_fd=box_fd, dst_dir_fd=box_fd)
                code = 0
            except BaseException as e:
                if isinstance(e, OSError) and code == 5:
                    code = (e.errno or 5) & 0xFF or 5
            finally:
                posix._exit(code)
        _writing, _renaming_apart = None, True
    finally:
        mask(_signal.SIG_SETMASK, before)
    _, status = posix.waitpid(pid, 0)  # retried after a signal whose handler returns (PEP 475)
    code = posix.WEXITSTATUS(status) if posix.WIFEXITED(status) else 5
    with _DeadlineHeld():  # no "lost" for a kept event
        _renaming_apart = False
        if not code:
            _settled()
    if code:
        raise OSError(code, posix.strerror(code))
    return True


def write_inbox(state_dir, header, body, sent_ns, pid, handoff_id, fsync=True, sub="inbox", mark=None):
    """Write the frame to <state_dir>/<sub>/ via a temporary file -> its final path.

    mark: (socket path, detail) to note in state_dir once the file is kept (see mark_missed), through
    the directory's fd this write opened: the state directory is opened once per run.
    Raises Refused for a directory that is not this user's alone, OSError otherwise.
    """
    global _writing
    base_fd = _open_trusted(state_dir)
    box = state_dir
    try:
        box_fd = base_fd
        if sub:
            box, box_fd = _join(state_dir, sub), _open_trusted(state_dir, sub, base_fd)
        try:
            tmp, final = ".tmp-" + handoff_id, inbox_filename(sent_ns, pid, handoff_id)
            with _DeadlineHeld():  # from its creation on, the deadline's handler knows the file
                fd = _open_locked(tmp, box_fd)
                _writing = (tmp, final, box_fd, fd, len(header) + len(body))
            try:
                for part in (header, body):
                    view = memoryview(part)
                    while view:
                        view = view[posix.write(fd, view) :]
                if not fsync or not apart_fsync_rename(fd, box_fd, tmp, final):
                    if fsync:
                        posix.fsync(fd)
                    _kept_by_rename(tmp, final, box_fd)  # before the close, which ends the lock
            except BaseException:
                try:
                    posix.unlink(tmp, dir_fd=box_fd)
                except OSError:
                    pass
                _writing = None  # after the unlink: a deadline before it settles the file itself
                raise
            finally:
                try:
                    posix.close(fd)
                except OSError:  # the file is renamed, or the error above is raised
                    pass
        finally:
            if box_fd != base_fd:
                posix.close(box_fd)
        if mark is not None:
            _write_mark(base_fd, *mark)
        return _join(box, final)
    finally:
        posix.close(base_fd)


def keep(env, header, body, sent_ns, pid, hid, mark=None):
    """Write the frame to the inbox, else the spare inbox -> (path or None, [(dir, why, fix or None), ...]).

    fix is None for a write that failed (disk full, read-only, ...) rather than a refusal. mark: the
    missed socket's (path, detail), noted in the state directory when its inbox keeps the event.
    """
    fsync = env.get("HOOKD_INBOX_FSYNC") != "0"
    failures = []
    for base, sub in ((default_state_dir(env), "inbox"), _spare_parts(env)):
        if base is None:
            failures.append(("(no spare inbox)", "none found", None) if sub != "inbox" else NO_HOME)
            continue
        try:  # the mark only with the state directory's own inbox (the first, when nothing failed yet)
            return write_inbox(base, header, body, sent_ns, pid, hid, fsync, sub, None if failures else mark), failures
        except Refused as r:
            failures.append(r.args)
        except OSError as e:
            failures.append((_join(base, sub) if sub else base, err_name(e), None))
    return None, failures


MISSED_MARK = "hook-send-missed"  # hookd/hooks/missed.py reads it: keep the two in step
# Written over in place, padded to this size: ext4 flushes a file truncated and written again at its
# close (auto_da_alloc), which cost each kept event about 1.5 ms (bench/README.md).
MARK_SIZE = 512


def mark_missed(state_dir, sock_path, detail):
    """Note in the state directory which socket this run could not reach and why: the event is in
    the inbox, but a hookd running on another socket gets it only at its next sweep, and nothing
    here may say so on stdout; `hookd status` reads the mark and names the repair. Best effort."""
    try:
        base_fd = _open_trusted(state_dir)
    except (OSError, Refused):
        return
    try:
        _write_mark(base_fd, sock_path, detail)
    finally:
        posix.close(base_fd)


def _write_mark(base_fd, sock_path, detail):
    """mark_missed's write, in the state directory open at base_fd. Best effort."""
    # no O_TRUNC: MARK_SIZE; O_NONBLOCK: a FIFO there would hold the open until the deadline
    flags = posix.O_WRONLY | posix.O_CREAT | posix.O_NOFOLLOW | posix.O_CLOEXEC | posix.O_NONBLOCK
    try:
        fd = posix.open(MISSED_MARK, flags, 0o600, dir_fd=base_fd)
        try:
            info = posix.fstat(fd)
            if info.st_mode & 0o170000 != 0o100000:  # a regular file only
                return
            if info.st_nlink != 1 or info.st_uid != posix.getuid():
                # Written over in place: another name (a hard link) would have its file written over
                # too. The mark gets a file of its own; the other name keeps what it held.
                posix.close(fd)
                fd = -1
                posix.unlink(MISSED_MARK, dir_fd=base_fd)
                fd = posix.open(MISSED_MARK, flags | posix.O_EXCL, 0o600, dir_fd=base_fd)
            line = ("%s\n%s\n" % (sock_path, detail)).encode("utf-8", "surrogateescape")
            posix.write(fd, line.ljust(MARK_SIZE))
        finally:
            if fd >= 0:
                posix.close(fd)
    except OSError:
        pass


# -- output ---------------------------------------------------------------------


def say(msg):
    if not _stderr_open:
        return
    try:
        posix.write(2, ("hook-send: %s\n" % msg).encode("utf-8", "replace"))
    except OSError:
        pass


def log(msg):
    if _debug:
        say(msg)


# Lines that do not settle the event (a routing variable ignored, a payload replaced by its marker),
# said once it is settled: to a stderr that cannot take them (a pipe nobody reads) they held the
# hand-off until the deadline, the event lost, and, said before the deadline was armed, the run for ever.
# A run ended first (SIGTERM, the deadline) has its handler say them after its own line (_on_alarm).
_later = []


def say_later(msg):
    _later.append(msg)


def _say_later_lines():
    while _later:  # each taken off before it is said: the deadline's handler says those left, once
        say(_later.pop(0))


def lost_at_deadline_line(timeout_ms):
    return (
        "hook-send: event lost: deadline reached (HOOKD_SEND_TIMEOUT_MS=%d) before hookd acknowledged"
        " the event or an inbox kept it; fix: raise HOOKD_SEND_TIMEOUT_MS, or find what made this run slow\n"
        % timeout_ms
    ).encode()


# What a run says when it ends with the event handed whole to hookd and not answered: hookd may
# still take it (it does unless it refuses it or stops first), so it is not said to be lost.
MAY_STILL_TAKE = "hookd takes it unless it refuses it or stops first (`hookd status` counts refusals)"


def unacked_at_deadline_line(timeout_ms):
    return (
        "hook-send: event not acknowledged: deadline reached (HOOKD_SEND_TIMEOUT_MS=%d) after hookd was handed"
        " all of it, before it answered or an inbox kept it; %s; fix: raise HOOKD_SEND_TIMEOUT_MS, or find what"
        " made hookd slow to answer\n" % (timeout_ms, MAY_STILL_TAKE)
    ).encode()


def lost_in_stdin_line(timeout_ms):
    """What the deadline's handler says from stdin's first byte until the event is read whole:
    Claude Code was handing an event over, and it is lost too."""
    return (
        "hook-send: event lost: deadline reached (HOOKD_SEND_TIMEOUT_MS=%d) while its stdin was still open,"
        " part of the event read; fix: find what held the hook's stdin open, or raise HOOKD_SEND_TIMEOUT_MS\n"
        % timeout_ms
    ).encode()


def _armed_at_first_byte(read, line):
    """read(n) of stdin that sets the deadline's line to ``line`` once a byte has come."""

    def armed(n):
        global _lost_line
        chunk = read(n)
        if chunk and _lost_line is None:
            _lost_line = line
        return chunk

    return armed


# What the handler says when SIGTERM (Claude Code's hook timeout) ends a run before the event is settled.
KILLED_LINE = (
    b"hook-send: event lost: ended by SIGTERM (Claude Code's hook timeout) before hookd acknowledged the"
    b" event or an inbox kept it; fix: find what made this run slow, or keep HOOKD_SEND_TIMEOUT_MS under the"
    b" hook's timeout\n"
)


UNACKED_KILLED_LINE = (
    "hook-send: event not acknowledged: ended by SIGTERM (Claude Code's hook timeout) after hookd was handed"
    " all of it, before it answered or an inbox kept it; %s; fix: find what made this run slow, or keep"
    " HOOKD_SEND_TIMEOUT_MS under the hook's timeout\n" % MAY_STILL_TAKE
).encode()


# How long the deadline's handler may wait to write its line on stderr.
LAST_WRITE_S = 0.02


def _exit_now(signum, frame):
    posix._exit(0)


def _last_write(line):
    """The deadline's handler's line on stderr, its wait bounded by LAST_WRITE_S: a stderr nobody reads
    (a full pipe, a stopped terminal) held the handler, and the hook, for ever, no deadline being left
    to end it. A signal then interrupts the write and ends the run at exit 0, the line unsaid."""
    if not _stderr_open:
        return
    try:
        _signal.signal(_signal.SIGALRM, _exit_now)
        _signal.signal(_signal.SIGTERM, _exit_now)
        _signal.setitimer(_signal.ITIMER_REAL, LAST_WRITE_S)
    except (OSError, ValueError):  # not the main thread (an in-process caller): no deadline was set either
        pass
    posix.write(2, line)


# Set by the first handler to run: Python runs handlers between bytecodes, so a SIGTERM that comes while
# the deadline's handler runs (or the reverse) ran a second one inside it, which, the inbox file renamed
# whole by the first, found none to rename and said a kept event lost. The second now leaves the first.
_ending = False


def _on_alarm(signum, frame):
    global _ending
    if _ending:
        return
    _ending = True
    try:
        line, writing = _lost_line, _writing
        if line is not None and _handed:
            line = UNACKED_KILLED_LINE if signum == _signal.SIGTERM else _unacked_line or line
        elif line is not None and signum == _signal.SIGTERM:
            line = KILLED_LINE
        if _renaming_apart:
            line = None  # whole: the child renames it once the disk has it, as the run would have done next
        elif writing is not None and _finish_or_remove(writing):
            line = None  # written whole: kept once renamed, as the run would have done next
        if _debug and signum == _signal.SIGALRM:
            line = (line or b"") + b"hook-send: deadline reached; exiting\n"
        if _later:  # not said yet: the run ends here, and they say why the event went where it did
            line = (line or b"") + "".join("hook-send: %s\n" % m for m in _later).encode("utf-8", "replace")
        if line is not None:
            _last_write(line)
    finally:
        posix._exit(0)


# Signals a fault of the process raises: blocked, one would end it all the same.
_FAULTS = ("SIGSEGV", "SIGBUS", "SIGFPE", "SIGILL", "SIGABRT", "SIGTRAP", "SIGSYS")


# Whether _block_signals held SIGTERM too: main() lets it in once its handler is set, and holds it again
# before it puts the old disposition back, so that no SIGTERM finds the default (death by it, not exit 0).
_term_held = False


def _block_signals():
    """Block every signal but the deadline's (SIGALRM) and the faults', where the platform can; SIGTERM
    until main() has set its handler (_term_held).

    A terminal's ^C (SIGINT) or hang-up (SIGHUP) reaches the whole process group, hook-send included,
    and ended it mid-hand-off: the event gone, nothing said (SIGINT raised KeyboardInterrupt through the
    send; the others killed it). A read of a terminal from a background group (SIGTTIN) stopped it for
    good, where the deadline cannot end it. Blocked, the run goes on to its end, which the deadline
    bounds anyway, and a terminal read fails (EIO) instead. Blocked rather than ignored: one call.
    """
    global _term_held
    keep = {_signal.SIGALRM, *(getattr(_signal, name, 0) for name in _FAULTS)}
    try:
        _signal.pthread_sigmask(_signal.SIG_BLOCK, _signal.valid_signals() - keep)
        _term_held = True
    except (AttributeError, OSError, ValueError):  # not on this platform
        pass


def _let_term_in(let):
    """SIGTERM unblocked (let) or blocked again, if _block_signals held it."""
    if _term_held:
        _signal.pthread_sigmask(_signal.SIG_UNBLOCK if let else _signal.SIG_BLOCK, {_signal.SIGTERM})


def _settled():
    """The event is acknowledged, kept, or reported: the deadline has nothing more to say."""
    global _lost_line
    _lost_line = None


def stdin_fd(f):
    """stdin's descriptor, or None for a stream an in-process caller gives that has none."""
    try:
        return f.fileno()
    except Exception:
        return None


def stdin_reader(f):
    """read(n) of stdin: posix.read on its descriptor, between whose calls the deadline's handler
    runs (one read() of a source that never ends nor blocks, /dev/zero, held it off until memory
    ran out); the stream's own read for an in-process caller that gives one."""
    fd = stdin_fd(f)
    if fd is None:  # not a file: a stream given by an in-process caller
        return f.buffer.read

    def read(n):
        while True:
            try:
                return posix.read(fd, n)
            except BlockingIOError:  # a non-blocking stdin: wait; the deadline ends a stuck one
                time.sleep(0.001)

    return read


def read_stdin(read, limit):
    """stdin up to limit + 1 bytes -> (body, size). A size over limit says the event is over hookd's
    limit: the body is then only its first PREFIX_BYTES and the rest is not held, as all of a
    runaway or hostile stdin would take the machine's memory by the deadline."""
    chunks, size = [], 0
    while size <= limit:
        chunk = read(min(1 << 20, limit + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    if size <= limit:
        return b"".join(chunks), size
    head = b""
    for chunk in chunks:
        if len(head) >= PREFIX_BYTES:
            break
        head += chunk[: PREFIX_BYTES - len(head)]
    return head, size


def drain(read, until, fd=None):
    """Read stdin to its end, holding none of it, until time.monotonic() reaches until -> (bytes, ended).
    The writer sees its event taken rather than a broken pipe, and the marker gets the size. Each read
    waits for stdin (fd) no later than until: a writer that stopped without closing held the read past
    it, and the deadline then ended the run with the marker neither handed over nor kept."""
    seen = 0
    if fd is not None:
        try:
            import select  # here, not at the top: only an event over the limit pays for it

            waiting = select.poll()
            waiting.register(fd, select.POLLIN)
        except (ImportError, AttributeError, OSError):  # no poll() here: reads as before
            fd = None
    while time.monotonic() < until:
        if fd is not None and not waiting.poll(max(int((until - time.monotonic()) * 1000) + 1, 0)):
            break
        try:
            chunk = read(1 << 20)
        except OSError:
            break
        if not chunk:
            return seen, True
        seen += len(chunk)
    return seen, False


def prefix_value(head, key):
    """The string value of "key" in a payload's first bytes when it is a plain word, else None.
    A key inside a JSON string is escaped (\\"key\\") and not found."""
    at = head.find(b'"' + key + b'"')
    if at < 0:
        return None
    rest = head[at + len(key) + 2 :].lstrip(b" \t\r\n")
    if rest[:1] != b":":
        return None
    rest = rest[1:].lstrip(b" \t\r\n")
    end = rest.find(b'"', 1) if rest[:1] == b'"' else -1
    value = rest[1:end] if end > 0 else b""
    return value if 0 < len(value) <= 128 and not value.translate(None, _WORD) else None


def too_large_marker(head, size, ended, limit):
    """The body handed on in place of one over hookd's limit: what can be said of it unheld."""
    named = b""
    for key in (b"hook_event_name", b"session_id"):
        value = prefix_value(head, key)
        if value is not None:
            named += b'"%s":"%s",' % (key, value)
    return (
        b'{%s"hookd_withheld":{"reason":"too_large","bytes":%d,"stdin_ended":%s,"max_event_bytes":%d,'
        b'"why":"the payload was over max_event_bytes, so hook-send did not keep it"}}'
        % (named, size, b"true" if ended else b"false", limit)
    )


def too_large_line(size, ended, limit):
    return (
        "event over HOOKD_MAX_EVENT_BYTES=%d (%d bytes%s): its payload dropped, a too_large marker handed on "
        "in its place; fix: raise max_event_bytes in hookd's settings, then run `hookd hooks install`"
        % (limit, size, "" if ended else " read, stdin not ended")
    )


def run(argv, env, deadline, lost_line=None, drain_until=None, partial_line=None):
    """Read the event, send it, or keep it in the inbox. May raise.

    lost_line: what the deadline's handler says once the event is read and until it is settled.
    drain_until: when to stop reading the rest of an event over the limit (default: deadline).
    partial_line: what it says from stdin's first byte until the event is read whole.
    """
    global _lost_line, _handed
    _handed = False
    f, limit, withheld = sys.stdin, max_event_bytes(env), None
    try:
        read, fd = (stdin_reader(f), stdin_fd(f)) if f is not None else (None, None)
        if read is not None and partial_line is not None:
            read = _armed_at_first_byte(read, partial_line)
        body, size = read_stdin(read, limit) if read is not None else (b"", 0)
    except Exception as e:
        log("cannot read stdin (%s); sending an empty event" % _err_name(e))
        body, size = b"", 0
    _lost_line = lost_line  # from here a stall of stdin loses an event that is known to be there
    if size > limit:
        more, ended = drain(read, deadline if drain_until is None else drain_until, fd)
        body, withheld = too_large_marker(body, size + more, ended, limit), "too_large"
        say_later(too_large_line(size + more, ended, limit))
    header, sent_ns, pid, hid = make_header(
        body, argv[0] if argv else None, env.get("CLAUDE_PROJECT_DIR"), withheld=withheld
    )
    path = default_socket_path(env)
    refused = None
    try:
        if path is None:  # no state directory, no XDG_RUNTIME_DIR: keep() says so
            outcome, detail = RETRY, "none (no state directory)"
        else:
            check_socket_dir(path)
            outcome, detail = send_frame(header, body, path, deadline)
    except Refused as r:
        outcome, detail = REFUSED, r
    if outcome == DELIVERED or outcome == REJECTED:
        _settled()
        return log(
            "daemon at %s %s; event %s" % (path, detail, "delivered" if outcome == DELIVERED else "rejected, not saved")
        )
    if outcome == REFUSED:
        refused, detail = detail.args, "refused"
    # The missed socket is noted in the state directory with the event's inbox write, which has it open.
    saved, failures = keep(env, header, body, sent_ns, pid, hid, None if path is None else (path, detail))
    if not saved:
        _settled()  # said below, with why
    kept = ("event kept in %s" % saved) if saved else "event not kept"
    for place, why, fix in ([refused] if refused else []) + failures[: 1 if saved else 0]:
        if fix is None:
            say("cannot write to %s (%s); %s" % (place, why, kept))
        else:
            say("refused %s: %s; %s; fix: %s" % (place, why, kept, fix))
    if not saved:
        where = "; ".join("%s: %s" % (p, w) for p, w, _ in failures)
        if _handed:  # hookd has all of it and gave no answer: not known to be lost
            return say(
                "event not acknowledged and not kept: hookd was handed all of it and did not answer in time, and"
                " no inbox could keep it (%s); %s" % (where, MAY_STILL_TAKE)
            )
        return say("event lost: " + where)
    timeout = send_timeout_ms(env)
    log(
        "daemon at %s %s; event saved to %s %s (the socket given %d ms of %d, the inbox %d)"
        % (
            path,
            detail,
            "spare inbox" if failures else "inbox",
            saved,
            timeout - socket_reserve_ms(timeout),
            timeout,
            socket_reserve_ms(timeout),
        )
    )


def _answer(text, env):
    """--help and --version: ``text`` on stdout -> 0. A stdout nobody reads (a full pipe) held this for
    ever: the deadline bounds it too, its handler then exiting 0 with nothing to say. SIGTERM ends it
    as the deadline does: held since the start (_block_signals), it was held until the deadline."""
    old = old_term = None
    try:
        old = _signal.signal(_signal.SIGALRM, _on_alarm)
        _signal.setitimer(_signal.ITIMER_REAL, send_timeout_ms(read_environ() if env is None else env) / 1000)
        old_term = _signal.signal(_signal.SIGTERM, _on_alarm)
        _let_term_in(True)
        posix.write(1, text.encode())
    except (OSError, ValueError):  # a closed stdout; a thread, where no alarm can be set
        pass
    finally:
        if old is not None:
            _let_term_in(False)  # before SIGTERM's default is back, as main() does
            _signal.setitimer(_signal.ITIMER_REAL, 0)
            _signal.signal(_signal.SIGALRM, old)
            if old_term is not None:
                _signal.signal(_signal.SIGTERM, old_term)
    return 0


def main(argv=None, env=None):
    """The hook command; argv excludes the program name. Always returns 0."""
    global _debug, _stderr_open, _unacked_line
    old = old_term = None
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--help"] or argv[:1] == ["--version"]:  # a person asking: answer here, read nothing
        return _answer(USAGE if argv[0] == "--help" else "hook-send %s (HOOKD/1)\n" % __version__, env)
    try:
        start = time.monotonic()
        try:
            posix.fstat(2)
            _stderr_open = True
        except OSError:
            _stderr_open = False
        env = absolute_routes(read_environ() if env is None else env)
        _debug = env.get("HOOKD_DEBUG") == "1"
        timeout = send_timeout_ms(env)
        _unacked_line = unacked_at_deadline_line(timeout)
        try:  # the hard stop; not possible outside the main thread
            old = _signal.signal(_signal.SIGALRM, _on_alarm)
            _signal.setitimer(_signal.ITIMER_REAL, timeout / 1000)
            # Claude Code ends a hook at its timeout with SIGTERM: the run then ends as at the deadline.
            old_term = _signal.signal(_signal.SIGTERM, _on_alarm)
            _let_term_in(True)  # one that came since the start ends the run now, at exit 0
        except Exception:
            pass
        reserve = socket_reserve_ms(timeout)
        run(
            argv,
            env,
            start + (timeout - reserve) / 1000,
            lost_at_deadline_line(timeout),
            start + (timeout - reserve - stdin_share_ms(timeout)) / 1000,  # the marker's hand-off keeps its time
            lost_in_stdin_line(timeout),
        )
    except BaseException as e:
        try:
            unexpected = "unexpected %s: %s" % (type(e).__name__, e)
            if _lost_line is None:  # no event read yet, or it is settled
                log(unexpected)
            else:  # read, and neither acknowledged nor kept: never lost without a word
                _settled()
                say(
                    "event not acknowledged and not kept: %s, after hookd was handed all of it; %s"
                    % (unexpected, MAY_STILL_TAKE)
                    if _handed
                    else "event lost: %s; fix: run it again with HOOKD_DEBUG=1 and report what it says" % unexpected
                )
        except BaseException:
            pass
    finally:
        _settled()
        try:  # the deadline still armed: it bounds a stderr that cannot take them
            _say_later_lines()
        except BaseException:
            pass
        if old is not None:  # back to how it was: main() may run inside a longer-lived process
            try:
                _let_term_in(False)  # before SIGTERM's default is back: exit_after_main exits 0 next
                _signal.setitimer(_signal.ITIMER_REAL, 0)
                _signal.signal(_signal.SIGALRM, old)
                if old_term is not None:
                    _signal.signal(_signal.SIGTERM, old_term)
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
    _block_signals()  # for the process's life: unblocked, a pending one would end it before its exit
    try:
        try:  # the raw payload, secrets and all, must not reach a core file (in the project's checkout)
            import resource

            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        except Exception:
            pass
        main()
    finally:
        posix._exit(0)


if __name__ == "__main__":
    exit_after_main()
