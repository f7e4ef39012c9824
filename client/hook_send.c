/* hook-send, native: hand one Claude Code hook event to hookd, or keep it in the inbox.
 *
 * The same contract as hook_send.py beside it (the reference; client contract v2 in
 * docs/native-client.md): a user must not be able to tell from the stream which of the two
 * sent an event. It exists because Claude Code waits for every command hook, and starting a
 * Python interpreter costs about 10 ms per hook where starting this costs well under one.
 *
 * One C99 + POSIX file, no dependencies, Linux and macOS; built by hookd/hooks/native.py with
 * `cc -O2 -std=c99 -Wall -Wextra -Werror`. Rules it keeps, as the Python client does: never a
 * byte on stdout (except --help/--version, run by a person), exit status 0 always, the whole
 * run bounded by HOOKD_SEND_TIMEOUT_MS (SIGALRM ends it with _exit(0)), the payload forwarded
 * as bytes and never parsed (one over HOOKD_MAX_EVENT_BYTES not held, a marker in its place), stderr only for a refusal, a failed inbox write, a lost event and
 * HOOKD_DEBUG=1, in the Python client's words.
 */
#ifdef __linux__
#define _POSIX_C_SOURCE 200809L /* -std=c99 hides POSIX on glibc; elsewhere it would hide BSD calls */
#define _DEFAULT_SOURCE /* SO_PEERCRED */
#endif
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#ifdef __APPLE__
#include <sys/random.h> /* getentropy */
#endif
#ifdef __linux__
#include <sys/syscall.h> /* SYS_close_range */
#include <sys/xattr.h> /* lgetxattr: a directory's POSIX ACL */
#endif

#ifndef HOOK_SEND_SOURCE_ID
#define HOOK_SEND_SOURCE_ID "unknown" /* native.py passes the first 12 hex digits of the source's sha256 */
#endif
#define PATHCAP 4200 /* PATH_MAX (4096) and room for a file name */
#define HEADER_MAX 4096 /* the daemon's header limit: an item that would pass it is dropped */
#define MAX_EVENT_BYTES (8LL << 20) /* hookd's max_event_bytes by default */
#define PREFIX_BYTES 16384 /* how much of a too-large payload is looked at for its hook_event_name and session_id */

enum { DELIVERED, REJECTED, RETRY, REFUSED };
#define TIMED_OUT (-1) /* the deadline passed during a socket operation (not an errno) */
/* ERR reasons that are the sender's fault: resending the same bytes cannot help. */
static const char *const FINAL[] = {"empty", "not_json", "invalid_utf8", "not_object", "too_deep",
                                    "too_large", "bad_header", NULL};
static volatile sig_atomic_t debug, no_stderr;
/* Set once the event is read whole, cleared once hookd acknowledged it, an inbox kept it, or its loss
 * was said: while set, the deadline's handler writes lost_line (built before, as write(2) is all a
 * handler may do). PARTIAL from the first byte of stdin until it is read whole: Claude Code was
 * handing an event over, so a deadline then loses one too, and says so with partial_line. */
#define PARTIAL 2
static volatile sig_atomic_t lost_armed;
static char lost_line[256], partial_line[256], killed_line[256], unacked_line[400], unacked_killed_line[400];
static size_t lost_len, partial_len, killed_len, unacked_len, unacked_killed_len;
/* Set from the moment hookd's socket took the frame's last byte until an answer line comes: hookd has
 * the whole event then, and takes it unless it refuses it or stops first, so a run ended in that state
 * says the event is not acknowledged (unacked_line), never that it is lost. */
static volatile sig_atomic_t handed;
#define MAY_STILL_TAKE "hookd takes it unless it refuses it or stops first (`hookd status` counts refusals)"
/* The inbox file being written: its directory's fd (-1: none), its own fd, the frame's size and the
 * names. The deadline's handler renames it if it is whole (renameat is async-signal-safe), so that a run
 * the deadline ends while the file is written or made durable keeps the event instead of calling it
 * lost, and removes it if it is not (part of a frame is no event; left, it would wait a minute for
 * hookd's abandoned-file rule, to be set aside). By the file's size (fstat), not a note made after the
 * write: a deadline that fires during a long write runs its handler as the write returns. */
static volatile sig_atomic_t writing_dir = -1, writing_fd = -1;
static int close_range_(unsigned int lo, unsigned int hi)
{
#ifdef SYS_close_range
    return (int)syscall(SYS_close_range, lo, hi, 0);
#else
    (void)lo, (void)hi;
    return errno = ENOSYS, -1;
#endif
}

/* Close every descriptor from 3 up but a and b, in apart_fsync_rename's child: one it kept open (a pipe
 * the agent reads to its end, a socket) held its reader until the disk answered the fsync. */
static void close_all_but(int a, int b)
{
    unsigned int lo = 3, keep[2] = {(unsigned int)(a < b ? a : b), (unsigned int)(a < b ? b : a)};
    for (int i = 0; i < 2; i++) {
        if (keep[i] < lo)
            continue;
        if (keep[i] > lo && close_range_(lo, keep[i] - 1) != 0)
            for (unsigned int n = lo; n < keep[i]; n++)
                close((int)n);
        lo = keep[i] + 1;
    }
    if (close_range_(lo, ~0U) != 0) { /* before Linux 5.9: each one up to the limit */
        struct rlimit r;
        rlim_t top = getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur != RLIM_INFINITY ? r.rlim_cur : 65536;
        for (rlim_t n = lo; n < top; n++)
            close((int)n);
    }
}

/* Set while a child process makes the whole inbox file durable and renames it (apart_fsync_rename): the
 * deadline's handler leaves the file to it rather than renaming it, which would wait for the fsync. */
static volatile sig_atomic_t renaming_apart;
static off_t writing_size;
static char whole_tmp[32], whole_name[96];

/* A place the event could not go: refused (fix says how to repair it) or a failed write (fix NULL). */
struct failure { char place[PATHCAP]; char why[PATHCAP + 200]; const char *fix; };
static const char FIX_SOCKET_DIR[] = "remove it if it is not yours, or set HOOKD_SOCKET to hookd's socket in a directory of your own";
static const char FIX_SOCKET_WAY[] =
    "set HOOKD_SOCKET (and hookd's socket setting) to a path under directories only you or root can change";
static const char FIX_INBOX_WAY[] =
    "set HOOKD_STATE_DIR (or HOOKD_SPARE_INBOX) to a path under directories only you or root can change";
static const char FIX_PEER[] = "stop that process and remove the socket, then start hookd";
static const char WHY_UNMAPPED[] =
    "your uid is not mapped in this user namespace, so hookd's process cannot be told from another user's";
static const char FIX_UNMAPPED[] =
    "run the agent outside the namespace, or map your uid into it (unshare --map-current-user; bwrap does)";
static const char FIX_REPLACE[] = "remove it and let hook-send create it";
static const char *const NO_HOME[] = {
    "(no state directory)", "HOME is not an absolute path and the password database names no home",
    "set HOOKD_STATE_DIR (and HOOKD_SOCKET) to absolute paths in the hook's command"};
static const char FIX_PRIVATE[] = "make it yours and private (chmod 700), or set HOOKD_STATE_DIR elsewhere";

