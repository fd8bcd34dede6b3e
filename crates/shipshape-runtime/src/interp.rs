//! Compose variable interpolation: `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`,
//! `${VAR:?err}`, `${VAR?err}`, `${VAR:+alt}`, `${VAR+alt}`, nested defaults and `$$`.
//! Values come from the project's `.env` only (never the scanning process's environment, so
//! results do not depend on who runs the scan).

use std::collections::HashMap;

/// Parses a `.env` file: `KEY=value`, `export KEY=value`, quotes, `#` comments.
pub fn parse_dotenv(text: &str) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for line in text.lines() {
        let l = line.trim();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        let l = l.strip_prefix("export ").unwrap_or(l);
        let Some((k, v)) = l.split_once('=') else {
            continue;
        };
        let v = v.trim();
        let v = if (v.starts_with('"') && v.ends_with('"') && v.len() >= 2)
            || (v.starts_with('\'') && v.ends_with('\'') && v.len() >= 2)
        {
            v[1..v.len() - 1].to_string()
        } else {
            v.split(" #").next().unwrap_or(v).trim().to_string()
        };
        out.insert(k.trim().to_string(), v);
    }
    out
}

/// Interpolates `s`. Returns the result and whether a variable had no value and no default.
pub fn interpolate(s: &str, env: &HashMap<String, String>) -> (String, bool) {
    let mut unresolved = false;
    let out = expand(s, env, &mut unresolved, 0);
    (out, unresolved)
}

fn expand(s: &str, env: &HashMap<String, String>, unresolved: &mut bool, depth: usize) -> String {
    if depth > 8 || !s.contains('$') {
        return s.to_string();
    }
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'$' {
            let l = s[i..].chars().next().map(char::len_utf8).unwrap_or(1);
            out.push_str(&s[i..i + l]);
            i += l;
            continue;
        }
        match b.get(i + 1) {
            Some(b'$') => {
                out.push('$');
                i += 2;
            }
            Some(b'{') => {
                // find the matching brace
                let mut depth_b = 0;
                let mut j = i + 1;
                while j < b.len() {
                    match b[j] {
                        b'{' => depth_b += 1,
                        b'}' => {
                            depth_b -= 1;
                            if depth_b == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                    j += 1;
                }
                if j >= b.len() {
                    out.push_str(&s[i..]);
                    break;
                }
                let inner = &s[i + 2..j];
                out.push_str(&braced(inner, env, unresolved, depth));
                i = j + 1;
            }
            Some(c) if c.is_ascii_alphabetic() || *c == b'_' => {
                let mut j = i + 1;
                while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
                    j += 1;
                }
                match env.get(&s[i + 1..j]) {
                    Some(v) => out.push_str(v),
                    None => *unresolved = true,
                }
                i = j;
            }
            _ => {
                out.push('$');
                i += 1;
            }
        }
    }
    out
}

fn braced(
    inner: &str,
    env: &HashMap<String, String>,
    unresolved: &mut bool,
    depth: usize,
) -> String {
    let name_end = inner
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(inner.len());
    let name = &inner[..name_end];
    let op = &inner[name_end..];
    let val = env.get(name);
    let set_nonempty = val.is_some_and(|v| !v.is_empty());
    let arg = |skip: usize| op.get(skip..).unwrap_or("");
    if op.starts_with(":-") {
        if set_nonempty {
            val.cloned().unwrap_or_default()
        } else {
            expand(arg(2), env, unresolved, depth + 1)
        }
    } else if op.starts_with('-') {
        if val.is_some() {
            val.cloned().unwrap_or_default()
        } else {
            expand(arg(1), env, unresolved, depth + 1)
        }
    } else if op.starts_with(":+") {
        if set_nonempty {
            expand(arg(2), env, unresolved, depth + 1)
        } else {
            String::new()
        }
    } else if op.starts_with('+') {
        if val.is_some() {
            expand(arg(1), env, unresolved, depth + 1)
        } else {
            String::new()
        }
    } else if op.starts_with(":?") || op.starts_with('?') {
        // required variable: Compose would stop; a linter reads on with the value unknown
        match val {
            Some(v) if !v.is_empty() || op.starts_with('?') => v.clone(),
            _ => {
                *unresolved = true;
                String::new()
            }
        }
    } else {
        match val {
            Some(v) => v.clone(),
            None => {
                *unresolved = true;
                String::new()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn interpolates() {
        let env = parse_dotenv("# c\nTAG=1.2\nexport EMPTY=\nQ=\"a b\"\n");
        assert_eq!(interpolate("app:${TAG}", &env), ("app:1.2".into(), false));
        assert_eq!(
            interpolate("app:${NOPE:-latest}", &env),
            ("app:latest".into(), false)
        );
        assert_eq!(
            interpolate("${EMPTY:-x}/${EMPTY-y}", &env),
            ("x/".into(), false)
        );
        assert_eq!(interpolate("${A:-${TAG}}", &env), ("1.2".into(), false));
        assert_eq!(interpolate("$$HOME $Q", &env), ("$HOME a b".into(), false));
        assert_eq!(interpolate("${REQ:?need it}", &env), ("".into(), true));
        assert_eq!(interpolate("$NOPE", &env), ("".into(), true));
        assert_eq!(interpolate("${TAG:+set}", &env), ("set".into(), false));
    }
}
