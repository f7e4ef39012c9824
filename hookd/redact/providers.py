"""Provider tokens: a fixed prefix, a body of known characters and length, sometimes a checksum.

The facts (prefixes, alphabets, lengths, checksums) follow the gitleaks and
trufflehog rule sets and the providers' own announcements. Each token is
recognised only at a boundary (not inside a longer word; see patterns.py),
and the whole token is replaced.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from typing import TypedDict, Unpack

from hookd.redact.checks import not_a_mask
from hookd.redact.checksums import crc32_suffix_ok
from hookd.redact.glue import github_join_ok, glue_ok
from hookd.redact.patterns import (
    AFTER_ESCAPE,
    AFTER_PERCENT,
    B1,
    B1_DASH,
    B1_DOT,
    B1_UNDER,
    B1_UNDER_DASH,
    B1_UNDER_DOT,
    E,
    E_DASH,
    E_DASH_UNDER,
    E_UNDER,
    GLUED,
    GLUED_DASH,
    GLUED_DOT,
    GLUED_LOWER_DASH,
    UNDER_AHEAD,
    hyperscan_shape,
)
from hookd.redact.rule import Rule
from hookd.redact.tokenends import openai_end, pypi_end, vault_end


class _MoreOfRule(TypedDict, total=False):
    """The Rule fields a token rule may set beyond _token's own parameters."""

    group: int | str
    check: Callable[[re.Match[str]], bool] | None
    ends: Callable[[str], int] | None
    trigger_parts: tuple[tuple[str, tuple[str, ...]], ...]


def _token(
    name: str,
    replaces: str,
    keywords: tuple[str, ...],
    pattern: str,
    example: str,
    reach: int = 300,
    trigger: str = "",
    jointed: bool = True,
    validate: Callable[[str], bool] | None = None,
    **more: Unpack[_MoreOfRule],
) -> Rule:
    """A token rule: Hyperscan matches its whole shape, so keywords alone (``sk-sk-sk-``) cost nothing. A
    token one character makes half of is a placeholder (glpat-XXXXXXXXXXX-XXXXXXXX, hf_xxxx...): kept."""
    return Rule(
        name=name,
        replaces=replaces,
        pattern=pattern,
        keywords=keywords,
        reach=reach,
        example=example,
        trigger=trigger or hyperscan_shape(pattern, jointed),
        exact=True,
        validate=not_a_mask if validate is None else _both(not_a_mask, validate),
        **more,
    )


def _last_part_not_a_mask(token: str) -> bool:
    return not_a_mask(token.rsplit("/", 1)[-1])


def _slack_path_ok(token: str) -> bool:
    """Slack's team and bot ids hold a digit (T024BE7LD); a route's upper-case words (/services/TEMPLATES/...)
    do not, and the host is not there to say whose path it is."""
    _, team, bot, last = token.replace("\\/", "/").split("/")
    return any(c.isdigit() for c in team) and any(c.isdigit() for c in bot) and not_a_mask(last)


def _both(first: Callable[[str], bool], second: Callable[[str], bool]) -> Callable[[str], bool]:
    return lambda token: first(token) and second(token)


def github_ok(token: str) -> bool:
    """Classic-format GitHub tokens (40 characters) end in the CRC32 of their random part."""
    if token.startswith("github_pat_"):
        return len(set(token[11:])) > 8  # not a placeholder (github_pat_xxxx_xxxx...)
    return len(token) != 40 or crc32_suffix_ok(token)


def discord_ok(token: str) -> bool:
    """A Discord bot token's first part is the bot's numeric id in base64."""
    head = token.split(".", 1)[0]
    try:
        return base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)).isdigit()
    except (binascii.Error, ValueError):
        return False


