//! How far apart two configurations of the same atoms are: minimum-image displacements after removing
//! the motions that cost no energy (a rigid translation when no atom is fixed; also a rigid rotation
//! when, in addition, no axis is periodic), their RMSD and the largest displacement.

use super::{Structure, StructureError};
use nalgebra::{Matrix3, Vector3};
use serde::{Deserialize, Serialize};

/// The distance between two configurations of the same atoms.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// Root-mean-square displacement over all atoms [Å].
    pub rmsd: f64,
    /// Largest displacement of any atom [Å].
    pub max_displacement: f64,
    /// The atom with the largest displacement.
    pub max_atom: usize,
    /// The atoms that were meant to move (see [`moving_atoms`]).
    pub moving_atoms: Vec<usize>,
    /// Largest displacement among `moving_atoms` [Å] (0 when there are none).
    pub moving_displacement: f64,
    /// Whether a rigid translation (and rotation) was removed before comparing.
    pub aligned: String,
}

/// Atoms that move between `a` and `b` by more than half the largest displacement and more than
/// `threshold` [Å] (minimum image, no alignment): the atoms a path was built to move.
///
/// # Errors
/// Different atom counts; an invalid cell.
pub fn moving_atoms(
    a: &Structure,
    b: &Structure,
    threshold: f64,
) -> Result<Vec<usize>, StructureError> {
    let d = raw_displacements(a, b)?;
    let largest = d.iter().map(|v| v.norm()).fold(0.0, f64::max);
    let cut = threshold.max(0.5 * largest);
    Ok((0..d.len()).filter(|&i| d[i].norm() > cut).collect())
}

fn raw_displacements(a: &Structure, b: &Structure) -> Result<Vec<Vector3<f64>>, StructureError> {
    if a.len() != b.len() {
        return Err(StructureError::Length {
            what: "the second structure",
            got: b.len(),
            expected: a.len(),
        });
    }
    let mic = a.minimum_image()?;
    Ok(a.positions
        .iter()
        .zip(&b.positions)
        .map(|(p, q)| mic.displacement(&(q - p)))
        .collect())
}

/// Compare `b` with `a` (same atoms, same order): minimum-image displacements; with `align`, the
/// mean translation is removed when no atom is fixed and, for open boundaries, the best rigid
/// rotation (Kabsch) too (pass `false` when an external field fixes the frame, as on 2-D model
/// surfaces). `moving` names the atoms whose displacement is reported separately.
///
/// # Errors
/// Different atom counts; an invalid cell.
pub fn compare(
    a: &Structure,
    b: &Structure,
    moving: &[usize],
    align: bool,
) -> Result<Comparison, StructureError> {
    let mut d = raw_displacements(a, b)?;
    let n = d.len();
    let any_fixed = a.fixed.iter().any(|&f| f);
    let mut aligned = "none";
    if align && !any_fixed && n > 1 {
        let mean = d.iter().sum::<Vector3<f64>>() / n as f64;
        d.iter_mut().for_each(|v| *v -= mean);
        aligned = "translation";
        if !a.pbc.iter().any(|&p| p) && n > 2 {
            // Kabsch: rotate a (centred) onto b (centred)
            let ca = a.positions.iter().sum::<Vector3<f64>>() / n as f64;
            let pa: Vec<Vector3<f64>> = a.positions.iter().map(|p| p - ca).collect();
            let pb: Vec<Vector3<f64>> = pa.iter().zip(&d).map(|(p, v)| p + v).collect();
            let h: Matrix3<f64> = pa.iter().zip(&pb).map(|(p, q)| p * q.transpose()).sum();
            let svd = h.svd(true, true);
            if let (Some(u), Some(vt)) = (svd.u, svd.v_t) {
                let v = vt.transpose();
                let sign = (v * u.transpose()).determinant().signum();
                let fix = Matrix3::from_diagonal(&Vector3::new(1.0, 1.0, sign));
                let r = v * fix * u.transpose();
                for k in 0..n {
                    d[k] = pb[k] - r * pa[k];
                }
                aligned = "translation and rotation";
            }
        }
    }
    let norms: Vec<f64> = d.iter().map(|v| v.norm()).collect();
    let (max_atom, max_displacement) =
        norms.iter().enumerate().fold(
            (0, 0.0),
            |best, (k, &x)| if x > best.1 { (k, x) } else { best },
        );
    let rmsd = if n == 0 {
        0.0
    } else {
        (norms.iter().map(|x| x * x).sum::<f64>() / n as f64).sqrt()
    };
    let moving_displacement = moving
        .iter()
        .filter_map(|&i| norms.get(i).copied())
        .fold(0.0, f64::max);
    Ok(Comparison {
        rmsd,
        max_displacement,
        max_atom,
        moving_atoms: moving.to_vec(),
        moving_displacement,
        aligned: aligned.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::structure::Cell;

    fn three() -> Structure {
        Structure::from_symbols(
            &["Cu", "Cu", "Cu"],
            vec![
                Vector3::new(0.0, 0.0, 0.0),
                Vector3::new(2.5, 0.0, 0.0),
                Vector3::new(1.2, 2.1, 0.3),
            ],
        )
        .unwrap()
    }

    #[test]
    fn rigid_motions_of_a_free_cluster_do_not_count() {
        let a = three();
        let mut b = a.clone();
        // rotate by 30° about z and shift
        let (c, s) = (30f64.to_radians().cos(), 30f64.to_radians().sin());
        let r = Matrix3::new(c, -s, 0.0, s, c, 0.0, 0.0, 0.0, 1.0);
        for p in b.positions.iter_mut() {
            *p = r * *p + Vector3::new(1.0, -2.0, 0.5);
        }
        let cmp = compare(&a, &b, &[], true).unwrap();
        assert!(cmp.rmsd < 1e-12 && cmp.max_displacement < 1e-12, "{cmp:?}");
        // a bond stretched by 0.6 Å cannot be undone by a rigid motion: each end moves 0.3 Å
        let mut c = a.clone();
        c.positions[1].x += 0.6;
        let cmp = compare(&a, &c, &[1], true).unwrap();
        assert!(cmp.max_displacement > 0.25, "{cmp:?}");
    }

    #[test]
    fn fixed_atoms_keep_the_frame_and_periodic_images_are_the_same_atom() {
        let mut a = three()
            .with_cell(Cell::orthorhombic(5.0, 5.0, 5.0), [true; 3])
            .unwrap();
        a.fixed[0] = true;
        let mut b = a.clone();
        b.positions[1].x += 5.0; // the same atom one cell over
        b.positions[2].y += 0.4;
        let cmp = compare(&a, &b, &[2], true).unwrap();
        assert!((cmp.max_displacement - 0.4).abs() < 1e-12);
        assert_eq!(cmp.max_atom, 2);
        assert!((cmp.moving_displacement - 0.4).abs() < 1e-12);
        assert!((cmp.rmsd - 0.4 / 3f64.sqrt()).abs() < 1e-12);
        assert_eq!(moving_atoms(&a, &b, 0.1).unwrap(), vec![2]);
    }
}
