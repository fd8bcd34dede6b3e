//! Version range specifiers (`vers:<scheme>/<constraints>`, the purl project's VERS
//! document), as CycloneDX `vulnerabilities[].affects[].versions[].range` uses them.
//!
//! Hand-written rather than taken from a crate: the one Rust implementation found (`vers-rs`)
//! carries its own comparators for five schemes only (semver, npm, Debian, Cargo, intdot). A
//! VEX range must be judged by the same order the OSV matcher used to call the package
//! vulnerable, or a statement could suppress a version the matcher ranks differently; so the
//! constraints here are compared with [`crate::version`]'s comparators, which cover every
//! ecosystem shipshape matches. The grammar itself is small (split on `|`, a comparator prefix).
//!
//! Containment follows the VERS check: `*` holds everything; a version equal to an `=`, `<=`
//! or `>=` constraint is in; one equal to a `!=` constraint is out; otherwise the `<`/`<=` and
//! `>`/`>=` constraints, sorted by version, alternate and bound intervals (below a leading
//! upper bound, between a lower and the next upper bound, above a trailing lower bound). A
//! range of only `!=` constraints holds every version but those: the VERS simplification keeps
//! such a list as valid, and "all but these" is its only sensible reading. The validity rules
//! (unique versions, `*` alone, alternating bounds) are checked when the range is read, so a
//! malformed range is an error, never a range that silently holds nothing.

use crate::version::{semver as sv, Ecosystem};
use std::cmp::Ordering;

/// How the versions of a scheme are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// An ecosystem's own order (dpkg for `deb`, rpmvercmp for `rpm`, ...).
    Eco(Ecosystem),
    /// SemVer 2.0 precedence, for the generic `semver` scheme.
    SemVer,
}

impl Order {
    pub fn compare(self, a: &str, b: &str) -> Result<Ordering, String> {
        match self {
            Order::Eco(e) => e.compare(a, b).map_err(|e| e.to_string()),
            Order::SemVer => {
                let p = |v: &str| sv::parse_strict("semver", v).map_err(|e| e.to_string());
                Ok(sv::cmp(&p(a)?, &p(b)?))
            }
        }
    }
}

/// The order of a purl type's versions (also the VERS scheme of that type), if shipshape
/// knows it. Distribution types compare the same whatever their namespace.
pub fn order_of_type(ty: &str) -> Option<Order> {
    Some(Order::Eco(match ty {
        "deb" => Ecosystem::Debian,
        "apk" | "alpine" => Ecosystem::Alpine,
        "rpm" => Ecosystem::RedHat,
        "cargo" => Ecosystem::CratesIo,
        "npm" => Ecosystem::Npm,
        "pypi" => Ecosystem::PyPI,
        "golang" => Ecosystem::Go,
        "maven" => Ecosystem::Maven,
        "gem" => Ecosystem::RubyGems,
        "composer" => Ecosystem::Packagist,
        "nuget" => Ecosystem::NuGet,
        _ => return None,
    }))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cmp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Body {
    /// `vers:<scheme>/*`, or `vers:all/*`: every version.
    All,
    /// `vers:none/*`: no version.
    None,
    Constraints(Vec<(Cmp, String)>),
}

/// A parsed, validated `vers:` range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vers {
    /// The versioning scheme as written (`deb`, `npm`, `semver`, ...).
    pub scheme: String,
    /// `None` for the generic `all` and `none` schemes, which hold no versions to compare.
    order: Option<Order>,
    /// Constraints sorted by version.
    body: Body,
}