static const char *errname(int e)
{
    static char other[32];
    static const struct { int code; const char *name; } names[] = {
        {ENOENT, "ENOENT"}, {ECONNREFUSED, "ECONNREFUSED"}, {EACCES, "EACCES"}, {EPERM, "EPERM"},
        {EPIPE, "EPIPE"}, {ECONNRESET, "ECONNRESET"}, {EAGAIN, "EAGAIN"}, {ENOTDIR, "ENOTDIR"},
        {EISDIR, "EISDIR"}, {ENOSPC, "ENOSPC"}, {EDQUOT, "EDQUOT"}, {EROFS, "EROFS"}, {EIO, "EIO"},
        {EEXIST, "EEXIST"}, {ELOOP, "ELOOP"}, {ENAMETOOLONG, "ENAMETOOLONG"}, {ENOTSOCK, "ENOTSOCK"},
        {EPROTOTYPE, "EPROTOTYPE"}, {EBADF, "EBADF"}, {EMFILE, "EMFILE"}, {ENFILE, "ENFILE"},
        {ENOMEM, "ENOMEM"}, {EINVAL, "EINVAL"}, {ENXIO, "ENXIO"}, {EFBIG, "EFBIG"}, {ETIMEDOUT, "ETIMEDOUT"},
        {ESTALE, "ESTALE"}, {ENOTEMPTY, "ENOTEMPTY"}, {EXDEV, "EXDEV"}, {EOVERFLOW, "EOVERFLOW"},
        {ETXTBSY, "ETXTBSY"}, {EBUSY, "EBUSY"}, {EMLINK, "EMLINK"}, {ENOLCK, "ENOLCK"}, {EFAULT, "EFAULT"},
        {EINPROGRESS, "EINPROGRESS"}, {EALREADY, "EALREADY"}, {ECONNABORTED, "ECONNABORTED"},
        {ENETDOWN, "ENETDOWN"}, {EHOSTUNREACH, "EHOSTUNREACH"}, {EADDRINUSE, "EADDRINUSE"},
        {ENOBUFS, "ENOBUFS"}, {EISCONN, "EISCONN"}, {ENOTCONN, "ENOTCONN"}, {ENOSYS, "ENOSYS"},
        {ENODEV, "ENODEV"}, {ESPIPE, "ESPIPE"}, {EILSEQ, "EILSEQ"}, {ENOTSUP, "ENOTSUP"},
        {TIMED_OUT, "TimeoutError"}, /* what the Python client names its socket timeout */
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (names[i].code == e)
            return names[i].name;
    snprintf(other, sizeof other, "errno %d", e);
    return other;
}

static void say(const char *fmt, ...)
{
    char buf[3 * PATHCAP];
    va_list ap;
    if (no_stderr)
        return;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf - 1, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n > sizeof buf - 2)
        n = sizeof buf - 2;
    buf[n++] = '\n';
    for (char *p = buf; n > 0;) {
        ssize_t w = write(2, p, (size_t)n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        p += w, n -= (int)w;
    }
}

static void exit_now(int sig)
{
    (void)sig;
    _exit(0);
}

/* The deadline's handler's line on stderr, its wait bounded (20 ms, LAST_WRITE_S in the Python client):
 * a stderr nobody reads (a full pipe, a stopped terminal) held the handler, and the hook, for ever, no
 * deadline being left to end it. SIGALRM then interrupts the write and ends the run at exit 0. */
static void last_write(const char *line, size_t len)
{
    static int armed; /* one 20 ms for all the handler's lines */
    struct sigaction now;
    struct itimerval last = {{0, 0}, {0, 20000}};
    sigset_t alarm;
    if (no_stderr || len == 0)
        return;
    if (armed++) {
        if (write(2, line, len) < 0)
            _exit(0);
        return;
    }
    memset(&now, 0, sizeof now);
    now.sa_handler = exit_now;
    sigemptyset(&now.sa_mask);
    sigaction(SIGALRM, &now, NULL);
    sigemptyset(&alarm);
    sigaddset(&alarm, SIGALRM);
    sigprocmask(SIG_UNBLOCK, &alarm, NULL); /* on_alarm runs with it blocked */
    setitimer(ITIMER_REAL, &last, NULL);
    if (write(2, line, len) < 0)
        _exit(0);
}

/* The lines that do not settle the event (a routing variable ignored, a payload replaced by its marker),
 * formatted when found and said once the event is settled (say_later_lines), or by the handler after its
 * own line when the run ends first (SIGTERM, the deadline): to a stderr that cannot take them (a pipe
 * nobody reads), said while the event was in hand, they held the hand-off until the deadline. */
static char later[2048];
static size_t later_len;
static volatile sig_atomic_t later_said; /* set before they are written: the handler does not repeat them */

static void say_later(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(later + later_len, sizeof later - later_len, fmt, ap);
    va_end(ap);
    if (n > 0 && (size_t)n < sizeof later - later_len - 1) /* whole lines only, with their newline */
        later_len += (size_t)n, later[later_len++] = '\n';
}

static void on_alarm(int sig)
{
    static const char msg[] = "hook-send: deadline reached; exiting\n";
    struct stat st;
    if (renaming_apart)
        lost_armed = 0; /* whole: the child renames it once the disk has it, as the run would have done next */
    if (writing_dir >= 0) {
        if (fstat(writing_fd, &st) == 0 && st.st_size == writing_size &&
            renameat(writing_dir, whole_tmp, writing_dir, whole_name) == 0)
            lost_armed = 0; /* written whole: kept once renamed, as the run would have done next */
        else
            unlinkat(writing_dir, whole_tmp, 0);
    }
    const char *line = handed ? (sig == SIGTERM ? unacked_killed_line : unacked_line)
                       : sig == SIGTERM ? killed_line : lost_armed == PARTIAL ? partial_line : lost_line;
    size_t len = handed ? (sig == SIGTERM ? unacked_killed_len : unacked_len)
                 : sig == SIGTERM ? killed_len : lost_armed == PARTIAL ? partial_len : lost_len;
    if (lost_armed)
        last_write(line, len);
    if (debug && sig == SIGALRM)
        last_write(msg, sizeof msg - 1);
    if (!later_said)
        last_write(later, later_len);
    _exit(0);
}

/* SIGALRM and SIGTERM blocked until release_deadline(before): what happens between and its noting happen
 * together, or the deadline's handler runs before both or after both. */
static void hold_deadline(sigset_t *before)
{
    sigset_t alarm;
    sigemptyset(&alarm);
    sigaddset(&alarm, SIGALRM);
    sigaddset(&alarm, SIGTERM);
    sigprocmask(SIG_BLOCK, &alarm, before);
}

static void release_deadline(const sigset_t *before) { sigprocmask(SIG_SETMASK, before, NULL); }

static long long now_ns(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static const char *env(const char *name) /* unset and empty are alike, as in the Python client */
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

/* The routing variables found relative (route), each said once (say_later). */
static const char *ignored_routes[4];

/* HOOKD_STATE_DIR, HOOKD_SOCKET or HOOKD_SPARE_INBOX, or NULL: a value that is not an absolute
 * path counts as unset, as relative XDG ones do. Taken relative to the hook's working directory
 * (the project's checkout) it is not where hookd looks: raw events would be kept there, never
 * swept. settings.json's env does not expand ~, so "~/x" is such a value. Said once each. */
static const char *route(const char *name)
{
    const char *v = env(name);
    if (!v || v[0] == '/')
        return v;
    for (int i = 0; i < 4; i++) {
        if (ignored_routes[i] == name)
            return NULL;
        if (!ignored_routes[i]) {
            ignored_routes[i] = name;
            say_later("hook-send: %s is not an absolute path; ignored, as if unset (settings.json's env does not "
                      "expand ~); fix: give it an absolute path",
                      name);
            break;
        }
    }
    return NULL;
}

/* min(max(int(the variable), lo), hi) of the Python client, else dflt: int() takes spaces around,
 * a sign, digits with single underscores between. */
static long long env_int(const char *name, long long dflt, long long lo, long long hi)
{
    const char *s = env(name);
    long long v = 0;
    int neg = 0, digits = 0;
    if (!s)
        return dflt;
    while (*s == ' ' || (*s >= '\t' && *s <= '\r'))
        s++;
    if (*s == '+' || *s == '-')
        neg = *s++ == '-';
    for (; *s; s++) {
        if (*s >= '0' && *s <= '9') {
            v = v > hi ? v : v * 10 + (*s - '0');
            digits++;
        } else if (*s == '_' && digits && s[1] >= '0' && s[1] <= '9') {
            continue;
        } else {
            break;
        }
    }
    while (*s == ' ' || (*s >= '\t' && *s <= '\r'))
        s++;
    if (!digits || *s)
        return dflt;
    v = neg ? -v : v;
    return v < lo ? lo : v > hi ? hi : v;
}

static int send_timeout_ms(void) { return (int)env_int("HOOKD_SEND_TIMEOUT_MS", 250, 10, 60000); }

/* The time kept from the socket phase for the inbox write, as socket_reserve_ms in the Python client:
 * max(100 ms, 20 %), at most half. The write itself takes a millisecond or two; the rest is for a
 * process the scheduler leaves waiting when its wait for hookd's answer ends (a loaded machine left one
 * 85 ms, past a 60 ms reserve: the deadline came before the inbox was opened). A file whole when the
 * deadline comes is kept by its handler, so a slow fsync needs none of it. */
static int socket_reserve_ms(int timeout)
{
    int reserve = timeout / 5 > 100 ? timeout / 5 : 100;
    return reserve < timeout / 2 ? reserve : timeout / 2;
}

/* What a payload over the limit leaves the socket after its stdin is drained: max(20 ms, 20 %), at most
 * half (stdin_share_ms in the Python client). */
static int stdin_share_ms(int timeout)
{
    int share = timeout / 5 > 20 ? timeout / 5 : 20;
    return share < timeout / 2 ? share : timeout / 2;
}

/* The largest body sent as it is: hookd's max_event_bytes, which `hookd hooks install` writes into
 * the hook command when it is not the default. Past it, stdin is not held (see read_stdin). */
static size_t max_event_bytes(void)
{
    long long hi = (long long)(((size_t)-1) / 4 < (1ULL << 40) ? ((size_t)-1) / 4 : (1ULL << 40));
    return (size_t)env_int("HOOKD_MAX_EVENT_BYTES", MAX_EVENT_BYTES, 1024, hi);
}

/* os.path.join(a, b) for a relative b; 0, or -1 (ENAMETOOLONG) */
static int join(char *out, const char *a, const char *b)
{
    size_t n = strlen(a);
    int w = snprintf(out, PATHCAP, "%s%s%s", a, (n == 0 || a[n - 1] == '/') ? "" : "/", b);
    if (w < 0 || w >= PATHCAP) {
        errno = ENAMETOOLONG;
        return -1;
    }
    return 0;
}

/* The state directory, or "" when there is no home to put it in: HOME, like a routing variable,
 * counts only as an absolute path (a relative one would keep raw events in the project's
 * checkout), else the password database's home, as the Python client's home_dir(). */
static void state_dir(char *out)
{
    const char *v = route("HOOKD_STATE_DIR"), *xdg = getenv("XDG_STATE_HOME"), *home = route("HOME");
    out[0] = 0;
    if (v) {
        snprintf(out, PATHCAP, "%s", v);
        return;
    }
    if (xdg && xdg[0] == '/') { /* relative XDG paths are to be ignored */
        join(out, xdg, "hookd");
        return;
    }
    if (!home) {
        struct passwd *pw = getpwuid(getuid());
        home = pw && pw->pw_dir && pw->pw_dir[0] == '/' ? pw->pw_dir : NULL;
    }
    if (home)
        join(out, home, ".local/state/hookd");
}

/* The socket, or "" when there is neither HOOKD_SOCKET, XDG_RUNTIME_DIR nor a state directory. */
static void socket_path(char *out, const char *state)
{
    const char *v = route("HOOKD_SOCKET"), *xdg = getenv("XDG_RUNTIME_DIR");
    out[0] = 0;
    if (v)
        snprintf(out, PATHCAP, "%s", v);
    else if (xdg && xdg[0] == '/')
        join(out, xdg, "hookd/hookd.sock");
    else if (state[0])
        join(out, state, "run/hookd.sock");
}

/* The percent-encoded length of s: bytes 0x21..0x7E but '%' go as they are. */
static size_t pct_len(const char *s)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        n += (*p > 0x20 && *p < 0x7F && *p != '%') ? 1 : 3;
    return n;
}

static size_t add_item(char *head, size_t len, const char *key, const char *value)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t klen = strlen(key);
    if (!value || !*value || len + klen + pct_len(value) >= HEADER_MAX)
        return len;
    memcpy(head + len, key, klen);
    len += klen;
    for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
        if (*p > 0x20 && *p < 0x7F && *p != '%') {
            head[len++] = (char)*p;
        } else {
            head[len++] = '%';
            head[len++] = hex[*p >> 4];
            head[len++] = hex[*p & 15];
        }
    }
    return len;
}

