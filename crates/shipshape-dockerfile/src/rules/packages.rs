//! Package-manager commands in RUN scripts, recognised once for every rule that cares (what is
//! installed, whether versions are pinned, whether caches are cleaned, whether it is
//! non-interactive).

use crate::ast::Word;
use crate::shell::SimpleCommand;

/// A package manager.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Manager {
    AptGet,
    Apt,
    Aptitude,
    Apk,
    Yum,
    Dnf,
    Microdnf,
    Zypper,
    Pip,
    Npm,
    Yarn,
    Pnpm,
    Gem,
}

impl Manager {
    /// The command name.
    pub fn name(self) -> &'static str {
        match self {
            Manager::AptGet => "apt-get",
            Manager::Apt => "apt",
            Manager::Aptitude => "aptitude",
            Manager::Apk => "apk",
            Manager::Yum => "yum",
            Manager::Dnf => "dnf",
            Manager::Microdnf => "microdnf",
            Manager::Zypper => "zypper",
            Manager::Pip => "pip",
            Manager::Npm => "npm",
            Manager::Yarn => "yarn",
            Manager::Pnpm => "pnpm",
            Manager::Gem => "gem",
        }
    }

    /// Whether it installs operating-system packages (as opposed to language packages).
    pub fn is_os(self) -> bool {
        !matches!(
            self,
            Manager::Pip | Manager::Npm | Manager::Yarn | Manager::Pnpm | Manager::Gem
        )
    }
}

/// What a package-manager command does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Install,
    Update,
    Upgrade,
    Remove,
    Clean,
    Other,
}

/// A recognised package-manager invocation.
#[derive(Debug, Clone)]
pub struct PackageCommand<'a> {
    pub manager: Manager,
    pub action: Action,
    /// The subcommand word (`install`, `add`, …), if any.
    pub subcommand: Option<&'a Word>,
    /// Package arguments (operands that are not options), for install/remove.
    pub packages: Vec<&'a Word>,
    /// Every option argument (`-y`, `--no-install-recommends`, `--no-cache-dir`, …).
    pub options: Vec<&'a Word>,
    pub command: &'a SimpleCommand,
}

impl<'a> PackageCommand<'a> {
    /// Whether an option is present (`-y`, `--yes`, `-qy`, `--assume-yes`, `--opt=value`).
    pub fn has_option(&self, short: Option<char>, long: &[&str]) -> bool {
        long.iter().any(|l| self.command.has_option(None, Some(l)))
            || short.is_some_and(|s| self.command.has_option(Some(s), None))
    }
}

/// Options that take a value as the next word, per manager (so the value is not a package).
fn option_takes_value(manager: Manager, opt: &str) -> bool {
    let with_value: &[&str] = match manager {
        Manager::AptGet | Manager::Apt | Manager::Aptitude => {
            &["-o", "-c", "-t", "--target-release", "--option"]
        }
        Manager::Apk => &[
            "-X",
            "--repository",
            "--virtual",
            "-t",
            "--root",
            "-p",
            "--arch",
        ],
        Manager::Yum | Manager::Dnf | Manager::Microdnf => &[
            "--enablerepo",
            "--disablerepo",
            "--setopt",
            "--installroot",
            "--releasever",
            "-c",
            "--repo",
        ],
        Manager::Zypper => &["-r", "--repo", "--from"],
        Manager::Pip => &[
            "-r",
            "--requirement",
            "-c",
            "--constraint",
            "-i",
            "--index-url",
            "--extra-index-url",
            "-t",
            "--target",
            "--prefix",
            "--root",
            "-f",
            "--find-links",
            "--trusted-host",
            "--src",
            "-e",
            "--editable",
        ],
        Manager::Npm | Manager::Pnpm => &["--prefix", "--registry", "--cache", "-w", "--workspace"],
        Manager::Yarn => &["--cwd", "--registry", "--cache-folder", "--modules-folder"],
        Manager::Gem => &[
            "-v",
            "--version",
            "-i",
            "--install-dir",
            "-n",
            "--bindir",
            "--source",
        ],
    };
    with_value.contains(&opt)
}

