//! The command line, declared once with clap; help and completions are generated from it.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Is this container safe to ship? Checks Dockerfiles, build contexts, runtime configuration,
/// images and secrets against one production checklist, offline, with one exit code.
#[derive(Debug, Parser)]
#[command(name = "shipshape", version)]
#[command(
    after_help = "Exit codes: 0 nothing at or above the threshold, 1 findings at or above it \
(or a required checklist item did not pass), 2 usage or scan error (fail closed)."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Analyse a project: every Dockerfile, .dockerignore, compose file, Kubernetes manifest and
    /// `docker run` line under PATH, every text file for secrets, and the packages of every
    /// lockfile against the local vulnerability database; print findings and the production
    /// checklist.
    Check(CheckArgs),
    /// Audit a built image: configuration, every layer's files (deleted ones included), its
    /// attestations (SBOM, provenance: BuildKit attestation manifests, OCI referrers), the
    /// checklist items an image decides. REF: `docker-archive:FILE`, `oci-archive:FILE`,
    /// `oci:DIR[:TAG]`, `docker:NAME` (local Docker Engine), `registry:HOST/REPO:TAG|@DIGEST`,
    /// a path to an archive or layout, or `NAME:TAG` (Engine first, then the registry).
    Image(ImageArgs),
    /// List every package installed in an image or locked in a directory: dpkg, apk and rpm
    /// databases (the distribution from os-release), Cargo, npm, Python, Go, Ruby and PHP
    /// lockfiles, Go and cargo-auditable binaries, Java archives (nested ones too); as CycloneDX
    /// 1.6, SPDX 2.3, JSON, a table, or (images) an in-toto statement carrying the CycloneDX or
    /// SPDX document, with the packages' known vulnerabilities when a vulnerability database
    /// exists (CycloneDX, JSON, table). REF is an image reference as for `image`, or a
    /// directory. A database, lockfile or archive that cannot be read is an error (exit 2, no
    /// document).
    Sbom(SbomArgs),
    /// Find credentials in files (honouring .gitignore), in git history (`--git`) or on standard
    /// input (`-`): 200+ provider formats with checksum checks, plus generic assignments.
    Secrets(SecretsArgs),
    /// Print the network graph of a compose project, or of Kubernetes manifests deployed together
    /// (NetworkPolicies applied): which services or workloads can reach which.
    Graph(GraphArgs),
    /// The offline vulnerability database (OSV advisories): import advisories, show its status.
    Db(DbArgs),
    /// List every rule: code, slug, severity, checklist item, equivalent ids in other tools.
    Rules(RulesArgs),
    /// Show a rule's documentation (by code or slug, e.g. `SS1001` or `root-user`).
    Rule {
        /// Rule code or slug.
        id: String,
    },
    /// Write a commented default shipshape.toml.
    Init {
        /// Directory to write shipshape.toml into.
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// Overwrite an existing shipshape.toml.
        #[arg(long)]
        force: bool,
    },
    /// Print shell completions (bash, zsh, fish, elvish, powershell).
    Completions { shell: clap_complete::Shell },
}

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// Source excerpts, the checklist and a summary, for people.
    Human,
    /// The versioned JSON contract (schemas/shipshape-report-v1.schema.json).
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// JUnit XML: one suite per checklist item.
    Junit,
    /// GitHub Actions annotations.
    Github,
}

impl From<FormatArg> for shipshape_report::Format {
    fn from(f: FormatArg) -> Self {
        match f {
            FormatArg::Human => shipshape_report::Format::Human,
            FormatArg::Json => shipshape_report::Format::Json,
            FormatArg::Sarif => shipshape_report::Format::Sarif,
            FormatArg::Junit => shipshape_report::Format::Junit,
            FormatArg::Github => shipshape_report::Format::Github,
        }
    }
}

/// Options shared by every command that produces a report.
#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = FormatArg::Human)]
    pub format: FormatArg,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Only print errors and the summary line (human format).
    #[arg(long, short = 'q', conflicts_with = "verbose")]
    pub quiet: bool,
    /// Also print suppressed findings and every scanned input (human format).
    #[arg(long, short = 'v')]
    pub verbose: bool,
    /// Never use colours (also: the NO_COLOR environment variable).
    #[arg(long)]
    pub no_color: bool,
    /// One line per finding: `path:line:col: severity[rule] message` (human format).
    #[arg(long, conflicts_with = "statistics")]
    pub concise: bool,
    /// Counts per rule, most frequent first, instead of the findings (human format).
    #[arg(long)]
    pub statistics: bool,
}

