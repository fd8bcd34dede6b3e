//! Source text with a line index, to turn byte offsets into line/column positions.

use crate::finding::Span;
use std::sync::Arc;

/// A scanned text file: its display path, its text and where each line starts.
#[derive(Debug, Clone)]
pub struct SourceFile {
    path: String,
    text: Arc<str>,
    line_starts: Vec<usize>,
}

impl SourceFile {
    /// Indexes `text`. `path` is the display path used in findings (relative to the scan root).
    pub fn new(path: impl Into<String>, text: impl Into<Arc<str>>) -> Self {
        let text: Arc<str> = text.into();
        let mut line_starts = vec![0];
        line_starts.extend(
            text.bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i + 1),
        );
        SourceFile {
            path: path.into(),
            text,
            line_starts,
        }
    }

    /// The display path.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The whole text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The same file under another display path (the line index is kept, not recomputed).
    pub fn renamed(self, path: impl Into<String>) -> Self {
        SourceFile {
            path: path.into(),
            ..self
        }
    }

    /// Shared handle to the text.
    pub fn text_arc(&self) -> Arc<str> {
        Arc::clone(&self.text)
    }

    /// Number of lines (a trailing newline does not start a new line).
    pub fn line_count(&self) -> usize {
        if self.text.ends_with('\n') {
            self.line_starts.len() - 1
        } else {
            self.line_starts.len()
        }
    }

    /// 1-based line and 1-based column (in characters) of a byte offset. Offsets past the end or
    /// inside a UTF-8 sequence are clamped to the nearest valid position.
    pub fn line_col(&self, offset: usize) -> (u32, u32) {
        let offset = self.clamp(offset);
        let line_idx = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let start = self.line_starts[line_idx];
        let col = self.text[start..offset].chars().count() + 1;
        (to_u32(line_idx + 1), to_u32(col))
    }

    /// The span of a byte range.
    pub fn span(&self, start: usize, end: usize) -> Span {
        let (start, end) = if end < start {
            (end, start)
        } else {
            (start, end)
        };
        let start = self.clamp(start);
        let end = self.clamp(end);
        let (line, column) = self.line_col(start);
        let (end_line, end_column) = self.line_col(end);
        Span {
            line,
            column,
            end_line,
            end_column,
            byte_start: start,
            byte_end: end,
        }
    }

    /// The span covering a whole 1-based line (without its line ending).
    pub fn line_span(&self, line: u32) -> Option<Span> {
        let (start, end) = self.line_range(line)?;
        Some(self.span(start, end))
    }

    /// Byte range of a 1-based line, without the line terminator.
    pub fn line_range(&self, line: u32) -> Option<(usize, usize)> {
        let idx = (line as usize).checked_sub(1)?;
        let start = *self.line_starts.get(idx)?;
        if start > self.text.len() || (start == self.text.len() && idx > 0) {
            return None;
        }
        let mut end = self
            .line_starts
            .get(idx + 1)
            .map(|n| n - 1)
            .unwrap_or(self.text.len());
        if end > start && self.text.as_bytes()[end - 1] == b'\r' {
            end -= 1;
        }
        Some((start, end))
    }

    /// The text of a 1-based line, without the line terminator.
    pub fn line_text(&self, line: u32) -> Option<&str> {
        self.line_range(line).map(|(s, e)| &self.text[s..e])
    }

    fn clamp(&self, offset: usize) -> usize {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        offset
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions() {
        let f = SourceFile::new("Dockerfile", "FROM a\r\nRUN é x\nUSER b");
        assert_eq!(f.line_col(0), (1, 1));
        assert_eq!(f.line_col(8), (2, 1));
        // 'x' comes after a two-byte character: column counts characters.
        let x = f.text().find('x').unwrap();
        assert_eq!(f.line_col(x), (2, 7));
        assert_eq!(f.line_text(1), Some("FROM a"));
        assert_eq!(f.line_text(3), Some("USER b"));
        assert_eq!(f.line_text(4), None);
        assert_eq!(f.line_count(), 3);
        let s = f.span(8, 11);
        assert_eq!((s.line, s.column, s.end_line, s.end_column), (2, 1, 2, 4));
        // inside a multi-byte character: clamped, no panic
        let e = f.text().find('é').unwrap();
        assert_eq!(f.line_col(e + 1), f.line_col(e));
        assert_eq!(f.line_col(10_000), (3, 7));
    }
}
