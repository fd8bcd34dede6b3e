//! The one secret classifier every analyser asks: is this value a credential, does this name say
//! its value is one, is this value only a placeholder or a reference, does this path name a file
//! that holds secrets, and how a secret is shown.
//!
//! Values go through the rule engine (the same rules, placeholder and stop-word checks as a file
//! scan), so a Dockerfile `ENV`, a compose `environment` entry, an image label and a file in the
//! repository are judged alike:
//!
//! - [`secret_in_value`]: a bare value in a known credential format (provider tokens, private keys,
//!   URLs with a password), whatever it is assigned to;
//! - [`secrets_in_line`]: every credential in a line of code or a command (image history);
//! - [`secret_in_assignment`]: `NAME=value`: a known format in the value, or a literal, plausible
//!   value under a name that [`credential_name`] says holds a credential;
//! - [`credential_name`] and [`is_placeholder_value`]: the name and value halves of that judgement;
//! - [`sensitive_file`]: file names and paths that hold secrets (`.env`, SSH keys, `.npmrc`, …);
//! - [`redact`]: the only way a secret is shown in a message.

use crate::engine::{Engine, DEFAULT};
use crate::rules::{generic, Family, Rank};
use crate::validate;
use shipshape_core::rule::RuleMeta;

// ---------------------------------------------------------------------------------------------
// Redaction

/// Keeps a short prefix: at most four characters, and at most a quarter of the secret. Leading
/// whitespace and escaped line breaks (a PEM body inside a JSON string) are skipped, so the prefix
/// says something and a message stays on one line.
pub fn redact(secret: &str) -> String {
    let keep = (secret.chars().count() / 4).min(4);
    let mut shown = secret;
    loop {
        let next = shown
            .trim_start()
            .trim_start_matches("\\n")
            .trim_start_matches("\\r");
        if next.len() == shown.len() {
            break;
        }
        shown = next;
    }
    let prefix: String = shown
        .chars()
        .filter(|c| !c.is_control())
        .take(keep)
        .collect();
    format!("{prefix}***")
}

// ---------------------------------------------------------------------------------------------
// Values

/// A credential found in a value or a line: the rule that recognised it and where it is.
#[derive(Debug, Clone, Copy)]
pub struct SecretMatch {
    /// The secrets rule (`SS4xxx`) that matched.
    pub rule: &'static RuleMeta,
    /// The rule's family (connection strings, private keys, generic assignments…).
    pub family: Family,
    /// How specific the match is: a provider format ([`Rank::Specific`]), a shared structure such
    /// as a URL with a password ([`Rank::Structural`]), or a literal under a credential name
    /// ([`Rank::Assignment`]).
    pub rank: Rank,
    /// Byte offsets of the secret in the text that was classified.
    pub start: usize,
    pub end: usize,
}

impl SecretMatch {
    /// The secret itself, in the text that was classified.
    pub fn secret<'a>(&self, text: &'a str) -> &'a str {
        text.get(self.start..self.end).unwrap_or("")
    }

    /// The secret, redacted (see [`redact`]).
    pub fn redacted(&self, text: &str) -> String {
        redact(self.secret(text))
    }

    /// Whether the value has a known credential format (not only a credential name).
    pub fn is_format(&self) -> bool {
        self.rank <= Rank::Structural
    }
}

/// The engine's matches in `text` up to rank `worst`.
fn engine_matches(text: &str, worst: Rank) -> Vec<SecretMatch> {
    let engine: &Engine = &DEFAULT;
    engine
        .scan(text.as_bytes(), None)
        .into_iter()
        .filter_map(|m| {
            let r = &engine.rules[m.rule];
            (r.rank <= worst).then(|| SecretMatch {
                rule: r.meta,
                family: r.builtin.map_or(Family::Generic, |b| b.family),
                rank: r.rank,
                start: m.start,
                end: m.end,
            })
        })
        .collect()
}

/// Whether a bare value (an `ENV` value, a label, a build-argument default, a compose
/// `environment` value) holds a credential in a known format: provider tokens (AWS, GitHub,
/// Stripe, Slack…), private keys, signed tokens, URLs and connection strings with a password.
/// Only format rules answer; a value that is merely assigned to a credential name needs the name,
/// see [`secret_in_assignment`]. The most specific match is returned.
pub fn secret_in_value(value: &str) -> Option<SecretMatch> {
    engine_matches(value, Rank::Structural)
        .into_iter()
        .min_by_key(|m| (m.rank, m.start))
}

