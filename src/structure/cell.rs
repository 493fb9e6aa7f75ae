//! Periodic cells: lattice vectors as rows, fractional coordinates, exact minimum image.

use nalgebra::{Matrix3, Vector3};
use serde::{Deserialize, Serialize};

/// A simulation cell. Rows of `matrix` are the lattice vectors a, b, c [Å] (ASE's convention).
///
/// A non-periodic axis may have a zero (or any) vector; only axes that are periodic are used for
/// images. Triclinic cells of any skew are handled exactly.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Cell {
    /// Lattice vectors as rows [Å].
    pub matrix: Matrix3<f64>,
}

impl Default for Cell {
    fn default() -> Self {
        Cell {
            matrix: Matrix3::zeros(),
        }
    }
}

impl Cell {
    /// Cell from three lattice vectors given as rows [Å].
    pub fn from_rows(rows: [[f64; 3]; 3]) -> Self {
        Cell {
            matrix: Matrix3::new(
                rows[0][0], rows[0][1], rows[0][2], rows[1][0], rows[1][1], rows[1][2], rows[2][0],
                rows[2][1], rows[2][2],
            ),
        }
    }

    /// Orthorhombic cell with edge lengths `a`, `b`, `c` [Å].
    pub fn orthorhombic(a: f64, b: f64, c: f64) -> Self {
        Cell {
            matrix: Matrix3::from_diagonal(&Vector3::new(a, b, c)),
        }
    }

    /// Lattice vector `k` (0, 1, 2) [Å].
    pub fn vector(&self, k: usize) -> Vector3<f64> {
        self.matrix.row(k).transpose()
    }

    /// Rows as plain arrays [Å].
    pub fn rows(&self) -> [[f64; 3]; 3] {
        let m = &self.matrix;
        [
            [m[(0, 0)], m[(0, 1)], m[(0, 2)]],
            [m[(1, 0)], m[(1, 1)], m[(1, 2)]],
            [m[(2, 0)], m[(2, 1)], m[(2, 2)]],
        ]
    }

    /// Volume [Å³] (absolute value of the determinant).
    pub fn volume(&self) -> f64 {
        self.matrix.determinant().abs()
    }

    /// Lengths of the three lattice vectors [Å].
    pub fn lengths(&self) -> [f64; 3] {
        [0, 1, 2].map(|k| self.vector(k).norm())
    }

    /// True when the three vectors span space (volume above 1e-10 Å³).
    pub fn is_full_rank(&self) -> bool {
        self.volume() > 1e-10
    }

    /// A basis equal to the cell on the periodic axes and completed on the others by orthonormal
    /// vectors perpendicular to the periodic subspace. Fractional coordinates in this basis along the
    /// periodic axes are exact lattice coordinates, and the perpendicular part separates cleanly.
    ///
    /// # Errors
    /// A message when the periodic vectors are (nearly) linearly dependent or zero.
    pub fn completed_basis(&self, pbc: [bool; 3]) -> Result<Matrix3<f64>, String> {
        let periodic: Vec<usize> = (0..3).filter(|&k| pbc[k]).collect();
        let mut rows = [Vector3::zeros(); 3];
        for &k in &periodic {
            rows[k] = self.vector(k);
            if rows[k].norm() < 1e-8 {
                return Err(format!("periodic axis {k} has a zero lattice vector"));
            }
        }
        match periodic.len() {
            3 => {}
            2 => {
                let n = rows[periodic[0]].cross(&rows[periodic[1]]);
                if n.norm() < 1e-10 {
                    return Err("the two periodic lattice vectors are parallel".into());
                }
                let free = (0..3).find(|k| !pbc[*k]).unwrap_or(2);
                rows[free] = n.normalize();
            }
            1 => {
                let a = rows[periodic[0]].normalize();
                let trial = if a.x.abs() < 0.9 {
                    Vector3::x()
                } else {
                    Vector3::y()
                };
                let b = (trial - a * a.dot(&trial)).normalize();
                let c = a.cross(&b);
                let free: Vec<usize> = (0..3).filter(|k| !pbc[*k]).collect();
                rows[free[0]] = b;
                rows[free[1]] = c;
            }
            _ => {
                rows = [Vector3::x(), Vector3::y(), Vector3::z()];
            }
        }
        let m = Matrix3::from_rows(&[
            rows[0].transpose(),
            rows[1].transpose(),
            rows[2].transpose(),
        ]);
        // right-handedness is irrelevant; only invertibility matters
        if m.determinant().abs() < 1e-10 {
            return Err("the periodic lattice vectors are linearly dependent".into());
        }
        Ok(m)
    }
}

