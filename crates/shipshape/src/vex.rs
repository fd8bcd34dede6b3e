//! The vulnerability options shared by the commands that report vulnerabilities: VEX documents
//! (`--vex`, `vex = [...]`) applied to the findings, and `--fail-on-kev`.

use crate::cli::VulnArgs;
use shipshape_core::config::Config;
use shipshape_core::exit;
use shipshape_core::report::Analysis;
use shipshape_vuln::vex::{unused_findings, Subject, VexSet};

/// The VEX documents of the configuration, then those of `--vex`, read and parsed; sets
/// `fail-on-kev` from the flag. A document that cannot be read or parsed is printed with its
/// file and line: `Err` carries the exit code 2.
pub fn prepare(config: &mut Config, args: &VulnArgs) -> Result<Option<VexSet>, i32> {
    if args.fail_on_kev {
        config.fail_on_kev = true;
    }
    let paths: Vec<_> = config.vex.iter().chain(&args.vex).cloned().collect();
    if paths.is_empty() {
        return Ok(None);
    }
    match VexSet::load(&paths) {
        Ok(set) => Ok(Some(set)),
        Err(e) => {
            eprintln!("error: {e}");
            Err(exit::ERROR)
        }
    }
}

/// Marks the vulnerability findings of `vulns` with the VEX statement that applies to each;
/// when the packages were checked against a database (SS5001 ran), statements that applied to
/// nothing are reported (SS5002).
pub fn apply(set: Option<&VexSet>, vulns: &mut Analysis, subject: &Subject) {
    let Some(set) = set else { return };
    let unused = set.apply(vulns, subject);
    let looked_up = vulns
        .evaluated
        .contains_key(shipshape_vuln::rules::package_vulnerable::META.code);
    if looked_up {
        vulns.evaluated_by([&shipshape_vuln::rules::vex_statement_unused::META]);
        if !unused.is_empty() {
            for f in set.files() {
                vulns.add_source(f);
            }
        }
        vulns.findings.extend(unused_findings(&unused));
    }
}
