//! How old the database is: a database older than the configured age (`db-max-age`, default 7
//! days) still matches, but the scan says so on standard error and in the checklist note, since
//! vulnerabilities published after it was built are missing from it.

use crate::store::Store;
use std::path::Path;

/// The database's build time (`built_at`), if it has one that parses.
pub fn built_at(store: &Store) -> Option<jiff::Timestamp> {
    store.meta("built_at").ok().flatten()?.parse().ok()
}

/// The warning for a database built at `built` that is older than `max_age_days` at `now`;
/// `None` when it is recent enough (or dated in the future, which `db status` points out).
pub fn stale_warning(
    built: jiff::Timestamp,
    max_age_days: u64,
    now: jiff::Timestamp,
) -> Option<String> {
    let age = now.duration_since(built);
    let max_secs = i64::try_from(max_age_days.saturating_mul(86_400)).unwrap_or(i64::MAX);
    if age <= jiff::SignedDuration::from_secs(max_secs) {
        return None;
    }
    let days = age.as_secs() / 86_400;
    Some(format!(
        "the vulnerability database was built {} ({days} day{} ago, more than db-max-age of {max_age_days}): vulnerabilities published since are missing; run `shipshape db update` or import newer advisories",
        built.strftime("%Y-%m-%d"),
        if days == 1 { "" } else { "s" },
    ))
}

/// [`stale_warning`] for the database at `db`, now; `None` when there is no readable database
/// (the scan reports that itself).
pub fn check(db: &Path, max_age_days: u64) -> Option<String> {
    let store = Store::open(db).ok()?;
    stale_warning(built_at(&store)?, max_age_days, jiff::Timestamp::now())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn older_than_the_limit_warns() {
        let built: jiff::Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        let at = |s: &str| s.parse::<jiff::Timestamp>().unwrap();
        assert_eq!(stale_warning(built, 7, at("2026-01-08T00:00:00Z")), None);
        let w = stale_warning(built, 7, at("2026-01-08T00:00:01Z")).unwrap();
        assert!(
            w.contains("built 2026-01-01 (7 days ago, more than db-max-age of 7)"),
            "{w}"
        );
        let w = stale_warning(built, 0, at("2026-03-02T00:00:00Z")).unwrap();
        assert!(w.contains("60 days ago"), "{w}");
        // A clock behind the database is not "old".
        assert_eq!(stale_warning(built, 0, at("2025-12-31T00:00:00Z")), None);
    }
}
