"""What gitleaks' own examples found kept, again (h153, issue 16): provider tokens with a telling prefix that hookd
had no rule for (EasyPost EZAK/EZTK, Flutterwave FLWSECK, Duffel, Facebook's EAA... access tokens, Alibaba Cloud's
LTAI key ids, Adobe's p8e- secrets, GitLab's session cookie), and an XML element named for a secret whose text
stands on a line of its own in an Edit's structuredPatch (gitleaks' "xml - element multiline" sample, one string
per line). Each case runs through the reference and the engine, which must agree, bare in a sentence, in
gitleaks' sample forms and in every kind of payload (EVERY_KIND); gitleaks' look-alikes and placeholders are kept.
The fake secrets are drawn per test, seeded by the test's id.
"""

from __future__ import annotations

import json
import random

import pytest
from recall_helpers import provider_token_tests, EVERY_KIND, apply, assert_gone_in, assert_kept, patch_lines

HEX = "0123456789abcdef"
LOWER = "abcdefghijklmnopqrstuvwxyz"
UPPER = LOWER.upper()
DIGITS = "0123456789"
ALNUM = UPPER + LOWER + DIGITS
URLSAFE = ALNUM + "_-"


def pick(rng: random.Random, alphabet: str, n: int) -> str:
    """Random, with every kind of character the alphabet has (a run of one kind would be a placeholder)."""
    kinds = [k for k in (str.isupper, str.islower, str.isdigit) if any(k(c) for c in alphabet)]
    while True:
        value = "".join(rng.choice(alphabet) for _ in range(n))
        if all(any(k(c) for c in value) for k in kinds) and len(set(value)) > min(n, len(set(alphabet))) // 2:
            return value


# (id, rule, a token of that shape from an rng), each as gitleaks' rule (and the provider) reads it
SHAPES = [
    ("easypost-live", "payment_api_token", lambda r: "EZ" + "AK" + pick(r, ALNUM, 54)),
    ("easypost-test", "payment_api_token", lambda r: "EZ" + "TK" + pick(r, ALNUM, 54)),
    ("flutterwave-test", "payment_api_token", lambda r: "FLWSECK" + "_TEST-" + pick(r, HEX, 32) + "-X"),
    ("flutterwave-live", "payment_api_token", lambda r: "FLWSECK" + "-" + pick(r, HEX, 32) + "-X"),
    ("flutterwave-encryption", "payment_api_token", lambda r: "FLWSECK" + "_TEST" + pick(r, HEX, 12)),
    ("duffel-live", "payment_api_token", lambda r: "duf" + "fel_live_" + pick(r, URLSAFE, 43)),
    ("duffel-test", "payment_api_token", lambda r: "duf" + "fel_test_" + pick(r, ALNUM, 43)),
    ("facebook-page", "meta_access_token", lambda r: "EA" + "AM" + pick(r, ALNUM, 180)),
    ("facebook-user", "meta_access_token", lambda r: "EA" + "AB" + pick(r, ALNUM, 120)),
    ("facebook-explorer", "meta_access_token", lambda r: "EA" + "AG" + pick(r, ALNUM, 240)),
    ("facebook-client", "meta_access_token", lambda r: "EA" + "AC" + pick(r, ALNUM, 100)),
    ("alibaba", "cloud_access_key_id", lambda r: "LT" + "AI" + pick(r, ALNUM, 20)),
    ("alibaba-old", "cloud_access_key_id", lambda r: "LT" + "AI" + pick(r, ALNUM, 12)),
    ("adobe", "cloud_access_key_id", lambda r: "p8" + "e-" + pick(r, ALNUM, 32)),
]
(
    token_for,
    test_a_provider_token_alone_is_its_rules,
    test_in_gitleaks_sample_forms,
    test_in_every_kind_of_payload,
) = provider_token_tests(SHAPES, "h153")


@pytest.mark.parametrize("kind", EVERY_KIND)
def test_gitlab_session_cookie_value_goes_its_name_stays(kind):
    value = pick(random.Random(f"h153-cookie-{kind}"), HEX, 32)
    # as copied from a browser's storage view or a log line, not in a Cookie: header (a cookie rule takes that)
    text = f"copied from devtools: _gitlab_session={value} (gitlab.example.com)"
    out = assert_gone_in(text, value, kind, "gitlab_session_cookie" if kind == "plain" else None)
    assert "_gitlab_session=" in out


# gitleaks' "xml - element multiline": the opening tag, the text indented, the closing tag, each a patch line
XML_NAMES = ["apiToken", "jiraToken", "password", "client_secret", "ns:accessKey", "githubToken"]