# Where a token whose body may hold "_" ends, by its provider's format, when "_" follows (a name or a file name's
# next part joined to it: backup_<token>_old.json), tried before its longest. A routable GitLab token: base64url of
# its payload, ".", the payload's length in base36 (2) and its CRC32 in base36 (7) (gitleaks' gitlab-pat-routable;
# ".01." before the 9 also seen); the others by their prefix's length (gitleaks' gitlab-* rules): a classic
# glpat-, gldt-, glrt-, glft-, glsoat-, glffct- + 20, glptt- + 40 hex, glimt- + 25, glagent- + 50, gloas- + 64,
# glcbt- + 1-5 letters and digits, "_", 20. A Sentry org token: base64 of its JSON claims, "_", 43 of base64 (gitleaks'
# sentry-org-token). SendGrid (SG. 22 . 43), Doppler (40-44 letters and digits) and Atlassian (ATATT3 + 186) by
# their exact lengths.
# Hyperscan is not given these shapes (their bounded runs made the database too large): the token's longest
# shape reports it, and the rule's regex reads around that report.
_GITLAB_ROUTABLE_END = r"\.[0-9a-z]{2}(?:\.[0-9a-z]{9}|[0-9a-z]{7})"
_GITLAB_LENGTHS = (
    r"(?:(?:(?<=pat-)|(?<=[dfr]t-)|(?<=oat-)|(?<=fct-))[A-Za-z0-9_-]{20}|(?<=ptt-)[0-9a-f]{40}"
    r"|(?<=imt-)[A-Za-z0-9_-]{25}|(?<=agent-)[A-Za-z0-9_-]{50}|(?<=oas-)[A-Za-z0-9_-]{64}"
    r"|(?<=cbt-)[A-Za-z0-9]{1,5}_[A-Za-z0-9_-]{20})"
)
# A token of its prefix's length where what follows does not make it a routable one's body.
_GITLAB_ENDS = (
    rf"[A-Za-z0-9_-]{{27,300}}+{_GITLAB_ROUTABLE_END}{UNDER_AHEAD}"
    rf"|{_GITLAB_LENGTHS}{UNDER_AHEAD}(?![A-Za-z0-9_-]{{7,280}}+{_GITLAB_ROUTABLE_END})|"
)
_SENTRY_ORG = r"[A-Za-z0-9+/]{40,400}+={0,2}_[A-Za-z0-9+/]{43}" + UNDER_AHEAD + "|"
# Glued to a word only with a prefix of 5 letters or more (not gldt-, glrt-, glft-). A routable token
# (glpat-<base64 of its payload>.01.<9>) runs to 300 before its dots.
_GITLAB = (
    rf"g(?:{B1_DOT}l(?:pat|dt|rt|ptt|cbt|imt|ft|soat|agent|oas|ffct)"
    rf"|{GLUED_DOT}l(?:pat|ptt|cbt|imt|soat|agent|oas|ffct))"
    rf"-(?:{_GITLAB_ENDS}"
    rf"[A-Za-z0-9_-]{{20,300}}+(?:\.[A-Za-z0-9_-]{{2,100}}+){{0,2}}+{E_DASH}|[A-Za-z0-9_-]{{20}}{UNDER_AHEAD})"
)
_SENTRY = rf"s{GLUED_DASH}ntry(?:s_eyJ(?:{_SENTRY_ORG}[A-Za-z0-9+/=_-]{{80,400}}+{E_DASH})|u_[a-f0-9]{{56,72}}+{E_DASH_UNDER})"
# A project, service-account or admin key's exact shape (gitleaks' rule): its body may hold "_", so where one
# follows the key, this shape tells where the key ends. The second half is the longest the text holds (atomic):
# a 74 half with a "_" at 58 read as a 58 one left its last 16 characters in clear (tokenends.openai_end alike).
_OPENAI_EXACT = r"(?:[A-Za-z0-9_-]{74}|[A-Za-z0-9_-]{58})T3BlbkFJ(?>[A-Za-z0-9_-]{74}|[A-Za-z0-9_-]{58})"

