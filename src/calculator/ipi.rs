//! The i-PI socket protocol, server side: nebkit listens on `/tmp/ipi_NAME` (unix) or HOST:PORT
//! (TCP, loopback unless asked otherwise); every connected client (ASE `SocketClient`, LAMMPS
//! `fix ipi`, QE `pw.x --ipi`, CP2K) evaluates images; images are dispatched to free clients
//! concurrently; a client that disconnects or stays silent past the timeout costs one re-dispatch.
//!
//! Wire format (as ASE's `ase.calculators.socketio`): 12-byte ASCII headers padded with spaces;
//! little-endian int32/float64; Bohr and Hartree (CODATA 2014, [`crate::units`]); the cell with lattice
//! vectors as columns.

use super::electronic::{read_answer, Request};
use super::{CalcError, Calculator, Capabilities, Evaluation, PotentialTarget, Spec};
use crate::structure::Structure;
use crate::units::{BOHR, HARTREE};
use nalgebra::{Matrix3, Vector3};
use std::collections::VecDeque;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::net::{UnixListener, UnixStream};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

enum Stream {
    Unix(UnixStream),
    Tcp(TcpStream),
}

impl Stream {
    fn set_timeout(&self, t: Duration) {
        let _ = match self {
            Stream::Unix(s) => s
                .set_read_timeout(Some(t))
                .and(s.set_write_timeout(Some(t))),
            Stream::Tcp(s) => s
                .set_read_timeout(Some(t))
                .and(s.set_write_timeout(Some(t))),
        };
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Stream::Unix(s) => s.read(buf),
            Stream::Tcp(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Stream::Unix(s) => s.write(buf),
            Stream::Tcp(s) => s.write(buf),
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Stream::Unix(s) => s.flush(),
            Stream::Tcp(s) => s.flush(),
        }
    }
}

struct Client {
    id: usize,
    stream: Stream,
}

#[derive(Default)]
struct Pool {
    idle: Mutex<VecDeque<Client>>,
    ready: Condvar,
}

/// How an exchange failed.
enum Failure {
    /// The client went away or stayed silent: re-dispatch the image.
    Lost(String),
    /// The client broke the protocol: stop with an error.
    Protocol(String),
}

fn io_lost(e: std::io::Error) -> Failure {
    Failure::Lost(e.to_string())
}

/// The i-PI server calculator (`ipi:unix:NAME`, `ipi:tcp:HOST:PORT`, options `timeout=SECONDS` per
/// evaluation and `wait=SECONDS` for a free client).
pub struct IpiServer {
    spec: String,
    address: String,
    pool: Arc<Pool>,
    eval_timeout: Duration,
    wait_timeout: Duration,
    unix_path: Option<std::path::PathBuf>,
    /// Rotate cells into LAMMPS orientation (a along x, b in the xy plane) and forces back.
    lammps: bool,
}

/// The rotation Q (rows e1, e2, e3) that puts lattice vector a along x and b in the xy plane.
pub fn lammps_rotation(cell: &Matrix3<f64>) -> Option<Matrix3<f64>> {
    let a = cell.row(0).transpose();
    let b = cell.row(1).transpose();
    let e1 = a.try_normalize(1e-12)?;
    let e2 = (b - e1 * b.dot(&e1)).try_normalize(1e-12)?;
    let e3 = e1.cross(&e2);
    Some(Matrix3::from_rows(&[
        e1.transpose(),
        e2.transpose(),
        e3.transpose(),
    ]))
}

