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
    assert!(
        svg.contains("Potential (V vs SHE)")
            && svg.contains("Energy (eV)")
            && svg.contains("barrier")
    );
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

/// Stationary point of the closed-form Ω(x, y; U) of mb-electrode by Newton's method (Hessian by
/// central differences of the analytic gradient) — an independent route to the saddle and minimum.
pub(crate) fn newton(
    mb: &nebkit::calculator::builtin::analytic::MbElectrode,
    mut x: [f64; 2],
    u: f64,
) -> [f64; 2] {
    let h = 1e-6;
    for _ in 0..100 {
        let g = mb.grand(x[0], x[1], u).1;
        let gx = |dx: f64, dy: f64| mb.grand(x[0] + dx, x[1] + dy, u).1;
        let (gp, gm) = (gx(h, 0.0), gx(-h, 0.0));
        let (gq, gn) = (gx(0.0, h), gx(0.0, -h));
        let hxx = (gp[0] - gm[0]) / (2.0 * h);
        let hxy = (gq[0] - gn[0]) / (2.0 * h);
        let hyy = (gq[1] - gn[1]) / (2.0 * h);
        let det = hxx * hyy - hxy * hxy;
        let dx = (hyy * g[0] - hxy * g[1]) / det;
        let dy = (hxx * g[1] - hxy * g[0]) / det;
        x = [x[0] - dx, x[1] - dy];
        if dx.abs() + dy.abs() < 1e-12 {
            break;
        }
    }
    x
}

#[test]
fn grand_canonical_ci_neb_on_mb_electrode_matches_the_closed_form_barrier() {
    use nebkit::calculator::builtin::analytic::MbElectrode;
    let mb = MbElectrode {
        u0: 0.0,
        u1: 0.5,
        capacitance: 1.0,
        phi_she: 4.44,
    };
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("A.json");
    let b = dir.path().join("B.json");
    std::fs::write(&a, r#"{"format": "nebkit/structure", "version": 1, "symbols": ["H"], "positions": [[-0.558224, 1.441726, 0.0]]}"#).unwrap();
    std::fs::write(&b, r#"{"format": "nebkit/structure", "version": 1, "symbols": ["H"], "positions": [[0.623499, 0.028038, 0.0]]}"#).unwrap();
    let mut barriers: Vec<f64> = Vec::new();
    for u in [-1.0, 0.0, 1.0] {
        let out_dir = dir.path().join(format!("u{u}"));
        let st = Command::new(env!("CARGO_BIN_EXE_nebkit"))
            .args([
                "neb",
                "-q",
                "-c",
                "mb-electrode",
                &format!("--potential={u}"),
                "--images",
                "9",
                "--fmax",
                "1e-3",
            ])
            .args([
                "--optimizer",
                "lbfgs",
                "--spring",
                "1",
                "--max-step",
                "0.05",
                "--relax-endpoints",
                "--max-iterations",
                "5000",
                // one band with the climbing image on S1 from the start: the barrier A → S1 is
                // the quantity here (the band is multi-step across C; splitting is tested with
                // the reference case muller-brown)
                "--climb",
                "--no-split",
            ])
            .arg("--initial")
            .arg(&a)
            .arg("--final")
            .arg(&b)
            .arg("--output")
            .arg(&out_dir)
            .status()
            .unwrap();
        assert!(st.success(), "U = {u}");
        let r: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(out_dir.join("result.json")).unwrap())
                .unwrap();
        let s = newton(&mb, [-0.822002, 0.624313], u);
        let m = newton(&mb, [-0.558224, 1.441726], u);
        let want = mb.grand(s[0], s[1], u).0 - mb.grand(m[0], m[1], u).0;
        let got = r["barrier_forward"].as_f64().unwrap();
        assert!(
            (got - want).abs() < 1e-3,
            "U = {u}: CI-NEB {got} vs closed form {want}"
        );
        // d(barrier)/dU = Δn*_TS − Δn*_IS = C·u1·(x_TS − x_IS) on this surface
        let et = r["electrochem"]["electron_transfer"].as_f64().unwrap();
        assert!(
            (et - mb.capacitance * mb.u1 * (s[0] - m[0])).abs() < 1e-2,
            "U = {u}: {et}"
        );
        barriers.push(got);
    }
    // the 0 V run's result.json, swept to ±1 V with the capacitor formula (fixed geometry), predicts
    // the explicit runs to within the saddle's small shift
    let st = Command::new(env!("CARGO_BIN_EXE_nebkit"))
        .arg("sweep")
        .arg(dir.path().join("u0/result.json"))
        .args(["--potentials=-1:1:1", "--capacitance", "1.0", "--output"])
        .arg(dir.path().join("sweep"))
        .status()
        .unwrap();
    assert!(st.success());
    let v: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("sweep/sweep.json")).unwrap(),
    )
    .unwrap();
    for (k, b) in v["barriers"].as_array().unwrap().iter().enumerate() {
        assert!(
            (b.as_f64().unwrap() - barriers[k]).abs() < 2e-3,
            "{k}: {b} vs {}",
            barriers[k]
        );
    }
}
