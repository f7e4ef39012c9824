"""How a rule's keywords become the scanner's expressions: a keyword as the literal bytes it is, and
which token prefixes are distinctive enough to count towards a chunk's report budget (scan.py)."""

from __future__ import annotations


def counted(keyword: str) -> bool:
    """Whether a token rule's prefix is distinctive enough to count its every occurrence towards a chunk's
    budget: 4 characters or more, and not a word or part of words that prose and code use a lot; or with
    a character text seldom has after a letter (Azure's ``Q~``)."""
    return "~" in keyword or (
        len(keyword) >= 4
        and keyword.lower() not in COMMON_PREFIXES
        and (not keyword.isalpha() or sum(char.isupper() for char in keyword) >= 2)
    )


# npm_: an npm script's environment holds a hundred npm_* variables. X's bearer tokens' 21 A and Dropbox's
# long-lived tokens' 10: base64 of zeros (an image, a key) is a run of A where the literal reports at every character. API-, pat., sat.: words' parts.
# /services/T: a web service's routes (/services/Translate); the Slack path's trigger is its whole shape.
COMMON_PREFIXES = frozenset(
    {"key-", "secret_", "npm_", "sig=", "accountkey=", "sharedaccesskey=", "hooks.slack.com", ":\\/\\/"}
    | {"/services/t", "services\\/t"}
    | {"a" * 21, "a" * 10, "api-", "pat.", "sat."}
)


def literal_pattern(keyword: str) -> bytes:
    """A keyword as a Hyperscan pattern that matches exactly its UTF-8 bytes."""
    return "".join(f"\\x{byte:02x}" for byte in keyword.encode()).encode()