/// Exact minimum-image displacements for one cell and pbc.
///
/// The displacement is first wrapped into the cell around zero in lattice coordinates; the images
/// that can still be shorter are then enumerated exactly: an image shifted by n_k along a periodic
/// axis k is at least |f_k + n_k|·h_k long, where h_k is the spacing of lattice planes k, so only a
/// few n_k need checking. For reduced cells that is −1..1; for strongly skewed cells the range grows as
/// needed, so the result equals a brute-force search over all images.
#[derive(Debug, Clone)]
pub struct MinimumImage {
    basis: Matrix3<f64>,
    inverse: Matrix3<f64>,
    /// Spacing of lattice planes along each periodic axis [Å].
    spacing: [f64; 3],
    pbc: [bool; 3],
}

impl MinimumImage {
    /// Prepare minimum-image displacements for `cell` with periodicity `pbc`.
    ///
    /// # Errors
    /// A message when the periodic lattice vectors are degenerate.
    pub fn new(cell: &Cell, pbc: [bool; 3]) -> Result<Self, String> {
        let basis = cell.completed_basis(pbc)?;
        let inverse = basis
            .try_inverse()
            .ok_or_else(|| "singular cell".to_string())?;
        // columns of the inverse are reciprocal vectors (without 2π); spacing = 1/|b_k|
        let spacing = [0, 1, 2].map(|k| 1.0 / inverse.column(k).norm());
        Ok(MinimumImage {
            basis,
            inverse,
            spacing,
            pbc,
        })
    }

    /// True when no axis is periodic.
    pub fn is_open(&self) -> bool {
        !self.pbc.iter().any(|&p| p)
    }

    /// Fractional coordinates of a Cartesian vector in the completed basis.
    pub fn fractional(&self, v: &Vector3<f64>) -> Vector3<f64> {
        // v (row) = f (row) · basis  ⇒  f = v · basis⁻¹
        (v.transpose() * self.inverse).transpose()
    }

    /// Cartesian vector from fractional coordinates in the completed basis.
    pub fn cartesian(&self, f: &Vector3<f64>) -> Vector3<f64> {
        (f.transpose() * self.basis).transpose()
    }

    /// The shortest periodic image of displacement `d` [Å] and the lattice shift that produced it
    /// (`d_min = d + shift·cell`).
    pub fn shortest(&self, d: &Vector3<f64>) -> (Vector3<f64>, [i32; 3]) {
        if self.is_open() {
            return (*d, [0; 3]);
        }
        let mut f = self.fractional(d);
        let mut base = [0i32; 3];
        for k in 0..3 {
            if self.pbc[k] {
                let n = -f[k].round();
                f[k] += n;
                base[k] = n as i32;
            }
        }
        let d0 = self.cartesian(&f);
        let r0 = d0.norm();
        let mut lo = [0i32; 3];
        let mut hi = [0i32; 3];
        for k in 0..3 {
            if self.pbc[k] {
                let reach = r0 / self.spacing[k] * (1.0 + 1e-12) + 1e-12;
                lo[k] = (-reach - f[k]).ceil() as i32;
                hi[k] = (reach - f[k]).floor() as i32;
            }
        }
        let mut best = d0;
        let mut best_r2 = d0.norm_squared();
        let mut best_n = [0i32; 3];
        for n0 in lo[0]..=hi[0] {
            for n1 in lo[1]..=hi[1] {
                for n2 in lo[2]..=hi[2] {
                    if n0 == 0 && n1 == 0 && n2 == 0 {
                        continue;
                    }
                    let g = f + Vector3::new(n0 as f64, n1 as f64, n2 as f64);
                    let c = self.cartesian(&g);
                    let r2 = c.norm_squared();
                    if r2 < best_r2 * (1.0 - 1e-14) {
                        best = c;
                        best_r2 = r2;
                        best_n = [n0, n1, n2];
                    }
                }
            }
        }
        (
            best,
            [
                base[0] + best_n[0],
                base[1] + best_n[1],
                base[2] + best_n[2],
            ],
        )
    }

    /// The shortest periodic image of displacement `d` [Å].
    pub fn displacement(&self, d: &Vector3<f64>) -> Vector3<f64> {
        self.shortest(d).0
    }
}
