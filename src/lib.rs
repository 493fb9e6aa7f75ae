//! nebkit: climbing-image nudged elastic band for supported metal atoms and clusters.
//!
//! Modules follow `ARCHITECTURE.md`: [`units`], [`structure`], [`io`], [`calculator`].

#![allow(clippy::needless_range_loop)] // index loops mirror the equations in numeric kernels

pub mod calculator;
pub mod cli;
pub mod io;
pub mod structure;
pub mod units;
