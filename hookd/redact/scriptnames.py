""" "Password" in other scripts as a payload writes it: in each case, raw or as JSON's ``\\u`` escapes.

Hyperscan folds the case of ASCII letters only, and the view decodes escapes of printable ASCII only, so a
name outside ASCII is listed in every form it is met in: lower case, upper case (ŞİFRE as Turkish writes it
too) and capitalised (ПАРОЛЬ=, Пароль:), each raw (Claude Code writes UTF-8) and with its non-ASCII letters
escaped one and two levels down (a payload or a file's JSON written by Python's encoder, whose hex is lower
case; Hyperscan folds the hex's case). Used by secret_assignment's names (rules.py) and by the view's trigger
for a nested quote after a secret name (view.py).
"""

from __future__ import annotations

import json
import re

# As ASCII writes them (contrasena, losenord, haslo) they are in rules._SECRET_NAMES.
# The names written in scripts without case (Chinese simplified and traditional, Japanese, Korean) are also
# encoded.py's, before a fullwidth = or : (CJK_EXPRESSION): one list for both rules. 令牌 is "token", 密钥
# "secret key" (a key pair's public half is 公钥).
CJK_NAMES = ("密码", "密碼", "口令", "密钥", "密鑰", "令牌", "パスワード", "暗証番号", "비밀번호")
NAMES = ("contraseña", "lösenord", "hasło", "jelszó", "şifre", "пароль", *CJK_NAMES)


def _forms(name: str) -> list[str]:
    cased = dict.fromkeys((name, name.upper(), name.capitalize()))
    if "ş" in name:  # Turkish's capital of i is İ, Python's is I: both
        cased[name.upper().replace("I", "İ")] = None
    forms: list[str] = []
    for form in cased:
        escaped = json.dumps(form)[1:-1]
        forms += (form, escaped, escaped.replace("\\", "\\\\"))
    return list(dict.fromkeys(forms))


FORMS: tuple[str, ...] = tuple(form for name in NAMES for form in _forms(name))
# One expression for them (a Hyperscan or re alternation; compare ignoring ASCII case).
EXPRESSION = "(?:" + "|".join(re.escape(form) for form in FORMS) + ")"
# The CJK names alone, raw and escaped one and two levels down.
CJK_EXPRESSION = "(?:" + "|".join(re.escape(form) for name in CJK_NAMES for form in _forms(name)) + ")"
