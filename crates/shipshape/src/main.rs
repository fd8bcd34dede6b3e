//! The `shipshape` binary: command-line parsing and wiring of the analysers; no analysis here.

mod check;
mod cli;
mod graph;
mod image;
mod progress;
mod registry;
mod secrets;

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
        Err(e) => {
            eprintln!("error: {e:#}");
            exit::ERROR
        }
    };
    ExitCode::from(u8::try_from(code).unwrap_or(2))
}

fn run(cli: cli::Cli) -> anyhow::Result<i32> {
    match cli.command {
        cli::Command::Check(args) => check::run(&args),
        cli::Command::Image(args) => image::run(&args),
        cli::Command::Graph(args) => graph::run(&args),
        cli::Command::Secrets(args) => secrets::run(&args),
        cli::Command::Rules(args) => registry::print_rules(args.json),
        cli::Command::Rule { id } => registry::print_rule(&id),
        cli::Command::Init { dir, force } => check::init(&dir, force),
        cli::Command::Completions { shell } => {
            let mut cmd = cli::Cli::command();
            clap_complete::generate(shell, &mut cmd, "shipshape", &mut std::io::stdout());
            Ok(exit::CLEAN)
        }
    }
}
