//! Shared test helpers: random structures and central finite-difference checks.

use crate::calculator::Calculator;
use crate::structure::{Cell, Structure};
use nalgebra::{Matrix3, Vector3};
use rand::{Rng, SeedableRng};

/// An open-boundary structure from symbols and positions.
pub fn open(symbols: &[&str], positions: &[[f64; 3]]) -> Structure {
    Structure::from_symbols(
        symbols,
        positions
            .iter()
            .map(|p| Vector3::new(p[0], p[1], p[2]))
            .collect(),
    )
    .unwrap()
}

/// A random skewed triclinic cell (edges 3.5–5.5 Å, angles 60–120°) filled with `symbols` no closer
/// than `min_distance` (minimum image).
pub fn random_triclinic(
    seed: u64,
    symbols: &[&str],
    min_distance: f64,
    periodic: bool,
) -> Structure {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    loop {
        let a = Vector3::new(rng.gen_range(3.5..5.5), 0.0, 0.0);
        let b = Vector3::new(rng.gen_range(-1.8..1.8), rng.gen_range(3.5..5.0), 0.0);
        let c = Vector3::new(
            rng.gen_range(-1.5..1.5),
            rng.gen_range(-1.5..1.5),
            rng.gen_range(3.5..5.0),
        );
        let cell = Cell {
            matrix: Matrix3::from_rows(&[a.transpose(), b.transpose(), c.transpose()]),
        };
        let pbc = if periodic {
            [true; 3]
        } else {
            [true, true, false]
        };
        let mut s = Structure::from_symbols(symbols, vec![Vector3::zeros(); symbols.len()])
            .unwrap()
            .with_cell(cell, pbc)
            .unwrap();
        let mut ok = true;
        for i in 0..symbols.len() {
            let mut placed = false;
            for _ in 0..2000 {
                let f = Vector3::new(rng.gen::<f64>(), rng.gen::<f64>(), rng.gen::<f64>());
                s.positions[i] = (f.transpose() * cell.matrix).transpose()
                    + Vector3::new(rng.gen_range(-0.3..0.3), 0.0, 0.0);
                let mic = s.minimum_image().unwrap();
                if (0..i).all(|j| {
                    mic.displacement(&(s.positions[j] - s.positions[i])).norm() > min_distance
                }) {
                    placed = true;
                    break;
                }
            }
            if !placed {
                ok = false;
                break;
            }
        }
        if ok {
            return s;
        }
    }
}

/// A random open cluster of `symbols` with neighbours about `min_distance`–1.4·`min_distance` apart.
pub fn random_cluster(seed: u64, symbols: &[&str], min_distance: f64) -> Structure {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed ^ 0x5eed);
    let mut pos: Vec<Vector3<f64>> = vec![Vector3::zeros()];
    while pos.len() < symbols.len() {
        let base = pos[rng.gen_range(0..pos.len())];
        let dir = Vector3::new(
            rng.gen_range(-1.0..1.0),
            rng.gen_range(-1.0..1.0),
            rng.gen_range(-1.0..1.0),
        );
        if dir.norm() < 0.1 {
            continue;
        }
        let p = base + dir.normalize() * rng.gen_range(min_distance..1.4 * min_distance);
        if pos.iter().all(|q| (q - p).norm() > min_distance) {
            pos.push(p);
        }
    }
    Structure::from_symbols(symbols, pos).unwrap()
}

/// Assert that forces equal −∂E/∂r by central differences with step `h` [Å] to `tol` [eV/Å].
pub fn check_forces_fd(calc: &dyn Calculator, s: &Structure, h: f64, tol: f64) {
    let all: Vec<usize> = (0..s.len()).collect();
    check_forces_fd_atoms(calc, s, &all, h, tol);
}

/// [`check_forces_fd`] on the listed atoms only (large structures).
pub fn check_forces_fd_atoms(
    calc: &dyn Calculator,
    s: &Structure,
    atoms: &[usize],
    h: f64,
    tol: f64,
) {
    let ev = calc.calculate(s).unwrap();
    let mut t = s.clone();
    for &i in atoms {
        for k in 0..3 {
            t.positions[i][k] = s.positions[i][k] + h;
            let ep = calc.calculate(&t).unwrap().energy;
            t.positions[i][k] = s.positions[i][k] - h;
            let em = calc.calculate(&t).unwrap().energy;
            t.positions[i][k] = s.positions[i][k];
            let fd = -(ep - em) / (2.0 * h);
            assert!(
                (fd - ev.forces[i][k]).abs() < tol,
                "{}: atom {i} axis {k}: analytic {} vs finite difference {fd}",
                calc.name(),
                ev.forces[i][k]
            );
        }
    }
}

/// Assert that the stress equals (1/V) ∂E/∂ε by central differences of homogeneous strain.
pub fn check_stress_fd(calc: &dyn Calculator, s: &Structure, h: f64, tol: f64) {
    let ev = calc.calculate(s).unwrap();
    let stress = ev.stress.expect("stress");
    let v = s.cell.volume();
    for a in 0..3 {
        for b in 0..3 {
            let energy = |eps: f64| {
                let mut d = Matrix3::identity();
                d[(a, b)] += eps;
                let mut t = s.clone();
                t.cell.matrix = s.cell.matrix * d;
                for p in &mut t.positions {
                    *p = (p.transpose() * d).transpose();
                }
                calc.calculate(&t).unwrap().energy
            };
            let fd = (energy(h) - energy(-h)) / (2.0 * h) / v;
            assert!(
                (fd - stress[(a, b)]).abs() < tol,
                "{}: stress {a}{b}: analytic {} vs finite difference {fd}",
                calc.name(),
                stress[(a, b)]
            );
        }
    }
}
