//! Maven version order, per the "Version Order Specification" of the POM reference
//! (`ComparableVersion`).
//!
//! Hand-written: the crates that exist either implement a simplified `major.minor.patch` order
//! or are unmaintained. The version is split into a tree: `.` separates items of one list, `-`
//! (and a switch between letters and digits) opens a sub-list; trailing "null" items (`0`, ``,
//! `final`, `ga`, `release`) are trimmed from every list. Qualifiers order as
//! `alpha < beta < milestone < rc = cr < snapshot < "" = ga = final = release < sp`, then other
//! words alphabetically; numbers are newer than words.

use super::cmp_digits;
use std::cmp::Ordering;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Item {
    Int(String),
    Str(String),
    List(Vec<Item>),
}

/// A parsed Maven version; `Ord` is Maven's order. Every string is a version to Maven.
#[derive(Debug, Clone)]
pub struct MavenVersion {
    items: Vec<Item>,
}

impl MavenVersion {
    pub fn parse(text: &str) -> Self {
        let lower = text.trim().to_ascii_lowercase();
        let chars: Vec<char> = lower.chars().collect();
        // A stack of lists; the last one is being filled.
        let mut stack: Vec<Vec<Item>> = vec![Vec::new()];
        let mut start = 0;
        let mut is_digit = false;
        let push_item = |stack: &mut Vec<Vec<Item>>, s: &str, digit: bool, followed_by_digit| {
            let item = if digit {
                Item::Int(s.trim_start_matches('0').to_string())
            } else {
                Item::Str(qualifier_alias(s, followed_by_digit))
            };
            if let Some(top) = stack.last_mut() {
                top.push(item);
            }
        };
        for (i, &c) in chars.iter().enumerate() {
            let part: String = chars[start..i].iter().collect();
            if c == '.' {
                if i == start {
                    push_item(&mut stack, "0", true, false);
                } else {
                    push_item(&mut stack, &part, is_digit, false);
                }
                start = i + 1;
            } else if c == '-' {
                if i == start {
                    push_item(&mut stack, "0", true, false);
                } else {
                    push_item(&mut stack, &part, is_digit, false);
                }
                start = i + 1;
                stack.push(Vec::new());
            } else if c.is_ascii_digit() {
                if !is_digit && i > start {
                    // A word directly followed by a number: `a1`, `rc1`.
                    push_item(&mut stack, &part, false, true);
                    start = i;
                    stack.push(Vec::new());
                }
                is_digit = true;
            } else {
                if is_digit && i > start {
                    push_item(&mut stack, &part, true, false);
                    start = i;
                    stack.push(Vec::new());
                }
                is_digit = false;
            }
        }
        if chars.len() > start {
            let part: String = chars[start..].iter().collect();
            push_item(&mut stack, &part, is_digit, false);
        }
        // Close the sub-lists from the innermost, trimming each.
        while stack.len() > 1 {
            let mut inner = stack.pop().unwrap_or_default();
            normalize(&mut inner);
            if let Some(top) = stack.last_mut() {
                top.push(Item::List(inner));
            }
        }
        let mut items = stack.pop().unwrap_or_default();
        normalize(&mut items);
        MavenVersion { items }
    }
}

fn qualifier_alias(s: &str, followed_by_digit: bool) -> String {
    let s = if followed_by_digit && s.len() == 1 {
        match s {
            "a" => "alpha",
            "b" => "beta",
            "m" => "milestone",
            other => other,
        }
    } else {
        s
    };
    match s {
        "ga" | "final" | "release" => String::new(),
        "cr" => "rc".to_string(),
        other => other.to_string(),
    }
}

fn is_null(item: &Item) -> bool {
    match item {
        Item::Int(d) => d.is_empty(),
        Item::Str(s) => s.is_empty(),
        Item::List(l) => l.is_empty(),
    }
}

/// Removes trailing null items, stepping over nothing but nulls (a list stops the trim only
/// when it is not null).
fn normalize(list: &mut Vec<Item>) {
    let mut i = list.len();
    while i > 0 {
        i -= 1;
        if is_null(&list[i]) {
            list.remove(i);
        } else if !matches!(list[i], Item::List(_)) {
            break;
        }
    }
}

const QUALIFIERS: [&str; 7] = ["alpha", "beta", "milestone", "rc", "snapshot", "", "sp"];

/// Rank of a qualifier: known ones by their position, others after all of them, alphabetically.
fn qualifier_rank(q: &str) -> (usize, &str) {
    match QUALIFIERS.iter().position(|k| *k == q) {
        Some(p) => (p, ""),
        None => (QUALIFIERS.len(), q),
    }
}

