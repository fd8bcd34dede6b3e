//! `docker run` / `docker create` / `podman run` argument vectors → [`RuntimeSpec`].

use crate::model::*;
use crate::shell::{self, Invocation, TextKind, Word};
use crate::vars::Vars;
use shipshape_core::{ByteSpan, SourceFile, SourceKind};

/// Long options that take a value (docker and podman `run`/`create`); anything else is a switch.
const VALUED: &[&str] = &[
    "add-host",
    "annotation",
    "attach",
    "authfile",
    "blkio-weight",
    "blkio-weight-device",
    "cap-add",
    "cap-drop",
    "cgroup-parent",
    "cgroupns",
    "cgroups",
    "cidfile",
    "conmon-pidfile",
    "cpu-count",
    "cpu-percent",
    "cpu-period",
    "cpu-quota",
    "cpu-rt-period",
    "cpu-rt-runtime",
    "cpu-shares",
    "cpus",
    "cpuset-cpus",
    "cpuset-mems",
    "creds",
    "decryption-key",
    "detach-keys",
    "device",
    "device-cgroup-rule",
    "device-read-bps",
    "device-read-iops",
    "device-write-bps",
    "device-write-iops",
    "dns",
    "dns-opt",
    "dns-option",
    "dns-search",
    "domainname",
    "entrypoint",
    "env",
    "env-file",
    "expose",
    "gidmap",
    "gpus",
    "group-add",
    "group-entry",
    "health-cmd",
    "health-interval",
    "health-retries",
    "health-start-interval",
    "health-start-period",
    "health-timeout",
    "health-on-failure",
    "hostname",
    "hostuser",
    "init-path",
    "ip",
    "ip6",
    "ipc",
    "isolation",
    "kernel-memory",
    "label",
    "label-file",
    "link",
    "link-local-ip",
    "log-driver",
    "log-opt",
    "mac-address",
    "memory",
    "memory-reservation",
    "memory-swap",
    "memory-swappiness",
    "mount",
    "name",
    "net",
    "network",
    "net-alias",
    "network-alias",
    "oom-score-adj",
    "os",
    "arch",
    "variant",
    "passwd-entry",
    "personality",
    "pid",
    "pidfile",
    "pids-limit",
    "platform",
    "pod",
    "pod-id-file",
    "preserve-fds",
    "publish",
    "pull",
    "requires",
    "restart",
    "runtime",
    "sdnotify",
    "seccomp-policy",
    "secret",
    "security-opt",
    "shm-size",
    "shm-size-systemd",
    "stop-signal",
    "stop-timeout",
    "storage-opt",
    "subgidname",
    "subuidname",
    "sysctl",
    "systemd",
    "timeout",
    "tmpfs",
    "tz",
    "uidmap",
    "ulimit",
    "umask",
    "user",
    "userns",
    "uts",
    "volume",
    "volume-driver",
    "volumes-from",
    "workdir",
    "chrootdirs",
    "retry",
    "retry-delay",
    "cert-dir",
    "log-level",
];

fn short_long(c: char) -> Option<&'static str> {
    Some(match c {
        'a' => "attach",
        'c' => "cpu-shares",
        'e' => "env",
        'h' => "hostname",
        'l' => "label",
        'm' => "memory",
        'p' => "publish",
        'u' => "user",
        'v' => "volume",
        'w' => "workdir",
        'd' => "detach",
        'i' => "interactive",
        't' => "tty",
        'P' => "publish-all",
        'q' => "quiet",
        _ => return None,
    })
}

/// Every container-run invocation in a text file, as specs (file index `file_idx`), with the
/// file's variables expanded ([`Vars`]).
pub fn specs_in_text(file: &SourceFile, file_idx: usize, kind: TextKind) -> Vec<RuntimeSpec> {
    let Ok(view) = shell::shell_view(file.text(), kind) else {
        return Vec::new();
    };
    let vars = Vars::collect(&view, kind);
    shell::find_invocations(&view)
        .iter()
        .map(|inv| spec_from_invocation_in(inv, file_idx, kind, &view, &vars))
        .collect()
}

