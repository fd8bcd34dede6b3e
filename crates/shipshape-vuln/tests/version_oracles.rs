//! Version orders against independent oracles and the laws of a total order.
//!
//! dpkg: every generated pair is compared by `dpkg --compare-versions` (skipped visibly when
//! dpkg is not installed). The other ecosystems have no oracle on this machine: their orders
//! are checked for antisymmetry and transitivity on generated versions here, and against the
//! ecosystems' documented examples in the unit tests.

use proptest::prelude::*;
use shipshape_vuln::version::dpkg::DpkgVersion;
use shipshape_vuln::Ecosystem;
use std::cmp::Ordering;
use std::process::Command;

fn dpkg_available() -> bool {
    Command::new("dpkg")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Asks dpkg for the order of a and b (three calls: lt, eq, gt).
fn dpkg_order(a: &str, b: &str) -> Ordering {
    let holds = |op: &str| {
        Command::new("dpkg")
            .args(["--compare-versions", a, op, b])
            .status()
            .expect("run dpkg")
            .success()
    };
    if holds("lt") {
        Ordering::Less
    } else if holds("eq") {
        Ordering::Equal
    } else {
        assert!(holds("gt"), "dpkg says neither lt, eq nor gt for {a} {b}");
        Ordering::Greater
    }
}

/// Debian-like versions built from the pieces that matter to the order: epochs, `~`, `+`, `.`,
/// letters, leading zeros and revisions.
fn dpkg_version() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        "[0-9]{1,3}",
        "0[0-9]{1,2}",
        "[a-c]{1,2}",
        Just("~".to_string()),
        Just("~~".to_string()),
        Just("+".to_string()),
        Just(".".to_string()),
        Just("+deb12u".to_string()),
        Just("~rc".to_string()),
    ];
    let upstream = ("[0-9]{1,2}", prop::collection::vec(piece.clone(), 0..5))
        .prop_map(|(head, rest)| format!("{head}{}", rest.concat()));
    let revision = prop::option::of(
        ("[0-9a-b]{1,2}", prop::collection::vec(piece, 0..3))
            .prop_map(|(head, rest)| format!("{head}{}", rest.concat())),
    );
    let epoch = prop::option::of(0u32..3);
    (epoch, upstream, revision).prop_map(|(e, u, r)| {
        let mut s = String::new();
        if let Some(e) = e {
            s.push_str(&format!("{e}:"));
        }
        s.push_str(&u);
        if let Some(r) = r {
            s.push('-');
            s.push_str(&r);
        }
        s
    })
}

proptest! {
    // Each case runs dpkg up to three times: keep the count modest.
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn dpkg_matches_dpkg(a in dpkg_version(), b in dpkg_version()) {
        if !dpkg_available() {
            eprintln!("SKIP dpkg_matches_dpkg: dpkg is not installed, no oracle");
            return Ok(());
        }
        let ours = DpkgVersion::parse(&a).unwrap().cmp(&DpkgVersion::parse(&b).unwrap());
        prop_assert_eq!(ours, dpkg_order(&a, &b), "{} vs {}", a, b);
    }
}

