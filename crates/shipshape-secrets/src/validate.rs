//! Checks that run on a captured secret: entropy, placeholders, stop-words and provider formats
//! (checksums, decodable structure). All are pure functions over bytes and never panic.

use base64::Engine as _;

/// Shannon entropy in bits per byte.
pub fn entropy(s: &[u8]) -> f32 {
    if s.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for b in s {
        counts[usize::from(*b)] += 1;
    }
    let n = s.len() as f32;
    counts
        .iter()
        .filter(|c| **c > 0)
        .map(|c| {
            let p = *c as f32 / n;
            -p * p.log2()
        })
        .sum()
}

/// Words that mark a value as documentation or a template rather than a credential.
const PLACEHOLDER_WORDS: &[&str] = &[
    "example",
    "placeholder",
    "your_",
    "your-",
    "yourkey",
    "yourtoken",
    "yoursecret",
    "yourpass",
    "changeme",
    "change_me",
    "change-me",
    "changeit",
    "redacted",
    "dummy",
    "sample",
    "fake",
    "notreal",
    "not_real",
    "not-a-real",
    "replace",
    "insert",
    "xxxx",
    "here",
    "todo",
    "foobar",
    "lorem",
    "ipsum",
    "<",
    ">",
    "${",
    "{{",
    "}}",
    "$(",
    "%(",
    "[[",
    "]]",
    "...",
    "***",
    "####",
];

/// Whether a captured secret looks like a placeholder, a template variable or a documentation
/// example (e.g. AWS's `AKIAIOSFODNN7EXAMPLE`).
pub fn is_placeholder(secret: &[u8]) -> bool {
    let lower: Vec<u8> = secret.iter().map(u8::to_ascii_lowercase).collect();
    if PLACEHOLDER_WORDS
        .iter()
        .any(|w| memchr::memmem::find(&lower, w.as_bytes()).is_some())
    {
        return true;
    }
    // Long runs of one character: `xxxxxxxx`, `00000000`, `********`.
    let mut run = 1usize;
    for w in secret.windows(2) {
        if w[0] == w[1] {
            run += 1;
            let limit = if b"xX*#?.0-_".contains(&w[0]) { 5 } else { 9 };
            if run >= limit {
                return true;
            }
        } else {
            run = 1;
        }
    }
    // Hand-typed runs (`123456`, `654321`, `abcdef`): a random token holds one with a probability
    // below one in a million, documentation values very often. Likewise interleaved runs of
    // letters and digits (`a1b2c3d4`, `d4c3b2a1`), the other way documentation fills a format.
    has_sequence(secret, 6) || has_interleaved_sequence(secret, 8)
}

/// Whether `s` holds `n` characters whose even and odd positions are each a run of consecutive
/// characters going the same way, one run letters and the other digits (`a1b2c3d4`).
fn has_interleaved_sequence(s: &[u8], n: usize) -> bool {
    if s.len() < n {
        return false;
    }
    s.windows(n).any(|w| {
        let step = |a: u8, b: u8| i16::from(b) - i16::from(a);
        let first = step(w[0], w[2]);
        let (letters, digits) = if w[0].is_ascii_digit() {
            (1, 0)
        } else {
            (0, 1)
        };
        (first == 1 || first == -1)
            && (2..n).all(|i| step(w[i - 2], w[i]) == first)
            && w.iter()
                .skip(letters)
                .step_by(2)
                .all(u8::is_ascii_alphabetic)
            && w.iter().skip(digits).step_by(2).all(u8::is_ascii_digit)
    })
}