/// An argument after expansion: what it was written as, whether a variable in it had no value
/// here, and the variable's name when the word was nothing but one reference (`$(FLAGS)`).
struct ArgInfo {
    orig: String,
    unresolved: bool,
    var: Option<String>,
}

/// `$(NAME)`, `${NAME}`, `$NAME`, `$$NAME`, `$${NAME}` → `NAME`.
fn pure_var(text: &str) -> Option<String> {
    let t = text.strip_prefix("$$").or_else(|| text.strip_prefix('$'))?;
    let name = t
        .strip_prefix('(')
        .and_then(|r| r.strip_suffix(')'))
        .or_else(|| t.strip_prefix('{').and_then(|r| r.strip_suffix('}')))
        .unwrap_or(t);
    let ok = !name.is_empty()
        && name
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-'));
    ok.then(|| name.to_string())
}

/// Whether a word that is only an unknown variable, where the image could stand, holds options
/// rather than the image: its name says so (`DOCKER_FLAGS`, `RUN_OPTS`, `PORTS`), or options or a
/// literal image reference follow it. `$(IMAGE)` and `$TAG`-like names stay the image.
fn variable_holds_options(name: &str, next: Option<&Word>) -> bool {
    let up = name.to_ascii_uppercase();
    if ["IMAGE", "IMG", "REPO", "REF"]
        .iter()
        .any(|k| up.contains(k))
        || up == "TAG"
    {
        return false;
    }
    if [
        "FLAG", "OPT", "ARG", "PARAM", "PORT", "VOLUME", "MOUNT", "ENV", "NET", "PUBLISH",
    ]
    .iter()
    .any(|k| up.contains(k))
    {
        return true;
    }
    next.is_some_and(|n| {
        n.text.starts_with('-') || (!n.text.contains('$') && n.text.contains(['/', ':']))
    })
}

