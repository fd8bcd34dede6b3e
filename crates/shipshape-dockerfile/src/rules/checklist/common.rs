//! Helpers shared by the checklist rules: file modes, whole build-context copies, and the tools a
//! stage installs. (Secret-looking names, values and files are the secrets crate's classifier.)

use crate::ast::Word;
use crate::rules::packages::{self, Action, Manager};
use crate::rules::Context;
use crate::shell::SimpleCommand;
use crate::stages::Stage;
use crate::{Instruction, InstructionKind};
use shipshape_core::{Fix, FixApplicability, Severity};

/// A fix given as advice only.
pub fn advice(description: impl Into<String>) -> Fix {
    Fix {
        description: description.into(),
        applicability: FixApplicability::DisplayOnly,
        edits: Vec::new(),
    }
}

/// `final_severity` when instruction `index` ends up in the final image, else `other`.
pub fn stage_severity(
    ctx: &Context<'_>,
    index: usize,
    final_severity: Severity,
    other: Severity,
) -> Severity {
    if ctx.in_final_image(index) {
        final_severity
    } else {
        other
    }
}

// ---------------------------------------------------------------------------------------------
// File modes

/// A mode given to `chmod`, `install -m`, `mkdir -m` or `--chmod`.
pub struct ModeChange {
    /// Sets the setuid bit.
    pub setuid: bool,
    /// Sets the setgid bit.
    pub setgid: bool,
    /// Makes the target writable by others.
    pub world_writable: bool,
    /// Sets the sticky bit.
    pub sticky: bool,
}

/// Interprets an octal (`4755`, `0777`) or symbolic (`u+s`, `a+w,o-x`) mode. `None` when the mode
/// is not literal.
/// The `--chmod` of a COPY/ADD that ends up in the final image, with its parsed mode and the
/// instruction's payload (for the destination).
pub fn final_copy_chmod<'a>(
    ctx: &crate::rules::Context<'_>,
    index: usize,
    instr: &'a crate::Instruction,
) -> Option<(&'a crate::CopyInstr, &'a crate::Word, ModeChange)> {
    let (crate::InstructionKind::Copy(c) | crate::InstructionKind::Add(c)) = &instr.kind else {
        return None;
    };
    let chmod = c.chmod.as_ref()?;
    if !ctx.in_final_image(index) {
        return None;
    }
    let mode = parse_mode(&chmod.value)?;
    Some((c, chmod, mode))
}

pub fn parse_mode(mode: &str) -> Option<ModeChange> {
    if mode.is_empty() || mode.contains('$') {
        return None;
    }
    if mode.bytes().all(|c| (b'0'..=b'7').contains(&c)) {
        if mode.len() > 5 {
            return None;
        }
        let bits = u32::from_str_radix(mode, 8).ok()?;
        return Some(ModeChange {
            setuid: bits & 0o4000 != 0,
            setgid: bits & 0o2000 != 0,
            world_writable: bits & 0o002 != 0,
            sticky: bits & 0o1000 != 0,
        });
    }
    let mut out = ModeChange {
        setuid: false,
        setgid: false,
        world_writable: false,
        sticky: false,
    };
    for clause in mode.split(',') {
        let op_at = clause.find(['+', '-', '='])?;
        let who = &clause[..op_at];
        if !who.bytes().all(|c| b"ugoa".contains(&c)) {
            return None;
        }
        // A clause may hold several operations: `u+s-x`.
        let mut op = ' ';
        for c in clause[op_at..].chars() {
            match c {
                '+' | '-' | '=' => op = c,
                'r' | 'w' | 'x' | 'X' | 's' | 't' | 'u' | 'g' | 'o' => {
                    if op == '-' {
                        continue;
                    }
                    let all = who.is_empty() || who.contains('a');
                    match c {
                        's' => {
                            out.setuid |= all || who.contains('u');
                            out.setgid |= all || who.contains('g');
                        }
                        // With no `who`, the umask protects others from `+w`.
                        'w' => out.world_writable |= who.contains('a') || who.contains('o'),
                        't' => out.sticky = true,
                        _ => {}
                    }
                }
                _ => return None,
            }
        }
    }
    Some(out)
}

