"""Provider tokens gitleaks' own examples found kept (nineteenth session, h92; again h153).

Each rule carries over a gitleaks rule's facts (config/gitleaks.toml, cmd/generate/config/rules/*.go): a
fixed prefix, an alphabet, a length. As in providers.py a token is found only at a boundary and replaced
whole; where the alphabet lets a word or an identifier fit (API-..., sha256~..., t1.small), the body must
also look random (letters and digits both; both cases where the provider's tokens have them).

Left out on purpose (docs/redaction.md): gitleaks' rules for a bare run with no telling prefix (32 hex
after "adafruit", a UUID after "heroku"): hookd finds those beside a secret name, not alone.
"""

from __future__ import annotations

from collections.abc import Callable

from hookd.redact.patterns import B1, B1_DASH, B1_DOT, E, E_DASH
from hookd.redact.providers import _token
from hookd.redact.providers_more import _mixed
from hookd.redact.rule import Rule


def _cased(token: str) -> bool:
    """Upper and lower case letters and digits: base62 at random, not a run of one letter (AAAA...)."""
    return _mixed(token) and any(c.isupper() for c in token) and any(c.islower() for c in token)


def _random_after(prefixes: tuple[str, ...], distinct: int = 10) -> Callable[[str], bool]:
    """The token's body (past its prefix) mixes letters and digits over more than ``distinct`` different
    characters (10 unless told): random, not a placeholder (sha256~XXXX_PUT_YOUR_TOKEN_HERE_XXXX,
    sgp_5555555dAAAAA7777777...) nor a word. ``distinct`` is lower where a body may be as short as 12
    (Alibaba's older key ids, Flutterwave's 12 hex): 12 of 16 at random hold 8 on average, and 5 or fewer 1
    time in 300."""

    def ok(token: str) -> bool:
        body = token
        for prefix in prefixes:
            if token.startswith(prefix):
                body = token[len(prefix) :]
                break
        return _mixed(body) and len(set(body)) > distinct

    return ok


_KEY_ID_BODY = _random_after(("LTAI", "p8e-"), 7)


def _key_id_ok(token: str) -> bool:
    """Random past its prefix, and not an upper-case identifier (LTAIMONITORINGSERVICE2): Alibaba's ids are
    base62, both cases at random (a run of 12 with no lower-case letter: 1 in 700)."""
    return _KEY_ID_BODY(token) and not token[4:].isupper()


_RANDOM = _random_after(())


def _dropbox_long_ok(token: str) -> bool:
    """Random around its ten A (11 before, 43 after): not base64 of zeros or a run of one letter."""
    return _RANDOM(token[:11] + token[21:])


