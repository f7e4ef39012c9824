"""A log line's prefix does not hide a rule that wants the line's start (issue 16, logprefix.py).

Output read from a log has a prefix on every line: ``docker compose logs``' ``web-1  | ``, a timestamp, syslog's
``May  1 12:00:00 host app[123]: ``, ``kubectl logs --prefix``' ``[pod/name/container] ``, a CI runner's
timestamp, an application logger's level. The line-start rules (.netrc, .pgpass, redis's ``requirepass``) read
the text after it as mid-line and kept its secret. The view drops such a prefix (field by field, each a shape no
secret has); what is no log prefix (a YAML ``key: value``, ``path: text``, a bracket that may hold a token) is
kept, and the compiled view reads the same as the Python one.
"""

from __future__ import annotations

import json
import os
import random
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "redaction_corpus"))
sys.path.insert(0, os.path.dirname(__file__))

import load  # noqa: E402
from fakes import Fakes  # noqa: E402
from test_redact_view_core import compare  # noqa: E402

from hookd.redact import build_redactor  # noqa: E402
from hookd.redact.view import PyView, View  # noqa: E402

REDACTOR = build_redactor(True)
VALUES = Fakes(86).all()


def _per_line(prefix):
    return lambda text: "\n".join(prefix(i + 1, line) for i, line in enumerate(text.split("\n")))


PREFIXES = {
    "compose": "web-1  | ",
    "compose_v1": "web_1    | ",
    "iso_timestamp": "2026-12-04T10:00:00.123Z ",
    "python_logging_time": "2024-05-01 12:00:00,123 INFO ",
    "syslog": "May  1 12:00:00 host app[123]: ",
    "journalctl": "May 01 12:00:01 web01 myapp[4711]: ",
    "bracketed_time": "[12:00:00] ",
    "github_actions": "2024-05-01T12:00:00.1234567Z ",
    "gitlab_ci": "2024-05-01T12:00:00.123456Z 01O ",
    "kubectl": "[pod/api-7d9f/app] ",
    "bracketed_level": "[INFO] ",
    "level_colon": "INFO: ",
    "python_logging": "INFO:myapp.settings:",
    "heroku": "2024-05-01T12:00:00.000000+00:00 app[web.1]: ",
    "nginx_error": "2024/05/01 12:00:00 [error] 1234#1234: *1 ",
    "rails": "I, [2024-05-01T12:00:00.123456 #1234]  INFO -- : ",
    "django": "[01/May/2024 12:00:00] ",
    "spring": "2024-05-01 12:00:00.123  INFO 1234 --- [main] c.e.demo.Application             : ",
    "bracketed_time_level": "[2024-05-01 12:00:00,123] WARNING ",
    "logfmt": "time=2024-05-01T12:00:00Z level=info msg=",
    "compose_then_timestamp": "web-1  | 2024-05-01T12:00:00.123Z ",
    "compose_then_level": "web-1  | [INFO] ",
    "cat_n_of_a_log": "    12\t2024-05-01T12:00:00Z DEBUG ",
    "grep_n_of_a_log": "logs/app.log:12:2024-05-01 12:00:00,123 ERROR ",
    "winston": "warn: ",
    "winston_time": "2026-12-05T10:00:00.000Z info: ",
    "log4j": "2026-12-05 10:00:01.123 INFO  [main] c.e.App - ",
    "logback": "10:00:01.123 [http-nio-8080-exec-1] INFO  com.example.web.Controller - ",
    "log4j_level_first": "[WARN ] 2026-12-05 10:00:01 c.e.App - ",
}
# The cases written with a prefix already (s700-s704, s900-s907, s1300-s1302): the view reads one prefix a line
# (of at most 7 fields). Left on purpose, as for every line's prefix (test_redact_line_prefixes): a token split
# into literals on two lines.
_PREFIXED = {f"s70{i}" for i in range(5)} | {f"s90{i}" for i in range(8)} | {"s1300", "s1301", "s1302", "s1504"}
_SECRET_TEXT_CASES = [case for case in load.text_secret_cases() if case.id not in _PREFIXED]
_SPLIT = {"s261", "o-s116", "o-s117"}


