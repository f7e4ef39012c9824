"""Fake values for the fourth fresh set (fresh4_secrets.jsonl, fresh4_benign.jsonl; issue 16, h277).

Written before reading the rules, from sources none of the three earlier fresh sets used: Buildkite, Drone,
Bitbucket and Travis pipelines, Pulumi and Nomad configs, systemd units, nginx, HAProxy, Traefik and Caddy,
mysqldump/pg_dump and backup tools (restic, borg), LDAP and SMTP settings outside Java, mobile signing
(Gradle, fastlane, keytool), cluster join tokens, WireGuard, Wi-Fi and CIFS mounts, cloud storage
connection strings, HTTP logs and .http files, Insomnia exports, pytest's locals, and provider formats from
gitleaks' rules the other sets lack (Shopify, Square, Okta, Notion, Figma, Atlassian, Telegram,
DigitalOcean, Databricks, Grafana, Postman, Pulumi, Docker Hub, Dynatrace, PyPI, Braintree...). A seed of its
own (no other set's values move); every value is assembled from pieces, so no literal in the repository is
a credential.
"""

from __future__ import annotations

import functools

from fakes import ALNUM, B64, DIGITS, HEX, LOWER, UPPER, URLSAFE, Fakes


def values(seed: int = 2770) -> dict[str, str]:
    f = Fakes(seed)
    p = f.pick

    uid = f.uid
    pem = functools.partial(f.pem, tail=14)

    return {
        # provider tokens (gitleaks' and trufflehog's rules: prefix, alphabet, length)
        "z_shopify": "shp" + "at_" + p(HEX, 32),
        "z_shopss": "shp" + "ss_" + p(HEX, 32),
        "z_square": "EA" + "AA" + p(URLSAFE, 60),
        "z_squaresec": "sq0" + "csp-" + p(URLSAFE, 43),
        "z_okta": "00" + p(URLSAFE, 40),
        "z_notion": "nt" + "n_" + p(DIGITS, 11) + p(ALNUM, 35),
        "z_figma": "fi" + "gd_" + p(URLSAFE, 40),
        "z_atlassian": "ATA" + "TT3" + p(URLSAFE, 178) + "=" + p(HEX, 8).upper(),
        "z_telegram": p(DIGITS, 10) + ":" + "AA" + p(URLSAFE, 33),
        "z_do": "do" + "p_v1_" + p(HEX, 64),
        "z_databricks": "da" + "pi" + p(HEX, 32),
        "z_grafana": "gl" + "sa_" + p(ALNUM, 32) + "_" + p(HEX, 8),
        "z_postman": "PM" + "AK-" + p(HEX, 24) + "-" + p(HEX, 34),
        "z_pulumi": "pu" + "l-" + p(HEX, 40),
        "z_dockerhub": "dc" + "kr_pat_" + p(URLSAFE, 27),
        "z_dynatrace": "dt0" + "c01." + p(UPPER + DIGITS, 24) + "." + p(UPPER + DIGITS, 64),
        "z_pypi": "py" + "pi-AgEIcHlwaS5vcmc" + p(URLSAFE, 70),
        "z_braintree": "access_token" + "$production$" + p(LOWER + DIGITS, 16) + "$" + p(HEX, 32),
        "z_slackbot": "xo" + "xb-" + p(DIGITS, 12) + "-" + p(DIGITS, 13) + "-" + p(ALNUM, 24),
        "z_heroku": "HR" + "KU-AA" + p(URLSAFE, 58),
        "z_asana": "2/" + p(DIGITS, 16) + "/" + p(DIGITS, 16) + ":" + p(HEX, 32),
        "z_twitch": p(LOWER + DIGITS, 30),
        "z_swarm": "SWM" + "TKN-1-" + p(LOWER + DIGITS, 50) + "-" + p(LOWER + DIGITS, 25),
        "z_kubeadm": p(LOWER + DIGITS, 6) + "." + p(LOWER + DIGITS, 16),
        "z_azstorage": p(B64, 86) + "==",
        "z_azsig": p(B64, 43) + "=",
        "z_wg": p(B64, 43) + "=",
        "z_alikey": "LT" + "AI" + p(ALNUM, 20),
        "z_alisecret": p(ALNUM, 30),
        "z_auth0": p(URLSAFE, 64),
        "z_paypal": p(URLSAFE, 80),
        "z_mapbox": "sk" + ".eyJ1Ijoi" + p(ALNUM, 40) + "." + p(URLSAFE, 22),
        # credentials without a telling prefix (found by their context)
        "z_pw1": p(ALNUM + "!#%*", 18),
        "z_pw2": p(ALNUM, 21),
        "z_pw3": p(ALNUM + "@$^", 16),
        "z_pw4": p(ALNUM, 15),
        "z_pw5": p(ALNUM + "!*", 20),
        "z_pw6": p(ALNUM, 24),
        "z_pw7": p(ALNUM + "#%", 19),
        "z_pw8": p(ALNUM, 17),
        "z_pw9": p(ALNUM + "-_", 22),
        "z_pw10": p(ALNUM, 19),
        "z_pw11": p(ALNUM + "!", 16),
        "z_pw12": p(ALNUM, 23),
        "z_pw13": p(ALNUM + "%&", 18),
        "z_pw14": p(ALNUM, 20),
        "z_hex32": p(HEX, 32),
        "z_hex40": p(HEX, 40),
        "z_hex64": p(HEX, 64),
        "z_b64": p(B64, 32) + "==",
        "z_consul": uid(),
        "z_bcrypt": "$2y$" + "05$" + p(ALNUM + "./", 53),
        "pemz_rsa": pem("RSA PRIVATE KEY"),
        # benign look-alikes
        "z_sha256": p(HEX, 64),
        "z_sha256b": p(HEX, 64),
        "z_sha1": p(HEX, 40),
        "z_sha1b": p(HEX, 40),
        "z_sha512b64": p(B64, 86) + "==",
        "z_uuid": uid(),
        "z_uuid2": uid(),
        "z_nix": p("0123456789abcdfghijklmnpqrsvwxyz", 32),
        "z_cid": "bafy" + "bei" + p("abcdefghijklmnopqrstuvwxyz234567", 52),
        "z_sri": p(B64, 43) + "=",
        "z_narhash": p(B64, 43) + "=",
        "z_sourcemap": ";".join(
            ",".join(p("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", 4) for _ in range(6))
            for _ in range(8)
        ),
        "z_sops": p(B64, 24),
        "z_sopsiv": p(B64, 43) + "=",
        "z_sopstag": p(B64, 22) + "==",
        "z_vault": "\\n".join(p(HEX, 80) for _ in range(4)),
        "z_pk": "pk" + "_live_" + p(ALNUM, 99),
        "z_digits": p(DIGITS, 10),
    }
