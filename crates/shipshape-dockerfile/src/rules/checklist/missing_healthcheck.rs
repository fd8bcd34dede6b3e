use super::common::advice;
use crate::rules::{Context, Out, Rule};
use crate::shell;
use crate::{HealthcheckInstr, Instruction, InstructionKind};
use shipshape_core::{ChecklistItem, Confidence, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS1004",
    slug: "healthcheck-missing",
    summary: "The final image of a service has no HEALTHCHECK, or disables it",
    severity: Severity::Low,
    checklist: ChecklistItem::Healthcheck,
    source: SourceKind::Dockerfile,
    equivalents: &[("trivy", "DS026"), ("cis-docker", "4.6")],
    fix: None,
    docs: r#"## What it does
Reports a final image that looks like a long-running service and has no `HEALTHCHECK` in the
stages it is built from. An image counts as a service when those stages `EXPOSE` a port, or when
its `CMD`/`ENTRYPOINT` starts a known server (nginx, httpd, caddy, traefik, haproxy, gunicorn,
uvicorn, uwsgi, puma, php-fpm, redis-server, postgres, mysqld, mongod, `manage.py runserver`,
`flask run`, `rails server`, …).

It is also taken for a service, with medium confidence (a guess: `--min-confidence high` hides
these), when its command starts an application runtime (`npm start`, `yarn start`,
`node server.js`, `java -jar app.jar`, `dotnet App.dll`, `bundle exec …`, `celery worker`, …),
runs a program copied from another build stage (a Go or Rust binary), or when it sets no command
and its base image starts a server by default (`FROM nginx`). Wrapper entrypoints
(`docker-entrypoint.sh`, `tini`, `sh -c`) are looked through.

`HEALTHCHECK NONE` in the final image is reported too: it switches off the check the base
image may define.

Images that are clearly not services are not reported: a health check means nothing for a
process that runs and exits. That is a command that runs and exits (`CMD ["true"]`, `echo`), a
command-line tool (`jq`, `kubectl`, a program named `*ctl` or `*-cli`, or any program whose
arguments are `--help` or `--version`), `FROM scratch` with no command, or an image with no
command of its own on a base that is not a server. The checklist then shows `healthcheck` as
`n/a` with the reason. A `HEALTHCHECK` inherited from an external base image cannot be
seen from the Dockerfile; suppress the finding if your base image provides one.

## Why it matters
Docker and Compose only know a container is *running*, not that it *works*: without a health
check a dead-locked server keeps receiving traffic, `depends_on: condition: service_healthy`
cannot work, and Swarm cannot replace the task.

Kubernetes ignores the image's `HEALTHCHECK`: it uses the liveness, readiness and startup
probes of the pod spec. If the image only ever runs on Kubernetes, define probes there and
ignore this rule (`shipshape.toml`: `[rules.SS1004] severity = "off"` or an inline ignore); the
low severity reflects that.

## How to fix
Add a cheap check of the service's own health endpoint, with a tool the image already has:

```dockerfile
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
  CMD ["/app/server", "healthcheck"]
```

Prefer a sub-command of the application (or `wget -q --spider` on busybox images) over
installing `curl` just for the check.

## Example
```dockerfile
FROM nginx:1.27-alpine
COPY site/ /usr/share/nginx/html/
EXPOSE 80            # a service, and no HEALTHCHECK: reported at FROM
```
"#,
};

/// Commands that start a long-running network server.
const SERVERS: &[&str] = &[
    "nginx",
    "httpd",
    "httpd-foreground",
    "apache2",
    "apache2-foreground",
    "apachectl",
    "apache2ctl",
    "caddy",
    "traefik",
    "haproxy",
    "envoy",
    "gunicorn",
    "uvicorn",
    "hypercorn",
    "daphne",
    "waitress-serve",
    "uwsgi",
    "puma",
    "unicorn",
    "php-fpm",
    "redis-server",
    "postgres",
    "mysqld",
    "mariadbd",
    "mongod",
    "memcached",
    "rabbitmq-server",
    "catalina.sh",
    "nats-server",
    "minio",
];