/// Compares an item with an absent one (the shorter version is padded with nothing).
fn cmp_to_null(item: &Item) -> Ordering {
    match item {
        Item::Int(d) => {
            if d.is_empty() {
                Ordering::Equal
            } else {
                Ordering::Greater
            }
        }
        Item::Str(s) => qualifier_rank(s).cmp(&qualifier_rank("")),
        Item::List(l) => l.first().map_or(Ordering::Equal, cmp_to_null),
    }
}

fn cmp_item(a: &Item, b: &Item) -> Ordering {
    match (a, b) {
        (Item::Int(x), Item::Int(y)) => cmp_digits(x, y),
        (Item::Int(_), _) => Ordering::Greater,
        (Item::Str(_), Item::Int(_)) => Ordering::Less,
        (Item::Str(x), Item::Str(y)) => qualifier_rank(x).cmp(&qualifier_rank(y)),
        (Item::Str(_), Item::List(_)) => Ordering::Less,
        (Item::List(_), Item::Int(_)) => Ordering::Less,
        (Item::List(_), Item::Str(_)) => Ordering::Greater,
        (Item::List(x), Item::List(y)) => cmp_lists(x, y),
    }
}

fn cmp_lists(a: &[Item], b: &[Item]) -> Ordering {
    for k in 0..a.len().max(b.len()) {
        let o = match (a.get(k), b.get(k)) {
            (Some(x), Some(y)) => cmp_item(x, y),
            (Some(x), None) => cmp_to_null(x),
            (None, Some(y)) => cmp_to_null(y).reverse(),
            (None, None) => Ordering::Equal,
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    Ordering::Equal
}

impl Ord for MavenVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        cmp_lists(&self.items, &other.items)
    }
}

impl PartialOrd for MavenVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for MavenVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for MavenVersion {}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmp(a: &str, b: &str) -> Ordering {
        MavenVersion::parse(a).cmp(&MavenVersion::parse(b))
    }

    #[test]
    fn specification_examples() {
        // The POM reference's examples.
        assert_eq!(cmp("1", "1.1"), Ordering::Less);
        assert_eq!(cmp("1-snapshot", "1"), Ordering::Less);
        assert_eq!(cmp("1", "1-sp"), Ordering::Less);
        assert_eq!(cmp("1-foo2", "1-foo10"), Ordering::Less);
        assert_eq!(cmp("1.foo", "1-foo"), Ordering::Less);
        assert_eq!(cmp("1-foo", "1-1"), Ordering::Less);
        assert_eq!(cmp("1-1", "1.1"), Ordering::Less);
        assert_eq!(cmp("1.ga", "1-ga"), Ordering::Equal);
        assert_eq!(cmp("1-ga", "1-0"), Ordering::Equal);
        assert_eq!(cmp("1-0", "1.0"), Ordering::Equal);
        assert_eq!(cmp("1.0", "1"), Ordering::Equal);
        assert_eq!(cmp("1-sp", "1-ga"), Ordering::Greater);
        assert_eq!(cmp("1-sp.1", "1-ga.1"), Ordering::Greater);
        assert_eq!(cmp("1-sp-1", "1-ga-1"), Ordering::Less);
        assert_eq!(cmp("1-a1", "1-alpha-1"), Ordering::Equal);
        assert_eq!(cmp("1.0-alpha1", "1.0-beta1"), Ordering::Less);
        assert_eq!(cmp("1.0-rc1", "1.0-cr1"), Ordering::Equal);
        assert_eq!(cmp("1.0-RC1", "1.0"), Ordering::Less);
        assert_eq!(cmp("1.0.final", "1.0"), Ordering::Equal);
        assert_eq!(cmp("2.0.0.RELEASE", "2.0.0"), Ordering::Equal);
        assert_eq!(cmp("1.0-SNAPSHOT", "1.0-rc1"), Ordering::Greater);
        assert_eq!(cmp("2.17.0", "2.17.1"), Ordering::Less);
        assert_eq!(cmp("2.9.10.8", "2.10.0"), Ordering::Less);
        assert_eq!(cmp("1.0-milestone-1", "1.0-m1"), Ordering::Equal);
        assert_eq!(cmp("1.0-xyz", "1.0-sp"), Ordering::Greater);
        assert_eq!(cmp("5.3.0.Final", "5.3.0"), Ordering::Equal);
    }
}
