//! Tests of the SevenNet-0 port: sevenn's own float64 results, finite differences, invariances.
//!
//! References: `tests/data/sevennet0_refs64.json` (sevenn 0.13.0 float64 model on exact float64
//! edge vectors, `tests/data/sevennet_refs.py`) and the project's `tests/data/sevennet0_refs.json`
//! (same model, but on edge vectors sevenn had rounded to float32; compared with the same rounding).

use super::*;
use crate::calculator::testutil::{check_forces_fd, check_forces_fd_atoms, check_stress_fd};
use crate::structure::{Cell, Structure};
use nalgebra::{Matrix3, Rotation3, Vector3};

fn load(file: &str) -> serde_json::Value {
    let path = format!("{}/tests/data/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).expect("refs JSON")
}

fn vec3s(v: &serde_json::Value) -> Vec<Vector3<f64>> {
    let rows: Vec<[f64; 3]> = serde_json::from_value(v.clone()).unwrap();
    rows.iter()
        .map(|r| Vector3::new(r[0], r[1], r[2]))
        .collect()
}

fn structure_of(s: &serde_json::Value) -> Structure {
    let numbers: Vec<u8> = serde_json::from_value(s["numbers"].clone()).unwrap();
    let cell = vec3s(&s["cell"]);
    let pbc: [bool; 3] = serde_json::from_value(s["pbc"].clone()).unwrap();
    let rows = [0, 1, 2].map(|k| [cell[k].x, cell[k].y, cell[k].z]);
    Structure::new(numbers, vec3s(&s["positions"]))
        .unwrap()
        .with_cell(Cell::from_rows(rows), pbc)
        .unwrap()
}

fn max_diff(a: &[Vector3<f64>], b: &[Vector3<f64>]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).amax())
        .fold(0.0, f64::max)
}

fn calc() -> SevenNet {
    SevenNet::new().unwrap()
}

/// The acceptance check: energies, forces, per-atom energies and edge counts of sevenn's float64
/// model on exact edge vectors, ≤ 1e-6 eV and eV/Å (the residue is sevenn's float32 Wigner-3j).
#[test]
fn matches_sevenn_float64() {
    let refs = load("sevennet0_refs64.json");
    let calc = calc();
    let mut worst: f64 = 0.0;
    for (name, s) in refs["structures"].as_object().unwrap() {
        let st = structure_of(s);
        assert_eq!(
            calc.edge_count(&st).unwrap() as u64,
            s["n_edges"].as_u64().unwrap(),
            "{name}: edge count"
        );
        let ev = calc.calculate(&st).unwrap();
        let de = (ev.energy - s["e_f64"].as_f64().unwrap()).abs();
        let df = max_diff(&ev.forces, &vec3s(&s["f_f64"]));
        let ae: Vec<f64> = serde_json::from_value(s["atomic_e_f64"].clone()).unwrap();
        let dae = ev
            .energies
            .as_ref()
            .unwrap()
            .iter()
            .zip(&ae)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        println!(
            "{name:24} N={:4} dE {de:.1e} max dF {df:.1e} max dE_i {dae:.1e}",
            st.len()
        );
        assert!(de < 1e-6, "{name}: energy off by {de:e} eV");
        assert!(df < 1e-6, "{name}: forces off by {df:e} eV/Å");
        assert!(dae < 1e-6, "{name}: atomic energies off by {dae:e} eV");
        // what sevenn's ASE calculator (float32) returns: within float32 noise
        let de32 = (ev.energy - s["e_f32"].as_f64().unwrap()).abs();
        let df32 = max_diff(&ev.forces, &vec3s(&s["f_f32"]));
        assert!(
            de32 < 2e-4 && df32 < 1e-4,
            "{name}: f32 results differ by {de32:e} / {df32:e}"
        );
        if let Some(stress) = s.get("stress_f32") {
            let want: Vec<f64> = serde_json::from_value(stress.clone()).unwrap();
            let got = ev.stress_voigt().unwrap();
            let ds = got
                .iter()
                .zip(&want)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f64::max);
            assert!(ds < 1e-6, "{name}: stress {got:?} vs sevenn {want:?}");
        }
        worst = worst.max(de).max(df);
    }
    println!("worst difference {worst:e}");
}