/// Recognises a package-manager command (through wrappers like `sudo`), `python -m pip` included.
pub fn parse(cmd: &SimpleCommand) -> Option<PackageCommand<'_>> {
    let base = cmd.base_name();
    let mut args: &[Word] = &cmd.args;
    let manager = match base {
        "apt-get" => Manager::AptGet,
        "apt" => Manager::Apt,
        "aptitude" => Manager::Aptitude,
        "apk" => Manager::Apk,
        "yum" => Manager::Yum,
        "dnf" | "dnf5" => Manager::Dnf,
        "microdnf" => Manager::Microdnf,
        "zypper" => Manager::Zypper,
        "npm" => Manager::Npm,
        "yarn" => Manager::Yarn,
        "pnpm" => Manager::Pnpm,
        "gem" => Manager::Gem,
        b if b == "pip"
            || b == "pip3"
            || (b.starts_with("pip3.") && b[5..].bytes().all(|c| c.is_ascii_digit())) =>
        {
            Manager::Pip
        }
        b if b == "python" || b.starts_with("python3") || b == "python2" => {
            // python -m pip ...
            let pos = args.iter().position(|a| a.value == "-m")?;
            let module = args.get(pos + 1)?;
            if module.value != "pip" && module.value != "pip3" {
                return None;
            }
            args = &args[pos + 2..];
            Manager::Pip
        }
        _ => return None,
    };
    // The subcommand is the first operand (skipping options and their values).
    let mut sub_idx = None;
    let mut i = 0;
    while i < args.len() {
        let v = args[i].value.as_str();
        if v.starts_with('-') {
            if !v.contains('=') && option_takes_value(manager, v) {
                i += 1;
            }
        } else {
            sub_idx = Some(i);
            break;
        }
        i += 1;
    }
    let subcommand = sub_idx.map(|i| &args[i]);
    let action = match subcommand.map(|w| w.value.as_str()) {
        Some("install" | "add" | "i" | "in" | "reinstall") => Action::Install,
        Some("update" | "makecache" | "refresh" | "ref") => match manager {
            // `yum update` / `dnf update` upgrade packages; apt/apk/zypper `update` refreshes indexes.
            Manager::Yum | Manager::Dnf | Manager::Microdnf => Action::Upgrade,
            _ => Action::Update,
        },
        Some("upgrade" | "dist-upgrade" | "full-upgrade" | "dup" | "up" | "distro-sync") => {
            Action::Upgrade
        }
        Some("remove" | "purge" | "del" | "erase" | "autoremove" | "uninstall" | "rm") => {
            Action::Remove
        }
        Some("clean" | "autoclean" | "cache") => Action::Clean,
        Some("ci") if manager == Manager::Npm => Action::Install,
        // A bare `yarn` installs, unless it only asks for its version or help.
        None if manager == Manager::Yarn => {
            let informational = args.iter().any(|a| {
                matches!(
                    a.value.as_str(),
                    "--version" | "-v" | "-V" | "--help" | "-h"
                )
            });
            if informational {
                Action::Other
            } else {
                Action::Install
            }
        }
        _ => Action::Other,
    };
    let mut packages = Vec::new();
    let mut options = Vec::new();
    let start = sub_idx.map_or(args.len(), |i| i + 1);
    for a in &args[..sub_idx.unwrap_or(args.len())] {
        if a.value.starts_with('-') {
            options.push(a);
        }
    }
    let mut j = start;
    while j < args.len() {
        let a = &args[j];
        let v = a.value.as_str();
        if v.starts_with('-') {
            options.push(a);
            if !v.contains('=') && option_takes_value(manager, v) {
                j += 1;
            }
        } else if matches!(action, Action::Install | Action::Remove) {
            packages.push(a);
        }
        j += 1;
    }
    Some(PackageCommand {
        manager,
        action,
        subcommand,
        packages,
        options,
        command: cmd,
    })
}

