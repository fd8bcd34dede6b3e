//! End-of-life dates of base operating systems and language runtimes, kept as data
//! (`data/eol.toml`), shared by the Dockerfile analyser (base image tags) and the image analyser
//! (os-release).

use serde::Deserialize;
use std::sync::OnceLock;

/// One release of a product and the day its free security support ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Release {
    /// Lower-case product id: `debian`, `ubuntu`, `alpine`, `python`, `node`, …
    pub product: String,
    /// Version as in os-release `VERSION_ID` or an image tag prefix (`10`, `20.04`, `3.12`).
    pub version: String,
    /// Codename used in image tags (`buster`, `focal`).
    pub codename: Option<String>,
    /// Last day of regular security support.
    pub eol: jiff::civil::Date,
    /// Last day of free extended support after `eol` (Debian LTS), if any.
    pub extended: Option<jiff::civil::Date>,
}

/// Where a release stands on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EolStatus {
    Supported,
    /// Supported, but regular support ends within 90 days.
    EndingSoon,
    /// Past regular support, still within free extended support (Debian LTS).
    ExtendedOnly,
    /// No free security support any more.
    EndOfLife,
}

impl Release {
    /// The last day of any free support.
    pub fn end_of_support(&self) -> jiff::civil::Date {
        self.extended.unwrap_or(self.eol).max(self.eol)
    }

    /// Whether all free support has ended on `today`.
    pub fn is_eol(&self, today: jiff::civil::Date) -> bool {
        self.end_of_support() < today
    }

    /// The status on `today`.
    pub fn status(&self, today: jiff::civil::Date) -> EolStatus {
        if today > self.eol {
            if today > self.end_of_support() {
                EolStatus::EndOfLife
            } else {
                EolStatus::ExtendedOnly
            }
        } else if self
            .eol
            .since(today)
            .map(|s| s.get_days())
            .unwrap_or(i32::MAX)
            <= 90
        {
            EolStatus::EndingSoon
        } else {
            EolStatus::Supported
        }
    }

    /// `debian 12 (bookworm)`: the id as written in the table.
    pub fn label(&self) -> String {
        match &self.codename {
            Some(c) => format!("{} {} ({c})", self.product, self.version),
            None => format!("{} {}", self.product, self.version),
        }
    }

    /// `Debian 10 (buster)`.
    pub fn display_name(&self) -> String {
        let mut name = match self.product.as_str() {
            "amzn" => "Amazon Linux".to_string(),
            "golang" => "Go".to_string(),
            "dotnet" => ".NET".to_string(),
            "postgres" => "PostgreSQL".to_string(),
            "mysql" => "MySQL".to_string(),
            "php" => "PHP".to_string(),
            "node" => "Node.js".to_string(),
            "centos" => "CentOS".to_string(),
            "mariadb" => "MariaDB".to_string(),
            "mongo" => "MongoDB".to_string(),
            "tomcat" => "Apache Tomcat".to_string(),
            p => {
                let mut c = p.chars();
                c.next()
                    .map(|f| f.to_uppercase().chain(c).collect())
                    .unwrap_or_default()
            }
        };
        name.push(' ');
        name.push_str(&self.version);
        if let Some(c) = &self.codename {
            name.push_str(&format!(" ({c})"));
        }
        name
    }
}

#[derive(Deserialize)]
struct RawFile {
    release: Vec<RawRelease>,
}

#[derive(Deserialize)]
struct RawRelease {
    product: String,
    version: String,
    codename: Option<String>,
    eol: String,
    extended: Option<String>,
}

/// Every known release. The data is compiled in; a malformed entry is a build-time bug caught by
/// the tests, and is skipped rather than crashing a scan.
pub fn releases() -> &'static [Release] {
    static DATA: OnceLock<Vec<Release>> = OnceLock::new();
    DATA.get_or_init(|| {
        let raw: RawFile = match toml::from_str(include_str!("../data/eol.toml")) {
            Ok(r) => r,
            Err(_) => return Vec::new(),
        };
        raw.release
            .into_iter()
            .filter_map(|r| {
                Some(Release {
                    eol: r.eol.parse().ok()?,
                    extended: match r.extended {
                        Some(x) => Some(x.parse().ok()?),
                        None => None,
                    },
                    product: r.product,
                    version: r.version,
                    codename: r.codename,
                })
            })
            .collect()
    })
}

