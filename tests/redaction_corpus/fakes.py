"""Fake secrets of every shape the corpus uses, made at load time from a seeded generator.

Nothing in the repository is a credential, and nothing a secret scanner
would take for one: each value is assembled here, with valid shapes and
checksums (GitHub's and npm's CRC32, Luhn), from random characters.
"""

from __future__ import annotations

import base64
import binascii
import random
import uuid

from hookd.redact.checksums import base62

UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
LOWER = UPPER.lower()
DIGITS = "0123456789"
ALNUM = UPPER + LOWER + DIGITS
HEX = "0123456789abcdef"
B64 = ALNUM + "+/"
URLSAFE = ALNUM + "_-"


class Fakes:
    def __init__(self, seed: int = 16) -> None:
        self.rng = random.Random(seed)

    def pick(self, alphabet: str, n: int) -> str:
        while True:
            value = "".join(self.rng.choice(alphabet) for _ in range(n))
            # Real keys mix cases and digits; so do these (a run of one kind is a placeholder).
            kinds = [str.isupper, str.islower, str.isdigit]
            needed = [kind for kind in kinds if any(kind(c) for c in alphabet)]
            if n < 12 or len(needed) < 3 or all(any(kind(c) for c in value) for kind in needed):
                return value

    def crc(self, prefix: str) -> str:
        body = self.pick(ALNUM, 30)
        return prefix + body + base62(binascii.crc32(body.encode()), 6)

    def card(self) -> str:
        digits = [4] + [self.rng.randrange(10) for _ in range(14)]
        total = 0
        for i, d in enumerate(reversed(digits)):
            d = d * 2 if i % 2 == 0 else d
            total += d - 9 if d > 9 else d
        return "".join(map(str, digits)) + str((10 - total % 10) % 10)

    def pem(self, label: str = "RSA PRIVATE KEY", tail: int = 20, head: str = "") -> str:
        body = "\n".join(self.pick(B64, 64) for _ in range(5))
        return f"-----BEGIN {label}-----\n{head}{body}\n{self.pick(B64, tail)}==\n-----END {label}-----\n"

    def uid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def discord(self) -> str:
        bot_id = str(self.rng.randrange(10**17, 10**18))
        head = base64.urlsafe_b64encode(bot_id.encode()).decode().rstrip("=")
        return f"{head}.{self.pick(URLSAFE, 6)}.{self.pick(URLSAFE, 27)}"

    def all(self) -> dict[str, str]:
        p = self.pick
        return {
            "gh": self.crc("gh" + "p_"),
            "gho": self.crc("gh" + "o_"),
            "ghs": self.crc("gh" + "s_"),
            "ghfine": "github" + "_pat_" + p(ALNUM, 22) + "_" + p(ALNUM, 59),
            "glpat": "gl" + "pat-" + p(URLSAFE, 20),
            "slackbot": "xo" + "xb-" + p(DIGITS, 12) + "-" + p(DIGITS, 13) + "-" + p(ALNUM, 24),
            "slackhook": "T" + p(UPPER + DIGITS, 8) + "/B" + p(UPPER + DIGITS, 10) + "/" + p(ALNUM, 24),
            "stripe": "sk" + "_live_" + p(ALNUM, 24),
            "stripewh": "wh" + "sec_" + p(ALNUM, 32),
            "anthropic": "sk-" + "ant-api03-" + p(URLSAFE, 93) + "AA",
            "openai": "sk-" + "proj-" + p(URLSAFE, 64),
            "openaiold": "sk-" + p(ALNUM, 48),
            "openai_tail": p(URLSAFE, 40),
            "groq": "gs" + "k_" + p(ALNUM, 52),
            "google": "AI" + "za" + p(URLSAFE, 35),
            "npm": self.crc("np" + "m_"),
            "pypi": "py" + "pi-AgEIcHlwaS5vcmc" + p(URLSAFE, 70),
            "hf": "h" + "f_" + p(UPPER + LOWER, 34),
            "vault": "hv" + "s." + p(URLSAFE, 90),
            "sendgrid": "S" + "G." + p(URLSAFE, 22) + "." + p(URLSAFE, 43),
            "mailgun": "ke" + "y-" + p(HEX, 32),
            "shopify": "sh" + "pat_" + p(HEX, 32),
            "square": "EA" + "AA" + p(URLSAFE, 60),
            "sqsecret": "sq" + "0csp-" + p(URLSAFE, 43),
            "do": "do" + "p_v1_" + p(HEX, 64),
            "heroku": "HR" + "KU-AA" + p(URLSAFE, 58),
            "supabase": "sb" + "p_" + p(HEX, 40),
            "discord": self.discord(),
            "discordhook": p(URLSAFE, 68),
            "telegram": p(DIGITS, 9) + ":AA" + p(URLSAFE, 33),
            "linear": "lin" + "_api_" + p(ALNUM, 40),
            "notion": "nt" + "n_" + p(DIGITS, 11) + p(ALNUM, 35),
            "doppler": "dp" + ".st." + p(ALNUM, 40),
            "age": "AGE-" + "SECRET-KEY-1" + p("QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L", 58),
            "grafana": "gl" + "sa_" + p(ALNUM, 32) + "_" + p(HEX, 8),
            "databricks": "da" + "pi" + p(HEX, 32),
            "postman": "PM" + "AK-" + p(HEX, 24) + "-" + p(HEX, 34),
            "sentry": "sn" + "tryu_" + p(HEX, 64),
            "pulumi": "pu" + "l-" + p(HEX, 40),
            "newrelic": "NR" + "AK-" + p(UPPER + DIGITS, 27),
            "atlassian": "AT" + "ATT3" + p(URLSAFE, 186),
            "azurecs": p(ALNUM, 3) + "8Q~" + p(URLSAFE, 34),
            "awsid": "AK" + "IA" + p(UPPER + "234567", 16),
            "awssecret": p(B64, 40),
            "twiliosk": "S" + "K" + p(HEX, 32),
            "twilioauth": p(HEX, 32),
            "azurekey": p(B64, 86) + "==",
            "jwt": "ey" + "JhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.ey" + "J" + p(URLSAFE, 40) + "." + p(URLSAFE, 43),
            "pem": self.pem(),
            "pemec": self.pem("EC PRIVATE KEY"),
            "pemssh": self.pem("OPENSSH PRIVATE KEY"),
            "pw": p(ALNUM, 6) + "-" + p(ALNUM, 6),
            "pw2": p(ALNUM + "!@#%^*", 14),
            "bearer": p(ALNUM, 40),
            "cookie": p(ALNUM, 32),
            "card": self.card(),
            "basicpw": p(ALNUM, 12),
            # eleventh session: a private key's base64 DER body (PKCS#1, PKCS#8, SEC1) without PEM lines
            "derrsa": "MIIEow" + "IBAAKCAQEA" + p(B64, 300),
            "derpk8": "MIIEvQ" + "IBADANBgkqhkiG9w0BAQEFAASC" + p(B64, 300),
            "derec": "MHcCAQEE" + "I" + p(B64, 150),
            # fourteenth session (h65): a random 40-character key, a WireGuard key (32 bytes), crypt(3) hashes,
            # an OpenVPN static key's hex lines
            "key40": p(ALNUM, 40),
            "wgkey": base64.b64encode(bytes(self.rng.randrange(256) for _ in range(32))).decode(),
            "apr1": "$" + "apr1$" + p(ALNUM, 8) + "$" + p(ALNUM, 22),
            "sha512crypt": "$" + "6$" + p(ALNUM, 16) + "$" + p(ALNUM + "./", 86),
            "ovpnkey": "\n".join(p(HEX, 32) for _ in range(16)),
            # h68: rclone obscure's output (base64url of an IV and the ciphertext)
            "rcloneobs": p(URLSAFE, 38),
            # fifteenth session: a Doppler service token that names its config
            "doppler_config": "dp" + ".st." + p("abcdefghijklmnopqrstuvwxyz_", 12) + "." + p(ALNUM, 40),
            # h73: the two halves of a password with a symbol inside (DB_PASSWORD=<head>&<tail>): a leak
            # of either half is a miss
            "pwhead": p(ALNUM, 10),
            "pwtail": p(ALNUM, 10),
            # nineteenth session (h92): providers gitleaks' own examples found kept
            "sourcegraph": "sg" + "p_" + p(HEX, 40),
            "infracost": "ic" + "o-" + p(ALNUM, 32),
            "octopus": "AP" + "I-" + p(UPPER + DIGITS, 26),
            "clojars": "CLO" + "JARS_" + p(LOWER + DIGITS, 60),
            "harness": "sa" + "t." + p(URLSAFE, 22) + "." + p(ALNUM, 24) + "." + p(ALNUM, 20),
            "openshift": "sha" + "256~" + p(URLSAFE, 43),
            "yandexkey": "AQ" + "VN" + p(URLSAFE, 36),
            "bedrock": "bedrock-" + "api-key-" + "YmVkcm9jay5hbWF6b25hd3MuY29t" + p(B64, 180) + "=",
            "xbearer": "A" * 22 + p(ALNUM, 60) + "%2B" + p(ALNUM, 24),
            "glrouted": "gl" + "pat-" + p(URLSAFE, 240) + "." + p(LOWER + DIGITS, 9),
            # twentieth session (h97): a service account's private_key_id
            "hex40": p(HEX, 40),
            # h128: GitLab's other prefixes (gitleaks' gitlab-* rules)
            "glptt": "gl" + "ptt-" + p(HEX, 40),
            "glcbt": "gl" + "cbt-" + p(ALNUM, 4) + "_" + p(URLSAFE, 20),
            "glimt": "gl" + "imt-" + p(URLSAFE, 25),
            "glagent": "gl" + "agent-" + p(URLSAFE, 50),
            "gloas": "gl" + "oas-" + p(URLSAFE, 64),
            "glsoat": "gl" + "soat-" + p(URLSAFE, 20),
            "glffct": "gl" + "ffct-" + p(URLSAFE, 20),
            # h153: providers gitleaks' own examples found kept, again; an XML element's text on a patch line
            "easypost": "EZ" + "AK" + p(ALNUM, 54),
            "flutterwave": "FLWSECK" + "_TEST-" + p(HEX, 32) + "-X",
            "duffel": "duf" + "fel_live_" + p(URLSAFE, 43),
            "metatoken": "EA" + "AG" + p(ALNUM, 180),
            "alibabaid": "LT" + "AI" + p(ALNUM, 20),
            "adobesecret": "p8" + "e-" + p(ALNUM, 32),
            "glsession": p(HEX, 32),
            "xmlpw": p(ALNUM, 20),
            "dropboxll": p(ALNUM, 11) + "A" * 10 + p(URLSAFE, 43),
            "dropboxsl": "s" + "l.u." + p(URLSAFE, 90) + "=" + p(URLSAFE, 300),
        }
