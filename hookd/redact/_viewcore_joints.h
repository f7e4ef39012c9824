/* Part of _viewcore.c (included once, in order, by it: one translation unit, so the compiler inlines
 * across the parts). The joints between two quoted pieces that the view drops (viewpattern.py's _JOINT and _IMPLICIT). */

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

/* viewpattern.py's _NEXT_PREFIX, from i: the next line's prefix in a joint, a number and an escaped tab or arrow, a diff's
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

/* viewpattern.py's _PATCH_BREAK from i: a string's end, a comma (a space), the next string's opening quote and a diff's
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
    /* one space alone after the break (a diff's context line), or set -x's "+ ": a quoted CSV's row, no indentation */
    if (i >= 4 && AT(i - 4) == '\\' && AT(i - 3) == 'n' && AT(i - 2) == '+' && AT(i - 1) == ' ') return -1;
    if (i >= 3 && AT(i - 3) == '\\' && AT(i - 2) == 'n' && AT(i - 1) == ' ') return -1;
    return count ? i : -1;
}

/* _JOINT or _IMPLICIT, then the closing character `close` (preceded by a backslash when `escaped`), from i:
 * where the match ends, or -1. Each side is taken greedily: backtracking cannot help, as what may follow a
 * side (+, the closing quote or its backslash and quote) is never a side's character where it would stand,
 * and _IMPLICIT, holding no +, ends before any + the joint's side reaches. */
static inline Py_ssize_t joint(int kind, const void *data, Py_ssize_t n, Py_ssize_t i, int escaped, Py_UCS4 close) {
    Py_ssize_t side = joint_side(kind, data, n, i);
    /* a + right after a line break with nothing on its right: a diff's added line, its quote first */
    int after_break = side >= i + 2 && AT(side - 2) == '\\' && AT(side - 1) == 'n';
    if (side < n && AT(side) == '+' && !(after_break && joint_side(kind, data, n, side + 1) == side + 1)) {
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