/// Versions of each ecosystem's shape, to check the laws of an order.
fn versions_for(eco: Ecosystem) -> BoxedStrategy<String> {
    let nums = |n| {
        prop::collection::vec(0u32..12, 1..n)
            .prop_map(|v| v.iter().map(u32::to_string).collect::<Vec<_>>().join("."))
    };
    match eco {
        Ecosystem::Alpine => (
            nums(4),
            prop::option::of("[a-c]"),
            prop::option::of(prop::sample::select(vec![
                "_alpha", "_rc1", "_p2", "_git3", "_pre",
            ])),
            prop::option::of(0u32..12),
        )
            .prop_map(|(n, l, s, r)| {
                format!(
                    "{n}{}{}{}",
                    l.unwrap_or_default(),
                    s.unwrap_or_default(),
                    r.map(|r| format!("-r{r}")).unwrap_or_default()
                )
            })
            .boxed(),
        Ecosystem::RockyLinux => (
            prop::option::of(0u32..3),
            "[0-9a-c.~^]{1,6}",
            "[0-9a-c.~^]{1,5}",
        )
            .prop_map(|(e, v, r)| {
                let e = e.map(|e| format!("{e}:")).unwrap_or_default();
                format!("{e}1{v}-{r}")
            })
            .boxed(),
        Ecosystem::Maven | Ecosystem::RubyGems => (
            nums(5),
            prop::option::of(prop::sample::select(vec![
                "-alpha1",
                "-beta",
                "-rc2",
                "-SNAPSHOT",
                ".final",
                "-sp1",
                "-foo",
                ".a",
                ".pre.1",
                "-1",
            ])),
        )
            .prop_map(|(n, q)| format!("{n}{}", q.unwrap_or_default()))
            .boxed(),
        Ecosystem::NuGet | Ecosystem::Packagist => (
            nums(5),
            prop::option::of(prop::sample::select(vec![
                "-beta",
                "-beta.2",
                "-RC1",
                "-alpha.10",
                "-dev",
                "-p1",
            ])),
        )
            .prop_map(|(n, q)| format!("{n}{}", q.unwrap_or_default()))
            .boxed(),
        Ecosystem::PyPI => (
            nums(4),
            prop::option::of(prop::sample::select(vec![
                "a1", "b2", "rc1", ".post1", ".dev3", "+local.1",
            ])),
        )
            .prop_map(|(n, q)| format!("{n}{}", q.unwrap_or_default()))
            .boxed(),
        _ => (
            0u32..4,
            0u32..4,
            0u32..4,
            prop::option::of(prop::sample::select(vec![
                "-alpha",
                "-alpha.1",
                "-beta.2",
                "-rc.1",
                "-0.20200101000000-abcdef123456",
            ])),
        )
            .prop_map(|(a, b, c, p)| format!("{a}.{b}.{c}{}", p.unwrap_or_default()))
            .boxed(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 150, ..ProptestConfig::default() })]

    #[test]
    fn orders_are_total_orders(
        eco in prop::sample::select(vec![
            Ecosystem::Alpine, Ecosystem::RockyLinux, Ecosystem::Maven, Ecosystem::RubyGems,
            Ecosystem::NuGet, Ecosystem::Packagist, Ecosystem::PyPI, Ecosystem::Go,
            Ecosystem::Npm, Ecosystem::CratesIo,
        ]),
        seed in any::<[u8; 3]>(),
        a in any::<proptest::sample::Index>(),
    ) {
        // Draw three versions of this ecosystem deterministically from the seed.
        let mut runner = proptest::test_runner::TestRunner::new_with_rng(
            ProptestConfig::default(),
            proptest::test_runner::TestRng::from_seed(
                proptest::test_runner::RngAlgorithm::ChaCha,
                &{
                    let mut s = [0u8; 32];
                    s[..3].copy_from_slice(&seed);
                    s[3] = a.index(256) as u8;
                    s
                },
            ),
        );
        let strat = versions_for(eco);
        let draw = |r: &mut proptest::test_runner::TestRunner| strat.new_tree(r).unwrap().current();
        let (x, y, z) = (draw(&mut runner), draw(&mut runner), draw(&mut runner));
        let c = |p: &str, q: &str| eco.compare(p, q);
        let (xy, yx, yz, xz) = match (c(&x, &y), c(&y, &x), c(&y, &z), c(&x, &z)) {
            (Ok(a), Ok(b), Ok(cc), Ok(d)) => (a, b, cc, d),
            // A generated string the ecosystem refuses is not a version: nothing to check.
            _ => return Ok(()),
        };
        prop_assert_eq!(xy, yx.reverse(), "{} antisymmetry {} {}", eco, x, y);
        prop_assert_eq!(c(&x, &x).unwrap(), Ordering::Equal);
        if xy != Ordering::Greater && yz != Ordering::Greater {
            prop_assert_ne!(xz, Ordering::Greater, "{} transitivity {} {} {}", eco, x, y, z);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// Any input is a version or an error, never a panic (versions come from untrusted files).
    #[test]
    fn arbitrary_input_never_panics(a in "\\PC{0,16}", b in "[0-9a-zA-Z.~^+_:-]{0,16}") {
        for eco in Ecosystem::ALL {
            let _ = eco.compare(&a, &b);
            let _ = eco.compare(&b, &a);
        }
    }
}