/// The project's reference file, whose float64 values were computed on float32-rounded edge
/// vectors: with the same rounding the port agrees to ≤ 1e-6 as well.
#[test]
fn matches_project_reference_file_with_its_f32_edge_vectors() {
    let refs = load("sevennet0_refs.json");
    let calc = calc();
    for (name, s) in refs["structures"].as_object().unwrap() {
        let st = structure_of(s);
        let ev = calc.evaluate(&st, true).unwrap();
        let de = (ev.energy - s["e_f64"].as_f64().unwrap()).abs();
        let df = max_diff(&ev.forces, &vec3s(&s["f_f64"]));
        assert_eq!(
            calc.edge_count(&st).unwrap() as u64,
            s["n_edges"].as_u64().unwrap()
        );
        assert!(de < 1e-6 && df < 1e-6, "{name}: dE {de:e}, dF {df:e}");
    }
}

/// The model constants read from the weights are the ones of SEVENNET_PORT.md §1.
#[test]
fn constants_and_coverage() {
    let refs = load("sevennet0_refs.json");
    let c = calc();
    for d in c.model.denominators() {
        assert!((d - 35.98957443).abs() < 1e-6, "denominator {d}");
    }
    let map = refs["constants"]["type_map_Z_to_index"]
        .as_object()
        .unwrap();
    assert_eq!(c.model.elements().len(), 89);
    for (z, idx) in map {
        let z: u8 = z.parse().unwrap();
        assert_eq!(c.model.species(z), Some(idx.as_u64().unwrap() as usize));
    }
}

fn reference_structure(name: &str) -> Structure {
    structure_of(&load("sevennet0_refs64.json")["structures"][name])
}

#[test]
fn forces_are_central_differences() {
    let calc = calc();
    // open cluster, an isolated atom, the switching region, a cell shorter than the cutoff, a slab
    for name in [
        "pd4_vacuum",
        "pd3_and_isolated_h",
        "cu2_switching",
        "nis_primitive_skewed",
        "cu_graphene_slab",
    ] {
        check_forces_fd(&calc, &reference_structure(name), 1e-4, 2e-6);
    }
}

#[test]
fn forces_are_central_differences_on_the_adatom_structure() {
    // Cu on N-doped graphene: the Cu, the N and some C atoms
    check_forces_fd_atoms(
        &calc(),
        &reference_structure("cu_on_ngraphene_shifted"),
        &[32, 0, 1, 5, 17],
        1e-4,
        2e-6,
    );
}

#[test]
fn stress_is_the_strain_derivative() {
    let calc = calc();
    for name in ["cu_bulk_rattled", "nis_primitive_skewed"] {
        check_stress_fd(&calc, &reference_structure(name), 1e-5, 1e-7);
    }
}

#[test]
fn energy_is_invariant_under_rotation_translation_and_permutation() {
    let calc = calc();
    for name in [
        "cu_on_ngraphene_shifted",
        "nis_primitive_skewed",
        "pd4_vacuum",
    ] {
        let s = reference_structure(name);
        let ev = calc.calculate(&s).unwrap();
        let rel = |e: f64| ((e - ev.energy) / ev.energy).abs();
        // rotation of positions and cell together
        let rot = Rotation3::from_euler_angles(0.7, -1.1, 2.3);
        let mut r = s.clone();
        for p in &mut r.positions {
            *p = rot * *p;
        }
        let m: Matrix3<f64> = (rot.matrix() * s.cell.matrix.transpose()).transpose();
        r.cell = Cell { matrix: m };
        let er = calc.calculate(&r).unwrap();
        assert!(
            rel(er.energy) < 1e-10,
            "{name}: rotation changes E by {:e}",
            rel(er.energy)
        );
        for (fr, f) in er.forces.iter().zip(&ev.forces) {
            assert!(
                (fr - rot * f).norm() < 1e-8,
                "{name}: forces do not rotate with the structure"
            );
        }
        // translation
        let mut t = s.clone();
        for p in &mut t.positions {
            *p += Vector3::new(0.37, -1.21, 2.05);
        }
        let et = calc.calculate(&t).unwrap();
        assert!(
            rel(et.energy) < 1e-10,
            "{name}: translation changes E by {:e}",
            rel(et.energy)
        );
        // permutation (reverse the atom order)
        let mut p = s.clone();
        p.numbers.reverse();
        p.positions.reverse();
        p.fixed.reverse();
        let ep = calc.calculate(&p).unwrap();
        assert!(
            rel(ep.energy) < 1e-10,
            "{name}: permutation changes E by {:e}",
            rel(ep.energy)
        );
        let n = s.len();
        for i in 0..n {
            assert!((ep.forces[n - 1 - i] - ev.forces[i]).norm() < 1e-9);
        }
    }
}