impl IpiServer {
    /// Start listening as described by the spec.
    ///
    /// # Errors
    /// Malformed specs; addresses that cannot be bound.
    pub fn from_spec(spec: &Spec) -> Result<Self, CalcError> {
        let rest = spec.rest.clone().unwrap_or_default();
        let parts: Vec<&str> = rest.split(':').collect();
        let (kind, addr_parts, params) =
            match parts.as_slice() {
                ["unix", name] => ("unix", vec![*name], None),
                ["unix", name, p] => ("unix", vec![*name], Some(*p)),
                // a bare port binds to loopback; another address only when asked for explicitly
                ["tcp", port] if port.parse::<u16>().is_ok() => ("tcp", vec!["127.0.0.1", *port], None),
                ["tcp", port, p] if port.parse::<u16>().is_ok() && p.contains('=') => {
                    ("tcp", vec!["127.0.0.1", *port], Some(*p))
                }
                ["tcp", host, port] => ("tcp", vec![*host, *port], None),
                ["tcp", host, port, p] => ("tcp", vec![*host, *port], Some(*p)),
                _ => return Err(spec.error(
                    "expected ipi:unix:NAME, ipi:tcp:PORT (loopback) or ipi:tcp:HOST:PORT (optionally :timeout=S,wait=S,lammps=true)"
                        .into(),
                )),
            };
        let pspec = Spec {
            text: spec.text.clone(),
            name: spec.name.clone(),
            rest: params.map(String::from),
        };
        let p = pspec.params(&["timeout", "wait", "lammps"])?;
        let lammps = p.bool_or("lammps", false)?;
        let eval_timeout = Duration::from_secs_f64(p.positive_or("timeout", 3600.0)?);
        let wait_timeout = Duration::from_secs_f64(p.positive_or("wait", 600.0)?);
        let pool = Arc::new(Pool::default());
        let bind_err = |addr: &str, e: std::io::Error| CalcError::Engine {
            calculator: spec.text.clone(),
            message: format!("cannot listen on {addr}: {e}"),
        };
        let (address, unix_path) = if kind == "unix" {
            let path = std::path::PathBuf::from(format!("/tmp/ipi_{}", addr_parts[0]));
            let _ = std::fs::remove_file(&path);
            let listener =
                UnixListener::bind(&path).map_err(|e| bind_err(&path.display().to_string(), e))?;
            let pool2 = pool.clone();
            std::thread::spawn(move || {
                accept_loop(pool2, move || {
                    listener.accept().map(|(s, _)| Stream::Unix(s))
                })
            });
            (path.display().to_string(), Some(path))
        } else {
            let addr = format!("{}:{}", addr_parts[0], addr_parts[1]);
            let listener = TcpListener::bind(&addr).map_err(|e| bind_err(&addr, e))?;
            let pool2 = pool.clone();
            std::thread::spawn(move || {
                accept_loop(pool2, move || {
                    listener.accept().map(|(s, _)| {
                        let _ = s.set_nodelay(true);
                        Stream::Tcp(s)
                    })
                })
            });
            (addr, None)
        };
        Ok(IpiServer {
            spec: spec.text.clone(),
            address,
            pool,
            eval_timeout,
            wait_timeout,
            unix_path,
            lammps,
        })
    }

    /// Where clients connect.
    pub fn address(&self) -> &str {
        &self.address
    }