/// Whether a command line starts a server: a name of [`SERVERS`] (`php-fpm8.2` included), or a
/// framework's serve sub-command.
fn is_server(name: &str, args: &[String]) -> bool {
    let name = name.rsplit('/').next().unwrap_or(name);
    if SERVERS.contains(&name) || name.starts_with("php-fpm") {
        return true;
    }
    let has = |w: &str| args.iter().any(|a| a == w);
    match name {
        "flask" => has("run"),
        "rails" => has("server") || has("s"),
        "php" => has("-S"),
        n if n.starts_with("python") => {
            args.iter().any(|a| a.ends_with("manage.py")) && has("runserver")
                || (has("-m")
                    && (has("uvicorn") || has("gunicorn") || has("http.server") || has("flask")))
        }
        _ => false,
    }
}

/// What the final image is for, as far as its health check is concerned.
pub(crate) enum Role {
    /// A long-running service, why it looks like one, and whether that is a guess (an
    /// application runtime or a binary started without a port or a known server in sight).
    Service { why: String, guessed: bool },
    /// Something that runs and exits (a job, a command-line tool, a toolbox image), and why.
    Job(String),
}

/// The final image's instructions, latest first (final stage first, each stage backwards).
fn latest_first<'a>(ctx: &Context<'a>) -> Vec<(usize, &'a Instruction)> {
    let mut out: Vec<(usize, &Instruction)> = Vec::new();
    for stage in ctx.final_chain() {
        let mut v: Vec<_> = ctx.stage_instructions(stage).collect();
        v.reverse();
        out.extend(v);
    }
    out
}

/// Commands that run and exit at once.
const ONE_SHOT: &[&str] = &[
    "true", "false", ":", "echo", "printf", "exit", "cat", "ls", "env", "id", "whoami", "date",
    "uname", "pwd",
];

/// Command-line tools: an image whose command is one of these is run per invocation.
const CLI_TOOLS: &[&str] = &[
    "jq",
    "yq",
    "curl",
    "wget",
    "git",
    "aws",
    "az",
    "gcloud",
    "kubectl",
    "helm",
    "terraform",
    "tofu",
    "ansible",
    "ansible-playbook",
    "ffmpeg",
    "make",
    "psql",
    "mysql",
    "redis-cli",
    "mongosh",
    "rsync",
    "scp",
    "ssh",
    "openssl",
    "pandoc",
    "hadolint",
    "shellcheck",
    "trivy",
    "syft",
    "grype",
    "cosign",
    "crane",
    "skopeo",
    "buildah",
    "goreleaser",
    "pytest",
    "tox",
    "npx",
    "eslint",
    "prettier",
    "rake",
    "rspec",
    "mvn",
    "gradle",
    "cargo",
    "go",
    "pip",
    "composer",
];

/// Arguments that make any program print and exit.
const ONE_SHOT_ARGS: &[&str] = &["--help", "-h", "--version", "-v", "-V", "help", "version"];

/// The application runtime a command starts, if it starts one (`npm start`, `node server.js`,
/// `java -jar app.jar`, `dotnet App.dll`, `bundle exec puma`): a long-running process unless
/// the image says otherwise.
fn app_runtime(name: &str, args: &[String]) -> Option<String> {
    let name = name.rsplit('/').next().unwrap_or(name);
    let first = args.first().map(String::as_str);
    let second = args.get(1).map(String::as_str);
    let positional = args
        .iter()
        .find(|a| !a.starts_with('-'))
        .map(String::as_str);
    match name {
        "npm" | "yarn" | "pnpm" | "bun" => match (first, second) {
            (Some("start"), _) => Some(format!("{name} start")),
            (Some("run" | "run-script"), Some(s))
                if matches!(s, "start" | "serve" | "server" | "prod" | "production") =>
            {
                Some(format!("{name} run {s}"))
            }
            (Some(script), _) if name == "bun" && script_like(first) => {
                Some(format!("bun {script}"))
            }
            _ => None,
        },
        "node" | "nodejs" => {
            let script = positional?;
            script_like(Some(script)).then(|| format!("node {script}"))
        }
        "deno" if first == Some("run") || first == Some("serve") => Some("deno run".into()),
        "java" => {
            if args.iter().any(|a| a == "-jar") {
                Some("java -jar".into())
            } else {
                positional.map(|main| format!("java {main}"))
            }
        }
        "dotnet" => {
            let dll = first.filter(|a| a.ends_with(".dll"))?;
            Some(format!("dotnet {dll}"))
        }
        "bundle" if first == Some("exec") => {
            let what = second?;
            (!matches!(what, "rake" | "rspec" | "rubocop")).then(|| format!("bundle exec {what}"))
        }
        "rails" if matches!(first, Some("server" | "s")) => Some("rails server".into()),
        "php" if first == Some("artisan") && matches!(second, Some("serve" | "octane:start")) => {
            Some("php artisan serve".into())
        }
        "mix" if first == Some("phx.server") => Some("mix phx.server".into()),
        "celery" if args.iter().any(|a| a == "worker" || a == "beat") => Some("celery".into()),
        "sidekiq" | "thin" | "passenger" | "streamlit" | "next" | "nuxt" | "serve"
        | "pm2-runtime" => Some(name.to_string()),
        _ => None,
    }
}