/// Whether `s` holds `n` consecutive ascending or descending digits or letters of one case.
fn has_sequence(s: &[u8], n: usize) -> bool {
    let class = |b: u8| match b {
        b'0'..=b'9' => 1,
        b'a'..=b'z' => 2,
        b'A'..=b'Z' => 3,
        _ => 0,
    };
    let (mut up, mut down) = (1usize, 1usize);
    for w in s.windows(2) {
        let same_class = class(w[0]) != 0 && class(w[0]) == class(w[1]);
        up = if same_class && w[1] == w[0].wrapping_add(1) {
            up + 1
        } else {
            1
        };
        down = if same_class && w[0] == w[1].wrapping_add(1) {
            down + 1
        } else {
            1
        };
        if up >= n || down >= n {
            return true;
        }
    }
    false
}

/// Values that are never secrets when assigned to a credential-named key.
const STOP_VALUES: &[&str] = &[
    "true",
    "false",
    "null",
    "none",
    "nil",
    "undefined",
    "empty",
    "required",
    "optional",
    "string",
    "str",
    "bool",
    "boolean",
    "int",
    "integer",
    "number",
    "object",
    "secret",
    "secrets",
    "password",
    "passwords",
    "passwd",
    "token",
    "tokens",
    "apikey",
    "api_key",
    "default",
    "value",
    "values",
    "env",
    "environ",
    "config",
    "settings",
    "hidden",
    "masked",
    "unknown",
    "disabled",
    "enabled",
    "public",
    "private",
    "test",
    "testing",
    "admin",
    "root",
    "user",
    "username",
    "bearer",
    "basic",
];

/// Stop-words inside a value that mark it as test data or a reference rather than a secret.
const STOP_SUBSTRINGS: &[&str] = &[
    "password",
    "passwd",
    "secret",
    "token",
    "example",
    "test",
    "fake",
    "mock",
    "dummy",
    "sample",
    "invalid",
    "env.",
    "environ",
    "getenv",
    "process.",
    "config.",
    "settings.",
    "vault:",
    "secretref",
    "secretkeyref",
    "valuefrom",
    "/run/secrets",
    "file:",
    "://",
];

/// Whether a value assigned to a credential-named key is plausibly a real secret (the stop-word and
/// shape checks of the generic rules). `quoted`: the value was in quotes.
pub fn plausible_assigned_value(value: &[u8], quoted: bool) -> bool {
    let Ok(v) = std::str::from_utf8(value) else {
        return false;
    };
    let v = v.trim();
    // In HTML-escaped markup an unquoted value runs into the next tag or quote entity, whose `;`
    // ends the capture (`password: String&lt;/div&gt;`): judge the value without it. (`&amp;`
    // stands for a character of the value and stays.)
    if let Some(amp) = v.rfind('&') {
        if matches!(&v[amp + 1..], "lt" | "gt" | "quot" | "apos" | "nbsp") {
            return plausible_assigned_value(v[..amp].trim_end().as_bytes(), quoted);
        }
    }
    if v.len() < 6 || v.len() > 200 {
        return false;
    }
    let lower = v.to_ascii_lowercase();
    if STOP_VALUES.contains(&lower.as_str()) {
        return false;
    }
    if STOP_SUBSTRINGS.iter().any(|s| lower.contains(s)) {
        return false;
    }
    // Encrypted configuration values (jasypt `ENC(...)`, Spring `{cipher}...`, Ansible vault) and
    // hexadecimal numbers are not plain-text credentials.
    if lower.starts_with("enc(")
        || lower.starts_with("{cipher}")
        || lower.starts_with("encrypted:")
        || lower.starts_with("$ansible_vault")
        || (lower.starts_with("0x")
            && lower.len() > 2
            && lower[2..].bytes().all(|b| b.is_ascii_hexdigit()))
    {
        return false;
    }
    let first = v.as_bytes()[0];
    // Sigils, references, and code punctuation: a "value" starting with `,`, `;` or a closing
    // bracket is the text between two string literals of code (`"Password:",next:"`).
    if b"$%@#&*!~/\\:=|^,;)]}".contains(&first) {
        return false;
    }
    if v.contains(char::is_whitespace) && !quoted {
        return false;
    }
    let has_digit = v.bytes().any(|b| b.is_ascii_digit());
    let has_alpha = v.bytes().any(|b| b.is_ascii_alphabetic());
    let has_symbol = v.bytes().any(|b| !b.is_ascii_alphanumeric());
    // Identifiers and attribute chains (`settings.DB_PASSWORD`, `PasswordField`) are references.
    let identifier_like = v
        .bytes()
        .all(|b| b.is_ascii_alphabetic() || b == b'_' || b == b'.' || b == b'-');
    if identifier_like && !(v.len() >= 16 && entropy(v.as_bytes()) >= 3.5) {
        return false;
    }
    if !has_alpha && !quoted {
        // bare numbers (ports, ids)
        return false;
    }
    if !has_alpha && v.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    // Dotted lowercase chains followed by nothing secret-like: `self.password`, `cfg.db.pass`.
    if !has_digit
        && v.contains('.')
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_')
    {
        return false;
    }
    let _ = has_symbol;
    !is_placeholder(v.as_bytes())
}

