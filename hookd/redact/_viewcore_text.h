/* Part of _viewcore.c (included once, in order, by it: one translation unit, so the compiler inlines
 * across the parts). Reading the str (AT, bounds-checked under VIEWCORE_BOUNDS), the match a scan step finds (match_t), the
 * character classes the view reads (viewpattern.py's INVISIBLE, SPACES, FULLWIDTH), escapes and ESC sequences. */

#define MAX_LEVEL 4 /* viewpattern.py's MAX_LEVEL: the payload and three levels of JSON text in its strings */
#define JOINT_SIDE 8 /* spaces, tabs and escaped \n \t on each side of a joint's + */
#define IMPLICIT_INDENT 40 /* the indentation after an implicit joint's newline (viewpattern.py's _IMPLICIT) */
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

/* viewpattern.py's INVISIBLE: the characters that print as nothing, which the view drops */
static inline int is_invisible(Py_UCS4 c) {
    if (c >= 0x200B && c <= 0x2069)
        return c <= 0x200F || (c >= 0x202A && c <= 0x202E) || (c >= 0x2060 && c != 0x2065);
    return c == 0xAD || c == 0x34F || c == 0x61C || c == 0x180E || c == 0xFEFF;
}

/* viewpattern.py's SPACES: a no-break or other Unicode space, read as a space */
static inline int is_space(Py_UCS4 c) {
    return c == 0xA0 || (c >= 0x2000 && c <= 0x200A) || c == 0x202F || c == 0x3000;
}

/* viewpattern.py's FULLWIDTH: a fullwidth letter, digit, _ + - . or /, read as its ASCII character */
static inline int is_fullwidth(Py_UCS4 c) {
    if (c < 0xFF0B || c > 0xFF5A) return 0;
    return c == 0xFF0B || (c >= 0xFF0D && c <= 0xFF19) || (c >= 0xFF21 && c <= 0xFF3A) || c == 0xFF3F || c >= 0xFF41;
}
#define FULLWIDTH_OFFSET 0xFEE0

/* viewpattern.py's _CONTROL_HEX: a control character read as a space (not a tab, a line break or ESC) */
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

/* The letter or digit before i ends an escape (\n, \u00a0): viewpattern.py's _ESCAPE_END */
static int escape_end(int kind, const void *data, Py_ssize_t n, Py_ssize_t i) {
    if (i >= 2 && AT(i - 2) == '\\') return 1;
    if (i < 6 || AT(i - 6) != '\\' || AT(i - 5) != 'u') return 0;
    for (Py_ssize_t k = i - 4; k < i; k++) {
        Py_UCS4 c = AT(k);
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return 0;
    }
    return 1;
}

/* The letter before i is a short option's (-p, after no [A-Za-z0-9_-]): viewpattern.py's _OPTION_END */
static int option_end(int kind, const void *data, Py_ssize_t n, Py_ssize_t i) {
    (void)n;
    if (i < 2 || AT(i - 2) != '-') return 0;
    Py_UCS4 c = AT(i - 1);
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) return 0;
    return i < 3 || !(is_word(AT(i - 3)) || AT(i - 3) == '-');
}

/* The letter before i ends an escaped CSI (\\u001b[ and up to 12 of [0-9;]): viewpattern.py's _CSI_END */
static int csi_end(int kind, const void *data, Py_ssize_t n, Py_ssize_t i) {
    (void)n;
    if (i < 1) return 0;
    Py_UCS4 c = AT(i - 1);
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) return 0;
    Py_ssize_t k = i - 2, params = 0;
    while (k >= 0 && params <= 12 && ((AT(k) >= '0' && AT(k) <= '9') || AT(k) == ';')) k--, params++;
    if (params > 12 || k < 6 || AT(k) != '[') return 0;
    return (AT(k - 1) == 'b' || AT(k - 1) == 'B') && AT(k - 2) == '1' && AT(k - 3) == '0' && AT(k - 4) == '0' &&
           AT(k - 5) == 'u' && AT(k - 6) == '\\';
}

/* The backslash at i (after another) begins an escape of the level of a string terminator right before it: its ESC
 * after e backslashes (a level's: 1, 2, 4 or 8), then 2e, and from i 2e - 1 before an escape's character (not a
 * line break's, read as after any backslash): viewpattern.py's _AFTER_ST */
static int after_st(int kind, const void *data, Py_ssize_t n, Py_ssize_t i) {
    Py_ssize_t b = 0, e = 0, k = i - 1, j = i;
    while (k >= 0 && AT(k) == '\\' && b <= (2 << (MAX_LEVEL - 1))) k--, b++; /* bounded: a run is not read again */
    if (b < 2 || b > (2 << (MAX_LEVEL - 1)) || k < 4 || AT(k - 4) != 'u' || AT(k - 3) != '0' || AT(k - 2) != '0' ||
        AT(k - 1) != '1' || (AT(k) != 'b' && AT(k) != 'B'))
        return 0;
    k -= 5;
    while (k >= 0 && AT(k) == '\\') k--, e++;
    if (b != 2 * e || (e & (e - 1)) != 0) return 0;
    while (j < n && AT(j) == '\\' && j - i < 2 * e) j++;
    if (j >= n || j - i != 2 * e - 1) return 0;
    Py_UCS4 c = AT(j);
    return c == 'u' || c == '"' || c == 'b' || c == 'f' || c == 'r' || c == 't' || c == '/';
}

/* A marker's opening ([REDACTED:) at k. */
static inline int opens_marker(int kind, const void *data, Py_ssize_t n, Py_ssize_t k) {
    if (k >= n || AT(k) != '[') return 0;
    static const char marker[] = "REDACTED:";
    Py_ssize_t m = 0;
    while (marker[m] && k + 1 + m < n && AT(k + 1 + m) == (Py_UCS4)marker[m]) m++;
    return !marker[m];
}

/* viewpattern.py's _CSI from k (the '['; never a marker's, nor a final [ that opens one, nor one with
 * intermediates whose final begins a word): [0-?]{0,32}[ !#-/]{0,4}[@-\[\]-~]; where it ends, or -1. The three
 * sets are disjoint, so taking each run greedily is the regex's one way to match. */
static inline Py_ssize_t csi(int kind, const void *data, Py_ssize_t n, Py_ssize_t k) {
    if (k >= n || AT(k) != '[' || opens_marker(kind, data, n, k)) return -1;
    k++;
    for (int c = 0; c < 32 && k < n && AT(k) >= 0x30 && AT(k) <= 0x3F; c++) k++;
    Py_ssize_t intermediates = k;
    for (int c = 0; c < 4 && k < n && AT(k) >= 0x20 && AT(k) <= 0x2F && AT(k) != '"'; c++) k++;
    if (k > intermediates && k + 1 < n && is_word(AT(k + 1))) return -1;
    if (k < n && AT(k) >= 0x40 && AT(k) <= 0x7E && AT(k) != '\\' && !opens_marker(kind, data, n, k)) return k + 1;
    return -1;
}

/* viewpattern.py's _OSC from k (the ']'): 8;[^;\x00-\x1f"\\]{0,256}; or [0-9]{1,4}; ; where it ends, or -1. */
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
