//! The `shipshape` binary: command-line parsing and wiring of the analysers; no analysis here.

/// `println!` that returns an error instead of panicking when standard output is closed
/// (`shipshape rules | head`): `main` ends quietly on a broken pipe.
macro_rules! outln {
    ($($t:tt)*) => {
        std::io::Write::write_fmt(&mut std::io::stdout(), format_args!("{}\n", format_args!($($t)*)))?
    };
}

/// `print!` that returns an error instead of panicking (see `outln!`).
macro_rules! out {
    ($($t:tt)*) => {
        std::io::Write::write_fmt(&mut std::io::stdout(), format_args!($($t)*))?
    };
}

mod check;
mod cli;
mod db;
mod graph;
mod image;
mod progress;
mod registry;
mod sbom;
mod secrets;
mod vex;
mod vulns;

use clap::{CommandFactory, Parser};
use shipshape_core::exit;
use std::process::ExitCode;

// Analysis allocates many small strings across threads; mimalloc cuts allocator time and page
// faults against glibc's malloc (measured on bench/compose.sh).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let code = match run(cli) {
        Ok(code) => code,
        // A reader that stopped reading (`| head`) is not an error of ours.
        Err(e) if is_broken_pipe(&e) => exit::CLEAN,
        Err(e) => {
            eprintln!("error: {e:#}");
            exit::ERROR
        }
    };
    ExitCode::from(u8::try_from(code).unwrap_or(2))
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn run(cli: cli::Cli) -> anyhow::Result<i32> {
    match cli.command {
        cli::Command::Check(args) => check::run(&args),
        cli::Command::Image(args) => image::run(&args),
        cli::Command::Graph(args) => graph::run(&args),
        cli::Command::Secrets(args) => secrets::run(&args),
        cli::Command::Sbom(args) => sbom::run(&args),
        cli::Command::Db(args) => db::run(&args),
        cli::Command::Rules(args) => registry::print_rules(args.json),
        cli::Command::Rule { id } => registry::print_rule(&id),
        cli::Command::Init { dir, force } => check::init(&dir, force),
        cli::Command::Completions { shell } => {
            let mut cmd = cli::Cli::command();
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut cmd, "shipshape", &mut script);
            std::io::Write::write_all(&mut std::io::stdout(), &script)?;
            Ok(exit::CLEAN)
        }
    }
}
