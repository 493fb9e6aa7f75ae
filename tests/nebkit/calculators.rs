//! Calculators against independent references: ASE's EMT (values stored by ASE in its own files) and
//! LAMMPS (EAM setfl/funcfl evaluated by LAMMPS 2025-07-22).

use crate::{data, expected};
use nalgebra::{Matrix3, Vector3};
use nebkit::calculator::from_spec;
use nebkit::io;
use nebkit::structure::{Cell, Structure};

/// The acceptance for the EMT port: energies ≤ 1e-10 eV, forces ≤ 1e-9 eV/Å of ASE 3.29.
const EMT_E_TOL: f64 = 1e-10;
const EMT_F_TOL: f64 = 1e-9;

#[test]
fn emt_matches_ase_on_slab_and_triclinic_alloys() {
    let emt = from_spec("emt").unwrap();
    let mut files = io::read_all(&data("ase/alloys_db.json")).unwrap();
    files.push(io::read(&data("ase/pt111_adatom.json")).unwrap());
    let stresses = expected()["ase/alloys_stress"].clone();
    for (k, s) in files.iter().enumerate() {
        let st = s.stored.as_ref().unwrap();
        let ev = emt.calculate(s).unwrap();
        assert!(
            (ev.energy - st.energy.unwrap()).abs() < EMT_E_TOL,
            "frame {k}: {} vs {}",
            ev.energy,
            st.energy.unwrap()
        );
        for (a, b) in ev.forces.iter().zip(st.forces.as_ref().unwrap()) {
            assert!((a - b).norm() < EMT_F_TOL, "frame {k}: {a:?} vs {b:?}");
        }
        if k < 3 {
            // the alloy cells are shorter than the EMT cutoff: many self-images
            assert!(s.cell.lengths().iter().all(|&l| l < 5.88));
            let want: Vec<f64> = stresses[k]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap())
                .collect();
            let got = ev.stress_voigt().unwrap();
            for m in 0..6 {
                assert!(
                    (got[m] - want[m]).abs() < 1e-11,
                    "stress {m}: {} vs {}",
                    got[m],
                    want[m]
                );
            }
        }
    }
}

fn structure_of(r: &serde_json::Value) -> Structure {
    let numbers: Vec<u8> = r["numbers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|z| z.as_u64().unwrap() as u8)
        .collect();
    let rows: Vec<Vec<f64>> = r["cell"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            row.as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap())
                .collect()
        })
        .collect();
    let positions = r["positions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let p = p.as_array().unwrap();
            Vector3::new(
                p[0].as_f64().unwrap(),
                p[1].as_f64().unwrap(),
                p[2].as_f64().unwrap(),
            )
        })
        .collect();
    Structure::new(numbers, positions)
        .unwrap()
        .with_cell(
            Cell {
                matrix: Matrix3::from_fn(|i, j| rows[i][j]),
            },
            [true; 3],
        )
        .unwrap()
}

#[test]
fn eam_files_match_lammps() {
    // same spline arithmetic as LAMMPS; the residue is summation order
    const LAMMPS_E_TOL: f64 = 1e-9; // eV
    const LAMMPS_F_TOL: f64 = 1e-9; // eV/Å
    let exp = expected();
    for r in exp["eam"].as_array().unwrap() {
        let pot = r["potential"].as_str().unwrap();
        let s = structure_of(r);
        let want_e = r["energy"].as_f64().unwrap();
        let forces: Vec<Vector3<f64>> = r["forces"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                let p = p.as_array().unwrap();
                Vector3::new(
                    p[0].as_f64().unwrap(),
                    p[1].as_f64().unwrap(),
                    p[2].as_f64().unwrap(),
                )
            })
            .collect();
        let calc = from_spec(&format!("eam:{}", data(&format!("eam/{pot}")).display())).unwrap();
        let ev = calc.calculate(&s).unwrap();
        assert!(
            (ev.energy - want_e).abs() < LAMMPS_E_TOL,
            "{pot}: {} vs {want_e}",
            ev.energy
        );
        for (a, b) in ev.forces.iter().zip(&forces) {
            assert!((a - b).norm() < LAMMPS_F_TOL, "{pot}: {a:?} vs {b:?}");
        }
    }
}

#[test]
fn unknown_calculators_and_parameters_are_named() {
    let e = from_spec("dft").err().unwrap().to_string();
    assert!(
        e.contains("unknown calculator 'dft'") && e.contains("emt"),
        "{e}"
    );
    let e = from_spec("morse:D=-1").err().unwrap().to_string();
    assert!(e.contains("'D' must be positive"), "{e}");
    let e = from_spec("emt:cutoff=3").err().unwrap().to_string();
    assert!(e.contains("unknown parameter 'cutoff'"), "{e}");
}
