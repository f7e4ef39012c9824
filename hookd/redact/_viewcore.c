/* The redaction view's decoding (hookd/redact/view.py) in C: the same matches as view.py's _EDIT
 * regex, the same edits as its _edit, in one pass over the str's own storage (any kind: ASCII,
 * latin-1, UCS-2, UCS-4), with no Python object per match. view.py stays the reference and the
 * fallback; tests/test_redact_view_core.py checks the two agree and runs this file under
 * AddressSanitizer and UndefinedBehaviorSanitizer.
 *
 * Input is hostile (any event's text, inside the daemon): every read goes through AT(), which is
 * only given an index checked against n first (built with -DVIEWCORE_BOUNDS, AT aborts on any
 * other, including the index of the str's NUL terminator that ASan cannot see). The scan never
 * moves backwards: a run of backslashes is counted once and stepped over whole, a joint is read at
 * most 84 characters ahead, a line's prefix within its line (a log's at most 1,572 characters), an escape 5 past its run, an ESC sequence at most 260 past its ESC (an OSC 8's
 * parameters; never past a backslash or a control character, so two never overlap) or a terminator's
 * run of backslashes, and the view is never longer than the text:
 * linear time, no recursion, memory bounded by the input. A raw invisible character (view.py's
 * INVISIBLE) is one character dropped, a raw space (SPACES) one read as a space; decode() then copies its
 * answer once into the narrowest kind.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <limits.h>
#include <string.h>

#define MAX_LEVEL 4 /* view.py's MAX_LEVEL: the payload and three levels of JSON text in its strings */
#define JOINT_SIDE 8 /* spaces, tabs and escaped \n \t on each side of a joint's + */
#define IMPLICIT_INDENT 40 /* the indentation after an implicit joint's newline (view.py's _IMPLICIT) */
#ifndef VIEWCORE_NARROW_MAX /* the longest text whose map is in C ints (the sanitizer test lowers it) */
#define VIEWCORE_NARROW_MAX INT_MAX
#endif

#ifdef VIEWCORE_BOUNDS
static Py_UCS4 checked_read(int kind, const void *data, Py_ssize_t n, Py_ssize_t i) {
    if (i < 0 || i >= n) {
        fprintf(stderr, "viewcore: read at %zd of %zd\n", i, n);
        abort();
    }
    return PyUnicode_READ(kind, data, i);
}
#define AT(i) checked_read(kind, data, n, (i))
#else
#define AT(i) PyUnicode_READ(kind, data, (i))
#endif

enum what { KEEP, QUOTE, CHAR, JOINT, DROP, LINE };

typedef struct {
    Py_ssize_t end;     /* where the match ends in the text */
    Py_ssize_t edit_at; /* where its edit starts: the match's start, or after an escape's literal backslashes */
    enum what what;     /* KEEP: the match stays as it is; QUOTE: \" ; CHAR: ch ; JOINT, DROP: nothing;
                         * LINE: a line break of a level, `level` backslashes and n */
    Py_UCS4 ch;
    Py_ssize_t level;
    int raw; /* a raw character wider than ASCII (a Read tool's arrow) dropped with a line's prefix */
} match_t;

static int hex_value(Py_UCS4 c) {
    if (c >= '0' && c <= '9') return (int)(c - '0');
    if (c >= 'A' && c <= 'F') return (int)(c - 'A' + 10);
    if (c >= 'a' && c <= 'f') return (int)(c - 'a' + 10);
    return -1;
}

/* view.py's INVISIBLE: the characters that print as nothing, which the view drops */
static inline int is_invisible(Py_UCS4 c) {
    if (c >= 0x200B && c <= 0x2069)
        return c <= 0x200F || (c >= 0x202A && c <= 0x202E) || (c >= 0x2060 && c != 0x2065);
    return c == 0xAD || c == 0x34F || c == 0x61C || c == 0x180E || c == 0xFEFF;
}

/* view.py's SPACES: a no-break or other Unicode space, read as a space */
static inline int is_space(Py_UCS4 c) {
    return c == 0xA0 || (c >= 0x2000 && c <= 0x200A) || c == 0x202F || c == 0x3000;
}

/* view.py's FULLWIDTH: a fullwidth letter, digit, _ + - . or /, read as its ASCII character */
static inline int is_fullwidth(Py_UCS4 c) {
    if (c < 0xFF0B || c > 0xFF5A) return 0;
    return c == 0xFF0B || (c >= 0xFF0D && c <= 0xFF19) || (c >= 0xFF21 && c <= 0xFF3A) || c == 0xFF3F || c >= 0xFF41;
}
#define FULLWIDTH_OFFSET 0xFEE0

/* view.py's _CONTROL_HEX: a control character read as a space (not a tab, a line break or ESC) */
static inline int is_control(int code) {
    return code < 0x20 && code != 0x09 && code != 0x0A && code != 0x0D && code != 0x1B;
}

/* The code of the escape whose u is at j: \u00[2-7]X, a control character's (is_control), an invisible one's (as view.py's
 * INVISIBLE_HEX, in either case), a space's (is_space) or a fullwidth form's (is_fullwidth), else -1. */
static inline int escape_code(int kind, const void *data, Py_ssize_t n, Py_ssize_t j) {
    if (j + 4 >= n) return -1;
    int code = 0;
    for (Py_ssize_t k = 1; k <= 4; k++) {
        int digit = hex_value(AT(j + k));
        if (digit < 0) return -1;
        code = code * 16 + digit;
    }
    return (code >= 0x20 && code <= 0x7F) || is_control(code) || is_invisible((Py_UCS4)code) || is_space((Py_UCS4)code) ||
                   is_fullwidth((Py_UCS4)code)
               ? code
               : -1;
}

static int is_word(Py_UCS4 c) { /* [A-Za-z0-9_] */
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

static int is_alnum(Py_UCS4 c) { /* [A-Za-z0-9] */
    return c != '_' && is_word(c);
}

/* The letter or digit before i ends an escape (\n, \u00a0): view.py's _ESCAPE_END */
static int escape_end(int kind, const void *data, Py_ssize_t n, Py_ssize_t i) {
    if (i >= 2 && AT(i - 2) == '\\') return 1;
    if (i < 6 || AT(i - 6) != '\\' || AT(i - 5) != 'u') return 0;
    for (Py_ssize_t k = i - 4; k < i; k++) {
        Py_UCS4 c = AT(k);
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return 0;
    }
    return 1;
}

/* The letter before i is a short option's (-p, after no [A-Za-z0-9_-]): view.py's _OPTION_END */
static int option_end(int kind, const void *data, Py_ssize_t n, Py_ssize_t i) {
    (void)n;
    if (i < 2 || AT(i - 2) != '-') return 0;
    Py_UCS4 c = AT(i - 1);
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) return 0;
    return i < 3 || !(is_word(AT(i - 3)) || AT(i - 3) == '-');
}

/* view.py's _CSI from k (the '['; never a marker's, [REDACTED:, nor one with intermediates whose final begins a
 * word): [0-?]{0,32}[ !#-/]{0,4}[@-\[\]-~]; where it ends, or -1. The three sets are disjoint, so taking each run
 * greedily is the regex's one way to match. */
static inline Py_ssize_t csi(int kind, const void *data, Py_ssize_t n, Py_ssize_t k) {
    if (k >= n || AT(k) != '[') return -1;
    static const char marker[] = "REDACTED:";
    Py_ssize_t m = 0;
    while (marker[m] && k + 1 + m < n && AT(k + 1 + m) == (Py_UCS4)marker[m]) m++;
    if (!marker[m]) return -1;
    k++;
    for (int c = 0; c < 32 && k < n && AT(k) >= 0x30 && AT(k) <= 0x3F; c++) k++;
    Py_ssize_t intermediates = k;
    for (int c = 0; c < 4 && k < n && AT(k) >= 0x20 && AT(k) <= 0x2F && AT(k) != '"'; c++) k++;
    if (k > intermediates && k + 1 < n && is_word(AT(k + 1))) return -1;
    if (k < n && AT(k) >= 0x40 && AT(k) <= 0x7E && AT(k) != '\\') return k + 1;
    return -1;
}

