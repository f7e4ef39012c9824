/* Part of _viewcore.c (included once, in order, by it: one translation unit, so the compiler inlines
 * across the parts). A log line's prefix (logprefix.py), its fields after the stamp: brackets, tags, threads, loggers. */

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
