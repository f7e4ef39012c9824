"""Fake values for the fifth fresh set (fresh5_secrets.jsonl, fresh5_benign.jsonl; issue 16, h283).

Written before reading the rules, from sources none of the four earlier fresh sets nor the outside set used
(grepped first): secret-setting CLIs (gh secret set, netlify env:set, aws ssm put-parameter, az keyvault,
kubectl docker-registry secrets, vault kv put, mc alias set, rabbitmqctl, grafana-cli, htpasswd -b, argocd and
flux logins, poetry/bundler/composer/dotnet registry auth, git -c http.extraheader, smbclient -U user%pass,
xfreerdp /p:), database shells (redis-cli AUTH, mongosh createUser, elasticsearch-reset-password output),
orchestration and data tools (Jenkins configuration-as-code, Terraform plan output, GitHub Actions run logs,
Vagrant, Packer, dbt profiles, Snowflake's connector, Airflow connection URIs with percent-encoded passwords,
Elixir/Phoenix runtime config, Mercurial hgrc, csh setenv), environment dumps (/proc/PID/environ with NUL
separators, heroku config, railway and doppler box-drawn tables, docker compose config), session cookies
(NextAuth's JWE, Supabase's auth cookie), and provider formats from gitleaks' and trufflehog's rules the
other sets lack: Render (rnd_), Neon (npg_), GitLab runner and deploy tokens (glrt-, gldt-), Google OAuth
client secrets (GOCSPX-), Slack app-level and user tokens (xapp-, xoxp-), Stripe restricted keys (rk_live_),
Perplexity (pplx-), xAI (xai-), OpenRouter (sk-or-v1-), LangSmith (lsv2_pt_), Pinecone (pcsk_), Together
(tgp_v1_), Anthropic admin keys (sk-ant-admin01-), New Relic license keys (...NRAL), Grafana Cloud (glc_),
Contentful (CFPAT-), Typeform (tfp_), Proxmox (PVEAPIToken=), Resend (re_), Sentry user tokens (sntryu_),
Supabase secret keys (sb_secret_), ElevenLabs (sk_ + hex), Deepgram's "Token" scheme, Cloudflare tunnel
tokens and minisign secret keys. Look-alikes: lockfiles none used (uv.lock, Gemfile.lock CHECKSUMS,
mix.lock, pubspec.lock, Package.resolved), CA certificates in kubeconfigs, SSH and GPG fingerprints, public
keys (age, minisign), masked CLI output, references to secret stores (op://, vault:, ref+, External Secrets),
Supabase publishable keys, typed settings. A seed of its own (no other set's
values move); every value is assembled from pieces, so no literal in the repository is a credential.
"""

from __future__ import annotations

import base64
import functools
import json

from fakes import ALNUM, B64, DIGITS, HEX, UPPER, URLSAFE, Fakes