impl Vers {
    /// Parses and validates `text`; the error says what is wrong with it.
    pub fn parse(text: &str) -> Result<Vers, String> {
        // Spaces and tabs are not significant.
        let compact: String = text.chars().filter(|c| *c != ' ' && *c != '\t').collect();
        let rest = compact
            .strip_prefix("vers:")
            .ok_or_else(|| "does not start with `vers:`".to_string())?;
        let (scheme, constraints) = rest
            .split_once('/')
            .ok_or_else(|| "no `/` after the versioning scheme".to_string())?;
        if scheme.is_empty() || scheme.chars().any(|c| c.is_ascii_uppercase()) {
            return Err(format!(
                "versioning scheme `{scheme}` is empty or not lowercase"
            ));
        }
        if constraints.is_empty() {
            return Err("no constraints".to_string());
        }
        let order = match scheme {
            "all" | "none" => None,
            "semver" => Some(Order::SemVer),
            s => Some(
                order_of_type(s)
                    .ok_or_else(|| format!("unknown or unsupported versioning scheme `{s}`"))?,
            ),
        };
        if constraints == "*" {
            let body = if scheme == "none" {
                Body::None
            } else {
                Body::All
            };
            return Ok(Vers {
                scheme: scheme.to_string(),
                order,
                body,
            });
        }
        let Some(order) = order else {
            return Err(format!("`vers:{scheme}` allows only `*`"));
        };
        let mut list: Vec<(Cmp, String)> = Vec::new();
        for c in constraints.split('|').filter(|c| !c.is_empty()) {
            if c.contains('*') {
                return Err("`*` must stand alone, without other constraints".to_string());
            }
            let (cmp, v) = if let Some(v) = c.strip_prefix(">=") {
                (Cmp::Ge, v)
            } else if let Some(v) = c.strip_prefix("<=") {
                (Cmp::Le, v)
            } else if let Some(v) = c.strip_prefix("!=") {
                (Cmp::Ne, v)
            } else if let Some(v) = c.strip_prefix('<') {
                (Cmp::Lt, v)
            } else if let Some(v) = c.strip_prefix('>') {
                (Cmp::Gt, v)
            } else if let Some(v) = c.strip_prefix('=') {
                (Cmp::Eq, v)
            } else {
                (Cmp::Eq, c)
            };
            if v.is_empty() {
                return Err(format!("constraint `{c}` has no version"));
            }
            let v = percent_decode(v).ok_or_else(|| format!("bad %-escape in `{c}`"))?;
            order
                .compare(&v, &v)
                .map_err(|e| format!("`{v}` is not a {scheme} version: {e}"))?;
            list.push((cmp, v));
        }
        if list.is_empty() {
            return Err("no constraints".to_string());
        }
        // Sort by version (every version parsed above, so comparisons succeed).
        let mut err = None;
        list.sort_by(|a, b| {
            order.compare(&a.1, &b.1).unwrap_or_else(|e| {
                err.get_or_insert(e);
                Ordering::Equal
            })
        });
        if let Some(e) = err {
            return Err(e);
        }
        for w in list.windows(2) {
            if order.compare(&w[0].1, &w[1].1) == Ok(Ordering::Equal) {
                return Err(format!("version `{}` appears twice", w[1].1));
            }
        }
        // Ignoring `!=`: `=` is followed only by `=`, `>` or `>=`; ignoring `=` too, lower and
        // upper bounds alternate.
        let no_ne: Vec<Cmp> = list
            .iter()
            .map(|(c, _)| *c)
            .filter(|c| *c != Cmp::Ne)
            .collect();
        for w in no_ne.windows(2) {
            if w[0] == Cmp::Eq && matches!(w[1], Cmp::Lt | Cmp::Le) {
                return Err("an `=` constraint is followed by an upper bound".to_string());
            }
        }
        let bounds: Vec<Cmp> = no_ne.into_iter().filter(|c| *c != Cmp::Eq).collect();
        for w in bounds.windows(2) {
            if is_lower(w[0]) == is_lower(w[1]) {
                return Err(
                    "bounds do not alternate (two lower or two upper bounds in a row)".to_string(),
                );
            }
        }
        Ok(Vers {
            scheme: scheme.to_string(),
            order: Some(order),
            body: Body::Constraints(list),
        })
    }

    /// The order this range's versions are compared in (`None` for `all` and `none`).
    pub fn order(&self) -> Option<Order> {
        self.order
    }

    /// Whether `version` (compared in `order`, the package's own order) is in the range.
    /// Versions of another scheme are never in it (VERS: comparing across schemes is an
    /// error), and a version that does not parse is not in it: both fail closed.
    pub fn contains(&self, version: &str, order: Option<Order>) -> bool {
        let list = match &self.body {
            Body::All => return true,
            Body::None => return false,
            Body::Constraints(list) => list,
        };
        let Some(mine) = self.order else { return false };
        // The generic `semver` scheme applies to any package whose version is SemVer.
        if mine != Order::SemVer && Some(mine) != order {
            return false;
        }
        let cmp = |v: &str| mine.compare(version, v);
        let mut bounds = Vec::new();
        let mut has_eq = false;
        for (c, v) in list {
            let Ok(o) = cmp(v) else { return false };
            match c {
                Cmp::Eq | Cmp::Le | Cmp::Ge if o == Ordering::Equal => return true,
                Cmp::Ne if o == Ordering::Equal => return false,
                Cmp::Eq => has_eq = true,
                Cmp::Ne => {}
                _ => bounds.push((*c, o)),
            }
        }
        if bounds.is_empty() {
            // Only `!=` constraints: every other version; with `=` ones: only those.
            return !has_eq;
        }
        // `o` is how `version` compares with the bound's version.
        if let Some((c, o)) = bounds.first() {
            if !is_lower(*c) && *o == Ordering::Less {
                return true;
            }
        }
        if let Some((c, o)) = bounds.last() {
            if is_lower(*c) && *o == Ordering::Greater {
                return true;
            }
        }
        bounds.windows(2).any(|w| {
            is_lower(w[0].0)
                && !is_lower(w[1].0)
                && w[0].1 == Ordering::Greater
                && w[1].1 == Ordering::Less
        })
    }
}