@pytest.mark.parametrize("name", XML_NAMES)
def test_an_xml_secret_elements_text_on_its_own_patch_line_goes(name):
    rng = random.Random(f"h153-xml-{name}")
    value = pick(rng, LOWER + DIGITS, 24)
    close = name.split(" ")[0]
    out = apply(json.dumps(patch_lines(f"<settings>\n  <{name}>\n    {value}\n  </{close}>\n</settings>")))
    assert value not in out, out
    assert "[REDACTED:patch_xml_element_line]" in out
    assert f"<{name}>" in out and f"</{close}>" in out  # the tags stay: they say what was there
    assert apply(out) == out
    json.loads(out)


def test_an_xml_secret_element_on_patch_lines_as_a_cdata_less_maven_server():
    password = pick(random.Random("h153-maven"), ALNUM + "!#%", 18)
    text = "<server>\n  <id>central</id>\n  <username>deploy</username>\n  <password>\n    " + password
    text += "\n  </password>\n</server>"
    out = apply(json.dumps(patch_lines(text)))
    assert password not in out and json.dumps(password)[1:-1] not in out, out
    assert "<id>central</id>" in out and "<username>deploy</username>" in out


# The patch lines of an XML element that hold no secret text: kept
KEPT_PATCH_XML = [
    "<password>\n  ${env.NEXUS_PASSWORD}\n</password>",  # a reference
    "<token>\n  <value>abc</value>\n</token>",  # a child element, not text
    "<apiKey>\n  Enter your key\n</apiKey>",  # words (a component's label)
    "<password>\n  changeme\n</password>",  # a placeholder
    "<secretName>\n  my-app-tls\n</secretName>",  # a name's last word is no secret's (secretName)
    "<password>\n  Tr0ub4dor3xQz\n<password>",  # no closing tag after the line: not the element's text
]


@pytest.mark.parametrize("text", KEPT_PATCH_XML)
def test_patch_lines_of_an_xml_element_with_no_secret_are_kept(text):
    doc = json.dumps(patch_lines(text))
    assert apply(doc) == doc


# gitleaks' false positives for these rules, placeholders of the new shapes, and look-alikes: kept
KEPT = [
    # gitleaks' own: base64 where EZAK/EZTK is no token's start (the run is not 54 long), a lower-case eaaa/eaac
    "...6wqX6fNUXA/rYqRvfQ+EZAKGqQRiRyqAFRQshGPWOIAwNWGORfKHSBnVNFtVmWYoW6PH23lkqbbDWep95C/3VmWq/edti6...",
    "...6wqX6fNUXA/rYqRvfQ+EZTKGqQRiRyqAFRQshGPWOIAwNWGORfKHSBnVNFtVmWYoW6PH23lkqbbDWep95C/3VmWq/edti6...",
    "eaaaC0b75a9329fded2ffa9a02b47e0117831b82",
    "checksum: eaac4cf978b6fbd480f1092cab8b233c9b949bcabfc9b598dd79a758f7243c28765ef7639c876fa72940dac687181b35486"
    "ea01ff7df3e65ce3848c64822c581",
    # placeholders
    "EZAK" + "x" * 54,
    "FLWSECK_TEST-" + "x" * 32 + "-X",
    "FLWSECK_TEST-XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX-X",
    "duffel_test_" + "x" * 43,
    "EAAB" + "x" * 120,
    "EAAG" + "X" * 200,
    "LTAI" + "X" * 20,
    "LTAI" + "x" * 16,
    "p8e-" + "x" * 32,
    "p8e-YOUR_CLIENT_SECRET_HERE_1234567",
    "Cookie: _gitlab_session=" + "x" * 32,
    # Flutterwave's public key is meant for the browser
    "FLWPUBK_TEST-32a8f1b0c3d4e5f6a7b8c9d0e1f2a3b4-X",
    "FLWPUBK-9f8e7d6c5b4a39281706f5e4d3c2b1a0-X",
    # an upper-case identifier that begins LTAI, Square's EAAA (its own rule, 56-100), short EAA runs
    "LTAIMONITORINGSERVICE2 and LTAI_ACCESS_KEY_ID",
    "EAAC4cf978b6 and EAAM is a word here",
    # words and hashes beside the new prefixes
    "p8e-build-2024 and EZAK-release",
    "_gitlab_session=deleted; path=/",
]


@pytest.mark.parametrize("text", KEPT)
def test_a_look_alike_is_kept(text):
    assert_kept(text)
