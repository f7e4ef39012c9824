"""Fake values for the outside set (outside_secrets.jsonl, outside_benign.jsonl).

Written as an outside tester would, before reading the rules: the formats
people paste into agent sessions. Every value is assembled here from a seeded
generator (its own seed, so the first set's values do not move), in the
provider's published shape (prefixes, alphabets, lengths; gitleaks' rule
list), and split so no literal in the repository is a credential.
"""

from __future__ import annotations

import base64
import json
import uuid

from fakes import ALNUM, B64, DIGITS, HEX, LOWER, UPPER, URLSAFE, Fakes

BASE32L = "abcdefghijklmnopqrstuvwxyz234567"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def values(seed: int = 1609) -> dict[str, str]:
    f = Fakes(seed)
    p = f.pick
    hexu = HEX.upper()

    def jwt(claims: dict, alg: str = "HS256", sig: int = 43) -> str:
        head = _b64url(json.dumps({"alg": alg, "typ": "JWT"}).encode())
        return head + "." + _b64url(json.dumps(claims).encode()) + "." + p(URLSAFE, sig)

    def pem(label: str, body_start: str = "") -> str:
        lines = [body_start + p(B64, 64 - len(body_start))] + [p(B64, 64) for _ in range(4)]
        return f"-----BEGIN {label}-----\n" + "\n".join(lines) + f"\n{p(B64, 30)}=\n-----END {label}-----\n"

    grafana_cloud = base64.b64encode(
        json.dumps(
            {"o": p(DIGITS, 6), "n": "stack-" + p(DIGITS, 6) + "-hm-read", "k": p(ALNUM, 24), "m": {"r": "us"}}
        ).encode()
    ).decode()
    sentry_org = (
        base64.b64encode(
            json.dumps(
                {"iat": 1717000000, "url": "https://sentry.io", "region_url": "https://us.sentry.io", "org": "acme"}
            ).encode()
        )
        .decode()
        .rstrip("=")
    )
    mapbox = _b64url(json.dumps({"u": "acme", "a": p(LOWER + DIGITS, 25)}).encode())
    return {
        "o_ghp": f.crc("gh" + "p_"),
        "o_ghu": f.crc("gh" + "u_"),
        "o_ghr": f.crc("gh" + "r_"),
        "o_ghfine": "github" + "_pat_11" + p(UPPER + DIGITS, 20) + "_" + p(ALNUM, 59),
        "o_glpat": "gl" + "pat-" + p(URLSAFE, 20),
        "o_glrt": "gl" + "rt-" + p(URLSAFE, 20),
        "o_gldt": "gl" + "dt-" + p(URLSAFE, 20),
        "o_glptt": "gl" + "ptt-" + p(HEX, 40),
        "o_glrunner": "GR" + "1348941" + p(URLSAFE, 20),
        "o_atlassian": "AT" + "ATT3xFfGF0" + p(URLSAFE, 171) + "=" + p(hexu, 8),
        "o_bitbucket": "AT" + "BB" + p(ALNUM, 28) + p(hexu, 8),
        "o_linear": "lin" + "_api_" + p(ALNUM, 40),
        "o_notion": "nt" + "n_" + p(DIGITS, 11) + p(ALNUM, 35),
        "o_notion_legacy": "sec" + "ret_" + p(ALNUM, 43),
        "o_figma": "fi" + "gd_" + p(URLSAFE, 40),
        "o_hf": "h" + "f_" + p(UPPER + LOWER, 34),
        "o_hforg": "api" + "_org_" + p(UPPER + LOWER, 34),
        "o_openai": "sk-" + "proj-" + p(URLSAFE, 74) + "T3Blbk" + "FJ" + p(URLSAFE, 74),
        "o_openai_svc": "sk-" + "svcacct-" + p(URLSAFE, 74) + "T3Blbk" + "FJ" + p(URLSAFE, 74),
        "o_anthropic": "sk-" + "ant-api03-" + p(URLSAFE, 93) + "AA",
        "o_anthropic_admin": "sk-" + "ant-admin01-" + p(URLSAFE, 93) + "AA",
        "o_google": "AI" + "za" + p(URLSAFE, 35),
        "o_gocspx": "GOC" + "SPX-" + p(URLSAFE, 28),
        "o_ya29": "ya" + "29.a0AfB_by" + p(URLSAFE, 150),
        "o_grefresh": "1/" + "/0g" + p(URLSAFE, 100),
        "o_azure_storage": p(B64, 86) + "==",
        "o_azure_sig": p(ALNUM, 43),
        "o_azure_ad": p(ALNUM, 3) + "8Q~" + p(URLSAFE + ".~", 34),
        "o_azdo": p(BASE32L, 52),
        "o_do": "do" + "p_v1_" + p(HEX, 64),
        "o_doo": "do" + "o_v1_" + p(HEX, 64),
        "o_heroku": "HR" + "KU-AA" + p(URLSAFE, 58),
        "o_heroku_uuid": str(uuid.UUID(int=f.rng.getrandbits(128), version=4)),
        "o_vercel": p(ALNUM, 24),
        "o_netlify": "nf" + "p_" + p(ALNUM, 36),
        "o_doppler": "dp" + ".pt." + p(ALNUM, 43),
        "o_pulumi": "pu" + "l-" + p(HEX, 40),
        "o_glc": "gl" + "c_" + grafana_cloud,
        "o_glsa": "gl" + "sa_" + p(ALNUM, 32) + "_" + p(HEX, 8),
        "o_nrak": "NR" + "AK-" + p(UPPER + DIGITS, 27),
        "o_dd_api": p(HEX, 32),
        "o_dd_app": p(HEX, 40),
        "o_sentry_key": p(HEX, 32),
        "o_sentry_org": "sn" + "trys_" + sentry_org + "_" + p(B64, 43),
        "o_supabase": "sb" + "p_" + p(HEX, 40),
        "o_supabase_secret": "sb" + "_secret_" + p(URLSAFE, 32),
        "o_postman": "PM" + "AK-" + p(HEX, 24) + "-" + p(HEX, 34),
        "o_databricks": "da" + "pi" + p(HEX, 32) + "-2",
        "o_vault": "hv" + "s.CAES" + p(URLSAFE, 100),
        "o_vault_batch": "hv" + "b.AAAAAQ" + p(URLSAFE, 130),
        "o_tfc": p(LOWER + DIGITS, 14) + ".atlas" + "v1." + p(LOWER + DIGITS + "-_", 67),
        "o_op_sa": "op" + "s_eyJ" + p(B64, 300),
        "o_op_secret": "A3"
        + "-"
        + p(UPPER + DIGITS, 6)
        + "-"
        + p(UPPER + DIGITS, 11)
        + "-"
        + "-".join(p(UPPER + DIGITS, 5) for _ in range(3)),
        "o_age": "AGE-" + "SECRET-KEY-1" + p("QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L", 58),
        "o_cf_token": p(URLSAFE, 40),
        "o_cf_global": p(HEX, 37),
        "o_cf_origin": "v1" + ".0-" + p(HEX, 24) + "-" + p(HEX, 146),
        "o_fly": "fo" + "1_" + p(URLSAFE, 43),
        "o_fly_macaroon": "FlyV1 " + "fm" + "2_lJPE" + p(B64, 200),
        "o_railway": str(uuid.UUID(int=f.rng.getrandbits(128), version=4)),
        "o_pscale": "pscale" + "_tkn_" + p(URLSAFE, 43),
        "o_pscale_pw": "pscale" + "_pw_" + p(URLSAFE, 43),
        "o_npm": f.crc("np" + "m_"),
        "o_pypi": "py" + "pi-AgEIcHlwaS5vcmc" + p(URLSAFE, 140),
        "o_rubygems": "ruby" + "gems_" + p(HEX, 48),
        "o_nuget": "oy" + "2" + p(LOWER + DIGITS, 43),
        "o_docker": "dck" + "r_pat_" + p(URLSAFE, 27),
        "o_stripe_rk": "rk" + "_live_" + p(ALNUM, 99),
        "o_stripe_test": "sk" + "_test_" + p(ALNUM, 99),
        "o_slack_user": "xo" + "xp-" + p(DIGITS, 12) + "-" + p(DIGITS, 12) + "-" + p(DIGITS, 13) + "-" + p(HEX, 32),
        "o_slack_app": "xa" + "pp-1-A" + p(UPPER + DIGITS, 10) + "-" + p(DIGITS, 13) + "-" + p(HEX, 64),
        "o_slack_hook": "T" + p(UPPER + DIGITS, 10) + "/B" + p(UPPER + DIGITS, 10) + "/" + p(ALNUM, 24),
        "o_twilio_sk": "S" + "K" + p(HEX, 32),
        "o_twilio_sid": "A" + "C" + p(HEX, 32),
        "o_twilio_auth": p(HEX, 32),
        "o_sendgrid": "S" + "G." + p(URLSAFE, 22) + "." + p(URLSAFE, 43),
        "o_mailgun": p(HEX, 32) + "-" + p(HEX, 8) + "-" + p(HEX, 8),
        "o_mailchimp": p(HEX, 32) + "-us" + "21",
        "o_shopify": "sh" + "pss_" + p(HEX, 32),
        "o_shopify_at": "sh" + "pat_" + p(HEX, 32),
        "o_discord_hook": p(URLSAFE, 68),
        "o_telegram": p(DIGITS, 10) + ":AA" + p(URLSAFE, 33),
        "o_mapbox": "s" + "k.eyJ1Ijoi" + mapbox + "." + p(URLSAFE, 22),
        "o_airtable": "pa" + "t" + p(ALNUM, 14) + "." + p(HEX, 64),
        "o_contentful": "CF" + "PAT-" + p(URLSAFE, 43),
        "o_sonar": "sq" + "u_" + p(HEX, 40),
        "o_buildkite": "bk" + "ua_" + p(HEX, 40),
        "o_tailscale": "tskey" + "-auth-k" + p(ALNUM, 10) + "CNTRL-" + p(ALNUM, 33),
        "o_replicate": "r8" + "_" + p(ALNUM, 37),
        "o_xai": "xa" + "i-" + p(ALNUM, 80),
        "o_pplx": "pp" + "lx-" + p(ALNUM, 48),
        "o_openrouter": "sk-" + "or-v1-" + p(HEX, 64),
        "o_langsmith": "ls" + "v2_pt_" + p(HEX, 32) + "_" + p(HEX, 10),
        "o_groq": "gs" + "k_" + p(ALNUM, 52),
        "o_deepseek": "sk-" + p(HEX, 32),
        "o_mistral": p(ALNUM, 32),
        "o_resend": "r" + "e_" + p(ALNUM, 8) + "_" + p(ALNUM, 24),
        "o_render": "rn" + "d_" + p(ALNUM, 32),
        "o_neon": "na" + "pi_" + p(LOWER + DIGITS, 64),
        "o_dynatrace": "dt0" + "c01." + p(UPPER + DIGITS, 24) + "." + p(UPPER + DIGITS, 64),
        "o_okta": "00" + p(URLSAFE, 40),
        "o_braintree": "access_token" + "$production$" + p(LOWER + DIGITS, 16) + "$" + p(HEX, 32),
        "o_square": "EA" + "AA" + p(URLSAFE, 60),
        "o_dropbox": "s" + "l.B" + p(URLSAFE, 135),
        "o_jfrog": "AK" + "Cp" + p(ALNUM, 69),
        "o_aws_id": "AK" + "IA" + p(UPPER + "234567", 16),
        "o_aws_secret": p(B64, 40),
        "o_asia": "AS" + "IA" + p(UPPER + "234567", 16),
        "o_aws_session": "Fwo" + "GZXIvYXdzE" + p(B64, 300),
        "pem_gcp": pem("PRIVATE KEY", "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC"),
        "pem_ssh": pem("OPENSSH PRIVATE KEY", "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ"),
        "pem_pgp": pem("PGP PRIVATE KEY BLOCK", "lQdGBGX"),
        "pem_enc": pem("ENCRYPTED PRIVATE KEY", "MIIFHDBOBgkqhkiG9w0BBQ0wQTApBgkqhkiG9w0BBQww"),
        "pem_dsa": pem("DSA PRIVATE KEY"),
        "o_putty": p(B64, 64),
        "o_jwt": jwt({"sub": "1234567890", "name": "Ada", "iat": 1733200000, "exp": 1733286400}),
        "o_k8s_jwt": jwt(
            {
                "iss": "kubernetes/serviceaccount",
                "kubernetes.io/serviceaccount/namespace": "prod",
                "sub": "system:serviceaccount:prod:deployer",
            },
            "RS256",
            342,
        ),
        "o_supabase_jwt": jwt({"iss": "supabase", "ref": p(LOWER, 20), "role": "service_role", "iat": 1700000000}),
        "o_pw1": p(ALNUM + "!@#%^*", 16),
        "o_pw2": p(ALNUM, 10) + "-" + p(ALNUM, 10),
        "o_pw3": p(ALNUM + "!#%&*+", 20),
        "o_pw4": p(ALNUM, 12),
        "o_pw5": p(ALNUM + "@!", 14),
        "o_session": p(LOWER + DIGITS, 32),
        "o_phpsess": p(LOWER + DIGITS, 26),
        "o_connect_sid": "s%3A" + p(URLSAFE, 32) + "." + p(ALNUM, 43),
        "o_rails_session": p(B64, 120) + "--" + p(HEX, 40),
        "o_django_secret": p(LOWER + DIGITS + "!@#%^&*(-_=+)", 50),
        "o_rails_master": p(HEX, 32),
        "o_laravel": "base64:" + p(B64, 43) + "=",
        "o_wireguard": p(B64, 43) + "=",
        "o_bearer": p(ALNUM, 40),
        "o_apikey": p(ALNUM, 32),
        "o_hmac": p(HEX, 64),
        "o_client_secret": p(URLSAFE, 40),
        "o_refresh": p(URLSAFE, 64),
        # benign values: hashes, ids and encodings that look random and are not secrets
        "b_sha40": p(HEX, 40),
        "b_sha40b": p(HEX, 40),
        "b_sha256": p(HEX, 64),
        "b_sha256b": p(HEX, 64),
        "b_sha512b64": p(B64, 86) + "==",
        "b_sha384b64": p(B64, 64),
        "b_sha256b64": p(B64, 43) + "=",
        "b_h1": p(B64, 43) + "=",
        "b_uuid1": str(uuid.UUID(int=f.rng.getrandbits(128), version=4)),
        "b_uuid2": str(uuid.UUID(int=f.rng.getrandbits(128), version=4)),
        "b_hex32": p(HEX, 32),
        "b_hex16": p(HEX, 16),
        "b_hex12": p(HEX, 12),
        "b_png": "iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAYAAAAf8/9hAAAA" + p(B64, 600) + "AAAAAElFTkSuQmCC",
        "b_sshpub": "AAAAC3NzaC1lZDI1NTE5AAAAI" + p(B64, 43),
        "b_rsapub": "AAAAB3NzaC1yc2EAAAADAQABAAABgQ" + p(B64, 340),
        "b_cert": "MIID" + p(B64, 60) + "\n" + "\n".join(p(B64, 64) for _ in range(6)),
        "b_pubkey": "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA" + p(B64, 20),
        "b_eth": "0x" + p(HEX, 40),
        "b_imei": _luhn("35" + p(DIGITS, 12)),
        "b_nix": p("0123456789abcdfghijklmnpqrsvwxyz", 32),
        "b_stripe_cus": "cus_" + p(ALNUM, 14),
        "b_stripe_pi": "pi_3" + p(ALNUM, 23),
        "b_aida": "AI" + "DA" + p(UPPER + "234567", 17),
        "b_snowflake": "1" + p(DIGITS, 18),
        "b_ipfs": "Qm" + p("123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz", 44),
        "b_b64json": base64.b64encode(
            json.dumps({"version": 3, "sources": ["src/app.ts"], "mappings": "AAAA;AACA"}).encode()
        ).decode(),
    }


def _luhn(digits: str) -> str:
    total = 0
    for i, d in enumerate(int(c) for c in reversed(digits)):
        d = d * 2 if i % 2 == 0 else d
        total += d - 9 if d > 9 else d
    return digits + str((10 - total % 10) % 10)
