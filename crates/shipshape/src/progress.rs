//! Progress on long work (image reads and pulls, git history scans): a spinner with the elapsed
//! time on standard error, only when it is a terminal and not in CI, so logs stay clean.

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::time::Duration;

/// Starts a spinner with `message`, or nothing when progress would only clutter a log.
pub fn spinner(message: &str, quiet: bool) -> Option<ProgressBar> {
    let in_ci = std::env::var_os("CI").is_some_and(|v| !v.is_empty());
    if quiet || in_ci || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = ProgressBar::new_spinner();
    if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} ({elapsed})") {
        bar.set_style(style);
    }
    bar.set_message(message.to_string());
    bar.enable_steady_tick(Duration::from_millis(120));
    Some(bar)
}

/// Removes the spinner, leaving the terminal as it was.
pub fn finish(bar: Option<ProgressBar>) {
    if let Some(b) = bar {
        b.finish_and_clear();
    }
}