/// Last words of a key that names an identifier or a setting about a credential rather than the
/// credential itself (`client_id`, `sessionName`, `token_url`, `key_length`).
const IDENTIFIER_KEY_WORDS: &[&str] = &[
    "id", "ids", "name", "names", "url", "uri", "path", "file", "dir", "type", "version", "length",
    "size", "count", "format", "field", "label", "hint", "prefix", "region", "endpoint", "host",
    "email",
];

/// Whether a configuration key's last word (split at `_`, `.`, `-` and lower-to-upper case
/// changes) names an identifier or a setting, see [`IDENTIFIER_KEY_WORDS`].
pub fn identifier_key(key: &[u8]) -> bool {
    let mut start = 0;
    for i in 1..key.len() {
        if b"_.-".contains(&key[i - 1])
            || (key[i - 1].is_ascii_lowercase() && key[i].is_ascii_uppercase())
        {
            start = i;
        }
    }
    let last = key[start..].to_ascii_lowercase();
    IDENTIFIER_KEY_WORDS
        .iter()
        .any(|w| w.as_bytes() == last.as_slice())
}

// ---------------------------------------------------------------------------------------------
// Provider validators

/// Six base62 characters (`0-9A-Za-z`, most significant first) encoding a CRC32.
pub fn base62_6(mut n: u32) -> String {
    const B62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut out = [b'0'; 6];
    for slot in out.iter_mut().rev() {
        *slot = B62[(n % 62) as usize];
        n /= 62;
    }
    out.iter().map(|b| *b as char).collect()
}

fn base62_value(s: &[u8]) -> Option<u64> {
    s.iter().try_fold(0u64, |acc, b| {
        let d = match b {
            b'0'..=b'9' => b - b'0',
            b'A'..=b'Z' => b - b'A' + 10,
            b'a'..=b'z' => b - b'a' + 36,
            _ => return None,
        };
        Some(acc * 62 + u64::from(d))
    })
}

/// GitHub classic tokens (`ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_`) and npm tokens (`npm_`): 30
/// random base62 characters then six base62 characters of their CRC32
/// (github.blog, "Behind GitHub's new authentication token formats", 2021).
pub fn prefixed_crc32(token: &[u8]) -> bool {
    let Some(us) = token.iter().position(|b| *b == b'_') else {
        return false;
    };
    let body = &token[us + 1..];
    if body.len() != 36 {
        return false;
    }
    let (random, check) = body.split_at(30);
    base62_value(check) == Some(u64::from(crc32fast::hash(random)))
}

/// AWS access key IDs: the documented example key ends with `EXAMPLE`.
pub fn aws_key_id(s: &[u8]) -> bool {
    !s.ends_with(b"EXAMPLE") && s.len() == 20
}

