use super::*;
use neighbors::brute_force;
use rand::{Rng, SeedableRng};

fn random_cell(rng: &mut impl Rng, min_len: f64, max_len: f64, skew: f64) -> Cell {
    let a = Vector3::new(rng.gen_range(min_len..max_len), 0.0, 0.0);
    let b = Vector3::new(
        rng.gen_range(-skew..skew) * a.x,
        rng.gen_range(min_len..max_len),
        0.0,
    );
    let c = Vector3::new(
        rng.gen_range(-skew..skew) * a.x,
        rng.gen_range(-skew..skew) * b.y,
        rng.gen_range(min_len..max_len),
    );
    Cell {
        matrix: Matrix3::from_rows(&[a.transpose(), b.transpose(), c.transpose()]),
    }
}

fn random_pbc(rng: &mut impl Rng) -> [bool; 3] {
    [rng.gen_bool(0.8), rng.gen_bool(0.8), rng.gen_bool(0.7)]
}

/// Shortest image by enumerating every shift that could give a vector no longer than `d` itself:
/// along periodic axis k that needs |n_k| ≤ |d|/h_k + |f_k| + 1 (h_k = lattice-plane spacing).
fn brute_mic(cell: &Cell, pbc: [bool; 3], d: &Vector3<f64>) -> f64 {
    let basis = cell.completed_basis(pbc).unwrap();
    let inv = basis.try_inverse().unwrap();
    let f = (d.transpose() * inv).transpose();
    let r = |k: usize| {
        if pbc[k] {
            (d.norm() * inv.column(k).norm() + f[k].abs()).ceil() as i32 + 1
        } else {
            0
        }
    };
    let mut best = f64::INFINITY;
    for a in -r(0)..=r(0) {
        for b in -r(1)..=r(1) {
            for c in -r(2)..=r(2) {
                let v = d
                    + cell.vector(0) * f64::from(a)
                    + cell.vector(1) * f64::from(b)
                    + cell.vector(2) * f64::from(c);
                best = best.min(v.norm());
            }
        }
    }
    best
}

#[test]
fn minimum_image_equals_brute_force_in_skewed_cells() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    for _ in 0..150 {
        // strongly skewed: off-diagonal up to 1.8 × the diagonal, where rounding fractional
        // coordinates alone gives wrong answers
        let cell = random_cell(&mut rng, 2.0, 6.0, 1.8);
        let pbc = random_pbc(&mut rng);
        let mic = MinimumImage::new(&cell, pbc).unwrap();
        for _ in 0..10 {
            let d = Vector3::new(
                rng.gen_range(-15.0..15.0),
                rng.gen_range(-15.0..15.0),
                rng.gen_range(-15.0..15.0),
            );
            let (v, shift) = mic.shortest(&d);
            let expected = brute_mic(&cell, pbc, &d);
            assert!(
                (v.norm() - expected).abs() < 1e-10,
                "{} vs {expected} pbc {pbc:?} cell {cell:?} d {d:?} shift {shift:?}",
                v.norm()
            );
            // the shift reproduces the vector
            let w = d
                + cell.vector(0) * f64::from(shift[0])
                + cell.vector(1) * f64::from(shift[1])
                + cell.vector(2) * f64::from(shift[2]);
            assert!((w - v).norm() < 1e-9);
            for k in 0..3 {
                if !pbc[k] {
                    assert_eq!(shift[k], 0);
                }
            }
        }
    }
}

#[test]
fn naive_rounding_is_not_enough_for_skewed_cells() {
    // a cell where rounding fractional coordinates misses the shortest image: the test above would
    // catch an implementation that only rounds
    let cell = Cell::from_rows([[3.0, 0.0, 0.0], [2.9, 1.0, 0.0], [0.0, 0.0, 10.0]]);
    let d = Vector3::new(1.4, 0.6, 0.0);
    let mic = MinimumImage::new(&cell, [true; 3]).unwrap();
    let inv = cell.matrix.try_inverse().unwrap();
    let mut f = (d.transpose() * inv).transpose();
    f.apply(|x| *x -= x.round());
    let naive = (f.transpose() * cell.matrix).transpose().norm();
    let exact = mic.displacement(&d).norm();
    assert!(exact < naive - 0.02, "exact {exact} naive {naive}");
    assert!((exact - brute_mic(&cell, [true; 3], &d)).abs() < 1e-12);
}