/// Every credential in a line of code or a command (an image history `created_by`, a command
/// line): format rules and the generic assignment rules (`password = "…"`, `--password=…`,
/// `curl -u user:pass`), with their placeholder and stop-word checks. Entropy-only guesses are
/// left out. Sorted by position.
pub fn secrets_in_line(text: &str) -> Vec<SecretMatch> {
    engine_matches(text, Rank::Assignment)
}

/// Minimum Shannon entropy (bits per byte) of a literal under a credential name: the generic
/// password rule's threshold.
const MIN_ASSIGNED_ENTROPY: f32 = 2.0;

/// Whether `name=value` (an environment variable, a label, a build argument, a command-line
/// setting) assigns a credential:
///
/// - the value holds a known credential format ([`secret_in_value`]), whatever the name; or
/// - [`credential_name`] says the name holds a credential, and the value is a literal: not a
///   placeholder or a reference ([`is_placeholder_value`]), and plausible as a secret by the
///   checks of the generic assignment rules (no stop-words, not an identifier or a number, some
///   entropy). The reported rule is the generic rule of the name's kind (`SS4701`–`SS4704`) and
///   the span covers the value without quotes.
pub fn secret_in_assignment(name: &str, value: &str) -> Option<SecretMatch> {
    if let Some(m) = secret_in_value(value) {
        return Some(m);
    }
    let kind = credential_name(name)?;
    let (start, end) = literal_span(value);
    let literal = value.get(start..end)?;
    if is_placeholder_value(literal) {
        return None;
    }
    // A password written into a configuration is a finding even when it is a weak, guessable
    // word (`POSTGRES_PASSWORD: postgres`): it is the password, and a guessable one. For other
    // credential names (`MINIO_ACCESS_KEY=loki`, `*_CREDENTIALS: a_file_name`) a plain word is
    // an identifier or a reference, so the value must look like a secret.
    let weak_password_counts =
        matches!(kind, CredentialKind::Password | CredentialKind::Passphrase)
            && literal.chars().count() >= 3
            && !literal.chars().any(char::is_whitespace);
    if !weak_password_counts
        && (
            // (the value is whole, as if quoted: `"This is it"` may be a password)
            !validate::plausible_assigned_value(literal.as_bytes(), true)
                || validate::entropy(literal.as_bytes()) < MIN_ASSIGNED_ENTROPY
        )
    {
        return None;
    }
    Some(SecretMatch {
        rule: kind.rule(),
        family: Family::Generic,
        rank: Rank::Assignment,
        start,
        end,
    })
}

/// The byte range of a value without surrounding whitespace and one pair of matching quotes.
fn literal_span(value: &str) -> (usize, usize) {
    let start = value.len() - value.trim_start().len();
    let end = value.trim_end().len();
    if end < start {
        return (start, start);
    }
    let inner = &value[start..end];
    let b = inner.as_bytes();
    if b.len() >= 2 && (b[0] == b'"' || b[0] == b'\'') && b[b.len() - 1] == b[0] {
        return (start + 1, end - 1);
    }
    (start, end)
}

// ---------------------------------------------------------------------------------------------
// Names

/// What a credential name says its value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CredentialKind {
    Password,
    Passphrase,
    Secret,
    Token,
    ApiKey,
    AccessKey,
    SecretKey,
    PrivateKey,
    Credentials,
    /// Another key: `LICENSE_KEY`, `ENCRYPTION_KEY`, `MASTER_KEY`.
    Key,
}

impl CredentialKind {
    /// The word used in messages (`looks like a password`).
    pub fn word(self) -> &'static str {
        match self {
            CredentialKind::Password => "password",
            CredentialKind::Passphrase => "passphrase",
            CredentialKind::Secret => "secret",
            CredentialKind::Token => "token",
            CredentialKind::ApiKey => "API key",
            CredentialKind::AccessKey => "access key",
            CredentialKind::SecretKey => "secret key",
            CredentialKind::PrivateKey => "private key",
            CredentialKind::Credentials => "credentials",
            CredentialKind::Key => "key",
        }
    }

    /// The generic secrets rule that reports a literal of this kind.
    pub fn rule(self) -> &'static RuleMeta {
        let code = match self {
            CredentialKind::Password | CredentialKind::Passphrase | CredentialKind::Credentials => {
                "SS4701"
            }
            CredentialKind::Secret | CredentialKind::SecretKey => "SS4702",
            CredentialKind::Token => "SS4703",
            CredentialKind::ApiKey
            | CredentialKind::AccessKey
            | CredentialKind::PrivateKey
            | CredentialKind::Key => "SS4704",
        };
        let rules = generic::RULES;
        // (the generic table holds every code above, tested; the fallback keeps this total)
        rules
            .iter()
            .find(|r| r.meta.code == code)
            .map_or(&crate::gitleaks::CUSTOM_META, |r| &r.meta)
    }
}

