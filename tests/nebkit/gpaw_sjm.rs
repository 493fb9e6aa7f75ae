//! The GPAW-SJM constant-potential reference (reference_paths/gpaw-sjm): rerun nebkit's routes with
//! GPAW and compare their barriers with the committed ASE + SJM band (GPAW's own route) at the same
//! potential. Ignored by default (GPAW is a Debian package `.ci/run` does not install; about 20 min
//! per band on 2 cores):
//!
//!     cargo test --release --test nebkit gpaw_sjm -- --ignored --nocapture
//!
//! `NEBKIT_GPAW_PYTHON` (default /usr/bin/python3) must import `gpaw.solvation.sjm`;
//! `NEBKIT_GPAW_ROUTES` (default `nebkit,engine`) and `NEBKIT_GPAW_POTENTIALS` (default `-1.0`)
//! choose the runs; `NEBKIT_REQUIRE_GPAW=1` turns a missing GPAW into a failure.

use std::path::PathBuf;
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Climbing-image barrier Ω(TS) − Ω(IS) and Δn‡ of a run summary (benches/gpaw_sjm/run.py).
fn barrier(summary: &serde_json::Value) -> (f64, f64) {
    let e: Vec<f64> = summary["energies"]
        .as_array()
        .expect("energies")
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect();
    let ci = (1..e.len() - 1)
        .max_by(|&a, &b| e[a].total_cmp(&e[b]))
        .unwrap();
    let dn = &summary["electrochem"]["excess_electrons"];
    (
        e[ci] - e[0],
        dn[ci].as_f64().unwrap() - dn[0].as_f64().unwrap(),
    )
}

#[test]
#[ignore = "needs GPAW (apt-get install gpaw gpaw-data); ~20 min per band on 2 cores"]
fn gpaw_sjm_barriers_agree_with_the_ase_sjm_reference() {
    let py = std::env::var("NEBKIT_GPAW_PYTHON").unwrap_or_else(|_| "/usr/bin/python3".into());
    let has = Command::new(&py)
        .args(["-c", "import gpaw.solvation.sjm"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !has {
        assert!(
            std::env::var("NEBKIT_REQUIRE_GPAW").is_err(),
            "NEBKIT_REQUIRE_GPAW is set but {py} cannot import gpaw.solvation.sjm"
        );
        eprintln!(
            "SKIPPED: {py} cannot import gpaw.solvation.sjm (apt-get install gpaw gpaw-data)"
        );
        return;
    }
    let path = root().join("reference_paths/gpaw-sjm/results.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}: the ASE + SJM reference bands are not computed yet (benches/gpaw_sjm/README.md)",
            path.display()
        )
    });
    let reference: serde_json::Value = serde_json::from_str(&text).unwrap();
    let routes = std::env::var("NEBKIT_GPAW_ROUTES").unwrap_or_else(|_| "nebkit,engine".into());
    let potentials = std::env::var("NEBKIT_GPAW_POTENTIALS").unwrap_or_else(|_| "-1.0".into());
    let tmp = tempfile::tempdir().unwrap();
    for u in potentials.split(',') {
        let u: f64 = u.trim().parse().unwrap();
        let ase = reference["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["route"] == "ase" && (r["potential"].as_f64().unwrap() - u).abs() < 1e-9)
            .unwrap_or_else(|| panic!("no ASE reference at {u} V in results.json"));
        let ase_barrier = ase["barrier_ci"].as_f64().unwrap();
        for route in routes.split(',') {
            let out = tmp.path().join(format!("{route}_{u}"));
            let st = Command::new(&py)
                .arg(root().join("benches/gpaw_sjm/run.py"))
                .args(["--route", route, "--potential", &u.to_string()])
                .arg("--out")
                .arg(&out)
                .arg("--nebkit")
                .arg(env!("CARGO_BIN_EXE_nebkit"))
                .env("OMP_NUM_THREADS", "1")
                .status()
                .unwrap();
            assert!(
                st.success(),
                "run.py --route {route} --potential {u} failed"
            );
            let s: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap())
                    .unwrap();
            assert_eq!(s["status"], "converged", "{route} at {u} V: {s}");
            let (b, dn) = barrier(&s);
            eprintln!("{route} at {u:+.1} V: barrier {b:.4} eV (ASE + SJM {ase_barrier:.4}), Δn‡ {dn:+.4} e");
            assert!(
                (b - ase_barrier).abs() < 0.03,
                "{route} at {u} V: {b} eV vs ASE + SJM {ase_barrier} eV"
            );
            // every image at the target potential (the reached potentials are recorded per image)
            for (k, ur) in s["electrochem"]["potentials_reached"]
                .as_array()
                .unwrap()
                .iter()
                .enumerate()
            {
                let ur = ur.as_f64().unwrap();
                assert!((ur - u).abs() < 0.02 + 1e-9, "{route} image {k}: {ur} V");
            }
        }
    }
}
