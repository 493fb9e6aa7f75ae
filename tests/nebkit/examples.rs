//! Issue #11: every command of `examples/README.md` runs as written, with the exit code its comment
//! announces (`# exit 4` …; none means 0), in order, in a fresh directory.

use std::path::PathBuf;
use std::process::Command;

/// The commands of the ```sh blocks, continuation lines joined, with their expected exit codes.
fn commands(text: &str) -> Vec<(String, i32)> {
    let mut out = Vec::new();
    let mut in_block = false;
    let mut pending = String::new();
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            in_block = line.trim() == "```sh";
            continue;
        }
        if !in_block || line.trim().is_empty() {
            continue;
        }
        let (code, comment) = match line.find("   #").or_else(|| line.find(" # ")) {
            Some(i) => (&line[..i], &line[i..]),
            None => (line, ""),
        };
        let code = code.trim_end();
        if let Some(stripped) = code.strip_suffix('\\') {
            pending.push_str(stripped);
            pending.push(' ');
            continue;
        }
        pending.push_str(code);
        let expected = comment
            .split("exit ")
            .nth(1)
            .and_then(|r| r.split(|c: char| !c.is_ascii_digit()).next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        out.push((std::mem::take(&mut pending), expected));
    }
    out
}

#[test]
fn every_command_in_examples_readme_runs_as_written() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join("examples/README.md")).unwrap();
    let cmds = commands(&text);
    assert!(cmds.len() >= 15, "{cmds:?}");
    let tmp = tempfile::tempdir().unwrap();
    let bin = tmp.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_nebkit"), bin.join("nebkit")).unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let work = tmp.path().join("work");
    std::fs::create_dir(&work).unwrap();
    for (cmd, expected) in cmds {
        assert!(cmd.starts_with("nebkit "), "not a nebkit command: {cmd}");
        let o = Command::new("bash")
            .args(["-c", &cmd])
            .env("PATH", &path)
            .current_dir(&work)
            .output()
            .unwrap();
        assert_eq!(
            o.status.code(),
            Some(expected),
            "`{cmd}`: {}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        eprintln!("ok ({expected}): {cmd}");
    }
    // the figures and results the examples talk about exist
    for f in [
        "runs/cun4-1h/neb/result.json",
        "runs/cun4-1h/diagram.png",
        "runs/pd10/neb/steps/1/result.json",
        "runs/compare.svg",
    ] {
        assert!(work.join(f).exists(), "{f}");
    }
}
