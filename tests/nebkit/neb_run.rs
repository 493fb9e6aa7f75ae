//! `nebkit neb` as a user runs it: restart after SIGKILL, thread-count independence, bad input,
//! broken calculators, plots.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn nebkit() -> Command {
    Command::new(env!("CARGO_BIN_EXE_nebkit"))
}

fn case(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("reference_paths")
        .join(name)
        .join("run.json")
}

fn result(dir: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("result.json")).unwrap()).unwrap()
}

#[test]
fn restart_after_sigkill_gives_the_same_result() {
    let tmp = tempfile::tempdir().unwrap();
    let full = tmp.path().join("full");
    let killed = tmp.path().join("killed");
    // reference: the uninterrupted run
    let st = nebkit()
        .args(["neb", "-q", "--config"])
        .arg(case("au-al100-emt"))
        .args(["-c", "delay:0.01:emt", "--output"])
        .arg(&full)
        .status()
        .unwrap();
    assert!(st.success());
    // the same run, killed after a few iterations
    let mut child = nebkit()
        .args(["neb", "-q", "--config"])
        .arg(case("au-al100-emt"))
        .args(["-c", "delay:0.01:emt", "--output"])
        .arg(&killed)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    loop {
        let it = std::fs::read_to_string(killed.join("checkpoint.json"))
            .ok()
            .and_then(|t| serde_json::from_str::<Value>(&t).ok())
            .and_then(|v| v["iteration"].as_u64())
            .unwrap_or(0);
        if it >= 10 {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "no checkpoint appeared"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert!(
        !killed.join("result.json").exists(),
        "the run finished before it was killed"
    );
    let st = nebkit()
        .args(["neb", "-q", "--restart"])
        .arg(&killed)
        .status()
        .unwrap();
    assert!(st.success());
    let (a, b) = (result(&full), result(&killed));
    // bitwise the same path
    assert_eq!(a["energies"], b["energies"]);
    assert_eq!(a["iterations"], b["iterations"]);
    assert_eq!(a["barrier_forward"], b["barrier_forward"]);
    // no more force calls than the uninterrupted run plus one iteration's image evaluations
    let images = a["settings"]["images"].as_u64().unwrap();
    let (fa, fb) = (
        a["force_calls"].as_u64().unwrap(),
        b["force_calls"].as_u64().unwrap(),
    );
    assert!(
        fb <= fa + images,
        "restarted run used {fb} force calls, uninterrupted {fa}"
    );
    // (endpoint relaxation happens before the first checkpoint and is not repeated)
    assert_eq!(
        a["force_calls"].as_u64().unwrap() - a["endpoint_relaxation_force_calls"].as_u64().unwrap(),
        b["force_calls"].as_u64().unwrap() - b["endpoint_relaxation_force_calls"].as_u64().unwrap()
    );
}

#[test]
fn one_thread_and_two_threads_give_identical_results() {
    let tmp = tempfile::tempdir().unwrap();
    let mut results = Vec::new();
    for threads in ["1", "2"] {
        let dir = tmp.path().join(threads);
        let st = nebkit()
            .args(["neb", "-q", "--threads", threads, "--config"])
            .arg(case("au-al100-emt"))
            .arg("--output")
            .arg(&dir)
            .status()
            .unwrap();
        assert!(st.success());
        let band = std::fs::read_to_string(dir.join("band.extxyz")).unwrap();
        results.push((result(&dir), band));
    }
    assert_eq!(results[0].0["energies"], results[1].0["energies"]);
    assert_eq!(
        results[0].0["max_force_history"],
        results[1].0["max_force_history"]
    );
    assert_eq!(
        results[0].1, results[1].1,
        "band.extxyz differs between 1 and 2 threads"
    );
}

#[test]
fn inconsistent_endpoints_fail_before_any_force_call() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("reference_paths/au-al100-emt");
    let initial = nebkit::io::read(&dir.join("initial.json")).unwrap();
    let mut cases: Vec<(&str, nebkit::structure::Structure, &str)> = Vec::new();
    let mut fewer = initial.clone();
    fewer.numbers.pop();
    fewer.positions.pop();
    fewer.fixed.pop();
    cases.push(("count", fewer, "has 12 atoms, expected 13"));
    let mut order = initial.clone();
    order.numbers.swap(0, 12);
    cases.push(("order", order, "atom 0: Au where image 0 has Al"));
    let mut cell = initial.clone();
    cell.cell.matrix[(0, 0)] += 0.1;
    cases.push(("cell", cell, "different cell"));
    let mut pbc = initial.clone();
    pbc.pbc = [true; 3];
    cases.push(("pbc", pbc, "pbc [true, true, true]"));
    for (name, final_, needle) in cases {
        let f = tmp.path().join(format!("{name}.json"));
        nebkit::io::write(&f, &final_).unwrap();
        let out_dir = tmp.path().join(format!("out-{name}"));
        let out = nebkit()
            .args(["neb", "-q", "-c", "nan-after:0:emt", "--initial"])
            .arg(dir.join("initial.json"))
            .arg("--final")
            .arg(&f)
            .arg("--output")
            .arg(&out_dir)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{name}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(needle), "{name}: {err}");
        // nan-after:0 would fail on the first force call: the error is the validation's
        assert!(!err.contains("non-finite"), "{name}: {err}");
        assert!(!out_dir.join("checkpoint.json").exists());
    }
}

