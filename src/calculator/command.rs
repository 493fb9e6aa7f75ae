//! `command`: run an external program per evaluation, for codes without a socket.
//!
//! Spec: `command:PROGRAM ARGS...` with options after a `|`: e.g.
//! `command:python run_dft.py|max=4,input=extxyz,timeout=3600`. Each evaluation gets its own work
//! directory under `NEBKIT_WORKDIR` (default: the system temp dir) containing `structure.extxyz` (or
//! `structure.json`, nebkit JSON); the program runs there with `sh -c`, and must write
//! `result.json` (`{"energy": eV, "forces": [[eV/Å]...]}`) or `result.extxyz` (energy in the comment
//! line, `forces` per atom). At most `max` programs run at a time. A failing program, a missing or
//! malformed result, the wrong number of forces or NaN → an error naming the work directory.
//!
//! Constant potential (the protocol of [`super::electronic`]): the structure's info carries
//! `excess_electrons` (nebkit's potentiostat) or `target_potential`/`target_work_function`/`phi_she`
//! (the engine's own potentiostat); `result.json` (or the `result.extxyz` comment line) answers with
//! `excess_electrons`, `work_function` (or `fermi_level` and `vacuum_level`) and optionally
//! `grand_energy`.

use super::electronic::{read_answer, Request};
use super::{CalcError, Calculator, Capabilities, Evaluation, PotentialTarget, Spec};
use crate::structure::Structure;
use nalgebra::Vector3;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

/// The command calculator.
pub struct CommandCalculator {
    spec: String,
    program: String,
    max: usize,
    running: Mutex<usize>,
    free: Condvar,
    json_input: bool,
    timeout: Duration,
    counter: AtomicU64,
    root: PathBuf,
}

impl CommandCalculator {
    /// From `command:PROGRAM|max=N,input=extxyz|json,timeout=S`.
    ///
    /// # Errors
    /// An empty program or bad options.
    pub fn from_spec(spec: &Spec) -> Result<Self, CalcError> {
        let rest = spec.rest.clone().unwrap_or_default();
        // options follow the last '|' when that part is key=value pairs (a shell pipe has spaces)
        let (program, opts) = match rest.rsplit_once('|') {
            Some((p, o)) if o.contains('=') && !o.trim().contains(' ') => {
                (p.trim().to_string(), Some(o.to_string()))
            }
            _ => (rest.trim().to_string(), None),
        };
        if program.is_empty() {
            return Err(spec.error(
                "expected command:PROGRAM [ARGS...][|max=N,input=extxyz|json,timeout=S]".into(),
            ));
        }
        let ps = Spec {
            text: spec.text.clone(),
            name: spec.name.clone(),
            rest: opts,
        };
        let p = ps.params(&["max", "input", "timeout"])?;
        let max = p.positive_or("max", 1.0)? as usize;
        let json_input = match ps
            .rest
            .as_deref()
            .and_then(|r| r.split(',').find_map(|kv| kv.trim().strip_prefix("input=")))
        {
            None | Some("extxyz") => false,
            Some("json") => true,
            Some(other) => {
                return Err(spec.error(format!("input must be extxyz or json, got '{other}'")))
            }
        };
        let root = std::env::var_os("NEBKIT_WORKDIR")
            .map(PathBuf::from)
            .unwrap_or_else(std::env::temp_dir);
        Ok(CommandCalculator {
            spec: spec.text.clone(),
            program,
            max: max.max(1),
            running: Mutex::new(0),
            free: Condvar::new(),
            json_input,
            timeout: Duration::from_secs_f64(p.positive_or("timeout", 86400.0)?),
            counter: AtomicU64::new(0),
            root,
        })
    }

    fn err(&self, dir: &std::path::Path, message: String) -> CalcError {
        CalcError::Engine {
            calculator: self.spec.clone(),
            message: format!("{}: {message}", dir.display()),
        }
    }