@pytest.mark.parametrize("prefix", sorted(PREFIXES))
def test_corpus_secrets_are_redacted_with_a_log_prefix_on_every_line(prefix: str) -> None:
    rewrite = _per_line(lambda i, line: PREFIXES[prefix] + line)
    missed = [
        (case.id, case.where, ensure_ascii)
        for case, ensure_ascii in load.missed_rewritten(REDACTOR, _SECRET_TEXT_CASES, rewrite)
        if case.id not in _SPLIT
    ]
    assert len(_SECRET_TEXT_CASES) > 400
    assert not missed, missed


# Inside <pre> (curl of a page that shows a file): the first line reads as it starts. Left: a closing tag glued to
# the last line's value (</pre> right after an unquoted value or an OpenVPN auth file's password line).
_PRE_LEFT = {"s265", "s266", "s267", "s306", "s504"}


@pytest.mark.parametrize("wrap", ["<pre>{}</pre>", "<pre><code>{}</code></pre>"])
def test_corpus_secrets_are_redacted_inside_pre(wrap: str) -> None:
    missed = [
        case.id
        for case, _ in load.missed_rewritten(REDACTOR, _SECRET_TEXT_CASES, wrap.format)
        if case.id not in _SPLIT | _PRE_LEFT
    ]
    assert not missed, missed


@pytest.mark.parametrize(
    "line",
    [
        "2024-05-01T12:00:00.1234567Z +requirepass {pw}",
        "web-1  | # requirepass {pw}",
        "web-1  |   password {pw}",
        "[pod/api-7d9f/app] -  password {pw}",
        "May  1 12:00:00 host app[123]: requirepass {pw}",
    ],
)
def test_a_marker_or_an_indentation_after_a_log_prefix_reads_as_the_lines(line: str) -> None:
    text = "machine git.example.com\n  login bob\n" + line.format(pw=VALUES["pw"]) + "\n"
    for ensure_ascii in (False, True):
        out, _ = REDACTOR.redact(json.dumps({"tool_response": {"stdout": text}}, ensure_ascii=ensure_ascii))
        assert VALUES["pw"] not in out, out


# No log prefix: a YAML key and its value, an error message's path, a lower-case word that is no winston level
# (git's warning: ), a replica's number of five digits, a bracket with a word or a marker in it (a token may stand
# there), a date alone before two spaces and a bar, a level glued to a word.
KEPT = [
    "warning: the password field is required\n",
    "level: debug\n",
    "/etc/app/config.yml: password field is empty\n",
    "web-12345 | x\n",
    "[x] rotate the session secret\n",
    "[ghp_notatoken] x\n",
    "[REDACTED:secret_line] x\n",
    "INFOS: x\n",
    "12:30 meeting\n",
    "web | x\n",
]


@pytest.mark.parametrize("text", KEPT)
def test_what_is_no_log_prefix_is_kept_in_the_view(text: str) -> None:
    payload = json.dumps({"tool_response": {"stdout": "out\n" + text}})
    assert View(payload).text == payload


def test_a_log_prefix_is_dropped_in_the_view_and_the_lines_indentation_kept() -> None:
    text = "web-1  | 2024-05-01T12:00:00.123Z [INFO]   x\nMay  1 12:00:00 host app[123]:     y\n"
    assert View(json.dumps({"s": text})).text == json.dumps({"s": "  x\n    y\n"})


# Log lines that name a secret but hold none stay as they are (the corpus's b900-b904 are longer ones).
@pytest.mark.parametrize(
    "text",
    [
        'db-1   | 2024-05-01 12:00:05.456 UTC [42] FATAL:  password authentication failed for user "app"\n',
        "May 01 12:00:00 web01 sshd[1234]: Accepted password for bob from 10.0.0.1 port 52122 ssh2\n",
        "[pod/api-7d9f/app] Token refreshed; next refresh in 3600s\n",
        "2024-05-01T12:00:00.1234567Z   PASSWORD: ***\n",
        "WARNING:django.security.csrf:Forbidden (CSRF token missing.): /login/\n",
    ],
)
def test_log_lines_that_name_secrets_stay_as_they_are(text: str) -> None:
    payload = json.dumps({"tool_response": {"stdout": text}})
    assert REDACTOR.redact(payload) == (payload, {})


