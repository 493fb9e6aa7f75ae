//! Issue #11: a result says what it is. Collapsed endpoints, endpoints that are no minima, monotonic
//! paths, bands that leave the reaction path and multi-step paths each get their own status, exit
//! code and message; only `converged` and `multi-step` carry barriers.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn nebkit() -> Command {
    Command::new(env!("CARGO_BIN_EXE_nebkit"))
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn result(dir: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("result.json")).unwrap()).unwrap()
}

/// A nebkit JSON structure file.
fn write_structure(path: &Path, symbols: &[&str], positions: &[[f64; 3]], fixed: &[usize]) {
    let v = serde_json::json!({
        "format": "nebkit/structure", "version": 1,
        "symbols": symbols, "positions": positions, "fixed": fixed,
    });
    std::fs::write(path, v.to_string()).unwrap();
}

fn neb(args: &[&str], initial: &Path, final_: &Path, out: &Path) -> Output {
    nebkit()
        .args(["neb", "-q"])
        .args(args)
        .arg("--initial")
        .arg(initial)
        .arg("--final")
        .arg(final_)
        .arg("--output")
        .arg(out)
        .output()
        .unwrap()
}

fn check_no_barrier_fields(r: &Value) {
    for key in [
        "barrier_forward",
        "barrier_reverse",
        "saddle",
        "fit_maximum",
    ] {
        assert!(
            r[key].is_null(),
            "{key} = {} for status {}",
            r[key],
            r["status"]
        );
    }
}

/// r₀ = 2^(1/6) σ of Lennard-Jones (σ = 1, ASE defaults).
fn lj_r0() -> f64 {
    2f64.powf(1.0 / 6.0)
}

#[test]
fn issue_11_the_same_structure_twice_is_collapsed_and_runs_no_band() {
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("a.json");
    write_structure(&a, &["Ar", "Ar"], &[[0.0; 3], [lj_r0(), 0.0, 0.0]], &[]);
    let out = tmp.path().join("run");
    let o = neb(&["-c", "lj"], &a, &a, &out);
    assert_eq!(
        o.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("collapsed-endpoints") && stderr.contains("same minimum"),
        "{stderr}"
    );
    let r = result(&out);
    assert_eq!(r["status"], "collapsed-endpoints");
    assert_eq!(r["iterations"], 0);
    assert_eq!(r["force_calls"], 2, "only the two endpoint evaluations");
    assert!(r["reaction_energy"].is_null());
    check_no_barrier_fields(&r);
    assert!(!out.join("checkpoint.json").exists() && !out.join("trajectory.extxyz").exists());
}