/// Decodes standard or URL-safe base64, padded or not, tolerating non-zero trailing bits.
fn b64_any(s: &[u8]) -> Option<Vec<u8>> {
    use base64::alphabet::{STANDARD, URL_SAFE};
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    let config = GeneralPurposeConfig::new()
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent);
    let url = GeneralPurpose::new(&URL_SAFE, config);
    let std = GeneralPurpose::new(&STANDARD, config);
    url.decode(s).or_else(|_| std.decode(s)).ok()
}

fn jwt_parts(s: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
    let mut parts = s.split(|b| *b == b'.');
    let header = b64_any(parts.next()?)?;
    let payload = b64_any(parts.next()?)?;
    let sig = parts.next()?;
    if parts.next().is_some() {
        return None;
    }
    let h: serde_json::Value = serde_json::from_slice(&header).ok()?;
    h.get("alg")?;
    let p: serde_json::Value = serde_json::from_slice(&payload).ok()?;
    if !p.is_object() {
        return None;
    }
    // An unsigned token (`alg: none`, empty signature) grants nothing by itself; a signature
    // spelling out words (`...EXAMPLEFAKESIG`) is a documentation value, not a MAC or signature.
    if sig.len() < 16 || is_placeholder(sig) {
        return None;
    }
    Some((header, payload))
}

/// A JWT: base64url header with `alg`, a JSON object payload and a signature.
pub fn jwt(s: &[u8]) -> bool {
    jwt_parts(s).is_some()
}

/// A Supabase service-role JWT (bypasses row-level security).
pub fn supabase_service_role(s: &[u8]) -> bool {
    jwt_parts(s).is_some_and(|(_, p)| memchr::memmem::find(&p, b"service_role").is_some())
}

/// Base64 that decodes to a PEM private key (Kubernetes `client-key-data`, Helm values).
pub fn base64_private_key(s: &[u8]) -> bool {
    // The PEM header is in the first 48 decoded bytes; decoding a prefix avoids padding questions.
    b64_any(&s[..s.len().min(160) / 4 * 4]).is_some_and(|d| {
        memchr::memmem::find(&d, b"PRIVATE KEY").is_some()
            && memchr::memmem::find(&d, b"ENCRYPTED").is_none()
    })
}

/// Base64 of `user:password` (Docker `config.json` auths, HTTP Basic).
pub fn base64_user_pass(s: &[u8]) -> bool {
    let Some(d) = b64_any(s) else { return false };
    let Ok(text) = std::str::from_utf8(&d) else {
        return false;
    };
    match text.split_once(':') {
        Some((u, p)) => {
            !u.is_empty()
                && p.len() >= 4
                && !text.chars().any(char::is_control)
                && !is_placeholder(p.as_bytes())
        }
        None => false,
    }
}

const BECH32_CHARSET: &[u8] = b"qpzry9x8gf2tvdw0s3jn54khce6mua7l";

/// The BIP 173 checksum function over the expanded human-readable part and the 5-bit values.
fn bech32_polymod(hrp: &[u8], values: impl Iterator<Item = u8>) -> u32 {
    const GEN: [u32; 5] = [
        0x3b6a_57b2,
        0x2650_8e6d,
        0x1ea1_19fa,
        0x3d42_33dd,
        0x2a14_62b3,
    ];
    hrp.iter()
        .map(|c| c >> 5)
        .chain(std::iter::once(0))
        .chain(hrp.iter().map(|c| c & 31))
        .chain(values)
        .fold(1u32, |chk, v| {
            let top = chk >> 25;
            let mut chk = ((chk & 0x01ff_ffff) << 5) ^ u32::from(v);
            for (i, g) in GEN.iter().enumerate() {
                if (top >> i) & 1 == 1 {
                    chk ^= g;
                }
            }
            chk
        })
}