/// Splits a variable, label, option or setting name into upper-case words: `dbPassword` →
/// `DB PASSWORD`, `org.example.api-key` → `ORG EXAMPLE API KEY`, `--db-password` → `DB PASSWORD`.
pub fn name_words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if !c.is_ascii_alphanumeric() {
            if !cur.is_empty() {
                words.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && prev_lower && !cur.is_empty() {
            words.push(std::mem::take(&mut cur));
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        cur.push(c.to_ascii_uppercase());
    }
    if !cur.is_empty() {
        words.push(cur);
    }
    words
}

/// Last words that make a name describe *where*, *how* or *which* credential rather than hold it
/// (`PASSWORD_FILE`, `TOKEN_URL`, `AWS_ACCESS_KEY_ID`, `SECRET_NAME`, `TOKEN_EXPIRY`).
const QUALIFIERS: &[&str] = &[
    "FILE",
    "FILES",
    "PATH",
    "DIR",
    "DIRECTORY",
    "URL",
    "URI",
    "NAME",
    "NAMES",
    "HOST",
    "HOSTNAME",
    "PORT",
    "ENABLED",
    "ENABLE",
    "DISABLED",
    "DISABLE",
    "ID",
    "IDS",
    "USER",
    "USERNAME",
    "EMAIL",
    "LENGTH",
    "LEN",
    "SIZE",
    "TYPE",
    "MODE",
    "METHOD",
    "ALGORITHM",
    "ALG",
    "EXPIRY",
    "EXPIRE",
    "EXPIRES",
    "EXPIRATION",
    "TTL",
    "TIMEOUT",
    "LIFETIME",
    "HEADER",
    "FIELD",
    "LABEL",
    "HINT",
    "PARAM",
    "VERSION",
    "LOCATION",
    "MOUNT",
    "PREFIX",
    "SUFFIX",
    "COUNT",
    "PROVIDER",
    "ENDPOINT",
    "SERVER",
    "REGION",
    "FORMAT",
    "POLICY",
    "REQUIRED",
    "ENV",
    "VAR",
    "HASH",
    "MIN",
    "MAX",
    "RETRIES",
    "INTERVAL",
    "ROTATION",
    "ROUNDS",
    "STRENGTH",
    "COMPLEXITY",
    "SOURCE",
    "STORE",
    "KEYRING",
    "SERVICE",
    "COMMAND",
    "CMD",
    "SCRIPT",
    "PROMPT",
    "ISSUER",
    "AUDIENCE",
    "REALM",
];

/// Words that make a whole name public (`NEXT_PUBLIC_API_KEY`, `SSH_PUB_KEY`).
const PUBLIC_WORDS: &[&str] = &["PUBLIC", "PUB"];

/// Words that make a `…_KEY` name a public-key identifier (`GPG_KEY`, `NODE_PGP_KEY`).
const KEY_ID_WORDS: &[&str] = &["GPG", "PGP", "GNUPG", "FINGERPRINT"];

/// Names that end like a credential but hold an identifier (etcd's `--initial-cluster-token`
/// names the cluster, it does not authenticate anyone).
const NOT_CREDENTIALS: &[&[&str]] = &[&["INITIAL", "CLUSTER", "TOKEN"]];

/// Whether a variable, label, build-argument, option or setting name says its value is a
/// credential, and which kind: `DB_PASSWORD`, `dbPassword`, `--db-password`, `API_KEY`,
/// `GITHUB_TOKEN`, `AWS_SECRET_ACCESS_KEY`, `SSH_PRIVATE_KEY`, `authCredentials`, `DB_PASS`,
/// `LICENSE_KEY`, `requirepass`.
///
/// Not credential names: a last word that says where, how or which (`*_FILE`, `*_PATH`, `*_DIR`,
/// `*_URL`, `*_ID`, `*_NAME`, `*_USER`, `*_HOST`, `*_EXPIRY`, `*_LENGTH`…, see `QUALIFIERS`);
/// public material (`*PUBLIC*`, `GPG_KEY`, `NODE_PGP_KEY`, `*_FINGERPRINT`); `PWD` (the working
/// directory) and `KEY` alone; words that merely contain a credential word (`TOKENIZERS`,
/// `BYPASS`, `KEYCLOAK`); etcd's `INITIAL_CLUSTER_TOKEN`.
pub fn credential_name(name: &str) -> Option<CredentialKind> {
    let words = name_words(name);
    let last = words.last()?;
    if QUALIFIERS.contains(&last.as_str()) {
        return None;
    }
    if words.iter().any(|w| PUBLIC_WORDS.contains(&w.as_str())) {
        return None;
    }
    if NOT_CREDENTIALS.iter().any(|n| ends_with_words(&words, n)) {
        return None;
    }
    const ENDINGS: &[(&str, CredentialKind)] = &[
        ("PASSWORD", CredentialKind::Password),
        ("PASSWD", CredentialKind::Password),
        ("PASSPHRASE", CredentialKind::Passphrase),
        ("REQUIREPASS", CredentialKind::Password),
        ("MASTERAUTH", CredentialKind::Password),
        ("APIKEY", CredentialKind::ApiKey),
        ("ACCESSKEY", CredentialKind::AccessKey),
        ("SECRETKEY", CredentialKind::SecretKey),
        ("PRIVATEKEY", CredentialKind::PrivateKey),
        ("SECRET", CredentialKind::Secret),
        ("SECRETS", CredentialKind::Secret),
        ("TOKEN", CredentialKind::Token),
        ("CREDENTIALS", CredentialKind::Credentials),
        ("CREDENTIAL", CredentialKind::Credentials),
    ];
    const PAIRS: &[(&str, CredentialKind)] = &[
        ("API", CredentialKind::ApiKey),
        ("ACCESS", CredentialKind::AccessKey),
        ("PRIVATE", CredentialKind::PrivateKey),
    ];
    for (i, w) in words.iter().enumerate() {
        let next_is_key = words.get(i + 1).is_some_and(|n| n == "KEY");
        if next_is_key {
            if let Some((_, kind)) = PAIRS.iter().find(|(p, _)| w == p) {
                return Some(*kind);
            }
        }
        for (ending, kind) in ENDINGS {
            if w.ends_with(ending) {
                return Some(*kind);
            }
        }
        match w.as_str() {
            "PASS" => return Some(CredentialKind::Password),
            "PWD" if words.len() > 1 => return Some(CredentialKind::Password),
            "CREDS" => return Some(CredentialKind::Credentials),
            _ => {}
        }
    }
    if last == "SALT" && words.len() > 1 {
        return Some(CredentialKind::Secret);
    }
    if words.len() > 1
        && words.iter().any(|w| w == "KEY")
        && !words.iter().any(|w| KEY_ID_WORDS.contains(&w.as_str()))
    {
        return Some(CredentialKind::Key);
    }
    None
}

/// Whether the last words of `words` are `tail`.
fn ends_with_words(words: &[String], tail: &[&str]) -> bool {
    words.len() >= tail.len()
        && words[words.len() - tail.len()..]
            .iter()
            .zip(tail)
            .all(|(a, b)| a == b)
}

/// Values that switch something on or off rather than hold a secret.
const SWITCHES: &[&str] = &[
    "true",
    "false",
    "yes",
    "no",
    "on",
    "off",
    "enabled",
    "disabled",
    "none",
    "null",
    "nil",
    "undefined",
];

/// Leading words of a value that stands for "fill this in".
const FILL_IN_PREFIXES: &[&str] = &[
    "todo",
    "fixme",
    "tbd",
    "replace",
    "placeholder",
    "dummy",
    "example",
    "sample",
    "your-",
    "your_",
    "yourtoken",
    "yourpassword",
    "redacted",
    "notset",
    "not-set",
    "not_set",
    "unset",
    "none",
    "null",
    "undefined",
    "empty",
    "insert",
    "put-your",
    "put_your",
    "fill",
    "set-me",
    "set_me",
    "setme",
];

/// Words anywhere in a value that stands for "fill this in".
const FILL_IN_WORDS: &[&str] = &[
    "replace_me",
    "replace-me",
    "replaceme",
    "fill-me",
    "fill_me",
    "-here",
    "_here",
];

/// What kind of non-secret a placeholder value is (see [`placeholder_kind`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlaceholderKind {
    /// Empty or under three characters.
    Empty,
    /// A variable, a command substitution, a template or an expression.
    Reference,
    /// A switch, a flag or a small number.
    Switch,
    /// A path or a file name.
    Path,
    /// A value that stands for "fill this in" (`changeme`, `xxx`, `TODO`…).
    FillIn,
}

