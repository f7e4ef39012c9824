/* Part of _viewcore.c (included once, in order, by it: one translation unit, so the compiler inlines
 * across the parts). The scan's step (find): the next match of viewpattern.py's EDIT from a position, and what it edits. */

/* lineprefix.py's _MARKED from k: a marker and maybe a log line's prefix after it; where it ends, or -1 */
static inline Py_ssize_t marked(int kind, const void *data, Py_ssize_t n, Py_ssize_t k, int in_string) {
    Py_ssize_t end = marker(kind, data, n, k, in_string);
    if (end < 0) return -1;
    Py_ssize_t after = log_prefix(kind, data, n, end);
    return after >= 0 ? after : end;
}

/* viewpattern.py's _LINE_PREFIX (after a line break) or _STRING_PREFIX (after a string's opening quote) from k: a
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

/* viewpattern.py's _LINE_ESCAPE: a line break the view reads where none is written (a first level's NUL, BEL or ESC \\,
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

/* Whether the text at k is `word` (ASCII). */
static inline int word_at(int kind, const void *data, Py_ssize_t n, Py_ssize_t k, const char *word) {
    for (int i = 0; word[i]; i++, k++)
        if (k >= n || AT(k) != (Py_UCS4)word[i]) return 0;
    return 1;
}

/* A marker's head, [REDACTED:, at k: the token a pass redacted there began with a name's letter or not, and %26
 * before it reads the same on both passes only if it reads as before the letter. Not the marker of a rule whose
 * tokens begin with a digit or a sign: viewpattern.NOT_A_LETTER_MARKERS, the same names. */
static inline int marker_head_at(int kind, const void *data, Py_ssize_t n, Py_ssize_t k) {
    static const char *const not_a_letter[] = {"telegram_bot_token]", "password_hash]", "pem_private_key]",
                                               "payment_card]"};
    if (!word_at(kind, data, n, k, "[REDACTED:")) return 0;
    for (size_t i = 0; i < sizeof not_a_letter / sizeof *not_a_letter; i++)
        if (word_at(kind, data, n, k + 10, not_a_letter[i])) return 0;
    return 1;
}

/* The same for a letter or a digit (a nested quote between a word and a token): not the marker of a rule whose
 * tokens begin with a sign, viewpattern.NOT_AN_ALNUM_MARKERS. */
static inline int alnum_marker_head_at(int kind, const void *data, Py_ssize_t n, Py_ssize_t k) {
    return word_at(kind, data, n, k, "[REDACTED:") && !word_at(kind, data, n, k + 10, "password_hash]") &&
           !word_at(kind, data, n, k + 10, "pem_private_key]");
}

/* The first match of _EDIT at or after `from` (1), or none (0); the edit it makes, as viewpattern.py's _edit. */
static inline int find(int kind, const void *data, Py_ssize_t n, Py_ssize_t from, match_t *m) {
    m->raw = 0;
    for (Py_ssize_t i = from; i < n; i++) {
        i = skip(kind, data, n, i);
        if (i >= n) break;
        Py_UCS4 c = AT(i);
        if (c == '\\') {
            /* \\(?=[\\u"])(?<!\\\\): a run of backslashes, from its first one */
            if (i > 0 && AT(i - 1) == '\\' && !after_st(kind, data, n, i)) continue;
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
            if (after == 'n' && (run == 3 || run == 6 || run == 12 || run == 24) && (i == 0 || AT(i - 1) != '\\') &&
                !(i >= 5 && AT(i - 5) == 'u' && hex_value(AT(i - 4)) >= 0 && hex_value(AT(i - 3)) >= 0 &&
                  hex_value(AT(i - 2)) >= 0 && hex_value(AT(i - 1)) >= 0)) {
                /* a line continuation, not after a \u escape, and the next line's prefix: nothing */
                int raw = 0;
                Py_ssize_t end = line_prefix(kind, data, n, j + 1, 0, &raw);
                m->end = end >= 0 ? end : j + 1;
                m->edit_at = i;
                m->what = raw ? DROP : JOINT;
                return 1;
            }
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
                     * break (viewpattern.py's group: \n\ before the escape's second character) */
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
                 * its own level (1, 2, 4 or 8 backslashes after the literal ones, then twice as many, no more) reads
                 * as a line break of that level, the literal ones kept (the text's own backslash before a string
                 * terminator), and an ESC that starts none of them as a space */
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
                if (level_escape <= (1 << (MAX_LEVEL - 1))) {
                    Py_ssize_t p = k;
                    while (p < n && AT(p) == '\\') p++;
                    /* ESC \\ of its level, then nothing or an escape of the same level (an OSC title's end, then the
                     * quote that opens a line's first cell) */
                    if (p - k == 2 * level_escape || p - k == 4 * level_escape - 1) {
                        m->end = k + 2 * level_escape;
                        m->edit_at = i + run - level_escape;
                        m->what = LINE;
                        m->level = level_escape;
                        if (level_escape == 1) prefix_after(kind, data, n, m);
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
             * inside a nested string's word, p4ss\"w0rd: flattened, it closed the value); a marker after it stands
             * for the token's first letter or digit */
            if (after == '"' && (run == 7 || run == 3) &&
                !(i > 0 && is_alnum(AT(i - 1)) && !escape_end(kind, data, n, i) && !option_end(kind, data, n, i) &&
                  !csi_end(kind, data, n, i) &&
                  j + 1 < n && (is_alnum(AT(j + 1)) || alnum_marker_head_at(kind, data, n, j + 1)))) {
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
            /* the run's other backslashes fail the lookbehind (its next character may start a match), but one 2e
             * after an ESC's u001b (a string terminator's) may begin an escape: _AFTER_ST, read in the text as
             * the reference's lookbehind is, whatever read the terminator */
            Py_ssize_t from_st = -1;
            if (i >= 5 && (AT(i - 1) == 'b' || AT(i - 1) == 'B'))
                for (Py_ssize_t e = 1; e <= (1 << (MAX_LEVEL - 1)) && from_st < 0; e <<= 1)
                    if (i + 2 * e < j && after_st(kind, data, n, i + 2 * e)) from_st = i + 2 * e;
            i = from_st >= 0 ? from_st - 1 : j - 1;
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
            /* %((?<=[A-Za-z0-9_\]]%)3(?=[Dd])|(?<=[A-Za-z0-9_.~\]-]%)2(?=6(?:[A-Za-z_]|<a letter's marker>)))[Dd6] */
            if (i == 0 || i + 2 >= n) continue;
            Py_UCS4 before = AT(i - 1), first = AT(i + 1), second = AT(i + 2);
            if (first == '3' && (second == 'D' || second == 'd') && (is_word(before) || before == ']')) {
                m->end = i + 3;
                m->edit_at = i;
                m->what = CHAR;
                m->ch = '=';
                return 1;
            }
            if (first == '2' && second == '6' && i + 3 < n &&
                (is_word(before) || before == '.' || before == '~' || before == '-' || before == ']')) {
                Py_UCS4 name = AT(i + 3);
                if ((name >= 'A' && name <= 'Z') || (name >= 'a' && name <= 'z') || name == '_' ||
                    (name == '[' && marker_head_at(kind, data, n, i + 3))) {
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
