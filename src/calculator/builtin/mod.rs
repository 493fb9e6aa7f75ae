//! Built-in calculators: analytic 2-D surfaces, pair potentials, EMT and EAM.

pub mod analytic;
pub mod eam;
pub mod emt;
pub mod model;
pub mod pair;
pub mod sevennet;