/* view.py's _OSC from k (the ']'): 8;[^;\x00-\x1f"\\]{0,256}; or [0-9]{1,4}; ; where it ends, or -1. */
static inline Py_ssize_t osc(int kind, const void *data, Py_ssize_t n, Py_ssize_t k) {
    if (k >= n || AT(k) != ']') return -1;
    k++;
    if (k + 1 < n && AT(k) == '8' && AT(k + 1) == ';') {
        Py_ssize_t p = k + 2;
        for (int c = 0; c < 256 && p < n; c++, p++) {
            Py_UCS4 ch = AT(p);
            if (ch == ';' || ch < 0x20 || ch == '"' || ch == '\\') break;
        }
        if (p < n && AT(p) == ';') return p + 1;
    }
    Py_ssize_t p = k;
    for (int c = 0; c < 4 && p < n && AT(p) >= '0' && AT(p) <= '9'; c++) p++;
    if (p > k && p < n && AT(p) == ';') return p + 1;
    return -1;
}

static inline Py_ssize_t numbered(int kind, const void *data, Py_ssize_t n, Py_ssize_t k, int *raw);

/* Up to `most` of [ \t] or \\t from i: where they end, and how many in *count. */
static inline Py_ssize_t indent(int kind, const void *data, Py_ssize_t n, Py_ssize_t i, int most, int *count) {
    int k = 0;
    for (; k < most && i < n; k++) {
        Py_UCS4 c = AT(i);
        if (c == ' ' || c == '\t') {
            i += 1;
        } else if (c == '\\' && i + 1 < n && AT(i + 1) == 't') {
            i += 2;
        } else {
            break;
        }
    }
    *count = k;
    return i;
}

/* view.py's _NEXT_PREFIX, from i: the next line's prefix in a joint, a number and an escaped tab or arrow, a diff's
 * marker before a space or a tab, or both; where it ends (i: none). */
static inline Py_ssize_t joint_prefix(int kind, const void *data, Py_ssize_t n, Py_ssize_t i) {
    int raw = 0;
    Py_ssize_t end = numbered(kind, data, n, i, &raw);
    if (end >= 0 && !raw && AT(end - 1) != '\t') i = end;
    if (i + 1 < n && (AT(i) == '+' || AT(i) == '-') &&
        (AT(i + 1) == ' ' || AT(i + 1) == '\t' || (i + 2 < n && AT(i + 1) == '\\' && AT(i + 2) == 't')))
        return i + 1;
    return i;
}

/* view.py's _PATCH_BREAK from i: a string's end, a comma (a space), the next string's opening quote and a diff's
 * marker (+, a space, -): where it ends, or -1. */
static inline Py_ssize_t patch_break(int kind, const void *data, Py_ssize_t n, Py_ssize_t i) {
    if (i + 1 >= n || AT(i) != '"' || AT(i + 1) != ',') return -1;
    i += 2;
    if (i < n && AT(i) == ' ') i++;
    if (i + 1 >= n || AT(i) != '"' || (AT(i + 1) != '+' && AT(i + 1) != ' ' && AT(i + 1) != '-')) return -1;
    return i + 2;
}

/* Up to JOINT_SIDE of [ \t], \\[rt], \\n (and the next line's prefix and indentation) or a patch's next line
 * from i: where they end. */
static inline Py_ssize_t joint_side(int kind, const void *data, Py_ssize_t n, Py_ssize_t i) {
    int count;
    for (int k = 0; k < JOINT_SIDE && i < n; k++) {
        Py_UCS4 c = AT(i);
        if (c == ' ' || c == '\t') {
            i += 1;
        } else if (c == '\\' && i + 1 < n && (AT(i + 1) == 'r' || AT(i + 1) == 't')) {
            i += 2;
        } else if (c == '\\' && i + 1 < n && AT(i + 1) == 'n') {
            i = indent(kind, data, n, joint_prefix(kind, data, n, i + 2), IMPLICIT_INDENT, &count);
        } else if (c == '\\' && i + 3 < n && AT(i + 1) == '\\' && AT(i + 2) == '\\' && AT(i + 3) == 'n') {
            /* a line's continuation: an escaped backslash, then \\n */
            i = indent(kind, data, n, joint_prefix(kind, data, n, i + 4), IMPLICIT_INDENT, &count);
        } else if (c == '\\' && i + 1 < n && AT(i + 1) == '\\' && patch_break(kind, data, n, i + 2) >= 0) {
            i = indent(kind, data, n, patch_break(kind, data, n, i + 2), IMPLICIT_INDENT, &count); /* or a patch's */
        } else if (c == '"' && patch_break(kind, data, n, i) >= 0) {
            i = indent(kind, data, n, patch_break(kind, data, n, i), IMPLICIT_INDENT, &count);
        } else {
            break;
        }
    }
    return i;
}

/* _IMPLICIT from i: an escaped newline (after a line's continuation, or a CR; the next line's prefix after it), the
 * next line's indentation (implicit concatenation of adjacent literals across lines, in Python or C); where it
 * ends, or -1. */
static inline Py_ssize_t implicit(int kind, const void *data, Py_ssize_t n, Py_ssize_t i) {
    int count;
    Py_ssize_t p = i;
    for (int k = 0; k < 8 && p < n && (AT(p) == ' ' || AT(p) == '\t'); k++) p++;
    if (p + 1 < n && AT(p) == '\\' && AT(p + 1) == '\\' &&
        ((p + 3 < n && AT(p + 2) == '\\' && AT(p + 3) == 'n') || patch_break(kind, data, n, p + 2) >= 0)) {
        i = p + 2; /* a line's continuation: spaces, an escaped backslash */
    } else if (i + 3 < n && AT(i) == '\\' && AT(i + 1) == 'r' && AT(i + 2) == '\\' && AT(i + 3) == 'n') {
        i += 2;
    }
    Py_ssize_t patch = patch_break(kind, data, n, i);
    if (patch >= 0) {
        i = patch;
    } else {
        if (i + 1 >= n || AT(i) != '\\' || AT(i + 1) != 'n') return -1;
        i = joint_prefix(kind, data, n, i + 2);
    }
    i = indent(kind, data, n, i, IMPLICIT_INDENT, &count);
    return count ? i : -1;
}

/* _JOINT or _IMPLICIT, then the closing character `close` (preceded by a backslash when `escaped`), from i:
 * where the match ends, or -1. Each side is taken greedily: backtracking cannot help, as what may follow a
 * side (+, the closing quote or its backslash and quote) is never a side's character where it would stand,
 * and _IMPLICIT, holding no +, ends before any + the joint's side reaches. */
static inline Py_ssize_t joint(int kind, const void *data, Py_ssize_t n, Py_ssize_t i, int escaped, Py_UCS4 close) {
    Py_ssize_t side = joint_side(kind, data, n, i);
    if (side < n && AT(side) == '+') {
        i = joint_side(kind, data, n, side + 1);
    } else if (side > i && side < n && AT(side) == '.') { /* . or .., a side of at least one on each side */
        Py_ssize_t dot = side + 1 < n && AT(side + 1) == '.' ? side + 2 : side + 1;
        i = joint_side(kind, data, n, dot);
        if (i == dot) return -1;
    } else {
        i = implicit(kind, data, n, i);
        if (i < 0) return -1;
    }
    if (escaped) {
        if (i >= n || AT(i) != '\\') return -1;
        i += 1;
    }
    if (i >= n || AT(i) != close) return -1;
    return i + 1;
}