# The compiled view reads a log prefix as the Python one: every field and its bounds (a name of 62 characters, a
# thread of 40, a logger of 96, 7 fields, 7 spaces of padding, 9 digits of a fraction), cut or changed at random.
FIELDS = [
    "2024-05-01T12:00:00.123Z ", "2024-05-01 12:00:00,123 ", "2024/05/01 12:00:00 ", "12:00:00 ", "May  1 12:00:00 ",
    "May 01 12:00:00 ", "01/May/2024:12:00:00 ", "[12:00:00] ", "[INFO] ", "[error] ", "[2024-05-01T12:00:00.123456 #1234] ",
    "[pod/web-7d9/app] ", "web-1  | ", "web_1    | ", "INFO: ", "INFO:root:", "E, ", "time=2024-05-01T12:00:00Z ",
    "level=info ", "<pre>", "<code>", "INFO ", "host app[123]: ", "app[web.1]: ", "1234#1234: ", "*1 ", "-- : ", "msg=",
    "01O ", "1234 --- [main] c.e.App   : ", "1234 --- [app] [  main] c.e.App : ", "12:00:00+05:30 ", "12:00:00-0700 ",
    "12:00:00.1234567890 ", "a" * 60 + "-1 | ", "a" * 61 + "-1 | ", "[" + "m" * 40 + "] ", "x" * 96 + " : ", "+ ", "- ",
    "# ", "-p ",
    "warn: ", "info: ", "verbose: ", "silly: ", "[WARN ] ", "[INFO    ] ", "[main] ", "[http-nio-8080-exec-1] ",
    "[ForkJoinPool.commonPool-worker-1] ", "[a-b-c-d-e] ", "[a-b-c-d-e-f] ", "[" + "Abcdefghijkl" * 3 + "] ",
    "[" + "Abcdefghijkl" * 4 + "] ", "[A" + "b" * 12 + "] ", "[1234567890] ", "[12345678901] ", "[main-] ", "[a1] ",
    "c.e.App - ", "com.example.App" + " " * 40 + "- ", "com.example.App" + " " * 41 + "- ", "a.b.c.d.e.f.G - ",
    "a.b.c.d.e.f.g.H - ", "a" * 20 + ".App - ", "a" * 21 + ".App - ", "c.e." + "A" * 61 + " - ", "c.e." + "A" * 62 + " - ",
    "c.e.App$1 - ", "c.e.App$12345 - ", "c.e.App$Inner - ", "c.e.App$" + "I" * 41 + " - ", "c.e.App$x - ", "c.e.S3 - ",
    "c.Ex.App - ", "App - ",
]  # fmt: skip
CHANGES = ["", " ", "  ", "x", "1", ":", "]", "[", "|", "-", "é", "😀", "\\n", "\n", '\\"', " " * 8, "\\t", "Z", "ſ"]
STARTS = ["\n", "\\n", '"', "x\n", '{"a": "', "     1\t", "a/b.log:3:", "\\u0007", "\x1b\\"]


def test_the_compiled_view_reads_log_prefixes_as_the_reference() -> None:
    rng = random.Random(86)
    dropped = 0
    for _ in range(6000):
        text = rng.choice(STARTS)
        for _ in range(rng.randint(1, 9)):
            field = rng.choice(FIELDS)
            if rng.random() < 0.3:
                cut = rng.randrange(len(field) + 1)
                field = field[:cut] + rng.choice(CHANGES) + field[cut + rng.randint(0, 2) :]
            text += " " * rng.choice([0, 0, 0, 1, 3, 7, 8]) + field
        text += rng.choice(CHANGES) + "rest"
        dropped += len(PyView(text).text) < len(text) - 3
        compare(text, every_pair=False)
    assert dropped > 1000
