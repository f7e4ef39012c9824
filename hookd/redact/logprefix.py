"""A log line's prefix (a time, a level, a service's or a pod's name), which the view drops as a line's prefix.

Output an agent reads from a log (``docker compose logs``, ``kubectl logs --prefix``, ``journalctl``, a CI job's
log, a web server's error log, an application's logger) has a prefix before each line's text. The rules that
want a line's start (.netrc, redis's ``requirepass``, a command's first word) read that text as mid-line; the
view (lineprefix.py) drops the prefix so they read it as written. Every field is a shape no secret has (a time,
a level's word, ``name-1  | ``, ``[pod/name/container]``, ``app[123]: ``): what the prefix held is not read by
the rules, so a field is never a word alone (a word only where the shape around it says what it is: syslog's
host before ``tag[pid]: ``, Spring Boot's thread after ``pid --- ``), a ``key: `` or a ``key=`` other than a level's. _viewcore.c's
``log_prefix`` reads the same: each field is read once, in this order, with no way back into it (the atomic
groups), and at most 7 fields; a field's text is bounded (at most 239 characters, Spring Boot's; 96 a first
field's), so a prefix is at most 1,572 characters, and no field holds a line break or a backslash.
"""

from __future__ import annotations

_LEVELS = "TRACE|DEBUG|INFO|NOTICE|WARNING|WARN|ERROR|ERR|CRITICAL|CRIT|FATAL|ALERT|EMERG|SEVERE|FINE"
# A level's word, whole (no word's character after it: INFOS is no level).
_LEVEL = r"(?:" + _LEVELS + r")(?![A-Za-z0-9_])"
_MONTHS = "(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
# A field ends in one space; the next may be padded (up to 7 more): what follows the last field is the line's own
# (its indentation, a YAML block's).
_SP = " "
_PAD = " {0,7}+"
# A time of day: 12:00:00, a fraction of 1-9 digits after . or , and a zone (Z, +00, +0000, +00:00).
_TIME = r"[0-9]{2}:[0-9]{2}:[0-9]{2}(?>[.,][0-9]{1,9}+)?+(?>Z|[+-][0-9]{2}(?>:?[0-9]{2})?+)?+"
# A date and maybe its time (ISO 8601's T or a space), a time alone, syslog's and journalctl's "May  1 12:00:00",
# Django's and Apache's 01/May/2024 and its time. No two of them start alike: at most one is read at a place.
_STAMP = (
    "(?:"
    + "|".join(
        (
            r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?>[T ]" + _TIME + ")?+",
            r"[0-9]{4}/[0-9]{2}/[0-9]{2}(?> " + _TIME + ")?+",
            _TIME,
            _MONTHS + r" (?> [0-9]|[0-9]{1,2}+) " + _TIME,
            r"[0-9]{2}/" + _MONTHS + r"/[0-9]{4}[ :]" + _TIME,
        )
    )
    + ")"
)
# A bracket's content: a stamp (and Ruby's Logger's " #pid"), a level's word in any case, kubectl's
# pod/name/container. Never a marker ([REDACTED:...]) or any other word: a bracket may hold a token.
_K8S = r"(?:pod|deployment|job|statefulset|daemonset|replicaset|cronjob)/[a-z0-9.-]{1,64}+/[a-z0-9-]{1,64}+"
_BRACKET = r"\[(?>" + _STAMP + r"(?: #[0-9]{1,10}+)?+|(?ai:" + _LEVELS + r") {0,3}+|" + _K8S + r")\]:?+" + _SP
# compose's "web-1  | ": a service's name, its replica's number after - or _ (1-4 digits), padding and a bar.
_REPLICA = "|".join(r"(?<=[-_][0-9]{%d})" % d for d in range(1, 5))
_COMPOSE = r"[A-Za-z0-9_.-]{2,62}+(?:" + _REPLICA + r") {1,32}+\| "
# winston's levels in lower case, then a colon and a space (info: , warn: ): a YAML key's shape too, whose value
# the rules then read as a line's start (a key's value holds no line-start secret it did not hold as one).
_WINSTON = r"(?:error|warn|info|http|verbose|debug|silly): "
# A field that may start a prefix, in the order they are tried: a stamp, a bracket, compose's service, a level
# and a colon (INFO: , Python logging's INFO:name:), winston's level, Ruby's Logger's "I, ", logfmt's time= or
# level=, HTML's <pre> or <code>.
_FIRST = (
    "(?>"
    + "|".join(
        (
            _STAMP + _SP,
            _BRACKET,
            _COMPOSE,
            _LEVEL + r":(?>[A-Za-z0-9_.-]{1,64}+:|" + _SP + ")",
            _WINSTON,
            r"[DIWEFAU], (?=\[)",
            r"(?:time|ts)=" + _STAMP + _SP,
            r"level=(?ai:" + _LEVELS + r")(?![A-Za-z0-9_])" + _SP,
            r"<(?:pre|code)>",
        )
    )
    + ")"
)
# syslog's "tag[pid]: " (after its host) and Heroku's "app[web.1]: ".
_TAG = r"[A-Za-z0-9_./-]{1,64}+\[[A-Za-z0-9_.-]{1,32}+\]:" + _SP
# log4j's and logback's thread in brackets ([main], [http-nio-8080-exec-1], [ForkJoinPool.commonPool-worker-1]):
# words (capitalised or lower case, no digit inside one) and numbers apart by - or ., so never a token (a token's
# letters and digits mix); and the logger, a Java name (packages in lower case, then a class of letters and maybe
# an inner class or a number after $) and " - ".
_THREAD_PART = r"(?:(?:[A-Za-z][a-z]{0,11}+){1,3}+|[0-9]{1,10}+)"
_THREAD_NAME = _THREAD_PART + r"(?:[-.]" + _THREAD_PART + r"){0,4}+"
_THREAD = r"\[" + _THREAD_NAME + r"\]" + _SP
_CLASS = r"[A-Z][A-Za-z]{0,60}+(?:\$(?:[A-Z][A-Za-z]{0,40}+|[0-9]{1,4}+))?+"
_LOGGER = r"(?:[a-z][a-z0-9_]{0,19}+\.){1,6}+" + _CLASS + " {1,40}+- "
# Spring Boot's "pid --- [app] [thread] logger  : ": the app's and the thread's names (the thread's padded to 15,
# right-aligned) and the logger (a class after packages in lower case, abbreviated or not, or a name in lower
# case: org.hibernate.orm.deprecation) padded to a column, in the shapes log4j's are read in: a token standing in
# one of them (its letters and digits mix) is no field, so the view keeps it for the rules to read.
_SPRING_LOGGER = r"(?:[a-z][a-z0-9_]{0,19}+\.){0,8}+(?:" + _CLASS + r"|[a-z]{1,31}+)"
_SPRING = r"[0-9]{1,10}+ --- (?:\[ {0,39}+" + _THREAD_NAME + r"\] ){1,2}+" + _SPRING_LOGGER + r" {0,40}+:" + _SP
# A field after another, in the order they are tried: any first one, a level's word alone, syslog's host and
# tag, a tag, nginx's "pid#tid: " and "*connection ", Ruby's Logger's "-- progname: ", logfmt's msg=, GitLab's
# stream (01O, 02E), Spring Boot's, log4j's thread and logger.
_NEXT = (
    "(?>"
    + "|".join(
        (
            _FIRST,
            _LEVEL + _SP,
            r"[A-Za-z0-9_.-]{1,64}+ " + _TAG,
            _TAG,
            r"[0-9]{1,10}+#[0-9]{1,10}+:" + _SP,
            r"\*[0-9]{1,20}+" + _SP,
            r"-- [A-Za-z0-9_.-]{0,32}+:" + _SP,
            r"msg=",
            r"[0-9]{2}[EO]" + _SP,
            _SPRING,
            _THREAD,
            _LOGGER,
        )
    )
    + ")"
)
LOG_FIELDS = 7  # a prefix's fields, at most
LOG_PREFIX = "(?>" + _FIRST + "(?:" + _PAD + _NEXT + "){0,%d}+)" % (LOG_FIELDS - 1)
# The view's triggers for a log line's prefix (with lineprefix.PREFIX_TRIGGERS, whose "a word's character, a colon,
# digits and a colon" is already every time of day's): compose's replica and bar, kubectl's bracket, a level's
# word and a colon or in brackets, logfmt's level=, <pre> and <code>, winston's level at a line's start. A date
# alone before a line's text builds no view (a date with no time, a level's word alone: git log's and ls's lines
# are full of dates).
LOG_TRIGGERS = (
    r"[0-9] \| |[0-9]  +\| ",  # (one space, or two and more: " +" cost a markdown table's bars 7x)
    r"\[(?:pod|deployment|job|statefulset|daemonset|replicaset|cronjob)/",
    r"(?:" + _LEVELS + r"):|(?i:\[(?:" + _LEVELS + r") {0,3}\]|level=)",
    r"<(?:pre|code)>",
    r'(?:\n|\\n|")' + _WINSTON,  # at a line's start only: git's and gcc's "error: " and "warning: " stand mid-line too
)
