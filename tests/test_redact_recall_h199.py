"""Provider tokens from trufflehog's detectors that neither gitleaks nor hookd's table knew (h199, issue 16):
Cloudflare's cfut_/cfat_ API tokens, NVIDIA's nvapi-, Pinecone's pcsk_, Langfuse's sk-lf-, ElevenLabs' sk_ + 48 hex,
CircleCI's CCIPAT_, HubSpot's pat-na1-/pat-eu1-, LaunchDarkly's api-/sdk- keys, Azure Container Registry's +ACR
passwords; and Terraform Cloud's .atlasv1. token with upper-case letters before its dot (gitleaks' own example).
Each runs through the reference and the engine, which must agree, bare in a sentence, in gitleaks' sample forms and
in every kind of payload (EVERY_KIND); the detectors' own examples are redacted; placeholders and look-alikes are
kept. The fake secrets are drawn per test, seeded by the test's id.
"""

from __future__ import annotations

import random

import pytest
from recall_helpers import provider_token_tests, assert_kept, assert_redacted
from test_redact_recall_h153 import ALNUM, DIGITS, HEX, LOWER, URLSAFE, pick


def uuid(rng: random.Random, alphabet: str = HEX, version: str = "") -> str:
    third = version + pick(rng, alphabet, 4 - len(version))
    return (
        f"{pick(rng, alphabet, 8)}-{pick(rng, alphabet, 4)}-{third}-{pick(rng, alphabet, 4)}-{pick(rng, alphabet, 12)}"
    )


# (id, rule, a token of that shape from an rng), each as trufflehog's detector reads it
SHAPES = [
    ("cloudflare-user", "cloudflare_api_token", lambda r: "cf" + "ut_" + pick(r, ALNUM, 40) + pick(r, HEX, 8)),
    ("cloudflare-account", "cloudflare_api_token", lambda r: "cf" + "at_" + pick(r, ALNUM, 40) + pick(r, HEX, 8)),
    ("nvidia", "ai_platform_key", lambda r: "nv" + "api-" + pick(r, URLSAFE, 64)),
    ("pinecone", "ai_platform_key", lambda r: "pc" + "sk_" + pick(r, ALNUM, 5) + "_" + pick(r, ALNUM, 63)),
    ("pinecone-6", "ai_platform_key", lambda r: "pc" + "sk_" + pick(r, ALNUM, 6) + "_" + pick(r, ALNUM, 63)),
    ("langfuse", "ai_platform_key", lambda r: "sk" + "-lf-" + uuid(r)),
    ("elevenlabs", "ai_platform_key", lambda r: "sk" + "_" + pick(r, HEX, 48)),
    ("circleci", "saas_platform_token", lambda r: "CCI" + "PAT_" + pick(r, ALNUM, 22) + "_" + pick(r, HEX, 40)),
    ("hubspot-na", "saas_platform_token", lambda r: "pat" + "-na1-" + uuid(r)),
    ("hubspot-eu", "saas_platform_token", lambda r: "pat" + "-eu1-" + uuid(r)),
    ("launchdarkly-api", "saas_platform_token", lambda r: "api" + "-" + uuid(r, LOWER + DIGITS, "4")),
    ("launchdarkly-sdk", "saas_platform_token", lambda r: "sdk" + "-" + uuid(r, HEX, "4")),
    # (its first character drawn from letters and digits: a line of stdout that begins with + reads as a diff's)
    (
        "acr",
        "azure_registry_password",
        lambda r: r.choice(ALNUM) + pick(r, ALNUM + "+/", 41) + "+A" + "CR" + pick(r, ALNUM, 6),
    ),
    (
        "terraform-mixed-case",
        "ci_platform_token",
        lambda r: pick(r, ALNUM, 14) + ".atlas" + "v1." + pick(r, URLSAFE, 67),
    ),
]
(
    token_for,
    test_a_provider_token_alone_is_its_rules,
    test_in_gitleaks_sample_forms,
    test_in_every_kind_of_payload,
) = provider_token_tests(SHAPES, "h199")