/// Whether a mode-setting command certainly works on directories (`mkdir`, `install -d`).
pub fn sets_directory_mode(cmd: &SimpleCommand) -> bool {
    match cmd.base_name() {
        "mkdir" => true,
        "install" => cmd.has_option(Some('d'), Some("directory")),
        _ => false,
    }
}

/// The mode word and target words of a command that sets a file mode: `chmod MODE FILE…`,
/// `install -m MODE …`, `mkdir -m MODE DIR…`.
pub fn mode_of_command(cmd: &SimpleCommand) -> Option<(&Word, Vec<&Word>)> {
    match cmd.base_name() {
        "chmod" => {
            let mut mode = None;
            let mut targets = Vec::new();
            for a in &cmd.args {
                let v = a.value.as_str();
                if mode.is_none() {
                    if v.starts_with("--") {
                        if v.starts_with("--reference") {
                            return None;
                        }
                        continue;
                    }
                    // `-R`, `-v`, `-f`… (a mode like `-w` removes a permission: not interesting)
                    if v.starts_with('-') && v[1..].bytes().all(|c| b"RvfcH".contains(&c)) {
                        continue;
                    }
                    mode = Some(a);
                } else {
                    targets.push(a);
                }
            }
            mode.map(|m| (m, targets))
        }
        "install" | "mkdir" => {
            let mut i = 0;
            let mut mode = None;
            let mut targets = Vec::new();
            while i < cmd.args.len() {
                let a = &cmd.args[i];
                let v = a.value.as_str();
                if v == "-m" || v == "--mode" {
                    mode = cmd.args.get(i + 1);
                    i += 2;
                    continue;
                }
                // options of `install` that take a value
                if matches!(
                    v,
                    "-o" | "--owner"
                        | "-g"
                        | "--group"
                        | "-t"
                        | "--target-directory"
                        | "-S"
                        | "--suffix"
                        | "-Z"
                        | "--context"
                ) {
                    i += 2;
                    continue;
                }
                if let Some(rest) = v.strip_prefix("--mode=") {
                    let _ = rest;
                    mode = Some(a);
                } else if !v.starts_with('-') {
                    targets.push(a);
                }
                i += 1;
            }
            mode.map(|m| (m, targets))
        }
        _ => None,
    }
}

/// How a mode-setting command is named in messages: `chmod`, `mkdir -m`, `install -m`.
pub fn command_label(cmd: &SimpleCommand) -> String {
    match cmd.base_name() {
        "chmod" => "chmod".to_string(),
        other => format!("{other} -m"),
    }
}

/// The value of a mode word (`--mode=4755` → `4755`).
/// A mode-setting command (`chmod`, `install -m`, …) with its mode word, the mode text, the
/// parsed mode and its targets, when the mode is a literal.
pub fn command_mode(cmd: &SimpleCommand) -> Option<(&Word, &str, ModeChange, Vec<&Word>)> {
    let (mode_word, targets) = mode_of_command(cmd)?;
    let value = mode_value(mode_word);
    let mode = parse_mode(value)?;
    Some((mode_word, value, mode, targets))
}

pub fn mode_value(word: &Word) -> &str {
    word.value
        .strip_prefix("--mode=")
        .unwrap_or(word.value.as_str())
}

// ---------------------------------------------------------------------------------------------
// Build context

/// Whether a COPY/ADD source sends the whole build context: `.`, `./`, `*`, `/`, `./*`, `./.`.
pub fn is_whole_context(source: &str) -> bool {
    let s = source.trim();
    matches!(
        s,
        "." | "./" | "*" | "/" | "./*" | "./." | "./*.*" | "*.*" | ".//"
    )
}

