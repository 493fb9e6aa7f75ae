//! Atomistic structures: species, positions, periodic cell, fixed atoms, metadata.

mod cell;
pub mod compare;
pub mod elements;
pub mod neighbors;

pub use cell::{Cell, MinimumImage};
pub use compare::{compare, moving_atoms, Comparison};
pub use neighbors::{NeighborCache, NeighborList};

use nalgebra::{Matrix3, Vector3};
use serde_json::{Map, Value};

/// Errors from building or checking a [`Structure`].
#[derive(Debug, thiserror::Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum StructureError {
    /// A chemical symbol that is not in the element table.
    #[error("unknown element '{symbol}' (atom {atom})")]
    UnknownElement { symbol: String, atom: usize },
    /// An atomic number outside the element table.
    #[error("unknown atomic number {number} (atom {atom})")]
    UnknownNumber { number: i64, atom: usize },
    /// Arrays of different length.
    #[error("{what} has {got} entries, expected {expected} (one per atom)")]
    Length {
        what: &'static str,
        got: usize,
        expected: usize,
    },
    /// A coordinate or cell entry that is NaN or infinite.
    #[error("{what} contains a non-finite number")]
    NonFinite { what: String },
    /// Periodic lattice vectors that do not span their subspace.
    #[error("invalid cell: {0}")]
    Cell(String),
    /// Two atoms on top of each other.
    #[error("atoms {a} and {b} overlap (distance {distance:.4} Å)")]
    Overlap { a: usize, b: usize, distance: f64 },
    /// Supercell repeats of zero.
    #[error("supercell repeats must be positive, got {0:?}")]
    Repeats([usize; 3]),
}

/// Energies, forces and stress stored with a structure read from a file (e.g. an ASE database row).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StoredResults {
    /// Total energy [eV].
    pub energy: Option<f64>,
    /// Forces [eV/Å], one per atom.
    pub forces: Option<Vec<Vector3<f64>>>,
    /// Stress, Voigt order xx, yy, zz, yz, xz, xy [eV/Å³].
    pub stress: Option<[f64; 6]>,
}

/// A periodic (or open) atomistic structure.
///
/// Positions in Å; the cell has lattice vectors as rows; `pbc` per axis; `fixed[i]` marks atoms that
/// never move (ASE `FixAtoms`, VASP selective dynamics `F F F`).
#[derive(Debug, Clone, PartialEq)]
pub struct Structure {
    /// Atomic numbers Z.
    pub numbers: Vec<u8>,
    /// Cartesian positions [Å].
    pub positions: Vec<Vector3<f64>>,
    /// Cell (rows = lattice vectors) [Å].
    pub cell: Cell,
    /// Periodicity along a, b, c.
    pub pbc: [bool; 3],
    /// Fixed-atom mask: `true` = the atom never moves.
    pub fixed: Vec<bool>,
    /// Free-form metadata (ASE `info`, key-value pairs).
    pub info: Map<String, Value>,
    /// Results stored in the file the structure came from, if any.
    pub stored: Option<StoredResults>,
}

impl Structure {
    /// A structure from atomic numbers and positions, open boundaries, no fixed atoms.
    ///
    /// # Errors
    /// Unknown atomic numbers, length mismatch, non-finite positions.
    pub fn new(numbers: Vec<u8>, positions: Vec<Vector3<f64>>) -> Result<Self, StructureError> {
        let n = numbers.len();
        let s = Structure {
            fixed: vec![false; n],
            numbers,
            positions,
            cell: Cell::default(),
            pbc: [false; 3],
            info: Map::new(),
            stored: None,
        };
        s.check()?;
        Ok(s)
    }

    /// A structure from chemical symbols and positions [Å].
    ///
    /// # Errors
    /// Unknown symbols, length mismatch, non-finite positions.
    pub fn from_symbols<S: AsRef<str>>(
        symbols: &[S],
        positions: Vec<Vector3<f64>>,
    ) -> Result<Self, StructureError> {
        let numbers = symbols_to_numbers(symbols)?;
        Structure::new(numbers, positions)
    }

    /// Set the cell and periodicity (builder style).
    ///
    /// # Errors
    /// Non-finite entries or degenerate periodic vectors.
    pub fn with_cell(mut self, cell: Cell, pbc: [bool; 3]) -> Result<Self, StructureError> {
        self.cell = cell;
        self.pbc = pbc;
        self.check()?;
        Ok(self)
    }