/// Options of the policy.
#[derive(Debug, Args)]
pub struct PolicyArgs {
    /// Configuration file (default: the nearest shipshape.toml or .shipshape.toml above PATH).
    #[arg(long, short = 'c', value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Fail (exit 1) on findings of this severity or worse; overrides `fail-on` in the config.
    #[arg(long, value_name = "SEVERITY", value_parser = ["critical", "high", "medium", "low", "info"])]
    pub fail_on: Option<String>,
    /// Set aside findings less sure than this (they are listed as suppressed, never fail);
    /// overrides `min-confidence` in the config.
    #[arg(long, value_name = "CONFIDENCE", value_parser = ["high", "medium", "low"])]
    pub min_confidence: Option<String>,
    /// The Kubernetes Pod Security Standards profile the gate enforces: what it forbids fails
    /// the run whatever the severity (`restricted` adds non-root, drop ALL, no privilege
    /// escalation, seccomp, a read-only root and limits); overrides `profile` in the config.
    #[arg(long, value_name = "PROFILE", value_parser = ["baseline", "restricted"])]
    pub profile: Option<String>,
}

/// Options of the vulnerability lookup (`image`, `check`, `sbom`).
#[derive(Debug, Args)]
pub struct VulnArgs {
    /// Only show vulnerabilities of these severities (`critical,high`); overrides `severity` in
    /// the config's [vulnerabilities]. Hidden ones are not counted for the exit code, but a
    /// hidden critical or high still fails the `vulnerabilities` checklist item.
    #[arg(long, value_name = "SEVERITY,...", value_delimiter = ',', value_parser = ["critical", "high", "medium", "low", "info"])]
    pub severity: Vec<String>,
    /// Only show vulnerabilities that have a fixed version (as `--severity`, a view: a hidden
    /// critical or high still fails the `vulnerabilities` item).
    #[arg(long)]
    pub only_fixed: bool,
    /// Warn when the vulnerability database is older than this many days; overrides
    /// `db-max-age` in the config (default 7).
    #[arg(long, value_name = "DAYS")]
    pub db_max_age: Option<u64>,
}

/// Options of the commands that gate on vulnerabilities (`image`, `check`; `sbom` lists every
/// known vulnerability and takes neither).
#[derive(Debug, Args)]
pub struct VulnGateArgs {
    /// A VEX document (OpenVEX or CycloneDX VEX JSON; repeatable, after those of `vex` in the
    /// config): `not_affected` and `fixed` statements suppress the findings they name (listed
    /// as suppressed with the statement), `affected` and `under_investigation` are shown on them.
    #[arg(long = "vex", value_name = "FILE")]
    pub vex: Vec<PathBuf>,
    /// Fail (exit 1) on any vulnerability in the CISA KEV catalog (known exploited), whatever
    /// its severity; import the catalog with `shipshape db import`. Sets `fail-on-kev`.
    #[arg(long)]
    pub fail_on_kev: bool,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Directory or file to analyse, or `-` for rendered Kubernetes manifests or a compose file
    /// on standard input (`helm template . | shipshape check -`).
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// Dockerfile stage built for release (default: the last stage); overrides `[dockerfile] target`.
    #[arg(long, value_name = "STAGE")]
    pub target: Option<String>,
    /// Do not scan files for secrets (Dockerfile and runtime settings are still checked).
    #[arg(long)]
    pub no_secrets: bool,
    /// Show secrets in full in excerpts and messages (never do this in CI logs).
    #[arg(long)]
    pub show_secrets: bool,
    /// Cache directory holding the vulnerability database that the packages of lockfiles are
    /// checked against (as for `shipshape db`). Without a database the `vulnerabilities` item
    /// is not analysed.
    #[arg(long, value_name = "DIR", env = "SHIPSHAPE_CACHE_DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Also write the project's SBOM (its lockfiles' packages) to FILE.
    #[arg(long, value_name = "FILE")]
    pub sbom: Option<PathBuf>,
    /// Format of the `--sbom` file.
    #[arg(long, value_enum, default_value_t = SbomFormat::Cyclonedx, requires = "sbom")]
    pub sbom_format: SbomFormat,
    #[command(flatten)]
    pub vulns: VulnArgs,
    #[command(flatten)]
    pub gate: VulnGateArgs,
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(flatten)]
    pub policy: PolicyArgs,
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    /// Print the rule list as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ImageArgs {
    /// The image reference.
    pub reference: String,
    /// Platform to pick from a multi-platform image (`linux/arm64`).
    #[arg(long, value_name = "OS/ARCH")]
    pub platform: Option<String>,
    /// Talk plain HTTP to the registry (test registries only).
    #[arg(long)]
    pub insecure: bool,
    /// Registry credentials `USER:PASSWORD` (default: ~/.docker/config.json and its helpers).
    #[arg(
        long,
        value_name = "USER:PASSWORD",
        env = "SHIPSHAPE_REGISTRY_AUTH",
        hide_env_values = true
    )]
    pub creds: Option<String>,
    /// Cache directory holding the vulnerability database that the image's packages are
    /// checked against (as for `shipshape db`; default: $XDG_CACHE_HOME/shipshape, else
    /// ~/.cache/shipshape). Without a database the `vulnerabilities` item is not analysed.
    #[arg(long, value_name = "DIR", env = "SHIPSHAPE_CACHE_DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Hash every layer, also those an earlier scan verified in the same, unchanged local file
    /// (remembered in the cache directory's `verified/`).
    #[arg(long)]
    pub no_digest_cache: bool,
    #[command(flatten)]
    pub vulns: VulnArgs,
    #[command(flatten)]
    pub gate: VulnGateArgs,
    /// Print on standard error how long reading the image and matching its packages took
    /// (bench/vuln.sh reads it).
    #[arg(long)]
    pub timings: bool,
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(flatten)]
    pub policy: PolicyArgs,
}

