//! Readers and writers against files written by ASE and pymatgen themselves.

use crate::{data, expected, python_with_ase};
use nebkit::io;
use nebkit::structure::Structure;
use serde_json::Value;

/// Coordinates are stored with 17 significant digits by the generating packages.
const COORD_TOL: f64 = 1e-12; // Å

fn vecs(v: &Value) -> Vec<[f64; 3]> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let r = r.as_array().unwrap();
            [
                r[0].as_f64().unwrap(),
                r[1].as_f64().unwrap(),
                r[2].as_f64().unwrap(),
            ]
        })
        .collect()
}

fn compare(s: &Structure, e: &Value, what: &str) {
    let numbers: Vec<u8> = e["numbers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|z| z.as_u64().unwrap() as u8)
        .collect();
    assert_eq!(s.numbers, numbers, "{what}: numbers");
    for (p, q) in s.positions.iter().zip(vecs(&e["positions"])) {
        for k in 0..3 {
            assert!(
                (p[k] - q[k]).abs() < COORD_TOL,
                "{what}: position {p:?} vs {q:?}"
            );
        }
    }
    for (k, row) in vecs(&e["cell"]).iter().enumerate() {
        for m in 0..3 {
            assert!(
                (s.cell.matrix[(k, m)] - row[m]).abs() < COORD_TOL,
                "{what}: cell"
            );
        }
    }
    let pbc: Vec<bool> = e["pbc"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b.as_bool().unwrap())
        .collect();
    assert_eq!(s.pbc.to_vec(), pbc, "{what}: pbc");
    let fixed: Vec<usize> = e["fixed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i.as_u64().unwrap() as usize)
        .collect();
    assert_eq!(
        s.free_atoms().len(),
        s.len() - fixed.len(),
        "{what}: fixed count"
    );
    for i in fixed {
        assert!(s.fixed[i], "{what}: atom {i} should be fixed");
    }
    if let Some(energy) = e.get("energy") {
        let st = s.stored.as_ref().expect("stored results");
        assert!(
            (st.energy.unwrap() - energy.as_f64().unwrap()).abs() < 1e-12,
            "{what}: energy"
        );
        let f = st.forces.as_ref().expect("stored forces");
        for (a, b) in f.iter().zip(vecs(&e["forces"])) {
            for k in 0..3 {
                assert!((a[k] - b[k]).abs() < 1e-12, "{what}: forces");
            }
        }
    }
}

#[test]
fn reads_files_written_by_ase_and_pymatgen() {
    let exp = expected();
    let files = [
        "ase/pt111_adatom.json",
        "ase/alloys_db.json",
        "ase/alloys.extxyz",
        "ase/cluster.xyz",
        "ase/slab_object.json",
        "vasp/POSCAR",
        "vasp/CONTCAR",
        "vasp/alloy_vasp4.vasp",
        "pymatgen/graphene_sd.json",
        "pymatgen/molecule.json",
    ];
    for f in files {
        let frames = io::read_all(&data(f)).unwrap_or_else(|e| panic!("{f}: {e}"));
        let want = exp[f].as_array().unwrap();
        assert_eq!(frames.len(), want.len(), "{f}: frame count");
        for (k, (s, e)) in frames.iter().zip(want).enumerate() {
            compare(s, e, &format!("{f} frame {k}"));
        }
    }
    // pymatgen: the partially frozen site is not fixed but recorded
    let g = io::read(&data("pymatgen/graphene_sd.json")).unwrap();
    assert_eq!(g.fixed, vec![true, false, false]);
}

fn roundtrip_equal(a: &Structure, b: &Structure, what: &str) {
    assert_eq!(a.numbers, b.numbers, "{what}");
    assert_eq!(a.fixed, b.fixed, "{what}");
    if !what.contains("POSCAR") && !what.ends_with(".vasp") {
        assert_eq!(a.pbc, b.pbc, "{what}"); // POSCAR is always periodic
    }
    for (p, q) in a.positions.iter().zip(&b.positions) {
        assert!((p - q).norm() < 1e-13, "{what}: {p:?} vs {q:?}");
    }
    assert!((a.cell.matrix - b.cell.matrix).norm() < 1e-13, "{what}");
}

#[test]
fn writers_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let slab = io::read(&data("ase/pt111_adatom.json")).unwrap();
    let alloys = io::read_all(&data("ase/alloys_db.json")).unwrap();
    for name in ["s.json", "s.ase.json", "s.extxyz", "POSCAR", "s.vasp"] {
        let p = dir.path().join(name);
        io::write(&p, &slab).unwrap();
        let back = io::read(&p).unwrap();
        roundtrip_equal(&slab, &back, name);
        if !name.contains("POSCAR") && !name.ends_with(".vasp") {
            let st = back.stored.as_ref().unwrap();
            assert_eq!(st.energy, slab.stored.as_ref().unwrap().energy, "{name}");
            assert_eq!(st.forces, slab.stored.as_ref().unwrap().forces, "{name}");
        }
    }
    for name in ["t.json", "t.ase.json", "t.extxyz"] {
        let p = dir.path().join(name);
        io::write_all(&p, &alloys).unwrap();
        let back = io::read_all(&p).unwrap();
        assert_eq!(back.len(), alloys.len());
        for (a, b) in alloys.iter().zip(&back) {
            roundtrip_equal(a, b, name);
        }
    }
    assert!(io::write_all(&dir.path().join("POSCAR"), &alloys).is_err());
}

#[test]
fn ase_reads_what_we_write() {
    let Some(py) = python_with_ase() else { return };
    let dir = tempfile::tempdir().unwrap();
    let slab = io::read(&data("ase/pt111_adatom.json")).unwrap();
    let mut paths = Vec::new();
    for name in ["s.json", "s.ase.json", "s.extxyz", "POSCAR"] {
        let p = dir.path().join(name);
        io::write(&p, &slab).unwrap();
        paths.push(p);
    }
    // nebkit JSON is our own schema; ASE reads the other three
    let script = r#"
import sys, json
import numpy as np
import ase.io
from ase.constraints import FixAtoms
ref = json.loads(sys.argv[1])
for path in sys.argv[2:]:
    a = ase.io.read(path)
    assert a.numbers.tolist() == ref['numbers'], path
    assert np.abs(a.positions - np.array(ref['positions'])).max() < 1e-10, path
    assert np.abs(a.cell.array - np.array(ref['cell'])).max() < 1e-10, path
    assert a.pbc.tolist() == ref['pbc'] or path.endswith('POSCAR'), path
    fixed = sorted(int(i) for c in a.constraints if isinstance(c, FixAtoms) for i in c.get_indices())
    assert fixed == ref['fixed'], (path, fixed)
    if not path.endswith('POSCAR'):
        assert abs(a.get_potential_energy() - ref['energy']) < 1e-12, path
print('ok')
"#;
    let exp = expected();
    let reference = exp["ase/pt111_adatom.json"][0].to_string();
    let out = std::process::Command::new(py)
        .arg("-c")
        .arg(script)
        .arg(reference)
        .args(&paths[1..])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "ase failed to read our files: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Every reader rejects malformed input with the file name and the problem (line for text formats).
#[test]
fn malformed_inputs_are_rejected_with_context() {
    let dir = tempfile::tempdir().unwrap();
    let cases: &[(&str, &str, &[&str])] = &[
        ("bad.json", "{\"format\": \"nebkit/structure\", \"version\": 1, \"symbols\": [\"Cu\"],", &["bad.json", "line", "malformed JSON"]),
        ("ver.json", "{\"format\": \"nebkit/structure\", \"version\": 7, \"symbols\": [], \"positions\": []}", &["version 7 is not supported"]),
        ("unk.json", "{\"format\": \"nebkit/structure\", \"version\": 1, \"symbols\": [\"Cu\"], \"positions\": [[0,0,0]], \"colour\": 1}", &["unknown field `colour`"]),
        ("el.json", "{\"format\": \"nebkit/structure\", \"version\": 1, \"symbols\": [\"Cu\", \"Qq\"], \"positions\": [[0,0,0],[1,1,1]]}", &["unknown element 'Qq' (atom 1)"]),
        ("len.json", "{\"format\": \"nebkit/structure\", \"version\": 1, \"symbols\": [\"Cu\", \"Cu\"], \"positions\": [[0,0,0]]}", &["1 positions for 2 symbols"]),
        ("ase.json", "{\"1\": {\"numbers\": [29, 29], \"positions\": [[0,0,0]]}, \"ids\": [1]}", &["positions: 1 rows, expected 2"]),
        ("ase2.json", "{\"1\": {\"numbers\": [29, 300], \"positions\": [[0,0,0],[1,1,1]]}, \"ids\": [1]}", &["unknown atomic number 300 (atom 1)"]),
        ("ase3.json", "{\"ids\": [1, 2], \"1\": {\"numbers\": [29], \"positions\": [[0,0,0]]}}", &["row 2 listed in \"ids\" is missing"]),
        ("pmg.json", "{\"@module\": \"pymatgen.core.structure\", \"sites\": [{\"species\": [{\"element\": \"Cu\", \"occu\": 0.5}], \"xyz\": [0,0,0]}]}", &["partial occupancy 0.5"]),
        ("other.json", "{\"hello\": 1}", &["cannot tell the file format"]),
        ("bad.xyz", "2\ncomment\nCu 0 0 0\n", &["bad.xyz", "line 2", "declares 2 atoms"]),
        ("bad2.xyz", "1\nProperties=species:S:1:pos:R:3\nCu 0 0 zz\n", &["line 3", "'zz'"]),
        ("bad3.xyz", "1\nLattice=\"1 0 0 0 1\" pbc=\"T T T\"\nCu 0 0 0\n", &["line 2", "Lattice must be 9 numbers"]),
        ("bad4.xyz", "1\n\nXx 0 0 0\n", &["line 3", "unknown element 'Xx'"]),
        ("bad5.xyz", "two\n\nCu 0 0 0\n", &["line 1", "expected the number of atoms"]),
        ("POSCAR", "Cu\n1.0\n3 0 0\n0 3 0\n0 0 3\nCu\n1\nDirect\n0 0\n", &["POSCAR", "line 9", "expected 3 coordinates"]),
        ("CONTCAR", "Cu\n1.0\n3 0 0\n0 3 0\n", &["CONTCAR", "line 5", "file ends early"]),
        ("x.vasp", "Cu\n1.0\n3 0 0\n0 3 0\n0 0 3\nCu Zz\n1 1\nDirect\n0 0 0\n0.5 0.5 0.5\n", &["unknown element 'Zz'"]),
        ("y.vasp", "Cu\n1.0\n3 0 0\n0 3 0\n0 0 3\nCu\n1\nSelective dynamics\nDirect\n0 0 0 T T\n", &["line 10", "three T/F flags"]),
    ];
    for (name, text, needles) in cases {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        let msg = io::read(&p).unwrap_err().to_string();
        for needle in *needles {
            assert!(msg.contains(needle), "{name}: '{msg}' lacks '{needle}'");
        }
        assert!(msg.contains(name), "{name}: '{msg}' does not name the file");
        // style: lowercase start, no trailing period
        assert!(!msg.ends_with('.'), "{msg}");
    }
    let msg = io::read(&dir.path().join("missing.json"))
        .unwrap_err()
        .to_string();
    assert!(msg.contains("missing.json"), "{msg}");
}