/// The six checksum characters (lowercase) of a Bech32 string with human-readable part `hrp`
/// (lowercase) and data characters `data` (used to build test examples).
pub fn bech32_checksum(hrp: &[u8], data: &[u8]) -> String {
    let values: Vec<u8> = data
        .iter()
        .filter_map(|c| {
            let c = c.to_ascii_lowercase();
            BECH32_CHARSET.iter().position(|x| *x == c).map(|p| p as u8)
        })
        .collect();
    let m = bech32_polymod(hrp, values.into_iter().chain([0u8; 6])) ^ 1;
    (0..6)
        .map(|i| BECH32_CHARSET[((m >> (5 * (5 - i))) & 31) as usize] as char)
        .collect()
}

/// A Bech32 string (BIP 173) whose checksum verifies, such as an age secret key
/// (`AGE-SECRET-KEY-1` + data + six checksum characters). Either case, not mixed.
pub fn bech32(s: &[u8]) -> bool {
    let upper = s.iter().any(u8::is_ascii_uppercase);
    let lower = s.iter().any(u8::is_ascii_lowercase);
    if upper && lower {
        return false;
    }
    let s: Vec<u8> = s.iter().map(u8::to_ascii_lowercase).collect();
    let Some(sep) = s.iter().rposition(|b| *b == b'1') else {
        return false;
    };
    let (hrp, data) = (&s[..sep], &s[sep + 1..]);
    if hrp.is_empty() || data.len() < 6 {
        return false;
    }
    let Some(values) = data
        .iter()
        .map(|c| BECH32_CHARSET.iter().position(|x| x == c).map(|p| p as u8))
        .collect::<Option<Vec<u8>>>()
    else {
        return false;
    };
    bech32_polymod(hrp, values.into_iter()) == 1
}

/// A password in a URL's userinfo: not empty, not a template variable.
pub fn url_password(s: &[u8]) -> bool {
    !s.is_empty()
        && !s.starts_with(b"$")
        && !s.starts_with(b"%")
        && !templated(s)
        && !is_interpolation(s)
        && !is_placeholder(s)
        && !matches!(
            s.to_ascii_lowercase().as_slice(),
            b"password" | b"pass" | b"passwd" | b"pwd" | b"secret" | b"user" | b"username"
        )
}

/// Whether a value is filled in by a template or a program rather than written out: it holds
/// an interpolation (`{password}`, `{{ .Values.pw }}`, `${PW}`, `#{pw}`, `%(pw)s`, `<password>`)
/// or a command substitution (`$(cat /run/secrets/db)`, backquotes).
pub fn templated(s: &[u8]) -> bool {
    let ident = |b: &u8| b.is_ascii_alphanumeric() || b"_.-".contains(b);
    // `{name}`, `<name>`: a delimiter pair around a bare name
    let wrapped = |open: u8, close: u8| {
        let mut i = 0;
        while let Some(o) = s[i..].iter().position(|b| *b == open) {
            let start = i + o + 1;
            let Some(c) = s[start..].iter().position(|b| *b == close) else {
                return false;
            };
            let inner = &s[start..start + c];
            if !inner.is_empty()
                && inner.iter().all(ident)
                && inner.iter().any(u8::is_ascii_alphabetic)
            {
                return true;
            }
            i = start;
        }
        false
    };
    memchr::memmem::find(s, b"${").is_some()
        || memchr::memmem::find(s, b"$(").is_some()
        || memchr::memmem::find(s, b"#{").is_some()
        || memchr::memmem::find(s, b"{{").is_some()
        || memchr::memmem::find(s, b"%(").is_some()
        || s.contains(&b'`')
        || wrapped(b'{', b'}')
        || wrapped(b'<', b'>')
}

/// A whole value that is a string interpolation or a format field filled in at run time:
/// `{password}` (C#, Python f-strings, `str.format`), `{0}`, `#{db_pass}` (Ruby), `{cfg.Password}`.
fn is_interpolation(s: &[u8]) -> bool {
    let inner = s.strip_prefix(b"#").unwrap_or(s);
    match inner {
        [b'{', body @ .., b'}'] => {
            !body.is_empty()
                && body
                    .iter()
                    .all(|b| b.is_ascii_alphanumeric() || b"_.[]:".contains(b))
        }
        _ => false,
    }
}

