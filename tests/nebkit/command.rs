//! The `command` calculator: one external program per evaluation, in its own work directory.

use std::path::PathBuf;
use std::process::Command;

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

/// The largest number of (start, end) spans that overlap at one instant.
fn most_at_once(spans: &[(f64, f64)]) -> usize {
    spans
        .iter()
        .map(|&(s, _)| spans.iter().filter(|&&(a, b)| a <= s && s < b).count())
        .max()
        .unwrap_or(0)
}

#[test]
fn command_engines_run_up_to_max_at_a_time() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("reference_paths/au-al100-emt");
    let tmp = tempfile::tempdir().unwrap();
    for max in [1, 3] {
        // every evaluation appends "start end" (wall-clock seconds) to a span file: concurrency is
        // counted from overlapping spans, never from run times
        let spans = tmp.path().join(format!("spans{max}.txt"));
        let spec = format!(
            "command:s=$(date +%s.%N); sleep 0.2; {} calc structure.extxyz -c emt > result.json; echo \"$s $(date +%s.%N)\" >> {}|max={max}",
            nebkit_exe(),
            spans.display()
        );
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
        let spans: Vec<(f64, f64)> = std::fs::read_to_string(&spans)
            .unwrap()
            .lines()
            .map(|l| {
                let w: Vec<f64> = l.split_whitespace().map(|x| x.parse().unwrap()).collect();
                (w[0], w[1])
            })
            .collect();
        // the endpoints and one band iteration: at least 2 + 6 evaluations
        assert!(spans.len() >= 8, "{} evaluations", spans.len());
        let at_once = most_at_once(&spans);
        eprintln!("command engine max={max}: at most {at_once} evaluations at once");
        if max == 1 {
            assert_eq!(at_once, 1, "max=1 ran {at_once} programs at once");
        } else {
            // six images are evaluated concurrently: the limit is reached and never exceeded
            assert_eq!(
                at_once, max,
                "max={max} ran at most {at_once} programs at once"
            );
        }
    }
}