static void handoff_id(char out[17])
{
    unsigned char r[8];
    ssize_t got = -1;
#if defined(__linux__) || defined(__APPLE__)
    if (getentropy(r, sizeof r) == 0) /* one system call, where /dev/urandom takes three */
        got = (ssize_t)sizeof r;
#endif
    int fd = got < 0 ? open("/dev/urandom", O_RDONLY | O_CLOEXEC) : -1;
    if (fd >= 0) {
        got = read(fd, r, sizeof r);
        close(fd);
    }
    if (got != (ssize_t)sizeof r) { /* no entropy at all: the clock and pid still make it unique */
        unsigned long long x = (unsigned long long)now_ns(CLOCK_REALTIME) ^ ((unsigned long long)getpid() << 40);
        for (int i = 0; i < 8; i++)
            r[i] = (unsigned char)(x >> (8 * i));
    }
    for (int i = 0; i < 8; i++)
        snprintf(out + 2 * i, 3, "%02x", r[i]);
}

/* One read of stdin, waiting on a non-blocking one (the deadline ends a stuck one) -> bytes, 0 at
 * its end, -1 and errno on an error. */
static ssize_t read_in(char *buf, size_t n)
{
    for (;;) {
        ssize_t r = read(0, buf, n);
        if (r >= 0 || (errno != EAGAIN && errno != EINTR))
            return r;
        if (errno == EAGAIN) {
            struct pollfd p = {0, POLLIN, 0};
            poll(&p, 1, -1);
        }
    }
}

/* stdin up to limit + 1 bytes, or an empty body (debug note) if it cannot be read or held; *size: how
 * many were read. A size over limit says the event is over hookd's limit: the body then holds only its
 * first PREFIX_BYTES and the rest is not held, as all of a runaway or hostile stdin would take the
 * machine's memory by the deadline. */
static char *read_stdin(size_t limit, size_t *len, size_t *size)
{
    struct stat st;
    size_t cap = 65536, n = 0;
    if (fstat(0, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 && (unsigned long long)st.st_size < limit)
        cap = (size_t)st.st_size + 1;
    cap = cap < limit + 1 ? cap : limit + 1;
    char *buf = malloc(cap);
    int err = buf ? 0 : ENOMEM;
    while (!err && n <= limit) {
        if (n == cap) {
            size_t want = cap < (limit + 1) / 2 ? cap * 2 : limit + 1;
            char *more = realloc(buf, want);
            if (!more) {
                err = ENOMEM;
                break;
            }
            buf = more, cap = want;
        }
        ssize_t r = read_in(buf + n, cap - n);
        if (r > 0)
            n += (size_t)r, lost_armed = PARTIAL;
        else if (r == 0)
            break;
        else
            err = errno;
    }
    if (err) {
        if (debug)
            say("hook-send: cannot read stdin (%s); sending an empty event", errname(err));
        n = 0;
    }
    *size = n;
    *len = n <= limit ? n : n < PREFIX_BYTES ? n : PREFIX_BYTES;
    if (n > limit && *len < cap) { /* the rest is not held while stdin is drained */
        char *less = realloc(buf, *len);
        buf = less ? less : buf;
    }
    return buf ? buf : (char *)"";
}

/* Read stdin to its end, holding none of it, until the monotonic `until` -> bytes read; *ended: whether
 * it ended. The writer sees its event taken rather than a broken pipe, and the marker gets the size. */
static unsigned long long drain(long long until, int *ended)
{
    static char sink[65536];
    unsigned long long seen = 0;
    *ended = 0;
    long long left;
    while ((left = until - now_ns(CLOCK_MONOTONIC)) > 0) {
        /* Waits no later than until: a writer that stopped without closing held the read past it,
         * and the deadline then ended the run with the marker neither handed over nor kept. */
        struct pollfd p = {0, POLLIN, 0};
        int ready = poll(&p, 1, (int)(left / 1000000 + 1));
        if (ready < 0 && errno == EINTR)
            continue;
        if (ready == 0)
            break;
        ssize_t r = read_in(sink, sizeof sink);
        if (r <= 0) {
            *ended = r == 0;
            break;
        }
        seen += (unsigned long long)r;
    }
    return seen;
}

/* The value of "key" in a payload's first bytes when it is a plain word (at most 128 of A-Z a-z 0-9
 * _ . -), into out -> its length, else 0. A key inside a JSON string is escaped (\"key\") and not found. */
static size_t prefix_value(const char *head, size_t n, const char *key, char *out)
{
    size_t klen = strlen(key), i, at;
    for (at = 0; at + klen + 2 <= n; at++)
        if (head[at] == '"' && memcmp(head + at + 1, key, klen) == 0 && head[at + klen + 1] == '"')
            break;
    if (at + klen + 2 > n)
        return 0;
    i = at + klen + 2;
    while (i < n && strchr(" \t\r\n", head[i]) && head[i])
        i++;
    if (i >= n || head[i++] != ':')
        return 0;
    while (i < n && strchr(" \t\r\n", head[i]) && head[i])
        i++;
    if (i >= n || head[i++] != '"')
        return 0;
    size_t start = i;
    while (i < n && i - start <= 128 && head[i] != '"') {
        char c = head[i++];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
              c == '-'))
            return 0;
    }
    if (i >= n || head[i] != '"' || i == start || i - start > 128)
        return 0;
    memcpy(out, head + start, i - start);
    return i - start;
}

/* The body handed on in place of one over hookd's limit: what can be said of it unheld -> its length. */
static size_t too_large_marker(char *out, size_t cap, const char *head, size_t n, unsigned long long size, int ended,
                               size_t limit)
{
    static const char *const keys[] = {"hook_event_name", "session_id"};
    char value[129];
    size_t len = 0;
    out[len++] = '{';
    for (int k = 0; k < 2; k++) {
        size_t v = prefix_value(head, n, keys[k], value);
        if (v)
            len += (size_t)snprintf(out + len, cap - len, "\"%s\":\"%.*s\",", keys[k], (int)v, value);
    }
    len += (size_t)snprintf(out + len, cap - len,
                            "\"hookd_withheld\":{\"reason\":\"too_large\",\"bytes\":%llu,\"stdin_ended\":%s,"
                            "\"max_event_bytes\":%llu,\"why\":\"the payload was over max_event_bytes, so hook-send "
                            "did not keep it\"}}",
                            size, ended ? "true" : "false", (unsigned long long)limit);
    return len < cap ? len : cap - 1;
}

