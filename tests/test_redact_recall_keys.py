"""A private key's base64 DER body without its PEM lines (derkeys.py): every key type and format
`cryptography` writes is redacted, on one line or wrapped; public keys, certificates and CSRs are kept."""

from __future__ import annotations

import base64
import datetime
import re

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa, x25519
from cryptography.x509.oid import NameOID
from recall_helpers import assert_kept, assert_redacted

from hookd.redact.derkeys import DER_KEY_PATTERN, is_private_key_der

KEYS = {
    "rsa1024": lambda: rsa.generate_private_key(65537, 1024),
    "rsa2048": lambda: rsa.generate_private_key(65537, 2048),
    "rsa4096": lambda: rsa.generate_private_key(65537, 4096),
    "p256": lambda: ec.generate_private_key(ec.SECP256R1()),
    "p384": lambda: ec.generate_private_key(ec.SECP384R1()),
    "p521": lambda: ec.generate_private_key(ec.SECP521R1()),
    "ed25519": ed25519.Ed25519PrivateKey.generate,
    "ed448": ed448.Ed448PrivateKey.generate,
    "x25519": x25519.X25519PrivateKey.generate,
    "dsa": lambda: dsa.generate_private_key(1024),
}
_CACHE: dict = {}


def key(name: str):
    if name not in _CACHE:
        _CACHE[name] = KEYS[name]()
    return _CACHE[name]


def formats(name: str) -> dict[str, bytes]:
    private = key(name)
    out = {
        "pkcs8": private.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
        "pkcs8-encrypted": private.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"correct horse"),
        ),
    }
    if name.startswith(("rsa", "p", "dsa")):
        out["traditional"] = private.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
        )
    return out


NO_TRADITIONAL = ("ed25519", "ed448", "x25519")  # PKCS#8 is their only private format
CASES = [
    (name, form)
    for name in KEYS
    for form in ("pkcs8", "pkcs8-encrypted", "traditional")
    if not (form == "traditional" and name in NO_TRADITIONAL)
]


def wrapped(body: str, width: int) -> str:
    return "\n".join(body[i : i + width] for i in range(0, len(body), width))


@pytest.mark.parametrize(("name", "form"), CASES, ids=[f"{n}-{f}" for n, f in CASES])
def test_private_key_body_without_pem_lines(name, form):
    der = formats(name)[form]
    body = base64.b64encode(der).decode()
    assert is_private_key_der(body)
    tail = body[-40:].rstrip("=")
    assert_redacted(body, tail, "der_private_key")
    assert_redacted(f"export SIGNING_KEY_DER={body}\necho done", tail)
    assert_redacted(f"key body:\n{wrapped(body, 64)}\nend", tail, "der_private_key")
    assert_redacted(wrapped(body, 76), tail, "der_private_key")


def _certificate_and_csr() -> tuple[bytes, bytes]:
    private = key("rsa2048")
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "example.test")])
    now = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private.public_key())
        .serial_number(7)
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(private, hashes.SHA256())
    )
    csr = x509.CertificateSigningRequestBuilder().subject_name(name).sign(private, hashes.SHA256())
    return cert.public_bytes(serialization.Encoding.DER), csr.public_bytes(serialization.Encoding.DER)


def _public(name: str, fmt) -> bytes:
    return key(name).public_key().public_bytes(serialization.Encoding.DER, fmt)


PUBLIC = {
    "rsa-spki": lambda: _public("rsa2048", serialization.PublicFormat.SubjectPublicKeyInfo),
    "rsa-pkcs1": lambda: _public("rsa2048", serialization.PublicFormat.PKCS1),
    "p256-spki": lambda: _public("p256", serialization.PublicFormat.SubjectPublicKeyInfo),
    "ed25519-spki": lambda: _public("ed25519", serialization.PublicFormat.SubjectPublicKeyInfo),
    "certificate": lambda: _certificate_and_csr()[0],
    "csr": lambda: _certificate_and_csr()[1],
}


@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_public_keys_certificates_and_csrs_are_kept(name):
    body = base64.b64encode(PUBLIC[name]()).decode()
    assert not is_private_key_der(body)
    assert_kept(body)
    assert_kept(wrapped(body, 64))


def test_a_base64_run_with_the_prefix_but_not_der_is_kept():
    # The trigger's shape, but version 1 followed by an INTEGER: no private key starts so.
    assert not is_private_key_der("MIIEowIBAQKCAQEA" + "A" * 60)  # version 1 then an INTEGER: no such key
    assert_kept("MIIEowIBAQKCAQEA" + "QUJD" * 20)


def test_the_regex_alone_does_not_take_a_certificate_body():
    """The regex holds the DER shapes as the trigger does: around a key's body, each certificate body of a
    CA bundle was a candidate to confirm (/etc/ssl/certs/ca-certificates.crt went dense)."""
    pem = x509.load_der_x509_certificate(_certificate_and_csr()[0]).public_bytes(serialization.Encoding.PEM)
    body = "\\n".join(pem.decode().splitlines()[1:-1])  # as JSON text writes its lines
    assert re.compile(DER_KEY_PATTERN).search(body) is None
    key_body = base64.b64encode(formats("rsa2048")["pkcs8"]).decode()
    assert re.compile(DER_KEY_PATTERN).search(key_body) is not None
