/* The redaction view's decoding (hookd/redact/view.py) in C: the same matches as viewpattern.py's EDIT
 * regex, the same edits as view.py's _edit, in one pass over the str's own storage (any kind: ASCII,
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

#include "_viewcore_text.h"
#include "_viewcore_joints.h"
#include "_viewcore_lineprefix.h"
#include "_viewcore_logstamp.h"
#include "_viewcore_logfields.h"
#include "_viewcore_find.h"

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