/// The COPY / ADD sources of an instruction that come from the build context (not `--from`, not
/// heredocs, not URLs).
pub fn context_sources(instr: &Instruction) -> Vec<&Word> {
    let copy = match &instr.kind {
        InstructionKind::Copy(c) | InstructionKind::Add(c) => c,
        _ => return Vec::new(),
    };
    if copy.from.is_some() {
        return Vec::new();
    }
    copy.sources
        .iter()
        .filter(|s| s.heredoc.is_none())
        .map(|s| &s.word)
        .filter(|w| !w.value.contains("://") && !w.value.starts_with("git@"))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Tools installed in an image

/// What kind of tool a package is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToolKind {
    /// Compilers, build systems, headers, VCS.
    Build,
    /// Downloaders, remote shells, scanners.
    Network,
    /// Debuggers and tracers.
    Debugger,
}

impl ToolKind {
    pub fn describe(self) -> &'static str {
        match self {
            ToolKind::Build => "build tool",
            ToolKind::Network => "network tool",
            ToolKind::Debugger => "debugger",
        }
    }
}

/// Classifies an operating-system package name.
pub fn tool_kind(name: &str) -> Option<ToolKind> {
    const NETWORK: &[&str] = &[
        "curl",
        "wget",
        "netcat",
        "netcat-openbsd",
        "netcat-traditional",
        "nc",
        "ncat",
        "nmap",
        "nmap-ncat",
        "socat",
        "telnet",
        "telnetd",
        "inetutils-telnet",
        "openssh-client",
        "openssh-clients",
        "openssh-server",
        "openssh",
        "ssh",
        "dropbear",
        "ftp",
        "lftp",
        "tcpdump",
    ];
    const DEBUG: &[&str] = &["gdb", "strace", "ltrace", "valgrind", "gdbserver"];
    const BUILD: &[&str] = &[
        "gcc",
        "g++",
        "gcc-c++",
        "clang",
        "llvm",
        "make",
        "cmake",
        "ninja-build",
        "build-essential",
        "build-base",
        "musl-dev",
        "libc-dev",
        "libc6-dev",
        "glibc-devel",
        "autoconf",
        "automake",
        "libtool",
        "pkg-config",
        "pkgconf",
        "pkgconfig",
        "git",
        "golang",
        "golang-go",
        "go",
        "rustc",
        "cargo",
        "maven",
        "gradle",
        "default-jdk",
        "bison",
        "flex",
    ];
    let n = name.trim();
    if NETWORK.contains(&n) {
        return Some(ToolKind::Network);
    }
    if DEBUG.contains(&n) {
        return Some(ToolKind::Debugger);
    }
    if BUILD.contains(&n)
        || n.ends_with("-dev")
        || n.ends_with("-devel")
        || ((n.starts_with("gcc-") || n.starts_with("g++-") || n.starts_with("clang-"))
            && n[n.find('-').map_or(0, |i| i + 1)..]
                .bytes()
                .all(|c| c.is_ascii_digit() || c == b'.'))
        || (n.starts_with("openjdk-") && n.contains("-jdk"))
    {
        return Some(ToolKind::Build);
    }
    None
}

/// An operating-system package installed by a RUN and still present afterwards.
pub struct Installed<'a> {
    /// The package word as written (`gcc=4:12.2*`).
    pub word: &'a Word,
    /// The bare package name (`gcc`).
    pub name: String,
    /// `apk add --virtual NAME`: the group it can be removed by.
    pub virtual_group: Option<String>,
}

/// Whether a RUN removes everything it installed with the Debian official-image idiom
/// `apt-mark auto '.*'` … `apt-get purge --auto-remove` (or `autoremove`).
fn marks_all_auto_then_purges(cmds: &[SimpleCommand]) -> bool {
    let marks = cmds
        .iter()
        .any(|c| c.base_name() == "apt-mark" && c.arg_values().next() == Some("auto"));
    let purges = cmds.iter().filter_map(packages::parse).any(|p| {
        p.action == Action::Remove
            && (p.subcommand.is_some_and(|s| s.value == "autoremove")
                || p.has_option(None, &["auto-remove", "autoremove"]))
    });
    marks && purges
}

