//! Energy + forces of EMT and EAM on fcc slabs of ~500, 2 000 and 8 000 atoms (linear scaling), and of
//! SevenNet-0 on 48- and 108-atom slabs.
//! Run: `cargo bench --bench calculators`. Results and the ASE comparison: benches/README.md.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use nalgebra::Vector3;
use nebkit::calculator::from_spec;
use nebkit::structure::{Cell, Structure};

/// Same allocator as the nebkit binary.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A (100) fcc slab of `n × n × layers/2` cubic cells with 10 Å of vacuum, pbc (T, T, F), slightly
/// rattled so that forces are not zero by symmetry.
fn slab(symbol: &str, a: f64, n: usize, cells_z: usize) -> Structure {
    let basis = [
        [0.0, 0.0, 0.0],
        [0.5, 0.5, 0.0],
        [0.5, 0.0, 0.5],
        [0.0, 0.5, 0.5],
    ];
    let mut pos = Vec::new();
    let mut k = 0u64;
    for i in 0..n {
        for j in 0..n {
            for l in 0..cells_z {
                for b in basis {
                    k += 1;
                    let r = ((k * 2654435761) % 1000) as f64 / 1000.0 - 0.5;
                    pos.push(Vector3::new(
                        (i as f64 + b[0]) * a + 0.02 * r,
                        (j as f64 + b[1]) * a - 0.02 * r,
                        (l as f64 + b[2]) * a + 0.01 * r,
                    ));
                }
            }
        }
    }
    let count = pos.len();
    Structure::from_symbols(&vec![symbol; count], pos)
        .unwrap()
        .with_cell(
            Cell::orthorhombic(n as f64 * a, n as f64 * a, cells_z as f64 * a + 10.0),
            [true, true, false],
        )
        .unwrap()
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("energy_forces");
    group.sample_size(10);
    for (spec, symbol, a) in [("emt", "Pt", 3.92), ("eam:zhou2004", "Pt", 3.92)] {
        let calc = from_spec(spec).unwrap();
        for n in [5, 10, 20] {
            let s = slab(symbol, a, n, 5);
            group.throughput(Throughput::Elements(s.len() as u64));
            group.bench_with_input(BenchmarkId::new(spec, s.len()), &s, |b, s| {
                b.iter(|| calc.calculate(s).unwrap())
            });
        }
    }
    group.finish();
    // SevenNet-0 on Pt slabs (the ML potential costs ~10^3 × EMT per atom; PyTorch comparison:
    // benches/sevennet_vs_torch.py)
    let mut group = c.benchmark_group("sevennet");
    group.sample_size(10);
    let calc = from_spec("sevennet").unwrap();
    for n in [2, 3] {
        let s = slab("Pt", 3.92, n, 3);
        group.throughput(Throughput::Elements(s.len() as u64));
        group.bench_with_input(BenchmarkId::new("sevennet", s.len()), &s, |b, s| {
            b.iter(|| calc.calculate(s).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
