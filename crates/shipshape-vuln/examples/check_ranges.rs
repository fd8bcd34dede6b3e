//! Lists the range events of OSV records that their ecosystem's version order refuses:
//! `cargo run -p shipshape-vuln --example check_ranges -- DIR_OR_ZIP`. Such a record makes the
//! lookup of its package an error rather than a silent pass, so this shows how often that
//! happens in a given data set.

use shipshape_vuln::matcher::record_ecosystem_key;
use std::collections::BTreeMap;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .ok_or("usage: check_ranges DIR_OR_ZIP")?;
    let loaded = shipshape_vuln::source::load(std::path::Path::new(&path))?;
    let mut bad: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in &loaded.records {
        for a in &r.affected {
            let Some(p) = &a.package else { continue };
            let Some((eco, _)) = record_ecosystem_key(&p.ecosystem) else {
                continue;
            };
            for range in a.ranges.iter().filter(|r| r.kind == "ECOSYSTEM") {
                for e in &range.events {
                    for v in [&e.introduced, &e.fixed, &e.last_affected]
                        .into_iter()
                        .flatten()
                    {
                        if v != "0" {
                            if let Err(err) = eco.validate(v) {
                                bad.entry(eco.to_string())
                                    .or_default()
                                    .push(format!("{}: {err}", r.id));
                            }
                        }
                    }
                }
            }
        }
    }
    println!("{} records read", loaded.records.len());
    for (eco, list) in &bad {
        println!("{eco}: {} unparseable event versions, e.g.", list.len());
        for l in list.iter().take(5) {
            println!("  {l}");
        }
    }
    Ok(())
}