/// Whether an argument names a script file (`server.js`, `dist/main.mjs`).
fn script_like(arg: Option<&str>) -> bool {
    arg.is_some_and(|a| {
        [".js", ".mjs", ".cjs", ".ts"]
            .iter()
            .any(|e| a.ends_with(e))
            || a == "."
            || a.ends_with('/')
    })
}

/// Known images whose default command is a server (used when the Dockerfile sets none).
const SERVICE_BASES: &[&str] = &[
    "nginx",
    "httpd",
    "caddy",
    "traefik",
    "haproxy",
    "envoyproxy/envoy",
    "postgres",
    "mysql",
    "mariadb",
    "mongo",
    "redis",
    "valkey/valkey",
    "rabbitmq",
    "memcached",
    "tomcat",
    "jetty",
    "elasticsearch",
    "opensearchproject/opensearch",
    "grafana/grafana",
    "prom/prometheus",
    "nginxinc/nginx-unprivileged",
    "bitnami/nginx",
    "minio/minio",
    "nats",
    "consul",
    "vault",
];

/// Destinations in the final image of files copied from other stages (`COPY --from=build`).
fn copied_from_stages(ctx: &Context<'_>) -> Vec<String> {
    let mut out = Vec::new();
    for stage in ctx.final_chain() {
        for (_, instr) in ctx.stage_instructions(stage) {
            if let InstructionKind::Copy(c) = &instr.kind {
                if c.from.is_none() {
                    continue;
                }
                let dest = c.dest.value.clone();
                if dest.ends_with('/') {
                    for src in &c.sources {
                        let base = src.word.value.trim_end_matches('/');
                        let base = base.rsplit('/').next().unwrap_or_default();
                        if src.word.value.ends_with('/') || base.is_empty() {
                            // A directory copied into a directory: everything under it.
                            out.push(dest.clone());
                        } else {
                            out.push(format!("{dest}{base}"));
                        }
                    }
                } else {
                    out.push(dest);
                }
            }
        }
    }
    out
}

