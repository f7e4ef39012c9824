"""Values that say where a secret is kept, never the secret itself (h283, issue 16): read as references.

* A secret store's reference: 1Password's ``op://<vault>/<item>[/<section>]/<field>``, bank-vaults'
  ``vault:secret/data/<path>#<key>``, vals' and helm-secrets' ``ref+<backend>://<path>[#/<key>]``
  (``ref+vault://``, ``ref+awsssm://``, ``ref+gcpsecrets://``...). The scheme is the fact: nobody's password
  begins ``op://``.
* A file handed to a tool by ``@`` (``vault kv put path password=@db-password.txt``, ``curl -d @body.json``,
  httpie's ``field=@file``): an ``@`` then a path whose file has a secret's or a setting's extension.
  ``PASSWORD=@abc`` (no extension) stays a value.
"""

from __future__ import annotations

import re

# A file's extension of a secret's or a setting's file (also what makes words with slashes a path: checks.py).
FILE_EXTENSION = re.compile(
    r"\.(?:txt|json|ya?ml|toml|ini|conf|cfg|env|properties|xml|pem|key|crt|cer|der|p12|pfx|jks|keystore|pub|age"
    r"|gpg|asc|enc|sops|kdbx|secret|token|pass|b64)\Z"
)
_NAME = r"[A-Za-z0-9_.@ -]{1,128}"
_STORE_REFERENCE = re.compile(
    r"(?:op://|ref\+[a-z0-9]{2,20}://|vault:(?=[A-Za-z0-9_-]{1,64}/))"
    + _NAME
    + r"(?:/"
    + _NAME
    + r"){0,12}/?(?:#/?[A-Za-z0-9_./-]{1,128}){0,2}"
)
_STORE_SCHEMES = ("op://", "ref+", "vault:")
_AT_FILE = re.compile(r"@(?:~/|\.{1,2}/|/)?[A-Za-z0-9_.-]{1,128}(?:/[A-Za-z0-9_.-]{1,128}){0,12}")


def store_or_file_reference(value: str) -> bool:
    """``value`` names a secret store's entry or an ``@file`` with a secret's or a setting's extension."""
    if value[:1] == "@":
        return _AT_FILE.fullmatch(value) is not None and FILE_EXTENSION.search(value) is not None
    return value.startswith(_STORE_SCHEMES) and _STORE_REFERENCE.fullmatch(value) is not None
