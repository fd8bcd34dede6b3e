//! What an image built from a Dockerfile does when it runs, per stage: the facts the Dockerfile
//! analyser publishes for the runtime analyser ([`shipshape_core::facts`]) and that its own
//! rules read (SS1001 asks whether the entrypoint drops privileges).
//!
//! Pure: files of the build context (the `ENTRYPOINT` script copied into the image) are read
//! through the [`ContextReader`] the caller passes.

use crate::stages::{BaseRef, Stage, StageGraph};
use crate::{CommandForm, Dockerfile, HealthcheckInstr, Instruction, InstructionKind};
use shipshape_core::facts::{is_root_user, DockerfileFacts, ImageUser, StageFacts};
use shipshape_core::imageref::ImageRef;

/// Reads a file of the build context by its path relative to the context directory; `None`
/// when it is absent, unreadable, too large or outside the context.
pub type ContextReader<'a> = &'a dyn Fn(&str) -> Option<String>;

/// Commands that run the rest of their command line as another user.
const DROP_COMMANDS: &[&str] = &[
    "gosu",
    "su-exec",
    "setpriv",
    "runuser",
    "s6-setuidgid",
    "setuidgid",
    "chpst",
];

/// Servers whose master process starts as root and runs its workers (or itself, after
/// start-up) as an unprivileged user: the official images of these start as root by design.
const MASTER_WORKER_SERVERS: &[&str] = &[
    "nginx",
    "openresty",
    "httpd",
    "httpd-foreground",
    "apache2",
    "apache2-foreground",
    "apachectl",
    "apache2ctl",
    "postgres",
    "php-fpm",
];

/// Wrappers that run their arguments (an init, a shell with `exec "$@"` is read as a script).
const WRAPPERS: &[&str] = &["tini", "dumb-init", "catatonit", "s6-svscan", "--"];

/// The user a base image known to run unprivileged runs as: from the hardened families' table
/// (`dhi.io/python` runs as `nonroot (uid 65532)`; a `-dev` variant that runs as root gives
/// `None`), else from a tag or name that says so (`nginx-unprivileged`, `:nonroot`).
pub fn base_user(reference: &str) -> Option<String> {
    let lower = reference.to_ascii_lowercase();
    if let Some(h) = ImageRef::parse(&lower)
        .ok()
        .and_then(|r| shipshape_core::hardened::classify(&r))
    {
        return h.variant.user.map(str::to_string);
    }
    ["nonroot", "non-root", "rootless", "unprivileged"]
        .iter()
        .any(|w| lower.contains(w))
        .then(|| "a non-root user".to_string())
}

/// Base images documented to run as a non-root user by default.
pub fn base_runs_unprivileged(reference: &str) -> bool {
    base_user(reference).is_some()
}

/// The facts of every stage of a resolved Dockerfile.
pub fn dockerfile_facts(
    src: &str,
    df: &Dockerfile,
    graph: &StageGraph,
    read: Option<ContextReader<'_>>,
) -> DockerfileFacts {
    DockerfileFacts {
        stages: graph
            .stages
            .iter()
            .map(|s| stage_facts(src, df, graph, s, read))
            .collect(),
        final_stage: graph.target_stage().map(|s| s.index),
    }
}

/// The stage and the stages it is built `FROM`, the stage itself first.
pub fn chain<'g>(graph: &'g StageGraph, stage: &'g Stage) -> Vec<&'g Stage> {
    let mut out: Vec<&Stage> = Vec::new();
    let mut current = Some(stage);
    while let Some(s) = current {
        if out.iter().any(|o| o.index == s.index) {
            break;
        }
        out.push(s);
        current = match s.base_ref {
            BaseRef::Stage(i) => graph.stages.get(i),
            _ => None,
        };
    }
    out
}

fn line_of(src: &str, offset: usize) -> u32 {
    let n = src
        .get(..offset)
        .map_or(0, |s| s.bytes().filter(|b| *b == b'\n').count());
    u32::try_from(n + 1).unwrap_or(u32::MAX)
}