/// Whether a value is a placeholder or a reference rather than a secret written in it (see
/// [`placeholder_kind`]).
pub fn is_placeholder_value(value: &str) -> bool {
    placeholder_kind(value).is_some()
}

/// Which kind of placeholder or reference a value is, if it is one rather than a secret written in
/// it:
///
/// - empty or under three characters; a variable or command substitution (`$VAR`, `${VAR}`,
///   `$(cat /run/secrets/x)`), a template (`{{ .Values.pw }}`, `{password}`, `%(pw)s`,
///   `<your-key>`, `[token]`); an expression (`getenv("PW")`, `JSONExprTok1[0]`, `Pushdown{…}`);
/// - a switch or a flag (`true`, `off`, `--password-stdin`), a small number (`3600`, `1`);
/// - a path or a file name (`/run/secrets/db`, `./key.pem`, `tls/server.key`, `id_rsa`);
/// - a fill-in value: `changeme`, `xxx`, `****`, `0000-0000`, `TODO`, `REPLACE_ME`,
///   `your-api-key-here`, `dummy`, and the documentation examples and hand-typed sequences the
///   engine's placeholder check knows (`AKIAIOSFODNN7EXAMPLE`, `123456`, `abcdef`).
pub fn placeholder_kind(value: &str) -> Option<PlaceholderKind> {
    let (start, end) = literal_span(value);
    let v = value.get(start..end).unwrap_or("");
    if v.len() < 3 {
        return Some(PlaceholderKind::Empty);
    }
    let b = v.as_bytes();
    // references and templates
    if v.starts_with('$')
        || ["${", "$(", "{{", "}}", "%(", "#{", "<%"]
            .iter()
            .any(|t| v.contains(t))
        || (v.starts_with('<') && v.ends_with('>'))
        || (v.starts_with('[') && v.ends_with(']'))
        || (v.starts_with('{')
            && v.ends_with('}')
            && b[1..b.len() - 1]
                .iter()
                .all(|c| c.is_ascii_alphanumeric() || b"_.-".contains(c)))
    {
        return Some(PlaceholderKind::Reference);
    }
    // an expression: an identifier followed by a call, an index or a struct body
    // (`getenv("PW")`, `JSONExprTok1[0]`, `parallelPushdown{…}`)
    let ident = b
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric() || b"_.".contains(c))
        .count();
    if ident > 0 && b[0].is_ascii_alphabetic() && matches!(b.get(ident), Some(b'(' | b'[' | b'{')) {
        return Some(PlaceholderKind::Reference);
    }
    let lower = v.to_ascii_lowercase();
    // switches, flags, small numbers
    if SWITCHES.contains(&lower.as_str())
        || (v.starts_with('-') && !v.starts_with("-----"))
        || (v.len() < 8 && b.iter().all(u8::is_ascii_digit))
    {
        return Some(PlaceholderKind::Switch);
    }
    // paths and file names
    if lower.starts_with('/')
        || lower.starts_with("./")
        || lower.starts_with("../")
        || lower.starts_with("~/")
        || lower.starts_with("file:")
        || looks_like_file_name(&lower)
    {
        return Some(PlaceholderKind::Path);
    }
    // one repeated character, separators aside: `xxx`, `***`, `000000`, `0000-0000`
    let mut chars = lower
        .chars()
        .filter(|c| !matches!(c, '-' | '_' | '.' | ' ' | ':'));
    if let Some(first) = chars.next() {
        if chars.all(|c| c == first) {
            return Some(PlaceholderKind::FillIn);
        }
    }
    // `xxxx-xxxx`, `****-****`
    if lower
        .chars()
        .all(|c| matches!(c, 'x' | '*' | '-' | '_' | '.'))
    {
        return Some(PlaceholderKind::FillIn);
    }
    let fill_in = FILL_IN_PREFIXES.iter().any(|w| lower.starts_with(w))
        || FILL_IN_WORDS.iter().any(|w| lower.contains(w))
        || validate::is_placeholder(b);
    fill_in.then_some(PlaceholderKind::FillIn)
}

