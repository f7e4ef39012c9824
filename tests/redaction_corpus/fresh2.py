"""Fake values for the second fresh set (fresh2_secrets.jsonl, fresh2_benign.jsonl; issue 16, h259).

Written before reading the rules, from other sources than the first fresh set: CI files, compose files,
Helm values, Ansible vars, Terraform state, SQL, cloud CLIs, a browser's "copy as" commands, Postman and HAR
exports, notebooks, stack traces, code literals in six languages, webhook URLs, and provider formats from
gitleaks' rules. A seed of its own (no other set's values move); every value is assembled from pieces, so no
literal in the repository is a credential.
"""

from __future__ import annotations

import functools

from fakes import ALNUM, B64, DIGITS, HEX, LOWER, UPPER, URLSAFE, Fakes

_BECH32 = "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L"


def values(seed: int = 2590) -> dict[str, str]:
    f = Fakes(seed)
    p = f.pick

    uid = f.uid
    pem = functools.partial(f.pem, tail=22)

    def pgp() -> str:
        lines = [p(B64, 64) for _ in range(5)]
        body = "\n".join(lines)
        return f"-----BEGIN PGP PRIVATE KEY BLOCK-----\n\n{body}\n={p(B64, 4)}\n-----END PGP PRIVATE KEY BLOCK-----\n"

    return {
        # provider tokens (gitleaks' rules: prefix, alphabet, length)
        "q_pscale": "psc" + "ale_tkn_" + p(ALNUM, 43),
        "q_age": "AGE-" + "SECRET-KEY-1" + p(_BECH32, 58),
        "q_1pw": "A" + "3-" + "-".join(p(UPPER + DIGITS, n) for n in (6, 11, 5, 5, 5)),
        "q_brevo": "xkey" + "sib-" + p(HEX, 64) + "-" + p(ALNUM, 16),
        "q_cforigin": "v1" + ".0-" + p(HEX, 24) + "-" + p(HEX, 146),
        "q_azsecret": p(ALNUM, 3) + "8Q" + "~" + p(ALNUM + "_~.-", 34),
        "q_linear": "lin" + "_api_" + p(ALNUM, 40),
        "q_groq": "gs" + "k_" + p(ALNUM, 52),
        "q_replicate": "r8" + "_" + p(ALNUM, 37),
        "q_slackhook": "https://hooks.slack.com/services/T"
        + p(UPPER + DIGITS, 10)
        + "/B"
        + p(UPPER + DIGITS, 10)
        + "/"
        + p(ALNUM, 24),
        "q_discord": p(DIGITS, 19) + "/" + p(URLSAFE, 68),
        "q_teams": uid() + "@" + uid() + "/IncomingWebhook/" + p(HEX, 32) + "/" + uid() + "/V2" + p(URLSAFE, 43),
        # credentials without a telling prefix (found by their context)
        "q_pw1": p(ALNUM + "!#%*", 18),
        "q_pw2": p(ALNUM, 22),
        "q_pw3": p(ALNUM + "@$^", 16),
        "q_pw4": p(ALNUM, 14),
        "q_pw5": p(ALNUM + "!*", 20),
        "q_pw6": p(ALNUM, 24),
        "q_pw7": p(ALNUM + "#%", 19),
        "q_pw8": p(ALNUM, 17),
        "q_pw9": p(ALNUM + "-_", 21),
        "q_hex32": p(HEX, 32),
        "q_hex40": p(HEX, 40),
        "q_hex40b": p(HEX, 40),
        "q_awssecret": p(ALNUM + "+/", 40),
        "q_apikey": p(ALNUM, 36),
        "q_apikey2": p(ALNUM, 32),
        "q_bearer": p(URLSAFE, 44),
        "q_cookie": p(ALNUM, 32),
        "q_cookie2": p(URLSAFE, 43),
        "q_privtoken": p(ALNUM + "-_", 20),
        "q_npmuuid": uid(),
        "q_b64pw": p(B64, 24) + "==",
        "q_yamlkey": p(HEX, 48),
        "pemq_sa": pem("PRIVATE KEY"),
        "pemq_ssh": pem("OPENSSH PRIVATE KEY"),
        "pemq_pgp": pgp(),
        # benign look-alikes
        "q_sha": p(HEX, 40),
        "q_sha2": p(HEX, 40),
        "q_sha3": p(HEX, 40),
        "q_uuid": uid(),
        "q_uuid2": uid(),
        "q_sri512": p(B64, 86) + "==",
        "q_sri384": p(B64, 64),
        "q_digest": p(HEX, 64),
        "q_gosum": p(B64, 43) + "=",
        "q_sshpub": "AAAAC3NzaC1lZDI1NTE5AAAAI" + p(B64, 43),
        "q_fpr": p(HEX.upper(), 40),
        "q_png": "iVBORw0KGgoAAAANSUhEUgAA" + p(B64, 160),
        "q_etag": p(HEX, 32),
        "q_lower": p(LOWER, 12),
    }
