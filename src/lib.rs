//! nebkit: climbing-image nudged elastic band for supported metal atoms and clusters.
//!
//! Modules follow `ARCHITECTURE.md`: [`units`], [`structure`], [`io`], [`calculator`].

pub mod calculator;
pub mod io;
pub mod structure;
pub mod units;
