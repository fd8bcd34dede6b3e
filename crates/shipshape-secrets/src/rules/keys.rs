//! Private keys and signed tokens: PEM (PKCS#1, PKCS#8, SEC1, DSA), OpenSSH, PGP, PuTTY, age,
//! encrypted keys, base64-wrapped PEM, JSON Web Keys and JSON Web Tokens. PKCS#12 files are
//! reported by path (they are binary): see [`PKCS12_META`].

use super::{rule, SecretRule};
use crate::validate as v;
use shipshape_core::checklist::ChecklistItem;
use shipshape_core::finding::SourceKind;
use shipshape_core::rule::RuleMeta;
use shipshape_core::severity::Severity;

pub static RULES: &[SecretRule] = &[
    rule!(PrivateKey, "SS4501", "private-key", Critical, "PEM", "private key (RSA, DSA, EC or PKCS#8)",
        gl["private-key"], kw["-----BEGIN"],
        r"-----BEGIN (?:RSA |DSA |EC |)PRIVATE KEY-----((?s:.){64,}?)-----END (?:RSA |DSA |EC |)PRIVATE KEY-----",
        1, 0.0, Some(v::pem_body), Structural, multiline true,
        ok["-----BEGIN RSA PRIVATE KEY-----\nMIIEow{pem}\n{pem}\n{pem}\n-----END RSA PRIVATE KEY-----", "key = \"-----BEGIN PRIVATE KEY-----\\nMIIEv{pem}\\n{pem}\\n-----END PRIVATE KEY-----\""],
        no["-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----", "-----BEGIN PUBLIC KEY-----\nMIIB{pem}\n{pem}\n-----END PUBLIC KEY-----"]),
    rule!(PrivateKey, "SS4502", "openssh-private-key", Critical, "OpenSSH", "private key",
        gl["private-key"], kw["-----BEGIN OPENSSH"],
        r"-----BEGIN OPENSSH PRIVATE KEY-----((?s:.){64,}?)-----END OPENSSH PRIVATE KEY-----",
        1, 0.0, Some(v::pem_body), Structural, multiline true,
        ok["-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ{pem}\n{pem}\n-----END OPENSSH PRIVATE KEY-----"],
        no["-----BEGIN OPENSSH PRIVATE KEY-----\n<your key here>\n-----END OPENSSH PRIVATE KEY-----", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI{pem} user@host"]),
    rule!(PrivateKey, "SS4503", "pgp-private-key-block", Critical, "PGP", "private key block",
        gl["private-key"], kw["-----BEGIN PGP PRIVATE"],
        r"-----BEGIN PGP PRIVATE KEY BLOCK-----(?:\s|\\[nr])+(?:[A-Za-z-]+: [^\r\n]*(?:\r?\n|\\n))*(?:\s|\\[nr])*((?:[A-Za-z0-9+/=]|\s|\\[nr]){64,}?)-----END PGP PRIVATE KEY BLOCK-----",
        1, 0.0, Some(v::pem_body), Structural, multiline true,
        ok["-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQOYBF{pem}\n{pem}\n=abcd\n-----END PGP PRIVATE KEY BLOCK-----"],
        no["-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmQEN{pem}\n{pem}\n-----END PGP PUBLIC KEY BLOCK-----", "-----BEGIN PGP PRIVATE KEY BLOCK-----\n...\n-----END PGP PRIVATE KEY BLOCK-----"]),
    rule!(PrivateKey, "SS4504", "encrypted-private-key", Low, "PEM", "passphrase-encrypted private key",
        gl[], kw["-----BEGIN ENCRYPTED", "-----BEGIN SSH2 ENCRYPTED", "Proc-Type: 4,ENCRYPTED"],
        r"(-----BEGIN (?:ENCRYPTED|SSH2 ENCRYPTED) PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED)(?:\s|\\[nr])+(?:[A-Za-z-]+: [^\r\n]*(?:\r?\n|\\n))*(?:\s|\\[nr])*(?:[A-Za-z0-9+/=]|\s|\\[nr]){64,}",
        1, 0.0, None, Structural, multiline true,
        ok["-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIFHz{pem}\n{pem}\n-----END ENCRYPTED PRIVATE KEY-----", "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,{H32}\n\n{pem}\n{pem}\n-----END RSA PRIVATE KEY-----"],
        no["-----BEGIN ENCRYPTED PRIVATE KEY-----\n-----END ENCRYPTED PRIVATE KEY-----", "Proc-Type: 4,ENCRYPTED"]),
    rule!(PrivateKey, "SS4505", "putty-private-key", Critical, "PuTTY", "private key file",
        gl[], kw["PuTTY-User-Key-File-"],
        r"(?m)^(PuTTY-User-Key-File-[23]: [a-z0-9-]+)\r?$", 1, 0.0, None, Structural,
        ok["PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none"],
        no["see PuTTY-User-Key-File-3 format docs", "PuTTY-User-Key-File-2: <type>"]),
    rule!(PrivateKey, "SS4506", "age-secret-key", Critical, "age", "secret key",
        gl["age-secret-key"], kw["AGE-SECRET-KEY-1"],
        r"\b(AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58})\b", 1, 3.5, Some(v::bech32), Specific,
        ok["# created: 2024-01-01\nAGE-SECRET-KEY-1{age}"],
        no["AGE-SECRET-KEY-1<key>", "AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ", "AGE-SECRET-KEY-1{e58}"]),
    rule!(PrivateKey, "SS4507", "json-web-token", Medium, "JWT", "signed JSON Web Token",
        gl["jwt"], kw["eyJ"],
        r"\b(eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{16,})(?:[^A-Za-z0-9_.-]|$)", 1, 3.0, Some(v::jwt), Structural,
        ok["Authorization: Bearer {jwt}", "token = \"{jwt}\""],
        no["eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.", "eyJnotbase64.eyJnotbase64.xxxxxxxxxxxxxxxxxxxxx", "eyJhbGciOiAiSFMyNTYifQ.eyJzdWIiOiAidGVzdCJ9.Zm9v-EXAMPLEFAKESIGNATURE"]),
    rule!(PrivateKey, "SS4508", "json-web-key-private", High, "JWK", "private JSON Web Key",
        gl[], kw["\"d\""],
        r#""d"\s*:\s*"([A-Za-z0-9_-]{40,})""#, 1, 4.0, None, Structural,
        ok["{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"{b43}\",\"y\":\"{b43}\",\"d\":\"{b43}\"}"],
        no["{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"{b43}\",\"y\":\"{b43}\"}", "{\"d\": \"short\"}"]),
    rule!(PrivateKey, "SS4509", "base64-encoded-private-key", Critical, "PEM", "base64-encoded private key",
        gl[], kw["LS0tLS1CRUdJTi"],
        r"\b(LS0tLS1CRUdJTi[A-Za-z0-9+/]{100,}={0,2})(?:[^A-Za-z0-9+/=]|$)", 1, 4.0, Some(v::base64_private_key), Structural,
        ok["client-key-data: LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQpNSUlFb3dJQkFBS0NBUUVBe{s120}"],
        no["certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUM{s120}", "LS0tLS1CRUdJTi"]),
    rule!(PrivateKey, "SS4511", "wireguard-private-key", Critical, "WireGuard", "private or preshared key",
        gl[], kw["privatekey", "presharedkey"],
        r"(?im)^\s*(?:PrivateKey|PresharedKey)\s*=\s*([A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=)\s*$", 1, 3.5, None, Structural,
        ok["[Interface]\nAddress = 10.0.0.2/32\nPrivateKey = {s42}A="],
        no["PrivateKey = <client-private-key>", "PublicKey = {s42}A="]),
];

/// PKCS#12 / PFX key stores, reported by file name (the content is binary).
pub static PKCS12_META: RuleMeta = RuleMeta {
    code: "SS4510",
    slug: "pkcs12-key-store",
    summary: "PKCS#12 key store (.p12/.pfx) shipped with the sources or image",
    severity: Severity::High,
    checklist: ChecklistItem::Secrets,
    source: SourceKind::Secret,
    equivalents: &[("gitleaks", "pkcs12-file")],
    fix: None,
    docs: concat!(
        "## What it does\n\nReports files named `*.p12` or `*.pfx`: PKCS#12 key stores, which bundle a certificate ",
        "with its private key.\n\n## Why it matters\n\n",
        "A private key (TLS, SSH, signing) or signed token proves identity. Whoever holds it can impersonate the service or user, decrypt traffic or sign artefacts. ",
        "Key-store passwords are often weak or empty and can be brute-forced offline.",
        "\n\n## How to fix\n\nRemove the file from the sources and the image; mount it at run time as a secret and rotate the key.",
        "\n\n## Example\n\n`certs/server.pfx` in a build context is reported.\n"
    ),
};
