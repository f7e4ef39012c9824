"""The Hyperscan patterns of the redactor's single pass that say a text holds something the view (view.py)
decodes: escapes, joints, tabs, invisible and fullwidth characters, terminal sequences, line prefixes. Where one
matches, the rules read the view instead of the text (redactor.py)."""

from __future__ import annotations

from hookd.redact import scriptnames
from hookd.redact.lineprefix import PREFIX_TRIGGERS

# A nested quote or an encoded = is worth a view only right after a name that may say secret.
_NESTED_QUOTE = r"""(?:\\\\\\|\\\\\\\\\\\\\\)\""""  # a quote of JSON two or three levels down
_NAME_WORD = (
    r"(?:(?i:pass|pwd|secret|token|key|auth|cookie|credential|session)[A-Za-z0-9_.-]{0,40}|(?i:"
    + scriptnames.EXPRESSION
    + "))"
)
VIEW_TRIGGERS = (
    r"\\u00[0-7]",
    r"\\[bf]",
    r"\\r\\n",
    # A tab beside a sign (name\t=\tvalue, "key":\t"value"), before an option after a word (mysql\t-u\troot,
    # curl\t-u: after a character that is no escape's letter, not a Makefile's \n\t-rm), or after a word a name
    # or a credential follows (export\tPW=, Bearer\t<token>, IDENTIFIED\tBY, user\t"bob"). Not between any two
    # words: at each field of tab-separated output, Hyperscan's pass cost 5x on a flood of them, and (?:\\t)+ and
    # a class after the tab 4x more than the tab alone (bench/README.md).
    r"(?:\\t)+[=:]|[=:](?:[ ]|\\t)*\\t",
    r"[^\\][A-Za-z0-9_]\\t-[A-Za-z-]",
    r"(?i:export|setx?|bearer|basic|token|auth|login|user|pass(?:word|wd)?|by|echo|printf)\\t",
    # A tab after punctuation where a value follows: a call's next argument (f("a",\t"pw")), a quoted field after
    # another ("bob"\t"pw": pgbouncer's userlist), a YAML list's item (-\t after a space, a tab or a line break;
    # not a class repeated after every line break, which slowed Hyperscan's pass on all text, bench/README.md);
    # and a tab before a secret word after a word (<td>DB\tpassword</td>). Each a rare pair in tab-separated output.
    r"""(?:,|\\")\\t(?:\\"|')""",
    r"(?:\\n|[ ]|\\t)-\\t",
    r"[A-Za-z]\\t(?i:pass(?:word|wd)|secret|token)",
    r"""(?:\\"|')(?:[ \t]|\\[nrt]){0,8}\+""",
    # PHP's, Perl's and Lua's joints as their style guides write them: one space each side, or a line break before
    # the dot or after it (PSR-12's continued line). A view trigger with a run of spaces or escapes each side cost a
    # 1.2 MB text of licences 3% of its whole redaction, and a flood of ' + ' 40% (bench/README.md, h97); where
    # another trigger builds the view, the view joins every form the joint reads.
    r"""(?:\\"|') \.\.? (?:\\"|')""",
    r"""(?:\\"|')(?:\\r)?\\n[ \t]*\.\.? (?:\\"|')""",
    r"""(?:\\"|') \.\.?(?:\\r)?\\n""",
    # Adjacent literals on indented lines (the sides unbounded: Hyperscan 5.4 missed some texts with {1,40}; a
    # gate may be wider). Starting on a quote and a newline: a class of a token's characters before the quote
    # cost 2 MB of the standard library's source half its scan again.
    r"""(?:\\"|')(?:\\r)?\\n(?:[ \t]|\\t)+(?:\\"|')""",
    # A literal's end before a diff's removed line (its prefix is no other trigger's: "- " is a list's item).
    r"""(?:\\"|')(?:\\r)?\\n-(?:[ \t]|\\t)""",
    # A literal's end at a string's end before the next, in an Edit's structuredPatch (a line each).
    r"""(?:\\"|')", ?"[+ -]""",
    # A literal's end before a line's continuation (an escaped backslash, then the break).
    r"""(?:\\"|')[ \t]{0,8}\\\\(?:\\n|", ?"[+ -])""",
    # A shell's line continuation (an escaped backslash, then an escaped break of its level): the view joins the
    # lines, so a name's sign or option before it and the value after it read together (export TOKEN=\\<break><v>).
    r"[^\\](?:\\{3}|\\{6}|\\{12}|\\{24})n",
    # after the name's own quote (a key), or after = or : (password = \\\"...\\\" in a file JSON quotes)
    _NAME_WORD + r"(?:[ \t]{0,4}[=:][ \t]{0,4})?" + _NESTED_QUOTE,
    # An encoded = or & wherever the view decodes one (after a word's character or a marker's ], & before a
    # letter or a marker's [: a=1%26password=, x%3D): read raw only when nothing else built the view, a pair was
    # read another way (an entity run from 26, a value x%3D that the view reads x=, too short), and a second pass
    # (an escape a marker, no view) took what the first had not.
    r"[A-Za-z0-9_\]]%3[Dd]",
    r"[A-Za-z0-9_.~\]-]%26(?:[A-Za-z_]|\[REDACTED:)",
    # a command's argument in nested quotes (a command in JSON in a string: echo \\\"pw\\\" | docker login
    # --password-stdin, sshpass -p \\\"pw\\\", -p\\\"pw\\\"): after a word and a space or =, a glued short
    # option or a here-string; not a nested JSON's own quotes (after {, a comma, a colon and a space)
    r"(?:[A-Za-z0-9_'-](?:[ \t]{1,4}|=)|[ \t]-[A-Za-z]|<<<[ \t]{0,4})" + _NESTED_QUOTE,
    # The characters past ASCII the view decodes, escaped and raw (the scan reads UTF-8 bytes). Split in small
    # patterns: as one, Hyperscan checked every escape or character that shares their lead (\\u20, E2 80, EF BC:
    # curly quotes, CJK punctuation), and scanned Chinese text 20x slower, JSON with escaped quotes 10x.
    r"(?i)\\u(?:200[b-f]|2060|feff|00a0|200[0-9a]|202f|3000)",
    r"(?i)\\u(?:00ad|034f|061c|180e|202[a-e]|206[1-46-9])",
    r"(?i)\\uff(?:0[bd-f]|1[0-9]|2[1-9a-f]|3[0-9af]|4[1-9a-f]|5[0-9a])",
    r"\xE2\x80[\x8B-\x8F\xAA-\xAE]|\xE2\x81[\xA0-\xA4\xA6-\xA9]|\xEF\xBB\xBF",
    r"\xC2\xA0|\xE2\x80[\x80-\x8A\xAF]|\xE3\x80\x80",
    r"\xC2\xAD|\xCD\x8F|\xD8\x9C|\xE1\xA0\x8E",
    r"\xEF\xBC[\x8B\x8D-\x99]",
    r"\xEF\xBC[\xA1-\xBA\xBF]",
    r"\xEF\xBD[\x81-\x9A]",
    # A terminal's escape sequence: a raw ESC (text that is not JSON), or an escaped CSI (every coloured output
    # holds one). The same expression as encoded.py's need for its ANSI part, which Hyperscan then matches once:
    # any other cost 60-80 ns at every escape (a coloured 30 kB Bash result scanned 60% slower). So an OSC 8
    # link with no colour in the text builds no view; its escapes already part its address from its text.
    r"(?i)\\u001b\[",
    r"\x1b",
    # JSON's escaped solidus before a key's character: PHP's json_encode writes every / as \/, a base64 key's too.
    # (Hyperscan checks each \/ of such a text: a PHP API's answer scans at a fifth of its speed. str.find for it
    # instead cost every small event more, at each of its backslashes: bench/README.md.)
    r"\\/[A-Za-z0-9+]",
    *PREFIX_TRIGGERS,
)