/// Splits an expanded unquoted word on whitespace, as the shell does, keeping references that
/// stayed unexpanded (`$(shell cat f)`, `` `cmd` ``) whole.
fn split_fields(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut depth = 0usize;
    let mut tick = false;
    let mut prev = '\0';
    for c in s.chars() {
        match c {
            '`' => tick = !tick,
            '(' | '{' if prev == '$' || depth > 0 => depth += 1,
            ')' | '}' if depth > 0 => depth -= 1,
            _ => {}
        }
        if c.is_whitespace() && depth == 0 && !tick {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
        } else {
            cur.push(c);
        }
        prev = c;
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Expands the file's variables in an invocation's arguments: an unquoted reference whose value
/// holds several words becomes several arguments (the shell splits it), an empty one none.
fn expand_args(inv: &Invocation, text: &str, vars: &Vars) -> (Vec<Word>, Vec<ArgInfo>) {
    let mut words = Vec::new();
    let mut info = Vec::new();
    for w in &inv.args {
        if !w.text.contains(['$', '`']) {
            words.push(w.clone());
            info.push(ArgInfo {
                orig: w.text.clone(),
                unresolved: false,
                var: None,
            });
            continue;
        }
        let raw = text.get(w.start..w.end).unwrap_or(&w.text);
        let e = vars.expand(&w.text, raw, w.start);
        let quoted = raw.contains(['"', '\'']);
        let parts: Vec<String> = if quoted || e.text == w.text {
            vec![e.text.clone()]
        } else {
            split_fields(&e.text)
        };
        for p in parts {
            info.push(ArgInfo {
                orig: w.text.clone(),
                unresolved: e.unresolved && p.contains(['$', '`']),
                var: pure_var(&p),
            });
            words.push(Word {
                text: p,
                start: w.start,
                end: w.end,
            });
        }
    }
    (words, info)
}

struct Opt<'a> {
    name: String,
    value: Option<String>,
    flag: &'a Word,
    end: usize,
}

/// Parses one invocation, its variables unexpanded (see [`spec_from_invocation_in`]).
pub fn spec_from_invocation(inv: &Invocation, file_idx: usize, kind: TextKind) -> RuntimeSpec {
    spec_from_invocation_in(inv, file_idx, kind, "", &Vars::default())
}

/// Parses one invocation found in `text` (the shell view of the file), with the file's
/// variables `vars` expanded first.
pub fn spec_from_invocation_in(
    inv: &Invocation,
    file_idx: usize,
    kind: TextKind,
    text: &str,
    vars: &Vars,
) -> RuntimeSpec {
    let (expanded, info) = expand_args(inv, text, vars);
    let args = &expanded;
    let mut opts: Vec<Opt<'_>> = Vec::new();
    let mut i = 0;
    let mut image: Option<&Word> = None;
    let mut image_idx = 0;
    while i < args.len() {
        let w = &args[i];
        let t = w.text.as_str();
        if t == "--" {
            i += 1;
            image = args.get(i);
            image_idx = i;
            i += 1;
            break;
        }
        if let Some(long) = t.strip_prefix("--") {
            let (name, inline) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (long, None),
            };
            if inline.is_none() && VALUED.contains(&name) {
                let v = args.get(i + 1);
                opts.push(Opt {
                    name: name.to_string(),
                    value: v.map(|v| v.text.clone()),
                    flag: w,
                    end: v.map(|v| v.end).unwrap_or(w.end),
                });
                i += 2;
            } else {
                opts.push(Opt {
                    name: name.to_string(),
                    value: inline,
                    flag: w,
                    end: w.end,
                });
                i += 1;
            }
            continue;
        }
        if t.len() > 1 && t.starts_with('-') {
            let chars: Vec<(usize, char)> = t[1..].char_indices().collect();
            let mut consumed_next = false;
            for (pos, c) in &chars {
                let long = short_long(*c).unwrap_or("");
                if long.is_empty() {
                    continue;
                }
                if VALUED.contains(&long) {
                    let rest = &t[1 + pos + c.len_utf8()..];
                    let rest = rest.strip_prefix('=').unwrap_or(rest);
                    if rest.is_empty() {
                        let v = args.get(i + 1);
                        opts.push(Opt {
                            name: long.to_string(),
                            value: v.map(|v| v.text.clone()),
                            flag: w,
                            end: v.map(|v| v.end).unwrap_or(w.end),
                        });
                        consumed_next = true;
                    } else {
                        opts.push(Opt {
                            name: long.to_string(),
                            value: Some(rest.to_string()),
                            flag: w,
                            end: w.end,
                        });
                    }
                    break;
                }
                opts.push(Opt {
                    name: long.to_string(),
                    value: None,
                    flag: w,
                    end: w.end,
                });
            }
            i += if consumed_next { 2 } else { 1 };
            continue;
        }
        if info[i].unresolved
            && info[i]
                .var
                .as_deref()
                .is_some_and(|v| variable_holds_options(v, args.get(i + 1)))
        {
            // `$(DOCKER_FLAGS)`, `$$OPTS`: options whose value is not known here
            i += 1;
            continue;
        }
        image = Some(w);
        image_idx = i;
        i += 1;
        break;
    }
    let rest = args.get(i..).unwrap_or(&[]);

    let name = opts
        .iter()
        .find(|o| o.name == "name")
        .and_then(|o| o.value.clone())
        .or_else(|| image.map(|w| crate::classify::image_repo(&w.text)))
        .unwrap_or_else(|| "container".to_string());
    let key_base = format!("{} run {name}", inv.engine);
    let anchor = Loc {
        file: file_idx,
        span: ByteSpan::new(inv.head_start, inv.head_end),
        key: key_base.clone(),
    };
    let mut spec = RuntimeSpec::new(SourceKind::DockerRun, name, anchor);
    let loc = |o: &Opt<'_>| Loc {
        file: file_idx,
        span: ByteSpan::new(o.flag.start, o.end),
        key: format!("{key_base} --{}", o.name),
    };
    let truthy = |o: &Opt<'_>| {
        !matches!(
            o.value.as_deref().map(str::trim),
            Some("false" | "0" | "False" | "FALSE")
        )
    };

    let mut rm = false;
    let mut detach = false;
    let mut interactive = false;
    for o in &opts {
        let l = loc(o);
        let v = o.value.clone().unwrap_or_default();
        match o.name.as_str() {
            "rm" => rm = truthy(o),
            "detach" => detach = truthy(o),
            "interactive" | "tty" => interactive = interactive || truthy(o),
            "user" => spec.user = Some(Val::new(v, l)),
            "read-only" => spec.read_only = Some(Val::new(truthy(o), l)),
            "privileged" => spec.privileged = Some(Val::new(truthy(o), l)),
            "publish-all" => spec.publish_all = Some(Val::new(truthy(o), l)),
            "no-healthcheck" if truthy(o) => spec.healthcheck = Some(Val::new(Health::Disabled, l)),
            "health-cmd" => {
                let disabled = v.trim().eq_ignore_ascii_case("none");
                spec.healthcheck = Some(Val::new(
                    if disabled {
                        Health::Disabled
                    } else {
                        Health::Defined
                    },
                    l,
                ));
            }
            "tmpfs" => {
                let (target, options) = v.split_once(':').unwrap_or((v.as_str(), ""));
                spec.mounts.push(Mount {
                    kind: MountKind::Tmpfs,
                    source: None,
                    target: target.to_string(),
                    read_only: false,
                    options: options.to_string(),
                    loc: l,
                });
            }
            "volume" => spec.mounts.push(parse_volume(&v, l)),
            "mount" => spec.mounts.push(parse_mount(&v, l)),
            "memory" => spec.memory = Some(Val::new(v, l)),
            "cpus" | "cpu-quota" | "cpuset-cpus" if spec.cpus.is_none() => {
                spec.cpus = Some(Val::new(v, l))
            }
            "pids-limit" => spec.pids_limit = Some(Val::new(v, l)),
            "cap-add" => v
                .split(',')
                .filter(|c| !c.trim().is_empty())
                .for_each(|c| spec.cap_add.push(Val::new(c.trim().to_string(), l.clone()))),
            "cap-drop" => v.split(',').filter(|c| !c.trim().is_empty()).for_each(|c| {
                spec.cap_drop
                    .push(Val::new(c.trim().to_string(), l.clone()))
            }),
            "security-opt" => apply_security_opt(&mut spec, &v, l),
            "network" | "net" => {
                let n = v.trim().to_string();
                if !matches!(n.as_str(), "host" | "none" | "bridge" | "default")
                    && !n.starts_with("container:")
                {
                    spec.networks.push(Val::new(n.clone(), l.clone()));
                }
                if spec.network_mode.is_none() {
                    spec.network_mode = Some(Val::new(n, l));
                }
            }
            "pid" => spec.namespaces.push((Namespace::Pid, Val::new(v, l))),
            "ipc" => spec.namespaces.push((Namespace::Ipc, Val::new(v, l))),
            "uts" => spec.namespaces.push((Namespace::Uts, Val::new(v, l))),
            "userns" => spec.namespaces.push((Namespace::User, Val::new(v, l))),
            "cgroupns" => spec.namespaces.push((Namespace::Cgroup, Val::new(v, l))),
            "device" => spec.devices.push(Val::new(v, l)),
            "publish" => {
                if let Some(p) = parse_port(&v, l) {
                    spec.ports.push(p);
                }
            }
            "restart" => spec.restart = Some(Val::new(v, l)),
            "log-driver" => spec.log_driver = Some(Val::new(v, l)),
            "log-opt" => {
                let (k, val) = v.split_once('=').unwrap_or((v.as_str(), ""));
                spec.log_opts
                    .push((k.trim().to_string(), Val::new(val.to_string(), l)));
            }
            "env" => spec.env.push(parse_env(&v, l)),
            "secret" => spec.secrets.push(Val::new(v, l)),
            "entrypoint" => spec.command = Some(Val::new(v, l)),
            _ => {}
        }
    }
    if let Some(img) = image {
        let l = Loc {
            file: file_idx,
            span: ByteSpan::new(img.start, img.end),
            key: format!("{key_base} image"),
        };
        // the file's variables and shell defaults (`${TAG:-latest}`) are expanded; a variable
        // with no value here stays as written (`$(REGISTRY)/app:latest`)
        if let Some(inf) = info.get(image_idx).filter(|x| x.orig.contains(['$', '`'])) {
            spec.image_raw = Some(inf.orig.clone());
            spec.image_unresolved = inf.unresolved;
        }
        spec.image = Some(Val::new(img.text.clone(), l));
    }
    if let (Some(first), Some(last)) = (rest.first(), rest.last()) {
        let cmd: Vec<&str> = rest.iter().map(|w| w.text.as_str()).collect();
        let joined = match &spec.command {
            Some(ep) => format!("{} {}", ep.value, cmd.join(" ")),
            None => cmd.join(" "),
        };
        spec.command = Some(Val::new(
            joined,
            Loc {
                file: file_idx,
                span: ByteSpan::new(first.start, last.end),
                key: format!("{key_base} command"),
            },
        ));
    }
    if (rm || interactive) && !detach {
        spec.lifecycle = Lifecycle::OneOff;
    }
    if kind == TextKind::Systemd {
        // systemd runs the container in the foreground as a service and restarts it itself
        spec.lifecycle = Lifecycle::Service;
        spec.restart_not_applicable = true;
    }
    spec
}

