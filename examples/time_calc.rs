//! Time energy + forces of a calculator on a structure file: mean wall time per call.
//! `cargo run --release --example time_calc -- FILE SPEC [REPEATS]` (used by benches/emt_vs_ase.py).

use nebkit::calculator::from_spec;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        eprintln!("usage: time_calc FILE SPEC [REPEATS]");
        std::process::exit(2);
    }
    let s = nebkit::io::read(std::path::Path::new(&args[1])).unwrap_or_else(|e| {
        eprintln!("error: {e}");
        std::process::exit(1)
    });
    let calc = from_spec(&args[2]).unwrap_or_else(|e| {
        eprintln!("error: {e}");
        std::process::exit(1)
    });
    let repeats: usize = args.get(3).and_then(|r| r.parse().ok()).unwrap_or(20);
    let first = calc.calculate(&s).expect("calculation");
    let t = Instant::now();
    for _ in 0..repeats {
        std::hint::black_box(calc.calculate(&s).expect("calculation"));
    }
    let per_call = t.elapsed().as_secs_f64() / repeats as f64;
    println!(
        "{{\"atoms\": {}, \"seconds_per_call\": {per_call}, \"energy\": {}}}",
        s.len(),
        first.energy
    );
}