/// Format of `shipshape sbom`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SbomFormat {
    /// CycloneDX 1.6 JSON.
    Cyclonedx,
    /// SPDX 2.3 JSON.
    Spdx,
    /// shipshape's own package list as JSON.
    Json,
    /// One package a line, for people.
    Table,
    /// An in-toto Statement v1 about the image (by its manifest digest) with the CycloneDX (or,
    /// with `--predicate spdx`, SPDX) document as predicate; images only.
    InToto,
}

/// The document an in-toto statement carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SbomPredicate {
    /// CycloneDX 1.6 (`https://cyclonedx.org/bom`).
    Cyclonedx,
    /// SPDX 2.3 (`https://spdx.dev/Document`).
    Spdx,
}

#[derive(Debug, Args)]
pub struct SbomArgs {
    /// An image reference (as for `image`) or a directory.
    pub reference: String,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = SbomFormat::Table)]
    pub format: SbomFormat,
    /// With `--format in-toto`: the SBOM document the statement carries.
    #[arg(long, value_enum, default_value_t = SbomPredicate::Cyclonedx)]
    pub predicate: SbomPredicate,
    /// Write the SBOM to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Platform to pick from a multi-platform image (`linux/arm64`).
    #[arg(long, value_name = "OS/ARCH")]
    pub platform: Option<String>,
    /// Talk plain HTTP to the registry (test registries only).
    #[arg(long)]
    pub insecure: bool,
    /// Registry credentials `USER:PASSWORD` (default: ~/.docker/config.json and its helpers).
    #[arg(
        long,
        value_name = "USER:PASSWORD",
        env = "SHIPSHAPE_REGISTRY_AUTH",
        hide_env_values = true
    )]
    pub creds: Option<String>,
    /// No progress display.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Cache directory holding the vulnerability database the packages are looked up in
    /// (CycloneDX `vulnerabilities`, a JSON list, a table section); without one the SBOM is
    /// written alone, with a note on standard error.
    #[arg(long, value_name = "DIR", env = "SHIPSHAPE_CACHE_DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Hash every layer, also those an earlier scan verified in the same, unchanged local file
    /// (remembered in the cache directory's `verified/`).
    #[arg(long)]
    pub no_digest_cache: bool,
    /// Do not look the packages up in the vulnerability database.
    #[arg(long, conflicts_with_all = ["severity", "only_fixed"])]
    pub no_vulns: bool,
    /// Configuration file for [vulnerabilities] (default: the nearest shipshape.toml or
    /// .shipshape.toml above the current directory).
    #[arg(long, short = 'c', value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(flatten)]
    pub vulns: VulnArgs,
}

/// Format of `shipshape graph`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    /// Services, their networks and the reachability findings, as text.
    Text,
    /// Graphviz DOT.
    Dot,
    /// Mermaid flowchart.
    Mermaid,
    /// Services, networks and every reachable pair, for other tools
    /// (`schemas/shipshape-graph-v1.schema.json`).
    Json,
}