/// The release of `product` (an os-release ID or image name; aliases like `redhat`, `ubi`,
/// `amazonlinux`, `rockylinux` accepted) whose version is `version`, a prefix of it on a `.` or
/// `-` boundary (`3.12.4` finds alpine `3.12`; `10.13` finds debian `10`), or whose codename it is
/// (`bookworm`).
pub fn lookup(product: &str, version: &str) -> Option<&'static Release> {
    let product = product.trim().to_ascii_lowercase();
    let product = match product.as_str() {
        "redhat" | "ubi" | "ubi8" | "ubi9" => "rhel",
        "amazonlinux" | "amazon" => "amzn",
        "rockylinux" => "rocky",
        p => p,
    };
    let version = version.trim().trim_matches('"').to_ascii_lowercase();
    if version.is_empty() {
        return None;
    }
    releases()
        .iter()
        .filter(|r| r.product == product)
        .filter(|r| {
            version == r.version
                || r.codename.as_deref() == Some(version.as_str())
                || version
                    .strip_prefix(r.version.as_str())
                    .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('-'))
        })
        .max_by_key(|r| r.version.len())
}

/// The release with this codename (`buster`, `focal`).
pub fn lookup_codename(codename: &str) -> Option<&'static Release> {
    releases()
        .iter()
        .find(|r| r.codename.as_deref() == Some(codename))
}

/// Products named by official image names (`python`, `docker.io/library/python`).
fn product_of_image(name: &str) -> Option<&'static str> {
    let name = name.to_ascii_lowercase();
    let image = crate::imageref::ImageRef::parse(&name).ok()?;
    Some(match image.familiar_name().as_ref() {
        "debian" => "debian",
        "ubuntu" => "ubuntu",
        "alpine" => "alpine",
        "centos" | "quay.io/centos/centos" => "centos",
        "amazonlinux" => "amzn",
        "fedora" => "fedora",
        "python" => "python",
        "node" => "node",
        "ruby" => "ruby",
        "php" => "php",
        "golang" => "golang",
        "postgres" => "postgres",
        "mysql" => "mysql",
        "mariadb" => "mariadb",
        "mongo" => "mongo",
        "tomcat" => "tomcat",
        "eclipse-temurin" | "openjdk" | "amazoncorretto" | "sapmachine" => "java",
        "mcr.microsoft.com/dotnet/runtime"
        | "mcr.microsoft.com/dotnet/aspnet"
        | "mcr.microsoft.com/dotnet/sdk"
        | "mcr.microsoft.com/dotnet/runtime-deps"
        | "mcr.microsoft.com/dotnet/core/runtime"
        | "mcr.microsoft.com/dotnet/core/aspnet"
        | "mcr.microsoft.com/dotnet/core/sdk"
        | "mcr.microsoft.com/dotnet/core/runtime-deps"
        | "microsoft/dotnet"
        | "microsoft/aspnetcore"
        | "microsoft/aspnetcore-build" => "dotnet",
        _ => return None,
    })
}

