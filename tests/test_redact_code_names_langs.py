"""Code of other languages read whole, kept; the same forms holding a secret, still redacted.

Each kept line is from a real file (devise, jsonwebtoken, oauth2-rs, laravel/framework, next-auth,
openiddict-core, spring-security, bitnami/charts) that the redactor changed when read as a Read result
or as plain text (docs/redaction.md, "Code read whole, other languages"). Each runs through the
reference and the engine, which must agree (recall_helpers).
"""

from __future__ import annotations

import pytest
from recall_helpers import ENGINE, assert_kept, assert_redacted

PW = "RsZy4W7" + "ZTKb7F3"
WORD_PW = "hunter" + "2"

CODE = [
    # Ruby: instance variables handed on, interpolations, a module's method, a class's constructor
    "<p><%= link_to 'Confirm my account', confirmation_url(@resource, confirmation_token: @token) %></p>",
    "@user = create_user(password: @password, password_confirmation: @password).tap(&:confirm)",
    '"reset_password_token" => @raw, "email" => email',
    "config.secret_key = '#{SecureRandom.hex(64)}'",
    'password = "#{password}#{klass.pepper}"',
    "token = Devise.friendly_token",
    "user_with_remember_token = User.new",
    # Rust: paths through modules and types, impl Trait
    'let token = decode::<Claims>(&token, &DecodingKey::from_secret("secret".as_ref()), &Validation::default())?;',
    "let deserialized_token = serde_json::from_str::<BasicTokenResponse>(&serialized_json).unwrap();",
    "let signing_key = BlindedSigningKey::<H>::new(private_key);",
    '"expired_token" => DeviceCodeErrorResponseType::ExpiredToken,',
    "pub fn decode_header(token: impl AsRef<[u8]>) -> Result<Header> {",
    # PHP: class constants
    "'password' => HashCaster::class,",
    "'other_password' => HashCaster::class.':md5',",
    "const InvalidToken = PasswordBroker::INVALID_TOKEN;",
    # C#: a constraint, null-forgiving and null-conditional members
    "public IOpenIddictTokenStore<TToken> Get<TToken>() where TToken : class",
    "builder.AddEncryptionCredentials(credentials: null!));",
    ".WithOne(token => token.Application!)",
    "public string? AccessToken => Response?.AccessToken;",
    "IsReferenceToken = !context.Options.DisableTokenStorage,",
    # TypeScript and Kotlin: non-null assertions, a double negation, a private field, a capitalised path
    "clientSecret: process.env.AUTH_FUSIONAUTH_CLIENT_SECRET!,",
    "{ cause: { hasToken: !!paramToken } }",
    "password = this.#auth.loginPassword,",
    "private val CLIENT_EC_PRIVATE_KEY = TestKeys.DEFAULT_EC_KEY_PAIR.private as ECPrivateKey",
    # Java: a method reference, constants spelling their own names, messages of a .properties file
    "ThrowingFunction<Collection<Saml2X509Credential>, byte[]> credentials = this.serializer::serializeToByteArray;",
    'private static final String OPAQUE_TOKEN = "opaque-token";',
    'private static final String ELT_SIGNING_CREDENTIAL = "signing-credential";',
    'clientSecret: "client-secret",',
    "AbstractLdapAuthenticationProvider.emptyPassword=Ung\\u00FCltige Anmeldedaten",
    "BindAuthenticator.badCredentials=\\u30e6\\u30fc\\u30b6\\u540d\\u304b",
    "const INVALID_TOKEN = 'passwords.token';",
    # the file that holds the secret
    'serviceAccountSecretKey: "credentials.json"',
    'serviceAccountKey: "/gcp-secrets/serviceAccountKey.json"',
    "- name: GOOGLE_CREDENTIALS\n  value: /etc/secrets/service-account/credentials.json",
    "- DATABASE_PASSWORD=/run/secrets/db-password",  # a Docker secret's mount
    'export GOOGLE_APPLICATION_CREDENTIALS="/secrets/gcs-application-credentials-file"',
    # package.json: versions and dist-tags under a package named for tokens or auth
    '"jsonwebtoken": "^9.0.0",',
    '"@types/jsonwebtoken": "^8.5.5",',
    '"next-auth": "beta",',
    '"next-auth": "workspace:*",',
    # an OAuth provider's token endpoint; messages about the secret
    'token: "https://api.x.com/2/oauth2/token",',
    "'token' => 'This password reset token is invalid.',",
    "no_token: \"You can't access this page without coming from a password reset email. If you do come "
    'from a password reset email, please make sure you used the full URL provided."',
    # identifiers of a protocol: OpenIddict's constants, a URN, a media type, Laravel's validation rules
    'public const string AccessToken = "at+jwt";',
    'public const string Password = "gt:password";',
    'public const string AccessToken = "urn:ietf:params:oauth:token-type:access_token";',
    'public const string JsonWebToken = "application/jwt";',
    "return ['password' => 'required|confirmed'];",
    "$v = new Validator($trans, ['password' => 'foo'], ['password' => 'current_password:custom']);",
    # .NET config: a public key's token
    '<assemblyIdentity name="System.Buffers" publicKeyToken="cc7b13ffcd2ddd51" culture="neutral" />',
    # Helm: Kubernetes Secrets' names and keys, template actions
    "existingSecret: name-of-existing-secret",
    "--set auth.existingSecret=redis-password-secret",
    "keyPasswordSecretKey: key-password",
    "tls.certificatesSecret=my-certs",
    'existingSecretKey: "admin-password"',
    "## existingPasswordSecret: name-of-existing-secret",
    "{{- $rootPassword := .Values.auth.rootPassword }}",
    '{{- $jwtToken := lookup "v1" "Secret" (include "common.names.namespace" .) }}',
    "{{- $secret := tpl $externalRedis.existingSecret .context -}}",
    # h65: a lambda whose parameter is named like a secret and whose body reads a member of it (C#)
    "var tokens = authorizations.SelectMany(authorization => authorization.Tokens).ToList();",
    "return query.Where(authorization => authorization.Status == Statuses.Valid);",
    # h65: regular expression literals that do not start with /^ (JavaScript)
    "const token = /\\$\\{([^}]+)\\}/g;",
    "token = /\\S+/g;",
    "password = /\\d{4}/;",
    "token = /\\//g;",
    "token = /\\$\\{([^}]+)\\}/g",  # the end of the line
    # h65: C# constants whose short lower-case value abbreviates their name
    'public const string OneTimePassword = "otp";',
    'public const string Password = "pwd";',
    'internal const string Secret = "sec";',
]