fn apk_virtual(cmd: &SimpleCommand) -> Option<String> {
    let pos = cmd
        .args
        .iter()
        .position(|a| a.value == "--virtual" || a.value == "-t")?;
    cmd.args.get(pos + 1).map(|w| w.value.to_ascii_lowercase())
}

/// Operating-system packages installed by the RUNs of `stages` (base first) and not removed
/// later in them.
pub fn installed_packages<'a>(ctx: &Context<'a>, stages: &[&'a Stage]) -> Vec<Installed<'a>> {
    let mut out: Vec<Installed<'a>> = Vec::new();
    for stage in stages {
        for (index, instr) in ctx.stage_instructions(stage) {
            if !matches!(instr.kind, InstructionKind::Run(_)) {
                continue;
            }
            let Some(cmds) = ctx.commands.get(index) else {
                continue;
            };
            let first_new = out.len();
            for cmd in cmds {
                let Some(pc) = packages::parse(cmd) else {
                    continue;
                };
                if !pc.manager.is_os() {
                    continue;
                }
                match pc.action {
                    Action::Install => {
                        let group = if pc.manager == Manager::Apk {
                            apk_virtual(cmd)
                        } else {
                            None
                        };
                        for w in &pc.packages {
                            if w.has_expansion() {
                                continue;
                            }
                            out.push(Installed {
                                word: w,
                                name: packages::package_name(pc.manager, &w.value),
                                virtual_group: group.clone(),
                            });
                        }
                    }
                    Action::Remove => {
                        let names: Vec<String> = pc
                            .packages
                            .iter()
                            .map(|w| packages::package_name(pc.manager, &w.value))
                            .collect();
                        out.retain(|p| {
                            !names.iter().any(|n| {
                                *n == p.name
                                    || p.virtual_group.as_deref() == Some(n.as_str())
                                    || (n.ends_with('*')
                                        && p.name.starts_with(n.trim_end_matches('*')))
                            })
                        });
                    }
                    _ => {}
                }
            }
            if marks_all_auto_then_purges(cmds) {
                out.truncate(first_new);
            }
        }
    }
    out
}

/// Whether the final image is a toolbox or development image rather than a service: its command
/// is an interactive shell (`CMD ["bash"]`), or it sets no command at all and its base is an
/// operating-system, language or toolchain image, whose default command is a shell or a REPL.
/// Tools are the point of such images.
pub fn is_interactive_image(ctx: &Context<'_>) -> bool {
    let chain = ctx.final_chain();
    let mut entrypoint = None;
    let mut cmd = None;
    for stage in &chain {
        for (_, instr) in ctx.stage_instructions(stage) {
            match &instr.kind {
                InstructionKind::Entrypoint(_) => entrypoint = Some(instr),
                InstructionKind::Cmd(_) => cmd = Some(instr),
                _ => {}
            }
        }
        if entrypoint.is_some() || cmd.is_some() {
            break;
        }
    }
    // Shells and language REPLs (`php -a`, `jshell`, a bare `python3` or `node`).
    const INTERACTIVE: &[&str] = &[
        "sh", "bash", "zsh", "ash", "fish", "ksh", "dash", "python", "python2", "python3", "node",
        "php", "irb", "jshell", "iex", "erl", "ghci", "julia", "R",
    ];
    if let Some(instr) = entrypoint.or(cmd) {
        let cmds = crate::shell::commands(instr);
        return cmds.len() == 1
            && cmds.iter().all(|c| {
                let name = c.base_name();
                let versioned_python = name.starts_with("python3.");
                (INTERACTIVE.contains(&name) || versioned_python)
                    && c.args
                        .iter()
                        .all(|a| matches!(a.value.as_str(), "-l" | "-i" | "--login" | "-a"))
            });
    }
    let Some(base) = ctx.final_base_image() else {
        return false;
    };
    let crate::stages::BaseRef::Image(reference) = &base.base_ref else {
        return false;
    };
    let Ok(image) = shipshape_core::imageref::ImageRef::parse(reference) else {
        return false;
    };
    if image.repository.contains("devcontainers") {
        return true;
    }
    matches!(
        image.short_name(),
        "debian"
            | "ubuntu"
            | "alpine"
            | "centos"
            | "fedora"
            | "rockylinux"
            | "almalinux"
            | "amazonlinux"
            | "oraclelinux"
            | "archlinux"
            | "busybox"
            | "opensuse/leap"
            | "opensuse/tumbleweed"
            | "buildpack-deps"
            | "python"
            | "node"
            | "ruby"
            | "perl"
            | "golang"
            | "rust"
            | "gcc"
            | "php"
            | "openjdk"
            | "eclipse-temurin"
            | "maven"
            | "gradle"
    )
}

/// The stages of the final chain, base first.
pub fn final_chain_base_first<'a>(ctx: &Context<'a>) -> Vec<&'a Stage> {
    let mut chain = ctx.final_chain();
    chain.reverse();
    chain
}

