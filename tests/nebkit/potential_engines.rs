//! Constant potential through external engines (issue #12): the Python mb-electrode engine
//! (`tools/mb_electrode_engine.py`) as a `command` program and behind `tools/ipi_client.py`, with
//! nebkit's potentiostat and with the engine's own, against the closed-form Ω(U) barrier.

use crate::electrochem::newton;
use crate::python_with_ase;
use nebkit::calculator::builtin::analytic::MbElectrode;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

const MB: MbElectrode = MbElectrode {
    u0: 0.0,
    u1: 0.5,
    capacitance: 1.0,
    phi_she: 4.44,
};

/// A (a minimum) and C (the intermediate minimum): one elementary step over S1.
fn endpoints(dir: &Path) -> (PathBuf, PathBuf) {
    let a = dir.join("A.json");
    let c = dir.join("C.json");
    std::fs::write(&a, r#"{"format": "nebkit/structure", "version": 1, "symbols": ["H"], "positions": [[-0.558224, 1.441726, 0.0]]}"#).unwrap();
    std::fs::write(&c, r#"{"format": "nebkit/structure", "version": 1, "symbols": ["H"], "positions": [[-0.050011, 0.466694, 0.0]]}"#).unwrap();
    (a, c)
}

/// The closed-form barrier A → S1 on Ω(x, y; U).
fn closed_form(u: f64) -> f64 {
    let s = newton(&MB, [-0.822002, 0.624313], u);
    let m = newton(&MB, [-0.558224, 1.441726], u);
    MB.grand(s[0], s[1], u).0 - MB.grand(m[0], m[1], u).0
}

fn neb(calc: &str, u: f64, potentiostat: &str, dir: &Path, out: &str) -> Output {
    let (a, c) = endpoints(dir);
    Command::new(env!("CARGO_BIN_EXE_nebkit"))
        .args(["neb", "-q", "-c", calc, &format!("--potential={u}")])
        .args([
            "--potentiostat",
            potentiostat,
            "--images",
            "5",
            "--fmax",
            "0.5",
        ])
        .args([
            "--optimizer",
            "lbfgs",
            "--spring",
            "1",
            "--max-step",
            "0.05",
        ])
        .args(["--climb", "--initial"])
        .arg(a)
        .arg("--final")
        .arg(c)
        .arg("--output")
        .arg(dir.join(out))
        .output()
        .unwrap()
}

fn check(o: &Output, dir: &Path, u: f64, potentiostat: &str) {
    assert!(
        o.status.success(),
        "U = {u} ({potentiostat}): {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("result.json")).unwrap()).unwrap();
    assert_eq!(r["status"], "converged");
    let got = r["barrier_forward"].as_f64().unwrap();
    let want = closed_form(u);
    assert!(
        (got - want).abs() < 2e-3,
        "U = {u} ({potentiostat}): {got} vs closed form {want}"
    );
    let ec = &r["electrochem"];
    assert_eq!(ec["potentiostat"], potentiostat);
    for p in ec["potentials_reached"].as_array().unwrap() {
        assert!((p.as_f64().unwrap() - u).abs() <= 0.01, "{p}");
    }
    // Δn at each image is the capacitor's answer at the reached potential: C(U_pzc(x) − U)
    let band = std::fs::read_to_string(dir.join("band.extxyz")).unwrap();
    let xs: Vec<f64> = band
        .lines()
        .collect::<Vec<_>>()
        .chunks(3)
        .map(|c| c[2].split_whitespace().nth(1).unwrap().parse().unwrap())
        .collect();
    for (x, dn) in xs.iter().zip(ec["excess_electrons"].as_array().unwrap()) {
        let want = MB.capacitance * (MB.pzc(*x) - u);
        assert!(
            (dn.as_f64().unwrap() - want).abs() < 0.011,
            "{dn} vs {want}"
        );
    }
}

#[test]
fn command_engine_gives_the_closed_form_grand_canonical_barrier_with_either_potentiostat() {
    let tmp = tempfile::tempdir().unwrap();
    let engine = format!(
        "command:python3 -I -S {}|max=5",
        root().join("tools/mb_electrode_engine.py").display()
    );
    for u in [-1.0, 0.0, 1.0] {
        for p in ["nebkit", "engine"] {
            let out = format!("{p}{u}");
            let o = neb(&engine, u, p, tmp.path(), &out);
            check(&o, &tmp.path().join(&out), u, p);
        }
    }
}

#[test]
fn an_engine_that_ignores_the_electron_count_is_an_error_not_a_neutral_barrier() {
    let tmp = tempfile::tempdir().unwrap();
    let engine = format!(
        "command:python3 -I -S {} --ignore-charge",
        root().join("tools/mb_electrode_engine.py").display()
    );
    for p in ["nebkit", "engine"] {
        let o = neb(&engine, -1.0, p, tmp.path(), p);
        assert!(!o.status.success());
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains("does not follow nebkit's electron-count protocol")
                && err.contains("result.json"),
            "{err}"
        );
        assert!(!tmp.path().join(p).join("result.json").exists());
    }
    // a neutral run with the same engine is fine
    let (a, c) = endpoints(tmp.path());
    let st = Command::new(env!("CARGO_BIN_EXE_nebkit"))
        .args(["neb", "-q", "-c", &engine, "--images", "3", "--fmax", "5"])
        .args(["--optimizer", "lbfgs", "--initial"])
        .arg(a)
        .arg("--final")
        .arg(c)
        .arg("--output")
        .arg(tmp.path().join("neutral"))
        .status()
        .unwrap();
    assert!(st.success());
}

fn client(py: &str, name: &str, dir: &Path, extra: &[&str]) -> std::process::Child {
    let xyz = dir.join("A.xyz");
    std::fs::write(
        &xyz,
        "1\nProperties=species:S:1:pos:R:3 pbc=\"F F F\"\nH -0.558224 1.441726 0.0\n",
    )
    .unwrap();
    Command::new(py)
        .arg(root().join("tools/ipi_client.py"))
        .args(["--unix", name, "--structure"])
        .arg(xyz)
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

#[test]
fn ipi_clients_take_the_electron_count_per_evaluation_with_either_potentiostat() {
    let Some(py) = python_with_ase() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let mb = ["--calculator", "mb_electrode_engine:MbElectrodeCalculator"];
    for u in [-1.0, 0.0, 1.0] {
        for p in ["nebkit", "engine"] {
            let name = format!("nebkit_ec_{}_{p}_{}", std::process::id(), u as i32 + 1);
            let mut c = client(&py, &name, tmp.path(), &mb);
            let out = format!("{p}{u}");
            let o = neb(
                &format!("ipi:unix:{name}:wait=60,timeout=60"),
                u,
                p,
                tmp.path(),
                &out,
            );
            let _ = c.kill();
            let _ = c.wait();
            check(&o, &tmp.path().join(&out), u, p);
        }
    }
    // ASE's stock client loop never asks for the electron count: a clear error, no barrier
    let name = format!("nebkit_ec_{}_plain", std::process::id());
    let mut c = client(&py, &name, tmp.path(), &[&mb[..], &["--plain"]].concat());
    let o = neb(
        &format!("ipi:unix:{name}:wait=60,timeout=60"),
        0.0,
        "nebkit",
        tmp.path(),
        "plain",
    );
    let _ = c.kill();
    let _ = c.wait();
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr)
        .contains("takes the electron count or target potential per evaluation"));
    // a calculator without charge support (EMT) answers without an electron count: an error
    let name = format!("nebkit_ec_{}_emt", std::process::id());
    let mut c = client(&py, &name, tmp.path(), &["--calculator", "emt"]);
    let o = neb(
        &format!("ipi:unix:{name}:wait=60,timeout=60"),
        0.0,
        "engine",
        tmp.path(),
        "emt",
    );
    let _ = c.kill();
    let _ = c.wait();
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("has no potentiostat of its own"), "{err}");
}

#[test]
fn ipi_client_cache_works_for_calculators_that_compute_forces_only_when_asked() {
    let Some(py) = python_with_ase() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let name = format!("nebkit_ec_{}_lazy", std::process::id());
    let cache = tmp.path().join("client_cache");
    let mut c = client(
        &py,
        &name,
        tmp.path(),
        &[
            "--calculator",
            "mb_electrode_engine:LazyMbElectrodeCalculator",
            "--cache",
            cache.to_str().unwrap(),
        ],
    );
    let o = neb(
        &format!("ipi:unix:{name}:wait=60,timeout=60"),
        -1.0,
        "nebkit",
        tmp.path(),
        "lazy",
    );
    let _ = c.kill();
    let _ = c.wait();
    check(&o, &tmp.path().join("lazy"), -1.0, "nebkit");
    assert!(std::fs::read_dir(&cache).unwrap().count() > 0);
}