GITLEAKS_PROVIDER_RULES: tuple[Rule, ...] = (
    _token(
        "devtools_token",
        "a developer-platform token (Sourcegraph sgp_, Infracost ico-, Octopus Deploy API-, Clojars CLOJARS_, "
        "ReadMe rdme_, Scalingo tk-us-, Harness pat./sat., Defined Networking dnkey-)",
        ("sgp_", "ico-", "API-", "CLOJARS_", "rdme_", "tk-us-", "pat.", "sat.", "dnkey-"),
        rf"(?:s{B1}gp_(?:[a-fA-F0-9]{{16}}_|local_)?[a-fA-F0-9]{{40}}|i{B1_DOT}co-[A-Za-z0-9]{{32}}"
        rf"|A{B1_DASH}PI-[A-Z0-9]{{26}}|C{B1}LOJARS_[a-z0-9]{{60}}|r{B1}dme_[a-z0-9]{{70}}"
        rf"|t{B1_DASH}k-us-[A-Za-z0-9_-]{{48}}|d{B1_DASH}nkey-[a-z0-9=_-]{{26}}-[a-z0-9=_-]{{52}}"
        rf"|[ps]{B1_DOT}at\.[A-Za-z0-9_-]{{22}}\.[A-Za-z0-9]{{24}}\.[A-Za-z0-9]{{20}}){E_DASH}",
        "`sgp_` + 40 hex, `ico-` + 32, `API-` + 26, `CLOJARS_` + 60, `rdme_` + 70, `pat.` + 22 + `.` + 24 + `.` + 20, "
        "`dnkey-` + 26 + `-` + 52",
        validate=_random_after(("sgp_local_", "sgp_", "ico-", "API-", "CLOJARS_", "rdme_", "tk-us-", "dnkey-")),
    ),
    _token(
        "cloud_platform_token",
        "a cloud token (OpenShift sha256~, Yandex Cloud AQVN and t1., Amazon Bedrock bedrock-api-key-)",
        # (not ClickHouse Cloud's 4b1d + 38: four hex digits that hex ids hold, a session id's in every event)
        ("sha256~", "AQVN", "t1.", "bedrock-api-key-"),
        rf"(?:s{B1}ha256~[A-Za-z0-9_-]{{43}}|A{B1}QVN[A-Za-z0-9_-]{{35,38}}+"
        rf"|t{B1_DOT}1\.[A-Za-z0-9_-]{{20,400}}+={{0,2}}\.[A-Za-z0-9_-]{{86}}={{0,2}}"
        rf"|b{B1_DASH}edrock-api-key-YmVkcm9jay5hbWF6b25hd3MuY29t[A-Za-z0-9+/%_=-]{{0,4000}}+){E_DASH}",
        "`sha256~` + 43, `AQVN` + 35-38, `t1.` + id + `.` + 86, `bedrock-api-key-YmVkcm9jay5hbWF6b25hd3MuY29t…`",
        reach=4100,
        jointed=False,  # Bedrock's token runs to 4 KiB: joints after every length cost Hyperscan (patterns.py)
        validate=_random_after(("sha256~", "AQVN", "t1.", "bedrock-api-key-")),
    ),
    _token(
        "twitter_bearer_token",
        "an X (Twitter) app bearer token (22 A, then 80-100 of base62 and %)",
        ("AAAAAAAAAAAAAAAAAAAAA",),
        rf"A{B1}A{{21}}[A-Za-z0-9%]{{80,100}}+{E}",
        "`AAAAAAAAAAAAAAAAAAAAAA` + 90 of `[A-Za-z0-9%]`",
        # Its boundary before, for Hyperscan too: in a run of A (base64 of zeros) the shape without it kept a
        # hundred starts alive at every character; after a percent escape as B1 reads it
        trigger=r"(?:^|[^A-Za-z0-9_\\]|\\[nrtbf]|\\u[0-9A-Fa-f]{4}|%[0-9A-Fa-f]{2})A{22}[A-Za-z0-9%]{80,100}(?:[^A-Za-z0-9_]|$)",
        validate=_cased,
    ),
    _token(
        "payment_api_token",
        "a payment or shipping API key (EasyPost EZAK/EZTK, Flutterwave FLWSECK-, Duffel duffel_live_/duffel_test_)",
        ("EZAK", "EZTK", "FLWSECK", "duffel_"),
        # (not Flutterwave's FLWPUBK-: a public key, meant for the browser)
        rf"(?:E{B1}Z[AT]K[A-Za-z0-9]{{54}}|F{B1}LWSECK(?:_TEST)?-?[a-hA-H0-9]{{12}}(?:[a-hA-H0-9]{{20}}-X)?"
        rf"|d{B1}uffel_(?:test|live)_[A-Za-z0-9_=-]{{43}}){E_DASH}",
        "`EZAK` + 54, `FLWSECK_TEST-` + 32 hex + `-X`, `FLWSECK_TEST` + 12 hex, `duffel_live_` + 43",
        validate=_random_after(("EZAK", "EZTK", "FLWSECK_TEST-", "FLWSECK_TEST", "FLWSECK-", "FLWSECK", "duffel_"), 5),
    ),
    _token(
        "meta_access_token",
        "a Facebook (Meta) user or page access token (EAAB, EAAC, EAAD, EAAG, EAAM, EAAU + 100 or more)",
        # (EAAA + 56-100 is Square's, square_token)
        ("EAAB", "EAAC", "EAAD", "EAAG", "EAAM", "EAAU"),
        # Not after + or /: inside base64 (a font's, a binary's) a run of 100 may begin EAA after either
        rf"(?<![+/])E{B1}AA[BCDGMU][A-Za-z0-9]{{100,1000}}+{E}",
        "`EAAM` + 100 or more of `[A-Za-z0-9]`",
        reach=1100,
        jointed=False,  # a token of 100 to 1000: joints after every length cost Hyperscan (patterns.py)
        validate=_random_after(("EAA",)),
    ),
    _token(
        "cloud_access_key_id",
        "a cloud access key id or client secret (Alibaba Cloud LTAI, Adobe p8e-)",
        ("LTAI", "p8e-"),
        rf"(?:L{B1}TAI[A-Za-z0-9]{{12,20}}+|p{B1_DASH}8e-[A-Za-z0-9]{{32}}){E_DASH}",
        "`LTAI` + 12-20 of `[A-Za-z0-9]`, `p8e-` + 32",
        validate=_key_id_ok,
    ),
    _token(
        "dropbox_long_lived_token",
        "a Dropbox long-lived access token (11, ten A, 43: 64 of base64url)",
        ("AAAAAAAAAA",),
        # Not after or before + or /: inside base64 (a font's, an image's) a stretch between them may hold ten A
        rf"(?<![+/])[A-Za-z0-9_-]{B1_DASH}[A-Za-z0-9_-]{{10}}A{{10}}[A-Za-z0-9_=-]{{43}}{E_DASH}(?![+/])",
        "11 of `[A-Za-z0-9_-]` + `AAAAAAAAAA` + 43 of `[A-Za-z0-9_=-]`",
        # From its ten A, not its first 11: a trigger that begins with a run of a class and no literal costs every
        # text (docs/redaction.md, Airtable's); the regex reads the 11 back from the report
        # It ends where the regex's end lets it: before a character not of a token's (= too: the 43 hold it, and
        # one more after them is no token's), or an _ that ends a word
        trigger=r"A{10}[A-Za-z0-9_=-]{43}(?:[^A-Za-z0-9_-]|_(?:[^A-Za-z0-9_-]|$)|$)",
        validate=_dropbox_long_ok,
    ),
    _token(
        "maxmind_license_key",
        "a MaxMind license key (6, _, 29, then _mmk: GeoIP.conf's LicenseKey, geoipupdate's)",
        ("_mmk",),
        rf"[A-Za-z0-9]{B1}[A-Za-z0-9]{{5}}_[A-Za-z0-9]{{29}}_mmk{E}",
        "6 of `[A-Za-z0-9]` + `_` + 29 + `_mmk`",
        # Its whole shape for Hyperscan (as every token): a trigger of the suffix alone reported every "_mmk"
        # and sent a flood of it to bulk redaction
        validate=_random_after((), 12),
    ),
    _token(
        "gitlab_session_cookie",
        "GitLab's session cookie (_gitlab_session=<32 hex>)",
        ("_gitlab_session=",),
        # the cookie's name stays: it says what was there
        rf"_gitlab_session=(?P<value>[0-9a-z]{{32}}){E}",
        "`_gitlab_session=` + 32 of `[0-9a-z]` (hex in GitLab's own)",
        group="value",
        validate=_random_after((), 8),
    ),
)
