//! The built-in rule table.
//!
//! Secret rules are data: one table entry per rule (code, slug, provider, keywords, regex, secret
//! capture group, entropy minimum, validator, examples). Each entry embeds its [`RuleMeta`], so the
//! rule is listed by `shipshape rules` and documented by `shipshape rule SS4xxx` like any other.
//!
//! Examples are *templates*, expanded at test time by [`expand_example`]: `{r30}` stands for 30
//! pseudo-random base62 characters, `{crc}` for a GitHub-style CRC32 checksum, and so on. The repository
//! therefore never holds a contiguous real-looking credential (push protection would rightly refuse
//! it) while the tests still exercise format-valid, checksum-valid tokens.

use shipshape_core::rule::RuleMeta;
use std::sync::LazyLock;

pub mod cloud;
pub mod conn;
pub mod generic;
pub mod keys;
pub mod registry;
pub mod saas;
pub mod saas2;
pub mod vcs;

/// A rule family: the unit of the evaluation report and of the shared documentation text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Family {
    Cloud,
    Vcs,
    Registry,
    Saas,
    PrivateKey,
    Connection,
    Generic,
}

impl Family {
    /// Short name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            Family::Cloud => "cloud",
            Family::Vcs => "vcs-ci",
            Family::Registry => "registry",
            Family::Saas => "saas",
            Family::PrivateKey => "private-key",
            Family::Connection => "connection-string",
            Family::Generic => "generic",
        }
    }
}

/// How specific a rule is. When two rules flag overlapping text, the more specific one wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Rank {
    /// A provider format with a distinctive prefix or structure.
    Specific = 0,
    /// A structural format shared by many providers (PEM blocks, JWTs, URLs with passwords).
    Structural = 1,
    /// A credential-named assignment (`password = "..."`).
    Assignment = 2,
    /// Entropy only: low confidence, kept for auditors.
    Entropy = 3,
}

/// A validator: given the captured secret, answers whether it has the provider's format
/// (checksum, decodable structure). Runs after the regex and the entropy check.
pub type Validator = fn(&[u8]) -> bool;

/// One built-in rule.
#[derive(Debug)]
pub struct SecretRule {
    pub meta: RuleMeta,
    pub family: Family,
    pub provider: &'static str,
    /// What kind of credential (e.g. "access key ID").
    pub what: &'static str,
    /// Literal strings, one of which occurs in every match. Lowercase keywords match
    /// case-insensitively; keywords holding an uppercase letter match exactly.
    pub keywords: &'static [&'static str],
    /// The confirming regex (Rust `regex` syntax), run on the line (or window) around a keyword hit.
    pub regex: &'static str,
    /// Capture group holding the secret (0 = the whole match).
    pub group: usize,
    /// Minimum Shannon entropy (bits per byte) of the secret.
    pub entropy: f32,
    pub validator: Option<Validator>,
    pub rank: Rank,
    /// The regex may span lines (PEM blocks): it runs on a window starting at the hit's line.
    pub multiline: bool,
    /// Must-match templates (see [`expand_example`]); each must produce a finding of this rule.
    pub examples: &'static [&'static str],
    /// Must-not-match templates; none may produce a finding of this rule.
    pub negatives: &'static [&'static str],
}

macro_rules! family_docs {
    (Cloud) => {
        "A cloud provider credential grants access to infrastructure: compute, storage, identity. Leaked in an image layer or a git history, it is usable by anyone who can pull the image or clone the repository, and stays usable after the file is deleted in a later layer or commit."
    };
    (Vcs) => {
        "A source-control or CI token can read and often write repositories, packages and pipelines: a leaked token is a supply-chain compromise waiting to happen."
    };
    (Registry) => {
        "A package or container registry token lets its holder publish packages under your name: one leaked token can poison every downstream user."
    };
    (Saas) => {
        "An API key of a hosted service lets its holder act as your account: read customer data, send mail or messages in your name, or run up charges."
    };
    (PrivateKey) => {
        "A private key (TLS, SSH, signing) or signed token proves identity. Whoever holds it can impersonate the service or user, decrypt traffic or sign artefacts."
    };
    (Connection) => {
        "A connection string with an embedded password gives direct access to a database, cache or message broker, usually bypassing every application-level control."
    };
    (Generic) => {
        "A credential assigned to a variable or configuration key in plain text ends up in every copy of the file: images, backups, logs and forks."
    };
}

