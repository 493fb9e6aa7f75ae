//! The `command` calculator: one external program per evaluation, in its own work directory.

use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

fn nebkit_exe() -> &'static str {
    env!("CARGO_BIN_EXE_nebkit")
}

fn calc(structure: &std::path::Path, spec: &str) -> std::process::Output {
    Command::new(nebkit_exe())
        .arg("calc")
        .arg(structure)
        .args(["-c", spec])
        .output()
        .unwrap()
}

#[test]
fn command_engine_matches_the_builtin_and_reports_failures() {
    let s = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/ase/pt111_adatom.json");
    let builtin: serde_json::Value = serde_json::from_slice(&calc(&s, "emt").stdout).unwrap();
    // the external program is nebkit itself, reading structure.extxyz and writing result.json
    let spec = format!(
        "command:{} calc structure.extxyz -c emt > result.json",
        nebkit_exe()
    );
    let out = calc(&s, &spec);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ext: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!((ext["energy"].as_f64().unwrap() - builtin["energy"].as_f64().unwrap()).abs() < 1e-10);
    // failures name the work directory and the cause
    let out = calc(&s, "command:exit 3");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("'exit 3' failed") && err.contains("nebkit_"),
        "{err}"
    );
    let out = calc(&s, "command:true");
    assert!(String::from_utf8_lossy(&out.stderr).contains("neither result.json nor result.extxyz"));
    let out = calc(
        &s,
        r#"command:echo '{"energy": 1.0, "forces": [[0,0,0]]}' > result.json"#,
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("1 forces for 37 atoms"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn command_engines_run_up_to_max_at_a_time() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("reference_paths/au-al100-emt");
    let tmp = tempfile::tempdir().unwrap();
    let mut times = Vec::new();
    for max in [1, 3] {
        let spec = format!(
            "command:sleep 0.2; {} calc structure.extxyz -c emt > result.json|max={max}",
            nebkit_exe()
        );
        let t = Instant::now();
        let o = Command::new(nebkit_exe())
            .args([
                "neb",
                "-q",
                "--no-cache",
                "--images",
                "6",
                "--max-iterations",
                "1",
                "--initial",
            ])
            .arg(dir.join("initial.json"))
            .arg("--final")
            .arg(dir.join("final.json"))
            .args(["-c", &spec, "--output"])
            .arg(tmp.path().join(format!("m{max}")))
            .output()
            .unwrap();
        assert!(
            o.status.code() == Some(0) || o.status.code() == Some(3),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        times.push(t.elapsed().as_secs_f64());
    }
    eprintln!(
        "command engine: max=1 {:.2} s, max=3 {:.2} s",
        times[0], times[1]
    );
    // 14 evaluations of ≥ 0.2 s: three at a time is well under two thirds of one at a time
    assert!(
        times[1] < 0.65 * times[0],
        "max=1 {:.2} s, max=3 {:.2} s",
        times[0],
        times[1]
    );
}
