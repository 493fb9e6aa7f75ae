//! i-PI server against real ASE `SocketClient` processes (EMT) and misbehaving clients.

use crate::python_with_ase;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Instant;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn client(py: &str, name: &str, extra: &[&str]) -> Child {
    Command::new(py)
        .arg(root().join("tools/ipi_client.py"))
        .args(["--unix", name, "--structure"])
        .arg(root().join("reference_paths/au-al100-emt/initial.json"))
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

fn neb(name: &str, out: &std::path::Path, extra: &[&str]) -> (std::process::Output, f64) {
    let t = Instant::now();
    let o = Command::new(env!("CARGO_BIN_EXE_nebkit"))
        .args(["neb", "-q", "--config"])
        .arg(root().join("reference_paths/au-al100-emt/run.json"))
        .args([
            "-c",
            &format!("ipi:unix:{name}:wait=60,timeout=60"),
            "--output",
        ])
        .arg(out)
        .args(extra)
        .output()
        .unwrap();
    (o, t.elapsed().as_secs_f64())
}

fn result(dir: &std::path::Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("result.json")).unwrap()).unwrap()
}

#[test]
fn ase_socket_clients_serve_a_neb_like_the_builtin_emt() {
    let Some(py) = python_with_ase() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let name = format!("nebkit_t1_{}", std::process::id());
    let mut clients: Vec<Child> = Vec::new();
    // the clients retry until the server listens
    for _ in 0..2 {
        clients.push(client(&py, &name, &[]));
    }
    let (o, _) = neb(&name, &tmp.path().join("ipi"), &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let st = Command::new(env!("CARGO_BIN_EXE_nebkit"))
        .args(["neb", "-q", "--config"])
        .arg(root().join("reference_paths/au-al100-emt/run.json"))
        .arg("--output")
        .arg(tmp.path().join("builtin"))
        .status()
        .unwrap();
    assert!(st.success());
    let (a, b) = (
        result(&tmp.path().join("ipi")),
        result(&tmp.path().join("builtin")),
    );
    // ASE's EMT through the socket and the built-in port: energies ≤ 1e-10 eV
    for (x, y) in a["energies"]
        .as_array()
        .unwrap()
        .iter()
        .zip(b["energies"].as_array().unwrap())
    {
        assert!((x.as_f64().unwrap() - y.as_f64().unwrap()).abs() < 1e-10);
    }
    assert_eq!(a["iterations"], b["iterations"]);
    for mut c in clients {
        let _ = c.wait();
    }
}

/// Largest number of evaluations running at the same moment, from "start end" lines.
fn max_overlap(spans: &str) -> usize {
    let mut events: Vec<(f64, i32)> = Vec::new();
    for line in spans.lines() {
        let v: Vec<f64> = line
            .split_whitespace()
            .map(|x| x.parse().unwrap())
            .collect();
        events.push((v[0], 1));
        events.push((v[1], -1));
    }
    // ends before starts at equal times: touching spans do not overlap
    events.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let (mut now, mut best) = (0i32, 0i32);
    for (_, d) in events {
        now += d;
        best = best.max(now);
    }
    best as usize
}

#[test]
fn three_slow_clients_evaluate_three_images_at_once_and_a_dying_client_costs_a_redispatch() {
    let Some(py) = python_with_ase() else { return };
    let tmp = tempfile::tempdir().unwrap();
    for (k, n) in [1usize, 3].iter().enumerate() {
        let name = format!("nebkit_t2_{}_{k}", std::process::id());
        let spans = tmp.path().join(format!("spans{n}"));
        let span_arg = spans.display().to_string();
        let mut cs: Vec<Child> = (0..*n)
            .map(|_| client(&py, &name, &["--sleep", "0.2", "--span-file", &span_arg]))
            .collect();
        // endpoints kept as given (their evaluation runs concurrently too); 6 images, 3 band
        // iterations: 2 + 6 + 3·6 = 26 evaluations
        let dir = root().join("reference_paths/au-al100-emt");
        let o = Command::new(env!("CARGO_BIN_EXE_nebkit"))
            .args([
                "neb",
                "-q",
                "--images",
                "6",
                "--max-iterations",
                "3",
                "--no-relax-endpoints",
                "--initial",
            ])
            .arg(dir.join("initial.json"))
            .arg("--final")
            .arg(dir.join("final.json"))
            .args([
                "-c",
                &format!("ipi:unix:{name}:wait=60,timeout=60"),
                "--output",
            ])
            .arg(tmp.path().join(format!("n{n}")))
            .output()
            .unwrap();
        // the unrelaxed endpoints make the outcome `endpoint-not-minimum` (exit 5)
        assert_eq!(
            o.status.code(),
            Some(5),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        for c in cs.iter_mut() {
            let _ = c.wait();
        }
        let text = std::fs::read_to_string(&spans).unwrap();
        assert_eq!(text.lines().count(), 26, "{text}");
        // every client busy at once, never more evaluations than clients
        assert_eq!(max_overlap(&text), *n, "{n} clients: {text}");
    }
    // one of two clients dies in the middle of its 6th evaluation: the run completes with the same result
    let name = format!("nebkit_t3_{}", std::process::id());
    let mut cs = [
        client(&py, &name, &["--die-after", "5"]),
        client(&py, &name, &[]),
    ];
    let (o, _) = neb(&name, &tmp.path().join("dying"), &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stderr).contains("re-dispatching"));
    let r = result(&tmp.path().join("dying"));
    assert!((r["barrier_forward"].as_f64().unwrap() - 0.3745).abs() < 0.002);
    for c in cs.iter_mut() {
        let _ = c.wait();
    }
}

/// A client speaking the protocol wrongly: `garbage` (unknown header), `atoms` (wrong atom count),
/// `nan` (NaN energy), `silent` (never answers).
const BAD_CLIENT: &str = r#"
import socket, struct, sys, time
mode, path = sys.argv[1], sys.argv[2]
for _ in range(100):
    try:
        s = socket.socket(socket.AF_UNIX); s.connect(path); break
    except OSError:
        time.sleep(0.1)
def recv(n):
    b = b''
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c: sys.exit(0)
        b += c
    return b
while True:
    h = recv(12).strip()
    if h == b'STATUS':
        if mode == 'silent':
            time.sleep(30); sys.exit(0)
        s.sendall((b'WHATEVER' if mode == 'garbage' else b'READY').ljust(12))
    elif h == b'POSDATA':
        recv(144); n = struct.unpack('<i', recv(4))[0]; recv(24 * n)
        s.sendall(b'STATUS'.ljust(12) if False else b'')
        h2 = recv(12).strip()
        s.sendall(b'HAVEDATA'.ljust(12))
        recv(12)
        e = float('nan') if mode == 'nan' else 0.0
        m = n + 1 if mode == 'atoms' else n
        s.sendall(b'FORCEREADY'.ljust(12) + struct.pack('<d', e) + struct.pack('<i', m) + b'\0' * (24 * m + 72) + struct.pack('<i', 1) + b'\0')
    elif h == b'EXIT':
        sys.exit(0)
"#;

#[test]
fn misbehaving_clients_give_clear_errors_and_never_hang() {
    let Some(py) = python_with_ase() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let structure = root().join("reference_paths/au-al100-emt/initial.json");
    for (mode, needle) in [
        ("garbage", "unknown header 'WHATEVER'"),
        ("atoms", "returned 14 atoms, the structure has 13"),
        ("nan", "non-finite"),
        ("silent", "no i-PI client became free"),
    ] {
        let name = format!("nebkit_bad_{mode}_{}", std::process::id());
        let mut c = Command::new(&py)
            .args(["-c", BAD_CLIENT, mode, &format!("/tmp/ipi_{name}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let t = Instant::now();
        let o = Command::new(env!("CARGO_BIN_EXE_nebkit"))
            .arg("calc")
            .arg(&structure)
            .args(["-c", &format!("ipi:unix:{name}:wait=3,timeout=2")])
            .output()
            .unwrap();
        let _ = c.kill();
        let _ = c.wait();
        assert!(!o.status.success(), "{mode}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(needle), "{mode}: {err}");
        assert!(
            t.elapsed().as_secs_f64() < 20.0,
            "{mode} took {:?}",
            t.elapsed()
        );
        let _ = tmp.path();
    }
}

#[test]
fn killing_nebkit_and_restarting_evaluates_no_configuration_twice() {
    let Some(py) = python_with_ase() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let name = format!("nebkit_t4_{}", std::process::id());
    let counts = tmp.path().join("evaluations.txt");
    let counts_s = counts.to_string_lossy().to_string();
    let out = tmp.path().join("run");
    let cache = tmp
        .path()
        .join("client_cache")
        .to_string_lossy()
        .to_string();
    let start_clients = || -> Vec<Child> {
        let args = [
            "--sleep",
            "0.01",
            "--count-file",
            &counts_s,
            "--cache",
            &cache,
        ];
        (0..2).map(|_| client(&py, &name, &args)).collect()
    };
    let mut cs = start_clients();
    let mut run = Command::new(env!("CARGO_BIN_EXE_nebkit"))
        .args(["neb", "-q", "--config"])
        .arg(root().join("reference_paths/au-al100-emt/run.json"))
        .args([
            "-c",
            &format!("ipi:unix:{name}:wait=60,timeout=60"),
            "--output",
        ])
        .arg(&out)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let t = Instant::now();
    loop {
        let it = std::fs::read_to_string(out.join("checkpoint.json"))
            .ok()
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
            .and_then(|v| v["iteration"].as_u64())
            .unwrap_or(0);
        if it >= 5 {
            break;
        }
        assert!(t.elapsed().as_secs() < 120, "no checkpoint");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    run.kill().unwrap();
    run.wait().unwrap();
    for c in cs.iter_mut() {
        let _ = c.wait(); // the socket closed: the clients end
    }
    let mut cs = start_clients();
    let o = Command::new(env!("CARGO_BIN_EXE_nebkit"))
        .args(["neb", "-q", "--restart"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for c in cs.iter_mut() {
        let _ = c.wait();
    }
    let lines: Vec<String> = std::fs::read_to_string(&counts)
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    let mut unique = lines.clone();
    unique.sort();
    unique.dedup();
    // nebkit's checkpoint and cache cover every result it received; the clients' cache covers the
    // evaluations in flight at the SIGKILL (finished by a client, never received by nebkit)
    eprintln!(
        "{} evaluations, {} distinct configurations",
        lines.len(),
        unique.len()
    );
    assert_eq!(
        lines.len(),
        unique.len(),
        "a configuration was evaluated twice"
    );
    let r = result(&out);
    assert!((r["barrier_forward"].as_f64().unwrap() - 0.3745).abs() < 0.002);
}

#[test]
fn tcp_on_loopback_and_lammps_orientation_give_the_same_forces() {
    let Some(py) = python_with_ase() else { return };
    // a triclinic periodic alloy: rotating into LAMMPS orientation must not change E, and forces
    // rotated back must equal the unrotated ones
    let s = root().join("tests/data/ase/alloys_db.json");
    let frames = nebkit::io::read_all(&s).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("alloy.ase.json"); // ASE JSON: the Python client reads it too
    nebkit::io::write(&file, frames.last().unwrap()).unwrap();
    let reference: serde_json::Value = serde_json::from_slice(
        &Command::new(env!("CARGO_BIN_EXE_nebkit"))
            .arg("calc")
            .arg(&file)
            .args(["-c", "emt"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let port = 20000 + (std::process::id() % 20000) as u16;
    for extra in ["", ",lammps=true"] {
        let mut c = Command::new(&py)
            .arg(root().join("tools/ipi_client.py"))
            .args(["--port", &port.to_string(), "--structure"])
            .arg(&file)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let o = Command::new(env!("CARGO_BIN_EXE_nebkit"))
            .arg("calc")
            .arg(&file)
            .args(["-c", &format!("ipi:tcp:{port}:wait=30{extra}")])
            .output()
            .unwrap();
        let _ = c.wait();
        assert!(
            o.status.success(),
            "{extra}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert!(
            (v["energy"].as_f64().unwrap() - reference["energy"].as_f64().unwrap()).abs() < 1e-10,
            "{extra}"
        );
        for (a, b) in v["forces"]
            .as_array()
            .unwrap()
            .iter()
            .zip(reference["forces"].as_array().unwrap())
        {
            for k in 0..3 {
                assert!(
                    (a[k].as_f64().unwrap() - b[k].as_f64().unwrap()).abs() < 1e-9,
                    "{extra}"
                );
            }
        }
    }
}