macro_rules! family_fix {
    (Cloud) => { "Revoke the key in the provider's console now (deleting the file does not help: the key is in the history and in every pulled layer), then load credentials at run time from the platform's identity mechanism (instance roles, workload identity) or a secret manager." };
    (Vcs) => { "Revoke the token in the provider's settings, audit its recent use, and inject tokens into CI only as masked secrets." };
    (Registry) => { "Revoke the token at the registry, check recent publishes, and pass publish tokens to CI as masked secrets or use trusted publishing (OIDC)." };
    (Saas) => { "Rotate the key in the provider's dashboard, then read it at run time from the environment or a secret manager, never from a file baked into the image or committed." };
    (PrivateKey) => { "Treat the key as compromised: revoke or replace it (reissue the certificate, remove the public key from authorized_keys), and mount keys at run time as secrets." };
    (Connection) => { "Change the password on the server, then build the connection string at run time from a secret (environment variable, mounted file, secret manager)." };
    (Generic) => { "Move the value out of the file: read it from the environment, a mounted secret or a secret manager, and rotate it if it was ever committed or shipped." };
}

/// Declares one rule entry, with named fields in this order:
///
/// ```text
/// rule! {
///     family: Cloud, code: "SS4xxx", slug: "...", severity: High,
///     provider: "...", what: "...",          // the summary is "{provider} {what} in plain text"
///     gitleaks: ["..."],                      // gitleaks-equivalent rule ids (may be empty)
///     keywords: ["..."],                      // prefilter literals
///     regex: r"...", group: 1, entropy: 3.0,  // confirming regex, secret group, minimum entropy
///     validator: Some(v::...), rank: Specific,
///     multiline: true,                        // optional (default false)
///     examples: ["..."], negatives: ["..."],  // must-match / must-not-match templates
/// }
/// ```
///
/// The documentation (`docs`) is generated from these fields and the family's shared text.
macro_rules! rule {
    {
        family: $fam:ident, code: $code:literal, slug: $slug:literal, severity: $sev:ident,
        provider: $prov:literal, what: $what:literal,
        gitleaks: [$($gl:literal),* $(,)?], keywords: [$($kw:literal),+ $(,)?],
        regex: $re:literal, group: $group:literal, entropy: $ent:literal,
        validator: $val:expr, rank: $rank:ident, $(multiline: $ml:literal,)?
        examples: [$($ok:literal),+ $(,)?], negatives: [$($no:literal),+ $(,)?] $(,)?
    } => {
        $crate::rules::SecretRule {
            meta: shipshape_core::rule::RuleMeta {
                code: $code,
                slug: $slug,
                summary: concat!($prov, " ", $what, " in plain text"),
                severity: shipshape_core::severity::Severity::$sev,
                checklist: shipshape_core::checklist::ChecklistItem::Secrets,
                source: shipshape_core::finding::SourceKind::Secret,
                equivalents: &[$(("gitleaks", $gl)),*],
                fix: None,
                docs: concat!(
                    "## What it does\n\nReports a ", $prov, " ", $what,
                    " found in a file, a git blob or an image layer. Format (Rust regex, secret in group ",
                    stringify!($group), "):\n\n```text\n", $re, "\n```\n\n",
                    "Placeholders (`${VAR}`, `<your-key>`, `xxxx`, documentation examples) are not reported.",
                    "\n\n## Why it matters\n\n", $crate::rules::family_docs!($fam),
                    "\n\n## How to fix\n\n", $crate::rules::family_fix!($fam),
                    " Accept a known test value with an inline `shipshape:allow` comment on the line, an allowlist in `shipshape.toml`, or a baseline (`--baseline`).",
                    "\n\n## Example\n\nA line such as `", $prov, " credential = <real ", $what,
                    ">` is reported with the secret redacted to its first four characters.\n"
                ),
            },
            family: $crate::rules::Family::$fam,
            provider: $prov,
            what: $what,
            keywords: &[$($kw),+],
            regex: $re,
            group: $group,
            entropy: $ent,
            validator: $val,
            rank: $crate::rules::Rank::$rank,
            multiline: $crate::rules::rule!(@ml $($ml)?),
            examples: &[$($ok),+],
            negatives: &[$($no),+],
        }
    };
    (@ml) => { false };
    (@ml $ml:literal) => { $ml };
}
pub(crate) use family_docs;
pub(crate) use family_fix;
pub(crate) use rule;

/// Every built-in rule, in code order.
pub static ALL: LazyLock<Vec<&'static SecretRule>> = LazyLock::new(|| {
    let mut v: Vec<&'static SecretRule> = [
        cloud::RULES,
        vcs::RULES,
        registry::RULES,
        saas::RULES,
        saas2::RULES,
        keys::RULES,
        conn::RULES,
        generic::RULES,
    ]
    .iter()
    .flat_map(|f| f.iter())
    .collect();
    v.sort_by_key(|r| r.meta.code);
    v
});

