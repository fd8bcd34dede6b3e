//! A tiny JSON reader for exec-form arrays (`["a", "b"]`) that reports the byte range of every
//! item, which serde_json cannot do. It follows Go's `encoding/json` decoder as BuildKit uses it:
//! the first JSON value is decoded and anything after it is ignored.

/// Outcome of reading a JSON array.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum JsonArray {
    /// Valid array of strings: `(start, end, decoded)` per item (offsets of the string literal,
    /// quotes included) and the offset just after `]`.
    Strings(Vec<(usize, usize, String)>, usize),
    /// Valid JSON array with a non-string item: BuildKit rejects it.
    NotStrings,
    /// Not valid JSON: BuildKit falls back to the shell form.
    Invalid,
}

const MAX_DEPTH: usize = 256;

struct Reader<'a> {
    s: &'a [u8],
    text: &'a str,
    pos: usize,
}

impl Reader<'_> {
    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.s.get(self.pos) {
            self.pos += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    /// Reads a string literal at `pos` (which must be `"`); returns the decoded text.
    fn string(&mut self, map: Option<&mut Vec<(usize, usize)>>) -> Option<String> {
        let (value, end) = decode_string(self.text, self.pos, map)?;
        self.pos = end;
        Some(value)
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        if self.s.get(self.pos..self.pos + word.len()) == Some(word) {
            self.pos += word.len();
            Some(())
        } else {
            None
        }
    }

    fn number(&mut self) -> Option<()> {
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                while let Some(b'0'..=b'9') = self.peek() {
                    self.pos += 1;
                }
            }
            _ => return None,
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            let d = self.digits();
            if d == 0 {
                return None;
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return None;
            }
        }
        Some(())
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
        self.pos - start
    }

    /// Validates any JSON value.
    fn value(&mut self, depth: usize) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        match self.peek()? {
            b'"' => self.string(None).map(|_| ()),
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            b'[' => {
                self.pos += 1;
                self.ws();
                if self.peek() == Some(b']') {
                    self.pos += 1;
                    return Some(());
                }
                loop {
                    self.ws();
                    self.value(depth + 1)?;
                    self.ws();
                    match self.peek()? {
                        b',' => self.pos += 1,
                        b']' => {
                            self.pos += 1;
                            return Some(());
                        }
                        _ => return None,
                    }
                }
            }
            b'{' => {
                self.pos += 1;
                self.ws();
                if self.peek() == Some(b'}') {
                    self.pos += 1;
                    return Some(());
                }
                loop {
                    self.ws();
                    if self.peek()? != b'"' {
                        return None;
                    }
                    self.string(None)?;
                    self.ws();
                    if self.peek()? != b':' {
                        return None;
                    }
                    self.pos += 1;
                    self.ws();
                    self.value(depth + 1)?;
                    self.ws();
                    match self.peek()? {
                        b',' => self.pos += 1,
                        b'}' => {
                            self.pos += 1;
                            return Some(());
                        }
                        _ => return None,
                    }
                }
            }
            b'-' | b'0'..=b'9' => self.number(),
            _ => None,
        }
    }
}

/// Reads the JSON array that starts at the beginning of `text` (after optional whitespace).
pub(crate) fn parse_array(text: &str) -> JsonArray {
    let mut r = Reader {
        s: text.as_bytes(),
        text,
        pos: 0,
    };
    r.ws();
    if r.peek() != Some(b'[') {
        return JsonArray::Invalid;
    }
    r.pos += 1;
    let mut items = Vec::new();
    let mut all_strings = true;
    r.ws();
    if r.peek() == Some(b']') {
        return JsonArray::Strings(items, r.pos + 1);
    }
    loop {
        r.ws();
        let start = r.pos;
        if r.peek() == Some(b'"') {
            match r.string(None) {
                Some(v) => items.push((start, r.pos, v)),
                None => return JsonArray::Invalid,
            }
        } else {
            if r.value(1).is_none() {
                return JsonArray::Invalid;
            }
            all_strings = false;
        }
        r.ws();
        match r.peek() {
            Some(b',') => r.pos += 1,
            Some(b']') => {
                r.pos += 1;
                break;
            }
            _ => return JsonArray::Invalid,
        }
    }
    if all_strings {
        JsonArray::Strings(items, r.pos)
    } else {
        JsonArray::NotStrings
    }
}