/// Whether the final image is a service: it `EXPOSE`s a port, or its command starts a server
/// (certainly), an application runtime or a binary built in another stage (a guess), or it sets
/// no command and its base is a server image (a guess); it is a job when its command runs and
/// exits (`true`, a command-line tool, `--help`), or when it has no command of its own.
pub(crate) fn role(ctx: &Context<'_>) -> Role {
    let latest_first = latest_first(ctx);
    let expose = latest_first.iter().find_map(|(_, i)| match &i.kind {
        InstructionKind::Expose(e) => e.ports.first().map(|p| p.word.value.clone()),
        _ => None,
    });
    let last_of = |entry: bool| {
        latest_first.iter().find(|(_, i)| {
            if entry {
                matches!(i.kind, InstructionKind::Entrypoint(_))
            } else {
                matches!(i.kind, InstructionKind::Cmd(_))
            }
        })
    };
    let commands: Vec<crate::shell::SimpleCommand> = [last_of(true), last_of(false)]
        .into_iter()
        .flatten()
        .flat_map(|(_, i)| shell::commands(i))
        .collect();
    for cmd in &commands {
        let args: Vec<String> = cmd.args.iter().map(|a| a.value.clone()).collect();
        if is_server(&cmd.name.value, &args) {
            return Role::Service {
                why: format!("its command starts `{}`", cmd.base_name()),
                guessed: false,
            };
        }
    }
    if let Some(p) = expose {
        return Role::Service {
            why: format!("it exposes port {p}"),
            guessed: false,
        };
    }
    // The program the container runs: the entrypoint's, unless it is a wrapper script that
    // hands over to the command.
    let program = commands.iter().find(|c| {
        let n = c.base_name();
        let shell_c =
            matches!(n, "sh" | "bash" | "ash" | "dash") && c.args.iter().any(|a| a.value == "-c");
        let wrapper = (n.ends_with(".sh") && n.contains("entrypoint"))
            || matches!(n, "tini" | "dumb-init" | "exec" | "gosu" | "su-exec");
        !(wrapper || shell_c)
    });
    let Some(cmd) = program else {
        if ctx.final_base_image().is_none() {
            return Role::Job("`FROM scratch` with no command".into());
        }
        if let Some(name) = base_server_name(ctx) {
            return Role::Service {
                why: format!("its base `{name}` starts a server by default"),
                guessed: true,
            };
        }
        return Role::Job("no command of its own".into());
    };
    let name = cmd.base_name().to_string();
    let args: Vec<String> = commands
        .iter()
        .skip_while(|c| !std::ptr::eq(*c, cmd))
        .flat_map(|c| {
            let mut v = Vec::new();
            if !std::ptr::eq(c, cmd) {
                v.push(c.name.value.clone());
            }
            v.extend(c.args.iter().map(|a| a.value.clone()));
            v
        })
        .collect();
    if ONE_SHOT.contains(&name.as_str()) {
        return Role::Job(format!("`{name}` runs and exits"));
    }
    if args.iter().any(|a| ONE_SHOT_ARGS.contains(&a.as_str())) {
        return Role::Job(format!("`{name} {}` prints and exits", args.join(" ")));
    }
    if CLI_TOOLS.contains(&name.as_str())
        || name.ends_with("ctl")
        || name.ends_with("-cli")
        || name.ends_with("_cli")
    {
        return Role::Job(format!("`{name}` is a command-line tool"));
    }
    if let Some(runtime) = app_runtime(&cmd.name.value, &args) {
        return Role::Service {
            why: format!("its command `{runtime}` starts an application runtime"),
            guessed: true,
        };
    }
    let program = cmd.name.value.as_str();
    let copied = copied_from_stages(ctx);
    if copied.iter().any(|d| {
        d == program
            || (d.ends_with('/') && d.len() > 1 && program.starts_with(d.as_str()))
            || (!program.contains('/') && d.rsplit('/').next() == Some(program))
    }) {
        return Role::Service {
            why: format!("its command runs `{program}`, a program built in another stage"),
            guessed: true,
        };
    }
    Role::Job(format!(
        "its command `{name}` does not start a known service"
    ))
}

/// The short name of the final image's base when it is a known server image.
fn base_server_name(ctx: &Context<'_>) -> Option<String> {
    let stage = ctx.final_base_image()?;
    let crate::stages::BaseRef::Image(reference) = &stage.base_ref else {
        return None;
    };
    let image = shipshape_core::imageref::ImageRef::parse(reference).ok()?;
    let name = image.short_name().to_ascii_lowercase();
    SERVICE_BASES.contains(&name.as_str()).then_some(name)
}

/// The last `HEALTHCHECK` of the final image's stages, with its index.
pub(crate) fn last_healthcheck<'a>(ctx: &Context<'a>) -> Option<(usize, &'a Instruction)> {
    latest_first(ctx)
        .into_iter()
        .find(|(_, i)| matches!(i.kind, InstructionKind::Healthcheck(_)))
}

shipshape_core::declare_rule!(MissingHealthcheck);

