/* Part of _viewcore.c (included once, in order, by it: one translation unit, so the compiler inlines
 * across the parts). A line's prefix the view drops (lineprefix.py): a listing's number, grep's path, a diff's marker. */

/* viewpattern.py's _WS: ASCII whitespace (is_space is viewpattern.py's SPACES) */
static inline int is_ws(Py_UCS4 c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static inline int is_digit(Py_UCS4 c) { return c >= '0' && c <= '9'; }

/* viewpattern.py's _PATH's characters: [A-Za-z0-9_.~@+-] */
static inline int is_path(Py_UCS4 c) {
    return is_word(c) || c == '.' || c == '~' || c == '@' || c == '+' || c == '-';
}

/* Digits from k, counted up to 8 (one past the regexes' 7) */
static inline int digits(int kind, const void *data, Py_ssize_t n, Py_ssize_t k) {
    int d = 0;
    while (d < 8 && k + d < n && is_digit(AT(k + d))) d++;
    return d;
}

/* viewpattern.py's _NUMBERED from k: cat -n's number (padded to six) and a tab, or a number and an arrow; where it
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

/* viewpattern.py's _GREP from k: path:N: or path: (a path with a slash; before two spaces, a tab or a character that
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

/* viewpattern.py's _MARKER from k (after a line break, a listing's prefix, or in_string: after a string's opening
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
