//! A persistent evaluation cache: one small file per configuration in a directory, keyed by a hash
//! of the atomic numbers, positions, cell, pbc, electron count and the calculator spec, written
//! atomically (temporary file + rename), so that a restarted or repeated run never pays twice for a
//! configuration and a crash never leaves a half-written entry.

use super::{CalcError, Calculator, Capabilities, ElectronState, Evaluation};
use crate::structure::Structure;
use nalgebra::Vector3;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Serialize, Deserialize)]
struct Entry {
    energy: f64,
    forces: Vec<[f64; 3]>,
    #[serde(default)]
    electrons: Option<[f64; 2]>,
}

/// Two independent 64-bit FNV-1a hashes (128 bits) of a byte stream.
struct Hasher(u64, u64);

impl Hasher {
    fn new() -> Self {
        Hasher(0xcbf29ce484222325, 0x84222325cbf29ce4)
    }
    fn bytes(&mut self, b: &[u8]) {
        for &x in b {
            self.0 = (self.0 ^ u64::from(x)).wrapping_mul(0x100000001b3);
            self.1 = (self.1 ^ u64::from(x))
                .wrapping_mul(0x100000001b3)
                .rotate_left(5);
        }
    }
    fn hex(&self) -> String {
        format!("{:016x}{:016x}", self.0, self.1)
    }
}

/// A 128-bit content digest (hex) of `bytes` (not cryptographic: it tells versions of a file apart).
pub fn digest(bytes: &[u8]) -> String {
    let mut h = Hasher::new();
    h.bytes(bytes);
    h.hex()
}

/// Wraps a calculator with the cache in `dir`.
pub struct Cached {
    inner: Box<dyn Calculator>,
    dir: PathBuf,
    hits: AtomicU64,
}

impl Cached {
    /// Cache `inner`'s evaluations in `dir` (created if needed).
    ///
    /// # Errors
    /// A directory that cannot be created.
    pub fn new(inner: Box<dyn Calculator>, dir: PathBuf) -> Result<Self, CalcError> {
        std::fs::create_dir_all(&dir).map_err(|e| CalcError::File {
            path: dir.display().to_string(),
            problem: e.to_string(),
        })?;
        Ok(Cached {
            inner,
            dir,
            hits: AtomicU64::new(0),
        })
    }

    /// Evaluations answered from the cache so far.
    pub fn hits(&self) -> u64 {
        self.hits.load(Ordering::Relaxed)
    }

    fn key(&self, s: &Structure, dn: Option<f64>) -> String {
        let mut h = Hasher::new();
        // everything that changes the answer: the calculator and what it depends on beyond its spec
        // (engine program content, electrode potential and potentiostat of a grand-canonical run)
        h.bytes(self.inner.cache_identity().as_bytes());
        h.bytes(&[0]);
        h.bytes(&s.numbers);
        for p in &s.positions {
            for k in 0..3 {
                h.bytes(&p[k].to_bits().to_le_bytes());
            }
        }
        for x in s.cell.matrix.iter() {
            h.bytes(&x.to_bits().to_le_bytes());
        }
        h.bytes(&s.pbc.map(u8::from));
        if let Some(dn) = dn {
            h.bytes(&dn.to_bits().to_le_bytes());
        }
        h.hex()
    }

    fn lookup(&self, key: &str, n: usize) -> Option<Evaluation> {
        let text = std::fs::read_to_string(self.dir.join(format!("{key}.json"))).ok()?;
        let e: Entry = serde_json::from_str(&text).ok()?;
        if e.forces.len() != n {
            return None;
        }
        self.hits.fetch_add(1, Ordering::Relaxed);
        Some(Evaluation {
            energy: e.energy,
            forces: e
                .forces
                .iter()
                .map(|f| Vector3::new(f[0], f[1], f[2]))
                .collect(),
            stress: None,
            energies: None,
            electrons: e.electrons.map(|v| ElectronState {
                excess_electrons: v[0],
                work_function: v[1],
            }),
            extra: None,
        })
    }

    fn store(&self, key: &str, ev: &Evaluation) {
        let e = Entry {
            energy: ev.energy,
            forces: ev.forces.iter().map(|f| [f.x, f.y, f.z]).collect(),
            electrons: ev.electrons.map(|s| [s.excess_electrons, s.work_function]),
        };
        if let Ok(text) = serde_json::to_string(&e) {
            // a failed write only costs a future re-evaluation
            let _ = crate::io::write_atomic(&self.dir.join(format!("{key}.json")), text.as_bytes());
        }
    }
}