# Kept before h65 too (the brief's other lambdas and regular expressions): guards for its checks.
CODE_ALREADY_KEPT = [
    ".Select(token => token.Value)",
    "const lengths = passwords.map((password) => password.length);",
    "list.stream().map(password -> password.trim()).collect(Collectors.toList());",
    "let token = /[A-Za-z0-9]{40}/g;",
    "password = /(?=.*[A-Z])(?=.*\\d).{8,}/,",
    "if (token.match(/\\w+/)) { return; }",
    'const string Pwd = "pwd";',
]


@pytest.mark.parametrize("text", CODE + CODE_ALREADY_KEPT)
def test_code_of_other_languages_is_kept(text):
    assert_kept(text)


def test_an_empty_value_does_not_take_the_next_line():
    text = "AUTH_SECRET=\nAUTH_ISSUER=\n"  # .env.example, read as plain text
    assert ENGINE.redact(text)[0] == text
    assert_kept(text)


SECRETS = [
    (f"DB_PASSWORD=@{WORD_PW}abc", WORD_PW),  # glued to =: an .env value, not an instance variable
    ("DB_PASSWORD=@bcdefgh", "@bcdefgh"),
    (f"password: {WORD_PW}!", WORD_PW),
    (f"password = !super{PW}", PW),
    ("token: Summer.2024x", "Summer.2024x"),
    (f"TOKEN := {PW}", PW),  # a Makefile's assignment, outside any template action
    (f'{{{{- $token := "{PW}" }}}}', PW),  # a literal inside an action
    (f"existingSecret: {PW}/x", PW),  # not an object's name
    (f"secret_key: my-secret-{PW.lower()}", PW.lower()),
    (f'token: "https://hooks.example.com/services/T0AAAA/B0BBBB/{PW}{PW}"', PW),
    (f'password: "Correct horse battery {PW}."', PW),  # a sentence naming no secret
    (f"AUTH_SECRET={PW}\nAUTH_ISSUER=https://x", PW),
    (f"api_key: {PW}::", PW),
    ("db.password=p\\u00E4ssw\\u00F6rd", "u00E4ssw"),  # a .properties password written in escapes
    (f'CLIENT_SECRET = "client-secret-{PW}"', PW),
    (f"- name: DB_PASSWORD\n  value: {PW}.x", PW),
    ("clientSecret: my-client-secret-abc", "my-client-secret-abc"),  # a secret named so, not a Secret's name
    ("jwtSecret: abc-def-ghi", "abc-def-ghi"),
    (f"DATABASE_PASSWORD=/{PW}/x", PW),  # not a lower-case path
    (f"token: /run/secrets/{PW}{PW}", PW),  # a long name with digits in the path
    ("password: 'abcd|efgh'", "abcd|efgh"),  # not rules' names
    ("password: 'different'", "different"),  # a rule's name alone is a word
    (f"TOKEN='rod:{WORD_PW}'", WORD_PW),
    # h65: the kept forms' look-alikes that hold a secret
    (f"Authorization: Bearer {PW}.{PW}", PW),
    (f"authorization => {PW}.Tokens", PW),  # a value is not a member of its own name
    (f"password = /{PW}", PW),  # no closing slash: not a regular expression
    (f"PASSWORD=/{PW}/", PW),  # no regular expression's syntax between the slashes
    ('ADMIN_PASSWORD="admin"', "admin"),  # a whole word of the name: a real default
    ('public const string Password = "pwd2024"', "pwd2024"),  # not letters only
]


@pytest.mark.parametrize(("text", "secret"), SECRETS)
def test_a_secret_in_the_same_forms_is_redacted(text, secret):
    assert_redacted(text, secret)


def test_plain_text_reads_the_same_line_breaks():
    out = ENGINE.redact(f"AUTH_SECRET={PW}\nAUTH_ISSUER=\n")[0]
    assert PW not in out and "AUTH_ISSUER=\n" in out, out
