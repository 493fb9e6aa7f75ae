//! `nebkit echem import` on real DFT outputs (provenance: tests/data/electrochem/README.md) against
//! what the codes' own tools report.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn data(p: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/electrochem")
        .join(p)
}

fn import(code: &str, files: &[PathBuf], out: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_nebkit"))
        .args(["echem", "import", "--code", code])
        .args(files)
        .arg("--output")
        .arg(out)
        .args(extra)
        .output()
        .unwrap()
}

fn images(out: &Path) -> Vec<serde_json::Value> {
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out).unwrap()).unwrap();
    assert_eq!(v["format"], "nebkit/electrochem-band");
    v["source"]["images"].as_array().unwrap().clone()
}

fn f(v: &serde_json::Value, k: &str) -> f64 {
    v[k].as_f64().unwrap()
}

#[test]
fn gpaw_sjm_log_gives_what_gpaw_reported_at_run_time() {
    let tmp = tempfile::tempdir().unwrap();
    let log = data("gpaw_sjm_cu111.txt");
    let out = tmp.path().join("band.json");
    let o = import("gpaw-sjm", &[log.clone(), log], &out, &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // GPAW 22.8's calculator at run time (benches/gpaw_sjm/client_adapter_check.out): E
    // -9.229749215913396, excess electrons -0.02490762671012966, electrode potential
    // 3.391117336656753 eV; the log prints 6 decimals
    for im in images(&out) {
        assert!((f(&im, "energy") - -9.229749215913396).abs() < 1e-6);
        assert!((f(&im, "excess_electrons") - -0.02490762671012966).abs() < 1e-6);
        assert!((f(&im, "work_function") - 3.391117336656753).abs() < 1e-6);
    }
    // the file feeds nebkit sweep (Φ_SHE 4.4 for GPAW by default; capacitance from the sweep flag)
    let st = Command::new(env!("CARGO_BIN_EXE_nebkit"))
        .arg("sweep")
        .arg(&out)
        .args([
            "--potentials",
            "-1:0:0.5",
            "--capacitance",
            "0.1",
            "--output",
        ])
        .arg(tmp.path().join("sweep"))
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
}

#[test]
fn vasp_outcar_gives_ase_and_pymatgen_numbers_and_needs_a_reference() {
    let tmp = tempfile::tempdir().unwrap();
    let outcar = data("vasp_o2/OUTCAR");
    let out = tmp.path().join("band.json");
    // no vacuum level and no VASPsol output: a clear error naming the file
    let o = import("vasp", &[outcar.clone(), outcar.clone()], &out, &[]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("vasp_o2/OUTCAR") && err.contains("--vacuum-level"),
        "{err}"
    );
    let o = import(
        "vasp",
        &[outcar.clone(), outcar.clone()],
        &out,
        &["--vacuum-level", "0.5"],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // ASE 3.29 read_vasp_out and pymatgen 2026.10.24 Outcar: energy(sigma->0) -9.85630913 eV,
    // E-fermi -6.8216 eV; NELECT 12 = 2 O × ZVAL 6 (neutral)
    for im in images(&out) {
        assert_eq!(f(&im, "energy"), -9.85630913);
        assert_eq!(f(&im, "fermi_level"), -6.8216);
        assert_eq!(f(&im, "excess_electrons"), 0.0);
        assert!((f(&im, "work_function") - 7.3216).abs() < 1e-12);
    }
    // a VASP NEB directory 00/ 01/ 02/ with VASPsol's standard output next to each OUTCAR:
    // W = −(E_F + FERMI_SHIFT) (VASPsol docs/USAGE.md)
    let neb = tmp.path().join("neb");
    for k in 0..3 {
        let d = neb.join(format!("{k:02}"));
        std::fs::create_dir_all(&d).unwrap();
        std::fs::copy(&outcar, d.join("OUTCAR")).unwrap();
        std::fs::write(d.join("vasp.out"), " FERMI_SHIFT =   0.250000000000000\n").unwrap();
    }
    let o = import("vasp", &[neb], &out, &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let ims = images(&out);
    assert_eq!(ims.len(), 3);
    for im in ims {
        assert!((f(&im, "work_function") - (6.8216 - 0.25)).abs() < 1e-12);
        assert!(im["reference"].as_str().unwrap().contains("FERMI_SHIFT"));
    }
    // a real, truncated OUTCAR and a foreign file are errors naming the file
    let o = import(
        "vasp",
        &[data("vasp_truncated/OUTCAR"), outcar.clone()],
        &out,
        &["--vacuum-level", "0"],
    );
    assert!(!o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("vasp_truncated/OUTCAR: no \"ions per type")
    );
    let o = import(
        "vasp",
        &[data("gpaw_sjm_cu111.txt"), outcar],
        &out,
        &["--vacuum-level", "0"],
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("not a VASP OUTCAR"));
}

#[test]
fn jdftx_fixed_potential_outputs_give_the_tutorials_own_mu_and_n() {
    let tmp = tempfile::tempdir().unwrap();
    let names = [
        "Neutral",
        "Charged-0.1648",
        "Charged-0.2015",
        "Charged-0.2382",
    ];
    let files: Vec<PathBuf> = names
        .iter()
        .map(|n| data(&format!("jdftx/{n}.out")))
        .collect();
    let out = tmp.path().join("band.json");
    let o = import("jdftx", &files, &out, &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let ims = images(&out);
    // mu_N.dat: μ [Ha] and N written by the tutorial's collect_results.sh; 5 Pt × 16 valence e
    let table = std::fs::read_to_string(data("jdftx/mu_N.dat")).unwrap();
    let hartree = 27.211386024367243;
    for (k, name) in names.iter().enumerate().skip(1) {
        let mu: f64 = name.trim_start_matches("Charged").parse().unwrap();
        let row: Vec<f64> = table
            .lines()
            .map(|l| {
                l.split_whitespace()
                    .map(|x| x.parse().unwrap())
                    .collect::<Vec<f64>>()
            })
            .find(|r| (r[0] - mu).abs() < 1e-9)
            .unwrap();
        assert!((f(&ims[k], "excess_electrons") - (row[1] - 80.0)).abs() < 1e-9);
        assert!((f(&ims[k], "work_function") - (-row[0] * hartree)).abs() < 1e-9);
    }
    assert!(f(&ims[0], "excess_electrons").abs() < 1e-12);
    // the canonical energy is the file's final F (G = F − μN is checked on reading)
    assert!((f(&ims[1], "energy") - -445.193_097_928_492_7 * hartree).abs() < 1e-6);
    // the wrong code for a file
    let o = import(
        "jdftx",
        &[data("gpaw_sjm_cu111.txt"), files[0].clone()],
        &out,
        &[],
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("not a JDFTx output"));
}

#[test]
fn qe_charged_output_gives_ases_numbers_and_the_charge_of_its_input() {
    let tmp = tempfile::tempdir().unwrap();
    let pw = data("qe_anatase_charged.out");
    let out = tmp.path().join("band.json");
    // the Fermi level needs a reference
    let o = import("qe", &[pw.clone(), pw.clone()], &out, &[]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("--vacuum-level"));
    let o = import("qe", &[pw.clone(), pw], &out, &["--vacuum-level", "12.0"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // ASE 3.29 espresso-out: energy -9833.059923977105 eV (CODATA 2006 Rydberg), Fermi 9.2923 eV;
    // the input (QE test-suite oscdft_pw/nooscdft.in) has tot_charge = -1: one excess electron
    // (97 electrons against 4 Ti × 12 + 8 O × 6 = 96)
    for im in images(&out) {
        assert!((f(&im, "energy") - -9833.059923977105).abs() < 1e-8);
        assert_eq!(f(&im, "fermi_level"), 9.2923);
        assert_eq!(f(&im, "excess_electrons"), 1.0);
        assert!((f(&im, "work_function") - (12.0 - 9.2923)).abs() < 1e-12);
    }
}

fn vacuum(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_nebkit"))
        .args(["echem", "vacuum"])
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn locpot_vacuum_level_is_pymatgens_planar_average_maximum() {
    // a real LOCPOT (SnO2 slab, 18×28×224 grid, 40 Å along c; MacroDensity's first commit) and the
    // largest planar average pymatgen 2026.10.24 gives:
    // Locpot.from_file("LOCPOT").get_average_along_axis(2).max() = 7.4785597412376985 (plane 44),
    // along a (axis 0): -3.444350522069368 (plane 14)
    let locpot = data("vasp_locpot_sno2/LOCPOT");
    let tmp = tempfile::tempdir().unwrap();
    let csv = tmp.path().join("planar.csv");
    let o = vacuum(&[locpot.as_os_str(), "-o".as_ref(), csv.as_os_str()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("vacuum level 7.478560 eV"), "{text}");
    let rows: Vec<f64> = std::fs::read_to_string(&csv)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap().parse().unwrap())
        .collect();
    assert_eq!(rows.len(), 224);
    assert!((rows[44] - 7.4785597412376985).abs() < 1e-7);
    let o = vacuum(&[locpot.as_os_str(), "--axis".as_ref(), "a".as_ref()]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("vacuum level -3.444351 eV"));

    // next to an OUTCAR it is the Fermi level's reference: W = vacuum − E-fermi. The pair is
    // mechanical only (the O2 OUTCAR of vasp_o2 is another run): E-fermi -6.8216 eV
    let dir = tmp.path().join("image");
    std::fs::create_dir(&dir).unwrap();
    std::fs::copy(data("vasp_o2/OUTCAR"), dir.join("OUTCAR")).unwrap();
    std::fs::copy(&locpot, dir.join("LOCPOT")).unwrap();
    let out = tmp.path().join("band.json");
    let o = import("vasp", &[dir.clone(), dir.clone()], &out, &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for im in images(&out) {
        assert!((f(&im, "work_function") - (7.4785597412376985 + 6.8216)).abs() < 1e-6);
        assert!(im["reference"].as_str().unwrap().contains("LOCPOT"));
    }
    // an explicit --vacuum-level wins over the LOCPOT
    let o = import(
        "vasp",
        &[dir.clone(), dir],
        &out,
        &["--vacuum-level", "5.0"],
    );
    assert!(o.status.success());
    assert!((f(&images(&out)[0], "work_function") - 11.8216).abs() < 1e-9);

    // truncated copies: an error naming the file and the line, never a level
    let bytes = std::fs::read(&locpot).unwrap();
    for cut in [600, 100_000, bytes.len() - 5000] {
        let t = tmp.path().join(format!("LOCPOT_{cut}"));
        std::fs::write(&t, &bytes[..cut]).unwrap();
        let o = vacuum(&[t.as_os_str()]);
        assert!(!o.status.success());
        let e = String::from_utf8_lossy(&o.stderr);
        assert!(
            e.contains(&format!("LOCPOT_{cut}")) && e.contains("line"),
            "{e}"
        );
        assert!(e.contains("truncated"), "{e}");
    }
    // a foreign file
    let o = vacuum(&[data("vasp_o2/OUTCAR").as_os_str()]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("not a LOCPOT"));
}
