//! Facts one analyser publishes for the others: one picture of a workload across sources.
//!
//! A check runs in two phases. First every analyser states what it knows that another source
//! needs ([`crate::Analyser::facts`]): the Dockerfile analyser, what each image built here does
//! at run time (its final user, health check, exposed ports, whether its entrypoint drops
//! privileges); the runtime analyser, where those images are deployed and as which user. The
//! binary merges the facts into the [`crate::Scope`] and runs every analyser's `analyse`, which
//! may read them: a Compose service with `build: ./app` counts `app/Dockerfile`'s `USER`, and a
//! `user:` set for that service mitigates the Dockerfile's root finding. Analysers never call
//! each other; the facts are plain data keyed by root-relative paths.

use crate::finding::Location;
use std::collections::BTreeMap;

/// Everything the analysers published in the first phase.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// The images built from the Dockerfiles of the scan, by the Dockerfile's path relative to
    /// the scan root (`app/Dockerfile`).
    pub dockerfiles: BTreeMap<String, DockerfileFacts>,
    /// Where an image built from a Dockerfile of the scan is run, by the Dockerfile's path.
    pub deployments: BTreeMap<String, Vec<Deployment>>,
    /// Names under which images are built from Dockerfiles of the scan (Skaffold artifacts,
    /// Compose services with both `image:` and `build:`), so that manifests naming them can be
    /// tied to the Dockerfile.
    pub built_images: Vec<BuiltImageName>,
}

/// An image name a build configuration gives to an image built from a Dockerfile of the scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuiltImageName {
    /// The name as written (`frontend`, `ghcr.io/acme/api:dev`).
    pub image: String,
    /// The Dockerfile, relative to the scan root.
    pub dockerfile: String,
    /// The stage built, if not the release stage.
    pub target: Option<String>,
    /// The tool that builds it also deploys it and writes the built image's exact reference
    /// into the manifests (Skaffold): the name in a manifest is not the tag that runs.
    pub pinned_on_deploy: bool,
}

impl BuiltImageName {
    /// Whether a manifest's image reference names this image, whatever its tag or digest: the
    /// same repository, or the same path under a registry prefix (Skaffold's default
    /// repository turns `frontend` into `gcr.io/project/frontend`).
    pub fn matches(&self, reference: &str) -> bool {
        let repo = |r: &str| {
            crate::imageref::ImageRef::parse_lenient(r).map(|i| {
                match i.registry {
                    Some(reg) => format!("{reg}/{}", i.repository),
                    None => i.repository.to_string(),
                }
                .to_ascii_lowercase()
            })
        };
        match (repo(&self.image), repo(reference)) {
            (Some(built), Some(used)) => used == built || used.ends_with(&format!("/{built}")),
            _ => false,
        }
    }
}

impl Facts {
    /// Adds another analyser's facts.
    pub fn merge(&mut self, other: Facts) {
        self.dockerfiles.extend(other.dockerfiles);
        for (path, deployments) in other.deployments {
            self.deployments
                .entry(path)
                .or_default()
                .extend(deployments);
        }
        self.built_images.extend(other.built_images);
    }

    /// The facts of the stage a deployment builds: its `target`, else the Dockerfile's release
    /// stage.
    pub fn stage(&self, dockerfile: &str, target: Option<&str>) -> Option<&StageFacts> {
        let df = self.dockerfiles.get(dockerfile)?;
        match target {
            Some(t) => df
                .stages
                .iter()
                .find(|s| s.name.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(t))),
            None => df.final_stage.and_then(|i| df.stages.get(i)),
        }
    }
}

/// What an image built from one Dockerfile does when it runs, per stage.
#[derive(Debug, Clone, Default)]
pub struct DockerfileFacts {
    /// Every stage, in file order.
    pub stages: Vec<StageFacts>,
    /// The stage built for release (the last, or the configured target), an index into `stages`.
    pub final_stage: Option<usize>,
}

/// Which user an image runs as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageUser {
    /// A non-root user, set by `USER` (at `line`) or by a base image known to set one (no line).
    NonRoot { user: String, line: Option<u32> },
    /// Root: a `USER root` (at `line`), or no `USER` and a base image that runs as root.
    Root { line: Option<u32> },
    /// Not known here (a `USER` from a build argument without a default, a stage of another file).
    Unknown,
}

/// What one stage, used as an image, does at run time.
#[derive(Debug, Clone)]
pub struct StageFacts {
    /// `FROM … AS name`, if named.
    pub name: Option<String>,
    /// 1-based line of its `FROM`.
    pub line: u32,
    pub user: ImageUser,
    /// `Some(true)`: a `HEALTHCHECK` is defined along its ancestry; `Some(false)`: the last one
    /// is `HEALTHCHECK NONE`; `None`: none here (the base image may have one).
    pub healthcheck: Option<bool>,
    /// `EXPOSE`d ports as written (`8080`, `53/udp`), along its ancestry.
    pub exposed: Vec<String>,
    /// Why the image starts as root on purpose, when it does: its entrypoint drops privileges
    /// (`gosu`, `su-exec`, …) or it runs a server that does so itself (nginx, postgres, httpd).
    pub drops_privileges: Option<String>,
    /// A `FROM scratch` image with no `CMD` or `ENTRYPOINT`: files only (an operator bundle, a
    /// data image), never run as a container.
    pub runs_nothing: bool,
}