/// `no-new-privileges[:true]`, `seccomp=...`, `apparmor:...`, `label=disable`,
/// `systempaths=unconfined`.
pub fn apply_security_opt(spec: &mut RuntimeSpec, v: &str, l: Loc) {
    let v = v.trim();
    let (k, val) = match v.find(['=', ':']) {
        Some(i) => (&v[..i], Some(&v[i + 1..])),
        None => (v, None),
    };
    match k.trim() {
        "no-new-privileges" => {
            let on = !matches!(val.map(str::trim), Some("false" | "0"));
            spec.no_new_privileges = Some(Val::new(on, l));
        }
        "seccomp" => spec.seccomp = Some(Val::new(val.unwrap_or("").to_string(), l)),
        "apparmor" => spec.apparmor = Some(Val::new(val.unwrap_or("").to_string(), l)),
        "label" => spec
            .selinux
            .push(Val::new(val.unwrap_or("").to_string(), l)),
        "systempaths" if val.map(str::trim) == Some("unconfined") => spec.proc_unmasked = Some(l),
        _ => {}
    }
}

/// `-v src:dst[:opts]`, `-v dst`.
pub fn parse_volume(v: &str, l: Loc) -> Mount {
    let parts: Vec<&str> = v.split(':').collect();
    let (source, target, options) = match parts.as_slice() {
        [t] => (None, t.to_string(), String::new()),
        [s, t] => (Some(s.to_string()), t.to_string(), String::new()),
        [s, t, o, ..] => (Some(s.to_string()), t.to_string(), o.to_string()),
        [] => (None, String::new(), String::new()),
    };
    let kind = match &source {
        None => MountKind::Volume,
        Some(s) if is_host_path(s) => MountKind::Bind,
        Some(_) => MountKind::Volume,
    };
    let read_only = options
        .split(',')
        .any(|o| matches!(o.trim(), "ro" | "readonly"));
    Mount {
        kind,
        source,
        target,
        read_only,
        options,
        loc: l,
    }
}

