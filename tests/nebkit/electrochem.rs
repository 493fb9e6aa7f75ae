//! `nebkit sweep` and `nebkit leach` against PHYSICS.md's worked examples.

use std::path::PathBuf;
use std::process::Command;

#[test]
fn sweep_on_example_a_gives_the_physics_numbers() {
    let input =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/electrochem/example_a.json");
    let dir = tempfile::tempdir().unwrap();
    let st = Command::new(env!("CARGO_BIN_EXE_nebkit"))
        .arg("sweep")
        .arg(&input)
        .args(["--potentials", "-1.0:0.0:0.5", "--output"])
        .arg(dir.path())
        .status()
        .unwrap();
    assert!(st.success());
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("sweep.json")).unwrap())
            .unwrap();
    let get = |k: &str| -> Vec<f64> {
        v[k].as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect()
    };
    // PHYSICS.md example A: barrier(U) = 0.96 + 0.40·U; 0.560 at −1.0 V, 0.960 at 0 V; Δn*_TS − Δn*_IS = 0.40
    for (u, b) in get("potentials").iter().zip(get("barriers")) {
        assert!((b - (0.96 + 0.40 * u)).abs() < 1e-6, "{u}: {b}");
    }
    assert!(get("electron_transfer")
        .iter()
        .all(|t| (t - 0.40).abs() < 1e-6));
    assert_eq!(v["saddle_images"][0], 1);
    assert!((get("reaction_energies")[0] - (-298.785 + 298.360)).abs() < 1e-6);
    let csv = std::fs::read_to_string(dir.path().join("sweep.csv")).unwrap();
    assert_eq!(csv.lines().count(), 4);
    let svg = std::fs::read_to_string(dir.path().join("barrier_vs_potential.svg")).unwrap();
    assert!(svg.contains("Potential (V vs SHE)") && svg.contains("Barrier (eV)"));
    // bad input: a missing capacitance is named with its image
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, r#"{"format": "nebkit/electrochem-band", "version": 1, "images": [{"energy": 1, "excess_electrons": 0, "potential": 0, "capacitance": 1}, {"energy": 2, "excess_electrons": 0, "potential": 0}]}"#).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_nebkit"))
        .arg("sweep")
        .arg(&bad)
        .args(["--potentials", "0:1:0.5", "-o"])
        .arg(dir.path().join("x"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("image 1: missing \"capacitance\""));
}

#[test]
fn leach_gives_example_d() {
    let out = Command::new(env!("CARGO_BIN_EXE_nebkit"))
        .args(["leach", "--metal", "Pt", "--mu-minus-bulk", "1.02,-1.24"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let t: Vec<f64> = v["thresholds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["threshold_V_SHE"].as_f64().unwrap())
        .collect();
    assert!(
        (t[0] - 0.670).abs() < 1e-6 && (t[1] - 1.800).abs() < 1e-6,
        "{t:?}"
    );
    let out = Command::new(env!("CARGO_BIN_EXE_nebkit"))
        .args(["leach", "--metal", "Zn", "--mu-minus-bulk", "1.0"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no tabulated U° for Zn"));
}