    fn acquire(&self, deadline: Instant) -> Result<Client, CalcError> {
        let mut idle = self.pool.idle.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if let Some(c) = idle.pop_front() {
                return Ok(c);
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(CalcError::Engine {
                    calculator: self.spec.clone(),
                    message: format!(
                        "no i-PI client became free within {:?} (clients connect to {})",
                        self.wait_timeout, self.address
                    ),
                });
            }
            idle = self
                .pool
                .ready
                .wait_timeout(idle, deadline - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }

    fn release(&self, c: Client) {
        self.pool
            .idle
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push_back(c);
        self.pool.ready.notify_one();
    }
}

impl Drop for IpiServer {
    fn drop(&mut self) {
        // tell idle clients to stop, remove the socket file
        let mut idle = self.pool.idle.lock().unwrap_or_else(|e| e.into_inner());
        for c in idle.iter_mut() {
            let _ = c.stream.write_all(&header("EXIT"));
        }
        idle.clear();
        if let Some(p) = &self.unix_path {
            let _ = std::fs::remove_file(p);
        }
    }
}

fn accept_loop(pool: Arc<Pool>, mut accept: impl FnMut() -> std::io::Result<Stream>) {
    let mut next = 0;
    loop {
        match accept() {
            Ok(stream) => {
                next += 1;
                pool.idle
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push_back(Client { id: next, stream });
                pool.ready.notify_one();
            }
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
}

fn header(msg: &str) -> [u8; 12] {
    let mut h = [b' '; 12];
    h[..msg.len()].copy_from_slice(msg.as_bytes());
    h
}

fn recv_header(s: &mut Stream) -> Result<String, Failure> {
    let mut h = [0u8; 12];
    s.read_exact(&mut h).map_err(io_lost)?;
    let text = std::str::from_utf8(&h)
        .map_err(|_| Failure::Protocol(format!("non-ASCII header {h:?}")))?
        .trim_end()
        .to_string();
    Ok(text)
}

fn f64s(s: &mut Stream, n: usize) -> Result<Vec<f64>, Failure> {
    let mut buf = vec![0u8; 8 * n];
    s.read_exact(&mut buf).map_err(io_lost)?;
    Ok(buf
        .chunks(8)
        .map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes")))
        .collect())
}

fn i32_(s: &mut Stream) -> Result<i32, Failure> {
    let mut b = [0u8; 4];
    s.read_exact(&mut b).map_err(io_lost)?;
    Ok(i32::from_le_bytes(b))
}

const KNOWN: [&str; 4] = ["NEEDINIT", "READY", "HAVEDATA", "FORCEREADY"];

fn status(s: &mut Stream) -> Result<String, Failure> {
    s.write_all(&header("STATUS")).map_err(io_lost)?;
    let h = recv_header(s)?;
    if !KNOWN.contains(&h.as_str()) {
        return Err(Failure::Protocol(format!("unknown header '{h}'")));
    }
    Ok(h)
}

/// One evaluation over the wire.
fn exchange(
    s: &mut Stream,
    st: &Structure,
    replica: i32,
    request: &Request,
) -> Result<Evaluation, Failure> {
    let mut h = status(s)?;
    let mut initialised = false;
    if h == "NEEDINIT" {
        // nebkit's extension: the INIT string carries the evaluation's electrochemical request as
        // JSON (a single NUL byte, as before, for neutral evaluations); clients that want it ask for
        // INIT before every evaluation
        let init = request
            .to_json()
            .map_or_else(|| vec![0u8], |v| v.to_string().into_bytes());
        let mut buf = Vec::new();
        buf.extend_from_slice(&header("INIT"));
        buf.extend_from_slice(&replica.to_le_bytes());
        buf.extend_from_slice(&(init.len() as i32).to_le_bytes());
        buf.extend_from_slice(&init);
        s.write_all(&buf).map_err(io_lost)?;
        initialised = true;
        h = status(s)?;
    }
    if !initialised && *request != Request::Neutral {
        return Err(Failure::Protocol(
            "a constant-potential evaluation needs a client that takes the electron count or target potential per evaluation (it asks for INIT before each one, nebkit's i-PI extension); this client did not: run tools/ipi_client.py (it does, for any ASE calculator that takes a charge) or use --potential only with such clients".into(),
        ));
    }
    if h != "READY" {
        return Err(Failure::Protocol(format!("expected READY, got '{h}'")));
    }
    let cell = st.cell.matrix;
    let icell = cell
        .pseudo_inverse(1e-12)
        .unwrap_or_else(|_| Matrix3::zeros());
    let mut buf = Vec::with_capacity(200 + 24 * st.len());
    buf.extend_from_slice(&header("POSDATA"));
    // cell.T / Bohr and pinv(cell) * Bohr, each flattened in C order (ASE's sendposdata)
    for i in 0..3 {
        for j in 0..3 {
            buf.extend_from_slice(&(cell[(j, i)] / BOHR).to_le_bytes());
        }
    }
    for i in 0..3 {
        for j in 0..3 {
            buf.extend_from_slice(&(icell[(i, j)] * BOHR).to_le_bytes());
        }
    }
    buf.extend_from_slice(&(st.len() as i32).to_le_bytes());
    for p in &st.positions {
        for k in 0..3 {
            buf.extend_from_slice(&(p[k] / BOHR).to_le_bytes());
        }
    }
    s.write_all(&buf).map_err(io_lost)?;
    let h = status(s)?;
    if h != "HAVEDATA" {
        return Err(Failure::Protocol(format!(
            "expected HAVEDATA after POSDATA, got '{h}'"
        )));
    }
    s.write_all(&header("GETFORCE")).map_err(io_lost)?;
    let h = recv_header(s)?;
    if h != "FORCEREADY" {
        return Err(Failure::Protocol(format!("expected FORCEREADY, got '{h}'")));
    }
    let e = f64s(s, 1)?[0];
    let n = i32_(s)?;
    if n < 0 || n as usize != st.len() {
        return Err(Failure::Protocol(format!(
            "returned {n} atoms, the structure has {}",
            st.len()
        )));
    }
    let f = f64s(s, 3 * st.len())?;
    let _virial = f64s(s, 9)?;
    let extra_len = i32_(s)?;
    if !(0..=1 << 26).contains(&extra_len) {
        return Err(Failure::Protocol(format!(
            "implausible extra-string length {extra_len}"
        )));
    }
    let mut extra = vec![0u8; extra_len as usize];
    s.read_exact(&mut extra).map_err(io_lost)?;
    let extra = parse_extra(&extra);
    if !e.is_finite() || f.iter().any(|x| !x.is_finite()) {
        return Err(Failure::Protocol(
            "returned a non-finite energy or force".into(),
        ));
    }
    let answer = extra.clone().unwrap_or(serde_json::Value::Null);
    let (energy, electrons) = read_answer(&answer, Some(e * HARTREE), request)
        .map_err(|why| Failure::Protocol(format!("extras: {why}")))?;
    Ok(Evaluation {
        energy,
        forces: f
            .chunks(3)
            .map(|c| Vector3::new(c[0], c[1], c[2]) * (HARTREE / BOHR))
            .collect(),
        stress: None,
        energies: None,
        electrons,
        extra,
    })
}

/// The i-PI `extra` string: JSON when it parses as JSON, else kept as text (NUL padding dropped).
fn parse_extra(bytes: &[u8]) -> Option<serde_json::Value> {
    let text = String::from_utf8_lossy(bytes)
        .trim_matches(char::from(0))
        .trim()
        .to_string();
    if text.is_empty() {
        None
    } else {
        Some(serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)))
    }
}

impl Calculator for IpiServer {
    fn name(&self) -> String {
        self.spec.clone()
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            forces: true,
            periodic: true,
            external: true,
            // whether a client follows the protocol is checked on every answer
            electron_count: true,
            target_potential: true,
            ..Default::default()
        }
    }

