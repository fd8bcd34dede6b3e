//! Secrets hidden in base64. Kubernetes `Secret` manifests (`data:`), CI variables and
//! configuration blobs carry credentials base64-encoded, where no keyword or prefix of the
//! credential is visible. Runs of base64 long enough to hold a credential are decoded and, when the
//! result is text, scanned with the same engine; a finding points at the encoded run.
//!
//! Written here rather than with a crate: what is needed is finding candidate runs in arbitrary
//! text (a byte table), the decoding itself is the `base64` crate's.

use base64::Engine as _;

/// Shortest run decoded: 24 characters hold 18 bytes, less than any credential a format rule
/// recognises.
const MIN_RUN: usize = 24;
/// Longest run decoded: longer runs are embedded files (images, archives, key stores).
const MAX_RUN: usize = 16 * 1024;
/// Fewest alphabet bytes in a decoded run: up to two `=` of padding make up the rest.
const SHORTEST: usize = MIN_RUN - 2;

/// A decoded run: its byte range in the scanned text and the text it decodes to.
#[derive(Debug)]
pub(crate) struct Decoded {
    pub start: usize,
    pub end: usize,
    pub text: String,
}

/// Base64 alphabet (standard and URL-safe): 1 for letters and digits, 2 for `+ / - _`.
static CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut c = b'A';
    while c <= b'Z' {
        t[c as usize] = 1;
        t[(c + 32) as usize] = 1;
        c += 1;
    }
    let mut d = b'0';
    while d <= b'9' {
        t[d as usize] = 1;
        d += 1;
    }
    t[b'+' as usize] = 2;
    t[b'/' as usize] = 2;
    t[b'-' as usize] = 2;
    t[b'_' as usize] = 2;
    t
};

/// Decodes the base64 runs of `bytes[range]` that decode to text.
///
/// A run is decoded only when at least [`SHORTEST`] of its bytes are in the alphabet, so the
/// search skips ahead: it looks at the byte `SHORTEST - 1` further on, and when that byte is
/// outside the alphabet no qualifying run can start before it (ordinary text is mostly words
/// shorter than that, so most bytes are never looked at).
pub(crate) fn text_runs(bytes: &[u8], range: (usize, usize)) -> Vec<Decoded> {
    let (from, to) = (range.0.min(bytes.len()), range.1.min(bytes.len()));
    let in_alphabet = |i: usize| CLASS[usize::from(bytes[i])] != 0;
    let mut out = Vec::new();
    let mut i = from;
    while i < to {
        let probe = i + SHORTEST - 1;
        if probe >= bytes.len() {
            break;
        }
        if !in_alphabet(probe) {
            i = probe + 1;
            continue;
        }
        // The run holding the probed byte; it starts at `i` at the earliest.
        let mut start = probe;
        while start > i && in_alphabet(start - 1) {
            start -= 1;
        }
        if start >= to {
            break;
        }
        let mut stop = probe + 1;
        while stop < bytes.len() && in_alphabet(stop) {
            stop += 1;
        }
        let mut end = stop;
        while end < bytes.len() && end - stop < 2 && bytes[end] == b'=' {
            end += 1;
        }
        let run = &bytes[start..end];
        if (MIN_RUN..=MAX_RUN).contains(&run.len()) && looks_encoded(&bytes[start..stop]) {
            if let Some(text) = decode_text(run) {
                out.push(Decoded { start, end, text });
            }
        }
        i = end.max(start + 1);
    }
    out
}

/// A run of encoded data mixes upper case, lower case and digits; identifiers and words do not
/// (and would decode to noise anyway).
fn looks_encoded(run: &[u8]) -> bool {
    run.iter().any(u8::is_ascii_uppercase)
        && run.iter().any(u8::is_ascii_lowercase)
        && run.iter().any(u8::is_ascii_digit)
}