fn is_lower(c: Cmp) -> bool {
    matches!(c, Cmp::Gt | Cmp::Ge)
}

/// URL unquoting of a constraint's version (`%7C` for `|`); `None` on a broken escape.
fn percent_decode(s: &str) -> Option<String> {
    if !s.contains('%') {
        return Some(s.to_string());
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEB: Option<Order> = Some(Order::Eco(Ecosystem::Debian));
    const NPM: Option<Order> = Some(Order::Eco(Ecosystem::Npm));

    fn holds(range: &str, version: &str, order: Option<Order>) -> bool {
        Vers::parse(range).unwrap().contains(version, order)
    }

    #[test]
    fn deb_ranges_use_dpkg_order() {
        let r = "vers:deb/>=2.36-1|<2.36-9+deb12u10";
        assert!(holds(r, "2.36-9", DEB));
        assert!(holds(r, "2.36-1", DEB), ">= includes its bound");
        assert!(!holds(r, "2.36-9+deb12u10", DEB), "< excludes its bound");
        // dpkg order, not string order: `~` sorts before everything.
        assert!(holds(r, "2.36-9+deb12u10~rc1", DEB));
        assert!(!holds(r, "1:2.0-1", DEB), "an epoch outranks the rest");
        assert!(!holds(r, "2.36-9", NPM), "another scheme's package");
    }

    #[test]
    fn npm_ranges_and_single_bounds() {
        assert!(holds("vers:npm/<2.0.0", "1.9.9", NPM));
        assert!(!holds("vers:npm/<2.0.0", "2.0.0", NPM));
        assert!(holds("vers:npm/>1.0.0", "1.0.1", NPM));
        assert!(!holds("vers:npm/>1.0.0", "1.0.0", NPM));
        let two = "vers:npm/1.2.3|>=2.0.0|<5.0.0";
        assert!(holds(two, "1.2.3", NPM));
        assert!(holds(two, "4.9.0", NPM));
        assert!(!holds(two, "1.2.4", NPM));
        assert!(!holds(two, "5.0.0", NPM));
        // Two intervals, written out of order: sorted before checking.
        let branches = "vers:npm/<=1.7.5|>=7.0.0|>=1.0.0|<=7.0.7";
        assert!(holds(branches, "7.0.3", NPM));
        assert!(!holds(branches, "3.0.0", NPM));
        assert!(
            holds("vers:semver/>=1.0.0|<2.0.0", "1.5.0", DEB),
            "generic semver"
        );
    }

    #[test]
    fn exclusions_star_and_generic_schemes() {
        let r = "vers:npm/>=1.0.0|!=1.2.0|<2.0.0";
        assert!(holds(r, "1.1.0", NPM));
        assert!(!holds(r, "1.2.0", NPM));
        assert!(holds("vers:npm/!=1.2.0", "3.0.0", NPM));
        assert!(!holds("vers:npm/!=1.2.0", "1.2.0", NPM));
        assert!(holds("vers:deb/*", "anything", DEB));
        assert!(holds("vers:all/*", "1", None));
        assert!(!holds("vers:none/*", "1", None));
        assert!(
            holds(" vers:npm/ >= 1.0.0 | < 2.0.0 ", "1.0.0", NPM),
            "spaces ignored"
        );
    }

    #[test]
    fn malformed_ranges_are_errors() {
        for (bad, why) in [
            ("npm/>=1.0.0", "does not start"),
            ("vers:npm", "no `/`"),
            ("vers:npm/", "no constraints"),
            ("vers:NPM/1.0.0", "not lowercase"),
            (
                "vers:frobnicate/1.0",
                "unknown or unsupported versioning scheme `frobnicate`",
            ),
            ("vers:npm/*|1.0.0", "must stand alone"),
            ("vers:npm/>=", "has no version"),
            ("vers:npm/>=1.0.0|<=1.0.0", "appears twice"),
            ("vers:npm/>=1.0.0|>=2.0.0", "do not alternate"),
            ("vers:npm/1.0.0|<2.0.0", "followed by an upper bound"),
            ("vers:npm/>=not-a-version", "not a npm version"),
            ("vers:all/1.0", "allows only `*`"),
            ("vers:npm/1.0.%zz", "bad %-escape"),
        ] {
            let e = Vers::parse(bad).unwrap_err();
            assert!(e.contains(why), "{bad}: {e}");
        }
    }
}