    fn calculate(&self, s: &Structure) -> Result<Evaluation, CalcError> {
        self.evaluate(s, &Request::Neutral)
    }

    fn calculate_charged(&self, s: &Structure, dn: f64) -> Result<Evaluation, CalcError> {
        self.evaluate(s, &Request::Charged(dn))
    }

    fn calculate_at_potential(
        &self,
        s: &Structure,
        target: &PotentialTarget,
    ) -> Result<Evaluation, CalcError> {
        self.evaluate(s, &Request::Target(*target))
    }
}

impl IpiServer {
    fn evaluate(&self, s: &Structure, request: &Request) -> Result<Evaluation, CalcError> {
        let replica = s.info.get("image").and_then(|v| v.as_i64()).unwrap_or(0) as i32;
        // LAMMPS wants a along x and b in the xy plane: send a rotated copy, rotate forces back
        let rotation = if self.lammps {
            lammps_rotation(&s.cell.matrix)
        } else {
            None
        };
        let rotated;
        let s = match rotation {
            Some(q) => {
                let mut r = s.clone();
                r.cell.matrix = s.cell.matrix * q.transpose();
                for p in &mut r.positions {
                    *p = q * *p;
                }
                rotated = r;
                &rotated
            }
            None => s,
        };
        let deadline = Instant::now() + self.wait_timeout;
        loop {
            let mut c = self.acquire(deadline)?;
            c.stream.set_timeout(self.eval_timeout);
            match exchange(&mut c.stream, s, replica, request) {
                Ok(mut ev) => {
                    self.release(c);
                    if let Some(q) = rotation {
                        for f in &mut ev.forces {
                            *f = q.transpose() * *f;
                        }
                    }
                    return Ok(ev);
                }
                Err(Failure::Lost(why)) => {
                    eprintln!(
                        "warning: i-PI client {} lost ({why}); re-dispatching the image",
                        c.id
                    );
                }
                Err(Failure::Protocol(why)) => {
                    return Err(CalcError::Engine {
                        calculator: self.spec.clone(),
                        message: format!("client {} (image {replica}): {why}", c.id),
                    });
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extra_strings_are_parsed_when_json() {
        assert_eq!(parse_extra(b"\0"), None);
        assert_eq!(
            parse_extra(br#"{"dipole": [1, 2, 3]}"#).unwrap()["dipole"][2],
            3
        );
        assert_eq!(
            parse_extra(b"converged in 12 steps").unwrap(),
            serde_json::json!("converged in 12 steps")
        );
    }

    #[test]
    fn lammps_rotation_puts_a_along_x_and_b_in_xy() {
        let cell = Matrix3::new(3.0, 1.0, 0.5, -1.0, 2.5, 0.7, 0.3, -0.4, 4.0);
        let q = lammps_rotation(&cell).unwrap();
        let r = cell * q.transpose();
        assert!(r[(0, 1)].abs() < 1e-12 && r[(0, 2)].abs() < 1e-12 && r[(1, 2)].abs() < 1e-12);
        assert!((q * q.transpose() - Matrix3::identity()).norm() < 1e-12);
        assert!((r.determinant() - cell.determinant()).abs() < 1e-9);
    }
}