/// Whether a volume source is a host path rather than a volume name.
pub fn is_host_path(s: &str) -> bool {
    s.starts_with('/')
        || s.starts_with('.')
        || s.starts_with('~')
        || s.starts_with('$')
        || s.contains('/')
        || s.contains('\\')
}

/// `--mount type=bind,source=/a,target=/b,readonly`.
pub fn parse_mount(v: &str, l: Loc) -> Mount {
    let mut kind = MountKind::Volume;
    let mut source = None;
    let mut target = String::new();
    let mut read_only = false;
    let mut options = Vec::new();
    for field in v.split(',') {
        let (k, val) = field.split_once('=').unwrap_or((field, ""));
        match k.trim() {
            "type" => {
                kind = match val.trim() {
                    "bind" => MountKind::Bind,
                    "volume" => MountKind::Volume,
                    "tmpfs" => MountKind::Tmpfs,
                    _ => MountKind::Other,
                }
            }
            "source" | "src" => source = Some(val.to_string()),
            "target" | "destination" | "dst" => target = val.to_string(),
            "readonly" | "ro" => read_only = !matches!(val.trim(), "false" | "0"),
            "bind-propagation" => options.push(val.to_string()),
            _ => {}
        }
    }
    Mount {
        kind,
        source,
        target,
        read_only,
        options: options.join(","),
        loc: l,
    }
}

