//! Command-line interface: clap definitions (raw arguments) turned into validated plans, one file per
//! subcommand. `main.rs` only calls [`run`].

mod build;
mod calc;
mod echem;
mod neb;
mod plot;
mod sweep;

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
    /// Build the endpoints of a seed system (initial.json, final.json, build.json).
    Build(build::BuildArgs),
    /// Climbing-image NEB between two endpoints: result.json, band.extxyz, profile.svg.
    Neb(Box<neb::NebArgs>),
    /// Redraw energy profiles from result.json files (.svg or .png).
    Plot(plot::PlotArgs),
    /// Barriers across electrode potentials from per-image electrochemical data.
    Sweep(sweep::SweepArgs),
    /// Leaching threshold potentials U_n of supported clusters.
    Leach(sweep::LeachArgs),
    /// Electrochemical data from DFT outputs (`echem import`).
    Echem(echem::EchemArgs),
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
    /// Invalid arguments after parsing, or a failed run.
    #[error("{0}")]
    Usage(String),
    /// The run finished without converging (results were written).
    #[error("{0}")]
    NotConverged(String),
    /// The run finished with an outcome that is no barrier (results were written).
    #[error("{status}: {message}")]
    Outcome {
        /// The status.
        status: crate::workflow::Status,
        /// What happened and what to do.
        message: String,
    },
}

impl CliError {
    /// Process exit code: 1 for errors, 3 for a run that did not converge, 4–7 for the other
    /// outcomes without a barrier ([`crate::workflow::Status::exit_code`]).
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::NotConverged(_) => 3,
            CliError::Outcome { status, .. } => status.exit_code(),
            _ => 1,
        }
    }
}

/// Run the command line given in `args` (including the program name); output goes to `out`.
///
/// # Errors
/// [`CliError`] with a message for the user.
pub fn run<W: std::io::Write>(cli: Cli, out: &mut W) -> Result<(), CliError> {
    match cli.command {
        Command::Calc(args) => calc::run(args, out),
        Command::Build(args) => build::run(args, out),
        Command::Neb(args) => neb::run(*args, out),
        Command::Plot(args) => plot::run(args, out),
        Command::Sweep(args) => sweep::run(args, out),
        Command::Leach(args) => sweep::leach(args, out),
        Command::Echem(args) => echem::run(args, out),
    }
}
