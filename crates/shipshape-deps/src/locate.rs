//! Where a package's entry is in its lockfile, for the finding's line.
//!
//! The catalogers do not keep positions (several read parsed TOML, JSON or YAML trees), so the
//! entry is found again in the text: the first line naming the package as a whole word (any
//! case) with its version on that line or the next, which is how every supported
//! lockfile lays an entry out (`name = "x"` then `version = "1.0"`; `"node_modules/x": {` then
//! `"version": "1.0"`; `x==1.0`; `x@^1:` then `version "1.0.2"`). Hand-written because it is a
//! display aid over the formats the catalogers already parsed; when nothing matches, the
//! finding names the whole file, never a wrong line.

/// Lines after the name's line searched for the version: the next one, where every layout
/// above puts it (further would reach the next entry's version). Pipfile.lock lists hashes
/// in between: its findings name the file.
const WINDOW: usize = 1;

/// The byte range of the line naming `name` at `version`, trimmed, if one does.
pub(crate) fn entry(text: &str, name: &str, version: &str) -> Option<(usize, usize)> {
    if name.is_empty() || version.is_empty() {
        return None;
    }
    let name = name.to_ascii_lowercase();
    let lines: Vec<(usize, &str)> = {
        let mut at = 0;
        text.split_inclusive('\n')
            .map(|l| {
                let start = at;
                at += l.len();
                (start, l.trim_end_matches(['\n', '\r']))
            })
            .collect()
    };
    for (i, (start, line)) in lines.iter().enumerate() {
        if !names(&line.to_ascii_lowercase(), &name) {
            continue;
        }
        let near = lines.iter().skip(i).take(WINDOW + 1);
        if near.clone().any(|(_, l)| has_version(l, version)) {
            let lead = line.len() - line.trim_start().len();
            return Some((start + lead, start + line.trim_end().len()));
        }
    }
    None
}

fn word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')
}

/// Whether `line` holds `name` as a whole word.
fn names(line: &str, name: &str) -> bool {
    line.match_indices(name).any(|(i, _)| {
        let before = line[..i].chars().next_back();
        let after = line[i + name.len()..].chars().next();
        !before.is_some_and(word_char) && !after.is_some_and(word_char)
    })
}

/// Whether `line` holds `version` not as part of a longer version (`1.0` in `1.0.1`).
fn has_version(line: &str, version: &str) -> bool {
    line.match_indices(version).any(|(i, _)| {
        let before = line[..i].chars().next_back();
        let after = line[i + version.len()..].chars().next();
        !before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '.')
            && !after.is_some_and(|c| c.is_ascii_alphanumeric() || c == '.')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line_of(text: &str, name: &str, version: &str) -> Option<usize> {
        entry(text, name, version).map(|(s, _)| text[..s].matches('\n').count() + 1)
    }

    #[test]
    fn finds_entries_in_the_common_layouts() {
        let cargo = "[[package]]\nname = \"serde\"\nversion = \"1.0.1\"\n\n[[package]]\nname = \"serde_json\"\nversion = \"1.0\"\n";
        assert_eq!(line_of(cargo, "serde", "1.0.1"), Some(2));
        // `1.0` is not in `1.0.1`, and `serde` is not in `serde_json`.
        assert_eq!(line_of(cargo, "serde_json", "1.0"), Some(6));
        assert_eq!(line_of(cargo, "serde", "1.0"), None);
        let npm = "{\n  \"packages\": {\n    \"node_modules/lodash\": {\n      \"version\": \"4.17.20\",\n";
        assert_eq!(line_of(npm, "lodash", "4.17.20"), Some(3));
        let req = "# pinned\nDjango==3.2.1\nrequests==2.0.0\n";
        assert_eq!(line_of(req, "django", "3.2.1"), Some(2));
        let (s, e) = entry(req, "requests", "2.0.0").unwrap();
        assert_eq!(&req[s..e], "requests==2.0.0");
        assert_eq!(line_of(req, "urllib3", "1.0"), None);
    }
}