fn hex4(s: &[u8], at: usize) -> Option<u32> {
    let h = s.get(at..at + 4)?;
    let mut v = 0u32;
    for &b in h {
        v = v * 16 + (b as char).to_digit(16)?;
    }
    Some(v)
}

/// Decodes the JSON string literal starting at `start` (a `"`). Returns the value and the offset
/// after the closing quote. When `map` is given, it receives `(value_offset, text_offset)` pairs,
/// one per decoded character.
pub(crate) fn decode_string(
    text: &str,
    start: usize,
    mut map: Option<&mut Vec<(usize, usize)>>,
) -> Option<(String, usize)> {
    let s = text.as_bytes();
    if s.get(start) != Some(&b'"') {
        return None;
    }
    let mut out = String::new();
    let mut pos = start + 1;
    loop {
        let b = *s.get(pos)?;
        match b {
            b'"' => return Some((out, pos + 1)),
            b'\\' => {
                let esc = *s.get(pos + 1)?;
                let at = pos;
                let c = match esc {
                    b'"' => '"',
                    b'\\' => '\\',
                    b'/' => '/',
                    b'b' => '\u{8}',
                    b'f' => '\u{c}',
                    b'n' => '\n',
                    b'r' => '\r',
                    b't' => '\t',
                    b'u' => {
                        let hi = hex4(s, pos + 2)?;
                        pos += 6;
                        let c = if (0xD800..0xDC00).contains(&hi) {
                            match (s.get(pos), s.get(pos + 1), hex4(s, pos + 2)) {
                                (Some(b'\\'), Some(b'u'), Some(lo))
                                    if (0xDC00..0xE000).contains(&lo) =>
                                {
                                    pos += 6;
                                    char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))
                                        .unwrap_or('\u{FFFD}')
                                }
                                _ => '\u{FFFD}',
                            }
                        } else {
                            char::from_u32(hi).unwrap_or('\u{FFFD}')
                        };
                        if let Some(m) = map.as_deref_mut() {
                            m.push((out.len(), at));
                        }
                        out.push(c);
                        continue;
                    }
                    _ => return None,
                };
                if let Some(m) = map.as_deref_mut() {
                    m.push((out.len(), at));
                }
                out.push(c);
                pos += 2;
            }
            0..=0x1f => return None,
            _ => {
                let c = text.get(pos..)?.chars().next()?;
                if let Some(m) = map.as_deref_mut() {
                    m.push((out.len(), pos));
                }
                out.push(c);
                pos += c.len_utf8();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrays() {
        assert_eq!(
            parse_array(r#"["a", "b\"c"]"#),
            JsonArray::Strings(vec![(1, 4, "a".into()), (6, 12, "b\"c".into())], 13)
        );
        assert_eq!(parse_array("[]"), JsonArray::Strings(vec![], 2));
        assert_eq!(parse_array(r#"["a", 1]"#), JsonArray::NotStrings);
        assert_eq!(
            parse_array(r#"["a", {"x": [true, null]}]"#),
            JsonArray::NotStrings
        );
        assert_eq!(parse_array(r#"["a" "b"]"#), JsonArray::Invalid);
        assert_eq!(parse_array(r#"['a']"#), JsonArray::Invalid);
        assert_eq!(parse_array(r#"["a",]"#), JsonArray::Invalid);
        assert_eq!(parse_array("[\"a\tb\"]"), JsonArray::Invalid);
        assert_eq!(
            parse_array(r#"["\u00e9\ud83d\ude00"] trailing"#),
            JsonArray::Strings(vec![(1, 21, "é😀".into())], 22)
        );
        assert_eq!(parse_array(&"[".repeat(100_000)), JsonArray::Invalid);
    }
}