    fn run_one(&self, s: &Structure, request: &Request) -> Result<Evaluation, CalcError> {
        let k = self.counter.fetch_add(1, Ordering::SeqCst);
        let image = s
            .info
            .get("image")
            .and_then(|v| v.as_i64())
            .map_or(String::new(), |i| format!("image{i:03}_"));
        let dir = self
            .root
            .join(format!("nebkit_{}_{image}{k:06}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| self.err(&dir, e.to_string()))?;
        let (name, format) = if self.json_input {
            ("structure.json", crate::io::Format::NebkitJson)
        } else {
            ("structure.extxyz", crate::io::Format::ExtXyz)
        };
        let mut handed = s.clone();
        // the request alone speaks for the electrons: keys carried over from an input file go
        for key in super::electronic::REQUEST_KEYS {
            handed.info.remove(*key);
        }
        if let Some(serde_json::Value::Object(m)) = request.to_json() {
            handed.info.extend(m);
        }
        crate::io::write_format(&dir.join(name), std::slice::from_ref(&handed), format)
            .map_err(|e| self.err(&dir, e.to_string()))?;
        let mut child = std::process::Command::new("sh")
            .arg("-c")
            .arg(&self.program)
            .current_dir(&dir)
            .stdout(
                std::fs::File::create(dir.join("stdout.txt"))
                    .map_err(|e| self.err(&dir, e.to_string()))?,
            )
            .stderr(
                std::fs::File::create(dir.join("stderr.txt"))
                    .map_err(|e| self.err(&dir, e.to_string()))?,
            )
            .spawn()
            .map_err(|e| self.err(&dir, format!("cannot start '{}': {e}", self.program)))?;
        let start = Instant::now();
        let status = loop {
            if let Some(st) = child
                .try_wait()
                .map_err(|e| self.err(&dir, e.to_string()))?
            {
                break st;
            }
            if start.elapsed() > self.timeout {
                let _ = child.kill();
                return Err(self.err(
                    &dir,
                    format!("'{}' exceeded the {:?} timeout", self.program, self.timeout),
                ));
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        if !status.success() {
            return Err(self.err(
                &dir,
                format!("'{}' failed ({status}); see stderr.txt", self.program),
            ));
        }
        let ev = if dir.join("result.json").exists() {
            let text = std::fs::read_to_string(dir.join("result.json"))
                .map_err(|e| self.err(&dir, e.to_string()))?;
            let v: serde_json::Value = serde_json::from_str(&text)
                .map_err(|e| self.err(&dir, format!("result.json: malformed JSON: {e}")))?;
            let forces = v["forces"]
                .as_array()
                .and_then(|a| {
                    a.iter()
                        .map(|f| {
                            f.as_array().filter(|r| r.len() == 3).and_then(|r| {
                                Some(Vector3::new(r[0].as_f64()?, r[1].as_f64()?, r[2].as_f64()?))
                            })
                        })
                        .collect::<Option<Vec<_>>>()
                })
                .ok_or_else(|| {
                    self.err(
                        &dir,
                        "result.json: \"forces\" must be rows of 3 numbers".into(),
                    )
                })?;
            let (energy, electrons) = read_answer(&v, None, request)
                .map_err(|e| self.err(&dir, format!("result.json: {e}")))?;
            Evaluation {
                energy,
                forces,
                stress: None,
                energies: None,
                electrons,
                extra: None,
            }
        } else if dir.join("result.extxyz").exists() {
            let r = crate::io::read(&dir.join("result.extxyz"))
                .map_err(|e| self.err(&dir, e.to_string()))?;
            let st = r
                .stored
                .clone()
                .ok_or_else(|| self.err(&dir, "result.extxyz has no energy/forces".into()))?;
            let mut info = serde_json::Value::Object(r.info.clone());
            if let Some(e) = st.energy {
                info["energy"] = serde_json::json!(e);
            }
            let (energy, electrons) = read_answer(&info, None, request)
                .map_err(|e| self.err(&dir, format!("result.extxyz: {e}")))?;
            Evaluation {
                energy,
                forces: st
                    .forces
                    .ok_or_else(|| self.err(&dir, "result.extxyz: no forces".into()))?,
                stress: None,
                energies: None,
                electrons,
                extra: None,
            }
        } else {
            return Err(self.err(
                &dir,
                "the program wrote neither result.json nor result.extxyz".into(),
            ));
        };
        if ev.forces.len() != s.len() {
            return Err(self.err(
                &dir,
                format!("{} forces for {} atoms", ev.forces.len(), s.len()),
            ));
        }
        ev.check_finite(&self.spec)
            .map_err(|e| self.err(&dir, e.to_string()))?;
        let _ = std::fs::remove_dir_all(&dir);
        Ok(ev)
    }
}

impl Calculator for CommandCalculator {
    fn name(&self) -> String {
        self.spec.clone()
    }
    fn capabilities(&self) -> Capabilities {
        Capabilities {
            forces: true,
            periodic: true,
            external: true,
            // whether the program really follows the protocol is checked on every answer
            electron_count: true,
            target_potential: true,
            ..Default::default()
        }
    }
    fn calculate(&self, s: &Structure) -> Result<Evaluation, CalcError> {
        self.run_limited(s, &Request::Neutral)
    }
    fn calculate_charged(&self, s: &Structure, dn: f64) -> Result<Evaluation, CalcError> {
        self.run_limited(s, &Request::Charged(dn))
    }
    fn calculate_at_potential(
        &self,
        s: &Structure,
        target: &PotentialTarget,
    ) -> Result<Evaluation, CalcError> {
        self.run_limited(s, &Request::Target(*target))
    }
    fn cache_identity(&self) -> String {
        format!("{}|{}", self.spec, self.program_fingerprint())
    }
}

impl CommandCalculator {
    /// Content hashes of every file the command line names (the engine script, its input
    /// templates): a changed engine must never be served results cached from the old one.
    fn program_fingerprint(&self) -> String {
        let mut parts = Vec::new();
        for token in self.program.split_whitespace() {
            let token = token.trim_matches(|c| c == '\'' || c == '"');
            let path = std::path::Path::new(token);
            // only regular files (a symlink to one is read, as the shell would run it)
            if let Ok(meta) = std::fs::metadata(path) {
                if meta.is_file() && meta.len() <= 64 << 20 {
                    if let Ok(bytes) = std::fs::read(path) {
                        parts.push(format!("{token}={}", super::cache::digest(&bytes)));
                    }
                }
            }
        }
        parts.join(";")
    }

    fn run_limited(&self, s: &Structure, request: &Request) -> Result<Evaluation, CalcError> {
        {
            let mut n = self.running.lock().unwrap_or_else(|e| e.into_inner());
            while *n >= self.max {
                n = self.free.wait(n).unwrap_or_else(|e| e.into_inner());
            }
            *n += 1;
        }
        let result = self.run_one(s, request);
        *self.running.lock().unwrap_or_else(|e| e.into_inner()) -= 1;
        self.free.notify_one();
        result
    }
}