/* Why a directory with this (l)stat cannot be trusted, into why (0), or 1 if it can: ours, a directory,
 * not writable by others. */
static int trusted(const struct stat *st, char *why, size_t cap)
{
    const char *w;
    if (S_ISLNK(st->st_mode))
        w = "a symbolic link";
    else if (!S_ISDIR(st->st_mode))
        w = "not a directory";
    else if (st->st_uid != getuid())
        w = "owned by another user";
    else if (st->st_mode & 022)
        w = "writable by other users";
    else
        return 1;
    snprintf(why, cap, "%s (owner uid %ld, mode 0%03o)", w, (long)st->st_uid, (unsigned)(st->st_mode & 07777));
    return 0;
}

/* os.path.dirname as the Python client takes it: what is before the last '/', else "/" or "." */
static void dirname_of(char *out, const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(out, PATHCAP, ".");
    else if (slash == path)
        snprintf(out, PATHCAP, "/");
    else
        snprintf(out, PATHCAP, "%.*s", (int)(slash - path), path);
}

/* Whether gid is our primary group and ours alone (hookd's trust.private_group): a directory it can write
 * is then writable by no one else (user private groups, umask 002). Read only for such a directory. */
static int private_group(gid_t gid)
{
    struct passwd *pw;
    struct group *gr;
    char me[256];
    int alone = 1;
    if (gid != getgid() || !(pw = getpwuid(getuid())) || snprintf(me, sizeof me, "%s", pw->pw_name) >= (int)sizeof me)
        return 0;
    if (!(gr = getgrgid(gid)) || strcmp(gr->gr_name, me) != 0)
        return 0;
    for (char **m = gr->gr_mem; *m; m++)
        if (strcmp(*m, me) != 0)
            return 0;
    setpwent();
    while (alone && (pw = getpwent()))
        alone = !(pw->pw_gid == gid && pw->pw_uid != getuid());
    endpwent();
    return alone;
}

/* Whether the POSIX access ACL of `path` (a link not followed) lets a user other than ours, or a group other
 * than `gid`, write it (as acl_lets_others_write in hook_send.py): with an ACL, the mode's group bits are its
 * mask, so a directory that reads as writable by our private group alone (setfacl -m u:someone:rwx) is
 * writable by every user and group the ACL names. 0 where there is no ACL, or no ACLs to read (macOS's are
 * not read). The xattr's format is the kernel's: a 4-byte version (2), then 8-byte entries, little-endian. */
static int acl_lets_others_write(const char *path, gid_t gid)
{
#ifdef __linux__
    /* The most any xattr holds (XATTR_SIZE_MAX): an ACL of any length the kernel keeps (tmpfs and XFS hold
     * up to 8,191 entries), so a long one is judged by its entries, not refused as unreadable (ERANGE). */
    static unsigned char acl[65536];
    ssize_t n = lgetxattr(path, "system.posix_acl_access", acl, sizeof acl);
    if (n < 0) /* none, a file system without them, or gone (what comes next fails on its own) */
        return !(errno == ENODATA || errno == ENOTSUP || errno == EOPNOTSUPP || errno == ENOENT);
    if (n < 4 || (n - 4) % 8 || acl[0] != 2 || acl[1] || acl[2] || acl[3])
        return 1; /* not the kernel's format: what it grants cannot be told */
    unsigned mask = 7;
    for (ssize_t i = 4; i < n; i += 8)
        if ((acl[i] | acl[i + 1] << 8) == 0x10) /* ACL_MASK */
            mask = acl[i + 2];
    for (ssize_t i = 4; i < n; i += 8) {
        unsigned tag = acl[i] | acl[i + 1] << 8, perm = acl[i + 2];
        unsigned long who = acl[i + 4] | acl[i + 5] << 8 | (unsigned long)acl[i + 6] << 16 | (unsigned long)acl[i + 7] << 24;
        if ((perm & mask & 2) && ((tag == 0x02 && who != (unsigned long)getuid()) || (tag == 0x08 && who != (unsigned long)gid)))
            return 1; /* ACL_USER, ACL_GROUP */
    }
    return 0;
#else
    (void)path;
    (void)gid;
    return 0;
#endif
}

/* Why `dir` (`st`, its lstat) above a path of ours lets another user change that path, or NULL. */
static const char *open_parent(const struct stat *st, const char *dir)
{
    if (st->st_uid != getuid() && st->st_uid != 0)
        return "another user owns";
    if ((st->st_mode & S_ISVTX) || !(st->st_mode & 022)) /* sticky (/tmp): only a name's owner can move it */
        return NULL;
    if ((st->st_mode & 002) || !private_group(st->st_gid))
        return "other users can write";
    return acl_lets_others_write(dir, st->st_gid) ? "other users can write (a POSIX ACL names them)" : NULL;
}

static void inside(char *why, size_t cap, const char *directory, const struct stat *st, const char *w)
{
    snprintf(why, cap, "inside %s (owner uid %ld, mode 0%03o), which %s", directory, (long)st->st_uid,
             (unsigned)(st->st_mode & 07777), w);
}

/* Whether another user could rename or swap `path` by way of what is above it (hookd's own rule,
 * trust.check_ancestors, as the Python client's unsafe_way): 1 if not, else 0 and why. Every directory a
 * name is looked up in to reach `path` (links followed one at a time, as the kernel does) must be ours or
 * root's and not writable by others unless sticky; every link followed must be ours or root's. `path`
 * itself is the caller's to judge; a missing part ends the walk (it is made in a directory judged). */
static int safe_way(const char *path, char *why, size_t cap)
{
    char current[PATHCAP], rest[2 * PATHCAP], next[2 * PATHCAP], name[PATHCAP], candidate[PATHCAP], target[PATHCAP];
    struct stat st, info;
    const char *w, *p;
    int links = 0;
    size_t n;
    ssize_t t;
    dirname_of(rest, path);
    snprintf(current, sizeof current, "/");
    if (lstat("/", &st) != 0)
        return 1;
    for (;;) {
        for (p = rest; *p == '/'; p++)
            ;
        if (!*p) /* resolved: the last name, `path`'s own, is looked up in current */
            return (w = open_parent(&st, current)) == NULL ? 1 : (inside(why, cap, current, &st, w), 0);
        n = strcspn(p, "/");
        if (n >= sizeof name)
            break;
        memcpy(name, p, n);
        name[n] = 0;
        memmove(rest, p + n, strlen(p + n) + 1);
        if (strcmp(name, ".") == 0)
            continue;
        if (strcmp(name, "..") == 0) { /* looks up nothing another user can change: not judged, as by hookd */
            dirname_of(candidate, current);
            snprintf(current, sizeof current, "%s", candidate);
            if (lstat(current, &st) != 0)
                return 1;
            continue;
        }
        if ((w = open_parent(&st, current)) != NULL) /* a name is looked up in current */
            return inside(why, cap, current, &st, w), 0;
        if (join(candidate, current, name) != 0)
            break;
        if (lstat(candidate, &info) != 0)
            return 1; /* missing: made in current, judged above */
        if (S_ISLNK(info.st_mode)) {
            if (info.st_uid != getuid() && info.st_uid != 0) {
                snprintf(why, cap, "reached through the symbolic link %s (owner uid %ld), which another user owns",
                         candidate, (long)info.st_uid);
                return 0;
            }
            if (++links > 40)
                break;
            if ((t = readlink(candidate, target, sizeof target - 1)) < 0) {
                snprintf(why, cap, "reached through the symbolic link %s, which cannot be read (%s)", candidate,
                         errname(errno));
                return 0;
            }
            target[t] = 0;
            if (snprintf(next, sizeof next, "%s/%s", target, rest) >= (int)sizeof next)
                break;
            memcpy(rest, next, sizeof rest);
            if (target[0] == '/') {
                snprintf(current, sizeof current, "/");
                if (lstat("/", &st) != 0)
                    return 1;
            }
            continue;
        }
        if (!S_ISDIR(info.st_mode))
            return 1; /* not a directory on the way: what comes next fails on its own */
        memcpy(current, candidate, sizeof current);
        st = info;
    }
    snprintf(why, cap, "reached through too many symbolic links, or too long a way to judge");
    return 0;
}

