//! One scenario per rule, written in each front end where the rule applies: the rule must fire on
//! the bad form and stay quiet on the good one, whichever file the setting was written in.

use shipshape_core::SourceFile;
use shipshape_runtime::{
    analyse_compose, analyse_docker_run_text, analyse_inspect_json, analyse_kubernetes,
};
use std::path::Path;

fn run(cmd: &str) -> Vec<String> {
    codes(analyse_docker_run_text(&SourceFile::new(
        "deploy.sh",
        cmd.to_string(),
    )))
}

fn compose(service_body: &str) -> Vec<String> {
    let text = format!("services:\n  app:\n    image: app:1.0\n{service_body}");
    codes(analyse_compose(
        &[SourceFile::new("compose.yaml", text)],
        Path::new("/nonexistent"),
    ))
}

fn k8s(container_body: &str, pod_body: &str) -> Vec<String> {
    let text = format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n{pod_body}  containers:\n  - name: app\n    image: app:1.0\n{container_body}"
    );
    codes(analyse_kubernetes(&SourceFile::new("pod.yaml", text)))
}

fn inspect(host_config: &str, top: &str) -> Vec<String> {
    let text = format!(
        r#"[{{"Name":"/app",{top}"Config":{{"Image":"app:1.0","User":"","Env":[]}},"HostConfig":{{"NetworkMode":"app"{host_config}}}}}]"#
    );
    codes(analyse_inspect_json(&SourceFile::new("inspect.json", text)))
}

fn codes(a: shipshape_core::report::Analysis) -> Vec<String> {
    assert!(a.errors.is_empty(), "{:?}", a.errors);
    a.findings
        .into_iter()
        .map(|f| f.rule.code.to_string())
        .collect()
}

fn has(v: &[String], code: &str) -> bool {
    v.iter().any(|c| c == code)
}

/// (bad, good) forms, each (container or host-config part, pod or top-level part).
type Pair = ((&'static str, &'static str), (&'static str, &'static str));

struct Case {
    code: &'static str,
    run: Option<(&'static str, &'static str)>,
    compose: Option<(&'static str, &'static str)>,
    k8s: Option<Pair>,
    inspect: Option<Pair>,
}