/// The run decoded, if it is UTF-8 text without control characters (besides whitespace).
fn decode_text(run: &[u8]) -> Option<String> {
    let url_safe = run.iter().any(|b| *b == b'-' || *b == b'_');
    let config = base64::engine::GeneralPurposeConfig::new()
        .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true);
    let alphabet = if url_safe {
        &base64::alphabet::URL_SAFE
    } else {
        &base64::alphabet::STANDARD
    };
    let raw = base64::engine::GeneralPurpose::new(alphabet, config)
        .decode(run)
        .ok()?;
    let text = String::from_utf8(raw).ok()?;
    let printable = text
        .chars()
        .all(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t'));
    printable.then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(s: &str) -> String {
        base64::engine::general_purpose::STANDARD.encode(s)
    }

    #[test]
    fn finds_encoded_text_and_its_range() {
        let token = "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";
        let line = format!("  token: {}\n", encode(token));
        let runs = text_runs(line.as_bytes(), (0, line.len()));
        assert_eq!(runs.len(), 1, "{runs:?}");
        assert_eq!(runs[0].text, token);
        assert_eq!(&line[runs[0].start..runs[0].end], encode(token));
        // url-safe, unpadded
        let url = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode("a?b>c~ secret=Zq8vN2kLp4Rt7xWm");
        let runs = text_runs(url.as_bytes(), (0, url.len()));
        assert_eq!(runs[0].text, "a?b>c~ secret=Zq8vN2kLp4Rt7xWm");
    }

    #[test]
    fn skips_binary_words_and_short_runs() {
        // binary (a DER key body) does not decode to text
        let der = base64::engine::general_purpose::STANDARD.encode([
            0u8, 1, 2, 3, 200, 201, 255, 7, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20,
        ]);
        assert!(text_runs(der.as_bytes(), (0, der.len())).is_empty());
        // an identifier: no digits, not encoded data
        let ident = "ThisIsAVeryLongIdentifierNameForSomething";
        assert!(text_runs(ident.as_bytes(), (0, ident.len())).is_empty());
        let short = encode("hi there");
        assert!(text_runs(short.as_bytes(), (0, short.len())).is_empty());
        // outside the range: not looked at
        let line = format!("x {}", encode("password=Zq8vN2kLp4Rt7xWm"));
        assert!(text_runs(line.as_bytes(), (0, 1)).is_empty());
    }

    /// The plain byte-by-byte search the skipping one replaced, as an oracle.
    fn text_runs_plain(bytes: &[u8], range: (usize, usize)) -> Vec<(usize, usize, String)> {
        let (from, to) = (range.0.min(bytes.len()), range.1.min(bytes.len()));
        let mut out = Vec::new();
        let mut i = from;
        while i < to {
            if CLASS[usize::from(bytes[i])] == 0 {
                i += 1;
                continue;
            }
            let start = i;
            while i < bytes.len() && CLASS[usize::from(bytes[i])] != 0 {
                i += 1;
            }
            let mut end = i;
            while end < bytes.len() && end - i < 2 && bytes[end] == b'=' {
                end += 1;
            }
            let run = &bytes[start..end];
            if (MIN_RUN..=MAX_RUN).contains(&run.len()) && looks_encoded(&bytes[start..i]) {
                if let Some(text) = decode_text(run) {
                    out.push((start, end, text));
                }
            }
            i = end.max(start + 1);
        }
        out
    }

    #[test]
    fn skipping_search_finds_what_the_plain_search_finds() {
        // Texts built from pieces around the length limits: encoded credentials of every
        // length near MIN_RUN, words, padding, separators; every range start and end.
        let pieces: Vec<String> = (14..22)
            .map(|n| encode(&"password=Zq8vN2kLp4Rt7xWm"[..n]))
            .chain(
                [
                    "=",
                    "==",
                    "===",
                    " ",
                    "\n",
                    "-",
                    "_",
                    "/",
                    "+",
                    "key: ",
                    "AbC123",
                    "word",
                    "Zq8vN2kLp4Rt7xWmQ1",
                    "é",
                ]
                .map(String::from),
            )
            .collect();
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        let mut found = 0;
        for _ in 0..3000 {
            let text: String = (0..next(12))
                .map(|_| pieces[next(pieces.len())].as_str())
                .collect();
            let b = text.as_bytes();
            let (a, z) = (next(b.len() + 1), next(b.len() + 1));
            let got: Vec<(usize, usize, String)> = text_runs(b, (a, z))
                .into_iter()
                .map(|d| (d.start, d.end, d.text))
                .collect();
            let want = text_runs_plain(b, (a, z));
            assert_eq!(got, want, "text {text:?}, range {a}..{z}");
            found += want.len();
        }
        assert!(
            found > 100,
            "the generated texts hold encoded runs ({found})"
        );
    }
}