/* mkdir -p, every directory it creates 0700 */
static int makedirs(const char *path)
{
    if (mkdir(path, 0700) == 0 || errno == EEXIST)
        return 0;
    if (errno != ENOENT)
        return -1;
    char parent[PATHCAP];
    size_t n = strlen(path);
    while (n > 0 && path[n - 1] == '/')
        n--;
    while (n > 0 && path[n - 1] != '/')
        n--;
    while (n > 1 && path[n - 1] == '/')
        n--;
    if (n == 0 || n >= sizeof parent || (n == 1 && path[0] == '/')) {
        errno = ENOENT;
        return -1;
    }
    memcpy(parent, path, n);
    parent[n] = 0;
    if (makedirs(parent) != 0)
        return -1;
    return mkdir(path, 0700) == 0 || errno == EEXIST ? 0 : -1;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -1;
        p += w, n -= (size_t)w;
    }
    return 0;
}

#define NOT_APART (-2)
/* fsync the whole file fd and rename tmp to name in dirfd, both in a child process waited for -> 0 (renamed,
 * the event settled), an errno (tmp left to the caller), or NOT_APART (no child: the caller does both).
 * A filesystem that holds the fsync (a FUSE or network mount, a device that stalls) held the caller in a
 * wait no signal ends, and a rename by the deadline's handler waits as long (the kernel holds the file's
 * inode lock through a FUSE fsync): the hook ran for as long as the disk took. The wait for the child
 * ends at the deadline; the child finishes on its own, its stdio on /dev/null so that nobody waits for it,
 * and renames the file even if its fsync fails once the run is gone, as the handler did. As
 * apart_fsync_rename in the Python client. */
static int apart_fsync_rename(int fd, int dirfd, const char *tmp, const char *name)
{
    sigset_t before;
    pid_t parent = getpid();
    int status;
    /* SIGCHLD ignored, as a parent may leave it across exec: the child is reaped unseen, and waitpid says
     * ECHILD for a child that did its work (an event kept twice, and called lost). */
    signal(SIGCHLD, SIG_DFL);
    hold_deadline(&before); /* the child takes no signal but SIGKILL: every other one is blocked in it */
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR), e;
        for (int i = 0; i < 3 && null >= 0; i++)
            if (i != fd && i != dirfd) /* as in the Python client, where one left closed may be the file */
                dup2(null, i);
        close_all_but(fd, dirfd);
        e = fsync(fd) == 0 ? 0 : errno;
        if (e && getppid() == parent)
            _exit(e & 0xff ? e & 0xff : EIO);
        e = renameat(dirfd, tmp, dirfd, name) == 0 ? 0 : errno;
        _exit(e & 0xff ? e & 0xff : e ? EIO : 0);
    }
    if (pid > 0) {
        writing_dir = -1;
        renaming_apart = 1;
    }
    release_deadline(&before);
    if (pid < 0)
        return NOT_APART;
    int waited;
    while ((waited = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
        ;
    int e = waited < 0 ? EIO : WIFEXITED(status) ? WEXITSTATUS(status) : EIO;
    hold_deadline(&before); /* no "lost" for a kept event */
    renaming_apart = 0;
    if (!e)
        lost_armed = 0;
    release_deadline(&before);
    return e;
}

static void fail(struct failure *f, const char *place, const char *why, const char *fix)
{
    snprintf(f->place, sizeof f->place, "%s", place);
    snprintf(f->why, sizeof f->why, "%s", why);
    f->fix = fix;
}

/* Open the directory `path` (made 0700 with its parents if missing), or `name` in dirfd (made 0700),
 * without following a link, and only if it is trusted -> fd; else -1 and *f filled. */
static int open_trusted(const char *path, const char *name, int dirfd, struct failure *f)
{
    char where[PATHCAP], why[200];
    struct stat st;
    int fd, e;
    if ((name ? join(where, path, name) : snprintf(where, sizeof where, "%s", path) >= (int)sizeof where) != 0)
        return fail(f, path, errname(ENAMETOOLONG), NULL), -1;
    if ((name ? mkdirat(dirfd, name, 0700) : makedirs(path)) != 0 && errno != EEXIST)
        return fail(f, where, errname(errno), NULL), -1;
    if (!name && !safe_way(path, f->why, sizeof f->why)) /* after the made parents: those are judged too */
        return snprintf(f->place, sizeof f->place, "%s", where), f->fix = FIX_INBOX_WAY, -1;
    fd = name ? openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
              : open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) { /* ELOOP: a symbolic link; ENOTDIR: a file */
        e = errno;
        if (lstat(where, &st) != 0)
            return fail(f, where, errname(e), NULL), -1;
        if (trusted(&st, why, sizeof why))
            snprintf(why, sizeof why, "%s", errname(e));
        return fail(f, where, why, FIX_REPLACE), -1;
    }
    if (fstat(fd, &st) != 0) {
        e = errno;
        close(fd);
        return fail(f, where, errname(e), NULL), -1;
    }
    if (!trusted(&st, why, sizeof why)) {
        close(fd);
        return fail(f, where, why, FIX_PRIVATE), -1;
    }
    return fd;
}

/* Create the temporary file `tmp` in dirfd and hold its lock (a POSIX record lock) until it is renamed -> fd,
 * or -1 and errno. hookd takes a temporary file as abandoned (its writer died) only when it can lock it, so a
 * clock set forward cannot make a file being written look old. hookd moves an abandoned one away while it
 * holds the lock: one moved between the create and the lock is no longer at its name, and is made again. */
static int open_locked(int dirfd, const char *tmp)
{
    for (int i = 0; i < 3; i++) {
        struct flock lock = {0};
        struct stat mine, named;
        int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
            return -1;
        lock.l_type = F_WRLCK;
        lock.l_whence = SEEK_SET;
        while (fcntl(fd, F_SETLKW, &lock) != 0 && errno == EINTR)
            ; /* any other failure: no locks on this filesystem (ENOLCK), where hookd goes by the file's age */
        if (fstat(fd, &mine) == 0 && fstatat(dirfd, tmp, &named, AT_SYMLINK_NOFOLLOW) == 0 &&
            mine.st_dev == named.st_dev && mine.st_ino == named.st_ino)
            return fd;
        close(fd);
    }
    errno = EEXIST;
    return -1;
}

/* Note in the state directory (open at base_fd) which socket this run could not reach and why (as the
 * Python client's mark_missed): a hookd running on another socket gets the event only at its next inbox
 * sweep, and `hookd status` reads the mark to say so with the repair. Best effort. */
static void mark_missed(int base_fd, const char *sock, const char *detail)
{
    struct stat info;
    char line[2 * PATHCAP + 1300];
    int fd, n, flags = O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK;
    /* Written over in place, padded to 512 bytes (MARK_SIZE in the Python client): ext4 flushes a file
     * truncated and written again at its close, about 1.5 ms per kept event. */
    /* O_NONBLOCK: a FIFO there would hold the open until the deadline; only a regular file is written */
    fd = openat(base_fd, "hook-send-missed", flags, 0600);
    if (fd >= 0 && fstat(fd, &info) == 0 && S_ISREG(info.st_mode) && (info.st_nlink != 1 || info.st_uid != getuid())) {
        /* Written over in place: another name (a hard link) would have its file written over too. The
         * mark gets a file of its own; the other name keeps what it held. */
        close(fd);
        fd = unlinkat(base_fd, "hook-send-missed", 0) == 0 ? openat(base_fd, "hook-send-missed", flags | O_EXCL, 0600) : -1;
    }
    n = snprintf(line, sizeof line, "%s\n%s\n", sock, detail);
    if (fd >= 0) {
        if (n > 0 && (size_t)n < sizeof line && fstat(fd, &info) == 0 && S_ISREG(info.st_mode)) {
            while (n < 512 && (size_t)n < sizeof line - 1)
                line[n++] = ' ';
            (void)write_all(fd, line, (size_t)n);
        }
        close(fd);
    }
}

/* Write the frame to <base>/<sub>/ (or <base>/) via a temporary file -> 0 and its path in `saved`,
 * or -1 and *f filled. With mark_sock, the missed socket (and mark_detail) is noted in base once the
 * file is kept, through the fd this write opened: the state directory is opened once per run. */
