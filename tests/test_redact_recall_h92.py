"""What gitleaks' own examples found kept (h92, issue 16): provider tokens with a telling prefix that hookd had no
rule for (Sourcegraph, Infracost, Octopus Deploy, Clojars, ReadMe, Scalingo, Harness, OpenShift, Yandex Cloud,
Amazon Bedrock's short-term keys, X's bearer tokens, GitLab's feature-flag tokens), routable
GitLab tokens past 200 characters, Shippo's keys in upper-case hex, PlanetScale's tokens with a dot, a Slack
webhook path in one part; and gitleaks' look-alikes (placeholders, a file name, a hash) kept. Each case runs
through the reference and the engine, which must agree, bare in a sentence, in gitleaks' sample forms and in every
kind of hook payload. The fake secrets are built at run time.
"""

from __future__ import annotations

import random

import pytest
from recall_helpers import gitleaks_forms, PAYLOAD_KINDS, assert_kept, assert_redacted, assert_redacted_in_payload

RNG = random.Random(92)
HEX = "0123456789abcdef"
LOWER = "abcdefghijklmnopqrstuvwxyz"
UPPER = LOWER.upper()
DIGITS = "0123456789"
ALNUM = UPPER + LOWER + DIGITS
URLSAFE = ALNUM + "_-"


def pick(alphabet: str, n: int) -> str:
    """Random, with every kind of character the alphabet has (a run of one kind would be a placeholder)."""
    kinds = [k for k in (str.isupper, str.islower, str.isdigit) if any(k(c) for c in alphabet)]
    while True:
        value = "".join(RNG.choice(alphabet) for _ in range(n))
        if all(any(k(c) for c in value) for k in kinds):
            return value


# (rule, token): each as gitleaks' rules read them
TOKENS = [
    ("devtools_token", "sg" + "p_" + pick(HEX, 40)),
    ("devtools_token", "sg" + "p_local_" + pick(HEX + "ABCDEF", 40)),
    ("devtools_token", "sg" + "p_" + pick(HEX, 16) + "_" + pick(HEX, 40)),
    ("devtools_token", "ic" + "o-" + pick(ALNUM, 32)),
    ("devtools_token", "AP" + "I-" + pick(UPPER + DIGITS, 26)),
    ("devtools_token", "CLO" + "JARS_" + pick(LOWER + DIGITS, 60)),
    ("devtools_token", "rd" + "me_" + pick(LOWER + DIGITS, 70)),
    ("devtools_token", "tk" + "-us-" + pick(URLSAFE, 48)),
    ("devtools_token", "pa" + "t." + pick(URLSAFE, 22) + "." + pick(ALNUM, 24) + "." + pick(ALNUM, 20)),
    ("devtools_token", "sa" + "t." + pick(URLSAFE, 22) + "." + pick(ALNUM, 24) + "." + pick(ALNUM, 20)),
    ("cloud_platform_token", "sha" + "256~" + pick(URLSAFE, 43)),
    ("cloud_platform_token", "AQ" + "VN" + pick(URLSAFE, 36)),
    ("cloud_platform_token", "t" + "1." + pick(ALNUM, 20) + "==." + pick(URLSAFE, 86)),
    ("cloud_platform_token", "bedrock-" + "api-key-" + "YmVkcm9jay5hbWF6b25hd3MuY29t" + pick(ALNUM + "+/", 300) + "=="),
    ("twitter_bearer_token", "A" * 22 + pick(ALNUM, 60) + "%2F" + pick(ALNUM, 25)),
    ("gitlab_token", "gl" + "ffct-" + pick(URLSAFE, 20)),
    ("gitlab_token", "gl" + "pat-" + pick(URLSAFE, 260) + "." + pick(LOWER + DIGITS, 9)),
    ("gitlab_token", "gl" + "rt-t1_" + pick(URLSAFE, 240) + "." + pick(LOWER + DIGITS, 9)),
    ("saas_api_key", "shi" + "ppo_test_" + pick(HEX + "ABCDEF", 40)),
    ("saas_api_token", "psc" + "ale_oauth_" + pick(ALNUM, 20) + "." + pick(ALNUM, 20)),
]
IDS = [token[:12] for _, token in TOKENS]