fn stage_facts(
    src: &str,
    df: &Dockerfile,
    graph: &StageGraph,
    stage: &Stage,
    read: Option<ContextReader<'_>>,
) -> StageFacts {
    let stages = chain(graph, stage);
    // Oldest ancestor first, each stage's instructions in order.
    let instructions: Vec<(usize, &Instruction)> = stages
        .iter()
        .rev()
        .flat_map(|s| {
            s.instructions
                .clone()
                .filter_map(|i| df.instructions.get(i).map(|ins| (i, ins)))
        })
        .collect();
    let root = stages.last().copied().unwrap_or(stage);
    let from_line = df
        .instructions
        .get(stage.from_instruction)
        .map_or(1, |f| line_of(src, f.span.start));

    let mut user = None;
    let mut healthcheck = None;
    let mut exposed = Vec::new();
    let mut entrypoint: Option<&CommandForm> = None;
    let mut cmd: Option<&CommandForm> = None;
    let mut has_command = false;
    for (index, instr) in &instructions {
        match &instr.kind {
            InstructionKind::User(u) => user = Some((*index, instr, u)),
            InstructionKind::Healthcheck(h) => {
                healthcheck = Some(!matches!(h, HealthcheckInstr::None));
            }
            InstructionKind::Expose(e) => {
                exposed.extend(e.ports.iter().map(|p| p.word.value.clone()));
            }
            InstructionKind::Entrypoint(c) => {
                has_command = true;
                entrypoint = c.command.as_ref();
                // Setting ENTRYPOINT resets the CMD inherited so far.
                cmd = None;
            }
            InstructionKind::Cmd(c) => {
                has_command = true;
                cmd = c.command.as_ref();
            }
            _ => {}
        }
    }

    let user = match user {
        Some((index, instr, u)) => {
            let env = graph.env_before(df, index);
            match env.expand(&u.user.raw, df.escape) {
                Ok(e) if e.unresolved.is_empty() => {
                    let line = Some(line_of(src, instr.span.start));
                    if is_root_user(&e.value) {
                        ImageUser::Root { line }
                    } else {
                        ImageUser::NonRoot {
                            user: e.value,
                            line,
                        }
                    }
                }
                _ => ImageUser::Unknown,
            }
        }
        None => match &root.base_ref {
            BaseRef::Image(r) if root.base.unresolved.is_empty() => {
                if base_runs_unprivileged(r) {
                    ImageUser::NonRoot {
                        user: format!("the default user of `{r}`"),
                        line: None,
                    }
                } else {
                    ImageUser::Root { line: None }
                }
            }
            BaseRef::Scratch => ImageUser::Root { line: None },
            _ => ImageUser::Unknown,
        },
    };

    let base_image = match &root.base_ref {
        BaseRef::Image(r) if root.base.unresolved.is_empty() => Some(r.as_str()),
        _ => None,
    };
    let drops_privileges = if has_command {
        command_drops(df, &instructions, entrypoint, cmd, read)
    } else {
        base_image.and_then(base_server_drops)
    };

    StageFacts {
        name: stage.name.clone(),
        line: from_line,
        user,
        healthcheck,
        exposed,
        drops_privileges,
        runs_nothing: matches!(root.base_ref, BaseRef::Scratch) && !has_command,
    }
}

/// The words of a CMD/ENTRYPOINT: the exec form's items, or the shell form split on blanks.
fn words(form: Option<&CommandForm>) -> Vec<String> {
    match form {
        Some(CommandForm::Exec(e)) => e.args.iter().map(|w| w.value.clone()).collect(),
        Some(CommandForm::Shell(s)) => s.text.split_whitespace().map(str::to_string).collect(),
        None => Vec::new(),
    }
}

fn base_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// Why the image's command starts as root on purpose, if it does.
fn command_drops(
    df: &Dockerfile,
    instructions: &[(usize, &Instruction)],
    entrypoint: Option<&CommandForm>,
    cmd: Option<&CommandForm>,
    read: Option<ContextReader<'_>>,
) -> Option<String> {
    let mut line: Vec<String> = words(entrypoint);
    line.extend(words(cmd));
    // Skip init wrappers (`tini --`, `dumb-init`).
    let start = line
        .iter()
        .position(|w| !WRAPPERS.contains(&base_name(w)))
        .unwrap_or(line.len());
    let line = &line[start..];
    // The command itself drops privileges (`gosu app server`, `sh -c "exec su-exec …"`).
    if let Some(how) = drop_in_text(&line.join(" ")) {
        return Some(format!("its command runs the process through `{how}`"));
    }
    // The entrypoint is a script copied into the image that drops privileges.
    for w in line.iter().take(3) {
        if let Some((name, text)) = copied_script(df, instructions, w, read) {
            if let Some(how) = drop_in_text(&text) {
                return Some(format!(
                    "its entrypoint script `{name}` drops privileges with `{how}`"
                ));
            }
        }
    }
    // A server whose master starts as root and runs its workers unprivileged.
    line.iter()
        .take(4)
        .map(|w| base_name(w))
        .find(|w| is_master_worker(w))
        .map(|w| {
            format!("`{w}` starts as root and runs its workers as an unprivileged user by design")
        })
}

fn is_master_worker(name: &str) -> bool {
    MASTER_WORKER_SERVERS.contains(&name) || name.starts_with("php-fpm")
}

