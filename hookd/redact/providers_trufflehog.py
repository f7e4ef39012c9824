"""Provider tokens neither gitleaks nor hookd's table knew, from trufflehog's detectors (h199, issue 16).

Each rule carries over a trufflehog detector's facts (pkg/detectors/<name>/*.go): a fixed prefix, an alphabet and
a length, found at a boundary and replaced whole, as in providers.py. Only self-identifying formats: a prefix no
word or identifier begins with, or a separator no other text holds (Azure Container Registry's ``+ACR``). The
detectors that need a name beside a bare run (Deepgram's 40 hex after "deepgram") are left to the name rules.
"""

from __future__ import annotations

from hookd.redact.patterns import B1, B1_DASH, E, E_DASH, HS_B1_MARKED, HS_B1_PLAIN, b1, hyperscan_shape
from hookd.redact.providers import _token
from hookd.redact.providers_gitleaks import _random_after
from hookd.redact.rule import Rule

_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
# HubSpot's and LaunchDarkly's are UUID-shaped, though their detectors read any lower-case letter and digit
_UUID_ALNUM = r"[a-z0-9]{8}-[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{12}"

_AI_PLATFORM = (
    rf"(?:n{B1_DASH}vapi-[A-Za-z0-9_-]{{64}}|p{B1}csk_[A-Za-z0-9]{{5,6}}_[A-Za-z0-9]{{63}}"
    rf"|s{B1_DASH}k-lf-{_UUID}|s{B1}k_[a-f0-9]{{48}}){E_DASH}"
)
# ElevenLabs' sk_ + 48 hex: "sk_" ends many names (task_, disk_, xsk_), and Hyperscan's shape of a token drops what
# B1 asks before it, so a flood of such a name glued to 48 hex reported at each and went dense. Its trigger asks
# what may stand before the token, in two parts (patterns.HS_B1_PLAIN, HS_B1_MARKED: the second only where sk_ is).
_AI_SHAPE = hyperscan_shape(_AI_PLATFORM)
_ELEVENLABS = "|sk_[a-f0-9]{48})"
_AI_PARTS = (
    (_AI_SHAPE.replace(_ELEVENLABS, f"|{HS_B1_PLAIN}sk_[a-f0-9]{{48}})"), ()),
    *((before + "sk_[a-f0-9]{48}" + _AI_SHAPE.split(_ELEVENLABS, 1)[1], ()) for before in HS_B1_MARKED),
)

TRUFFLEHOG_PROVIDER_RULES: tuple[Rule, ...] = (
    _token(
        "asana_token",
        "an Asana personal access token (1/<user id>:<32 hex>, 2/<user id>/<app id>:<32 hex>)",
        ("1/", "2/"),
        # A colon inside: the Authorization shape's value stops at it, so Bearer never took these whole (h277)
        rf"[12]{B1}/[0-9]{{16}}(?:/[0-9]{{16,20}}+)?:[a-f0-9]{{32}}{E}",
        "`2/` + 16 digits + `/` + 16 digits + `:` + 32 hex",
        validate=_random_after((), 8),
    ),
    _token(
        "cloudflare_api_token",
        "a Cloudflare user or account API token (cfut_, cfat_: 40 of base62, then 8 hex)",
        ("cfut_", "cfat_"),
        rf"c{B1}f[ua]t_[A-Za-z0-9]{{40}}[a-f0-9]{{8}}{E}",
        "`cfut_` + 40 of `[A-Za-z0-9]` + 8 hex",
        validate=_random_after(("cfut_", "cfat_")),
    ),
    _token(
        "ai_platform_key",
        "an AI platform key (NVIDIA nvapi-, Pinecone pcsk_, Langfuse sk-lf-, ElevenLabs sk_ + 48 hex)",
        ("nvapi-", "pcsk_", "sk-lf-", "sk_"),
        # (not Langfuse's pk-lf-: its public key, sent from browsers)
        _AI_PLATFORM,
        "`nvapi-` + 64, `pcsk_` + 5-6 + `_` + 63, `sk-lf-` + a UUID, `sk_` + 48 hex",
        trigger=_AI_SHAPE.replace(_ELEVENLABS, f"|(?:{'|'.join((HS_B1_PLAIN, *HS_B1_MARKED))})sk_[a-f0-9]{{48}})"),
        trigger_parts=_AI_PARTS,
        validate=_random_after(("nvapi-", "pcsk_", "sk-lf-", "sk_"), 8),
    ),
    _token(
        "saas_platform_token",
        "a CI, CRM or feature-flag token (CircleCI CCIPAT_, HubSpot pat-na1-/pat-eu1-, LaunchDarkly api-/sdk-)",
        ("CCIPAT_", "pat-na1-", "pat-eu1-", "api-", "sdk-"),
        # LaunchDarkly's are version-4 UUIDs (its detector asks the 4); not its mob- key, meant for apps
        rf"(?:C{B1}CIPAT_[A-Za-z0-9]{{22}}_[a-fA-F0-9]{{40}}|p{B1_DASH}at-(?:na|eu)1-{_UUID_ALNUM}"
        rf"|(?:a{B1_DASH}pi|s{B1_DASH}dk)-[a-z0-9]{{8}}-[a-z0-9]{{4}}-4[a-z0-9]{{3}}-[a-z0-9]{{4}}-[a-z0-9]{{12}}){E_DASH}",
        "`CCIPAT_` + 22 + `_` + 40 hex, `pat-na1-` + a UUID, `sdk-` + a version-4 UUID",
        validate=_random_after(("CCIPAT_", "pat-na1-", "pat-eu1-", "api-", "sdk-"), 8),
    ),
    _token(
        "azure_registry_password",
        "an Azure Container Registry password (42 of base64, +ACR, 6)",
        ("+ACR",),
        # Not inside a longer run of base64 (after a letter, a digit, + or /)
        rf"[A-Za-z0-9+/]{b1('+/')}[A-Za-z0-9+/]{{41}}\+ACR[A-Za-z0-9]{{6}}{E}",
        "42 of `[A-Za-z0-9+/]` + `+ACR` + 6 of `[A-Za-z0-9]`",
        # From its +ACR, not its first 42: a trigger that begins with a run of a class and no literal costs every
        # text (docs/redaction.md, Airtable's); the regex reads the 42 back from the report
        trigger=r"\+ACR[A-Za-z0-9]{6}(?:[^A-Za-z0-9_]|_(?:[^A-Za-z0-9_]|$)|$)",
        validate=_random_after((), 10),
    ),
)
