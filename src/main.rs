//! The `a0snap` binary: parse the command line, run it, print its error and exit with its code.
//!
//! It must not decide anything: [`a0snap::cli::CliError`] chooses the exit code and the words.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = a0snap::cli::Cli::parse();
    match a0snap::cli::execute(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            for message in error.messages() {
                eprintln!("a0snap: {message}");
            }
            ExitCode::from(error.exit_code())
        }
    }
}