impl Rule for MissingHealthcheck {
    fn check_file(&self, ctx: &Context, out: &mut Out) {
        let chain = ctx.final_chain();
        let Some(final_stage) = chain.first() else {
            return;
        };
        // Files only (`FROM scratch`, no command): never run, so there is no health to check.
        if ctx.final_facts().is_some_and(|f| f.runs_nothing) {
            return;
        }
        if let Some((_, instr)) = last_healthcheck(ctx) {
            if matches!(
                instr.kind,
                InstructionKind::Healthcheck(HealthcheckInstr::None)
            ) {
                out.push(
                    ctx.finding(
                        &META,
                        instr.span,
                        "`HEALTHCHECK NONE` disables the health check of the final image (and any the base image defines)",
                    )
                    .with_fix(advice(
                        "replace `HEALTHCHECK NONE` with a check of the service, or remove it to keep the base image's",
                    )),
                );
            }
            return;
        }
        let Role::Service { why, guessed } = role(ctx) else {
            return;
        };
        let Some(from) = ctx.df.instructions.get(final_stage.from_instruction) else {
            return;
        };
        out.push(
            ctx.finding(
                &META,
                from.span,
                format!("the final image looks like a service ({why}) but has no HEALTHCHECK"),
            )
            .with_confidence(if guessed {
                Confidence::Medium
            } else {
                Confidence::High
            })
            .with_fix(advice(
                "add `HEALTHCHECK CMD …` that probes the service with a tool the image already has (or define probes in your orchestrator)",
            )),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::is_server;

    #[test]
    fn application_runtimes() {
        use super::app_runtime;
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert!(app_runtime("npm", &s(&["start"])).is_some());
        assert!(app_runtime("npm", &s(&["run", "serve"])).is_some());
        assert!(app_runtime("npm", &s(&["test"])).is_none());
        assert!(app_runtime("node", &s(&["--enable-source-maps", "dist/server.js"])).is_some());
        assert!(app_runtime("node", &s(&[])).is_none());
        assert!(app_runtime("/usr/bin/java", &s(&["-Xmx512m", "-jar", "app.jar"])).is_some());
        assert!(app_runtime("dotnet", &s(&["App.dll"])).is_some());
        assert!(app_runtime("dotnet", &s(&["--info"])).is_none());
        assert!(app_runtime("bundle", &s(&["exec", "puma"])).is_some());
        assert!(app_runtime("bundle", &s(&["exec", "rake", "db:migrate"])).is_none());
    }

    #[test]
    fn guessed_services_have_medium_confidence() {
        use shipshape_core::config::DockerfileOptions;
        use shipshape_core::{Confidence, SourceFile};
        let run = |text: &str| {
            let file = SourceFile::new("Dockerfile", text);
            crate::analyse(&crate::DockerfileInput {
                file: &file,
                dockerignore: None,
                context_files: crate::ContextFiles::Unknown,
                options: &DockerfileOptions::default(),
                today: jiff::civil::date(2026, 1, 1),
                read_context: None,
                deployments: &[],
            })
            .findings
            .into_iter()
            .filter(|f| f.rule == "SS1004")
            .map(|f| f.confidence)
            .collect::<Vec<_>>()
        };
        assert_eq!(
            run("FROM node:22-slim\nCMD [\"npm\", \"start\"]\n"),
            vec![Confidence::Medium]
        );
        assert_eq!(
            run("FROM node:22-slim\nEXPOSE 3000\nCMD [\"npm\", \"start\"]\n"),
            vec![Confidence::High]
        );
        assert!(run("FROM node:22-slim\nCMD [\"true\"]\n").is_empty());
        // A build stage's output directory copied whole, and a program run from it.
        assert_eq!(
            run("FROM rust:1.83 AS build\nRUN cargo build --release\nFROM debian:bookworm-slim\nCOPY --from=build /src/target/release/ /app/\nENTRYPOINT [\"/app/server\"]\n"),
            vec![Confidence::Medium]
        );
        assert!(run("FROM node:22-slim\nCMD [\"sh\", \"-c\", \"echo done\"]\n").is_empty());
        assert_eq!(
            run("FROM node:22-slim\nCMD [\"sh\", \"-c\", \"node server.js\"]\n"),
            vec![Confidence::Medium]
        );
    }

    #[test]
    fn servers() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert!(is_server("nginx", &s(&["-g", "daemon off;"])));
        assert!(is_server("/usr/sbin/php-fpm8.2", &s(&[])));
        assert!(is_server("python", &s(&["manage.py", "runserver"])));
        assert!(is_server("python3", &s(&["-m", "uvicorn", "app:app"])));
        assert!(!is_server("python", &s(&["main.py"])));
        assert!(!is_server("jq", &s(&[])));
    }
}
