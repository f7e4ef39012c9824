"""More provider tokens: the ones an outside test set found missing (ninth session).

Same facts as providers.py (gitleaks' and trufflehog's rule sets, the providers'
announcements): a fixed prefix, an alphabet, a length; a token only at a
boundary; the whole token replaced. Where the alphabet is loose enough for a
word or an identifier to fit (re_..._..., oy2...), the body must also mix
letters and digits, as random tokens do.
"""

from __future__ import annotations

import base64
import json
import re

from hookd.redact.patterns import B1, B1_DASH, B1_DOT, E, E_DASH
from hookd.redact.providers import _token
from hookd.redact.rule import Rule


def _mixed(token: str) -> bool:
    """Letters and digits both: a random token, not a name (re_validate_user_input, sk-documentation)."""
    return any(c.isdigit() for c in token) and any(c.isalpha() for c in token)


# Consul's and Nomad's ACL tokens are a UUID printed as SecretID (consul acl bootstrap, token create; the
# API's JSON) or Secret ID (nomad acl bootstrap); Vault's AppRole secret_id is one too. A UUID is kept
# everywhere else (ids, requests), and secret_id_accessor is no secret: the name is read up to its separator.
_SECRET_ID_TRIGGER = (
    r"""(?:SecretID|Secret ID|secret_id)(?:\\?")?(?:[ \t]|\\t){0,40}[:=]?(?:[ \t]|\\t){0,40}(?:\\?")?[0-9a-fA-F]"""
)
_UUID = r"(?P<value>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})(?![0-9A-Za-z_-])"

# A Google service account's key id (private_key_id: 40 hex): beside its private_key in the JSON a gcloud
# command writes, it says which key leaked, so it goes with it, as an AWS access key id does. Only under that
# name (a bare 40-hex run is a git SHA); quoted by JSON at any escape level, by a repr, or an env's
# PRIVATE_KEY_ID= and YAML's private_key_id: (camelCase too).
_KEY_ID_TRIGGER = (
    r"""(?i:private[_-]?key[_-]?id)(?:\\{0,3}["'])?(?:[ \t]|\\t){0,40}[:=]?(?:[ \t]|\\t){0,40}"""
    r"""(?:\\{0,3}["'])?[0-9a-fA-F]"""
)


def _many_characters(token: str) -> bool:
    """Not a placeholder (A3-XXXXXX-XXXXXXXXXXX-..., ops_eyJxxxx...): a random token repeats few characters."""
    return len(set(token)) > 10


def _tunnel_json(token: str) -> bool:
    """The token decodes to the JSON object cloudflared reads: an account tag, a tunnel id and a secret."""
    try:
        fields = json.loads(base64.b64decode(token + "=" * (-len(token) % 4)))
    except ValueError:
        return False
    return isinstance(fields, dict) and {"a", "t", "s"} <= fields.keys()


def _not_a_placeholder(match: re.Match[str]) -> bool:
    """Not a made-up UUID (00000000-0000-..., aaaaaaaa-...): a random one holds many digits."""
    return len(set(match.group("value").replace("-", ""))) > 6


