/* Part of _viewcore.c (included once, in order, by it: one translation unit, so the compiler inlines
 * across the parts). A log line's prefix (logprefix.py), its runs, level words, times and stamps. */

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
