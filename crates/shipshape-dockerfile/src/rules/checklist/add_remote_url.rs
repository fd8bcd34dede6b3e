use super::common::advice;
use crate::rules::{Context, Instr, Out, Rule};
use crate::InstructionKind;
use shipshape_core::{ChecklistItem, RuleMeta, Severity, SourceKind};

pub static META: RuleMeta = RuleMeta {
    code: "SS1019",
    slug: "add-remote-url",
    summary: "ADD fetches a URL without `--checksum`, or a git repository without a commit pin",
    severity: Severity::Medium,
    checklist: ChecklistItem::Provenance,
    source: SourceKind::Dockerfile,
    equivalents: &[],
    fix: None,
    docs: r#"## What it does
Reports `ADD` sources that are fetched at build time and not pinned:

- an `http://` or `https://` URL without `--checksum=sha256:…`;
- a git repository (`https://host/org/repo.git#ref`, `git@host:org/repo.git`,
  `git://…`) whose `#ref` is not a full 40- or 64-character commit hash and that has no
  `--checksum` (BuildKit checks it against the commit).

Every stage is checked.

## Why it matters
The content behind a URL or a branch/tag name can change at any time — a new release, a
compromised server, a force-pushed tag — and the build silently picks it up. A checksum or a
commit hash makes the build reproducible and fail loudly on tampering.

## How to fix
Pin the content:

```dockerfile
ADD --checksum=sha256:24454f830cdd…  https://example.com/tool-1.2.3.tar.gz /tmp/
ADD https://github.com/acme/lib.git#8f3a1c0e9b7d6f5a4c3b2a1908f7e6d5c4b3a291 /src/lib
```

`--checksum` needs the Dockerfile syntax 1.6 or later (BuildKit); for older builders, download
with `curl` and verify with `sha256sum -c`.

## Example
```dockerfile
ADD https://example.com/tool.tar.gz /tmp/      # reported
ADD https://github.com/acme/lib.git#main /src  # reported: a branch, not a commit
```
"#,
};

fn is_commit(r: &str) -> bool {
    (r.len() == 40 || r.len() == 64) && r.bytes().all(|c| c.is_ascii_hexdigit())
}

fn is_git(url: &str) -> bool {
    let base = url.split('#').next().unwrap_or(url);
    url.starts_with("git@")
        || url.starts_with("git://")
        || url.starts_with("ssh://")
        || base.ends_with(".git")
}

shipshape_core::declare_rule!(AddRemoteUrl);

impl Rule for AddRemoteUrl {
    fn check_instruction(&self, ctx: &Context, _index: usize, instr: &Instr, out: &mut Out) {
        let InstructionKind::Add(add) = &instr.effective().kind else {
            return;
        };
        if add.checksum.is_some() {
            return;
        }
        for src in &add.sources {
            if src.heredoc.is_some() {
                continue;
            }
            let url = src.word.value.as_str();
            let remote = url.starts_with("http://") || url.starts_with("https://");
            if is_git(url) {
                let reference = url
                    .split_once('#')
                    .map(|(_, r)| r.split(':').next().unwrap_or(r));
                if reference.is_some_and(is_commit) {
                    continue;
                }
                let what = match reference {
                    Some(r) if !r.is_empty() => {
                        format!("is pinned to `{r}`, a branch or tag that can move")
                    }
                    _ => "has no `#ref`, so it follows the default branch".to_string(),
                };
                out.push(
                    ctx.finding(
                        &META,
                        src.word.span,
                        format!("ADD of the git repository `{url}` {what}"),
                    )
                    .with_fix(advice(
                        "pin a full commit hash: `ADD <repo>.git#<40-hex commit> <dest>`",
                    )),
                );
            } else if remote {
                out.push(
                    ctx.finding(
                        &META,
                        src.word.span,
                        format!("ADD downloads `{url}` without `--checksum`: the content is not verified"),
                    )
                    .with_fix(advice(
                        "add `--checksum=sha256:<digest of the file>` (Dockerfile syntax 1.6+), or download and verify with `sha256sum -c`",
                    )),
                );
            }
        }
    }
}
