"""Characters that print as nothing inside a secret's name or a token (the zero-width ones U+200B-U+200D,
U+2060, U+FEFF; the soft hyphen, the combining grapheme joiner, bidi marks, embeddings, overrides and isolates,
the invisible operators, the Mongolian vowel separator): a rule would
have to allow them between every two characters of every shape, so the view (view.py) drops them, raw or
written as a JSON escape, and maps what it drops back to the original: the rules see ``password=`` and the
token whole, and the marker covers the invisible characters inside the secret.
"""

from __future__ import annotations

import json

import pytest
from recall_helpers import as_json, assert_kept, assert_redacted

from hookd.redact import build_redactor
from hookd.redact.scan import CHUNK
from hookd.redact.view import View

PW = "Tr0ub4dor" + "&3xQcMz9"
TOKEN = "gh" + "p_" + "C3J27XDCG2LmlZGEONYlgCtjfIZ4SO2Hjn6r"
INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"]
# Read as part of the text before the eighteenth session: a value or token they split ended at them.
MORE_INVISIBLE = ["\u00ad", "\u034f", "\u061c", "\u180e", "\u200e", "\u200f", "\u202a", "\u202e", "\u2061", "\u2064"]
MORE_INVISIBLE += ["\u2066", "\u2069"]
INVISIBLE += MORE_INVISIBLE
STRIPE = "sk_" + "live_" + "4eC39HqLyjWDarjtT1zdp7dc"
REDACTOR = build_redactor(True)


@pytest.mark.parametrize("ascii_only", [True, False], ids=["escaped", "utf8"])
@pytest.mark.parametrize("char", INVISIBLE, ids=[f"U+{ord(c):04X}" for c in INVISIBLE])
def test_zero_width_inside_a_secret_name(char, ascii_only):
    assert_redacted(f"pass{char}word={PW}", PW, ascii_only=ascii_only)


@pytest.mark.parametrize("ascii_only", [True, False], ids=["escaped", "utf8"])
@pytest.mark.parametrize("char", INVISIBLE, ids=[f"U+{ord(c):04X}" for c in INVISIBLE])
def test_zero_width_inside_a_token(char, ascii_only):
    out = REDACTOR.redact(as_json(f"here: {TOKEN[:12]}{char}{TOKEN[12:]} ok", ascii_only))[0]
    assert TOKEN[12:] not in out, out


@pytest.mark.parametrize("ascii_only", [True, False], ids=["escaped", "utf8"])
def test_zero_width_after_a_whole_token_does_not_hide_it(ascii_only):
    # What works today: the token is whole, an invisible character only follows it.
    assert_redacted(f"GITHUB_TOKEN={TOKEN}\u200b", TOKEN, ascii_only=ascii_only)


@pytest.mark.parametrize("char", INVISIBLE, ids=[f"U+{ord(c):04X}" for c in INVISIBLE])
@pytest.mark.parametrize("levels", [1, 2, 3])
def test_zero_width_inside_a_token_in_json_text_nested_in_a_string(char, levels):
    # The escape of a nested level (\\u200b, \\\\u200b) is dropped as the payload's own \u200b is.
    text = f"here: {TOKEN[:9]}{char}{TOKEN[9:]} ok"
    for _ in range(levels - 1):
        text = json.dumps({"stdout": text})
    out = REDACTOR.redact(as_json(text))[0]
    assert TOKEN[9:] not in out and "[REDACTED:github_token]" in out, out
    json.loads(out)


@pytest.mark.parametrize("ascii_only", [True, False], ids=["escaped", "utf8"])
def test_zero_width_characters_around_a_secret_stay_outside_its_marker(ascii_only):
    # Only what lies inside the secret is redacted with it: the invisible characters before and after
    # it, and every other one in the text, stay byte for byte.
    doc = as_json(f"\u200bx \u2060{TOKEN[:12]}\u200d{TOKEN[12:]}\ufeff ok\u200c", ascii_only)
    out = REDACTOR.redact(doc)[0]
    marker = "[REDACTED:github_token]"
    assert out == doc.replace(doc[doc.index("ghp_") : doc.index(TOKEN[12:]) + len(TOKEN[12:])], marker), out