@pytest.mark.parametrize(("rule", "token"), TOKENS, ids=IDS)
def test_a_provider_token_alone_is_its_rules(rule, token):
    assert_redacted(f"the value is {token} for now", token, rule)
    assert_redacted(token, token, rule)


@pytest.mark.parametrize(("rule", "token"), TOKENS, ids=IDS)
def test_in_gitleaks_sample_forms(rule, token):
    for text in gitleaks_forms(token):
        assert_redacted(text, token)


@pytest.mark.parametrize("kind", sorted(PAYLOAD_KINDS))
@pytest.mark.parametrize(("rule", "token"), TOKENS, ids=IDS)
def test_in_every_kind_of_payload(rule, token, kind):
    assert_redacted_in_payload(f"export ACME={token}\n{token}\n", token, kind)


def test_a_slack_webhook_path_in_one_part_is_redacted():
    """gitleaks' rule reads services/ and 40 or more characters as one part (its own examples)."""
    path = pick(ALNUM, 44)
    for url in (f"https://hooks.slack.com/services/{path}", f"hooks.slack.com/workflows/{path}"):
        assert_redacted(f"curl -X POST {url}", path, "slack_webhook")


# gitleaks' false positives for these rules (and placeholders of other provider tokens): kept
KEPT = [
    "http://assets.example.com/media/video_box.ico-7a388b69018576d24b59331fd60aab0c.png",
    "oc login --token=sha256~_xxxxxx_xxxxxxxxxxxxxxxxxxxxxx-xxxxxxxxxx-X \\",
    "echo sha256~XXXXXXXXXX_PUT_YOUR_TOKEN_HERE_XXXXXXXXXXXX",
    "sgp_5555555dAAAAA7777777CcccCFaaaaaaaaaaaaaa",
    "A3-XXXXXX-XXXXXXXXXXX-XXXXX-XXXXX-XXXXX",
    "ops_eyJ" + "x" * 260,
    "glpat-XXXXXXXXXXX-XXXXXXXX",
    "glpat-xxxxxxxx-xxxxxxxxxxxxxxxxxx.xxxxxxxxx",
    "glrt-tx_xxxxxxxxxxxxxxxxxxxxxxxxxxx.xxxxxxxxx",
    "glptt-" + "x" * 40,
    "github_pat_" + "x" * 22 + "_" + "x" * 59,
    "xoxb-xxxxxxxxx-xxxxxxxxxx-xxxxxxxxxxxx",
    "hf_" + "x" * 34,
    "glc_" + "x" * 68,
    "glsa_" + "X" * 32 + "_AAAAAAAA",
    "hvs." + "x" * 90,
    "pplx-" + "x" * 48,
    "sntryu_" + "a" * 64,
    "x" * 14 + ".atlasv1." + "x" * 67,
    "GR1348941" + "X" * 20,
    # words and hashes that begin like the new prefixes
    "see API-REFERENCE-GUIDE-FOR-V2-DOCS and API-GATEWAY",
    "commit 4b1d9e0c2f7a8b3c1d5e6f7a8b9c0d1e2f3a4b5c",
    "t1.small instance, pat.name, sat.value",
    "A" * 110,
    # base64 of zeros: a run of A is no X bearer token's prefix flood (each A counted, the chunk went dense)
    "data:image/png;base64,iVBORw0KGgo" + "A" * 5000 + "ElFTkSuQmCC",
    # ClickHouse Cloud's 4b1d + 38 has no rule (hex ids hold 4b1d)
    "4b" + "1d" + "Xk9Lm2Pq7Rs4Tu8Vw1Yz3Ab5Cd6Ef7Gh8Ij9Kl0Mn",
]


@pytest.mark.parametrize("text", KEPT)
def test_a_look_alike_is_kept(text):
    assert_kept(text)