/// The package name without version or release qualifiers (`curl=7.88*` → `curl`,
/// `py3-pip~=23` → `py3-pip`, `flask==3.0` → `flask`, `lodash@4` → `lodash`).
pub fn package_name(manager: Manager, spec: &str) -> String {
    let cut = match manager {
        Manager::Pip => spec.find(['=', '<', '>', '!', '~', '[', ';', '@']),
        Manager::Npm | Manager::Yarn | Manager::Pnpm => {
            // scoped packages start with '@'
            spec.char_indices()
                .skip(1)
                .find(|(_, c)| *c == '@')
                .map(|(i, _)| i)
        }
        Manager::Gem => spec.find(':'),
        Manager::Apk => spec.find(['=', '~', '<', '>']),
        Manager::Yum | Manager::Dnf | Manager::Microdnf | Manager::Zypper => {
            // name-version: versions start with a digit after '-'
            spec.char_indices()
                .find(|(i, c)| *c == '-' && spec[i + 1..].starts_with(|d: char| d.is_ascii_digit()))
                .map(|(i, _)| i)
                .or_else(|| spec.find(['=', '<', '>']))
        }
        _ => spec.find(['=', ':']),
    };
    spec[..cut.unwrap_or(spec.len())].to_ascii_lowercase()
}

// ---- Build-practice helpers (rules/practice): version pinning and cache locations. ----

/// Whether an install operand is pinned to a version, for `manager`. `None` when the operand
/// is not a registry package name the question applies to (a local file, a URL, a path, a
/// requirements file, a value only known at build time).
pub fn is_pinned(manager: Manager, spec: &str) -> Option<bool> {
    if spec.is_empty()
        || spec.contains('$')
        || spec.contains('`')
        || spec.starts_with(['.', '/', '~'])
        || spec.contains("://")
    {
        return None;
    }
    let lower = spec.to_ascii_lowercase();
    let file_ext = [
        ".deb", ".rpm", ".apk", ".whl", ".tar.gz", ".tgz", ".zip", ".gem", ".tar.bz2",
    ];
    if file_ext.iter().any(|e| lower.ends_with(e)) {
        return None;
    }
    Some(match manager {
        Manager::AptGet | Manager::Apt | Manager::Aptitude => {
            if spec.ends_with('-') || spec.ends_with('+') {
                return None; // `pkg-` removes, `pkg+` installs: not a plain install
            }
            spec.contains('=')
        }
        Manager::Apk => spec.contains(['=', '~', '<', '>']),
        Manager::Yum | Manager::Dnf | Manager::Microdnf | Manager::Zypper => {
            if spec.starts_with('@') {
                return None; // package groups and modules
            }
            spec.contains(['=', '<', '>'])
                || spec.char_indices().any(|(i, c)| {
                    c == '-' && spec[i + 1..].starts_with(|d: char| d.is_ascii_digit())
                })
        }
        Manager::Pip => {
            if spec.starts_with('-') {
                return None;
            }
            // Any version specifier or a direct reference (`name @ url`).
            spec.contains(['=', '<', '>', '@'])
        }
        Manager::Npm | Manager::Yarn | Manager::Pnpm => {
            if spec.contains(':') || spec.contains('#') {
                return None; // git:, github:, file:, npm: aliases, commit refs
            }
            let version = spec
                .char_indices()
                .skip(1)
                .find(|(_, c)| *c == '@')
                .map(|(i, _)| &spec[i + 1..]);
            match version {
                // A dist-tag (`latest`, `next`, `beta`) is not a pin.
                Some(v) => v.starts_with(|c: char| {
                    c.is_ascii_digit() || matches!(c, '^' | '~' | '<' | '>' | '=' | 'v')
                }),
                None => false,
            }
        }
        Manager::Gem => spec.contains(':'),
    })
}