/// The user in force just before instruction `index`: the last `USER` of its stage or of the
/// stages it is built from, expanded. `None` when no USER is set (the base image's user) or the
/// value is not known.
pub fn user_before(ctx: &Context<'_>, index: usize) -> Option<String> {
    let mut stage = ctx
        .graph
        .stage_of(index)
        .and_then(|s| ctx.graph.stages.get(s));
    let mut upto = index;
    let mut seen = 0;
    while let Some(st) = stage {
        seen += 1;
        if seen > ctx.graph.stages.len() {
            return None;
        }
        let last = ctx
            .stage_instructions(st)
            .filter(|(i, _)| *i < upto)
            .filter(|(_, ins)| matches!(ins.kind, InstructionKind::User(_)))
            .last();
        if let Some((i, ins)) = last {
            let InstructionKind::User(u) = &ins.kind else {
                return None;
            };
            let env = ctx.graph.env_before(ctx.df, i);
            let e = env.expand(&u.user.raw, ctx.df.escape).ok()?;
            return e.unresolved.is_empty().then_some(e.value);
        }
        stage = match st.base_ref {
            crate::stages::BaseRef::Stage(p) => {
                let s = ctx.graph.stages.get(p);
                upto = s.map_or(0, |s| s.instructions.end);
                s
            }
            _ => None,
        };
    }
    None
}

