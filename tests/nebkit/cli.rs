//! The `nebkit` binary's contract.

use crate::data;
use std::process::Command;

fn nebkit() -> Command {
    Command::new(env!("CARGO_BIN_EXE_nebkit"))
}

#[test]
fn calc_prints_energy_forces_stress() {
    let out = nebkit()
        .args(["calc"])
        .arg(data("ase/alloys_db.json"))
        .args(["--calculator", "emt"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let frames = nebkit::io::read_all(&data("ase/alloys_db.json")).unwrap();
    let last = frames.last().unwrap();
    let e = last.stored.as_ref().unwrap().energy.unwrap();
    assert!((v["energy"].as_f64().unwrap() - e).abs() < 1e-10);
    assert_eq!(v["forces"].as_array().unwrap().len(), last.len());
    assert_eq!(v["stress"].as_array().unwrap().len(), 6);
    // open cluster: no stress key
    let out = nebkit()
        .arg("calc")
        .arg(data("ase/cluster.xyz"))
        .args(["-c", "eam:zhou2004"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v.get("stress").is_none());
}

#[test]
fn calc_on_bad_input_fails_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("broken.extxyz");
    std::fs::write(&bad, "3\n\nCu 0 0 0\n").unwrap();
    let out = nebkit().arg("calc").arg(&bad).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("broken.extxyz") && err.contains("line 2") && err.contains("declares 3 atoms"),
        "{err}"
    );
    assert!(out.stdout.is_empty());
    let out = nebkit()
        .arg("calc")
        .arg(data("ase/alloys_db.json"))
        .args(["-c", "nope"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown calculator 'nope'"));
    // an element the calculator has no parameters for
    let fe = dir.path().join("fe.xyz");
    std::fs::write(&fe, "2\n\nFe 0 0 0\nFe 2.5 0 0\n").unwrap();
    let out = nebkit()
        .arg("calc")
        .arg(&fe)
        .args(["-c", "emt"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no parameters for element Fe (atom 0)"));
    // the default calculator (SevenNet-0) covers 89 elements, not polonium
    let po = dir.path().join("po.xyz");
    std::fs::write(&po, "2\n\nCu 0 0 0\nPo 2.5 0 0\n").unwrap();
    let out = nebkit().arg("calc").arg(&po).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("sevennet has no parameters for element Po (atom 1)"),
        "{err}"
    );
}

/// `nebkit calc` and `nebkit neb` use the built-in SevenNet-0 when no calculator is named; the run
/// says what its barriers mean and how to cite it (stderr and result.json).
#[test]
fn sevennet_is_the_default_and_carries_its_note() {
    let case = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("reference_paths/nis-ni-release-sevennet");
    let out = nebkit()
        .arg("calc")
        .arg(case.join("initial.json"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // SevenNet-0 energies are absolute (≈ −5.7 eV/atom for NiS), EMT would not cover S at all
    let e = v["energy"].as_f64().unwrap();
    assert!((-6.5 * 72.0..-4.5 * 72.0).contains(&e), "energy {e}");
    let dir = tempfile::tempdir().unwrap();
    let out = nebkit()
        .args(["neb", "--images", "3", "--max-iterations", "1", "--initial"])
        .arg(case.join("initial.json"))
        .arg("--final")
        .arg(case.join("final.json"))
        .arg("--output")
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        matches!(out.status.code(), Some(0 | 3)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("underestimate barriers"));
    let res: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("result.json")).unwrap())
            .unwrap();
    assert_eq!(res["calculator"], "sevennet");
    let note = res["notes"][0].as_str().unwrap();
    assert!(
        note.contains("doi:10.1021/acs.jctc.4c00190") && note.contains("underestimate barriers"),
        "{note}"
    );
}