#[test]
fn issue_11_a_final_state_that_relaxes_back_is_collapsed_before_any_band() {
    // Au on Al(100): the final state is the initial hollow with the Au pushed 0.6 Å towards the
    // bridge; EMT relaxes it back into the hollow
    let tmp = tempfile::tempdir().unwrap();
    let dir = root().join("reference_paths/au-al100-emt");
    let mut s = nebkit::io::read(&dir.join("initial.json")).unwrap();
    let au = s.numbers.iter().position(|&z| z == 79).unwrap();
    s.positions[au].x += 0.6;
    let f = tmp.path().join("pushed.json");
    nebkit::io::write(&f, &s).unwrap();
    let out = tmp.path().join("run");
    let o = neb(&["-c", "emt"], &dir.join("initial.json"), &f, &out);
    assert_eq!(
        o.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let r = result(&out);
    assert_eq!(r["status"], "collapsed-endpoints");
    let msg = r["message"].as_str().unwrap();
    assert!(
        msg.contains("relaxed into the initial state's minimum") && msg.contains("atom 12 (Au)"),
        "{msg}"
    );
    assert_eq!(r["iterations"], 0);
    assert!(r["endpoints"]["final"]["relaxed"].as_bool().unwrap());
    assert!(
        r["endpoints"]["comparison"]["moving_displacement"]
            .as_f64()
            .unwrap()
            < 0.05
    );
    assert_eq!(
        r["force_calls"], r["endpoint_relaxation_force_calls"],
        "no band evaluation"
    );
    check_no_barrier_fields(&r);
    assert!(!out.join("checkpoint.json").exists());
}

#[test]
fn issue_11_dissociation_is_a_monotonic_path_without_barrier() {
    // Ar₂ pulled from r₀ to 2.9σ (forces there 0.014 eV/Å, below fmax, so it is kept): the energy
    // only rises
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a.json"), tmp.path().join("b.json"));
    write_structure(&a, &["Ar", "Ar"], &[[0.0; 3], [lj_r0(), 0.0, 0.0]], &[]);
    write_structure(&b, &["Ar", "Ar"], &[[0.0; 3], [2.9, 0.0, 0.0]], &[]);
    let out = tmp.path().join("run");
    let o = neb(&["-c", "lj"], &a, &b, &out);
    assert_eq!(
        o.status.code(),
        Some(6),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let r = result(&out);
    assert_eq!(r["status"], "no-barrier");
    assert!(r["message"]
        .as_str()
        .unwrap()
        .contains("rises monotonically"));
    check_no_barrier_fields(&r);
    // the reaction energy is still reported: V(2.9) − V(r₀) of the shifted potential
    let v = |x: f64| 4.0 * (x.powi(-12) - x.powi(-6));
    let want = v(2.9) - v(lj_r0());
    const E_TOL: f64 = 1e-9; // eV, the endpoints are not moved
    assert!((r["reaction_energy"].as_f64().unwrap() - want).abs() < E_TOL);
    // the figure says what the path is: no saddle marked, no diagram
    let svg = std::fs::read_to_string(out.join("profile.svg")).unwrap();
    assert!(
        svg.contains("no barrier") && !svg.contains("TS"),
        "profile.svg"
    );
    assert!(!out.join("diagram.svg").exists());
}

#[test]
fn issue_11_a_band_through_empty_space_is_detached_atom() {
    // an Ar atom hops between two fixed Ar 8σ apart: half-way it has no neighbour within the 3σ
    // cutoff, feels no force, and the "barrier" would be a plateau
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a.json"), tmp.path().join("b.json"));
    let r0 = lj_r0();
    write_structure(
        &a,
        &["Ar", "Ar", "Ar"],
        &[[0.0; 3], [8.0, 0.0, 0.0], [r0, 0.0, 0.0]],
        &[0, 1],
    );
    write_structure(
        &b,
        &["Ar", "Ar", "Ar"],
        &[[0.0; 3], [8.0, 0.0, 0.0], [8.0 - r0, 0.0, 0.0]],
        &[0, 1],
    );
    let out = tmp.path().join("run");
    let o = neb(&["-c", "lj"], &a, &b, &out);
    assert_eq!(
        o.status.code(),
        Some(7),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let r = result(&out);
    assert_eq!(r["status"], "detached-atom");
    assert!(r["message"]
        .as_str()
        .unwrap()
        .contains("atom 2 (Ar) has no neighbour within 3.00 Å"));
    check_no_barrier_fields(&r);
}

#[test]
fn issue_11_endpoints_kept_as_given_or_stalled_are_no_minima() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = root().join("reference_paths/au-al100-emt");
    // the builder-style unrelaxed initial state (0.25 eV/Å) kept as given
    let out = tmp.path().join("kept");
    let o = neb(
        &["-c", "emt", "--no-relax-endpoints", "--max-iterations", "2"],
        &dir.join("initial.json"),
        &dir.join("final.json"),
        &out,
    );
    assert_eq!(
        o.status.code(),
        Some(5),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let r = result(&out);
    assert_eq!(r["status"], "endpoint-not-minimum");
    assert!(r["message"].as_str().unwrap().contains("kept as given"));
    check_no_barrier_fields(&r);
    // a relaxation that stalls above the band's fmax stops before the band
    let out = tmp.path().join("stalled");
    let o = neb(
        &["-c", "emt", "--endpoint-steps", "2", "--fmax", "0.01"],
        &dir.join("initial.json"),
        &dir.join("final.json"),
        &out,
    );
    assert_eq!(
        o.status.code(),
        Some(5),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let r = result(&out);
    assert!(r["message"]
        .as_str()
        .unwrap()
        .contains("did not relax below 0.005 eV/Å in 2 steps"));
    assert_eq!(r["iterations"], 0);
    assert!(!out.join("checkpoint.json").exists());
}

#[test]
fn issue_11_endpoints_are_relaxed_by_default_only_when_their_forces_exceed_fmax() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = root().join("reference_paths/au-al100-emt");
    let out = tmp.path().join("run");
    let o = neb(
        &["-c", "emt", "--fmax", "0.05"],
        &dir.join("initial.json"),
        &dir.join("final.json"),
        &out,
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let r = result(&out);
    let ep = &r["endpoints"];
    // both given at 0.246 eV/Å (REFERENCE_VALUES.md) > fmax: relaxed to fmax/2
    for k in ["initial", "final"] {
        assert!(ep[k]["relaxed"].as_bool().unwrap(), "{k}");
        assert!((ep[k]["input_max_force"].as_f64().unwrap() - 0.2462).abs() < 1e-3);
        assert!(ep[k]["max_force"].as_f64().unwrap() < 0.025);
    }
    assert_eq!(r["settings"]["relax_endpoints_policy"], "auto");
    // the relaxed initial state of REFERENCE_VALUES.md (3.314250 eV, tight relaxation): within
    // what a 0.025 eV/Å relaxation leaves
    assert!((r["energies"][0].as_f64().unwrap() - 3.314250).abs() < 2e-3);
    assert_eq!(r["status"], "converged");
    assert!((r["barrier_forward"].as_f64().unwrap() - 0.3745).abs() < 0.01);
    // endpoints below fmax are taken as given
    let relaxed = tmp.path().join("relaxed.json");
    std::fs::copy(out.join("initial.json"), &relaxed).unwrap();
    let out2 = tmp.path().join("again");
    let o = neb(
        &["-c", "emt", "--fmax", "0.05", "--max-iterations", "1"],
        &relaxed,
        &out.join("final.json"),
        &out2,
    );
    assert!(matches!(o.status.code(), Some(0) | Some(3)));
    let r2 = result(&out2);
    assert!(!r2["endpoints"]["initial"]["relaxed"].as_bool().unwrap());
}

#[test]
fn issue_11_muller_brown_across_the_intermediate_without_split_reports_band_steps() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    let o = nebkit()
        .args(["neb", "-q", "--no-split", "--config"])
        .arg(root().join("reference_paths/muller-brown/run.json"))
        .arg("--output")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let r = result(&out);
    assert_eq!(r["status"], "multi-step");
    let steps = r["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 2);
    assert!(steps.iter().all(|s| s["source"] == "band"));
    // A, S1, C, S2, B of REFERENCE_VALUES.md
    let (a, s1, c, s2, b) = (-146.699517, -40.664844, -80.767818, -72.248940, -108.166724);
    // the climbing image sits on S1 (the highest point): step 1 and the top-level barrier are exact
    const CI_TOL: f64 = 1e-3; // band converged to fmax 1e-3 with the climbing image on S1
    assert!((steps[0]["barrier_forward"].as_f64().unwrap() - (s1 - a)).abs() < CI_TOL);
    assert!((r["barrier_forward"].as_f64().unwrap() - (s1 - a)).abs() < CI_TOL);
    // the intermediate and S2 are read off the fit: estimates (the band has images, not stationary
    // points, there)
    const FIT_TOL: f64 = 2.0; // Müller–Brown units; images are ~0.2 apart where E changes by ~10/0.1
    assert!((steps[1]["initial_energy"].as_f64().unwrap() - c).abs() < FIT_TOL);
    assert!((steps[1]["saddle_energy"].as_f64().unwrap() - s2).abs() < FIT_TOL);
    assert!((steps[1]["final_energy"].as_f64().unwrap() - b).abs() < 1e-3);
    assert_eq!(r["rate_limiting"]["step"], 1);
    assert!(r["message"].as_str().unwrap().contains("estimates"));
    // the figures label both saddles
    let svg = std::fs::read_to_string(out.join("profile.svg")).unwrap();
    assert!(svg.contains("TS1") && svg.contains("TS2"));
    let diagram = std::fs::read_to_string(out.join("diagram.svg")).unwrap();
    assert!(diagram.contains("I1") && diagram.contains("TS2"));
}

#[test]
fn issue_11_exit_codes_are_distinct_and_documented() {
    use nebkit::workflow::Status;
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    for s in Status::ALL {
        let line = format!("`{}` | {}", s.as_str(), s.exit_code());
        assert!(readme.contains(&line), "README lacks the row '{line}'");
    }
}

#[test]
fn issue_11_a_split_run_killed_in_a_step_resumes_to_the_same_result() {
    use std::time::{Duration, Instant};
    let tmp = tempfile::tempdir().unwrap();
    let case = root().join("reference_paths/muller-brown/run.json");
    let run = |out: &Path| {
        nebkit()
            .args(["neb", "-q", "--config"])
            .arg(&case)
            .args([
                "-c",
                "delay:0.001:muller-brown",
                "--fmax",
                "0.01",
                "--images",
                "7",
            ])
            .arg("--output")
            .arg(out)
            .spawn()
            .unwrap()
    };
    let full = tmp.path().join("full");
    assert!(run(&full).wait().unwrap().success());
    let killed = tmp.path().join("killed");
    let mut child = run(&killed);
    let start = Instant::now();
    let step_cp = killed.join("steps/1/checkpoint.json");
    loop {
        let it = std::fs::read_to_string(&step_cp)
            .ok()
            .and_then(|t| serde_json::from_str::<Value>(&t).ok())
            .and_then(|v| v["iteration"].as_u64())
            .unwrap_or(0);
        if it >= 20 {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "no step checkpoint appeared"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL in the middle of step 1
    child.wait().unwrap();
    assert!(!killed.join("result.json").exists());
    let st = nebkit()
        .args(["neb", "-q", "--restart"])
        .arg(&killed)
        .status()
        .unwrap();
    assert!(st.success());
    let (a, b) = (result(&full), result(&killed));
    assert_eq!(a["status"], "multi-step");
    assert_eq!(
        a["steps"], b["steps"],
        "the resumed steps are bitwise the uninterrupted ones"
    );
    assert_eq!(a["barrier_forward"], b["barrier_forward"]);
    // the evaluation cache (on for engines in other processes) means nothing is paid twice
    assert_eq!(a["force_calls"], b["force_calls"]);
}