static int write_inbox(const char *base, const char *sub, const char *head, size_t hlen, const char *body,
                       size_t blen, const char *name, const char *id, char *saved, struct failure *f,
                       const char *mark_sock, const char *mark_detail)
{
    char box[PATHCAP], tmp[32];
    int base_fd, box_fd, fd, bad, err = 0;
    if (sub ? join(box, base, sub) != 0 : snprintf(box, sizeof box, "%s", base) >= (int)sizeof box)
        return fail(f, base, errname(ENAMETOOLONG), NULL), -1;
    if ((base_fd = open_trusted(base, NULL, -1, f)) < 0) /* a failed write is named by the inbox's path */
        return f->fix ? -1 : (snprintf(f->place, sizeof f->place, "%s", box), -1);
    box_fd = base_fd;
    if (sub && (box_fd = open_trusted(base, sub, base_fd, f)) < 0) {
        close(base_fd);
        return f->fix ? -1 : (snprintf(f->place, sizeof f->place, "%s", box), -1);
    }
    snprintf(tmp, sizeof tmp, ".tmp-%s", id);
    sigset_t before;
    hold_deadline(&before); /* from its creation on, the deadline's handler knows the file */
    fd = open_locked(box_fd, tmp);
    err = fd < 0 ? errno : 0;
    if (fd >= 0 && snprintf(whole_name, sizeof whole_name, "%s", name) < (int)sizeof whole_name) {
        memcpy(whole_tmp, tmp, sizeof whole_tmp);
        writing_fd = fd;
        writing_size = (off_t)(hlen + blen);
        __asm__ __volatile__("" ::: "memory"); /* all in place before the handler can see the directory */
        writing_dir = box_fd;
    }
    release_deadline(&before);
    if (fd >= 0) {
        const char *fs = getenv("HOOKD_INBOX_FSYNC");
        int sync = !fs || strcmp(fs, "0") != 0, apart = NOT_APART;
        bad = write_all(fd, head, hlen) != 0 || write_all(fd, body, blen) != 0;
        if (!bad && sync && (apart = apart_fsync_rename(fd, box_fd, tmp, name)) == NOT_APART)
            bad = fsync(fd) != 0;
        err = bad ? errno : apart == NOT_APART ? 0 : apart;
        if (!err && apart == NOT_APART) { /* the deadline is held off between the rename and noting it */
            hold_deadline(&before);
            writing_dir = -1;
            if (renameat(box_fd, tmp, box_fd, name) != 0)
                err = errno;
            else
                lost_armed = 0;
            release_deadline(&before);
        }
        if (err)
            unlinkat(box_fd, tmp, 0);
        writing_dir = -1; /* after the unlink: a deadline before it settles the file itself */
        close(fd); /* after the rename: the close ends the lock */
    }
    if (box_fd != base_fd)
        close(box_fd);
    if (!err && fd >= 0 && mark_sock)
        mark_missed(base_fd, mark_sock, mark_detail);
    close(base_fd);
    if (err || join(saved, box, name) != 0)
        return fail(f, box, errname(err ? err : ENAMETOOLONG), NULL), -1;
    return 0;
}

/* Wait for fd to be ready until the monotonic deadline (at least 1 ms, as the Python client) -> 1, or 0 */
static int wait_fd(int fd, short events, long long deadline)
{
    for (;;) {
        long long left = (deadline - now_ns(CLOCK_MONOTONIC) + 999999) / 1000000;
        struct pollfd p = {fd, events, 0};
        int r = poll(&p, 1, left < 1 ? 1 : left > 60000 ? 60000 : (int)left);
        if (r > 0)
            return 1;
        if (r == 0 || errno != EINTR)
            return 0;
    }
}

static int peer_uid(int fd, uid_t *uid)
{
#if defined(__linux__)
    int cred[3]; /* struct ucred {pid, uid, gid}, without _GNU_SOURCE */
    socklen_t len = sizeof cred;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, cred, &len) != 0 || len < sizeof cred)
        return -1;
    *uid = (uid_t)cred[1];
    return 0;
#else
    gid_t gid;
    return getpeereid(fd, uid, &gid);
#endif
}

#if defined(__linux__)
/* A small /proc file's text, NUL-ended; -1 if it cannot be read. */
static ssize_t proc_read(const char *path, char *buf, size_t cap)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, cap - 1);
    close(fd);
    if (n >= 0)
        buf[n] = 0;
    return n;
}
#endif

/* Whether `uid`, as this process sees it, may be any of several users: in a Linux user namespace that
 * does not map every uid, each unmapped uid (another user's, and ours when ours is unmapped) reads as
 * the overflow uid, in a peer's credentials as in a file's owner. As uid_stands_for_many in hook_send.py. */
static int uid_stands_for_many(uid_t uid)
{
#if defined(__linux__)
    char buf[4096];
    if (proc_read("/proc/self/uid_map", buf, sizeof buf) < 0)
        return uid == 65534; /* no /proc: unmapped reads as the default */
    unsigned long long mapped = 0;
    for (char *line = buf; *line;) {
        unsigned long long inside, outside, count;
        if (sscanf(line, "%llu %llu %llu", &inside, &outside, &count) == 3)
            mapped += count;
        char *next = strchr(line, '\n');
        if (!next)
            break;
        line = next + 1;
    }
    if (mapped >= 0xFFFFFFFFULL)
        return 0; /* every uid mapped (the initial namespace): each one names one user */
    if (proc_read("/proc/sys/kernel/overflowuid", buf, 32) <= 0)
        return uid == 65534;
    return (unsigned long long)uid == strtoull(buf, NULL, 10);
#else
    (void)uid;
    return 0; /* no user namespaces */
#endif
}

/* Python's repr() of the answer's first line (at most 200 bytes), decoded as UTF-8 with replacement. */
static void quote(char *out, size_t cap, const unsigned char *s, size_t n)
{
    char q = memchr(s, '\'', n) && !memchr(s, '"', n) ? '"' : '\'';
    size_t o = 0;
    out[o++] = q;
    for (size_t i = 0; i < n && o + 12 < cap; i++) {
        unsigned c = s[i];
        size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        int ok = len > 0 && i + len <= n;
        for (size_t k = 1; ok && k < len; k++)
            ok = (s[i + k] & 0xC0) == 0x80;
        if (c == '\\' || c == (unsigned)q)
            o += (size_t)snprintf(out + o, cap - o, "\\%c", c);
        else if (c == '\t' || c == '\r' || c == '\n')
            o += (size_t)snprintf(out + o, cap - o, "\\%c", c == '\t' ? 't' : c == '\r' ? 'r' : 'n');
        else if (c < 0x20 || c == 0x7F || (c == 0xC2 && ok && s[i + 1] < 0xA0))
            o += (size_t)snprintf(out + o, cap - o, "\\x%02x", c == 0xC2 ? s[++i] : c);
        else if (c < 0x80)
            out[o++] = (char)c;
        else if (ok)
            memcpy(out + o, s + i, len), o += len, i += len - 1;
        else
            memcpy(out + o, "\xef\xbf\xbd", 3), o += 3;
    }
    out[o++] = q;
    out[o] = 0;
}

/* Hand header + body to the daemon at `path` by the monotonic `deadline`. */
static int answer_outcome(const char *buf, size_t got);