/// The metadata of every built-in rule, in code order (the registry `shipshape rules` lists).
pub static METAS: LazyLock<Vec<&'static RuleMeta>> =
    LazyLock::new(|| ALL.iter().map(|r| &r.meta).collect());

/// Looks a built-in rule up by code or slug.
pub fn by_name(name: &str) -> Option<&'static SecretRule> {
    ALL.iter().copied().find(|r| r.meta.is_named(name))
}

// ---------------------------------------------------------------------------------------------
// Example templates

/// Expands an example template. Placeholders:
/// `{rN}` base62, `{hN}` lowercase hex, `{HN}` uppercase hex, `{bN}` base64url (`A-Za-z0-9_-`),
/// `{sN}` base64 (`A-Za-z0-9+/`), `{cN}` lowercase base32, `{eN}` bech32 (uppercase), `{uN}` uppercase letters and digits, `{lN}` lowercase letters and
/// digits, `{aN}` letters, `{dN}` digits, `{BN}` base32 (`A-Z2-7`), `{uuid}`, `{crc}` (six base62
/// characters: CRC32 of the text since the last `_`, as GitHub and npm tokens carry),
/// `{jwt}` a JWT, `{jwtsr}` a Supabase service-role JWT, `{pem}` a PEM private-key body line,
/// `{age}` the 58 characters after `AGE-SECRET-KEY-1` of an age identity (Bech32 checksum included).
/// Generation is deterministic (seeded by the template), so tests are reproducible.
pub fn expand_example(template: &str) -> String {
    let mut rng = SplitMix(fnv(template.as_bytes()));
    let mut out = String::with_capacity(template.len() * 2);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let Some(close_rel) = rest[open..].find('}') else {
            break;
        };
        let close = open + close_rel;
        let spec = &rest[open + 1..close];
        if let Some(expanded) = expand_spec(spec, &out, &mut rng) {
            out.push_str(&rest[..open]);
            out.push_str(&expanded);
        } else {
            out.push_str(&rest[..=close]);
        }
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out
}

const B62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

fn expand_spec(spec: &str, so_far: &str, rng: &mut SplitMix) -> Option<String> {
    match spec {
        "uuid" => {
            let h = random_from(b"0123456789abcdef", 32, rng);
            return Some(format!(
                "{}-{}-4{}-a{}-{}",
                &h[..8],
                &h[8..12],
                &h[13..16],
                &h[17..20],
                &h[20..32]
            ));
        }
        "crc" => {
            let body = so_far.rsplit('_').next().unwrap_or("");
            return Some(crate::validate::base62_6(crc32fast::hash(body.as_bytes())));
        }
        "jwt" => {
            return Some(make_jwt(
                r#"{"sub":"1234567890","name":"svc","iat":1716239022}"#,
                rng,
            ))
        }
        "jwtsr" => {
            return Some(make_jwt(
                r#"{"iss":"supabase","ref":"abcdefghijklmnopqrst","role":"service_role","iat":1716239022,"exp":2031815022}"#,
                rng,
            ))
        }
        "pem" => return Some(random_from(B62, 64, rng)),
        "age" => {
            // An age X25519 identity: 52 Bech32 characters of key data and the checksum.
            let data = random_from(b"QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L", 52, rng);
            let check = crate::validate::bech32_checksum(b"age-secret-key-", data.as_bytes());
            return Some(format!("{data}{}", check.to_ascii_uppercase()));
        }
        _ => {}
    }
    let mut chars = spec.chars();
    let kind = chars.next()?;
    let n: usize = chars.as_str().parse().ok()?;
    let alphabet: &[u8] = match kind {
        'r' => B62,
        'h' => b"0123456789abcdef",
        'H' => b"0123456789ABCDEF",
        'b' => b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-",
        's' => b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
        'u' => b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
        'l' => b"abcdefghijklmnopqrstuvwxyz0123456789",
        'a' => b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
        'd' => b"0123456789",
        'B' => b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567",
        'c' => b"abcdefghijklmnopqrstuvwxyz234567",
        'e' => b"QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L",
        _ => return None,
    };
    Some(random_from(alphabet, n, rng))
}

fn make_jwt(payload: &str, rng: &mut SplitMix) -> String {
    use base64::Engine as _;
    let e = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    format!(
        "{}.{}.{}",
        e.encode(br#"{"alg":"HS256","typ":"JWT"}"#),
        e.encode(payload.as_bytes()),
        random_from(
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-",
            43,
            rng
        )
    )
}

fn random_from(alphabet: &[u8], n: usize, rng: &mut SplitMix) -> String {
    (0..n)
        .map(|_| alphabet[(rng.next() % alphabet.len() as u64) as usize] as char)
        .collect()
}

struct SplitMix(u64);
impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests;
