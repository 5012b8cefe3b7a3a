//! The `a0snap` binary: parse the command line, run it, exit with its code.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = a0snap::cli::Cli::parse();
    a0snap::cli::execute(cli).into()
}