static int send_frame(const char *path, const char *head, size_t hlen, const char *body, size_t blen,
                      long long deadline, char *detail, size_t dcap, struct failure *refused)
{
    char dir[PATHCAP], buf[4097], why[200];
    struct stat st;
    struct sockaddr_un addr;
    size_t got = 0, plen = strlen(path);
    int fd = -1, send_err = 0, err = 0, eof = 0;
    dirname_of(dir, path);
    if (lstat(dir, &st) == 0 && !trusted(&st, why, sizeof why)) { /* connect() fails on its own if it is missing */
        fail(refused, dir, why, FIX_SOCKET_DIR);
        snprintf(detail, dcap, "refused");
        return REFUSED;
    }
    if (lstat(dir, &st) == 0 && !safe_way(dir, refused->why, sizeof refused->why)) {
        snprintf(refused->place, sizeof refused->place, "%s", dir);
        refused->fix = FIX_SOCKET_WAY;
        snprintf(detail, dcap, "refused");
        return REFUSED;
    }
    memset(&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    if (plen >= sizeof addr.sun_path) {
        err = ENAMETOOLONG;
        goto unreachable;
    }
    memcpy(addr.sun_path, path, plen);
    if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0) {
        err = errno;
        goto unreachable;
    }
    fcntl(fd, F_SETFD, FD_CLOEXEC);
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
        int e = errno;
        socklen_t len = sizeof e;
        if (e != EINPROGRESS && e != EINTR)
            err = e;
        else if (!wait_fd(fd, POLLOUT, deadline))
            err = TIMED_OUT;
        else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len) != 0 || e != 0)
            err = e ? e : errno;
        if (err)
            goto unreachable;
    }
    uid_t uid;
    int known = peer_uid(fd, &uid) == 0 && !uid_stands_for_many(uid);
    if (!known || uid != getuid()) { /* not a byte to another user's process */
        close(fd);
        const char *fix = FIX_PEER;
        if (known)
            snprintf(why, sizeof why, "the process listening on it is not yours (peer uid %ld)", (long)uid);
        else if (uid_stands_for_many(getuid()))
            snprintf(why, sizeof why, "%s", WHY_UNMAPPED), fix = FIX_UNMAPPED;
        else
            snprintf(why, sizeof why, "the peer's uid cannot be read (peer uid None)");
        fail(refused, path, why, fix);
        snprintf(detail, dcap, "refused");
        return REFUSED;
    }
    struct iovec iov[2] = {{(void *)head, hlen}, {(void *)body, blen}};
    struct iovec *v = iov;
    int nv = blen ? 2 : 1;
    while (nv > 0) {
        /* Each writev (non-blocking) with the deadline held, so that `handed` is set in the same moment
         * as the frame's last byte leaves; the waits for room (wait_fd) leave the deadline free. */
        sigset_t before;
        hold_deadline(&before);
        ssize_t w = writev(fd, v, nv);
        int e = errno;
        if (w >= 0) {
            while (nv > 0 && (size_t)w >= v->iov_len)
                w -= (ssize_t)v->iov_len, v++, nv--;
            if (nv > 0)
                v->iov_base = (char *)v->iov_base + w, v->iov_len -= (size_t)w;
            else
                handed = 1;
        }
        release_deadline(&before);
        if (w < 0 && e == EINTR)
            continue;
        if (w < 0 && e == EAGAIN) {
            if (wait_fd(fd, POLLOUT, deadline))
                continue;
            send_err = TIMED_OUT;
            break;
        }
        if (w < 0) { /* the daemon may have answered and closed early (too_large): read on */
            send_err = e;
            break;
        }
    }
    while (got < 4096 && !memchr(buf, '\n', got)) {
        if (!wait_fd(fd, POLLIN, deadline)) {
            err = TIMED_OUT;
            break;
        }
        /* The deadline is held off from the read until an answer that settles the event is noted:
         * never "lost" for an event hookd has just acknowledged. The socket is non-blocking, so the
         * hold lasts a recv(); the wait for the answer (wait_fd above) stays open to the deadline. */
        sigset_t before;
        hold_deadline(&before);
        ssize_t n = recv(fd, buf + got, 4096 - got, 0);
        int e = errno;
        if (n > 0) {
            got += (size_t)n;
            if (memchr(buf, '\n', got))
                handed = 0; /* answered: the answer says what became of the event */
            if (memchr(buf, '\n', got) && answer_outcome(buf, got) != RETRY)
                lost_armed = 0;
        }
        release_deadline(&before);
        if (n == 0) {
            eof = 1;
            break;
        }
        if (n < 0 && e != EINTR && e != EAGAIN) {
            err = e;
            break;
        }
    }
    close(fd);
    fd = -1;
    if (!got && !eof) {
        err = send_err ? send_err : err;
        goto unreachable;
    }
    char *nl = memchr(buf, '\n', got);
    size_t line = nl ? (size_t)(nl - buf) : got;
    char q[1024];
    quote(q, sizeof q, (unsigned char *)buf, line < 200 ? line : 200);
    if (got)
        snprintf(detail, dcap, "answered %s", q);
    else
        snprintf(detail, dcap, "gave no reply");
    return answer_outcome(buf, got);
unreachable:
    if (fd >= 0)
        close(fd);
    snprintf(detail, dcap, "unreachable (%s)", errname(err));
    return RETRY;
}

/* DELIVERED for an OK line, REJECTED for a final ERR, else RETRY (no whole line yet, or another
 * answer); as the Python client's _outcome(). */
static int answer_outcome(const char *buf, size_t got)
{
    const char *nl = memchr(buf, '\n', got);
    if (!nl)
        return RETRY;
    size_t line = (size_t)(nl - buf);
    /* bytes.split(): words are separated by runs of ASCII whitespace */
    const char *ws = " \t\n\r\v\f", *w1 = buf, *end = buf + line;
    while (w1 < end && strchr(ws, *w1) && *w1)
        w1++;
    size_t l1 = 0;
    while (w1 + l1 < end && !(w1[l1] && strchr(ws, w1[l1])))
        l1++;
    if (l1 == 2 && memcmp(w1, "OK", 2) == 0)
        return DELIVERED;
    if (l1 != 3 || memcmp(w1, "ERR", 3) != 0)
        return RETRY;
    const char *w2 = w1 + l1;
    while (w2 < end && *w2 && strchr(ws, *w2))
        w2++;
    size_t l2 = 0;
    while (w2 + l2 < end && !(w2[l2] && strchr(ws, w2[l2])))
        l2++;
    for (int i = 0; FINAL[i]; i++)
        if (l2 == strlen(FINAL[i]) && memcmp(w2, FINAL[i], l2) == 0)
            return REJECTED;
    return RETRY;
}

/* The spare inbox, for when the inbox cannot be written or trusted: base, made with its parents,
 * and sub inside it (or none); 0 if there is none. */
static int spare_inbox(char *base, const char **sub)
{
    const char *v = route("HOOKD_SPARE_INBOX"), *xdg = getenv("XDG_RUNTIME_DIR");
    struct stat st;
    *sub = NULL;
    if (v)
        return snprintf(base, PATHCAP, "%s", v), 1;
    *sub = "inbox";
    if (xdg && xdg[0] == '/')
        return join(base, xdg, "hookd") == 0;
    if (stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode))
        return snprintf(base, PATHCAP, "/dev/shm/hookd-%ld", (long)getuid()), 1;
    return 0;
}

/* Block every signal but the deadline's (SIGALRM) and the faults'. A terminal's ^C (SIGINT)
 * or hang-up (SIGHUP) reaches the whole process group, hook-send included, and killed it mid-hand-off:
 * the event gone, nothing said, a status by signal. A read of a terminal from a background group
 * (SIGTTIN) stopped it for good, where the deadline cannot end it. Blocked, the run goes on to its end,
 * which the deadline bounds anyway, a terminal read fails (EIO) and a write past `ulimit -f` fails
 * (EFBIG) instead. As hook_send.py's _block_signals; blocked rather than ignored: one system call. */
static void block_signals(void)
{
    /* SIGTERM too, until main has set its handler: one that came before found the default, a death by
     * it rather than exit 0 (as hook_send.py's _term_held). */
    static const int keep[] = {SIGALRM, SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP, SIGSYS};
    sigset_t set;
    sigfillset(&set);
    for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++)
        sigdelset(&set, keep[i]);
    sigprocmask(SIG_BLOCK, &set, NULL);
}

static void usage(void)
{
    fputs("usage: hook-send [EVENT] < event.json\n\n"
          "Hands one Claude Code hook event (read from stdin) to hookd over its Unix socket, or\n"
          "keeps it in the inbox for hookd to take later. Installed as a command hook by\n"
          "`hookd hooks install`. Never writes to stdout, always exits 0, gives up after\n"
          "HOOKD_SEND_TIMEOUT_MS (default 250).\n\n"
          "environment: HOOKD_SOCKET, HOOKD_STATE_DIR, HOOKD_SPARE_INBOX, XDG_RUNTIME_DIR,\n"
          "XDG_STATE_HOME, HOME, HOOKD_SEND_TIMEOUT_MS, HOOKD_INBOX_FSYNC=0, HOOKD_DEBUG=1,\n"
          "CLAUDE_PROJECT_DIR (sent with the event)\n", stdout);
}

/* The lines that do not settle the event, said once it is (as the Python client's _say_later_lines). */
static void say_later_lines(void)
{
    later_said = 1;
    if (!no_stderr && later_len)
        (void)write_all(2, later, later_len);
}

static void hand_over(const char *hook, long long start, int timeout, size_t limit);

/* Read the event, send it, or keep it in the inbox; say only what must be said. */
static void run(const char *hook, long long start, int timeout)
{
    size_t limit = max_event_bytes();
    hand_over(hook, start, timeout, limit);
    lost_armed = 0; /* settled: the deadline, if it ends the lines below, has nothing to add */
    say_later_lines();
}

