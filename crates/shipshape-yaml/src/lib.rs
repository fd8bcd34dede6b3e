//! YAML data files (lockfiles, OSV records) read as JSON values.
//!
//! Two crates read YAML that is data rather than configuration: the SBOM's yarn berry and pnpm
//! lockfiles and the vulnerability store's OSV records. Both want the same thing: every plain
//! scalar kept as the string it was written as (a version `1.10` must not become the float 1.1,
//! `2024-01-01` must not become a date), `null`/`true`/`false` recognised only when unquoted, a
//! budget on alias expansion (a billion-laughs document fails instead of exhausting memory) and a
//! nesting limit (a deep document fails instead of overflowing the stack), with errors at a line.
//! saphyr does the parsing; this crate is the thin lenient layer on top, in one place.
//!
//! The runtime crate reads Compose and Kubernetes YAML through its own span-keeping tree
//! (`shipshape-runtime`'s `yaml.rs`): findings there need byte offsets and merge keys, which
//! JSON values cannot carry.

use serde_json::Value;

/// Nesting depth above which a document is refused (lockfiles and OSV records nest under ten).
pub const MAX_DEPTH: usize = 64;

/// Alias expansion budget, in nodes.
pub const ALIAS_LIMIT: usize = 10_000;

/// Why a document could not be read, at a 1-based line and column when the parser gave one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct YamlError {
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
}

/// Every document of `text` as a JSON value.
pub fn documents(text: &str) -> Result<Vec<Value>, YamlError> {
    use saphyr::{Yaml, YamlLoader};
    let mut loader: YamlLoader<Yaml> = YamlLoader::default();
    // Scalars stay representations (`early_parse(false)`): they are converted below, as strings.
    loader.early_parse(false);
    loader.alias_limit(ALIAS_LIMIT);
    let mut parser = saphyr_parser::Parser::new_from_str(text);
    let scan_error = |e: &saphyr::ScanError| YamlError {
        line: Some(e.marker().line()),
        column: Some(e.marker().col() + 1),
        message: format!("not valid YAML: {}", e.info()),
    };
    parser.load(&mut loader, true).map_err(|e| scan_error(&e))?;
    if let Some(e) = loader.error() {
        return Err(scan_error(e));
    }
    loader
        .into_documents()
        .iter()
        .map(|d| to_json(d, 0))
        .collect()
}

/// The first document of `text` (`null` for an empty file).
pub fn first_document(text: &str) -> Result<Value, YamlError> {
    Ok(documents(text)?.into_iter().next().unwrap_or(Value::Null))
}

fn to_json(y: &saphyr::Yaml, depth: usize) -> Result<Value, YamlError> {
    use saphyr::{Scalar, ScalarStyle, Yaml};
    if depth > MAX_DEPTH {
        return Err(YamlError {
            line: None,
            column: None,
            message: format!("YAML nested deeper than {MAX_DEPTH} levels"),
        });
    }
    Ok(match y {
        Yaml::Representation(s, style, _) => {
            let plain = matches!(style, ScalarStyle::Plain);
            match s.as_ref() {
                "" | "~" | "null" | "Null" | "NULL" if plain => Value::Null,
                "true" | "True" | "TRUE" if plain => Value::Bool(true),
                "false" | "False" | "FALSE" if plain => Value::Bool(false),
                other => Value::String(other.to_string()),
            }
        }
        Yaml::Value(v) => match v {
            Scalar::Null => Value::Null,
            Scalar::Boolean(b) => Value::Bool(*b),
            Scalar::Integer(i) => Value::String(i.to_string()),
            Scalar::FloatingPoint(f) => Value::String(f.to_string()),
            Scalar::String(s) => Value::String(s.to_string()),
        },
        Yaml::Sequence(items) => Value::Array(
            items
                .iter()
                .map(|i| to_json(i, depth + 1))
                .collect::<Result<_, _>>()?,
        ),
        Yaml::Mapping(m) => {
            let mut out = serde_json::Map::new();
            for (k, v) in m {
                // Keys are strings in JSON: a boolean or null key is spelled as YAML wrote it.
                let key = match to_json(k, depth + 1)? {
                    Value::String(s) => s,
                    Value::Bool(b) => b.to_string(),
                    Value::Null => "null".to_string(),
                    other => other.to_string(),
                };
                out.insert(key, to_json(v, depth + 1)?);
            }
            Value::Object(out)
        }
        Yaml::Tagged(_, inner) => to_json(inner, depth + 1)?,
        // Aliases are resolved by the loader; what is left has no value.
        Yaml::Alias(_) | Yaml::BadValue => Value::Null,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn plain_scalars_stay_as_written() {
        let v =
            first_document("a: 1.10\nb: 2024-01-01\nc: \"true\"\nd: true\ne: ~\nf: 010\n").unwrap();
        assert_eq!(
            v,
            json!({"a": "1.10", "b": "2024-01-01", "c": "true", "d": true, "e": null, "f": "010"})
        );
    }

    #[test]
    fn keys_are_strings() {
        let v = first_document("true: x\n~: y\n1: z\n").unwrap();
        assert_eq!(v, json!({"true": "x", "null": "y", "1": "z"}));
    }

    #[test]
    fn several_documents_and_an_empty_file() {
        assert_eq!(documents("a: 1\n---\nb: 2\n").unwrap().len(), 2);
        assert_eq!(first_document("").unwrap(), Value::Null);
    }

    #[test]
    fn errors_name_the_line() {
        let e = documents("a: 1\nb: [1, 2\nc: 3\n").unwrap_err();
        assert!(e.line.is_some_and(|l| l >= 2), "{e:?}");
        assert!(e.message.starts_with("not valid YAML"), "{e}");
    }

    #[test]
    fn deep_nesting_is_refused() {
        let deep = format!(
            "{}1{}",
            "[".repeat(MAX_DEPTH + 5),
            "]".repeat(MAX_DEPTH + 5)
        );
        let e = documents(&deep).unwrap_err();
        assert!(e.message.contains("nested deeper"), "{e}");
        let ok = format!("{}1{}", "[".repeat(10), "]".repeat(10));
        assert!(documents(&ok).is_ok());
    }

    #[test]
    fn alias_bombs_are_refused() {
        let mut y = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        let mut prev = 'a';
        for c in ['b', 'c', 'd', 'e', 'f', 'g'] {
            y.push_str(&format!(
                "{c}: &{c} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
            ));
            prev = c;
        }
        assert!(documents(&y).is_err());
    }
}
