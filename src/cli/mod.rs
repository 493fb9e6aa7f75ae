//! Command-line interface: clap definitions (raw arguments) turned into validated plans, one file per
//! subcommand. `main.rs` only calls [`run`].

mod calc;

use clap::{Parser, Subcommand};

/// nebkit: climbing-image nudged elastic band for supported metal atoms and clusters.
#[derive(Debug, Parser)]
#[command(name = "nebkit", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Single point: print {"energy", "forces", "stress"} of a structure as JSON on stdout.
    Calc(calc::CalcArgs),
}

/// Errors surfaced to the user by the binary.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CliError {
    /// A structure file problem.
    #[error(transparent)]
    Io(#[from] crate::io::IoError),
    /// A calculator problem.
    #[error(transparent)]
    Calc(#[from] crate::calculator::CalcError),
    /// Invalid arguments after parsing.
    #[error("{0}")]
    Usage(String),
}

/// Run the command line given in `args` (including the program name); output goes to `out`.
///
/// # Errors
/// [`CliError`] with a message for the user.
pub fn run<W: std::io::Write>(cli: Cli, out: &mut W) -> Result<(), CliError> {
    match cli.command {
        Command::Calc(args) => calc::run(args, out),
    }
}
