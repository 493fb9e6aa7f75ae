//! Fault-injection wrappers for testing runs and engines: `delay:SECONDS:SPEC` sleeps before every
//! evaluation; `nan-after:CALLS:SPEC` returns NaN energies after CALLS successful calls.

use super::{from_spec, CalcError, Calculator, Capabilities, Evaluation, Spec};
use crate::structure::Structure;
use std::sync::atomic::{AtomicU64, Ordering};

/// Sleeps `seconds` before delegating each evaluation (a stand-in for a slow engine).
pub struct Delay {
    seconds: f64,
    inner: Box<dyn Calculator>,
}

/// Returns a NaN energy once `calls` evaluations have been made (a stand-in for a broken engine).
pub struct NanAfter {
    calls: u64,
    made: AtomicU64,
    inner: Box<dyn Calculator>,
}

fn split(spec: &Spec) -> Result<(String, String), CalcError> {
    let rest = spec
        .rest
        .as_deref()
        .ok_or_else(|| spec.error(format!("expected {}:NUMBER:SPEC", spec.name)))?;
    let (n, inner) = rest
        .split_once(':')
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .unwrap_or((rest.to_string(), String::new()));
    if inner.is_empty() {
        return Err(spec.error(format!(
            "expected {}:NUMBER:SPEC, no inner calculator",
            spec.name
        )));
    }
    Ok((n, inner))
}

impl Delay {
    /// From `delay:SECONDS:SPEC`.
    ///
    /// # Errors
    /// A malformed spec or inner spec.
    pub fn from_spec(spec: &Spec) -> Result<Self, CalcError> {
        let (n, inner) = split(spec)?;
        let seconds: f64 = n
            .parse()
            .ok()
            .filter(|s: &f64| *s >= 0.0 && s.is_finite())
            .ok_or_else(|| {
                spec.error(format!(
                    "delay must be a non-negative number of seconds, got '{n}'"
                ))
            })?;
        Ok(Delay {
            seconds,
            inner: from_spec(&inner)?,
        })
    }
}

impl NanAfter {
    /// From `nan-after:CALLS:SPEC`.
    ///
    /// # Errors
    /// A malformed spec or inner spec.
    pub fn from_spec(spec: &Spec) -> Result<Self, CalcError> {
        let (n, inner) = split(spec)?;
        let calls: u64 = n
            .parse()
            .map_err(|_| spec.error(format!("call count must be an integer, got '{n}'")))?;
        Ok(NanAfter {
            calls,
            made: AtomicU64::new(0),
            inner: from_spec(&inner)?,
        })
    }
}

impl Calculator for Delay {
    fn name(&self) -> String {
        format!("delay:{}:{}", self.seconds, self.inner.name())
    }
    fn capabilities(&self) -> Capabilities {
        // stands in for a slow engine in another process
        Capabilities {
            external: true,
            ..self.inner.capabilities()
        }
    }
    fn calculate(&self, s: &Structure) -> Result<Evaluation, CalcError> {
        std::thread::sleep(std::time::Duration::from_secs_f64(self.seconds));
        self.inner.calculate(s)
    }
}

impl Calculator for NanAfter {
    fn name(&self) -> String {
        format!("nan-after:{}:{}", self.calls, self.inner.name())
    }
    fn capabilities(&self) -> Capabilities {
        self.inner.capabilities()
    }
    fn calculate(&self, s: &Structure) -> Result<Evaluation, CalcError> {
        let mut ev = self.inner.calculate(s)?;
        if self.made.fetch_add(1, Ordering::SeqCst) >= self.calls {
            ev.energy = f64::NAN;
        }
        Ok(ev)
    }
}