#[test]
fn nan_from_the_calculator_stops_the_run_and_the_checkpoint_stays_usable() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    // endpoints relaxed (~40 calls), then the band: NaN after 120 calls
    let out = nebkit()
        .args(["neb", "-q", "--config"])
        .arg(case("au-al100-emt"))
        .args(["-c", "nan-after:120:emt", "--output"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("image ") && err.contains("non-finite energy"),
        "{err}"
    );
    assert!(err.contains("--restart"), "{err}");
    // the checkpoint is intact: resume with a working calculator
    let run_json = dir.join("run.json");
    let mut cfg: Value =
        serde_json::from_str(&std::fs::read_to_string(&run_json).unwrap()).unwrap();
    cfg["calculator"] = Value::String("emt".into());
    std::fs::write(&run_json, serde_json::to_string(&cfg).unwrap()).unwrap();
    let st = nebkit()
        .args(["neb", "-q", "--restart"])
        .arg(&dir)
        .status()
        .unwrap();
    assert!(st.success());
    let r = result(&dir);
    assert!((r["barrier_forward"].as_f64().unwrap() - 0.3745).abs() < 0.002);
}

#[test]
fn plot_redraws_profiles() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    let st = nebkit()
        .args(["neb", "-q", "--config"])
        .arg(case("leps-ho"))
        .arg("--output")
        .arg(&dir)
        .status()
        .unwrap();
    assert!(st.success());
    let svg = std::fs::read_to_string(dir.join("profile.svg")).unwrap();
    assert!(
        svg.contains("Reaction coordinate") && svg.contains("Ea = 3.634"),
        "labels missing"
    );
    let png = tmp.path().join("fig.png");
    let st = nebkit()
        .arg("plot")
        .arg(dir.join("result.json"))
        .arg("--output")
        .arg(&png)
        .status()
        .unwrap();
    assert!(st.success());
    let bytes = std::fs::read(&png).unwrap();
    assert_eq!(&bytes[1..4], b"PNG");
    let out = nebkit()
        .arg("plot")
        .arg(dir.join("band.extxyz"))
        .args(["--output", "x.svg"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("band.extxyz"));
}

#[test]
fn delayed_climbing_and_energy_weighted_springs_reach_the_same_saddle() {
    let tmp = tempfile::tempdir().unwrap();
    for (name, extra) in [
        ("after", vec!["--climb-after", "0.3"]),
        (
            "weighted",
            vec!["--energy-weighted", "0.1,1.0", "--optimizer", "lbfgs"],
        ),
    ] {
        let dir = tmp.path().join(name);
        let st = nebkit()
            .args(["neb", "-q", "--config"])
            .arg(case("au-al100-emt"))
            .args(&extra)
            .arg("--output")
            .arg(&dir)
            .status()
            .unwrap();
        assert!(st.success(), "{name}");
        let r = result(&dir);
        // REFERENCE_VALUES.md: 0.3745 ± 0.002 eV
        assert!(
            (r["barrier_forward"].as_f64().unwrap() - 0.3745).abs() < 0.002,
            "{name}: {}",
            r["barrier_forward"]
        );
        assert_eq!(r["saddle"]["climbing"], Value::Bool(true), "{name}");
    }
}

#[test]
fn publication_plots_step_kjmol_and_convergence() {
    let tmp = tempfile::tempdir().unwrap();
    let mut results = Vec::new();
    for (name, k) in [("a", "0.1"), ("b", "1.0")] {
        let dir = tmp.path().join(name);
        let st = nebkit()
            .args(["neb", "-q", "--spring", k, "--config"])
            .arg(case("anapot"))
            .arg("--output")
            .arg(&dir)
            .status()
            .unwrap();
        assert!(st.success());
        results.push(dir.join("result.json"));
    }
    let svg = tmp.path().join("multi.svg");
    let st = nebkit()
        .arg("plot")
        .args(&results)
        .args(["--labels", "k=0.1,k=1", "--units", "kjmol", "--output"])
        .arg(&svg)
        .status()
        .unwrap();
    assert!(st.success());
    let text = std::fs::read_to_string(&svg).unwrap();
    for label in ["k=0.1", "k=1", "Energy (kJ/mol)", "IS", "FS", "Ea = 320.5"] {
        assert!(text.contains(label), "multi-path SVG lacks '{label}'");
    }
    let step = tmp.path().join("step.svg");
    let st = nebkit()
        .arg("plot")
        .args(&results)
        .args(["--step", "--output"])
        .arg(&step)
        .status()
        .unwrap();
    assert!(st.success());
    let text = std::fs::read_to_string(&step).unwrap();
    for label in ["IS", "TS", "FS", "Reaction step"] {
        assert!(text.contains(label), "step SVG lacks '{label}'");
    }
    let conv = tmp.path().join("conv.png");
    let st = nebkit()
        .arg("plot")
        .args(&results)
        .args(["--convergence", "--output"])
        .arg(&conv)
        .status()
        .unwrap();
    assert!(st.success());
    assert_eq!(&std::fs::read(&conv).unwrap()[1..4], b"PNG");
}