# The detectors' own test inputs (trufflehog pkg/detectors/*/..._test.go) and gitleaks' Terraform example
DETECTOR_EXAMPLES = [
    ("Authorization: Bearer cfut_ZE4CrcFhEIDXk9vL2sTLeARsFp2ZZYbydVDhhIUq8573bbfe", "cfut_ZE4CrcFhEIDXk9vL2sTLeARs"),
    ('CF_API_TOKEN = "cfat_OhbVrpoiVgRV5IfLBcbfnoGMbJmTPSIAoCLrZ3aW5da846a3"', "cfat_OhbVrpoiVgRV5IfLBcbfnoGM"),
    ("nvapi_token = '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'", "cyGfLPg6snafPfAQQ1su"),
    ("key: pcsk_T5Afk6_5qU9s3iLVFmaSaJtMat7gTHaT9fXa7ykiBk7iz4uUMuLGLemkdutTgwJevYhqtn", "5qU9s3iLVFmaSaJtMat7"),
    (
        "pc = Pinecone(pcsk_wtQV4_J9qqVGjiMW81LJ9H59iajZMWMedenyLnGVR3vbCWq6V3oaEvcQYwPFQpupFUth1)",
        "J9qqVGjiMW81LJ9H59ia",
    ),
    ("XI_API_KEY = 'sk_c43667f9bedd46fcff858f09f648d984533645e30f0541df'", "c43667f9bedd46fcff858f09"),
    ('api_key: "CCIPAT_FAKEd5qPreGFAKEaQxBi6i_914bf0042f4f2d34e1d2ef6615c051a5caf70172"', "914bf0042f4f2d34e1d2ef66"),
    ("const private_app_token = 'pat-eu1-1457aed5-04c6-40e2-83ad-a862d3cf19f2';", "1457aed5-04c6-40e2-83ad"),
    ("      auth-token: pat-na1-ffbb9f50-d96b-4abc-84f1-b986617be1b5", "ffbb9f50-d96b-4abc-84f1"),
    ("ld.init(api-5gykyl1b-wgrq-41lc-z6q1-h7zn5fdlcybw)", "5gykyl1b-wgrq-41lc-z6q1"),
    ("client = LDClient(sdk-5gykyl1b-wgrq-41lc-z6q1-h7zn5fdlcybw)", "5gykyl1b-wgrq-41lc-z6q1"),
    (
        "docker login x.azurecr.io -u smpldev -p Cw8xeDNK6Bub3p61aq5ij/TiVvtBicpTj5rverVezj+ACRBPkEcx",
        "Cw8xeDNK6Bub3p61",
    ),
    ("ACR: o9uXSjWlUdRwAeGP2xGSfGy+25vetsONo3Mq13fksa+ACRBXyFsY", "o9uXSjWlUdRwAeGP2xGSfGy"),
    (
        '#token = "hE1hlYILrSqpqh.atlasv1.ARjZuyzl33F71WR55s6ln5GQ1HWIwTDDH3MiRjz7OnpCfaCb1RCF5zGaSncCWmJdcYA"',
        "ARjZuyzl33F71WR55s6ln5GQ1HWIwTDDH3MiRjz7",
    ),
]


@pytest.mark.parametrize(("text", "secret"), DETECTOR_EXAMPLES)
def test_the_detectors_own_examples_are_redacted(text, secret):
    assert_redacted(text, secret)


# Placeholders of the new shapes (one character, all zeros) and look-alikes: kept
KEPT = [
    "cfut_" + "x" * 40 + "0" * 8,
    "cfut_YOUR_CLOUDFLARE_TOKEN and cfat_<token>",
    "nvapi-" + "X" * 64,
    "nvapi-client and nvapi-python",
    "pcsk_" + "xxxxx_" + "x" * 63,
    "sk-lf-00000000-0000-0000-0000-000000000000",
    "pk-lf-1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d (Langfuse's public key)",
    "sk_" + "0" * 48,
    "CCIPAT_" + "X" * 22 + "_" + "0" * 40,
    "pat-na1-00000000-0000-0000-0000-000000000000",
    "api-00000000-0000-4000-0000-000000000000 and sdk-xxxxxxxx-xxxx-4xxx-xxxx-xxxxxxxxxxxx",
    # a UUID that is no version 4 after api- (a request id), and words after the prefixes
    "request api-1b4e28ba-2fa1-11d2-883f-0016d3cca427 done",
    "sdk-version api-gateway pat-na1-region pcsk_docs sk_live_mode",
    # a git SHA after sk_ is 40 hex, not 48; base64 whose +ACR is followed by no 6 and an end
    "sk_da39a3ee5e6b4b0d3255bfef95601890afd80709",
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+ACRwAcAAWIBUV0m7y8AAAAASUVORK5CYII=",
    "abc+ACRONYM is a word and x.atlasv1.short",
]


@pytest.mark.parametrize("text", KEPT)
def test_a_look_alike_is_kept(text):
    assert_kept(text)