#[test]
fn neighbor_lists_equal_brute_force_on_random_triclinic_cells() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(11);
    let mut long_cutoffs = 0;
    for case in 0..150 {
        let cell = random_cell(&mut rng, 2.0, 7.0, 0.6);
        let pbc = if case % 5 == 0 {
            [false; 3]
        } else {
            random_pbc(&mut rng)
        };
        let n = rng.gen_range(1..9);
        let positions: Vec<Vector3<f64>> = (0..n)
            .map(|_| {
                // some atoms outside the cell to exercise wrapping
                let f = Vector3::new(
                    rng.gen_range(-0.5..1.5),
                    rng.gen_range(-0.5..1.5),
                    rng.gen_range(-0.5..1.5),
                );
                (f.transpose() * cell.matrix).transpose()
            })
            .collect();
        let s = Structure::new(vec![29; n], positions)
            .unwrap()
            .with_cell(cell, pbc)
            .unwrap();
        let cutoff = rng.gen_range(1.5..9.0);
        if cell.lengths().iter().any(|&l| l < cutoff) {
            long_cutoffs += 1;
        }
        let nl = NeighborList::build(&s, cutoff).unwrap();
        let bf = brute_force(&s, cutoff).unwrap();
        for i in 0..n {
            let got: Vec<(usize, [i32; 3])> = nl
                .range(i)
                .map(|k| (nl.neighbor[k] as usize, nl.shift[k]))
                .collect();
            // rows are sorted by neighbour, then shift
            let mut sorted = got.clone();
            sorted.sort();
            assert_eq!(got, sorted);
            let want: Vec<(usize, [i32; 3])> = bf[i].iter().map(|e| (e.0, e.1)).collect();
            assert_eq!(
                got, want,
                "case {case}, atom {i}, cutoff {cutoff}, pbc {pbc:?}"
            );
            for k in nl.range(i) {
                let j = nl.neighbor[k] as usize;
                let s_ = nl.shift[k];
                let v = s.positions[j] - s.positions[i]
                    + cell.vector(0) * f64::from(s_[0]) * f64::from(u8::from(pbc[0]))
                    + cell.vector(1) * f64::from(s_[1]) * f64::from(u8::from(pbc[1]))
                    + cell.vector(2) * f64::from(s_[2]) * f64::from(u8::from(pbc[2]));
                assert!((v - nl.vector[k]).norm() < 1e-9);
                assert!((v.norm() - nl.distance[k]).abs() < 1e-9);
            }
        }
    }
    assert!(
        long_cutoffs > 50,
        "only {long_cutoffs} cases with a cutoff longer than a cell vector"
    );
}

#[test]
fn neighbor_list_includes_self_images() {
    // one atom in a 2 Å cubic cell with a 4.5 Å cutoff: images at 2, 2√2, 2√3, 4, √20 Å
    let s = Structure::from_symbols(&["Cu"], vec![Vector3::zeros()])
        .unwrap()
        .with_cell(Cell::orthorhombic(2.0, 2.0, 2.0), [true; 3])
        .unwrap();
    let nl = NeighborList::build(&s, 4.5).unwrap();
    // shells: 6 + 12 + 8 + 6 (r=4) + 24 (r=√20≈4.47)
    assert_eq!(nl.count(0), 6 + 12 + 8 + 6 + 24);
}

#[test]
fn wrap_and_supercell() {
    let cell = Cell::from_rows([[3.0, 0.0, 0.0], [1.5, 2.6, 0.0], [0.3, 0.2, 5.0]]);
    let mut s = Structure::from_symbols(
        &["Cu", "Ni"],
        vec![Vector3::new(-0.5, 7.0, 2.0), Vector3::new(10.0, -1.0, 14.0)],
    )
    .unwrap()
    .with_cell(cell, [true, true, false])
    .unwrap();
    let before = s.distance(0, 1).unwrap();
    s.wrap().unwrap();
    let mic = s.minimum_image().unwrap();
    for p in &s.positions {
        let f = mic.fractional(p);
        assert!((0.0..1.0).contains(&f[0]) && (0.0..1.0).contains(&f[1]));
    }
    // non-periodic z untouched
    assert!((s.positions[1].z - 14.0).abs() < 1e-12);
    assert!((s.distance(0, 1).unwrap() - before).abs() < 1e-12);

    let sc = s.supercell([2, 3, 1]).unwrap();
    assert_eq!(sc.len(), 12);
    assert!((sc.cell.volume() - 6.0 * s.cell.volume()).abs() < 1e-9);
    assert_eq!(&sc.numbers[..2], &s.numbers[..]);
    assert!(s.supercell([0, 1, 1]).is_err());
}

#[test]
fn bad_structures_are_rejected() {
    let e = Structure::from_symbols(&["Cu", "Xx"], vec![Vector3::zeros(); 2]).unwrap_err();
    assert_eq!(e.to_string(), "unknown element 'Xx' (atom 1)");
    let e = Structure::from_symbols(&["Cu"], vec![Vector3::new(f64::NAN, 0.0, 0.0)]).unwrap_err();
    assert!(e.to_string().contains("non-finite"));
    let e = Structure::from_symbols(&["Cu"], vec![Vector3::zeros()])
        .unwrap()
        .with_cell(
            Cell::from_rows([[1.0, 0.0, 0.0], [2.0, 0.0, 0.0], [0.0, 0.0, 1.0]]),
            [true; 3],
        )
        .unwrap_err();
    assert!(e.to_string().contains("invalid cell"), "{e}");
    let s = Structure::from_symbols(
        &["Cu", "Cu"],
        vec![Vector3::zeros(), Vector3::new(0.1, 0.0, 0.0)],
    )
    .unwrap();
    let e = s.check_overlaps(0.5).unwrap_err();
    assert_eq!(e.to_string(), "atoms 0 and 1 overlap (distance 0.1000 Å)");
}

#[test]
fn formula_and_masses() {
    let s = Structure::from_symbols(&["C", "C", "N", "Pd"], vec![Vector3::zeros(); 4]).unwrap();
    assert_eq!(s.formula(), "C2NPd");
    assert!((s.masses()[3] - 106.42).abs() < 1e-9);
}