    /// Number of atoms.
    pub fn len(&self) -> usize {
        self.numbers.len()
    }

    /// True when there are no atoms.
    pub fn is_empty(&self) -> bool {
        self.numbers.is_empty()
    }

    /// Chemical symbols, one per atom.
    pub fn symbols(&self) -> Vec<&'static str> {
        self.numbers
            .iter()
            .map(|&z| elements::symbol_of(z))
            .collect()
    }

    /// Chemical formula in order of first appearance, e.g. `C122N4Pd10`… (Hill order not applied).
    pub fn formula(&self) -> String {
        let mut order: Vec<u8> = Vec::new();
        let mut count = std::collections::HashMap::new();
        for &z in &self.numbers {
            if !count.contains_key(&z) {
                order.push(z);
            }
            *count.entry(z).or_insert(0usize) += 1;
        }
        order
            .iter()
            .map(|z| {
                let c = count[z];
                if c == 1 {
                    elements::symbol_of(*z).to_string()
                } else {
                    format!("{}{}", elements::symbol_of(*z), c)
                }
            })
            .collect()
    }

    /// Atomic masses [amu].
    pub fn masses(&self) -> Vec<f64> {
        self.numbers
            .iter()
            .map(|&z| elements::by_number(z).map_or(0.0, |e| e.mass))
            .collect()
    }

    /// True when any axis is periodic.
    pub fn is_periodic(&self) -> bool {
        self.pbc.iter().any(|&p| p)
    }

    /// Indices of atoms that may move.
    pub fn free_atoms(&self) -> Vec<usize> {
        (0..self.len()).filter(|&i| !self.fixed[i]).collect()
    }

    /// Check internal consistency: lengths, known elements, finite numbers, a usable cell.
    ///
    /// # Errors
    /// The first problem found.
    pub fn check(&self) -> Result<(), StructureError> {
        let n = self.numbers.len();
        if self.positions.len() != n {
            return Err(StructureError::Length {
                what: "positions",
                got: self.positions.len(),
                expected: n,
            });
        }
        if self.fixed.len() != n {
            return Err(StructureError::Length {
                what: "fixed-atom mask",
                got: self.fixed.len(),
                expected: n,
            });
        }
        for (atom, &z) in self.numbers.iter().enumerate() {
            if elements::by_number(z).is_none() {
                return Err(StructureError::UnknownNumber {
                    number: i64::from(z),
                    atom,
                });
            }
        }
        for (atom, p) in self.positions.iter().enumerate() {
            if !p.iter().all(|x| x.is_finite()) {
                return Err(StructureError::NonFinite {
                    what: format!("position of atom {atom}"),
                });
            }
        }
        if !self.cell.matrix.iter().all(|x| x.is_finite()) {
            return Err(StructureError::NonFinite {
                what: "cell".into(),
            });
        }
        if self.is_periodic() {
            self.cell
                .completed_basis(self.pbc)
                .map_err(StructureError::Cell)?;
        }
        if let Some(st) = &self.stored {
            if let Some(f) = &st.forces {
                if f.len() != n {
                    return Err(StructureError::Length {
                        what: "stored forces",
                        got: f.len(),
                        expected: n,
                    });
                }
            }
        }
        Ok(())
    }

    /// Minimum-image helper for this structure's cell and pbc.
    ///
    /// # Errors
    /// A degenerate periodic cell.
    pub fn minimum_image(&self) -> Result<MinimumImage, StructureError> {
        MinimumImage::new(&self.cell, self.pbc).map_err(StructureError::Cell)
    }

    /// Minimum-image displacement from atom `i` to atom `j` [Å] (`r_j − r_i`, shortest image).
    ///
    /// # Errors
    /// A degenerate periodic cell.
    pub fn displacement(&self, i: usize, j: usize) -> Result<Vector3<f64>, StructureError> {
        let mic = self.minimum_image()?;
        Ok(mic.displacement(&(self.positions[j] - self.positions[i])))
    }

    /// Minimum-image distance between atoms `i` and `j` [Å].
    ///
    /// # Errors
    /// A degenerate periodic cell.
    pub fn distance(&self, i: usize, j: usize) -> Result<f64, StructureError> {
        Ok(self.displacement(i, j)?.norm())
    }

    /// Wrap atoms into the cell along the periodic axes (fractional coordinates in [0, 1)).
    ///
    /// # Errors
    /// A degenerate periodic cell.
    pub fn wrap(&mut self) -> Result<(), StructureError> {
        if !self.is_periodic() {
            return Ok(());
        }
        let mic = self.minimum_image()?;
        for p in &mut self.positions {
            let mut f = mic.fractional(p);
            for k in 0..3 {
                if self.pbc[k] {
                    f[k] -= f[k].floor();
                    if f[k] >= 1.0 {
                        f[k] = 0.0;
                    }
                }
            }
            *p = mic.cartesian(&f);
        }
        Ok(())
    }

    /// Repeat the structure `repeats[k]` times along lattice vector k (ASE `atoms * (n1, n2, n3)`:
    /// the original atoms first, then the copies, outer loop over a).
    ///
    /// # Errors
    /// A zero repeat.
    pub fn supercell(&self, repeats: [usize; 3]) -> Result<Structure, StructureError> {
        if repeats.contains(&0) {
            return Err(StructureError::Repeats(repeats));
        }
        let total = repeats[0] * repeats[1] * repeats[2];
        let mut out = Structure {
            numbers: Vec::with_capacity(self.len() * total),
            positions: Vec::with_capacity(self.len() * total),
            cell: self.cell,
            pbc: self.pbc,
            fixed: Vec::with_capacity(self.len() * total),
            info: self.info.clone(),
            stored: None,
        };
        for i0 in 0..repeats[0] {
            for i1 in 0..repeats[1] {
                for i2 in 0..repeats[2] {
                    let shift = self.cell.vector(0) * i0 as f64
                        + self.cell.vector(1) * i1 as f64
                        + self.cell.vector(2) * i2 as f64;
                    for a in 0..self.len() {
                        out.numbers.push(self.numbers[a]);
                        out.positions.push(self.positions[a] + shift);
                        out.fixed.push(self.fixed[a]);
                    }
                }
            }
        }
        let scale = Matrix3::from_diagonal(&Vector3::new(
            repeats[0] as f64,
            repeats[1] as f64,
            repeats[2] as f64,
        ));
        out.cell.matrix = scale * self.cell.matrix;
        Ok(out)
    }

    /// The closest pair of atoms (minimum image) and its distance [Å]; `None` with fewer than two atoms.
    ///
    /// # Errors
    /// A degenerate periodic cell.
    pub fn closest_pair(&self) -> Result<Option<(usize, usize, f64)>, StructureError> {
        let mic = self.minimum_image()?;
        let mut best: Option<(usize, usize, f64)> = None;
        for i in 0..self.len() {
            for j in i + 1..self.len() {
                let r = mic
                    .displacement(&(self.positions[j] - self.positions[i]))
                    .norm();
                if best.is_none_or(|b| r < b.2) {
                    best = Some((i, j, r));
                }
            }
        }
        Ok(best)
    }

    /// Fail when two atoms are closer than `min_distance` [Å] (overlapping atoms in an input file).
    ///
    /// # Errors
    /// [`StructureError::Overlap`] naming the pair.
    pub fn check_overlaps(&self, min_distance: f64) -> Result<(), StructureError> {
        let nl = NeighborList::build(self, min_distance).map_err(StructureError::Cell)?;
        for i in 0..self.len() {
            if let Some(k) = nl.range(i).next() {
                return Err(StructureError::Overlap {
                    a: i,
                    b: nl.neighbor[k] as usize,
                    distance: nl.distance[k],
                });
            }
        }
        Ok(())
    }
}

/// Convert chemical symbols to atomic numbers.
///
/// # Errors
/// [`StructureError::UnknownElement`] naming the atom.
pub fn symbols_to_numbers<S: AsRef<str>>(symbols: &[S]) -> Result<Vec<u8>, StructureError> {
    symbols
        .iter()
        .enumerate()
        .map(|(atom, s)| {
            elements::number_of(s.as_ref()).ok_or_else(|| StructureError::UnknownElement {
                symbol: s.as_ref().to_string(),
                atom,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests;