/// `assets/tls/server.key`, `id_rsa`, `creds.json`: a value naming a file, not holding a secret.
fn looks_like_file_name(lower: &str) -> bool {
    const EXTENSIONS: &[&str] = &[
        ".key",
        ".pem",
        ".crt",
        ".cert",
        ".p12",
        ".pfx",
        ".jks",
        ".json",
        ".txt",
        ".conf",
        ".cfg",
        ".yml",
        ".yaml",
        ".env",
        ".ini",
        ".properties",
        ".xml",
        ".gpg",
        ".asc",
    ];
    let plain = lower
        .bytes()
        .all(|c| c.is_ascii_alphanumeric() || b"._-/".contains(&c));
    plain
        && (EXTENSIONS.iter().any(|e| lower.ends_with(e))
            || matches!(
                lower.rsplit('/').next().unwrap_or(lower),
                "id_rsa" | "id_dsa" | "id_ecdsa" | "id_ed25519"
            ))
}

// ---------------------------------------------------------------------------------------------
// File paths

/// What kind of secret a sensitive file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileCategory {
    /// SSH and TLS private keys, and the `.ssh` / `.gnupg` directories.
    PrivateKey,
    /// Keystores and password databases (`*.p12`, `*.jks`, `*.kdbx`).
    Keystore,
    /// `.env` files.
    EnvFile,
    /// Package and container registry credentials (`.npmrc`, `.pypirc`, `.docker/config.json`).
    RegistryCredentials,
    /// Cloud and cluster credentials (`.aws/credentials`, `.kube/config`, service-account keys).
    CloudCredentials,
    /// Other credential files (`.netrc`, `.git-credentials`, `.htpasswd`, `.pgpass`, `credentials`).
    Credentials,
    /// Infrastructure state that records resource secrets in plain text (`*.tfstate`).
    InfrastructureState,
    /// A git directory: the whole history, with every secret ever committed.
    VcsData,
}

