//! The operating system from os-release (`/etc/os-release`, else `/usr/lib/os-release`).
//!
//! The format is shell-like `KEY=value` assignments: values may be double-quoted (with `\"`,
//! `\\`, `\$` and `` \` `` escapes), single-quoted or bare; `#` starts a comment line. Lines that
//! are not assignments are ignored, as the os-release manual asks of readers.

use serde::Serialize;

/// Paths that may hold os-release, in order of precedence.
pub const PATHS: [&str; 2] = ["/etc/os-release", "/usr/lib/os-release"];

/// The distribution an image or root filesystem runs.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Distro {
    /// `ID`: lower-case identifier (`debian`, `alpine`, `rhel`).
    pub id: String,
    /// `VERSION_ID` (`12`, `3.19.1`), when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
    /// `VERSION_CODENAME` (`bookworm`), when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub codename: Option<String>,
    /// `PRETTY_NAME`, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pretty_name: Option<String>,
    /// `ID_LIKE`, split on spaces.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub id_like: Vec<String>,
}

impl Distro {
    /// The purl `distro` qualifier: `ID-VERSION_ID` (`debian-12`, `alpine-3.19.1`), or the id
    /// alone when there is no version (Debian testing, Arch).
    pub fn qualifier(&self) -> String {
        match &self.version_id {
            Some(v) => format!("{}-{}", self.id, v),
            None => self.id.clone(),
        }
    }
}

/// Parses os-release text. `None` when it names no `ID` (the manual's default is `linux`, which
/// no package ecosystem recognises, so it is left unknown).
pub fn parse(text: &str) -> Option<Distro> {
    let mut d = Distro::default();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((key, raw)) = line.split_once('=') else {
            continue;
        };
        let Some(value) = unquote(raw.trim()) else {
            continue;
        };
        match key.trim() {
            "ID" => d.id = value.to_ascii_lowercase(),
            "VERSION_ID" if !value.is_empty() => d.version_id = Some(value),
            "VERSION_CODENAME" if !value.is_empty() => d.codename = Some(value),
            "PRETTY_NAME" if !value.is_empty() => d.pretty_name = Some(value),
            "ID_LIKE" => d.id_like = value.split_whitespace().map(str::to_string).collect(),
            _ => {}
        }
    }
    (!d.id.is_empty()).then_some(d)
}

/// A shell-quoted value; `None` when the quotes do not close.
fn unquote(raw: &str) -> Option<String> {
    if let Some(rest) = raw.strip_prefix('"') {
        let mut out = String::new();
        let mut chars = rest.chars();
        while let Some(c) = chars.next() {
            match c {
                '"' => return Some(out),
                '\\' => match chars.next() {
                    Some(e @ ('"' | '\\' | '$' | '`')) => out.push(e),
                    Some(e) => {
                        out.push('\\');
                        out.push(e);
                    }
                    None => return None,
                },
                c => out.push(c),
            }
        }
        None
    } else if let Some(rest) = raw.strip_prefix('\'') {
        rest.find('\'').map(|end| rest[..end].to_string())
    } else {
        Some(raw.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debian_and_alpine() {
        let d = parse(
            "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\nID=debian\n",
        )
        .unwrap();
        assert_eq!(d.qualifier(), "debian-12");
        assert_eq!(d.codename.as_deref(), Some("bookworm"));
        let a = parse("NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=3.19.1\n").unwrap();
        assert_eq!(a.qualifier(), "alpine-3.19.1");
    }

    #[test]
    fn quoting_comments_and_no_id() {
        let d = parse(
            "# c\nID='rhel'\nID_LIKE=\"fedora centos\"\nPRETTY_NAME=\"a \\\"b\\\"\"\nbogus line\n",
        )
        .unwrap();
        assert_eq!(d.id, "rhel");
        assert_eq!(d.id_like, ["fedora", "centos"]);
        assert_eq!(d.pretty_name.as_deref(), Some("a \"b\""));
        assert_eq!(d.qualifier(), "rhel");
        assert!(parse("NAME=x\n").is_none());
        assert!(parse("ID=\"open\n").is_none());
    }
}