/// The default command of a well-known base image that drops privileges, when the Dockerfile
/// sets none of its own.
fn base_server_drops(reference: &str) -> Option<String> {
    let r = ImageRef::parse(reference).ok()?;
    let tag = r.tag.unwrap_or("latest");
    let server = match r.short_name() {
        "nginx" | "openresty/openresty" | "nginxinc/nginx" => "nginx",
        "httpd" => "httpd",
        "postgres" | "postgis/postgis" | "timescale/timescaledb" => "postgres",
        "php" if tag.contains("fpm") => "php-fpm",
        "php" if tag.contains("apache") => "apache2",
        _ => return None,
    };
    Some(format!(
        "the default command of `{reference}` (`{server}`) starts as root and drops privileges by design"
    ))
}

/// The first privilege-dropping command in a shell text (a script, a `sh -c` string), if any.
fn drop_in_text(text: &str) -> Option<String> {
    for line in text.lines() {
        let code = line.split(" #").next().unwrap_or(line).trim_start();
        if code.starts_with('#') {
            continue;
        }
        let words: Vec<&str> = code
            .split(|c: char| c.is_whitespace() || matches!(c, ';' | '&' | '|' | '(' | ')' | '`'))
            .filter(|w| !w.is_empty())
            .collect();
        for (i, w) in words.iter().enumerate() {
            let w = w.trim_matches(|c| c == '"' || c == '\'');
            let name = base_name(w);
            // A word in command position: first, or after `exec`, `then`, `do`, `else`, `&&`…
            let command_position = i == 0
                || matches!(
                    words.get(i - 1).copied(),
                    Some("exec" | "then" | "do" | "else" | "sudo" | "command" | "nohup")
                );
            if !command_position {
                continue;
            }
            if DROP_COMMANDS.contains(&name) {
                // `chpst` drops only with `-u`; `setpriv` only with a uid to switch to.
                let rest = &words[i + 1..];
                let ok = match name {
                    "chpst" => rest.iter().any(|a| *a == "-u" || a.starts_with("-u")),
                    "setpriv" => rest.iter().any(|a| a.starts_with("--reuid")),
                    _ => !rest.is_empty(),
                };
                if ok {
                    return Some(name.to_string());
                }
            }
            if name == "chroot" && words[i + 1..].iter().any(|a| a.starts_with("--userspec")) {
                return Some("chroot --userspec".into());
            }
        }
    }
    None
}