/* view.py's _WS: ASCII whitespace (is_space is view.py's SPACES) */
static inline int is_ws(Py_UCS4 c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static inline int is_digit(Py_UCS4 c) { return c >= '0' && c <= '9'; }

/* view.py's _PATH's characters: [A-Za-z0-9_.~@+-] */
static inline int is_path(Py_UCS4 c) {
    return is_word(c) || c == '.' || c == '~' || c == '@' || c == '+' || c == '-';
}

/* Digits from k, counted up to 8 (one past the regexes' 7) */
static inline int digits(int kind, const void *data, Py_ssize_t n, Py_ssize_t k) {
    int d = 0;
    while (d < 8 && k + d < n && is_digit(AT(k + d))) d++;
    return d;
}

/* view.py's _NUMBERED from k: cat -n's number (padded to six) and a tab, or a number and an arrow; where it
 * ends, or -1; *raw set when the arrow is a raw one (a character wider than ASCII dropped). */
static inline Py_ssize_t numbered(int kind, const void *data, Py_ssize_t n, Py_ssize_t k, int *raw) {
    int s = 0;
    while (s < 7 && k + s < n && AT(k + s) == ' ') s++;
    int d = digits(kind, data, n, k + s);
    Py_ssize_t p = k + s + d;
    if (d >= 1 && ((s + d == 6) || (s == 0 && d == 7))) {
        if (p < n && AT(p) == '\t') return p + 1;
        if (p + 1 < n && AT(p) == '\\' && AT(p + 1) == 't') return p + 2;
    }
    if (s <= 6 && d >= 1 && d <= 7) {
        if (p < n && AT(p) == 0x2192) {
            *raw = 1;
            return p + 1;
        }
        if (p + 5 < n && AT(p) == '\\' && AT(p + 1) == 'u' && AT(p + 2) == '2' && AT(p + 3) == '1' &&
            AT(p + 4) == '9' && AT(p + 5) == '2')
            return p + 6;
    }
    return -1;
}

/* view.py's _GREP from k: path:N: or path: (a path with a slash; before two spaces, a tab or a character that
 * is no space, slash or colon); where it ends, or -1. A path's components are
 * read whole: the characters after one are a slash, a colon or no match, so the regex has no other way. */
static inline Py_ssize_t grep_prefix(int kind, const void *data, Py_ssize_t n, Py_ssize_t k) {
    Py_ssize_t p = k;
    int c = 0, parts = 0;
    while (c <= 64 && p < n && is_path(AT(p))) p++, c++;
    while (c <= 64 && parts <= 16 && p < n && AT(p) == '/') {
        p++;
        parts++;
        for (c = 0; c <= 64 && p < n && is_path(AT(p)); c++) p++;
        if (c == 0) c = 65; /* an empty component: no match */
    }
    if (c <= 64 && parts >= 1 && parts <= 16 && p < n && AT(p) == ':') {
        p++;
        int d = digits(kind, data, n, p);
        if (d >= 1 && d <= 7 && p + d < n && AT(p + d) == ':') return p + d + 1;
        if (p + 1 < n && AT(p) == ' ' && AT(p + 1) == ' ') return p;
        if (p < n && (AT(p) == '\t' || (!is_ws(AT(p)) && AT(p) != '/' && AT(p) != ':'))) return p;
    }
    return -1;
}

/* lineprefix.py's _MARKER_UNIT at k (the '['): a redaction's marker, [REDACTED:[a-z0-9_]{1,64}], read as one unit;
 * its length, or 1 (the '[' alone). */
static Py_ssize_t __attribute__((noinline, cold)) redacted_length(int kind, const void *data, Py_ssize_t n, Py_ssize_t k) {
    static const char head[] = "[REDACTED:";
    Py_ssize_t p = k;
    for (int i = 0; head[i]; i++, p++)
        if (p >= n || AT(p) != (Py_UCS4)head[i]) return 1;
    int c = 0;
    for (; c <= 64 && p < n; c++, p++) {
        Py_UCS4 ch = AT(p);
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_')) break;
    }
    if (c < 1 || c > 64 || p >= n || AT(p) != ']') return 1;
    return p + 1 - k;
}

/* view.py's _MARKER from k (after a line break, a listing's prefix, or in_string: after a string's opening
 * quote, where a - wants a space, : or = after it): a diff's + or -, a comment's or a quote's mark; where it
 * ends, or -1. The alternatives in the regex's order. */
static inline Py_ssize_t marker(int kind, const void *data, Py_ssize_t n, Py_ssize_t k, int in_string) {
    if (k >= n) return -1;
    Py_UCS4 c = AT(k), next = k + 1 < n ? AT(k + 1) : 0;
    if (c == '+' && (k + 1 >= n || next != '+')) return k + 1 < n && next == ' ' ? k + 2 : k + 1;
    if (c == '-') {
        int minus = 0;
        if (k + 2 < n && next == ' ' && AT(k + 2) == ' ') {
            minus = 1;
        } else if (k + 1 >= n) {
            minus = 1;
        } else if (next != '-' && !is_ws(next)) {
            int letter = (next >= 'A' && next <= 'Z') || (next >= 'a' && next <= 'z');
            Py_ssize_t q = k + 2;
            int option = letter && (q >= n || is_ws(AT(q)) || AT(q) == '=' || AT(q) == '"' ||
                                    (AT(q) == '\\' && q + 1 < n && (AT(q + 1) == 'n' || AT(q + 1) == 't')));
            minus = !option;
        }
        if (minus && in_string) { /* a space, : or = on the first line, after at most 200 characters, escapes or markers */
            minus = 0;
            Py_ssize_t q = k + 1;
            for (int units = 0; units <= 200 && q < n; units++) {
                Py_UCS4 ch = AT(q);
                if (ch == ' ' || ch == ':' || ch == '=') {
                    minus = 1;
                    break;
                }
                if (ch == '"' || ch == '\n' || ch == '\r') break;
                if (ch == '\\') {
                    if (q + 1 >= n || AT(q + 1) == 'n' || AT(q + 1) == 'r') break; /* the first line's end */
                    q += 2;
                } else {
                    q += ch == '[' ? redacted_length(kind, data, n, q) : 1;
                }
            }
        }
        if (minus) return k + 1;
    }
    /* (?:#|//|;|--|>) and a space */
    Py_ssize_t mark = (c == '#' || c == ';' || c == '>') ? 1 : ((c == '/' || c == '-') && next == c) ? 2 : 0;
    if (mark && k + mark < n && AT(k + mark) == ' ') return k + mark + 1;
    return -1;
}

/* logprefix.py's LOG_PREFIX: a log line's prefix, field by field, each alternative in the regex's order. Every
 * quantifier there is possessive and every group atomic, so reading each run whole (at most its bound; the
 * character after a run's bound is never what the regex wants next) is the regex's one way to match. */
enum { RUN_NAME, RUN_TAG, RUN_K8S, RUN_K8S_LAST, RUN_WORD, RUN_PACKAGE, RUN_ALPHA, RUN_LOWER };
static inline int in_run(int set, Py_UCS4 c) {
    int alnum = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || is_digit(c);
    switch (set) {
    case RUN_NAME: /* [A-Za-z0-9_.-] */
        return alnum || c == '_' || c == '.' || c == '-';
    case RUN_TAG: /* [A-Za-z0-9_./-] */
        return alnum || c == '_' || c == '.' || c == '/' || c == '-';
    case RUN_K8S: /* [a-z0-9.-] */
        return (c >= 'a' && c <= 'z') || is_digit(c) || c == '.' || c == '-';
    case RUN_K8S_LAST: /* [a-z0-9-] */
        return (c >= 'a' && c <= 'z') || is_digit(c) || c == '-';
    case RUN_PACKAGE: /* [a-z0-9_] */
        return (c >= 'a' && c <= 'z') || is_digit(c) || c == '_';
    case RUN_ALPHA: /* [A-Za-z] */
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
    case RUN_LOWER: /* [a-z] */
        return c >= 'a' && c <= 'z';
    default: /* [A-Za-z0-9_] */
        return alnum || c == '_';
    }
}

/* A run of `set` from k, read possessively: its length, at most `most`. */
static inline Py_ssize_t run_of(int kind, const void *data, Py_ssize_t n, Py_ssize_t k, int set, Py_ssize_t most) {
    Py_ssize_t r = 0;
    while (r < most && k + r < n && in_run(set, AT(k + r))) r++;
    return r;
}

static inline Py_ssize_t digit_run(int kind, const void *data, Py_ssize_t n, Py_ssize_t k, Py_ssize_t most) {
    Py_ssize_t r = 0;
    while (r < most && k + r < n && is_digit(AT(k + r))) r++;
    return r;
}

/* The ASCII text s at k (case-insensitive: fold, s in upper case), or not */
static inline int text_at(int kind, const void *data, Py_ssize_t n, Py_ssize_t k, const char *s, int fold) {
    for (; *s; s++, k++) {
        if (k >= n) return 0;
        Py_UCS4 c = AT(k);
        if (fold && c >= 'a' && c <= 'z') c -= 32;
        if (c != (Py_UCS4)*s) return 0;
    }
    return 1;
}

static inline int char_at(int kind, const void *data, Py_ssize_t n, Py_ssize_t k, Py_UCS4 c) {
    return k < n && AT(k) == c;
}

/* _LEVELS: a level's word from k, the longest first as the alternation reads it; its length, or 0 */
static const char *const LEVELS[] = {"TRACE", "DEBUG",    "INFO", "NOTICE", "WARNING", "WARN",   "ERROR", "ERR",
                                     "CRITICAL", "CRIT", "FATAL", "ALERT", "EMERG", "SEVERE", "FINE", NULL};
static inline Py_ssize_t level_word(int kind, const void *data, Py_ssize_t n, Py_ssize_t k, int fold) {
    Py_UCS4 c = k < n ? AT(k) : 0;
    if (fold && c >= 'a' && c <= 'z') c -= 32;
    if (!c || !strchr("TDINWECFAS", (int)(c < 128 ? c : 1))) return 0; /* no level's first letter */
    for (int w = 0; LEVELS[w]; w++)
        if (text_at(kind, data, n, k, LEVELS[w], fold)) return (Py_ssize_t)strlen(LEVELS[w]);
    return 0;
}

/* _LEVEL (whole: no word's character after it) from k; where it ends, or -1 */
static inline Py_ssize_t level_whole(int kind, const void *data, Py_ssize_t n, Py_ssize_t k, int fold) {
    Py_ssize_t w = level_word(kind, data, n, k, fold);
    if (!w || (k + w < n && in_run(RUN_WORD, AT(k + w)))) return -1;
    return k + w;
}

/* _TIME from k; where it ends, or -1 */
static inline Py_ssize_t log_time(int kind, const void *data, Py_ssize_t n, Py_ssize_t k) {
    if (digit_run(kind, data, n, k, 2) != 2 || !char_at(kind, data, n, k + 2, ':') ||
        digit_run(kind, data, n, k + 3, 2) != 2 || !char_at(kind, data, n, k + 5, ':') ||
        digit_run(kind, data, n, k + 6, 2) != 2)
        return -1;
    k += 8;
    if (k + 1 < n && (AT(k) == '.' || AT(k) == ',') && is_digit(AT(k + 1))) k += 1 + digit_run(kind, data, n, k + 1, 9);
    if (char_at(kind, data, n, k, 'Z')) return k + 1;
    if (k < n && (AT(k) == '+' || AT(k) == '-') && digit_run(kind, data, n, k + 1, 2) == 2) {
        k += 3;
        if (char_at(kind, data, n, k, ':') && digit_run(kind, data, n, k + 1, 2) == 2) return k + 3;
        if (digit_run(kind, data, n, k, 2) == 2) return k + 2;
    }
    return k;
}

static const char *const MONTHS[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec", NULL};
static inline int month_at(int kind, const void *data, Py_ssize_t n, Py_ssize_t k) {
    if (k >= n || !strchr("JFMASOND", (int)(AT(k) < 128 ? AT(k) : 1))) return 0; /* no month's first letter */
    for (int m = 0; MONTHS[m]; m++)
        if (text_at(kind, data, n, k, MONTHS[m], 0)) return 1;
    return 0;
}

/* _STAMP from k (no two of its alternatives start alike); where it ends, or -1 */
static inline Py_ssize_t log_stamp(int kind, const void *data, Py_ssize_t n, Py_ssize_t k) {
    if (digit_run(kind, data, n, k, 4) == 4 && k + 4 < n && (AT(k + 4) == '-' || AT(k + 4) == '/')) {
        Py_UCS4 sep = AT(k + 4);
        if (digit_run(kind, data, n, k + 5, 2) != 2 || !char_at(kind, data, n, k + 7, sep) ||
            digit_run(kind, data, n, k + 8, 2) != 2)
            return -1;
        Py_ssize_t p = k + 10;
        if (p < n && (AT(p) == ' ' || (sep == '-' && AT(p) == 'T'))) {
            Py_ssize_t t = log_time(kind, data, n, p + 1);
            if (t >= 0) return t;
        }
        return p;
    }
    if (digit_run(kind, data, n, k, 2) == 2 && char_at(kind, data, n, k + 2, ':')) return log_time(kind, data, n, k);
    if (month_at(kind, data, n, k)) { /* May  1 12:00:00, May 01 12:00:00 */
        Py_ssize_t p = k + 3;
        if (!char_at(kind, data, n, p, ' ')) return -1;
        p++;
        if (char_at(kind, data, n, p, ' ')) {
            if (digit_run(kind, data, n, p + 1, 1) != 1) return -1;
            p += 2;
        } else {
            Py_ssize_t d = digit_run(kind, data, n, p, 2);
            if (!d) return -1;
            p += d;
        }
        if (!char_at(kind, data, n, p, ' ')) return -1;
        return log_time(kind, data, n, p + 1);
    }
    if (digit_run(kind, data, n, k, 2) == 2 && char_at(kind, data, n, k + 2, '/') && month_at(kind, data, n, k + 3) &&
        char_at(kind, data, n, k + 6, '/') && digit_run(kind, data, n, k + 7, 4) == 4 && k + 11 < n &&
        (AT(k + 11) == ' ' || AT(k + 11) == ':'))
        return log_time(kind, data, n, k + 12);
    return -1;
}

/* One space after a field: where the field ends with it, or -1 */
static inline Py_ssize_t log_space(int kind, const void *data, Py_ssize_t n, Py_ssize_t p) {
    return p >= 0 && char_at(kind, data, n, p, ' ') ? p + 1 : -1;
}

static const char *const KINDS[] = {"pod/", "deployment/", "job/", "statefulset/", "daemonset/", "replicaset/", "cronjob/", NULL};

/* _BRACKET from k (the '['); where it ends, or -1 */
static inline Py_ssize_t log_bracket(int kind, const void *data, Py_ssize_t n, Py_ssize_t k) {
    Py_ssize_t p = log_stamp(kind, data, n, k + 1);
    if (p >= 0) {
        if (text_at(kind, data, n, p, " #", 0)) {
            Py_ssize_t d = digit_run(kind, data, n, p + 2, 10);
            if (d) p += 2 + d;
        }
    } else if ((p = level_word(kind, data, n, k + 1, 1))) {
        p += k + 1;
        for (int s = 0; s < 3 && char_at(kind, data, n, p, ' '); s++) p++; /* log4j's [%-5p]: [INFO ] */
    } else {
        p = -1;
        for (int w = 0; KINDS[w] && p < 0; w++) {
            if (!text_at(kind, data, n, k + 1, KINDS[w], 0)) continue;
            Py_ssize_t q = k + 1 + (Py_ssize_t)strlen(KINDS[w]);
            Py_ssize_t r = run_of(kind, data, n, q, RUN_K8S, 64);
            if (!r || !char_at(kind, data, n, q + r, '/')) break;
            q += r + 1;
            r = run_of(kind, data, n, q, RUN_K8S_LAST, 64);
            if (r) p = q + r;
        }
        if (p < 0) return -1;
    }
    if (!char_at(kind, data, n, p, ']')) return -1;
    p++;
    if (char_at(kind, data, n, p, ':')) p++;
    return log_space(kind, data, n, p);
}

/* _COMPOSE from k: a name that ends in - or _ and 1-4 digits, padding, a bar and a space; where it ends, or -1 */
/* (The regex's lookbehind may read before k only when the name is all digits; what stands before a prefix, a line
 * break, a quote, a listing's tab, arrow or colon, a field's last character, is never - or _.) */
static inline Py_ssize_t log_compose(int kind, const void *data, Py_ssize_t n, Py_ssize_t k) {
    Py_ssize_t r = run_of(kind, data, n, k, RUN_NAME, 62);
    if (r < 2) return -1;
    Py_ssize_t t = 0;
    while (t < r && is_digit(AT(k + r - 1 - t))) t++;
    if (t < 1 || t > 4 || t >= r || (AT(k + r - 1 - t) != '-' && AT(k + r - 1 - t) != '_')) return -1;
    Py_ssize_t p = k + r, s = 0;
    while (s < 32 && p + s < n && AT(p + s) == ' ') s++;
    if (!s || !text_at(kind, data, n, p + s, "| ", 0)) return -1;
    return p + s + 2;
}

static const char *const WINSTON[] = {"error: ", "warn: ", "info: ", "http: ", "verbose: ", "debug: ", "silly: ", NULL};

/* _FIRST from k; where it ends, or -1 */
static inline Py_ssize_t log_first(int kind, const void *data, Py_ssize_t n, Py_ssize_t k) {
    /* Every first field starts with a name's character, [ or <: an indented line (most of code) is none */
    if (k >= n || !(in_run(RUN_NAME, AT(k)) || AT(k) == '[' || AT(k) == '<')) return -1;
    Py_ssize_t p = log_space(kind, data, n, log_stamp(kind, data, n, k));
    if (p >= 0) return p;
    Py_UCS4 c = AT(k);
    if (c == '[' && (p = log_bracket(kind, data, n, k)) >= 0) return p;
    if ((p = log_compose(kind, data, n, k)) >= 0) return p;
    if ((p = level_whole(kind, data, n, k, 0)) >= 0 && char_at(kind, data, n, p, ':')) {
        p++;
        Py_ssize_t r = run_of(kind, data, n, p, RUN_NAME, 64);
        if (r && char_at(kind, data, n, p + r, ':')) return p + r + 1;
        return log_space(kind, data, n, p);
    }
    for (int w = 0; WINSTON[w]; w++) /* _WINSTON: a lower-case level, a colon and a space */
        if (text_at(kind, data, n, k, WINSTON[w], 0)) return k + (Py_ssize_t)strlen(WINSTON[w]);
    if ((c == 'D' || c == 'I' || c == 'W' || c == 'E' || c == 'F' || c == 'A' || c == 'U') &&
        text_at(kind, data, n, k + 1, ", [", 0))
        return k + 3;
    Py_ssize_t eq = text_at(kind, data, n, k, "time=", 0) ? 5 : text_at(kind, data, n, k, "ts=", 0) ? 3 : 0;
    if (eq && (p = log_space(kind, data, n, log_stamp(kind, data, n, k + eq))) >= 0) return p;
    if (text_at(kind, data, n, k, "level=", 0) && (p = level_whole(kind, data, n, k + 6, 1)) >= 0 &&
        (p = log_space(kind, data, n, p)) >= 0)
        return p;
    if (text_at(kind, data, n, k, "<pre>", 0)) return k + 5;
    if (text_at(kind, data, n, k, "<code>", 0)) return k + 6;
    return -1;
}

/* _TAG from k (tag[id]: and a space); where it ends, or -1 */
static inline Py_ssize_t log_tag(int kind, const void *data, Py_ssize_t n, Py_ssize_t k) {
    Py_ssize_t r = run_of(kind, data, n, k, RUN_TAG, 64);
    if (!r || !char_at(kind, data, n, k + r, '[')) return -1;
    Py_ssize_t p = k + r + 1, i = run_of(kind, data, n, p, RUN_NAME, 32);
    if (!i || !text_at(kind, data, n, p + i, "]: ", 0)) return -1;
    return p + i + 3;
}

/* _THREAD_PART from p: a word of 1-3 capitalised or lower-case parts, or 1-10 digits; where it ends, or -1 */
static inline Py_ssize_t thread_part(int kind, const void *data, Py_ssize_t n, Py_ssize_t p) {
    if (p < n && ((AT(p) >= 'A' && AT(p) <= 'Z') || (AT(p) >= 'a' && AT(p) <= 'z'))) {
        for (int w = 0; w < 3 && p < n && ((AT(p) >= 'A' && AT(p) <= 'Z') || (AT(p) >= 'a' && AT(p) <= 'z')); w++)
            p += 1 + run_of(kind, data, n, p + 1, RUN_LOWER, 11);
        return p;
    }
    Py_ssize_t d = digit_run(kind, data, n, p, 10);
    return d ? p + d : -1;
}

/* _THREAD from k: [part(-part){0,4}] and a space; where it ends, or -1 */
static inline Py_ssize_t log_thread(int kind, const void *data, Py_ssize_t n, Py_ssize_t k) {
    if (!char_at(kind, data, n, k, '[')) return -1;
    Py_ssize_t p = thread_part(kind, data, n, k + 1);
    for (int i = 0; i < 4 && p >= 0 && p < n && (AT(p) == '-' || AT(p) == '.'); i++) {
        Py_ssize_t q = thread_part(kind, data, n, p + 1);
        if (q < 0) return -1; /* the separator is then where the ] should be */
        p = q;
    }
    return p >= 0 && text_at(kind, data, n, p, "] ", 0) ? p + 2 : -1;
}

/* _CLASS from p (a capital): a class's letters, maybe $ and an inner class's or a number; where it ends */
static inline Py_ssize_t java_class(int kind, const void *data, Py_ssize_t n, Py_ssize_t p) {
    p += 1 + run_of(kind, data, n, p + 1, RUN_ALPHA, 60);
    if (char_at(kind, data, n, p, '$') && p + 1 < n) {
        Py_ssize_t q = p + 1;
        if (AT(q) >= 'A' && AT(q) <= 'Z') p = q + 1 + run_of(kind, data, n, q + 1, RUN_ALPHA, 40);
        else if (digit_run(kind, data, n, q, 4)) p = q + digit_run(kind, data, n, q, 4);
    }
    return p;
}

/* Up to `most` packages in lower case, each a dot after it, from p: where they end, and how many in *count */
static inline Py_ssize_t java_packages(int kind, const void *data, Py_ssize_t n, Py_ssize_t p, int most, int *count) {
    int packages = 0;
    while (packages < most && p < n && AT(p) >= 'a' && AT(p) <= 'z') {
        Py_ssize_t r = 1 + run_of(kind, data, n, p + 1, RUN_PACKAGE, 19);
        if (!char_at(kind, data, n, p + r, '.')) break;
        p += r + 1;
        packages++;
    }
    *count = packages;
    return p;
}

/* _SPRING from k: a pid, " --- ", one or two names in brackets (padding, then _THREAD's name), the logger (0-8
 * packages, then a class or a name in lower case), padding and ": "; where it ends, or -1 */
static inline Py_ssize_t log_spring(int kind, const void *data, Py_ssize_t n, Py_ssize_t k) {
    Py_ssize_t d = digit_run(kind, data, n, k, 10);
    if (!d || !text_at(kind, data, n, k + d, " --- ", 0)) return -1;
    Py_ssize_t p = k + d + 5;
    for (int b = 0; b < 2; b++) {
        Py_ssize_t q = p + 1;
        if (!char_at(kind, data, n, p, '[')) {
            if (b == 0) return -1;
            break;
        }
        for (int s = 0; s < 39 && char_at(kind, data, n, q, ' '); s++) q++;
        q = thread_part(kind, data, n, q);
        for (int i = 0; i < 4 && q >= 0 && q < n && (AT(q) == '-' || AT(q) == '.'); i++) {
            q = thread_part(kind, data, n, q + 1);
        }
        if (q < 0 || !text_at(kind, data, n, q, "] ", 0)) {
            if (b == 0) return -1;
            break;
        }
        p = q + 2;
    }
    int packages;
    p = java_packages(kind, data, n, p, 8, &packages);
    if (p >= n) return -1;
    if (AT(p) >= 'A' && AT(p) <= 'Z') p = java_class(kind, data, n, p);
    else if (AT(p) >= 'a' && AT(p) <= 'z') p += 1 + run_of(kind, data, n, p + 1, RUN_LOWER, 30);
    else return -1;
    for (int s = 0; s < 40 && char_at(kind, data, n, p, ' '); s++) p++;
    return text_at(kind, data, n, p, ": ", 0) ? p + 2 : -1;
}

/* _LOGGER from k: 1-6 packages in lower case and dots, a class (a capital and letters, maybe $ and an inner
 * class's or a number), padding and "- "; where it ends, or -1 */
static inline Py_ssize_t log_logger(int kind, const void *data, Py_ssize_t n, Py_ssize_t k) {
    int packages;
    Py_ssize_t p = java_packages(kind, data, n, k, 6, &packages);
    if (!packages || p >= n || !(AT(p) >= 'A' && AT(p) <= 'Z')) return -1;
    p = java_class(kind, data, n, p);
    Py_ssize_t s = 0;
    while (s < 40 && char_at(kind, data, n, p + s, ' ')) s++;
    return s && text_at(kind, data, n, p + s, "- ", 0) ? p + s + 2 : -1;
}

/* _NEXT from k; where it ends, or -1 */
static inline Py_ssize_t log_next(int kind, const void *data, Py_ssize_t n, Py_ssize_t k) {
    Py_ssize_t p = log_first(kind, data, n, k);
    if (p >= 0) return p;
    if ((p = log_space(kind, data, n, level_whole(kind, data, n, k, 0))) >= 0) return p;
    Py_ssize_t r = run_of(kind, data, n, k, RUN_NAME, 64);
    if (r && char_at(kind, data, n, k + r, ' ') && (p = log_tag(kind, data, n, k + r + 1)) >= 0) return p;
    if ((p = log_tag(kind, data, n, k)) >= 0) return p;
    Py_ssize_t d = digit_run(kind, data, n, k, 10);
    if (d && char_at(kind, data, n, k + d, '#')) {
        Py_ssize_t e = digit_run(kind, data, n, k + d + 1, 10);
        if (e && text_at(kind, data, n, k + d + 1 + e, ": ", 0)) return k + d + 1 + e + 2;
    }
    if (char_at(kind, data, n, k, '*') && (d = digit_run(kind, data, n, k + 1, 20)) &&
        char_at(kind, data, n, k + 1 + d, ' '))
        return k + d + 2;
    if (text_at(kind, data, n, k, "-- ", 0)) {
        r = run_of(kind, data, n, k + 3, RUN_NAME, 32);
        if (text_at(kind, data, n, k + 3 + r, ": ", 0)) return k + 3 + r + 2;
    }
    if (text_at(kind, data, n, k, "msg=", 0)) return k + 4;
    if (digit_run(kind, data, n, k, 2) == 2 && k + 3 < n && (AT(k + 2) == 'E' || AT(k + 2) == 'O') && AT(k + 3) == ' ')
        return k + 4;
    if ((p = log_spring(kind, data, n, k)) >= 0) return p;
    if ((p = log_thread(kind, data, n, k)) >= 0) return p;
    return log_logger(kind, data, n, k);
}

/* LOG_PREFIX from k: a first field, then at most LOG_FIELDS - 1 more, each after at most 7 spaces of padding;
 * where it ends, or -1. Each field is bounded (at most 239 characters, Spring Boot's; 96 a first one), so a prefix
 * is at most 1,572, and no field reads past a line break or a backslash. */
#define LOG_FIELDS 7 /* logprefix.LOG_FIELDS */
static inline Py_ssize_t log_prefix(int kind, const void *data, Py_ssize_t n, Py_ssize_t k) {
    Py_ssize_t end = log_first(kind, data, n, k);
    if (end < 0) return -1;
    for (int f = 1; f < LOG_FIELDS; f++) {
        Py_ssize_t p = end, s = 0;
        while (s < 7 && char_at(kind, data, n, p, ' ')) p++, s++;
        p = log_next(kind, data, n, p);
        if (p < 0) break;
        end = p;
    }
    return end;
}

/* lineprefix.py's _LOGGED from k: a log line's prefix and maybe a marker after it; where it ends, or -1 */
static inline Py_ssize_t logged(int kind, const void *data, Py_ssize_t n, Py_ssize_t k) {
    Py_ssize_t end = log_prefix(kind, data, n, k);
    if (end < 0) return -1;
    Py_ssize_t after = marker(kind, data, n, end, 0);
    return after >= 0 ? after : end;
}

/* lineprefix.py's _MARKED from k: a marker and maybe a log line's prefix after it; where it ends, or -1 */
static inline Py_ssize_t marked(int kind, const void *data, Py_ssize_t n, Py_ssize_t k, int in_string) {
    Py_ssize_t end = marker(kind, data, n, k, in_string);
    if (end < 0) return -1;
    Py_ssize_t after = log_prefix(kind, data, n, end);
    return after >= 0 ? after : end;
}

/* view.py's _LINE_PREFIX (after a line break) or _STRING_PREFIX (after a string's opening quote) from k: a
 * listing's prefix (a number, grep's path:N:) and maybe a marker or a log line's prefix after it, a log line's
 * prefix, or a marker (each of the two may have a log line's prefix after it); where it ends, or -1. */
static inline Py_ssize_t line_prefix(int kind, const void *data, Py_ssize_t n, Py_ssize_t k, int in_string, int *raw) {
    if (k >= n) return -1;
    Py_ssize_t end = numbered(kind, data, n, k, raw);
    if (end < 0) end = grep_prefix(kind, data, n, k);
    if (end >= 0) {
        Py_ssize_t after = marked(kind, data, n, end, 0);
        if (after < 0) after = logged(kind, data, n, end);
        return after >= 0 ? after : end;
    }
    end = logged(kind, data, n, k);
    return end >= 0 ? end : marked(kind, data, n, k, in_string);
}

/* view.py's _LINE_ESCAPE: a line break the view reads where none is written (a first level's NUL, BEL or ESC \\,
 * a raw ESC \\) is a line's start too: a line's prefix right after it ends the match. */
static inline void prefix_after(int kind, const void *data, Py_ssize_t n, match_t *m) {
    int raw = 0;
    Py_ssize_t end = line_prefix(kind, data, n, m->end, 0, &raw);
    if (end >= 0) {
        m->end = end;
        m->raw = raw;
    }
}

/* A character a match may start with: a backslash, a quote for a joint, a percent, an invisible one, a space
 * (is_space), ESC, a line break or a quote before a line's prefix. The ASCII ones from a table: with ESC added,
 * a chain of compares made the scan of 2 MB of source 6% slower. */
static const unsigned char ASCII_STARTS[128] = {[0x1B] = 1, ['\n'] = 1, ['"'] = 1, ['%'] = 1, ['\''] = 1, ['\\'] = 1};
static inline int may_start(Py_UCS4 c) {
    return c < 128 ? ASCII_STARTS[c] : c == 0xA0 || is_invisible(c) || (c >= 0x2000 && (is_space(c) || is_fullwidth(c)));
}

/* The first character at or after i that may start a match (n if none). One loop per kind, where the
 * kind is a constant: AT's switch on it is folded away, and the loop is a few compares a character. */
static inline Py_ssize_t skip(int kind, const void *data, Py_ssize_t n, Py_ssize_t i) {
    switch (kind) {
    case PyUnicode_1BYTE_KIND:
        while (i < n && !may_start(AT(i))) i++;
        break;
    case PyUnicode_2BYTE_KIND:
        while (i < n && !may_start(AT(i))) i++;
        break;
    default:
        while (i < n && !may_start(AT(i))) i++;
        break;
    }
    return i;
}

/* The first match of _EDIT at or after `from` (1), or none (0); the edit it makes, as view.py's _edit. */
static inline int find(int kind, const void *data, Py_ssize_t n, Py_ssize_t from, match_t *m) {
    m->raw = 0;
    for (Py_ssize_t i = from; i < n; i++) {
        i = skip(kind, data, n, i);
        if (i >= n) break;
        Py_UCS4 c = AT(i);
        if (c == '\\') {
            /* \\(?=[\\u"])(?<!\\\\): a run of backslashes, from its first one */
            if (i > 0 && AT(i - 1) == '\\') continue;
            if (i + 1 >= n) continue;
            Py_UCS4 next = AT(i + 1);
            if (next == 'b' || next == 'f' || next == 't') { /* JSON's backspace, form feed and tab: a space */
                m->end = i + 2;
                m->edit_at = i;
                m->what = CHAR;
                m->ch = ' ';
                return 1;
            }
            if (next == 'r' && i + 3 < n && AT(i + 2) == '\\' && AT(i + 3) == 'n') { /* a CR before a LF: nothing */
                m->end = i + 2;
                m->edit_at = i;
                m->what = JOINT;
                return 1;
            }
            if (next == 'n') { /* a JSON string's line break, and a line's prefix after it */
                int raw = 0;
                Py_ssize_t end = line_prefix(kind, data, n, i + 2, 0, &raw);
                if (end < 0) continue;
                m->end = end;
                m->edit_at = i + 2;
                m->what = raw ? DROP : JOINT;
                return 1;
            }
            if (next != '\\' && next != 'u' && next != '"' && next != '/') continue; /* (a run may end in n: below) */
            Py_ssize_t j = i + 1;
            while (j < n && AT(j) == '\\') j++;
            Py_ssize_t run = j - i;
            if (j >= n) return 0; /* the text ends in the run: nothing after it to match */
            Py_UCS4 after = AT(j);
            if (after == 'n' && (run & 1)) { /* escaped backslashes (kept), a line break, a line's prefix */
                int raw = 0;
                Py_ssize_t end = line_prefix(kind, data, n, j + 1, 0, &raw);
                if (end >= 0) {
                    m->end = end;
                    m->edit_at = j + 1;
                    m->what = raw ? DROP : JOINT;
                    return 1;
                }
            }
            if (after == '/') {
                /* \\*\/: JSON's escaped solidus, after run - level_escape literal backslashes: a / */
                Py_ssize_t level_escape = run & -run;
                m->end = j + 1;
                m->edit_at = i;
                if (level_escape > (1 << (MAX_LEVEL - 1))) {
                    m->what = KEEP;
                } else {
                    m->what = CHAR;
                    m->ch = '/';
                    m->edit_at = i + run - level_escape;
                }
                return 1;
            }
            int code = after == 'u' ? escape_code(kind, data, n, j) : -1;
            if (code >= 0) {
                /* \\*u(00[2-7][0-9A-Fa-f]|CONTROL|INVISIBLE): an escape, after run - level_escape literal backslashes */
                Py_ssize_t level_escape = run & -run;
                m->end = j + 5;
                m->edit_at = i;
                if (level_escape > (1 << (MAX_LEVEL - 1)) || code == 0x5C || code == 0x7F) {
                    m->what = KEEP;
                } else if (code == 0x22) {
                    m->what = run == level_escape ? QUOTE : KEEP;
                } else {
                    /* a printable character, a space, or an invisible one dropped (its literal backslashes kept);
                     * a NUL or a BEL a line break of the escape's level, nothing right after an escaped line
                     * break (view.py's group: \n\ before the escape's second character) */
                    m->what = code > 0x7F && !is_space((Py_UCS4)code) && !is_fullwidth((Py_UCS4)code) ? DROP : CHAR;
                    m->ch = is_fullwidth((Py_UCS4)code)         ? (Py_UCS4)(code - FULLWIDTH_OFFSET)
                            : is_control(code) || code > 0x7F ? ' '
                                                              : (Py_UCS4)code;
                    if (code == 0x00 || code == 0x07) {
                        int line_before = i >= 2 && AT(i - 1) == 'n' && AT(i - 2) == '\\';
                        m->what = line_before ? DROP : LINE;
                        m->level = level_escape;
                        if (level_escape == 1) prefix_after(kind, data, n, m);
                    }
                    m->edit_at = i + run - level_escape;
                }
                return 1;
            }
            if (after == 'u' && j + 4 < n && AT(j + 1) == '0' && AT(j + 2) == '0' && AT(j + 3) == '1' &&
                (AT(j + 4) == 'b' || AT(j + 4) == 'B')) {
                /* an escaped ESC: a CSI or an OSC's opening is dropped (its literal backslashes kept), ESC \\ of
                 * its own level (run 1, 2, 4 or 8, then twice as many backslashes, no more) reads as a line break
                 * of that level, and an ESC that starts none of them as a space */
                Py_ssize_t level_escape = run & -run, k = j + 5;
                Py_ssize_t end = csi(kind, data, n, k);
                if (end < 0) end = osc(kind, data, n, k);
                if (end >= 0) {
                    m->end = end;
                    m->edit_at = i;
                    if (level_escape > (1 << (MAX_LEVEL - 1))) {
                        m->what = KEEP;
                    } else {
                        m->what = DROP;
                        m->edit_at = i + run - level_escape;
                    }
                    return 1;
                }
                if (run == level_escape && run <= (1 << (MAX_LEVEL - 1))) {
                    Py_ssize_t p = k;
                    while (p < n && AT(p) == '\\') p++;
                    if (p - k == 2 * run) {
                        m->end = p;
                        m->edit_at = i;
                        m->what = LINE;
                        m->level = run;
                        if (run == 1) prefix_after(kind, data, n, m);
                        return 1;
                    }
                }
                /* a lone ESC (ESC g is no sequence a token hides behind): a space, as a control character's escape */
                m->end = k;
                m->edit_at = i;
                if (level_escape > (1 << (MAX_LEVEL - 1))) {
                    m->what = KEEP;
                } else {
                    m->what = CHAR;
                    m->ch = ' ';
                    m->edit_at = i + run - level_escape;
                }
                return 1;
            }
            /* \\{6}" | \\{2}": a quote of a nested level, not one between two letters or digits (a quote escaped
             * inside a nested string's word, p4ss\"w0rd: flattened, it closed the value) */
            if (after == '"' && (run == 7 || run == 3) &&
                !(i > 0 && is_alnum(AT(i - 1)) && !escape_end(kind, data, n, i) && !option_end(kind, data, n, i) &&
                  j + 1 < n && is_alnum(AT(j + 1)))) {
                m->end = j + 1;
                m->edit_at = i;
                m->what = QUOTE;
                return 1;
            }
            if (after == '"' && run == 1) { /* "JOINT\\": two quoted pieces joined with + */
                Py_ssize_t end = joint(kind, data, n, j + 1, 1, '"');
                if (end >= 0) {
                    m->end = end;
                    m->edit_at = i;
                    m->what = JOINT;
                    return 1;
                }
            }
            i = j - 1; /* the run's other backslashes fail the lookbehind; its next character may start a match */
        } else if (c == '\'') {
            /* '(?=[ \t\\+])(?<!\\')JOINT' */
            if (i > 0 && AT(i - 1) == '\\') continue;
            Py_ssize_t end = joint(kind, data, n, i + 1, 0, '\'');
            if (end >= 0) {
                m->end = end;
                m->edit_at = i;
                m->what = JOINT;
                return 1;
            }
        } else if (c == '\n' || c == '"') {
            /* a raw line break, or a JSON string's opening quote (after [ , : { or a space, or at the start) */
            if (c == '"' && i > 0) {
                Py_UCS4 before = AT(i - 1);
                if (!is_ws(before) && before != '[' && before != ',' && before != ':' && before != '{') continue;
            }
            int raw = 0;
            Py_ssize_t end = line_prefix(kind, data, n, i + 1, c == '"', &raw);
            if (end >= 0) {
                m->end = end;
                m->edit_at = i + 1;
                m->what = raw ? DROP : JOINT;
                return 1;
            }
        } else if (c == 0x1B) { /* a raw ESC: a CSI or an OSC's opening dropped, ESC \\ read as a raw line break */
            Py_ssize_t end = csi(kind, data, n, i + 1);
            if (end < 0) end = osc(kind, data, n, i + 1);
            if (end >= 0) {
                m->end = end;
                m->edit_at = i;
                m->what = DROP;
                return 1;
            }
            if (i + 1 < n && AT(i + 1) == '\\') {
                m->end = i + 2;
                m->edit_at = i;
                m->what = CHAR;
                m->ch = '\n';
                prefix_after(kind, data, n, m);
                return 1;
            }
        } else if (is_space(c)) { /* a raw no-break or other Unicode space: a space */
            m->end = i + 1;
            m->edit_at = i;
            m->what = CHAR;
            m->ch = ' ';
            return 1;
        } else if (is_fullwidth(c)) { /* a raw fullwidth form: its ASCII character */
            m->end = i + 1;
            m->edit_at = i;
            m->what = CHAR;
            m->ch = c - FULLWIDTH_OFFSET;
            return 1;
        } else if (c >= 0xAD && is_invisible(c)) { /* a raw invisible character: dropped */
            m->end = i + 1;
            m->edit_at = i;
            m->what = DROP;
            return 1;
        } else if (c == '%') {
            /* %((?<=[A-Za-z0-9_]%)3(?=[Dd])|(?<=[A-Za-z0-9_.~-]%)2(?=6[A-Za-z_]))[Dd6] */
            if (i == 0 || i + 2 >= n) continue;
            Py_UCS4 before = AT(i - 1), first = AT(i + 1), second = AT(i + 2);
            if (first == '3' && (second == 'D' || second == 'd') && is_word(before)) {
                m->end = i + 3;
                m->edit_at = i;
                m->what = CHAR;
                m->ch = '=';
                return 1;
            }
            if (first == '2' && second == '6' && i + 3 < n &&
                (is_word(before) || before == '.' || before == '~' || before == '-')) {
                Py_UCS4 name = AT(i + 3);
                if ((name >= 'A' && name <= 'Z') || (name >= 'a' && name <= 'z') || name == '_') {
                    m->end = i + 3;
                    m->edit_at = i;
                    m->what = CHAR;
                    m->ch = '&';
                    return 1;
                }
            }
        }
    }
    return 0;
}

static Py_ssize_t replacement_length(const match_t *m) {
    return m->what == QUOTE ? 2 : m->what == CHAR ? 1 : m->what == LINE ? m->level + 1 : 0;
}

/* decode(text) -> the view's text (text itself when nothing is edited) */
static PyObject *decode(PyObject *module, PyObject *text) {
    (void)module;
    if (!PyUnicode_Check(text)) {
        PyErr_SetString(PyExc_TypeError, "decode() takes a str");
        return NULL;
    }
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    PyObject *out = NULL;
    void *out_data = NULL;
    Py_ssize_t written = 0, kept_from = 0, from = 0;
    int dropped_raw = 0; /* a raw invisible character or an ESC sequence dropped: the view may have a narrower kind */
    match_t m;
    while (find(kind, data, n, from, &m)) {
        from = m.end;
        if (m.what == KEEP) continue;
        /* a raw invisible character or space (an escaped one is 6 or more long), or an ESC sequence whose
         * dropped parameters (an OSC 8's) may hold the text's widest character */
        dropped_raw |= (m.what == DROP || m.what == CHAR) && m.end - m.edit_at == 1;
        dropped_raw |= m.what == DROP && PyUnicode_MAX_CHAR_VALUE(text) > 0x7F;
        dropped_raw |= m.raw;
        if (out == NULL) {
            /* Every character outside the matches is kept, and what replaces a match is ASCII: the view
             * has the text's largest character, so the same kind (a canonical str), unless that was a
             * raw invisible character or space (checked at the end). Never longer than the text. */
            out = PyUnicode_New(n, PyUnicode_MAX_CHAR_VALUE(text));
            if (out == NULL) return NULL;
            out_data = PyUnicode_DATA(out);
        }
        Py_ssize_t piece = m.edit_at - kept_from;
        memcpy((char *)out_data + written * kind, (const char *)data + kept_from * kind, (size_t)(piece * kind));
        written += piece;
        if (m.what == QUOTE) {
            PyUnicode_WRITE(kind, out_data, written, '\\');
            PyUnicode_WRITE(kind, out_data, written + 1, '"');
        } else if (m.what == CHAR) {
            PyUnicode_WRITE(kind, out_data, written, m.ch);
        } else if (m.what == LINE) {
            for (Py_ssize_t b = 0; b < m.level; b++) PyUnicode_WRITE(kind, out_data, written + b, '\\');
            PyUnicode_WRITE(kind, out_data, written + m.level, 'n');
        }
        written += replacement_length(&m);
        kept_from = m.end;
    }
    if (out == NULL) return Py_NewRef(text);
    memcpy((char *)out_data + written * kind, (const char *)data + kept_from * kind, (size_t)((n - kept_from) * kind));
    written += n - kept_from;
    if (dropped_raw) {
        /* A str must be of the narrowest kind its characters fit (else it compares unequal to its
         * equal): this copy finds the view's largest character and takes its kind. */
        PyObject *canonical = PyUnicode_FromKindAndData(kind, out_data, written);
        Py_DECREF(out);
        return canonical;
    }
    if (written < n && PyUnicode_Resize(&out, written) < 0) return NULL; /* Resize drops out on failure */
    return out;
}

/* edits(text) -> bytes: the map back, four columns of k entries each: where each edit starts in the view,
 * its length there, where it starts in the text and its length there. The entries are C ints (a
 * memoryview's "i") when the text is at most NARROW_MAX long, else long longs ("q"): half the memory for
 * every text hookd takes. Two passes of the scan (one counts, one fills the columns in place): the
 * scan costs less than growing a buffer for a flood of edits, and the answer is the only allocation. */
static PyObject *edits(PyObject *module, PyObject *text) {
    (void)module;
    if (!PyUnicode_Check(text)) {
        PyErr_SetString(PyExc_TypeError, "edits() takes a str");
        return NULL;
    }
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    Py_ssize_t count = 0, from = 0;
    match_t m;
    while (find(kind, data, n, from, &m)) {
        from = m.end;
        count += m.what != KEEP;
    }
    int narrow = n <= VIEWCORE_NARROW_MAX;
    Py_ssize_t width = narrow ? (Py_ssize_t)sizeof(int) : (Py_ssize_t)sizeof(long long);
    if (count > PY_SSIZE_T_MAX / (4 * width)) return PyErr_NoMemory();
    PyObject *out = PyBytes_FromStringAndSize(NULL, count * 4 * width);
    if (out == NULL) return NULL;
    int *narrow_columns = (int *)(void *)PyBytes_AS_STRING(out);
    long long *wide_columns = (long long *)(void *)PyBytes_AS_STRING(out);
    Py_ssize_t e = 0, shrunk = 0;
    from = 0;
    while (e < count && find(kind, data, n, from, &m)) {
        from = m.end;
        if (m.what == KEEP) continue;
        Py_ssize_t orig_len = m.end - m.edit_at, view_len = replacement_length(&m);
        Py_ssize_t row[4] = {m.edit_at - shrunk, view_len, m.edit_at, orig_len};
        for (Py_ssize_t c = 0; c < 4; c++) {
            if (narrow) {
                narrow_columns[c * count + e] = (int)row[c];
            } else {
                wide_columns[c * count + e] = (long long)row[c];
            }
        }
        shrunk += orig_len - view_len;
        e++;
    }
    return out;
}

static PyMethodDef methods[] = {
    {"decode", decode, METH_O, "The view's text: escapes decoded, nested quotes flattened, pieces joined."},
    {"edits", edits, METH_O, "The map back: view_at, view_len, orig_at, orig_len as four columns (see NARROW_MAX)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_viewcore", "The redaction view's decoding in C (see view.py).", 0, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__viewcore(void) {
    PyObject *created = PyModule_Create(&module);
    /* edits() answers in C ints for a text of at most NARROW_MAX characters, else in long longs */
    if (created != NULL && PyModule_AddIntConstant(created, "NARROW_MAX", VIEWCORE_NARROW_MAX) < 0) {
        Py_DECREF(created);
        return NULL;
    }
    return created;
}