/// One place an image built here is run, and the user it is run as.
#[derive(Debug, Clone)]
pub struct Deployment {
    /// The service or workload (`web`).
    pub name: String,
    /// The stage built (`build.target`), if not the release stage.
    pub target: Option<String>,
    /// Where the deployment is written (the service's key).
    pub location: Location,
    /// The user it is run as (`user:`, `runAsUser`), and where that is written.
    pub user: Option<(String, Location)>,
    /// Kubernetes `runAsNonRoot: true`, and where.
    pub run_as_non_root: Option<Location>,
}

impl Deployment {
    /// Where it is run as a non-root user, if it is.
    pub fn non_root_at(&self) -> Option<&Location> {
        match &self.user {
            Some((u, loc)) if !is_root_user(u) => Some(loc),
            Some(_) => None,
            None => self.run_as_non_root.as_ref(),
        }
    }
}

/// Whether a `user[:group]` string names root (`root`, `0`, `0:0`).
pub fn is_root_user(user: &str) -> bool {
    let name = user.split(':').next().unwrap_or(user).trim();
    name == "root" || name == "0"
}

/// Joins root-relative path parts and resolves `.` and `..` (never above the root).
pub fn join_rel(dir: &str, rel: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for p in dir.split('/').chain(rel.split('/')) {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_join_and_normalise() {
        assert_eq!(join_rel("flask", "app/Dockerfile"), "flask/app/Dockerfile");
        assert_eq!(join_rel("a/b", "../c/./Dockerfile"), "a/c/Dockerfile");
        assert_eq!(join_rel("", "./Dockerfile"), "Dockerfile");
    }

    #[test]
    fn stage_by_target_or_final() {
        let stage = |name: Option<&str>, line| StageFacts {
            name: name.map(str::to_string),
            line,
            user: ImageUser::Unknown,
            healthcheck: None,
            exposed: Vec::new(),
            drops_privileges: None,
            runs_nothing: false,
        };
        let mut facts = Facts::default();
        facts.dockerfiles.insert(
            "app/Dockerfile".into(),
            DockerfileFacts {
                stages: vec![stage(Some("build"), 1), stage(None, 5)],
                final_stage: Some(1),
            },
        );
        assert_eq!(facts.stage("app/Dockerfile", None).map(|s| s.line), Some(5));
        assert_eq!(
            facts.stage("app/Dockerfile", Some("Build")).map(|s| s.line),
            Some(1)
        );
        assert!(facts.stage("app/Dockerfile", Some("nope")).is_none());
        assert!(facts.stage("other/Dockerfile", None).is_none());
    }

    #[test]
    fn built_image_names_match_manifest_references() {
        let n = BuiltImageName {
            image: "frontend".into(),
            dockerfile: "src/frontend/Dockerfile".into(),
            target: None,
            pinned_on_deploy: true,
        };
        assert!(n.matches("frontend"));
        assert!(n.matches("frontend:v1"));
        assert!(n.matches("us-docker.pkg.dev/project/demo/frontend:v0.10.1"));
        assert!(!n.matches("frontend-proxy"));
        assert!(!n.matches("myfrontend"));
        let n = BuiltImageName {
            image: "ghcr.io/acme/api:dev".into(),
            ..n
        };
        assert!(n.matches("ghcr.io/acme/api@sha256:0000000000000000000000000000000000000000000000000000000000000000"));
        assert!(!n.matches("api"));
    }

    #[test]
    fn merge_keeps_everything() {
        let name = |image: &str| BuiltImageName {
            image: image.into(),
            dockerfile: format!("{image}/Dockerfile"),
            target: None,
            pinned_on_deploy: false,
        };
        let deployment = |n: &str| Deployment {
            name: n.into(),
            target: None,
            location: Location::path("compose.yaml"),
            user: None,
            run_as_non_root: None,
        };
        let mut a = Facts::default();
        a.built_images.push(name("a"));
        a.deployments
            .insert("a/Dockerfile".into(), vec![deployment("x")]);
        let mut b = Facts::default();
        b.built_images.push(name("b"));
        b.deployments
            .insert("a/Dockerfile".into(), vec![deployment("y")]);
        b.dockerfiles
            .insert("b/Dockerfile".into(), DockerfileFacts::default());
        a.merge(b);
        assert_eq!(a.built_images, vec![name("a"), name("b")]);
        assert_eq!(a.deployments["a/Dockerfile"].len(), 2);
        assert!(a.dockerfiles.contains_key("b/Dockerfile"));
    }

    #[test]
    fn non_root_deployments() {
        let d = |user: Option<&str>, non_root: bool| Deployment {
            name: "web".into(),
            target: None,
            location: Location::path("compose.yaml"),
            user: user.map(|u| (u.to_string(), Location::path("compose.yaml"))),
            run_as_non_root: non_root.then(|| Location::path("k.yaml")),
        };
        assert!(d(Some("1000"), false).non_root_at().is_some());
        assert!(d(Some("0:0"), true).non_root_at().is_none());
        assert!(d(None, true).non_root_at().is_some());
        assert!(d(None, false).non_root_at().is_none());
    }
}