const CASES: &[Case] = &[
    Case {
        code: "SS2001",
        run: Some(("docker run --privileged app:1", "docker run --privileged=false app:1")),
        compose: Some(("    privileged: true\n", "    privileged: false\n")),
        k8s: Some((("    securityContext: {privileged: true}\n", ""), ("    securityContext: {privileged: false}\n", ""))),
        inspect: Some(((r#","Privileged":true"#, ""), (r#","Privileged":false"#, ""))),
    },
    Case {
        code: "SS2002",
        run: Some(("docker run --cap-add SYS_ADMIN app:1", "docker run --cap-add CHOWN app:1")),
        compose: Some(("    cap_add: [SYS_ADMIN]\n", "    cap_add: [NET_BIND_SERVICE]\n")),
        k8s: Some((("    securityContext: {capabilities: {add: [SYS_ADMIN]}}\n", ""), ("    securityContext: {capabilities: {add: [CHOWN]}}\n", ""))),
        inspect: Some(((r#","CapAdd":["CAP_SYS_ADMIN"]"#, ""), (r#","CapAdd":["CHOWN"]"#, ""))),
    },
    Case {
        code: "SS2003",
        run: Some(("docker run app:1", "docker run --cap-drop=ALL app:1")),
        compose: Some(("    cap_drop: [NET_RAW]\n", "    cap_drop: [ALL]\n")),
        k8s: Some((("", ""), ("    securityContext: {capabilities: {drop: [ALL]}}\n", ""))),
        inspect: Some(((r#","CapDrop":null"#, ""), (r#","CapDrop":["ALL"]"#, ""))),
    },
    Case {
        code: "SS2004",
        run: Some(("docker run -v /var/run/docker.sock:/var/run/docker.sock app:1", "docker run -v data:/data app:1")),
        compose: Some(("    volumes: [\"/var/run/docker.sock:/var/run/docker.sock:ro\"]\n", "    volumes: [\"data:/data\"]\n")),
        k8s: Some((
            ("    volumeMounts: [{name: s, mountPath: /s}]\n", "  volumes: [{name: s, hostPath: {path: /var/run/docker.sock}}]\n"),
            ("    volumeMounts: [{name: s, mountPath: /s}]\n", "  volumes: [{name: s, emptyDir: {}}]\n"),
        )),
        inspect: Some((
            ("", r#""Mounts":[{"Type":"bind","Source":"/run/docker.sock","Destination":"/d","RW":false}],"#),
            ("", r#""Mounts":[{"Type":"volume","Source":"/var/lib/docker/volumes/x/_data","Destination":"/d","RW":true}],"#),
        )),
    },
    Case {
        code: "SS2005",
        run: Some(("docker run -v /etc:/host/etc app:1", "docker run -v /etc/localtime:/etc/localtime:ro app:1")),
        compose: Some((
            "    volumes:\n      - type: bind\n        source: /etc\n        target: /host\n",
            "    volumes:\n      - type: bind\n        source: ./conf\n        target: /conf\n",
        )),
        k8s: Some((
            ("    volumeMounts: [{name: h, mountPath: /h}]\n", "  volumes: [{name: h, hostPath: {path: /proc}}]\n"),
            ("    volumeMounts: [{name: h, mountPath: /h}]\n", "  volumes: [{name: h, hostPath: {path: /srv/data}}]\n"),
        )),
        inspect: Some((
            ("", r#""Mounts":[{"Type":"bind","Source":"/root","Destination":"/r","RW":true}],"#),
            ("", r#""Mounts":[{"Type":"bind","Source":"/srv/app","Destination":"/r","RW":true}],"#),
        )),
    },
    Case {
        code: "SS2006",
        run: Some(("docker run --network host app:1", "docker run --network app app:1")),
        compose: Some(("    network_mode: host\n", "    network_mode: bridge\n")),
        k8s: Some((("", "  hostNetwork: true\n"), ("", "  hostNetwork: false\n"))),
        inspect: None,
    },
    Case {
        code: "SS2007",
        run: Some(("docker run --pid host app:1", "docker run --pid container:x app:1")),
        compose: Some(("    pid: host\n", "    ipc: private\n")),
        k8s: Some((("", "  hostPID: true\n"), ("", "  hostIPC: false\n"))),
        inspect: Some(((r#","PidMode":"host""#, ""), (r#","IpcMode":"private""#, ""))),
    },
    Case {
        code: "SS2008",
        run: Some(("docker run --security-opt seccomp=unconfined app:1", "docker run --security-opt seccomp=/p.json app:1")),
        compose: Some(("    security_opt: [\"apparmor:unconfined\"]\n", "    security_opt: [\"apparmor:docker-default\"]\n")),
        k8s: Some((
            ("    securityContext: {seccompProfile: {type: Unconfined}}\n", ""),
            ("    securityContext: {seccompProfile: {type: RuntimeDefault}}\n", ""),
        )),
        inspect: Some(((r#","SecurityOpt":["label=disable"]"#, ""), (r#","SecurityOpt":["label=level:s0:c100"]"#, ""))),
    },
    Case {
        code: "SS2009",
        run: None,
        compose: None,
        k8s: Some((("", ""), ("", "  securityContext: {seccompProfile: {type: RuntimeDefault}}\n"))),
        inspect: None,
    },
    Case {
        code: "SS2010",
        run: Some(("docker run app:1", "docker run --security-opt=no-new-privileges app:1")),
        compose: Some(("    security_opt: [\"no-new-privileges:false\"]\n", "    security_opt: [\"no-new-privileges:true\"]\n")),
        k8s: Some((("", ""), ("    securityContext: {allowPrivilegeEscalation: false}\n", ""))),
        inspect: Some(((r#","SecurityOpt":null"#, ""), (r#","SecurityOpt":["no-new-privileges"]"#, ""))),
    },
    Case {
        code: "SS2011",
        run: Some(("docker run app:1", "docker run --read-only app:1")),
        compose: Some(("    read_only: false\n", "    read_only: true\n")),
        k8s: Some((("", ""), ("    securityContext: {readOnlyRootFilesystem: true}\n", ""))),
        inspect: Some(((r#","ReadonlyRootfs":false"#, ""), (r#","ReadonlyRootfs":true"#, ""))),
    },
    Case {
        code: "SS2012",
        run: Some(("docker run -m 0 app:1", "docker run -m 256m app:1")),
        compose: Some(("    mem_limit: 0\n", "    deploy:\n      resources:\n        limits:\n          memory: 256M\n")),
        k8s: Some((("    resources: {requests: {memory: 1Gi}}\n", ""), ("    resources: {limits: {memory: 1Gi}}\n", ""))),
        inspect: Some(((r#","Memory":0"#, ""), (r#","Memory":268435456"#, ""))),
    },
    Case {
        code: "SS2014",
        run: Some(("docker run app:1", "docker run --pids-limit 100 app:1")),
        compose: Some(("    pids_limit: -1\n", "    pids_limit: 100\n")),
        k8s: None,
        inspect: Some(((r#","PidsLimit":null"#, ""), (r#","PidsLimit":100"#, ""))),
    },
    Case {
        code: "SS2016",
        run: Some(("docker run -u root app:1", "docker run -u 1000 app:1")),
        compose: Some(("    user: \"0:0\"\n", "    user: \"1000:1000\"\n")),
        k8s: Some((("    securityContext: {runAsUser: 0}\n", ""), ("    securityContext: {runAsUser: 1000}\n", ""))),
        inspect: None,
    },
    Case {
        code: "SS2019",
        run: Some(("docker run -p 6379:6379 app:1", "docker run -p 127.0.0.1:6379:6379 app:1")),
        compose: Some((
            "    ports:\n      - target: 5432\n        published: \"5432\"\n",
            "    ports:\n      - target: 5432\n        published: \"5432\"\n        host_ip: 127.0.0.1\n",
        )),
        k8s: Some((("    ports: [{containerPort: 9200, hostPort: 9200}]\n", ""), ("    ports: [{containerPort: 9200}]\n", ""))),
        inspect: Some((
            (r#","PortBindings":{"5432/tcp":[{"HostIp":"","HostPort":"5432"}]}"#, ""),
            (r#","PortBindings":{"5432/tcp":[{"HostIp":"127.0.0.1","HostPort":"5432"}]}"#, ""),
        )),
    },
    Case {
        code: "SS2020",
        run: Some(("docker run -p 2375:2375 app:1", "docker run -p 127.0.0.1:2376:2376 app:1")),
        compose: Some(("    ports: [\"2375:2375\"]\n", "    ports: [\"127.0.0.1:8080:8080\"]\n")),
        k8s: None,
        inspect: None,
    },
    Case {
        code: "SS2021",
        run: Some(("docker run -e API_TOKEN=abcd1234efgh app:1", "docker run -e API_TOKEN_FILE=/run/secrets/token app:1")),
        compose: Some((
            "    environment:\n      POSTGRES_PASSWORD: ${PG_PASS:-Zk29fPq81LmX}\n",
            "    environment:\n      POSTGRES_PASSWORD_FILE: /run/secrets/db\n      POSTGRES_PASSWORD2: ${DB_PASSWORD}\n",
        )),
        k8s: Some((
            ("    env: [{name: DB_PASSWORD, value: s3cr3t-value}]\n", ""),
            ("    env: [{name: DB_PASSWORD, valueFrom: {secretKeyRef: {name: db, key: pw}}}]\n", ""),
        )),
        inspect: None,
    },
    Case {
        code: "SS2024",
        run: Some(("docker run -d --no-healthcheck app:1", "docker run -d --health-cmd 'curl -f localhost' app:1")),
        compose: Some(("    healthcheck:\n      disable: true\n", "    healthcheck:\n      test: [\"CMD\", \"true\"]\n")),
        k8s: Some((("", ""), ("    readinessProbe: {httpGet: {path: /, port: 80}}\n", ""))),
        inspect: None,
    },
    Case {
        code: "SS2025",
        run: Some(("docker run --device /dev/mem app:1", "docker run app:1")),
        compose: Some(("    devices: [\"/dev/sda:/dev/sda\"]\n", "    devices: []\n")),
        k8s: None,
        inspect: Some(((r#","Devices":[{"PathOnHost":"/dev/kvm","PathInContainer":"/dev/kvm"}]"#, ""), (r#","Devices":[]"#, ""))),
    },
    Case {
        code: "SS2033",
        run: Some(("docker run --read-only --tmpfs /run:rw,exec app:1", "docker run --read-only --tmpfs /run:rw,size=1m app:1")),
        compose: Some(("    read_only: true\n    tmpfs: [\"/run:exec,size=1m\"]\n", "    read_only: true\n    tmpfs: [\"/run:noexec\", /tmp]\n")),
        k8s: None,
        inspect: Some(((r#","ReadonlyRootfs":true,"Tmpfs":{"/run":"rw,exec"}"#, ""), (r#","ReadonlyRootfs":true,"Tmpfs":{"/run":"rw,size=1m"}"#, ""))),
    },
];

#[test]
fn each_rule_in_each_front_end() {
    for c in CASES {
        if let Some((bad, good)) = c.run {
            assert!(
                has(&run(bad), c.code),
                "{} docker run must fire: {bad}",
                c.code
            );
            assert!(
                !has(&run(good), c.code),
                "{} docker run must not fire: {good}",
                c.code
            );
        }
        if let Some((bad, good)) = c.compose {
            assert!(
                has(&compose(bad), c.code),
                "{} compose must fire:\n{bad}",
                c.code
            );
            assert!(
                !has(&compose(good), c.code),
                "{} compose must not fire:\n{good}",
                c.code
            );
        }
        if let Some(((bc, bp), (gc, gp))) = c.k8s {
            assert!(
                has(&k8s(bc, bp), c.code),
                "{} k8s must fire:\n{bc}{bp}",
                c.code
            );
            assert!(
                !has(&k8s(gc, gp), c.code),
                "{} k8s must not fire:\n{gc}{gp}",
                c.code
            );
        }
        if let Some(((bh, bt), (gh, gt))) = c.inspect {
            assert!(
                has(&inspect(bh, bt), c.code),
                "{} inspect must fire: {bh}{bt}",
                c.code
            );
            assert!(
                !has(&inspect(gh, gt), c.code),
                "{} inspect must not fire: {gh}{gt}",
                c.code
            );
        }
    }
}

#[test]
fn compose_interpolation_and_locations() {
    let text = "services:\n  app:\n    image: app:${TAG:-latest}\n    privileged: ${PRIV:-true}\n";
    let a = analyse_compose(
        &[SourceFile::new("compose.yaml", text)],
        Path::new("/nonexistent"),
    );
    let latest = a
        .findings
        .iter()
        .find(|f| f.rule == "SS2022")
        .expect("defaults to latest");
    let span = latest.location.span.unwrap();
    assert_eq!(&text[span.byte_start..span.byte_end], "app:${TAG:-latest}");
    assert_eq!(latest.location.key.as_deref(), Some("services.app.image"));
    assert!(a.findings.iter().any(|f| f.rule == "SS2001"));
    // a `.env` next to the file sets the tag
    let dir = std::env::temp_dir().join(format!("shipshape-runtime-env-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(".env"), "TAG=1.2.3\nPRIV=false\n").unwrap();
    let a = analyse_compose(&[SourceFile::new("compose.yaml", text)], &dir);
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        !a.findings
            .iter()
            .any(|f| f.rule == "SS2022" || f.rule == "SS2001"),
        "{:?}",
        a.findings
    );
}

#[test]
fn ci_yaml_and_markdown_line_numbers() {
    let wf = "on: push\njobs:\n  e2e:\n    runs-on: ubuntu-latest\n    steps:\n      - run: |\n          echo start\n          docker run -d \\\n            --privileged \\\n            app:1.0\n";
    let a = analyse_docker_run_text(&SourceFile::new(".github/workflows/e2e.yml", wf));
    let f = a
        .findings
        .iter()
        .find(|f| f.rule == "SS2001")
        .expect("privileged in run step");
    assert_eq!(f.location.span.unwrap().line, 9);
    let md = "# App\n\n```bash\n$ docker run -d --cap-add SYS_ADMIN app:1.0\n```\n";
    let a = analyse_docker_run_text(&SourceFile::new("README.md", md));
    let f = a
        .findings
        .iter()
        .find(|f| f.rule == "SS2002")
        .expect("cap in README");
    assert_eq!(f.location.span.unwrap().line, 4);
    // an inline ignore above a multi-line command covers all of its lines
    let sh = "# shipshape:ignore SS2001 lab machine\ndocker run -d \\\n  --privileged app:1\n";
    let a = analyse_docker_run_text(&SourceFile::new("lab.sh", sh));
    let ig = &a.ignores["lab.sh"][0];
    assert!(ig.covers(3));
    // Markdown: an ignore inside the code block applies; a heading that looks like one does not
    let md = "# shipshape:ignore SS2002 a heading, not a comment\n\n```sh\n\
              docker run --cap-add SYS_ADMIN a:1\n```\n\n```sh\n\
              # shipshape:ignore SS2002 the demo needs it\n\
              docker run --cap-add SYS_ADMIN b:1\n```\n";
    let a = analyse_docker_run_text(&SourceFile::new("README.md", md));
    let ignores = &a.ignores["README.md"];
    assert_eq!(ignores.len(), 1, "{ignores:?}");
    assert!(ignores[0].covers(9) && !ignores[0].covers(4), "{ignores:?}");
}

#[test]
fn tmpfs_exec_forms() {
    // short syntax as a single string, and the flag's --mount form
    assert!(has(
        &compose("    read_only: true\n    tmpfs: /run:exec\n"),
        "SS2033"
    ));
    assert!(has(
        &run("docker run --read-only --tmpfs=/run:exec app:1"),
        "SS2033"
    ));
    // Compose long syntax and --mount type=tmpfs cannot set exec: runtime default noexec
    let long = "    read_only: true\n    volumes:\n      - type: tmpfs\n        target: /run\n        tmpfs: {size: 1000000}\n";
    assert!(!has(&compose(long), "SS2033"));
    assert!(!has(
        &run("docker run --read-only --mount type=tmpfs,destination=/run app:1"),
        "SS2033"
    ));
    // writable root: SS2011 fires, the tmpfs adds nothing
    let writable = compose("    tmpfs: /run:exec\n");
    assert!(has(&writable, "SS2011") && !has(&writable, "SS2033"));
    assert!(!has(
        &inspect(r#","ReadonlyRootfs":false,"Tmpfs":{"/run":"exec"}"#, ""),
        "SS2033"
    ));
}

#[test]
fn command_line_credentials() {
    assert!(has(
        &compose("    command: polipo authCredentials=deploy:Zk29fPq81LmX\n"),
        "SS2021"
    ));
    // polipo's documented placeholder is not a credential
    assert!(!has(
        &compose("    command: polipo authCredentials=username:password\n"),
        "SS2021"
    ));
    assert!(has(
        &compose("    command: [\"app\", \"--db-password=hunter22\"]\n"),
        "SS2021"
    ));
    assert!(has(
        &run("docker run app:1 app --api-key=Vq83nZp1Lk7tYw2R"),
        "SS2021"
    ));
    assert!(!has(
        &compose(
            "    command: [\"serve\", \"--max-tokens=512\", \"--password-file=/run/secrets/pw\"]\n"
        ),
        "SS2021"
    ));
    assert!(!has(
        &compose("    command: polipo authCredentials=${CREDS}\n"),
        "SS2021"
    ));
}
