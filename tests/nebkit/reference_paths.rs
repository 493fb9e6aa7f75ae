//! The generic driver of `reference_paths/<case>/`: run `nebkit neb --config run.json` on each case and
//! compare with the case's expected.json (values, tolerances, provenance in the file).

use nebkit::workflow::Status;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn cases() -> Vec<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("reference_paths");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("run.json").exists())
        .collect();
    v.sort();
    v
}

fn num(v: &Value) -> f64 {
    v.as_f64().unwrap()
}

fn failures_early(name: &str, res: &Value) -> ! {
    panic!("{name}: status {} ({})", res["status"], res["message"])
}

fn check_case(dir: &Path) -> Vec<String> {
    let name = dir.file_name().unwrap().to_string_lossy().to_string();
    let out = tempfile::tempdir().unwrap();
    let run = Command::new(env!("CARGO_BIN_EXE_nebkit"))
        .args(["neb", "--quiet", "--config"])
        .arg(dir.join("run.json"))
        .arg("--output")
        .arg(out.path())
        .output()
        .unwrap();
    let code = run.status.code().unwrap_or(-1);
    let exp: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap()).unwrap();
    let exp = &exp["expected"];
    // the expected status (default: a barrier) fixes the exit code
    let status = exp
        .get("status")
        .and_then(Value::as_str)
        .map(|s| serde_json::from_value::<Status>(Value::String(s.into())).unwrap());
    let ok_code = match status {
        Some(s) => code == i32::from(s.exit_code()),
        None => code == 0 || code == 3,
    };
    if !ok_code {
        return vec![format!(
            "{name}: nebkit exited with {code} (expected status {status:?}): {}",
            String::from_utf8_lossy(&run.stderr)
        )];
    }
    let res: Value =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("result.json")).unwrap())
            .unwrap();
    if let Some(s) = status {
        if res["status"] != Value::String(s.as_str().into()) {
            failures_early(&name, &res);
        }
    }
    if let Some(steps) = exp.get("steps").and_then(Value::as_array) {
        let got = res["steps"].as_array().cloned().unwrap_or_default();
        let mut f = Vec::new();
        if got.len() != steps.len() {
            f.push(format!(
                "{name}: {} steps, expected {}",
                got.len(),
                steps.len()
            ));
        }
        for (k, (want, have)) in steps.iter().zip(&got).enumerate() {
            let spec = &want["barrier_forward"];
            let b = have["barrier_forward"].as_f64().unwrap_or(f64::NAN);
            if (b - num(&spec["value"])).abs() > num(&spec["tol"]) || b.is_nan() {
                f.push(format!(
                    "{name}: step {} barrier {b:.6}, expected {} ± {}",
                    k + 1,
                    spec["value"],
                    spec["tol"]
                ));
            }
            if have["source"] != "split" {
                f.push(format!(
                    "{name}: step {} was not split into its own CI-NEB",
                    k + 1
                ));
            }
        }
        if !f.is_empty() {
            return f;
        }
    }
    let band = nebkit::io::read_all(&out.path().join("band.extxyz")).unwrap();
    let mut failures = Vec::new();
    let check = |failures: &mut Vec<String>, what: &str, got: f64, spec: &Value| {
        let (want, tol) = (num(&spec["value"]), num(&spec["tol"]));
        if (got - want).abs() > tol || !got.is_finite() {
            failures.push(format!(
                "{name}: {what} = {got:.6}, expected {want} ± {tol}"
            ));
        }
    };
    if exp.get("converged").and_then(Value::as_bool) == Some(true)
        && res["converged"] != Value::Bool(true)
    {
        failures.push(format!(
            "{name}: did not converge (max force {})",
            res["max_force"]
        ));
    }
    if let Some(spec) = exp.get("saddle_energy") {
        check(
            &mut failures,
            "saddle energy",
            num(&res["saddle"]["energy"]),
            spec,
        );
    }
    if let Some(spec) = exp.get("barrier_forward") {
        check(
            &mut failures,
            "forward barrier",
            num(&res["barrier_forward"]),
            spec,
        );
    }
    if let Some(spec) = exp.get("initial_energy") {
        check(
            &mut failures,
            "initial energy",
            num(&res["energies"][0]),
            spec,
        );
    }
    if let Some(spec) = exp.get("path_length") {
        let s = res["reaction_coordinate"].as_array().unwrap();
        check(&mut failures, "path length", num(s.last().unwrap()), spec);
    }
    if let Some(spec) = exp.get("saddle_position") {
        let image = res["saddle"]["image"].as_u64().unwrap() as usize;
        let atom = spec["atom"].as_u64().unwrap() as usize;
        let want: Vec<f64> = spec["value"].as_array().unwrap().iter().map(num).collect();
        let p = band[image].positions[atom];
        let d =
            ((p.x - want[0]).powi(2) + (p.y - want[1]).powi(2) + (p.z - want[2]).powi(2)).sqrt();
        if d > num(&spec["tol"]) {
            failures.push(format!(
                "{name}: climbing image at {p:?}, expected {want:?} ± {}",
                spec["tol"]
            ));
        }
    }
    if let Some(spec) = exp.get("distance") {
        let image = spec["image"].as_u64().unwrap() as usize;
        let atoms: Vec<usize> = spec["atoms"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_u64().unwrap() as usize)
            .collect();
        let d = band[image].distance(atoms[0], atoms[1]).unwrap();
        check(&mut failures, "distance", d, spec);
    }
    failures
}

#[test]
fn reference_paths() {
    let cases = cases();
    assert!(cases.len() >= 6, "reference cases missing: {cases:?}");
    let failures: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = cases
            .iter()
            .map(|c| scope.spawn(move || check_case(c)))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