/// Where a package manager keeps its download cache and indexes inside the image.
pub fn cache_dirs(manager: Manager) -> &'static [&'static str] {
    match manager {
        Manager::AptGet | Manager::Apt | Manager::Aptitude => {
            &["/var/lib/apt/lists", "/var/cache/apt"]
        }
        Manager::Apk => &["/var/cache/apk", "/etc/apk/cache"],
        Manager::Yum => &["/var/cache/yum"],
        Manager::Dnf | Manager::Microdnf => &["/var/cache/dnf", "/var/cache/yum"],
        Manager::Zypper => &["/var/cache/zypp"],
        Manager::Pip => &["/root/.cache/pip", "/root/.cache"],
        Manager::Npm => &["/root/.npm"],
        Manager::Yarn => &[
            "/usr/local/share/.cache/yarn",
            "/root/.cache/yarn",
            "/root/.yarn/berry/cache",
        ],
        Manager::Pnpm => &["/root/.local/share/pnpm/store", "/pnpm/store"],
        Manager::Gem => &["/root/.gem", "/usr/local/bundle/cache"],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shell::split;

    fn first(script: &str) -> (Manager, Action, Vec<String>, Vec<String>) {
        let cmds = split(script);
        let pc = cmds.iter().find_map(parse).expect("a package command");
        (
            pc.manager,
            pc.action,
            pc.packages.iter().map(|w| w.value.clone()).collect(),
            pc.options.iter().map(|w| w.value.clone()).collect(),
        )
    }

    #[test]
    fn recognises_managers() {
        let (m, a, p, o) = first("apt-get -o Dpkg::Options::=x install -y --no-install-recommends curl=7.88 ca-certificates");
        assert_eq!((m, a), (Manager::AptGet, Action::Install));
        assert_eq!(p, vec!["curl=7.88", "ca-certificates"]);
        assert!(o.contains(&"-y".to_string()));
        let (m, a, p, _) = first("sudo apk add --no-cache --virtual .build-deps gcc musl-dev");
        assert_eq!((m, a), (Manager::Apk, Action::Install));
        assert_eq!(p, vec!["gcc", "musl-dev"]);
        let (m, a, p, _) =
            first("python3 -m pip install --no-cache-dir -r requirements.txt flask==3.0");
        assert_eq!((m, a), (Manager::Pip, Action::Install));
        assert_eq!(p, vec!["flask==3.0"]);
        let (m, a, _, _) = first("yum -y update");
        assert_eq!((m, a), (Manager::Yum, Action::Upgrade));
        let (m, a, _, _) = first("apt-get update");
        assert_eq!((m, a), (Manager::AptGet, Action::Update));
        assert!(split("echo apt-get install")
            .iter()
            .find_map(parse)
            .is_none());
    }

    #[test]
    fn names() {
        assert_eq!(package_name(Manager::AptGet, "curl=7.88*"), "curl");
        assert_eq!(package_name(Manager::Pip, "Flask[async]>=3"), "flask");
        assert_eq!(package_name(Manager::Npm, "@types/node@20"), "@types/node");
        assert_eq!(package_name(Manager::Yum, "httpd-2.4.6"), "httpd");
        assert_eq!(package_name(Manager::Yum, "python3-devel"), "python3-devel");
        assert_eq!(package_name(Manager::Apk, "py3-pip~=23"), "py3-pip");
    }
}

#[cfg(test)]
mod practice_tests {
    use super::*;

    #[test]
    fn pinning() {
        use Manager::*;
        assert_eq!(is_pinned(AptGet, "curl=7.88.1-10"), Some(true));
        assert_eq!(is_pinned(AptGet, "curl"), Some(false));
        assert_eq!(is_pinned(AptGet, "./local.deb"), None);
        assert_eq!(is_pinned(AptGet, "$PKGS"), None);
        assert_eq!(is_pinned(Apk, "curl~8"), Some(true));
        assert_eq!(is_pinned(Apk, "curl"), Some(false));
        assert_eq!(is_pinned(Pip, "flask==3.0.3"), Some(true));
        assert_eq!(is_pinned(Pip, "flask>=3"), Some(true));
        assert_eq!(is_pinned(Pip, "flask"), Some(false));
        assert_eq!(is_pinned(Pip, "git+https://github.com/x/y"), None);
        assert_eq!(is_pinned(Pip, "dist/app-1.0-py3-none-any.whl"), None);
        assert_eq!(is_pinned(Npm, "@types/node@20.1.0"), Some(true));
        assert_eq!(is_pinned(Npm, "@types/node"), Some(false));
        assert_eq!(is_pinned(Npm, "lodash@latest"), Some(false));
        assert_eq!(is_pinned(Npm, "github:user/repo"), None);
        assert_eq!(is_pinned(Yum, "httpd-2.4.6"), Some(true));
        assert_eq!(is_pinned(Yum, "python3-devel"), Some(false));
        assert_eq!(is_pinned(Dnf, "@development-tools"), None);
        assert_eq!(is_pinned(Gem, "rails:7.1.0"), Some(true));
        assert_eq!(is_pinned(Gem, "rails"), Some(false));
    }

    #[test]
    fn caches() {
        assert!(cache_dirs(Manager::AptGet).contains(&"/var/lib/apt/lists"));
        assert!(cache_dirs(Manager::Pip).contains(&"/root/.cache/pip"));
    }
}
