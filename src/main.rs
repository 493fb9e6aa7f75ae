//! The nebkit binary: parse arguments, run, report errors with a non-zero exit.

use clap::Parser;

/// mimalloc: the calculators allocate per-call buffers of ~MB size, which glibc's allocator returns to
/// the kernel and page-faults back in on every call (2–3× slower on 500-atom EMT).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let cli = nebkit::cli::Cli::parse();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match nebkit::cli::run(cli, &mut out) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            let code = e.exit_code();
            let err = anyhow::Error::new(e);
            eprintln!("error: {err:#}");
            std::process::ExitCode::from(code)
        }
    }
}
