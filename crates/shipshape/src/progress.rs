//! Progress on long work on standard error, only when it is a terminal and not in CI, so logs
//! stay clean: byte counts for image pulls, exports and layer reads, a spinner with the elapsed
//! time for git history scans.

use indicatif::{ProgressBar, ProgressStyle};
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

/// A bar for reading an image (`message` until the first bytes arrive), and the hook the image
/// crate drives it through: bytes done of bytes expected, per pull, export or layer. Both are
/// inert when progress is not wanted.
pub fn image_bar(message: &str, quiet: bool) -> (Option<ProgressBar>, shipshape_image::Progress) {
    let Some(bar) = spinner(message, quiet) else {
        return (None, shipshape_image::Progress::default());
    };
    let known = ProgressStyle::with_template(
        "{spinner} {msg} {bytes}/{total_bytes} ({binary_bytes_per_sec}, {elapsed})",
    )
    .ok();
    let unknown = ProgressStyle::with_template("{spinner} {msg} {bytes} ({elapsed})").ok();
    let drawn = bar.clone();
    // The last phase shown, so that each chunk only moves the position.
    let shown = std::sync::Mutex::new((String::new(), u64::MAX));
    let hook = shipshape_image::Progress::new(move |what, done, total| {
        if let Ok(mut last) = shown.lock() {
            if last.0 != what || last.1 != total {
                let style = if total > 0 { &known } else { &unknown };
                if let Some(style) = style {
                    drawn.set_style(style.clone());
                }
                drawn.set_length(total);
                drawn.set_position(done);
                drawn.set_message(what.to_string());
                *last = (what.to_string(), total);
            }
        }
        drawn.set_position(done);
    });
    (Some(bar), hook)
}