MORE_PROVIDER_RULES: tuple[Rule, ...] = (
    Rule(
        name="acl_secret_id",
        replaces="a Consul or Nomad ACL token (SecretID, Secret ID) or a Vault AppRole secret_id: a UUID",
        pattern=_UUID,
        group="value",
        trigger=_SECRET_ID_TRIGGER,
        anchored=True,
        back=1,
        reach=40,
        check=_not_a_placeholder,
        example="`SecretID:   <uuid>` (consul acl bootstrap), `Secret ID    = <uuid>` (nomad), `secret_id   <uuid>`",
    ),
    Rule(
        name="gcp_private_key_id",
        replaces="a Google service account's private_key_id (40 hex under that name)",
        pattern=r"(?P<value>[0-9a-fA-F]{40})(?![0-9A-Za-z_-])",
        group="value",
        trigger=_KEY_ID_TRIGGER,
        anchored=True,
        back=1,
        reach=41,
        check=_not_a_placeholder,
        example='`"private_key_id": "<40 hex>"` (a service account key\'s JSON)',
    ),
    _token(
        "onepassword_token",
        "a 1Password service-account token (ops_eyJ...) or account Secret Key (A3-...)",
        ("ops_eyJ", "A3-"),
        rf"(?:o{B1}ps_eyJ[A-Za-z0-9+/]{{250,4000}}+={{0,3}}+"
        rf"|A{B1_DASH}3-[A-Z0-9]{{6}}-(?:[A-Z0-9]{{11}}|[A-Z0-9]{{6}}-[A-Z0-9]{{5}})-[A-Z0-9]{{5}}-[A-Z0-9]{{5}}-[A-Z0-9]{{5}}){E}",
        "`ops_eyJ` + 250 or more base64, `A3-` + 6 + 11 + 5 + 5 + 5",
        reach=4100,
        validate=_many_characters,
    ),
    _token(
        "cloudflare_origin_ca_key",
        "a Cloudflare Origin CA key (v1.0- + 24 hex + 146 hex)",
        ("v1.0-",),
        rf"v{B1_DOT}1\.0-[a-f0-9]{{24}}-[a-f0-9]{{146}}{E_DASH}",
        "`v1.0-` + 24 hex + `-` + 146 hex",
    ),
    _token(
        "package_registry_token",
        "a NuGet, RubyGems, Docker Hub or JFrog Artifactory token (oy2..., rubygems_, dckr_pat_, AKCp, cmVmd)",
        ("oy2", "rubygems_", "dckr_pat_", "dckr_oat_", "AKCp", "cmVmd"),
        rf"(?:o{B1}y2[a-z0-9]{{43}}|r{B1}ubygems_[a-f0-9]{{48}}|d{B1}ckr_[po]at_[A-Za-z0-9_-]{{27,60}}+"
        rf"|A{B1}KCp[A-Za-z0-9]{{69}}|c{B1}mVmd[A-Za-z0-9]{{59}}){E_DASH}",
        "`oy2` + 43, `rubygems_` + 48 hex, `dckr_pat_` + 27, `AKCp` + 69",
        validate=_mixed,
    ),
    _token(
        "google_oauth_token",
        "a Google OAuth client secret, access token or refresh token (GOCSPX-, ya29., 1//0...)",
        ("GOCSPX-", "ya29.", "1//0"),
        rf"(?:G{B1_DASH}OCSPX-[A-Za-z0-9_-]{{28}}|y{B1_DOT}a29\.[A-Za-z0-9_-]{{30,2048}}+"
        rf"|1{B1}//0[A-Za-z0-9_-]{{40,512}}+){E_DASH}",
        "`GOCSPX-` + 28, `ya29.` + 30 or more, `1//0` + 40 or more",
        reach=2100,
    ),
    _token(
        "ci_platform_token",
        "a CI or platform token (Buildkite bkua_, SonarQube squ_/sqp_/sqa_, GitLab runner GR1348941, "
        "Terraform Cloud .atlasv1., Fly.io fo1_/fm2_/FlyV1 fm2_, Render rnd_, Netlify nfp_, Neon napi_)",
        # (not napi_ nor rnd_: Node-API's C names and random-state variables would count as prefixes, dense.py)
        ("bkua_", "squ_", "sqp_", "sqa_", "GR1348941", ".atlasv1.", "fo1_", "fm1", "fm2_", "FlyV1 fm", "nfp_"),
        rf"(?:b{B1}kua_[a-f0-9]{{40}}|s{B1}q[upa]_[a-f0-9]{{40}}|G{B1}R1348941[A-Za-z0-9_-]{{20,40}}+"
        rf"|[A-Za-z0-9]{B1}[A-Za-z0-9]{{13}}\.atlasv1\.[A-Za-z0-9_=-]{{60,70}}+"
        rf"|f{B1}(?:o1_[A-Za-z0-9_-]{{43}}|m[12][ar]?_[A-Za-z0-9+/]{{64,8192}}+={{0,2}}+)"
        # After flyctl's FlyV1 scheme word a macaroon of any length is Fly's (tokens create, auth token)
        # and the comma-joined macaroons after it, read as one run (a repeated group of bounded runs cost
        # Hyperscan's compile 26 s)
        rf"|F{B1}lyV1 fm[12][ar]?_[A-Za-z0-9+/=,_]{{20,16384}}+"
        rf"|r{B1}nd_[A-Za-z0-9]{{32}}|n{B1}fp_[A-Za-z0-9]{{36,40}}|n{B1}api_[a-z0-9]{{64}}){E_DASH}",
        "`bkua_` + 40 hex, `squ_` + 40 hex, 14 + `.atlasv1.` + 67, `fo1_` + 43, `nfp_` + 36",
        reach=16500,
        jointed=False,  # its macaroons run to 16 KiB: joints after every length cost Hyperscan (patterns.py)
        validate=_mixed,
    ),
    _token(
        "airtable_pat",
        "an Airtable personal access token (pat + 14 letters and digits + . + 64 hex)",
        ("pat",),
        # From its literal "pat" (in path and pattern too: what follows rules them out); a trigger from the dot and
        # its 64 hex, a class first, cost every text a tenth (bench/README.md, h162)
        rf"p{B1}at[A-Za-z0-9]{{14}}\.[0-9a-f]{{64}}{E}",
        "`pat` + 14 of `[A-Za-z0-9]` + `.` + 64 hex",
        validate=lambda token: _mixed(token[3:17]),
    ),
    _token(
        "saas_api_token",
        "a SaaS API token (Contentful CFPAT-, Figma figd_, Dynatrace dt0c01., LangSmith lsv2_, "
        "PlanetScale pscale_, Resend re_, Mapbox sk.eyJ, Bitbucket ATBB, Dropbox sl., Braintree, Tailscale tskey-)",
        (
            "CFPAT-",
            "figd_",
            "dt0c01.",
            "lsv2_",
            "pscale_",
            "re_",
            "sk.eyJ",
            "ATBB",
            "sl.",
            "access_token$production$",
            "tskey-",
        ),
        rf"(?:C{B1_DASH}FPAT-[A-Za-z0-9_-]{{43}}|f{B1}igd_[A-Za-z0-9_-]{{40,44}}+"
        rf"|d{B1}t0c01\.[A-Z0-9]{{24}}\.[A-Z0-9]{{64}}|l{B1}sv2_(?:pt|sk)_[a-f0-9]{{32}}_[a-f0-9]{{10}}"
        rf"|p{B1}scale_(?:tkn|pw|oauth)_[A-Za-z0-9_=.-]{{32,64}}+|r{B1}e_[A-Za-z0-9]{{8}}_[A-Za-z0-9]{{24}}"
        rf"|s{B1_DOT}k\.eyJ[A-Za-z0-9_-]{{20,300}}+\.[A-Za-z0-9_-]{{20,64}}+|A{B1}TBB[A-Za-z0-9]{{28,40}}+"
        rf"|s{B1_DOT}l\.(?:u\.)?[A-Za-z0-9_=-]{{130,1500}}+"
        rf"|a{B1}ccess_token\$production\$[a-z0-9]{{16}}\$[a-f0-9]{{32}}"
        rf"|t{B1_DASH}skey-(?:auth|api|client|scim|webhook)-[A-Za-z0-9]{{6,40}}+-[A-Za-z0-9]{{16,64}}+){E_DASH}",
        "`CFPAT-` + 43, `figd_` + 40, `lsv2_pt_` + 32 hex + `_` + 10 hex, `re_` + 8 + `_` + 24, `tskey-auth-…`",
        reach=1600,
        validate=_mixed,
    ),
    _token(
        "webhook_url_secret",
        "the secret path of a Microsoft Teams (Office 365) or Zapier webhook URL",
        ("IncomingWebhook/", "hooks.zapier.com"),
        r"(?:IncomingWebhook\\?/|hooks\.zapier\.com\\?/hooks\\?/catch\\?/)"
        r"(?P<value>[0-9a-f]{32}\\?/[0-9a-f-]{36}|[0-9]{4,12}\\?/[A-Za-z0-9]{6,12})",
        "`…/IncomingWebhook/<32 hex>/<guid>`, `hooks.zapier.com/hooks/catch/<id>/<key>`",
        group="value",
    ),
    _token(
        "saas_api_key",
        "a SaaS API key (New Relic ingest NRII-/NRJS-, Grafana eyJrIjoi, AWS Bedrock ABSK, DeepSeek sk-<32 hex>, "
        "crates.io cio, ClickUp pk_, Typeform tfp_, PostHog phx_, Plaid access-, Brevo xkeysib-, Shippo, Prefect pnu_)",
        # (not Mailchimp's <32 hex>-usNN, Mailgun's <32 hex>-<8>-<8> or New Relic's <36 hex>NRAL: a pattern that
        # starts with a run of hex made the Hyperscan pass 12% slower on docs; found beside their names)
        (
            "NRII-",
            "NRJS-",
            "eyJrIjoi",
            "ABSK",
            "sk-",
            "cio",
            "pk_",
            "tfp_",
            "phx_",
            "xkeysib-",
            "shippo_",
            "pnu_",
        ),
        rf"(?:N{B1_DASH}R(?:II-[A-Za-z0-9_-]{{32}}|JS-[a-f0-9]{{19}})"
        rf"|e{B1}yJrIjoi[A-Za-z0-9]{{50,400}}+={{0,2}}+|A{B1}BSK[A-Za-z0-9+/]{{100,400}}+={{0,2}}+"
        rf"|s{B1_DASH}k-[a-f0-9]{{32}}|c{B1}io[A-Za-z0-9]{{32}}|p{B1}k_[0-9]{{6,9}}_[A-Z0-9]{{32}}"
        rf"|t{B1}fp_[A-Za-z0-9_.=-]{{59}}|p{B1}hx_[A-Za-z0-9]{{43,47}}"
        rf"|a{B1_DASH}ccess-(?:sandbox|development|production)-[0-9a-f]{{8}}-[0-9a-f]{{4}}-[0-9a-f]{{4}}-[0-9a-f]{{4}}-[0-9a-f]{{12}}"
        rf"|x{B1_DASH}keysib-[a-f0-9]{{64}}-[A-Za-z0-9]{{16}}|s{B1}hippo_(?:live|test)_[a-fA-F0-9]{{40}}"
        rf"|p{B1}nu_[A-Za-z0-9]{{36}}){E_DASH}",
        "`NRII-` + 32, `sk-<32 hex>`, `cio<32>`, `pk_<id>_<32>`, `phx_` + 45, `xkeysib-<64 hex>-<16>`",
        reach=430,
        validate=_mixed,
    ),
    _token(
        "cloudflare_tunnel_token",
        "a Cloudflare Tunnel token (cloudflared service install / tunnel run --token): base64 of "
        '{"a": <account tag>, "t": <tunnel id>, "s": <secret>}',
        ("eyJhIjoi",),
        # base64 of '{"a":"' is eyJhIjoi; a JWT's header is {"alg" (eyJhbGci), Grafana's {"k" (eyJrIjoi)
        rf"e{B1}yJhIjoi[A-Za-z0-9+/]{{100,600}}+={{0,2}}+{E}",
        "`eyJhIjoi` + base64 of the rest of the JSON",
        reach=620,
        validate=_tunnel_json,
    ),
    _token(
        "minisign_secret_key",
        "a minisign secret key's line (Ed25519, scrypt-encrypted or not: RWRTY0Iy..., RWQAAEIy...)",
        ("RWRTY0Iy", "RWQAAEIy"),
        # 158 bytes, base64: the algorithms Ed, Sc (or none) and B2 first; a public key (RWQ + 53) is 56
        rf"R{B1}W(?:RTY0|QAAE)Iy[A-Za-z0-9+/]{{203}}={E}",
        "`RWRTY0Iy` + 203 of base64 + `=`",
        reach=220,
        validate=_many_characters,
    ),
)
