"""Fake values for the third fresh set (fresh3_secrets.jsonl, fresh3_benign.jsonl; issue 16, h270).

Written before reading the rules, from sources neither earlier fresh set used: package managers' credential
files (.gem, cargo, pip.conf, gradle, maven), storage tools' configs (rclone, s3cmd, boto), .pgpass, ODBC and
ADO.NET strings, framework settings (Django, Rails, Laravel, Spring), secret managers' CLI output (Vault,
1Password, Bitwarden), deploy CLIs (wrangler, netlify, fly, supabase, firebase), model providers' keys in
notebooks, mail and payment APIs, observability keys, git's credential output, process and environment dumps,
Windows credential commands. A seed of its own (no other set's values move); every value is assembled from
pieces, so no literal in the repository is a credential.
"""

from __future__ import annotations

import functools

from fakes import ALNUM, B64, DIGITS, HEX, LOWER, UPPER, URLSAFE, Fakes


def values(seed: int = 2700) -> dict[str, str]:
    f = Fakes(seed)
    p = f.pick

    uid = f.uid
    pem = functools.partial(f.pem, tail=18)

    return {
        # provider tokens (their documented prefixes, alphabets and lengths)
        "w_gem": "rubygems" + "_" + p(HEX, 48),
        "w_cargo": "cio" + p(ALNUM, 32),
        "w_openai": "sk-" + "proj-" + p(URLSAFE, 74) + "T3Blbk" + "FJ" + p(URLSAFE, 74),
        "w_anthropic": "sk-" + "ant-api03-" + p(URLSAFE, 93) + "AA",
        "w_gemini": "AI" + "za" + p(URLSAFE, 35),
        "w_hf": "h" + "f_" + p(ALNUM, 34),
        "w_stripe": "sk_" + "live_" + p(ALNUM, 99),
        "w_whsec": "wh" + "sec_" + p(ALNUM, 32),
        "w_twsid": "A" + "C" + p(HEX, 32),
        "w_sendgrid": "S" + "G." + p(URLSAFE, 22) + "." + p(URLSAFE, 43),
        "w_mailgun": "ke" + "y-" + p(HEX, 32),
        "w_sentry": "sntr" + "yu_" + p(HEX, 64),
        "w_nrak": "NR" + "AK-" + p(UPPER + DIGITS, 27),
        "w_hvs": "hv" + "s." + p(URLSAFE, 90),
        "w_vaults": "s" + "." + p(ALNUM, 24),
        "w_netlify": "nf" + "p_" + p(ALNUM, 36),
        "w_supabase": "sb" + "p_" + p(HEX, 40),
        "w_firebase": "1" + "//0" + p(URLSAFE, 99),  # Google refresh tokens begin 1//0
        "w_fly": "Fly" + "V1 fm2_" + p(B64, 180),
        "w_glpat": "gl" + "pat-" + p(URLSAFE, 20),
        "w_ops": "op" + "s_" + p(B64, 180),
        # credentials without a telling prefix (found by their context)
        "w_pw1": p(ALNUM + "!#%*", 18),
        "w_pw2": p(ALNUM, 21),
        "w_pw3": p(ALNUM + "@$^", 16),
        "w_pw4": p(ALNUM, 15),
        "w_pw5": p(ALNUM + "!*", 20),
        "w_pw6": p(ALNUM, 24),
        "w_pw7": p(ALNUM + "#%", 19),
        "w_pw8": p(ALNUM, 17),
        "w_pw9": p(ALNUM + "-_", 22),
        "w_pw10": p(ALNUM, 19),
        "w_pw11": p(ALNUM + "!", 16),
        "w_pw12": p(ALNUM, 23),
        "w_hex32": p(HEX, 32),
        "w_hex32b": p(HEX, 32),
        "w_hex40": p(HEX, 40),
        "w_hex128": p(HEX, 128),
        "w_awskey": "AK" + "IA" + p(UPPER + DIGITS, 16),
        "w_awssecret": p(ALNUM + "+/", 40),
        "w_awskey2": "AK" + "IA" + p(UPPER + DIGITS, 16),
        "w_awssecret2": p(ALNUM + "+/", 40),
        "w_gsecret": p(B64, 40),
        "w_django": "django-" + "insecure-" + p(LOWER + DIGITS + "!@#%^*(-_=+)", 50),
        "w_laravel": "base64:" + p(B64, 43) + "=",
        "w_bwsession": p(B64, 86) + "==",
        "w_vercel": p(ALNUM, 24),
        "w_cftoken": p(URLSAFE, 40),
        "w_mistral": p(ALNUM, 32),
        "w_cohere": p(ALNUM, 40),
        "w_postmark": uid(),
        "w_railway": uid(),
        "w_rclone": p(URLSAFE, 54),
        "w_b64pw": p(B64, 28) + "==",
        "pemw_tls": pem("PRIVATE KEY"),
        "pemw_ec": pem("EC PRIVATE KEY"),
        # benign look-alikes
        "w_sha256": p(HEX, 64),
        "w_sha256b": p(HEX, 64),
        "w_sha512": p(HEX, 128),
        "w_sha1": p(HEX, 40),
        "w_uuid": uid(),
        "w_uuid2": uid(),
        "w_ulid": "01" + p("0123456789ABCDEFGHJKMNPQRSTVWXYZ", 24),
        "w_ulid2": "01" + p("0123456789ABCDEFGHJKMNPQRSTVWXYZ", 24),
        "w_woff": "d09GMgABAAAAA" + p(B64, 200),
        "w_chunk": p(HEX, 8),
        "w_chunk2": p(HEX, 20),
        "w_digits": p(DIGITS, 12),
    }