/// `[ip:][host:]container[/proto]`, with `[v6]` addresses.
pub fn parse_port(v: &str, l: Loc) -> Option<Port> {
    let v = v.trim();
    if v.is_empty() {
        return None;
    }
    let (spec, protocol) = match v.rsplit_once('/') {
        Some((s, p)) => (s, p.to_string()),
        None => (v, "tcp".to_string()),
    };
    let (ip, rest) = if let Some(r) = spec.strip_prefix('[') {
        let close = r.find(']')?;
        (
            Some(r[..close].to_string()),
            r[close + 1..].trim_start_matches(':'),
        )
    } else {
        (None, spec)
    };
    let parts: Vec<&str> = rest.split(':').collect();
    let (host_ip, host_port, container) = match (ip, parts.as_slice()) {
        (Some(ip), [h, c]) => (Some(ip), Some(h.to_string()), c.to_string()),
        (Some(ip), [c]) => (Some(ip), None, c.to_string()),
        (None, [c]) => (None, None, c.to_string()),
        (None, [h, c]) => (None, Some(h.to_string()), c.to_string()),
        (None, [i, h, c]) => (Some(i.to_string()), Some(h.to_string()), c.to_string()),
        _ => {
            // an IPv6 address without brackets: the last two parts are ports
            let n = parts.len();
            if n < 3 {
                return None;
            }
            (
                Some(parts[..n - 2].join(":")),
                Some(parts[n - 2].to_string()),
                parts[n - 1].to_string(),
            )
        }
    };
    Some(Port {
        host_ip: host_ip.filter(|s| !s.is_empty()),
        host_port: host_port.filter(|s| !s.is_empty()),
        container_port: container,
        protocol,
        loc: l,
    })
}

/// `NAME=value` or `NAME`.
pub fn parse_env(v: &str, l: Loc) -> EnvVar {
    match v.split_once('=') {
        Some((n, val)) => EnvVar {
            name: n.to_string(),
            value: Some(val.to_string()),
            from_variable: val.contains('$'),
            loc: l,
        },
        None => EnvVar {
            name: v.to_string(),
            value: None,
            from_variable: true,
            loc: l,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(cmd: &str) -> RuntimeSpec {
        let f = SourceFile::new("x.sh", cmd.to_string());
        specs_in_text(&f, 0, TextKind::Shell).remove(0)
    }

    #[test]
    fn parses_flags() {
        let s = spec("docker run -dit --rm=false -p127.0.0.1:80:80 -p [::1]:53:53/udp -e A=1 -eB --name=web --mount type=bind,src=/etc,dst=/e,readonly -v /:/h:ro,rshared nginx:1 nginx -g 'daemon off;'");
        assert_eq!(s.name, "web");
        assert_eq!(s.ports.len(), 2);
        assert_eq!(s.ports[0].host_ip.as_deref(), Some("127.0.0.1"));
        assert_eq!(s.ports[1].host_ip.as_deref(), Some("::1"));
        assert_eq!(s.ports[1].protocol, "udp");
        assert_eq!(s.env.len(), 2);
        assert_eq!(s.env[1].name, "B");
        assert!(s.mounts[0].read_only && s.mounts[0].kind == MountKind::Bind);
        assert_eq!(s.mounts[1].options, "ro,rshared");
        assert_eq!(s.image.as_ref().unwrap().value, "nginx:1");
        assert_eq!(s.command.as_ref().unwrap().value, "nginx -g daemon off;");
        assert_eq!(s.lifecycle, Lifecycle::Service);
    }

    #[test]
    fn ports() {
        let l = Loc::default();
        let p = parse_port("8080", l.clone()).unwrap();
        assert!(p.on_all_interfaces() && p.host_port.is_none());
        let p = parse_port("127.0.0.1::80", l.clone()).unwrap();
        assert!(p.on_loopback() && p.host_port.is_none());
        let p = parse_port("0.0.0.0:5432:5432", l).unwrap();
        assert!(p.on_all_interfaces());
        assert_eq!(p.numbers(), vec![5432, 5432]);
    }
}
