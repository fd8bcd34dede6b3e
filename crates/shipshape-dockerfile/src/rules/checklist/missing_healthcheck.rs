use super::common::advice;
use crate::rules::{Context, Out, Rule};
use crate::shell;
use crate::{HealthcheckInstr, Instruction, InstructionKind};
use shipshape_core::{ChecklistItem, RuleMeta, Severity, SourceKind};

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

`HEALTHCHECK NONE` in the final image is reported too: it switches off the check the base
image may define.

Images that are clearly not services — build stages, command-line tools, jobs, anything with
neither an `EXPOSE` nor a server command, a `FROM scratch` image with no command — are not reported: a health check means nothing for
a process that runs and exits. A `HEALTHCHECK` inherited from an external base image cannot be
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
        // Instructions of the chain, latest first (final stage first, each stage backwards).
        let mut latest_first: Vec<(usize, &Instruction)> = Vec::new();
        for stage in &chain {
            let mut v: Vec<_> = ctx.stage_instructions(stage).collect();
            v.reverse();
            latest_first.extend(v);
        }
        let last_health = latest_first
            .iter()
            .find(|(_, i)| matches!(i.kind, InstructionKind::Healthcheck(_)));
        if let Some((_, instr)) = last_health {
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
        // Evidence that the image is a service.
        let expose = latest_first.iter().find_map(|(_, i)| match &i.kind {
            InstructionKind::Expose(e) => e.ports.first().map(|p| p.word.value.clone()),
            _ => None,
        });
        let mut server = None;
        for kind in ["ENTRYPOINT", "CMD"] {
            let last = latest_first.iter().find(|(_, i)| {
                matches!(
                    (&i.kind, kind),
                    (InstructionKind::Entrypoint(_), "ENTRYPOINT")
                        | (InstructionKind::Cmd(_), "CMD")
                )
            });
            let Some((_, instr)) = last else { continue };
            for cmd in shell::commands(instr) {
                let args: Vec<String> = cmd.args.iter().map(|a| a.value.clone()).collect();
                if is_server(&cmd.name.value, &args) {
                    server = Some(cmd.base_name().to_string());
                    break;
                }
            }
            if server.is_some() {
                break;
            }
        }
        let evidence = match (expose, server) {
            (_, Some(s)) => format!("its command starts `{s}`"),
            (Some(p), None) => format!("it exposes port {p}"),
            (None, None) => return,
        };
        let Some(from) = ctx.df.instructions.get(final_stage.from_instruction) else {
            return;
        };
        out.push(
            ctx.finding(
                &META,
                from.span,
                format!("the final image looks like a service ({evidence}) but has no HEALTHCHECK"),
            )
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
