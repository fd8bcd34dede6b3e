//! Progress on long work on standard error, only when it is a terminal and not in CI, so logs
//! stay clean: bytes for image pulls, exports and layer reads, blobs for git history scans.

use indicatif::{ProgressBar, ProgressStyle};
use shipshape_core::progress::Progress;
use std::io::IsTerminal;
use std::time::Duration;

/// Whether to draw progress at all.
fn wanted(quiet: bool) -> bool {
    let in_ci = std::env::var_os("CI").is_some_and(|v| !v.is_empty());
    !quiet && !in_ci && std::io::stderr().is_terminal()
}

/// Starts a spinner with `message`, or nothing when progress would only clutter a log.
pub fn spinner(message: &str, quiet: bool) -> Option<ProgressBar> {
    if !wanted(quiet) {
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

/// What a bar counts.
#[derive(Clone, Copy)]
pub enum Unit {
    /// Bytes (image pulls, exports, layer reads), shown as MiB with a rate.
    Bytes,
    /// Items such as git blobs.
    Items,
}

/// A bar (`message` until the first report arrives) and the hook an analyser drives it
/// through: amount done of amount expected, per phase. Both are inert when progress is not
/// wanted.
pub fn bar(message: &str, quiet: bool, unit: Unit) -> (Option<ProgressBar>, Progress) {
    let Some(bar) = spinner(message, quiet) else {
        return (None, Progress::default());
    };
    let (known, unknown) = match unit {
        Unit::Bytes => (
            "{spinner} {msg} {bytes}/{total_bytes} ({binary_bytes_per_sec}, {elapsed})",
            "{spinner} {msg} {bytes} ({elapsed})",
        ),
        Unit::Items => (
            "{spinner} {msg} {pos}/{len} ({elapsed})",
            "{spinner} {msg} {pos} ({elapsed})",
        ),
    };
    let known = ProgressStyle::with_template(known).ok();
    let unknown = ProgressStyle::with_template(unknown).ok();
    let drawn = bar.clone();
    // The last phase shown, so that each report only moves the position.
    let shown = std::sync::Mutex::new((String::new(), u64::MAX));
    let hook = Progress::new(move |what, done, total| {
        if let Ok(mut last) = shown.lock() {
            if last.0 != what || (last.1 == 0) != (total == 0) {
                let style = if total > 0 { &known } else { &unknown };
                if let Some(style) = style {
                    drawn.set_style(style.clone());
                }
                drawn.set_message(what.to_string());
            }
            *last = (what.to_string(), total);
        }
        drawn.set_length(total);
        drawn.set_position(done);
    });
    (Some(bar), hook)
}
