//! A plain table for terminals: one package a line.

use crate::model::Sbom;

/// The table, with a header line and a closing count.
pub fn render(sbom: &Sbom) -> String {
    let rows: Vec<[String; 5]> = sbom
        .packages
        .iter()
        .map(|p| {
            [
                p.name.clone(),
                p.version.clone(),
                p.ecosystem.to_string(),
                p.source
                    .as_ref()
                    .map(|s| s.name.clone())
                    .unwrap_or_default(),
                p.location.clone(),
            ]
        })
        .collect();
    let head = ["NAME", "VERSION", "TYPE", "SOURCE", "LOCATION"];
    let mut width = head.map(str::len);
    for r in &rows {
        for (w, c) in width.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: [&str; 5]| {
        let mut l = String::new();
        for (i, c) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                l.push_str(c);
            } else {
                l.push_str(&format!("{c:<w$}  ", w = width[i]));
            }
        }
        out.push_str(l.trim_end());
        out.push('\n');
    };
    line(head);
    for r in &rows {
        line([&r[0], &r[1], &r[2], &r[3], &r[4]]);
    }
    let os = sbom
        .distro
        .as_ref()
        .map(|d| d.pretty_name.clone().unwrap_or_else(|| d.qualifier()))
        .unwrap_or_else(|| "no os-release found".into());
    out.push_str(&format!(
        "{} package{} in {} ({os})\n",
        sbom.packages.len(),
        if sbom.packages.len() == 1 { "" } else { "s" },
        sbom.subject.name
    ));
    out
}