/// Whether a USER value names root.
pub fn is_root_user(user: &str) -> bool {
    let name = user.split(':').next().unwrap_or(user).trim();
    name == "root" || name == "0"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes() {
        let m = parse_mode("4755").expect("test input");
        assert!(m.setuid && !m.setgid && !m.world_writable);
        let m = parse_mode("2775").expect("test input");
        assert!(m.setgid && !m.setuid);
        let m = parse_mode("1777").expect("test input");
        assert!(m.sticky && m.world_writable);
        let m = parse_mode("u+s").expect("test input");
        assert!(m.setuid && !m.setgid);
        let m = parse_mode("+s").expect("test input");
        assert!(m.setuid && m.setgid);
        let m = parse_mode("o+w").expect("test input");
        assert!(m.world_writable);
        let m = parse_mode("+w").expect("test input");
        assert!(!m.world_writable, "umask applies");
        let m = parse_mode("a=rwx,u-s").expect("test input");
        assert!(m.world_writable && !m.setuid);
        assert!(parse_mode("$MODE").is_none());
        assert!(parse_mode("g=u").is_some_and(|m| !m.world_writable));
        assert!(parse_mode("bogus").is_none());
    }

    #[test]
    fn tools() {
        assert_eq!(tool_kind("gcc"), Some(ToolKind::Build));
        assert_eq!(tool_kind("gcc-12"), Some(ToolKind::Build));
        assert_eq!(tool_kind("libpq-dev"), Some(ToolKind::Build));
        assert_eq!(tool_kind("curl"), Some(ToolKind::Network));
        assert_eq!(tool_kind("gdb"), Some(ToolKind::Debugger));
        assert_eq!(tool_kind("libcurl4"), None);
        assert_eq!(tool_kind("gcc-libs"), None);
        assert_eq!(tool_kind("ca-certificates"), None);
    }

    #[test]
    fn whole_context() {
        assert!(is_whole_context("."));
        assert!(is_whole_context("./"));
        assert!(!is_whole_context("src/"));
        assert!(!is_whole_context("package.json"));
    }

    /// Every checklist rule over random Dockerfiles assembled from fragments that reach their
    /// code paths: the analysis never panics, and every finding's span lies inside the file.
    mod no_panic {
        use crate::analyse::{analyse, DockerfileInput};
        use proptest::prelude::*;
        use shipshape_core::config::DockerfileOptions;
        use shipshape_core::SourceFile;

        const FRAGMENTS: &[&str] = &[
            "FROM alpine:3.17 AS b\n",
            "FROM python:3.8\n",
            "FROM b\n",
            "FROM scratch\n",
            "FROM ${X}\n",
            "FROM ghcr.io/a/b:1\n",
            "ARG NPM_TOKEN\n",
            "ARG DB_PASSWORD=changeme\n",
            "ENV API_KEY=ghp_1a2B3c4D5e6F7g8H9i0J1k2L3m4N5o6P7q8R\n",
            "ENV URL=pg://a:b@c/d\n",
            "LABEL a.password=x1y2z3w4\n",
            "RUN sudo apt-get install -y sudo curl gcc\n",
            "RUN apk add --virtual .x gcc && apk del .x\n",
            "RUN chmod u+s,o+w /x\n",
            "RUN chmod -R 4777\n",
            "RUN curl x | sh\n",
            "RUN bash <(curl x)\n",
            "RUN sh -c \"$(wget -O- x)\"\n",
            "RUN su -c id\n",
            "USER app\n",
            "USER 0\n",
            "COPY . .\n",
            "COPY --chmod=6777 .env id_rsa /x/\n",
            "ADD https://x/y.git#main /z\n",
            "ADD http://x/y /z\n",
            "EXPOSE 22 2375-2380 $P\n",
            "HEALTHCHECK NONE\n",
            "HEALTHCHECK CMD curl -f x\n",
            "CMD [\"nginx\"]\n",
            "ENTRYPOINT bash\n",
            "RUN go build .\n",
            "RUN mkdir -m 777 /d && install -d -m 2775 /e\n",
            "RUN echo NOPASSWD\n",
            "ONBUILD ENV SECRET=abcdefgh\n",
            "RUN mvn package\n",
            "# \u{e9}\u{1F600} RUN\n",
            "RUN --mount=type=secret,id=$NPM_TOKEN true\n",
        ];

        fn run(text: &str) {
            let file = SourceFile::new("Dockerfile", text.to_string());
            let ignore = SourceFile::new(".dockerignore", "node_modules\n!x\n[\n");
            for (dockerignore, context) in [
                (None, Vec::new()),
                (Some(&ignore), vec![".env".to_string(), ".git".to_string()]),
            ] {
                let options = DockerfileOptions {
                    target: None,
                    trusted_registries: vec!["docker.io/library".into(), "*.x".into(), "".into()],
                };
                let analysis = analyse(&DockerfileInput {
                    file: &file,
                    dockerignore,
                    context_files: crate::ContextFiles::Known(&context),
                    options: &options,
                    today: jiff::civil::date(2026, 11, 23),
                    read_context: None,
                    deployments: &[],
                });
                for f in &analysis.findings {
                    if let Some(s) = f.location.span {
                        assert!(s.byte_start <= s.byte_end && s.byte_end <= text.len());
                        assert!(text.is_char_boundary(s.byte_start));
                    }
                }
            }
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(200))]
            #[test]
            fn rules_never_panic(parts in proptest::collection::vec(proptest::sample::select(FRAGMENTS), 1..25)) {
                run(&parts.concat());
            }
        }
    }
}