#[derive(Debug, Args)]
pub struct GraphArgs {
    /// Compose files, merged in order like `docker compose -f a -f b`; or Kubernetes manifests,
    /// analysed together; or one directory (its compose files, else its Kubernetes manifests).
    #[arg(default_value = ".")]
    pub files: Vec<PathBuf>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = GraphFormat::Text)]
    pub format: GraphFormat,
}

#[derive(Debug, Args)]
pub struct SecretsArgs {
    /// Directory or file to scan, or `-` for standard input.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// Scan every blob reachable from every ref of the git repository at PATH, once each;
    /// findings name the commit, author and date that introduced them.
    #[arg(long)]
    pub git: bool,
    /// Accept the findings listed in this baseline file (from --write-baseline, or a gitleaks
    /// JSON report); only new ones are reported.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Write the findings of this scan to a baseline file.
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
    /// Also run the rules and allowlists of a gitleaks TOML configuration.
    #[arg(long, value_name = "FILE")]
    pub gitleaks_config: Option<PathBuf>,
    /// Show secrets in full (never do this in CI logs).
    #[arg(long)]
    pub show_secrets: bool,
    /// Scan files that .gitignore excludes too.
    #[arg(long)]
    pub no_ignore: bool,
    /// Skip files larger than this many bytes (default 10 MiB).
    #[arg(long, value_name = "BYTES")]
    pub max_file_size: Option<u64>,
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(flatten)]
    pub policy: PolicyArgs,
}

#[derive(Debug, Args)]
pub struct DbArgs {
    /// Cache directory holding the database (default: $XDG_CACHE_HOME/shipshape, else
    /// ~/.cache/shipshape); the database is DIR/vuln/osv.sqlite.
    #[arg(long, value_name = "DIR", env = "SHIPSHAPE_CACHE_DIR", global = true)]
    pub cache_dir: Option<PathBuf>,
    #[command(subcommand)]
    pub command: DbCommand,
}

#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Load OSV advisories for air-gapped use: an OSV all.zip, a directory of OSV JSON/YAML
    /// records (searched recursively), or one record. Records are added to the database or
    /// replace those with the same id. Also loads prioritisation data, told apart by content:
    /// the CISA KEV catalog (known_exploited_vulnerabilities.json) and FIRST EPSS scores
    /// (epss_scores-DATE.csv, gzipped or not), each replacing the previous one. The database is
    /// swapped in atomically.
    Import {
        /// A .zip, a directory, a record file, a KEV catalog or an EPSS score file.
        path: PathBuf,
    },
    /// Download the OSV advisories of each ecosystem (`BASE/<Ecosystem>/all.zip`) and swap
    /// them into the database; unchanged ecosystems cost one conditional request (ETag,
    /// Last-Modified). A failed or interrupted update leaves the previous database working.
    Update {
        /// Only these ecosystems (OSV names: Debian, Ubuntu, Alpine, "Red Hat", AlmaLinux,
        /// "Rocky Linux", crates.io, npm, PyPI, Go, Maven, RubyGems, Packagist, NuGet);
        /// default: all of them.
        #[arg(long = "ecosystem", value_name = "NAME")]
        ecosystems: Vec<String>,
        /// Base URL of the OSV bucket or a mirror of it.
        #[arg(long, value_name = "URL", env = "SHIPSHAPE_OSV_URL", default_value = shipshape_vuln::update::DEFAULT_BASE_URL)]
        base_url: String,
        /// Also download the CISA KEV catalog (known_exploited_vulnerabilities.json) from this
        /// URL, with the same conditional requests, retries and atomic swap.
        #[arg(long, value_name = "URL", env = "SHIPSHAPE_KEV_URL")]
        kev_url: Option<String>,
        /// Also download FIRST EPSS scores (a CSV, gzipped or not) from this URL.
        #[arg(long, value_name = "URL", env = "SHIPSHAPE_EPSS_URL")]
        epss_url: Option<String>,
        /// No progress bar.
        #[arg(long, short = 'q')]
        quiet: bool,
    },
    /// Show the database's age, its counts per ecosystem, and the KEV catalog and EPSS scores
    /// imported.
    Status {
        /// Print the status as JSON.
        #[arg(long)]
        json: bool,
        /// Warn when the database is older than this many days; overrides `db-max-age` in the
        /// config's [vulnerabilities] (default 7).
        #[arg(long, value_name = "DAYS")]
        max_age_days: Option<u64>,
        /// Configuration file whose [vulnerabilities] `db-max-age` applies (default: the
        /// nearest shipshape.toml or .shipshape.toml above the current directory).
        #[arg(long, short = 'c', value_name = "FILE")]
        config: Option<PathBuf>,
    },
}
