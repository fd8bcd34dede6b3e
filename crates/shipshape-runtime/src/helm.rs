//! Helm charts rendered with `helm template` when a `helm` binary is on `PATH`: a chart's
//! templates are not YAML until rendered, and Go templates with Sprig functions are Helm's
//! language, not something to re-implement. Without `helm`, a chart is listed as found and not
//! rendered (never silently passed over).

use shipshape_core::SourceFile;
use std::path::{Path, PathBuf};

/// The `helm` executable on `PATH`, if any.
pub fn find_helm() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("helm"))
        .find(|p| is_executable(p))
}

fn is_executable(p: &Path) -> bool {
    let Ok(meta) = std::fs::metadata(p) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        meta.is_file() && meta.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        meta.is_file()
    }
}

/// How a chart's rendered output is named in findings: `<chart dir>/<helm template>`.
pub fn rendered_name(chart_rel_dir: &str) -> String {
    if chart_rel_dir.is_empty() {
        "<helm template>".to_string()
    } else {
        format!("{chart_rel_dir}/<helm template>")
    }
}

/// Runs `helm template` on the chart in `dir` with its default values; the output is one
/// multi-document YAML named by [`rendered_name`]. `Err` says why it could not be rendered.
pub fn render(helm: &Path, dir: &Path, chart_rel_dir: &str) -> Result<SourceFile, String> {
    let out = std::process::Command::new(helm)
        .arg("template")
        .arg("shipshape")
        .arg(dir)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", helm.display()))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let first = err.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        return Err(format!("`helm template` failed ({}): {first}", out.status));
    }
    let text = String::from_utf8(out.stdout)
        .map_err(|_| "`helm template` printed something that is not UTF-8".to_string())?;
    Ok(SourceFile::new(rendered_name(chart_rel_dir), text))
}