/// The text of the script an ENTRYPOINT/CMD word names, when a `COPY`/`ADD` from the build
/// context (or a `COPY <<EOF` heredoc) put it into the image: its name and text.
fn copied_script(
    _df: &Dockerfile,
    instructions: &[(usize, &Instruction)],
    word: &str,
    read: Option<ContextReader<'_>>,
) -> Option<(String, String)> {
    let wanted = base_name(word);
    if wanted.is_empty() || wanted.starts_with('-') || wanted.contains('$') {
        return None;
    }
    // The last copy that could have put it there wins.
    for (_, instr) in instructions.iter().rev() {
        let (InstructionKind::Copy(c) | InstructionKind::Add(c)) = &instr.kind else {
            continue;
        };
        if c.from.is_some() {
            continue;
        }
        let dest = c.dest.value.as_str();
        let dest_is_file = !dest.ends_with('/') && c.sources.len() == 1;
        for s in &c.sources {
            let source = s.word.value.as_str();
            let lands_as = if dest_is_file {
                base_name(dest)
            } else {
                base_name(source.trim_end_matches('/'))
            };
            if lands_as != wanted {
                continue;
            }
            if let Some(h) = s.heredoc.and_then(|i| instr.heredocs.get(i)) {
                return Some((wanted.to_string(), h.content.text.clone()));
            }
            if source.contains(['*', '?', '[', '$']) {
                continue;
            }
            let text = read.and_then(|r| r(source.trim_start_matches("./")))?;
            return Some((source.trim_start_matches("./").to_string(), text));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stages::{resolve, ResolveOptions};

    fn facts_with(src: &str, files: &[(&str, &str)]) -> StageFacts {
        let df = crate::parse(src).unwrap();
        let graph = resolve(&df, &ResolveOptions::default()).unwrap();
        let reader = |p: &str| {
            files
                .iter()
                .find(|(n, _)| *n == p)
                .map(|(_, t)| t.to_string())
        };
        let f = dockerfile_facts(src, &df, &graph, Some(&reader));
        f.stages[f.final_stage.unwrap()].clone()
    }

    fn facts(src: &str) -> StageFacts {
        facts_with(src, &[])
    }

    #[test]
    fn privilege_drops() {
        let gosu = "#!/bin/bash\nif [ \"$1\" = postgres ] && [ \"$(id -u)\" = 0 ]; then\n  exec gosu postgres \"$BASH_SOURCE\" \"$@\"\nfi\nexec \"$@\"\n";
        let f = facts_with(
            "FROM debian:bookworm-slim\nCOPY docker-entrypoint.sh /usr/local/bin/\nENTRYPOINT [\"docker-entrypoint.sh\"]\nCMD [\"mydb\"]\n",
            &[("docker-entrypoint.sh", gosu)],
        );
        assert!(f.drops_privileges.unwrap().contains("gosu"));
        // The same script absent from the context: nothing known.
        let f = facts("FROM debian:bookworm-slim\nCOPY docker-entrypoint.sh /usr/local/bin/\nENTRYPOINT [\"docker-entrypoint.sh\"]\nCMD [\"mydb\"]\n");
        assert!(f.drops_privileges.is_none());
        // A script that only mentions gosu in a comment or as an argument does not drop.
        let f = facts_with(
            "FROM debian\nCOPY run.sh /run.sh\nENTRYPOINT [\"/run.sh\"]\n",
            &[("run.sh", "# we used gosu once\necho gosu\nexec app\n")],
        );
        assert!(f.drops_privileges.is_none());
        for cmd in [
            "ENTRYPOINT [\"su-exec\", \"app\", \"/app\"]",
            "CMD exec setpriv --reuid=1000 --regid=1000 --init-groups /app",
            "ENTRYPOINT [\"/sbin/tini\", \"--\", \"gosu\", \"app\", \"/app\"]",
            "CMD [\"runuser\", \"-u\", \"app\", \"--\", \"/app\"]",
            "CMD chroot --userspec=1000:1000 / /app",
            "CMD [\"s6-setuidgid\", \"app\", \"/app\"]",
            "CMD [\"nginx\", \"-g\", \"daemon off;\"]",
            "CMD [\"postgres\"]",
            "CMD [\"httpd-foreground\"]",
        ] {
            let f = facts(&format!("FROM debian\n{cmd}\n"));
            assert!(f.drops_privileges.is_some(), "{cmd}");
        }
        for cmd in [
            "CMD [\"python\", \"app.py\"]",
            "CMD [\"setpriv\", \"--dump\"]",
            "CMD [\"echo\", \"gosu\"]",
        ] {
            let f = facts(&format!("FROM debian\n{cmd}\n"));
            assert!(f.drops_privileges.is_none(), "{cmd}");
        }
        // A heredoc script.
        let f = facts("FROM alpine\nCOPY <<EOF /entrypoint.sh\n#!/bin/sh\nexec su-exec app \"$@\"\nEOF\nENTRYPOINT [\"/entrypoint.sh\"]\n");
        assert!(f.drops_privileges.unwrap().contains("su-exec"));
        // Inherited from the official server images when the Dockerfile sets no command.
        assert!(
            facts("FROM nginx:1.27-alpine\nCOPY site /usr/share/nginx/html\n")
                .drops_privileges
                .is_some()
        );
        assert!(facts("FROM php:8.2-apache\n").drops_privileges.is_some());
        assert!(facts("FROM python:3.12\n").drops_privileges.is_none());
        // A command of its own replaces the base image's.
        assert!(facts("FROM nginx:1.27\nCMD [\"python\", \"x.py\"]\n")
            .drops_privileges
            .is_none());
    }

    #[test]
    fn users_health_ports_and_scratch() {
        let f = facts("FROM golang AS b\nRUN go build\nFROM alpine\nEXPOSE 8080 53/udp\nHEALTHCHECK CMD true\nUSER nonroot\nCMD [\"/app\"]\n");
        assert_eq!(
            f.user,
            ImageUser::NonRoot {
                user: "nonroot".into(),
                line: Some(6)
            }
        );
        assert_eq!(f.healthcheck, Some(true));
        assert_eq!(f.exposed, vec!["8080", "53/udp"]);
        assert!(!f.runs_nothing);
        let f = facts("FROM python:3.12\nHEALTHCHECK NONE\n");
        assert_eq!(f.user, ImageUser::Root { line: None });
        assert_eq!(f.healthcheck, Some(false));
        let f = facts("FROM scratch\nCOPY manifests /manifests\n");
        assert!(f.runs_nothing);
        let f = facts("FROM scratch\nCOPY app /app\nENTRYPOINT [\"/app\"]\n");
        assert!(!f.runs_nothing);
        let f = facts("ARG U\nFROM alpine\nARG U\nUSER $U\n");
        assert_eq!(f.user, ImageUser::Unknown);
        let f = facts("FROM base AS a\nUSER 1000\nFROM a\nCMD x\n");
        assert!(matches!(f.user, ImageUser::NonRoot { .. }));
    }
}