/// The releases an image reference's tag names: its own version (`python:3.8`) and the OS its
/// variant names (`-buster`, `-alpine3.12`). Floating tags (`python:3`, `latest`) name none.
pub fn from_image(name: &str, tag: &str) -> Vec<&'static Release> {
    let mut out = Vec::new();
    let mut parts = tag.split('-');
    let first = parts.next().unwrap_or("");
    if let Some(product) = product_of_image(name) {
        let version = match product {
            "centos" => first.strip_prefix("centos").unwrap_or(first),
            _ => first,
        };
        if let Some(r) = lookup(product, version) {
            out.push(r);
        } else if let Some(r) = lookup_codename(version) {
            if r.product == product {
                out.push(r);
            }
        }
    }
    for part in tag.split('-').skip(1) {
        if let Some(r) = lookup_codename(part) {
            out.push(r);
        } else if let Some(v) = part.strip_prefix("alpine") {
            if let Some(r) = lookup("alpine", v) {
                out.push(r);
            }
        }
    }
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> jiff::civil::Date {
        s.parse().unwrap()
    }

    #[test]
    fn data_loads_completely() {
        let text = include_str!("../data/eol.toml");
        let entries = text.matches("[[release]]").count();
        assert_eq!(releases().len(), entries, "every entry parses");
        assert!(entries > 50);
    }

    #[test]
    fn lookups() {
        assert_eq!(lookup("alpine", "3.12.4").unwrap().version, "3.12");
        assert_eq!(
            lookup("debian", "10").unwrap().codename.as_deref(),
            Some("buster")
        );
        assert!(lookup("python", "3").is_none());
        assert!(
            lookup("python", "3.1").is_none(),
            "3.1 is not a prefix of 3.10"
        );
        assert_eq!(lookup("python", "3.10.2").unwrap().version, "3.10");
        assert_eq!(lookup_codename("bionic").unwrap().version, "18.04");
        assert_eq!(lookup("debian", "bookworm").unwrap().version, "12");
        assert_eq!(lookup("ubi", "9.4").unwrap().product, "rhel");
        assert_eq!(
            lookup("ubuntu", "22.04").unwrap().codename.as_deref(),
            Some("jammy")
        );
    }

    #[test]
    fn statuses() {
        let deb12 = lookup("debian", "12").unwrap();
        assert_eq!(deb12.status(d("2026-01-01")), EolStatus::Supported);
        assert_eq!(deb12.status(d("2026-04-01")), EolStatus::EndingSoon);
        assert_eq!(deb12.status(d("2026-11-23")), EolStatus::ExtendedOnly);
        assert!(!deb12.is_eol(d("2026-11-23")));
        assert_eq!(deb12.status(d("2028-07-01")), EolStatus::EndOfLife);
        assert!(deb12.is_eol(d("2028-07-01")));
        assert_eq!(deb12.label(), "debian 12 (bookworm)");
    }

    #[test]
    fn dotnet_images() {
        let today = d("2026-12-05");
        for (image, tag, eol) in [
            ("mcr.microsoft.com/dotnet/runtime", "7.0", true),
            ("mcr.microsoft.com/dotnet/aspnet", "5.0", true),
            ("mcr.microsoft.com/dotnet/aspnet", "6.0-alpine", true),
            ("mcr.microsoft.com/dotnet/core/sdk", "3.1", true),
            ("mcr.microsoft.com/dotnet/sdk", "8.0-bookworm-slim", true),
            ("mcr.microsoft.com/dotnet/aspnet", "10.0", false),
        ] {
            let r = from_image(image, tag);
            let dotnet = r
                .iter()
                .find(|r| r.product == "dotnet")
                .unwrap_or_else(|| panic!("{image}:{tag}"));
            assert_eq!(dotnet.is_eol(today), eol, "{image}:{tag}");
        }
        assert_eq!(
            from_image("mcr.microsoft.com/dotnet/runtime", "7.0")[0].display_name(),
            ".NET 7.0"
        );
    }

    #[test]
    fn more_runtimes() {
        let today = d("2026-12-05");
        for (image, tag, label, eol) in [
            ("eclipse-temurin", "20-jre", "Java 20", true),
            ("openjdk", "16-jdk-slim", "Java 16", true),
            ("amazoncorretto", "24", "Java 24", true),
            ("mariadb", "10.5", "MariaDB 10.5", true),
            ("mariadb", "10.11.6-jammy", "MariaDB 10.11", false),
            ("mongo", "4.4", "MongoDB 4.4", true),
            ("tomcat", "8.5-jdk11", "Apache Tomcat 8.5", true),
            ("postgres", "10-alpine", "PostgreSQL 10", true),
            ("postgres", "17", "PostgreSQL 17", false),
            ("php", "7.1-fpm", "PHP 7.1", true),
            ("node", "15-alpine", "Node.js 15", true),
            ("mysql", "8.4", "MySQL 8.4", false),
        ] {
            let r = from_image(image, tag);
            let first = r.first().unwrap_or_else(|| panic!("{image}:{tag}"));
            assert_eq!(first.display_name(), label, "{image}:{tag}");
            assert_eq!(first.is_eol(today), eol, "{image}:{tag}");
        }
        // long-term-support Java releases have vendor-specific dates: not guessed
        assert!(from_image("eclipse-temurin", "21-jre").is_empty());
    }

    #[test]
    fn images() {
        let today = d("2026-11-23");
        let r = from_image("python", "3.8-slim-buster");
        let names: Vec<String> = r.iter().map(|r| r.display_name()).collect();
        assert_eq!(names, vec!["Python 3.8", "Debian 10 (buster)"]);
        assert!(r.iter().all(|r| r.is_eol(today)));
        assert_eq!(from_image("centos", "7")[0].version, "7");
        assert_eq!(from_image("centos", "centos7")[0].version, "7");
        assert_eq!(from_image("node", "14-alpine3.12").len(), 2);
        assert!(from_image("node", "22-alpine")
            .iter()
            .all(|r| !r.is_eol(today)));
        assert!(from_image("debian", "bookworm-slim")
            .iter()
            .all(|r| !r.is_eol(today)));
        assert!(from_image("python", "3").is_empty());
        assert!(from_image("nginx", "1.25").is_empty());
        assert_eq!(
            from_image("docker.io/library/ubuntu", "18.04")[0].version,
            "18.04"
        );
    }
}
