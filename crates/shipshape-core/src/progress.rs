//! A hook for progress on long work (registry pulls, Engine exports, layer reads, git history
//! scans). Analysers only count; drawing (and deciding whether to draw at all) is the binary's
//! business.

use std::fmt;
use std::sync::Arc;

/// Told how far long work has come: what is being done (`pulling layer 2/5`), the amount done
/// and the amount expected (0 when unknown), in the unit the analyser documents (bytes for image
/// reads, blobs for git history). Called often (once per read chunk): keep it cheap.
#[derive(Clone, Default)]
pub struct Progress(Option<Arc<Hook>>);

type Hook = dyn Fn(&str, u64, u64) + Send + Sync;

impl Progress {
    /// A hook calling `f`.
    pub fn new(f: impl Fn(&str, u64, u64) + Send + Sync + 'static) -> Self {
        Progress(Some(Arc::new(f)))
    }

    /// Reports `done` of `total` bytes of `what`.
    pub fn report(&self, what: &str, done: u64, total: u64) {
        if let Some(f) = &self.0 {
            f(what, done, total);
        }
    }

    /// Whether anyone listens (callers skip building messages otherwise).
    pub fn is_active(&self) -> bool {
        self.0.is_some()
    }
}

impl fmt::Debug for Progress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_some() {
            "Progress(hook)"
        } else {
            "Progress(none)"
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn reports_reach_the_hook() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let s = Arc::clone(&seen);
        let p = Progress::new(move |what, done, total| {
            s.lock().unwrap().push((what.to_string(), done, total))
        });
        assert!(p.is_active());
        p.report("layer 1/2", 10, 20);
        assert_eq!(seen.lock().unwrap()[0], ("layer 1/2".to_string(), 10, 20));
        assert!(!Progress::default().is_active());
        Progress::default().report("ignored", 1, 1);
    }
}
