//! nebkit: climbing-image nudged elastic band for supported metal atoms and clusters.
//!
//! Modules follow `ARCHITECTURE.md`: [`units`], [`structure`], [`io`], [`calculator`], [`path`],
//! [`neb`], [`optimize`], [`analysis`], [`plot`], [`cli`].

#![allow(clippy::needless_range_loop)] // index loops mirror the equations in numeric kernels

pub mod analysis;
pub mod builders;
pub mod calculator;
pub mod cli;
pub mod electrochem;
pub mod io;
pub mod neb;
pub mod optimize;
pub mod path;
pub mod plot;
pub mod structure;
pub mod units;
pub mod workflow;
