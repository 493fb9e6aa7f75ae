//! The nebkit binary: parse arguments, run, report errors with a non-zero exit.

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = nebkit::cli::Cli::parse();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match nebkit::cli::run(cli, &mut out) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            let err = anyhow::Error::new(e);
            eprintln!("error: {err:#}");
            std::process::ExitCode::from(1)
        }
    }
}
