//! What a NEB run ended with: one status per outcome, each with its exit code.

use serde::{Deserialize, Serialize};

/// How a run ended. Only [`Status::Converged`] and [`Status::MultiStep`] carry barriers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// The band converged on one elementary step: the climbing image is its saddle.
    Converged,
    /// The band did not reach fmax within the iteration limit (results so far are written).
    NotConverged,
    /// The two endpoints are (or relaxed into) one minimum: there is no path to compute.
    CollapsedEndpoints,
    /// The converged path crosses one or more intermediate minima: several elementary steps.
    MultiStep,
    /// An endpoint is not a minimum: it did not relax, it was not relaxed and has forces above fmax,
    /// or the converged band runs downhill from it.
    EndpointNotMinimum,
    /// The converged path is monotonic within the energy tolerance: no barrier to report.
    NoBarrier,
    /// An interior image has an atom with no neighbour within the calculator's cutoff: it feels no
    /// force there, so the band has left the reaction path.
    DetachedAtom,
}

impl Status {
    /// All statuses, in the order of their exit codes.
    pub const ALL: [Status; 7] = [
        Status::Converged,
        Status::MultiStep,
        Status::NotConverged,
        Status::CollapsedEndpoints,
        Status::EndpointNotMinimum,
        Status::NoBarrier,
        Status::DetachedAtom,
    ];

    /// Exit code of `nebkit neb`: 0 for `converged` and `multi-step`, 3 `not-converged`,
    /// 4 `collapsed-endpoints`, 5 `endpoint-not-minimum`, 6 `no-barrier`, 7 `detached-atom`
    /// (1 is any error before or during the run, 2 a command-line error).
    pub fn exit_code(self) -> u8 {
        match self {
            Status::Converged | Status::MultiStep => 0,
            Status::NotConverged => 3,
            Status::CollapsedEndpoints => 4,
            Status::EndpointNotMinimum => 5,
            Status::NoBarrier => 6,
            Status::DetachedAtom => 7,
        }
    }

    /// Whether results with this status report barriers.
    pub fn has_barrier(self) -> bool {
        matches!(self, Status::Converged | Status::MultiStep)
    }

    /// The name written to result.json.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Converged => "converged",
            Status::NotConverged => "not-converged",
            Status::CollapsedEndpoints => "collapsed-endpoints",
            Status::MultiStep => "multi-step",
            Status::EndpointNotMinimum => "endpoint-not-minimum",
            Status::NoBarrier => "no-barrier",
            Status::DetachedAtom => "detached-atom",
        }
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_serialise_as_their_names_with_distinct_failure_codes() {
        for s in Status::ALL {
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
        let mut codes: Vec<u8> = Status::ALL
            .iter()
            .filter(|s| !s.has_barrier())
            .map(|s| s.exit_code())
            .collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes, vec![3, 4, 5, 6, 7]);
        assert!(Status::ALL
            .iter()
            .all(|s| (s.exit_code() == 0) == s.has_barrier()));
    }
}