PROVIDER_RULES: tuple[Rule, ...] = (
    _token(
        "github_token",
        "a GitHub token (ghp_, gho_, ghs_, ghu_, ghr_ with their CRC32; github_pat_)",
        ("ghp_", "gho_", "ghs_", "ghu_", "ghr_", "github_pat_"),
        # No left boundary: the CRC32 tells a token from chance, so one glued to a word
        # (GH_TOKEN_ghp_..., a name and the token joined) is still found.
        rf"g(?:h[pousr]_[A-Za-z0-9]{{36,251}}+|ithub_pat_[A-Za-z0-9]{{22}}_[A-Za-z0-9]{{59}}){E_UNDER}",
        "`ghp_` + 30 base62 + 6 base62 of their CRC32",
        validate=github_ok,
        check=github_join_ok,
    ),
    _token(
        "gitlab_token",
        "a GitLab token (glpat-, gldt-, glrt-, glptt-, glsoat-, ...)",
        ("glpat-", "gldt-", "glrt-", "glptt-", "glcbt-", "glimt-", "glft-", "glsoat-", "glagent-", "gloas-", "glffct-"),
        _GITLAB,
        "`glpat-` + 20 or more of `[A-Za-z0-9_-]`",
        reach=520,
        trigger=hyperscan_shape(_GITLAB.replace(_GITLAB_ENDS, "")),
        check=glue_ok,
    ),
    _token(
        "slack_webhook",
        "the secret path of a Slack webhook URL (services/T.../B.../...)",
        ("hooks.slack.com",),
        # (or one path part of 40 or more, as gitleaks' rule reads it)
        r"hooks\.slack\.com\\?/(?P<value>(?:services|workflows|triggers)"
        r"(?:(?:\\?/[A-Za-z0-9_-]{1,64}){2,4}|\\?/[A-Za-z0-9_+-]{40,64}))",
        "`https://hooks.slack.com/services/T…/B…/…`",
        group="value",
        # The secret is the last part: docs' services/T00000000/B00000000/XXXXXXXX... and .env.example's
        # services/XXX/YYY/ZZZ are placeholders whose other parts are no mask on their own.
        validate=_last_part_not_a_mask,
    ),
    _token(
        "slack_webhook_path",
        "a Slack webhook's secret path without its host (/services/T<team>/B<bot>/<24>)",
        ("/services/T", "services\\/T"),
        # The path alone (SLACK_WEBHOOK_URL=/services/..., a proxy's route, base URL joined in code) is the whole
        # secret: its team and bot ids have Slack's shape (upper case, 8 to 12) and its last part is 24 long.
        r"/(?P<value>services\\?/T[A-Z0-9]{8,12}\\?/B[A-Z0-9]{8,12}\\?/[A-Za-z0-9]{24})" + E,
        "`/services/T…/B…/<24>` (the host elsewhere or missing)",
        group="value",
        validate=_slack_path_ok,
    ),
    _token(
        "slack_token",
        "a Slack token (xoxb-, xoxp-, xoxa-, xoxe-, ..., xapp-)",
        ("xoxb-", "xoxp-", "xoxa-", "xoxo-", "xoxs-", "xoxr-", "xoxe", "xapp-"),
        # Glued to a word (tokenxoxb-...) only as a bot, user or app token's numbered shape.
        rf"x(?:{B1_DASH}(?:ox[abposr]-|oxe(?:\.xox[bp])?-\d-|app-\d-)"
        rf"|{GLUED_DASH}(?:ox[abp]-\d{{8,14}}-|oxe(?:\.xox[bp])?-\d-|app-\d-))[A-Za-z0-9-]{{9,251}}+(?<=[A-Za-z0-9]){E_DASH_UNDER}",
        "`xoxb-` + digits-digits-alphanumerics",
        check=glue_ok,
    ),
    _token(
        "stripe_key",
        "a Stripe secret or restricted key, or a webhook secret",
        ("sk_live_", "rk_live_", "sk_test_", "rk_test_", "whsec_"),
        rf"[srw]{GLUED}(?:(?<=[sr])k_(?:live|test)_[A-Za-z0-9]{{10,247}}+|(?<=w)hsec_[A-Za-z0-9+/=]{{20,100}}+){E_UNDER}",
        "`sk_live_` + 24 or more alphanumerics",
        check=glue_ok,
    ),
    _token(
        "anthropic_api_key",
        "an Anthropic key (sk-ant-api03-..., sk-ant-admin01-...)",
        ("sk-ant-",),
        rf"s{GLUED_DASH}k-ant-[a-z]{{2,10}}+\d{{2}}-(?:[A-Za-z0-9_-]{{93}}AA{UNDER_AHEAD}|[A-Za-z0-9_-]{{20,300}}+{E_DASH})",
        "`sk-ant-api03-` + 95 of `[A-Za-z0-9_-]`",
        reach=330,
        check=glue_ok,
    ),
    _token(
        "openai_api_key",
        "an OpenAI key (sk-proj-, sk-svcacct-, sk-admin-, legacy sk-..., T3BlbkFJ)",
        ("sk-",),
        rf"s(?:{GLUED_DASH}k-(?:proj|svcacct|admin)-{_OPENAI_EXACT}{UNDER_AHEAD}"
        rf"|{B1_UNDER_DASH}k-[A-Za-z0-9]{{48}}{E_DASH_UNDER}"
        rf"|(?:{B1_UNDER_DASH}k-(?:(?:proj|svcacct|admin|None)-[A-Za-z0-9_-]{{20,300}}+"
        rf"|[A-Za-z0-9_-]{{0,100}}T3BlbkFJ[A-Za-z0-9_-]{{0,200}})"
        rf"|{GLUED_DASH}k-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{{20,300}}+){E_DASH})",
        "`sk-proj-` + 20 or more of `[A-Za-z0-9_-]`",
        reach=330,
        check=glue_ok,
        ends=openai_end,
    ),
    _token(
        "llm_api_key",
        "an OpenRouter, Groq, xAI, Perplexity or Replicate key",
        ("sk-or-v1-", "gsk_", "xai-", "pplx-", "r8_"),
        rf"(?:s{GLUED_DASH}k-or-v1-[a-f0-9]{{64}}|g{B1_UNDER}sk_[A-Za-z0-9]{{44,64}}+|x{B1_UNDER_DASH}ai-[A-Za-z0-9]{{70,96}}+"
        rf"|p{B1_UNDER_DASH}plx-[A-Za-z0-9]{{42,60}}+|r{B1_UNDER}8_[A-Za-z0-9]{{32,48}}+){E_DASH_UNDER}",
        "`sk-or-v1-` + 64 hex, `gsk_` + 52, `xai-` + 80, `pplx-` + 48, `r8_` + 37",
        check=glue_ok,
    ),
    _token(
        "google_api_key",
        "a Google API key (AIza...)",
        ("AIza",),
        rf"A{GLUED_LOWER_DASH}Iza(?:[0-9A-Za-z_-]{{35}}{UNDER_AHEAD}|[0-9A-Za-z_-]{{31,45}}+{E_DASH})",
        "`AIza` + 35 of `[0-9A-Za-z_-]`",
        check=glue_ok,
    ),
    _token(
        "npm_token",
        "an npm access token (npm_ with its CRC32)",
        ("npm_",),
        rf"npm_[A-Za-z0-9]{{36}}{E_UNDER}",  # no left boundary: the CRC32 holds or it is kept
        "`npm_` + 30 base62 + 6 base62 of their CRC32",
        validate=crc32_suffix_ok,
    ),
    _token(
        "pypi_token",
        "a PyPI or TestPyPI upload token (a macaroon for pypi.org)",
        ("pypi-AgE",),
        rf"p{GLUED_DASH}ypi-AgE(?:IcHlwaS5vcmc|NdGVzdC5weXBpLm9yZw)[A-Za-z0-9_-]{{50,1000}}+{E_DASH}",
        "`pypi-AgEIcHlwaS5vcmc` + 50 or more of `[A-Za-z0-9_-]`",
        reach=1030,
        check=glue_ok,
        ends=pypi_end,
    ),
    _token(
        "huggingface_token",
        "a Hugging Face token (hf_..., api_org_...)",
        ("hf_", "api_org_"),
        rf"(?:h{B1}f_[A-Za-z]{{30,44}}+|a{B1}pi_org_[A-Za-z]{{30,44}}+){E}",
        "`hf_` + 34 letters",
    ),
    _token(
        "vault_token",
        "a HashiCorp Vault token (hvs., hvb., hvr.)",
        ("hvs.", "hvb.", "hvr."),
        rf"h{B1_UNDER_DOT}v[sbr]\.[A-Za-z0-9_-]{{24,512}}+{E_DASH}",
        "`hvs.` + 24 or more of `[A-Za-z0-9_-]`",
        reach=530,
        check=glue_ok,
        ends=vault_end,
    ),
    _token(
        "sendgrid_key",
        "a SendGrid API key (SG.x.y)",
        ("SG.",),
        rf"S{B1_UNDER_DOT}G\.[A-Za-z0-9_-]{{16,32}}+\.(?:[A-Za-z0-9_-]{{43}}{UNDER_AHEAD}|[A-Za-z0-9_-]{{30,64}}+{E_DASH})",
        "`SG.` + 22 + `.` + 43",
        check=glue_ok,
    ),
    _token(
        "mailgun_key",
        "a Mailgun private API key (key- + 32 hex)",
        ("key-",),
        rf"k{B1_DASH}ey-[0-9a-f]{{32}}{E_DASH}",
        "`key-` + 32 hex",
    ),
    _token(
        "shopify_token",
        "a Shopify access token or shared secret (shpat_, shpca_, shppa_, shpss_)",
        ("shpat_", "shpca_", "shppa_", "shpss_"),
        rf"s{GLUED}hp(?:at|ca|pa|ss)_[a-fA-F0-9]{{28,40}}+{E_UNDER}",
        "`shpat_` + 32 hex",
        check=glue_ok,
    ),
    _token(
        "square_token",
        "a Square access token or application secret (EAAA..., sq0atp-, sq0csp-)",
        ("EAAA", "sq0atp-", "sq0csp-"),
        rf"(?:E{B1_DASH}AAA[A-Za-z0-9_-]{{56,100}}+|s{B1_UNDER_DASH}q0(?:atp|csp)-[A-Za-z0-9_-]{{22,60}}+){E_DASH}",
        "`EAAA` + 60 of `[A-Za-z0-9_-]`, `sq0csp-` + 43",
        check=glue_ok,
    ),
    _token(
        "digitalocean_token",
        "a DigitalOcean token (dop_v1_, doo_v1_, dor_v1_)",
        ("dop_v1_", "doo_v1_", "dor_v1_"),
        rf"d{GLUED}o[opr]_v1_[a-f0-9]{{56,72}}+{E_UNDER}",
        "`dop_v1_` + 64 hex",
        check=glue_ok,
    ),
    _token(
        "heroku_key",
        "a Heroku API key (HRKU-...)",
        ("HRKU-",),
        rf"H{GLUED_LOWER_DASH}RKU-(?:AA[A-Za-z0-9_-]{{58}}{UNDER_AHEAD}|[A-Za-z0-9_-]{{52,72}}+{E_DASH})",
        "`HRKU-AA` + 58 of `[A-Za-z0-9_-]`",
        check=glue_ok,
    ),
    _token(
        "supabase_key",
        "a Supabase access token or secret key (sbp_, sb_secret_)",
        ("sbp_", "sb_secret_"),
        rf"s(?:{B1_UNDER_DASH}bp_[a-f0-9]{{36,48}}+{E_DASH_UNDER}|{B1_DASH}b_secret_[A-Za-z0-9_-]{{31,64}}+{E_DASH})",
        "`sbp_` + 40 hex",
        check=glue_ok,
    ),
    _token(
        "discord_webhook",
        "the secret path of a Discord webhook URL",
        ("discord",),
        r"discord(?:app)?\.com\\?/api\\?/webhooks\\?/[0-9]{17,20}\\?/(?P<value>[A-Za-z0-9_-]{60,68})",
        "`https://discord.com/api/webhooks/<id>/<68 characters>`",
        group="value",
    ),
    _token(
        "discord_bot_token",
        "a Discord bot token (base64 of the bot id, then two dotted parts)",
        (),
        rf"[MNO]{B1_DOT}[A-Za-z0-9_-]{{23,25}}+\.[A-Za-z0-9_-]{{6}}\.[A-Za-z0-9_-]{{27,38}}+{E_DASH}",
        "`MTk…` (base64 of digits, 24-26) + `.` + 6 + `.` + 27",
        reach=90,
        trigger=r"[MNO][A-Za-z0-9_-]{23,25}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27}",
        validate=discord_ok,
    ),
    _token(
        "telegram_bot_token",
        "a Telegram bot token (bot id : AA + 33)",
        (),
        rf"[0-9](?:{B1}|(?<=bot.))[0-9]{{7,9}}+:AA[A-Za-z0-9_-]{{30,40}}+{E_DASH}",
        "`123456789:AA` + 33 of `[A-Za-z0-9_-]`",
        reach=60,
    ),
    _token(
        "linear_api_key",
        "a Linear API key (lin_api_...)",
        ("lin_api_",),
        rf"l{GLUED}in_api_[A-Za-z0-9]{{34,48}}+{E_UNDER}",
        "`lin_api_` + 40 alphanumerics",
        check=glue_ok,
    ),
    _token(
        "notion_token",
        "a Notion integration token (secret_..., ntn_...)",
        ("secret_", "ntn_"),
        rf"(?:s{B1}ecret_[A-Za-z0-9]{{43}}|n{B1_UNDER}tn_[0-9]{{11}}[A-Za-z0-9]{{30,42}}+){E_UNDER}",
        "`ntn_` + 11 digits + 35 alphanumerics, `secret_` + 43",
        check=glue_ok,
    ),
    _token(
        "doppler_token",
        "a Doppler token (dp.st., dp.sa., dp.ct., dp.pt., ...; a service token names its config: dp.st.prd.)",
        ("dp.",),
        rf"d{B1_UNDER_DOT}p\.(?:st|sa|ct|scim|audit|pt)\.(?:[a-z0-9_-]{{2,35}}+\.)?(?:[A-Za-z0-9]{{40,44}}+{UNDER_AHEAD}|[A-Za-z0-9_.-]{{36,50}}+{E_DASH})",
        "`dp.st.` + 40-44, `dp.st.prd.` + 40",
        check=glue_ok,
    ),
    _token(
        "age_secret_key",
        "an age secret key (AGE-SECRET-KEY-1...)",
        ("AGE-SECRET-KEY-1",),
        rf"A{GLUED_LOWER_DASH}GE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{{52,64}}+{E_UNDER}",
        "`AGE-SECRET-KEY-1` + 58 bech32",
        check=glue_ok,
    ),
    _token(
        "grafana_token",
        "a Grafana service-account or cloud token (glsa_, glc_)",
        ("glsa_", "glc_"),
        rf"g{B1_UNDER}l(?:sa_[A-Za-z0-9]{{28,40}}+_[A-Fa-f0-9]{{4,12}}+|c_[A-Za-z0-9+/]{{32,400}}+={{0,2}}+){E_UNDER}",
        "`glsa_` + 32 + `_` + 8 hex",
        reach=430,
        check=glue_ok,
    ),
    _token(
        "databricks_token",
        "a Databricks token (dapi + 32 hex)",
        ("dapi",),
        rf"d{B1_UNDER_DASH}api[a-f0-9]{{28,40}}+(?:-[0-9])?{E_DASH_UNDER}",
        "`dapi` + 32 hex",
        check=glue_ok,
    ),
    _token(
        "postman_key",
        "a Postman API key (PMAK-...)",
        ("PMAK-",),
        rf"P{GLUED_LOWER_DASH}MAK-[a-fA-F0-9]{{20,28}}+-[a-fA-F0-9]{{30,40}}+{E_DASH_UNDER}",
        "`PMAK-` + 24 hex + `-` + 34 hex",
        check=glue_ok,
    ),
    _token(
        "atlassian_token",
        "an Atlassian API token (ATATT3..., ATCTT3...)",
        ("ATATT3", "ATCTT3"),
        rf"A{GLUED_LOWER_DASH}T[AC]TT3(?:[A-Za-z0-9_=-]{{186}}{UNDER_AHEAD}|[A-Za-z0-9_=-]{{160,240}}+{E_DASH})",
        "`ATATT3` + 186",
        check=glue_ok,
    ),
    _token(
        "sentry_token",
        "a Sentry auth token (sntrys_, sntryu_)",
        ("sntrys_", "sntryu_"),
        _SENTRY,
        "`sntryu_` + 64 hex",
        trigger=hyperscan_shape(_SENTRY.replace(_SENTRY_ORG, "")),
        check=glue_ok,
        reach=430,
    ),
    _token(
        "pulumi_token",
        "a Pulumi access token (pul- + 40 hex)",
        ("pul-",),
        rf"p{B1_UNDER_DASH}ul-[a-f0-9]{{36,48}}+{E_DASH_UNDER}",
        "`pul-` + 40 hex",
        check=glue_ok,
    ),
    _token(
        "newrelic_key",
        "a New Relic user API key (NRAK-...)",
        ("NRAK-",),
        rf"N{GLUED_LOWER_DASH}RAK-[A-Z0-9]{{22,32}}+{E_DASH_UNDER}",
        "`NRAK-` + 27",
        check=glue_ok,
    ),
    _token(
        "azure_client_secret",
        "an Azure AD (Entra) client secret (xxx8Q~...)",
        ("Q~",),
        r"(?:(?<![A-Za-z0-9_~.\\-])|"
        + AFTER_ESCAPE
        + "|"
        + AFTER_PERCENT
        + r")[A-Za-z0-9_~.]{3}[0-9]Q~[A-Za-z0-9_~.-]{31,34}(?![A-Za-z0-9_~.-])",
        "3 + digit + `Q~` + 31-34 of `[A-Za-z0-9_~.-]`",
        reach=50,
        trigger=r"[A-Za-z0-9_~.]{3}[0-9]Q~[A-Za-z0-9_~.-]{31,34}(?:[^A-Za-z0-9_~.-]|$)",
    ),
)
