use super::*;
use crate::calculator::testutil::*;
use crate::structure::Cell;

/// REFERENCE_VALUES.md: ZJW fcc cohesive energies at a0 = √2 r_e, given to 3 decimals.
const COHESIVE_TOL: f64 = 0.002; // eV/atom, the tolerance

fn fcc_primitive(symbol: &str, a: f64) -> Structure {
    let h = a / 2.0;
    open(&[symbol], &[[0.0, 0.0, 0.0]])
        .with_cell(
            Cell::from_rows([[0.0, h, h], [h, 0.0, h], [h, h, 0.0]]),
            [true; 3],
        )
        .unwrap()
}

#[test]
fn zhou_cohesive_energies() {
    let expected = [
        ("Cu", -3.540),
        ("Ag", -2.850),
        ("Au", -3.930),
        ("Ni", -4.450),
        ("Pd", -3.910),
        ("Pt", -5.770),
        ("Al", -3.580),
    ];
    let eam = Eam::zhou2004();
    for (sym, e) in expected {
        let p = ZhouParams::of(sym).unwrap();
        let s = fcc_primitive(sym, p.lattice_constant());
        let ev = eam.calculate(&s).unwrap();
        assert!(
            (ev.energy - e).abs() < COHESIVE_TOL,
            "{sym}: {} vs {e}",
            ev.energy
        );
        // perfect lattice: no force
        assert!(ev.forces[0].norm() < 1e-10);
    }
}

#[test]
fn analytic_derivatives_match_finite_differences() {
    const H: f64 = 1e-6;
    for p in &ZHOU2004 {
        for &r in &[1.9, 2.5, 3.1, 4.4, 5.2] {
            let fd = |f: &dyn Fn(f64) -> f64| (f(r + H) - f(r - H)) / (2.0 * H);
            assert!((fd(&|x| p.density(x).0) - p.density(r).1).abs() < 1e-6);
            assert!((fd(&|x| p.pair(x).0) - p.pair(r).1).abs() < 1e-6);
            let q = ZhouParams::of("Pt").unwrap();
            assert!((fd(&|x| zhou_pair(p, q, x).0) - zhou_pair(p, q, r).1).abs() < 1e-6);
        }
        // every branch of the embedding function
        for &rho in &[0.3 * p.rhoe, 0.9 * p.rhoe, 1.1 * p.rhoe, 1.5 * p.rhoe] {
            let fd = (p.embed(rho + H).0 - p.embed(rho - H).0) / (2.0 * H);
            assert!((fd - p.embed(rho).1).abs() < 1e-6, "{} rho {rho}", p.symbol);
        }
    }
}

#[test]
fn forces_and_stress_match_finite_differences() {
    let eam = Eam::zhou2004();
    for seed in 0..3 {
        let s = random_triclinic(seed, &["Cu", "Ni", "Pd", "Pt", "Cu"], 2.2, true);
        check_forces_fd(&eam, &s, 1e-5, 1e-6);
        check_stress_fd(&eam, &s, 1e-6, 1e-6);
        let s = random_cluster(seed, &["Au", "Ag", "Al", "Cu", "Pt", "Pd"], 2.3);
        check_forces_fd(&eam, &s, 1e-5, 1e-6);
    }
    // tabulated (LAMMPS splines): forces are the exact derivative of the interpolated energy except
    // where the spline derivative is only continuous to the table resolution
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("CuNiPdPt.eam.alloy");
    EamTables::tabulate_zhou(&["Cu", "Ni", "Pd", "Pt"], 2000, 2000)
        .unwrap()
        .write_setfl(&path)
        .unwrap();
    let tab = Eam::from_file(&path).unwrap();
    for seed in 0..2 {
        let s = random_triclinic(seed, &["Cu", "Ni", "Pd", "Pt", "Cu"], 2.2, true);
        check_forces_fd(&tab, &s, 1e-5, 1e-4);
        check_stress_fd(&tab, &s, 1e-6, 1e-4);
    }
}

#[test]
fn setfl_tables_reproduce_analytic_energies() {
    const TABLE_TOL: f64 = 1e-4; // eV/atom, the tolerance for 2000-point tables
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("CuAgAuNiPdPtAl.eam.alloy");
    let syms = ["Cu", "Ag", "Au", "Ni", "Pd", "Pt", "Al"];
    EamTables::tabulate_zhou(&syms, 2000, 2000)
        .unwrap()
        .write_setfl(&path)
        .unwrap();
    let tab = Eam::from_file(&path).unwrap();
    let ana = Eam::zhou2004();
    for seed in 0..4 {
        let s = random_triclinic(seed, &["Cu", "Ag", "Au", "Ni", "Pd", "Pt", "Al"], 2.3, true);
        // the analytic model's cutoff follows the elements present; the table's follows all seven
        let all: Vec<Structure> = vec![s.clone()];
        for s in all {
            let et = tab.calculate(&s).unwrap().energy;
            let ea = ana.calculate(&s).unwrap().energy;
            assert!(
                ((et - ea) / s.len() as f64).abs() < TABLE_TOL,
                "{et} vs {ea}"
            );
        }
    }
    for sym in syms {
        let p = ZhouParams::of(sym).unwrap();
        let s = fcc_primitive(sym, p.lattice_constant())
            .supercell([2, 2, 2])
            .unwrap();
        let et = tab.calculate(&s).unwrap().energy / s.len() as f64;
        let ea = ana.calculate(&s).unwrap().energy / s.len() as f64;
        assert!((et - ea).abs() < TABLE_TOL, "{sym}: {et} vs {ea}");
    }
}

#[test]
fn malformed_files_are_rejected_with_context() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.eam.alloy");
    std::fs::write(
        &path,
        "c\nc\nc\n1 Cu\n100 0.1 100 0.05 5.0\n29 63.5 3.6 fcc\n1.0 2.0 x\n",
    )
    .unwrap();
    let e = Eam::from_file(&path).unwrap_err().to_string();
    assert!(
        e.contains("bad.eam.alloy") && e.contains("line 7") && e.contains("'x'"),
        "{e}"
    );
    std::fs::write(
        &path,
        "c\nc\nc\n1 Cu\n100 0.1 100 0.05 5.0\n29 63.5 3.6 fcc\n1.0 2.0\n",
    )
    .unwrap();
    let e = Eam::from_file(&path).unwrap_err().to_string();
    assert!(e.contains("file ends after 2 of 100 values"), "{e}");
    std::fs::write(&path, "c\nc\nc\n1 Xq\n100 0.1 100 0.05 5.0\n").unwrap();
    let e = EamTables::read_setfl(&path).unwrap_err().to_string();
    assert!(e.contains("unknown element 'Xq'"), "{e}");
    let e = Eam::from_file(Path::new("/nonexistent/file.eam"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("/nonexistent/file.eam"), "{e}");
}

#[test]
fn unsupported_elements_are_named() {
    let s = open(&["Cu", "Zn"], &[[0.0, 0.0, 0.0], [2.5, 0.0, 0.0]]);
    let e = Eam::zhou2004().calculate(&s).unwrap_err().to_string();
    assert!(e.contains("element Zn (atom 1)"), "{e}");
}