#[test]
fn repeated_and_concurrent_calls_agree() {
    // buffers are reused across calls and shared by threads: results must not depend on that
    use rayon::prelude::*;
    let calc = calc();
    let a = reference_structure("cu_on_ngraphene");
    let b = reference_structure("nis_2x2x1_rattled");
    let ea = calc.calculate(&a).unwrap();
    let eb = calc.calculate(&b).unwrap();
    let results: Vec<_> = (0..8)
        .into_par_iter()
        .map(|k| calc.calculate(if k % 2 == 0 { &a } else { &b }).unwrap())
        .collect();
    for (k, r) in results.iter().enumerate() {
        let want = if k % 2 == 0 { &ea } else { &eb };
        assert_eq!(r.energy, want.energy);
        assert_eq!(r.forces, want.forces);
    }
}

#[test]
fn uncovered_elements_and_overlaps_are_clear_errors() {
    let calc = calc();
    let missing = (1..=118u8)
        .find(|&z| calc.model.species(z).is_none())
        .unwrap();
    let s = Structure::new(
        vec![29, missing],
        vec![Vector3::zeros(), Vector3::new(2.0, 0.0, 0.0)],
    )
    .unwrap();
    let msg = calc.calculate(&s).unwrap_err().to_string();
    assert!(
        msg.contains("no parameters for element") && msg.contains("atom 1"),
        "{msg}"
    );
    let s = Structure::new(vec![29, 29], vec![Vector3::zeros(), Vector3::zeros()]).unwrap();
    let msg = calc.calculate(&s).unwrap_err().to_string();
    assert!(msg.contains("on top of each other"), "{msg}");
    let msg = crate::calculator::from_spec("sevennet:weights=/nonexistent.safetensors")
        .err()
        .unwrap()
        .to_string();
    assert!(msg.contains("/nonexistent.safetensors"), "{msg}");
    // a truncated or foreign weights file: the file is named with the problem
    let dir = tempfile::tempdir().unwrap();
    let cut = dir.path().join("cut.safetensors");
    std::fs::write(&cut, &EMBEDDED[..EMBEDDED.len() / 2]).unwrap();
    let spec = format!("sevennet:weights={}", cut.display());
    let msg = crate::calculator::from_spec(&spec)
        .err()
        .unwrap()
        .to_string();
    assert!(
        msg.contains("cut.safetensors") && msg.contains("outside the file"),
        "{msg}"
    );
    let mut st = weights::parse_safetensors(EMBEDDED).unwrap();
    st.tensors.remove("3_convolution.weight_nn.layer2.weight");
    let msg = weights::build_model(&st).unwrap_err();
    assert!(
        msg.contains("3_convolution.weight_nn.layer2.weight") && msg.contains("missing"),
        "{msg}"
    );
    let msg = crate::calculator::from_spec("sevennet:cutoff=6")
        .err()
        .unwrap()
        .to_string();
    assert!(msg.contains("unknown parameter 'cutoff'"), "{msg}");
}

#[test]
fn an_atom_without_neighbours_has_sevenns_isolated_atom_energy() {
    // no edges: the energy is the readout of the embedding after five message-free blocks; sevenn's
    // float64 atomic energy of the isolated H (12 Å from a Pd3 cluster) is the independent number
    let refs = load("sevennet0_refs64.json");
    let ae: Vec<f64> =
        serde_json::from_value(refs["structures"]["pd3_and_isolated_h"]["atomic_e_f64"].clone())
            .unwrap();
    let s = Structure::new(vec![1], vec![Vector3::zeros()]).unwrap();
    let ev = calc().calculate(&s).unwrap();
    assert!(
        (ev.energy - ae[3]).abs() < 1e-9,
        "{} vs sevenn {}",
        ev.energy,
        ae[3]
    );
    assert_eq!(ev.forces[0], Vector3::zeros());
}