static void hand_over(const char *hook, long long start, int timeout, size_t limit)
{
    char state[PATHCAP], sock[PATHCAP], final[PATHCAP], spare[PATHCAP];
    char head[HEADER_MAX + 64], id[17], name[96], detail[1200];
    const char *sub;
    int reserve = socket_reserve_ms(timeout), share = stdin_share_ms(timeout);
    size_t blen, size;
    char *body = read_stdin(limit, &blen, &size), marker[640];
    lost_armed = 1; /* from here a stall of stdin loses an event that is known to be there */
    const char *withheld = NULL;
    if (size > limit) {
        int ended;
        unsigned long long seen =
            size + drain(start + (long long)(timeout - reserve - share) * 1000000LL, &ended);
        blen = too_large_marker(marker, sizeof marker, body, blen, seen, ended, limit);
        free(body);
        body = NULL;
        withheld = "too_large";
        say_later("hook-send: event over HOOKD_MAX_EVENT_BYTES=%llu (%llu bytes%s): its payload dropped, a too_large "
                  "marker handed on in its place; fix: raise max_event_bytes in hookd's settings, then run `hookd "
                  "hooks install`",
                  (unsigned long long)limit, seen, ended ? "" : " read, stdin not ended");
    }
    const char *sent_body = body ? body : marker;
    long long sent = now_ns(CLOCK_REALTIME);
    handoff_id(id);
    int hlen = snprintf(head, sizeof head, "HOOKD/1 %zu sent=%lld pid=%ld ppid=%ld id=%s", blen, sent,
                        (long)getpid(), (long)getppid(), id);
    /* withheld before hook and project, whose length could leave no room for it */
    size_t len = add_item(head, (size_t)hlen, " withheld=", withheld);
    len = add_item(head, len, " hook=", hook);
    len = add_item(head, len, " project=", env("CLAUDE_PROJECT_DIR"));
    head[len++] = '\n';

    state_dir(state);
    socket_path(sock, state);
    struct failure refused = {"", "", NULL}, failures[2];
    int outcome = RETRY; /* no socket: keep it, and the inbox's failure says why */
    if (sock[0])
        outcome = send_frame(sock, head, len, sent_body, blen, start + (long long)(timeout - reserve) * 1000000LL,
                             detail, sizeof detail, &refused);
    else
        snprintf(detail, sizeof detail, "none (no state directory)");
    if (outcome == DELIVERED || outcome == REJECTED) {
        lost_armed = 0;
        if (debug)
            say("hook-send: daemon at %s %s; event %s", sock, detail,
                outcome == DELIVERED ? "delivered" : "rejected, not saved");
        free(body);
        return;
    }
    /* The inbox, else the spare inbox: as the Python client's keep() */
    snprintf(name, sizeof name, "%020lld-%ld-%s.hookd", sent, (long)getpid(), id);
    int nfail = 0, saved = 0;
    if (!state[0])
        fail(&failures[nfail], NO_HOME[0], NO_HOME[1], NO_HOME[2]);
    if (state[0] && write_inbox(state, "inbox", head, len, sent_body, blen, name, id, final, &failures[nfail],
                                sock[0] ? sock : NULL, detail) == 0)
        saved = 1;
    else if (nfail++, !spare_inbox(spare, &sub))
        fail(&failures[nfail++], "(no spare inbox)", "none found", NULL);
    else if (write_inbox(spare, sub, head, len, sent_body, blen, name, id, final, &failures[nfail], NULL, NULL) == 0)
        saved = 1;
    else
        nfail++;
    free(body);
    lost_armed = 0; /* kept, or said below */
    char kept[PATHCAP + 20];
    snprintf(kept, sizeof kept, saved ? "event kept in %s" : "event not kept", final);
    struct failure *lines[2];
    int nlines = 0;
    if (outcome == REFUSED)
        lines[nlines++] = &refused;
    if (saved && nfail)
        lines[nlines++] = &failures[0];
    for (int i = 0; i < nlines; i++) {
        if (lines[i]->fix)
            say("hook-send: refused %s: %s; %s; fix: %s", lines[i]->place, lines[i]->why, kept, lines[i]->fix);
        else
            say("hook-send: cannot write to %s (%s); %s", lines[i]->place, lines[i]->why, kept);
    }
    if (!saved && handed) /* hookd has all of it and gave no answer: not known to be lost */
        say("hook-send: event not acknowledged and not kept: hookd was handed all of it and did not answer in "
            "time, and no inbox could keep it (%s: %s; %s: %s); " MAY_STILL_TAKE,
            failures[0].place, failures[0].why, failures[1].place, failures[1].why);
    else if (!saved)
        say("hook-send: event lost: %s: %s; %s: %s", failures[0].place, failures[0].why, failures[1].place,
            failures[1].why);
    if (saved && debug)
        say("hook-send: daemon at %s %s; event saved to %s %s (the socket given %d ms of %d, the inbox %d)", sock,
            detail, nfail ? "spare inbox" : "inbox", final, timeout - reserve, timeout, reserve);
}

int main(int argc, char **argv)
{
    long long start = now_ns(CLOCK_MONOTONIC);
    signal(SIGPIPE, SIG_IGN); /* before --version too: its answer to a closed pipe was a death by SIGPIPE */
    block_signals();
    if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "--version") == 0)) {
        /* A person asking, but a stdout nobody reads (a full pipe) held it for ever: the deadline
         * bounds this too, its handler then exiting 0 with nothing to say. SIGTERM ends it as the
         * deadline does: held since block_signals, it was held until the deadline. */
        signal(SIGALRM, on_alarm);
        signal(SIGTERM, on_alarm);
        int ms = send_timeout_ms();
        struct itimerval answer = {{0, 0}, {ms / 1000, (ms % 1000) * 1000}};
        setitimer(ITIMER_REAL, &answer, NULL);
        sigset_t held;
        sigemptyset(&held);
        sigaddset(&held, SIGTERM);
        sigprocmask(SIG_UNBLOCK, &held, NULL);
        if (argv[1][2] == 'h')
            usage();
        else
            fputs("hook-send (native) " HOOK_SEND_SOURCE_ID ", client contract v2, protocol HOOKD/1\n", stdout);
        return 0;
    }
    /* It holds the raw payload, secrets and all (hookd redacts it): a crash must not write it to
     * a core file, in the project's checkout (core_pattern "core") or the system's store. */
    struct rlimit no_core = {0, 0};
    setrlimit(RLIMIT_CORE, &no_core);
    for (int fd = 0; fd < 3; fd++) /* a closed 0-2 would be reused by the socket or a file */
        if (fcntl(fd, F_GETFD) < 0 && errno == EBADF && open("/dev/null", fd ? O_WRONLY : O_RDONLY) != fd)
            no_stderr |= fd == 2; /* then stderr could be the socket or an inbox file: stay silent */
    const char *dbg = getenv("HOOKD_DEBUG");
    debug = dbg && strcmp(dbg, "1") == 0;
    int timeout = send_timeout_ms();
    int n = snprintf(lost_line, sizeof lost_line,
                     "hook-send: event lost: deadline reached (HOOKD_SEND_TIMEOUT_MS=%d) before hookd acknowledged"
                     " the event or an inbox kept it; fix: raise HOOKD_SEND_TIMEOUT_MS, or find what made this run slow\n",
                     timeout);
    lost_len = n > 0 && (size_t)n < sizeof lost_line ? (size_t)n : 0;
    n = snprintf(partial_line, sizeof partial_line,
                 "hook-send: event lost: deadline reached (HOOKD_SEND_TIMEOUT_MS=%d) while its stdin was still open,"
                 " part of the event read; fix: find what held the hook's stdin open, or raise HOOKD_SEND_TIMEOUT_MS\n",
                 timeout);
    partial_len = n > 0 && (size_t)n < sizeof partial_line ? (size_t)n : 0;
    n = snprintf(killed_line, sizeof killed_line,
                 "hook-send: event lost: ended by SIGTERM (Claude Code's hook timeout) before hookd acknowledged the"
                 " event or an inbox kept it; fix: find what made this run slow, or keep HOOKD_SEND_TIMEOUT_MS under the"
                 " hook's timeout\n");
    killed_len = n > 0 && (size_t)n < sizeof killed_line ? (size_t)n : 0;
    n = snprintf(unacked_line, sizeof unacked_line,
                 "hook-send: event not acknowledged: deadline reached (HOOKD_SEND_TIMEOUT_MS=%d) after hookd was handed"
                 " all of it, before it answered or an inbox kept it; " MAY_STILL_TAKE "; fix: raise"
                 " HOOKD_SEND_TIMEOUT_MS, or find what made hookd slow to answer\n",
                 timeout);
    unacked_len = n > 0 && (size_t)n < sizeof unacked_line ? (size_t)n : 0;
    n = snprintf(unacked_killed_line, sizeof unacked_killed_line,
                 "hook-send: event not acknowledged: ended by SIGTERM (Claude Code's hook timeout) after hookd was"
                 " handed all of it, before it answered or an inbox kept it; " MAY_STILL_TAKE "; fix: find what made"
                 " this run slow, or keep HOOKD_SEND_TIMEOUT_MS under the hook's timeout\n");
    unacked_killed_len = n > 0 && (size_t)n < sizeof unacked_killed_line ? (size_t)n : 0;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGALRM); /* one handler at a time: the other waits for its _exit */
    sigaddset(&sa.sa_mask, SIGTERM);
    sigaction(SIGALRM, &sa, NULL);
    /* Claude Code ends a hook at its timeout with SIGTERM: the run then ends as at the deadline. */
    sigaction(SIGTERM, &sa, NULL);
    struct itimerval it = {{0, 0}, {timeout / 1000, (timeout % 1000) * 1000}};
    setitimer(ITIMER_REAL, &it, NULL);
    sigset_t term;
    sigemptyset(&term);
    sigaddset(&term, SIGTERM);
    sigprocmask(SIG_UNBLOCK, &term, NULL); /* one that came since the start ends the run now, at exit 0 */
    run(argc > 1 ? argv[1] : NULL, start, timeout);
    return 0;
}