@pytest.mark.parametrize("ascii_only", [True, False], ids=["escaped", "utf8"])
def test_text_with_zero_width_characters_and_no_secret_is_kept(ascii_only):
    assert_kept("a\u200bb hello \u2060 world\ufeff, pass\u200bwd\u200c: see the docs", ascii_only)
    doc = as_json("\u200b" * 5000 + "word " * 10, ascii_only)
    assert REDACTOR.redact(doc)[0] == doc


def test_an_escape_deeper_than_the_view_reads_is_not_dropped():
    # Past MAX_LEVEL the view reads the text as it is (view.py): a token split there stays split.
    deep = "\\" * 16 + "u200b"
    view = View(f"{TOKEN[:12]}{deep}{TOKEN[12:]}")
    assert view.text == f"{TOKEN[:12]}{deep}{TOKEN[12:]}" and not view.changed


@pytest.mark.parametrize("ascii_only", [True, False], ids=["escaped", "utf8"])
@pytest.mark.parametrize("at", [CHUNK - 20, CHUNK - 13, CHUNK - 3, 3 * CHUNK + 5])
def test_zero_width_inside_a_token_anywhere_in_a_long_text(at, ascii_only):
    # The scanner reads a long text chunk by chunk: the trigger holds at and across every border.
    filler = "lorem ipsum dolor " * (4 * CHUNK // 18)
    text = filler[:at] + TOKEN[:12] + "\u200b" + TOKEN[12:] + filler[at:]
    out = REDACTOR.redact(as_json(text, ascii_only))[0]
    assert TOKEN[12:] not in out and out.count("[REDACTED:github_token]") == 1, at


@pytest.mark.parametrize("ascii_only", [True, False], ids=["escaped", "utf8"])
@pytest.mark.parametrize("char", MORE_INVISIBLE, ids=[f"U+{ord(c):04X}" for c in MORE_INVISIBLE])
def test_an_invisible_character_inside_an_assigned_value_does_not_end_it(char, ascii_only):
    # Before: API_KEY=[REDACTED:secret_assignment]<U+00AD>C39HqLy... (the value ended at the character).
    out = REDACTOR.redact(as_json(f"API_KEY={STRIPE[:10]}{char}{STRIPE[10:]}", ascii_only))[0]
    assert STRIPE[10:] not in out and STRIPE[:10] not in out, out


@pytest.mark.parametrize("ascii_only", [True, False], ids=["escaped", "utf8"])
def test_bidi_marks_in_right_to_left_text_keep_it(ascii_only):
    assert_kept("שלום \u200fעולם\u200e (test) \u202bمرحبا\u202c", ascii_only)


FULLWIDTH_STRIPE = "".join(chr(ord(c) + 0xFEE0) for c in STRIPE)


@pytest.mark.parametrize("ascii_only", [True, False], ids=["escaped", "utf8"])
@pytest.mark.parametrize(
    "text",
    [
        f"key {FULLWIDTH_STRIPE}",  # a token typed in fullwidth forms
        f"{STRIPE[:8]}{FULLWIDTH_STRIPE[8:]}",  # half of it
        "ＰＡＳＳＷＯＲＤ＝Hunter2xyz9Q",  # a name in fullwidth forms
        "ＤＢ＿ＰＡＳＳＷＯＲＤ=Hunter2xyz9Q",
    ],
)
def test_fullwidth_forms_read_as_ascii(text, ascii_only):
    out = REDACTOR.redact(as_json(text, ascii_only))[0]
    assert "[REDACTED:" in out and "Hunter2xyz9Q" not in out and "ｄｐ７ｄｃ" not in out and "dp7dc" not in out, out


@pytest.mark.parametrize("ascii_only", [False], ids=["utf8"])
@pytest.mark.parametrize("name", ["密码", "密碼", "パスワード", "비밀번호", "口令"])
def test_a_cjk_password_name_and_a_fullwidth_colon(name, ascii_only):
    # What a Chinese, Japanese or Korean input method writes: no space after the fullwidth colon.
    assert_redacted(f"数据库 {name}：Hunter2xyz9Q", "Hunter2xyz9Q", ascii_only=ascii_only)


@pytest.mark.parametrize("ascii_only", [True, False], ids=["escaped", "utf8"])
def test_cjk_prose_with_fullwidth_punctuation_and_digits_is_kept(ascii_only):
    assert_kept("构建完成，没有错误：共１２个测试（全部通过）！日志见ｌｏｇｓ／ｂｕｉｌｄ．ｔｘｔ。", ascii_only)