/// A quoted or bare value assigned to a credential-named key.
pub fn assigned(s: &[u8]) -> bool {
    plausible_assigned_value(s, true)
}

/// Hex digits only.
pub fn hex(s: &[u8]) -> bool {
    s.iter().all(u8::is_ascii_hexdigit)
}

/// Mixed character classes: at least one digit and one letter (filters words and numbers).
pub fn mixed(s: &[u8]) -> bool {
    s.iter().any(u8::is_ascii_digit) && s.iter().any(u8::is_ascii_alphabetic)
}

/// A PEM body that is more than a stub: at least some base64 and no ellipsis.
pub fn pem_body(s: &[u8]) -> bool {
    let b64 = s
        .iter()
        .filter(|b| b.is_ascii_alphanumeric() || **b == b'+' || **b == b'/')
        .count();
    // Bodies may carry log prefixes or string concatenation (`" +`), but must be mostly base64.
    let visible = s.iter().filter(|b| !b.is_ascii_whitespace()).count();
    if b64 < 64
        || b64 * 10 < visible * 6
        || memchr::memmem::find(s, b"...").is_some()
        || s.contains(&b'<')
        // encrypted keys have their own rule; a marker inside means two blocks were joined
        || memchr::memmem::find(s, b"ENCRYPTED").is_some()
        || memchr::memmem::find(s, b"-----").is_some()
    {
        return false;
    }
    // Placeholder bodies: runs of `x`, `*`, `.`, `#`.
    let mut run = 1usize;
    for w in s.windows(2) {
        if w[0] == w[1] && b"xX*.#".contains(&w[0]) {
            run += 1;
            if run >= 5 {
                return false;
            }
        } else {
            run = 1;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entropy_bounds() {
        assert_eq!(entropy(b""), 0.0);
        assert_eq!(entropy(b"aaaa"), 0.0);
        assert!((entropy(b"abcd") - 2.0).abs() < 1e-6);
    }

    #[test]
    fn crc_roundtrip() {
        let random = "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5";
        let tok = format!(
            "ghp_{random}{}",
            base62_6(crc32fast::hash(random.as_bytes()))
        );
        assert!(prefixed_crc32(tok.as_bytes()));
        let bad = format!("ghp_{random}AAAAAA");
        assert!(!prefixed_crc32(bad.as_bytes()));
        assert!(!prefixed_crc32(b"ghp_short"));
    }

    #[test]
    fn interpolations_are_not_passwords() {
        for yes in [&b"{password}"[..], b"{0}", b"#{db_pass}", b"{cfg.Password}"] {
            assert!(!url_password(yes), "{}", String::from_utf8_lossy(yes));
        }
        for no in [&b"{p4ss w0rd}"[..], b"s3cr3t{}x", b"{}"] {
            assert!(url_password(no), "{}", String::from_utf8_lossy(no));
        }
    }

    #[test]
    fn placeholders() {
        assert!(is_placeholder(b"AKIAIOSFODNN7EXAMPLE"));
        assert!(is_placeholder(b"xxxxxxxxxxxxxxxx"));
        assert!(is_placeholder(b"${GITHUB_TOKEN}"));
        assert!(is_placeholder(b"<your-api-key>"));
        assert!(!is_placeholder(b"q8Zt3LmW9vR2pK7x"));
        assert!(is_placeholder(b"gsk_Hid69Ui8HGkFi276543210"));
        assert!(is_placeholder(b"sqp_abcdef1234"));
        assert!(!has_sequence(b"a1b2c3", 3));
        // interleaved documentation runs
        assert!(is_placeholder(b"a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7r8NRAL"));
        assert!(is_placeholder(
            b"px-dep-d4c3b2a1-f6e5-h8g7-j1i8-p5o0n5m3l2k1"
        ));
        assert!(!is_placeholder(b"b9a2c3d7Qm1xZ8kP4rT6"));
        assert!(!has_interleaved_sequence(b"a1b2c3", 8));
        assert!(!has_interleaved_sequence(b"a1a1a1a1a1", 8));
        assert!(!has_interleaved_sequence(b"abcd1234", 8));
    }

    #[test]
    fn identifier_keys() {
        assert!(identifier_key(b"AUTH0_CLIENT_ID"));
        assert!(identifier_key(b"clientId"));
        assert!(identifier_key(b"session.name"));
        assert!(identifier_key(b"token-url"));
        assert!(!identifier_key(b"AUTH0_CLIENT_SECRET"));
        assert!(!identifier_key(b"sessionKey"));
        assert!(!identifier_key(b"cookie_salt"));
        assert!(!identifier_key(b"valid"));
        assert!(!identifier_key(b""));
    }

    #[test]
    fn bech32_checksums() {
        // BIP 173 test vectors
        assert!(bech32(b"A12UEL5L"));
        assert!(bech32(b"abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw"));
        assert!(bech32(
            b"split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w"
        ));
        // one character changed, mixed case, no separator
        assert!(!bech32(
            b"split1checkupstagehandshakeupstreamerranterredcaperred2y9e3q"
        ));
        assert!(!bech32(b"A12UEl5L"));
        assert!(!bech32(b"pzry9x0s0muk"));
        let data = b"qpzry9x8gf2tvdw0s3jn54khce6mua7l";
        let full = format!(
            "abc1{}{}",
            std::str::from_utf8(data).unwrap_or_default(),
            bech32_checksum(b"abc", data)
        );
        assert!(bech32(full.as_bytes()));
    }

    #[test]
    fn assigned_values() {
        assert!(plausible_assigned_value(b"Tr0ub4dor&3x", true));
        assert!(!plausible_assigned_value(b"settings.DB_PASSWORD", false));
        assert!(!plausible_assigned_value(b"${DB_PASSWORD}", true));
        assert!(!plausible_assigned_value(b"changeme", true));
        assert!(!plausible_assigned_value(b"Optional", false));
        assert!(!plausible_assigned_value(b"12345", false));
        // markup: an HTML entity after the value, code punctuation between two literals
        assert!(!plausible_assigned_value(b"String&lt", false));
        assert!(plausible_assigned_value(b"Vq8#zT4m&lt", false));
        assert!(!plausible_assigned_value(b",rememberMeLabel:", true));
        assert!(!plausible_assigned_value(b");getElementById(", true));
    }

    #[test]
    fn structured() {
        let e = base64::engine::general_purpose::STANDARD;
        assert!(base64_user_pass(
            e.encode("deploy:s3cr3tPassw0rd").as_bytes()
        ));
        assert!(!base64_user_pass(e.encode("nocolon").as_bytes()));
        assert!(!jwt(b"not.a.jwt"));
        let e = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let (h, p) = (
            e.encode(r#"{"alg":"HS256"}"#),
            e.encode(r#"{"sub":"test"}"#),
        );
        assert!(jwt(format!("{h}.{p}.Qm9vX2uYt7R1wLz0Pa4KcE").as_bytes()));
        assert!(!jwt(format!("{h}.{p}.99l-EXAMPLEFAKESIG").as_bytes()));
    }

    #[test]
    fn templated_values_are_references() {
        for t in [
            "{password}",
            "pw-{db_password}",
            "{{ .Values.db.password }}",
            "${DB_PASSWORD:-x}",
            "$(cat /run/secrets/db)",
            "`cat /run/secrets/db`",
            "#{db.password}",
            "%(password)s",
            "<your-password>",
        ] {
            assert!(templated(t.as_bytes()), "{t}");
        }
        for t in ["Qv7r{12}", "s3cr3t!", "a<3>b", "p@ss{}word", "x9{-}"] {
            assert!(!templated(t.as_bytes()), "{t}");
        }
    }
}