impl Calculator for Cached {
    fn name(&self) -> String {
        self.inner.name()
    }
    fn capabilities(&self) -> Capabilities {
        self.inner.capabilities()
    }
    fn calculate(&self, s: &Structure) -> Result<Evaluation, CalcError> {
        let key = self.key(s, None);
        if let Some(ev) = self.lookup(&key, s.len()) {
            return Ok(ev);
        }
        let ev = self.inner.calculate(s)?;
        ev.check_finite(&self.inner.name())?;
        self.store(&key, &ev);
        Ok(ev)
    }
    fn calculate_charged(&self, s: &Structure, dn: f64) -> Result<Evaluation, CalcError> {
        let key = self.key(s, Some(dn));
        if let Some(ev) = self.lookup(&key, s.len()) {
            return Ok(ev);
        }
        let ev = self.inner.calculate_charged(s, dn)?;
        self.store(&key, &ev);
        Ok(ev)
    }
    fn cache_identity(&self) -> String {
        self.inner.cache_identity()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calculator::builtin::emt::Emt;
    use crate::calculator::Counted;

    #[test]
    fn repeated_configurations_are_not_recomputed_and_keys_see_every_input() {
        let dir = tempfile::tempdir().unwrap();
        let counted =
            std::sync::Arc::new(Counted::new(Box::new(Emt::default()) as Box<dyn Calculator>));
        struct Shared(std::sync::Arc<Counted<dyn Calculator>>);
        impl Calculator for Shared {
            fn name(&self) -> String {
                self.0.name()
            }
            fn capabilities(&self) -> Capabilities {
                self.0.capabilities()
            }
            fn calculate(&self, s: &Structure) -> Result<Evaluation, CalcError> {
                self.0.calculate(s)
            }
        }
        let cache =
            Cached::new(Box::new(Shared(counted.clone())), dir.path().to_path_buf()).unwrap();
        let s =
            crate::calculator::testutil::open(&["Cu", "Cu"], &[[0.0, 0.0, 0.0], [2.3, 0.0, 0.0]]);
        let a = cache.calculate(&s).unwrap();
        let b = cache.calculate(&s).unwrap();
        assert_eq!(a.energy, b.energy);
        assert_eq!(counted.calls(), 1);
        // a second cache over the same directory (a restarted run) finds the entry too
        let again =
            Cached::new(Box::new(Shared(counted.clone())), dir.path().to_path_buf()).unwrap();
        assert_eq!(again.calculate(&s).unwrap().energy, a.energy);
        assert_eq!(counted.calls(), 1);
        // one bit of one coordinate is another configuration
        let mut t = s.clone();
        t.positions[1].x = f64::from_bits(t.positions[1].x.to_bits() + 1);
        cache.calculate(&t).unwrap();
        assert_eq!(counted.calls(), 2);
        assert_ne!(cache.key(&s, None), cache.key(&s, Some(0.0)));
    }

    #[test]
    fn a_cache_written_at_one_potential_is_never_served_at_another() {
        use crate::calculator::builtin::analytic::MbElectrode;
        use crate::electrochem::{EngineGrandCanonical, GrandCanonical, PotentiostatSettings};
        let dir = tempfile::tempdir().unwrap();
        let mb = MbElectrode {
            u0: 0.0,
            u1: 0.5,
            capacitance: 1.0,
            phi_she: 4.44,
        };
        let s = Structure::from_symbols(&["H"], vec![Vector3::new(-0.5, 1.4, 0.0)]).unwrap();
        let cached_at = |u: f64| {
            let gc = GrandCanonical::new(
                Box::new(mb),
                PotentiostatSettings {
                    potential: u,
                    phi_she: 4.44,
                    tolerance: 0.01,
                    max_updates: 20,
                    capacitance_guess: None,
                },
            )
            .unwrap();
            Cached::new(Box::new(gc), dir.path().to_path_buf()).unwrap()
        };
        let at = |u: f64| -> f64 {
            let cached = cached_at(u);
            let e = cached.calculate(&s).unwrap().energy;
            assert_eq!(cached.hits(), 0, "U = {u} was served from the cache");
            e
        };
        let (e1, e0) = (at(1.0), at(0.0));
        // the closed-form Ω at each potential, not the other's
        assert!((e1 - mb.grand(-0.5, 1.4, 1.0).0).abs() < 1e-9);
        assert!((e0 - mb.grand(-0.5, 1.4, 0.0).0).abs() < 1e-9);
        // the same potential again is a hit
        let cached = cached_at(1.0);
        assert_eq!(cached.calculate(&s).unwrap().energy, e1);
        assert_eq!(cached.hits(), 1);
        // the engine's potentiostat at the same potential is another route: its own entries
        let target = crate::calculator::PotentialTarget {
            potential: 1.0,
            phi_she: 4.44,
            tolerance: 0.01,
        };
        struct Own(MbElectrode);
        impl Calculator for Own {
            fn name(&self) -> String {
                self.0.name()
            }
            fn capabilities(&self) -> Capabilities {
                Capabilities {
                    target_potential: true,
                    ..self.0.capabilities()
                }
            }
            fn calculate(&self, s: &Structure) -> Result<Evaluation, CalcError> {
                self.0.calculate(s)
            }
            fn calculate_at_potential(
                &self,
                s: &Structure,
                t: &crate::calculator::PotentialTarget,
            ) -> Result<Evaluation, CalcError> {
                let x = s.positions[0].x;
                let dn = self.0.capacitance * (self.0.pzc(x) - t.potential);
                self.0.calculate_charged(s, dn)
            }
        }
        let eng = EngineGrandCanonical::new(Box::new(Own(mb)), target).unwrap();
        let cached = Cached::new(Box::new(eng), dir.path().to_path_buf()).unwrap();
        let e = cached.calculate(&s).unwrap().energy;
        assert_eq!(cached.hits(), 0);
        assert!((e - mb.grand(-0.5, 1.4, 1.0).0).abs() < 1e-9);
    }

    #[test]
    fn a_changed_engine_program_is_another_calculator() {
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("engine.py");
        std::fs::write(&script, "print(1)\n").unwrap();
        let spec = crate::calculator::Spec::parse(&format!("command:python3 {}", script.display()))
            .unwrap();
        let c = crate::calculator::command::CommandCalculator::from_spec(&spec).unwrap();
        let before = c.cache_identity();
        std::fs::write(&script, "print(2)\n").unwrap();
        let after = c.cache_identity();
        assert_ne!(before, after);
        assert!(before.starts_with(&c.name()));
        // and so are its cache keys
        let s = Structure::from_symbols(&["H"], vec![Vector3::zeros()]).unwrap();
        let cached = Cached::new(Box::new(c), dir.path().join("cache")).unwrap();
        let k2 = cached.key(&s, None);
        std::fs::write(&script, "print(1)\n").unwrap();
        assert_ne!(cached.key(&s, None), k2);
    }
}
