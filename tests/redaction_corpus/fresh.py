"""Fake values for the fresh set (fresh_secrets.jsonl, fresh_benign.jsonl; issue 16, h256).

Written before reading the rules, as the outside set was: provider formats from gitleaks' rule list that
the first two sets do not hold, and the config files, connection strings and headers people paste into
agent sessions. Every value comes from a seeded generator (a seed of its own, so no other set's values
move) and is assembled from pieces, so no literal in the repository is a credential.
"""

from __future__ import annotations

import base64
import functools
import json

from fakes import ALNUM, B64, DIGITS, HEX, LOWER, UPPER, URLSAFE, Fakes


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def values(seed: int = 2560) -> dict[str, str]:
    f = Fakes(seed)
    p = f.pick

    uid = f.uid
    pem = functools.partial(f.pem, tail=22)

    jwt_head = _b64url(json.dumps({"alg": "RS256", "kid": p(ALNUM, 8)}).encode())
    jwt_body = _b64url(json.dumps({"sub": "svc-" + p(LOWER, 6), "exp": 1900000000}).encode())
    return {
        # provider tokens (gitleaks' rules: prefix, alphabet, length)
        "f_tavily": "tv" + "ly-dev-" + p(ALNUM, 32),
        "f_firecrawl": "f" + "c-" + p(HEX, 32),
        "f_langfuse": "sk-" + "lf-" + uid(),
        "f_frameio": "fi" + "o-u-" + p(LOWER + DIGITS + "_-", 64),
        "f_dnkey": "dn" + "key-" + p(LOWER + DIGITS, 26) + "-" + p(LOWER + DIGITS, 52),
        "f_atlas": p(LOWER + DIGITS, 14) + ".at" + "lasv1." + p(URLSAFE, 67),
        "f_maxmind": p(ALNUM, 6) + "_" + p(ALNUM, 29) + "_m" + "mk",
        "f_scalingo": "tk" + "-us-" + p(URLSAFE, 48),
        "f_settlemint": "sm" + "_pat_" + p(LOWER + DIGITS, 16),
        "f_facebook": "EA" + "AC" + p(ALNUM, 150),
        "f_plaid": "access" + "-production-" + uid(),
        "f_clickhouse": "4b" + "1d" + p(ALNUM, 38),
        "f_doppler_st": "dp" + ".st.prd." + p(ALNUM, 40),
        "f_artifactory_ref": "cmVm" + "dGtuOjAxOj" + p(ALNUM, 54),
        "f_e2b": "e2" + "b_" + p(HEX, 40),
        "f_fireworks": "f" + "w_" + p(ALNUM, 24),
        "f_mailchimp": p(HEX, 32) + "-us" + p(DIGITS, 2),
        "f_ngrok": "2" + p(ALNUM, 26) + "_" + p(ALNUM, 21),
        "f_cohere": p(ALNUM, 40),
        "f_clerk": "sk" + "_live_" + p(ALNUM, 40),
        "f_upstash": "AX" + p(URLSAFE, 60) + "=",
        "f_azdo": p(ALNUM, 52) + "JQQJ99" + p(ALNUM, 14) + "AZDO" + p(ALNUM, 8),
        "f_fbtoken": p(DIGITS, 15) + "|" + p(URLSAFE, 27),
        # credentials without a telling prefix (found by their context)
        "f_pw1": p(ALNUM + "!#%*", 18),
        "f_pw2": p(ALNUM, 22),
        "f_pw3": p(ALNUM + "@$^", 16),
        "f_pw4": p(ALNUM, 14),
        "f_pw5": p(ALNUM + "!*", 20),
        "f_pw6": p(ALNUM, 24),
        "f_bearer": p(URLSAFE, 40),
        "f_apikey": p(ALNUM, 36),
        "f_cookie": p(ALNUM, 32),
        "f_cookie2": p(URLSAFE, 48),
        "f_k8stoken": p(ALNUM, 48),
        "f_identity": p(URLSAFE, 64),
        "f_netrcpw": uid(),
        "f_jwt": f"{jwt_head}.{jwt_body}.{p(URLSAFE, 86)}",
        "f_hexkey": p(HEX, 64),
        "pemf_pkcs8": pem("PRIVATE KEY"),
        "pemf_openssh": pem("OPENSSH PRIVATE KEY"),
        "pemf_enc": pem("ENCRYPTED PRIVATE KEY"),
        "pemf_rsaenc": pem(
            "RSA PRIVATE KEY", head="Proc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC," + p(HEX.upper(), 32) + "\n\n"
        ),
        # benign look-alikes
        "f_sha": p(HEX, 40),
        "f_sha2": p(HEX, 40),
        "f_uuid": uid(),
        "f_sri": p(B64, 86) + "==",
        "f_png": "iVBORw0KGgoAAAANSUhEUgAA" + p(B64, 120),
        "f_digest": p(HEX, 64),
        "f_gosum": p(B64, 43) + "=",
        "f_upper": p(UPPER, 3) + p(DIGITS, 2),
    }
