"""Nineteenth session: a secret-named variable declared with a type between its name and its = after a
declaration's keyword (TypeScript, Rust, Kotlin, Swift, Go, VB), or assigned by another language's operator
(R's <-, Make's ::=, csh's setenv, C's #define, a Lisp's def/setq): declarations.py. Each was kept before;
gitleaks' own examples (h92's probe) hold most of them."""

from __future__ import annotations

import pytest
from recall_helpers import PAYLOAD_KINDS, assert_kept, assert_redacted, assert_redacted_in_payload

V = "Zx9Qw8Er7Ty6Ui5Op4As3Df2"
DECLARED = [
    f'let password: string = "{V}";',
    f'export const apiKey: string = "{V}";',
    f"  private readonly clientSecret: string = '{V}';",
    f'const API_KEY: &str = "{V}";',
    f'let mut db_password: &\'static str = "{V}";',
    f'static let apiKey: String = "{V}"',
    f'var apiToken string = "{V}"',
    f'const authToken string = "{V}"',
    f'Dim apiKey As String = "{V}"',
    f'api_key <- "{V}"',
    f"db_password <<- '{V}'",
    f"API_TOKEN ::= {V}",
    f'x = 1\nvar apiToken string = "{V}"\n',
    f'# R\napi_key <- "{V}"\n',
    f'#include <x.h>\n#define API_KEY "{V}"\n',
    f"setenv API_TOKEN {V}",
    f'#define API_KEY "{V}"',
    f'(def api-key "{V}")',
    f'(setq auth-token "{V}")',
    f'(defparameter *api-key* "{V}")',
]


@pytest.mark.parametrize("text", DECLARED)
def test_a_declared_secret_is_redacted(text: str) -> None:
    out = assert_redacted(text, V)
    assert "[REDACTED:declared_secret]" in out or "clientSecret" in text, out  # that one: secret_assignment


@pytest.mark.parametrize("kind", sorted(PAYLOAD_KINDS))
def test_in_every_kind_of_payload(kind: str) -> None:
    for text in DECLARED:
        assert_redacted_in_payload(text, V, kind)


@pytest.mark.parametrize(
    "text",
    [
        'let password: string = "";',
        "const token: string = process.env.TOKEN!;",
        "private readonly apiKey: string = environment.apiKey;",
        "var tokenCount int = 0",
        "let password: String = String::new();",
        'api_key <- Sys.getenv("API_KEY")',
        "(defvar *api-key* nil)",
        "setenv PASSWORD $pw",
        "const password: string = 'password123'",
        "val password: String = BuildConfig.PASSWORD",
        "Dim password As String = txtPassword.Text",
        'var token string = r.Header.Get("X-Token")',
        "let secret: Secret<String> = Secret::new(s)",
        "token <- token + 1",
        "let token: string = await getToken();",
        "var password string = *flagPassword",
        "let token: &str = &args[1];",
        'const API_KEY: &str = env!("API_KEY");',
        "#define PASSWORD_MAX 128",
        "#define SECRET_KEY secret_key_from_env()",
        'let password: string = "your-password-here";',
        "let token: Option<String> = None;",
        "let tokenizer: Tokenizer = new Tokenizer(vocab);",
    ],
)
def test_a_declared_reference_type_or_placeholder_is_kept(text: str) -> None:
    assert_kept(text)