def values(seed: int = 2830) -> dict[str, str]:
    f = Fakes(seed)
    p = f.pick
    uid = f.uid
    pem = functools.partial(f.pem, tail=18)

    def b64json(obj: dict) -> str:
        return base64.b64encode(json.dumps(obj, separators=(",", ":")).encode()).decode().rstrip("=")

    return {
        # provider tokens (prefix, alphabet, length as the providers' docs and gitleaks' rules give them)
        "v5_render": "rn" + "d_" + p(ALNUM, 32),
        "v5_neon": "np" + "g_" + p(ALNUM, 12),
        "v5_glrt": "gl" + "rt-" + p(URLSAFE, 20),
        "v5_gldt": "gl" + "dt-" + p(URLSAFE, 20),
        "v5_gocspx": "GOC" + "SPX-" + p(URLSAFE, 28),
        "v5_xapp": "xa" + "pp-1-A" + p(UPPER + DIGITS, 10) + "-" + p(DIGITS, 13) + "-" + p(HEX, 64),
        "v5_xoxp": "xo" + "xp-" + p(DIGITS, 12) + "-" + p(DIGITS, 12) + "-" + p(DIGITS, 13) + "-" + p(HEX, 32),
        "v5_rk": "rk" + "_live_" + p(ALNUM, 99),
        "v5_pplx": "pp" + "lx-" + p(ALNUM, 48),
        "v5_xai": "xa" + "i-" + p(ALNUM, 80),
        "v5_openrouter": "sk-" + "or-v1-" + p(HEX, 64),
        "v5_langsmith": "ls" + "v2_pt_" + p(HEX, 32) + "_" + p(HEX, 10),
        "v5_pinecone": "pc" + "sk_" + p(ALNUM, 5) + "_" + p(ALNUM, 63),
        "v5_together": "tg" + "p_v1_" + p(URLSAFE, 43),
        "v5_antadmin": "sk-" + "ant-admin01-" + p(URLSAFE, 93) + "AA",
        "v5_nrlicense": p(HEX, 36) + "NR" + "AL",
        "v5_glc": "gl"
        + "c_"
        + b64json(
            {
                "o": p(DIGITS, 6),
                "n": "stack-" + p(DIGITS, 6) + "-hm-read",
                "k": p(ALNUM, 24),
                "m": {"r": "prod-eu-west-2"},
            }
        ),
        "v5_cfpat": "CF" + "PAT-" + p(URLSAFE, 43),
        "v5_typeform": "tf" + "p_" + p(URLSAFE, 59),
        "v5_proxmox": uid(),
        "v5_resend": "r" + "e_" + p(ALNUM, 8) + "_" + p(ALNUM, 24),
        "v5_sntryu": "sn" + "tryu_" + p(HEX, 64),
        "v5_sbsecret": "sb" + "_secret_" + p(URLSAFE, 31),
        "v5_eleven": "s" + "k_" + p(HEX, 48),
        "v5_deepgram": p(HEX, 40),
        "v5_cftunnel": b64json({"a": p(HEX, 32), "t": uid(), "s": base64.b64encode(p(ALNUM, 32).encode()).decode()}),
        "v5_minisign": "RWRTY0Iy" + p(B64, 203) + "=",
        "v5_discord": f.discord(),
        "v5_jupyter": p(HEX, 48),
        "v5_nextauth": "eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0.."
        + p(URLSAFE, 16)
        + "."
        + p(URLSAFE, 180)
        + "."
        + p(URLSAFE, 22),
        "v5_sbcookie": "base64-"
        + b64json(
            {
                "access_token": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9." + p(URLSAFE, 120) + "." + p(URLSAFE, 43),
                "refresh_token": p(ALNUM, 12),
                "token_type": "bearer",
            }
        ),
        "v5_ssmvalue": p(ALNUM, 26),
        "v5_minio": p(ALNUM, 40),
        "v5_miniokey": p(UPPER + DIGITS, 20),
        # credentials without a telling prefix (found by their context)
        "v5_pw1": p(ALNUM + "!#%", 18),
        "v5_pw2": p(ALNUM, 20),
        "v5_pw3": p(ALNUM + "@$", 16),
        "v5_pw4": p(ALNUM, 14),
        "v5_pw5": p(ALNUM + "!*", 21),
        "v5_pw6": p(ALNUM, 24),
        "v5_pw7": p(ALNUM + "#", 17),
        "v5_pw8": p(ALNUM, 19),
        "v5_pw9": p(ALNUM + "-_", 22),
        "v5_pw10": p(ALNUM, 16),
        "v5_pw11": p(ALNUM + "!", 18),
        "v5_pw12": p(ALNUM, 23),
        "v5_pw13": p(ALNUM + "&", 15),
        "v5_pw14": p(ALNUM, 20),
        "v5_pw15": p(ALNUM, 18),
        "v5_pw16": p(ALNUM, 17),
        "v5_pwpct": p(ALNUM, 8) + "@" + p(ALNUM, 4) + "/" + p(ALNUM, 6),
        "v5_hex32": p(HEX, 32),
        "v5_hex64": p(HEX, 64),
        "v5_b64": p(B64, 40) + "=",
        "pemv5_ec": pem("EC PRIVATE KEY"),
        # benign look-alikes
        "v5_sha256": p(HEX, 64),
        "v5_sha256b": p(HEX, 64),
        "v5_sha1": p(HEX, 40),
        "v5_sha512": p(HEX, 128),
        "v5_uuid": uid(),
        "v5_uuid2": uid(),
        "v5_cacert": base64.b64encode(f.pem("CERTIFICATE").encode()).decode(),
        "v5_sshfp": p(B64, 43),
        "v5_gpgfp": p(HEX, 40).upper(),
        "v5_age": "age1" + p("qpzry9x8gf2tvdw0s3jn54khce6mua7l", 58),
        "v5_minipub": "RWQ" + p(B64, 53),
        "v5_sbpub": "sb" + "_publishable_" + p(URLSAFE, 31),
        "v5_webp": "UklGR" + p(B64, 400),
        "v5_pseudo": p(HEX, 12),
    }