/// A path that names a file (or directory) holding secrets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SensitiveFile {
    pub category: FileCategory,
    /// What it is, for messages: `an SSH private key`, `a credentials file`.
    pub what: &'static str,
    /// The name is a directory of such files (`.aws`, `.ssh`, `.git`), not a file.
    pub directory: bool,
}

/// Words in a key file's name that say it is public (`id_rsa.pub`, `nodesource.gpg.key`,
/// `repo.key`, `ca.pem`).
const PUBLIC_FILE_WORDS: &[&str] = &[
    "pub", "public", "gpg", "pgp", "asc", "apt", "repo", "signing", "release", "cert", "ca-",
];

/// Words in a file's name that make it an example or a template.
const EXAMPLE_FILE_WORDS: &[&str] = &[
    "example", "sample", "template", "tmpl", "dist", "default", "schema", "test",
];

/// Suffixes of `.env` file names that make them templates (`.env.example`, `.env.dist`).
const ENV_TEMPLATE_WORDS: &[&str] = &[
    "example", "sample", "template", "tmpl", "tpl", "dist", "default", "schema",
];

/// Whether a path (or a bare file name) names a file that holds secrets, with its category:
///
/// - environment files: `.env`, `.env.production`, `prod.env` (not `.env.example`, `.env.sample`,
///   `.env.template`, `.env.dist`, `.env.defaults`, `.env.schema`, nor `.envrc`);
/// - private keys: `id_rsa`, `id_dsa`, `id_ecdsa`, `id_ed25519` (not `*.pub`), `*.key`, and
///   `*.pem` / `*.crt` whose name says key or private (`server-key.pem`, `privkey.pem`); names
///   that say public (`*.pub`, `*public*`, `*gpg*`, `*.asc`, `repo.key`, `ca.pem`) or example are
///   not private keys;
/// - keystores and password databases: `*.p12`, `*.pfx`, `*.jks`, `*.keystore`, `*.kdbx`;
/// - credentials: `.npmrc`, `.pypirc`, `.docker/config.json` (registries); `.aws/credentials`,
///   `.kube/config`, `kubeconfig`, `credentials.json` and `*service-account*.json` (cloud);
///   `.netrc`, `_netrc`, `.git-credentials`, `.htpasswd`, `.pgpass`, `credentials`;
/// - directories of them: `.aws`, `.kube`, `.docker`, `.ssh`, `.gnupg` (`directory` is set);
/// - Terraform state: `*.tfstate`, `*.tfstate.backup`;
/// - VCS data: a `.git` directory or anything inside one.
///
/// Matching ignores case; a trailing `/` is allowed; names holding `$` (unexpanded variables) are
/// never sensitive.
pub fn sensitive_file(path: &str) -> Option<SensitiveFile> {
    let p = path.trim_end_matches('/');
    let (parent, name) = match p.rfind('/') {
        Some(i) => (&p[..i], &p[i + 1..]),
        None => ("", p),
    };
    if name.is_empty() || name.contains('$') {
        return None;
    }
    let found = |category, what, directory| {
        Some(SensitiveFile {
            category,
            what,
            directory,
        })
    };
    if p.split('/').any(|c| c.eq_ignore_ascii_case(".git")) {
        return found(
            FileCategory::VcsData,
            "a git repository (its history keeps every secret ever committed)",
            name.eq_ignore_ascii_case(".git"),
        );
    }
    let name = name.to_ascii_lowercase();
    let parent_name = parent
        .rsplit('/')
        .next()
        .unwrap_or(parent)
        .to_ascii_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| name.contains(w));
    // Looked up only when a name could be sensitive: this runs for every file of an image.
    let example = || has(EXAMPLE_FILE_WORDS);

    let env_file = name == ".env" || name.starts_with(".env.") || name.ends_with(".env");
    if env_file {
        return if has(ENV_TEMPLATE_WORDS) {
            None
        } else {
            found(
                FileCategory::EnvFile,
                "an environment file (usually secrets)",
                false,
            )
        };
    }
    match name.as_str() {
        "id_rsa" | "id_dsa" | "id_ecdsa" | "id_ed25519" | "id_ecdsa_sk" | "id_ed25519_sk" => {
            return found(FileCategory::PrivateKey, "an SSH private key", false)
        }
        ".npmrc" | ".pypirc" => {
            return found(
                FileCategory::RegistryCredentials,
                "a credentials file",
                false,
            )
        }
        ".netrc" | "_netrc" | ".git-credentials" | ".htpasswd" | ".pgpass" => {
            return found(FileCategory::Credentials, "a credentials file", false)
        }
        ".aws" | ".kube" => {
            return found(
                FileCategory::CloudCredentials,
                "a credentials directory",
                true,
            )
        }
        ".docker" => {
            return found(
                FileCategory::RegistryCredentials,
                "a credentials directory",
                true,
            )
        }
        ".ssh" | ".gnupg" => {
            return found(FileCategory::PrivateKey, "a credentials directory", true)
        }
        "kubeconfig" => return found(FileCategory::CloudCredentials, "a credentials file", false),
        _ => {}
    }
    match (parent_name.as_str(), name.as_str()) {
        (".aws", "credentials") | (".kube", "config") => {
            return found(FileCategory::CloudCredentials, "a credentials file", false)
        }
        (".docker", "config.json") => {
            return found(
                FileCategory::RegistryCredentials,
                "a credentials file",
                false,
            )
        }
        (_, "credentials") => return found(FileCategory::Credentials, "a credentials file", false),
        _ => {}
    }
    if name.ends_with(".json")
        && (name.contains("service-account")
            || name.contains("service_account")
            || name == "credentials.json")
        && !example()
    {
        return found(
            FileCategory::CloudCredentials,
            "a cloud service-account key",
            false,
        );
    }
    if name.ends_with(".tfstate") || name.ends_with(".tfstate.backup") {
        return found(
            FileCategory::InfrastructureState,
            "Terraform state (resource secrets in plain text)",
            false,
        );
    }
    if name.ends_with(".kdbx") {
        return found(FileCategory::Keystore, "a password database", false);
    }
    let key = if name.ends_with(".key")
        || ((name.ends_with(".pem") || name.ends_with(".crt"))
            && (name.contains("key") || name.contains("private")))
    {
        (FileCategory::PrivateKey, "a private key")
    } else if [".p12", ".pfx", ".jks", ".keystore"]
        .iter()
        .any(|e| name.ends_with(e))
    {
        (FileCategory::Keystore, "a keystore (private keys)")
    } else {
        return None;
    };
    if has(PUBLIC_FILE_WORDS) || example() {
        return None;
    }
    found(key.0, key.1, false)
}

#[cfg(test)]
mod tests;
