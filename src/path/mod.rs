//! Bands of images between two endpoints: validation and initial paths (linear with minimum image,
//! IDPP).

mod idpp;

pub use idpp::{idpp, idpp_from, IdppSettings};

use crate::structure::{elements, MinimumImage, Structure};
use nalgebra::Vector3;

/// Errors from building a band.
#[derive(Debug, thiserror::Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum BandError {
    /// Fewer than two images.
    #[error("a band needs at least the two endpoints, got {0} images")]
    TooShort(usize),
    /// Different atom counts.
    #[error("image {image} has {got} atoms, expected {expected} (as image 0)")]
    AtomCount {
        image: usize,
        got: usize,
        expected: usize,
    },
    /// Different species at the same index.
    #[error("image {image}, atom {atom}: {got} where image 0 has {expected} (atom order must be the same in every image)")]
    Species {
        image: usize,
        atom: usize,
        got: String,
        expected: String,
    },
    /// Different cells.
    #[error("image {image} has a different cell from image 0 (largest difference {difference:.3e} Å); NEB needs one cell")]
    Cell { image: usize, difference: f64 },
    /// Different periodicity.
    #[error("image {image} has pbc {got:?}, image 0 has {expected:?}")]
    Pbc {
        image: usize,
        got: [bool; 3],
        expected: [bool; 3],
    },
    /// Different fixed atoms.
    #[error("image {image}, atom {atom}: fixed in one image and free in the other (the fixed-atom mask must be the same)")]
    Fixed { image: usize, atom: usize },
    /// A degenerate cell.
    #[error("invalid cell: {0}")]
    Cell2(String),
    /// Two atoms on top of each other in an image.
    #[error("image {image}: atoms {a} and {b} are {distance:.3} Å apart (overlapping atoms)")]
    Overlap {
        image: usize,
        a: usize,
        b: usize,
        distance: f64,
    },
    /// Too few images to interpolate.
    #[error("the number of intermediate images must be at least 1, got {0}")]
    NoImages(usize),
}

/// Cell difference allowed between images [Å] (files written with 8 decimals differ at 1e-8).
const CELL_TOL: f64 = 1e-6;

/// Check that two or more images can form a band: same atom count, species order, cell, pbc and fixed
/// mask (errors name the image and atom), and that no image has overlapping atoms (closer than 0.5 ×
/// the sum of covalent radii, and never closer than 0.1 Å).
///
/// # Errors
/// The first inconsistency found.
pub fn validate(images: &[Structure]) -> Result<(), BandError> {
    if images.len() < 2 {
        return Err(BandError::TooShort(images.len()));
    }
    let first = &images[0];
    for (image, s) in images.iter().enumerate().skip(1) {
        if s.len() != first.len() {
            return Err(BandError::AtomCount {
                image,
                got: s.len(),
                expected: first.len(),
            });
        }
        for atom in 0..s.len() {
            if s.numbers[atom] != first.numbers[atom] {
                return Err(BandError::Species {
                    image,
                    atom,
                    got: elements::symbol_of(s.numbers[atom]).into(),
                    expected: elements::symbol_of(first.numbers[atom]).into(),
                });
            }
            if s.fixed[atom] != first.fixed[atom] {
                return Err(BandError::Fixed { image, atom });
            }
        }
        if s.pbc != first.pbc {
            return Err(BandError::Pbc {
                image,
                got: s.pbc,
                expected: first.pbc,
            });
        }
        let difference = (s.cell.matrix - first.cell.matrix).abs().max();
        if difference > CELL_TOL {
            return Err(BandError::Cell { image, difference });
        }
    }
    for (image, s) in images.iter().enumerate() {
        check_overlaps(s, image)?;
    }
    Ok(())
}

/// Fail when two atoms of `s` are closer than 0.5 × the sum of their covalent radii (or 0.1 Å).
fn check_overlaps(s: &Structure, image: usize) -> Result<(), BandError> {
    let max_r = s
        .numbers
        .iter()
        .filter_map(|&z| elements::by_number(z))
        .map(|e| e.covalent_radius)
        .fold(0.1, f64::max);
    let nl = crate::structure::NeighborList::build(s, max_r).map_err(BandError::Cell2)?;
    for a in 0..s.len() {
        let ra = elements::by_number(s.numbers[a]).map_or(0.2, |e| e.covalent_radius);
        for k in nl.range(a) {
            let b = nl.neighbor[k] as usize;
            let rb = elements::by_number(s.numbers[b]).map_or(0.2, |e| e.covalent_radius);
            let d = nl.distance[k];
            if d < (0.5 * (ra + rb)).max(0.1) {
                let (a, b) = (a.min(b), a.max(b));
                return Err(BandError::Overlap {
                    image,
                    a,
                    b,
                    distance: d,
                });
            }
        }
    }
    Ok(())
}

/// Per-atom minimum-image displacements from `a` to `b` [Å] (`b − a`, shortest images on periodic axes).
pub fn displacements(mic: &MinimumImage, a: &Structure, b: &Structure) -> Vec<Vector3<f64>> {
    a.positions
        .iter()
        .zip(&b.positions)
        .map(|(p, q)| mic.displacement(&(q - p)))
        .collect()
}

/// Linear interpolation with the minimum-image convention: `n_images` intermediate images between
/// `initial` and `final_`, every atom moving along its shortest periodic displacement (ASE's
/// `interpolate(mic=True)`; ASE's default `mic=False` is a known trap for atoms crossing a boundary).
/// Returns the full band, endpoints included. Fixed atoms keep the initial positions.
///
/// # Errors
/// Inconsistent endpoints; zero images.
pub fn interpolate_linear(
    initial: &Structure,
    final_: &Structure,
    n_images: usize,
) -> Result<Vec<Structure>, BandError> {
    if n_images == 0 {
        return Err(BandError::NoImages(n_images));
    }
    validate(&[initial.clone(), final_.clone()])?;
    let mic = initial
        .minimum_image()
        .map_err(|e| BandError::Cell2(e.to_string()))?;
    let d = displacements(&mic, initial, final_);
    let mut band = Vec::with_capacity(n_images + 2);
    band.push(initial.clone());
    for k in 1..=n_images {
        let t = k as f64 / (n_images + 1) as f64;
        let mut s = initial.clone();
        s.stored = None;
        for a in 0..s.len() {
            if !s.fixed[a] {
                s.positions[a] = initial.positions[a] + d[a] * t;
            }
        }
        band.push(s);
    }
    let mut last = final_.clone();
    // the final endpoint continues the path: its atoms sit at initial + shortest displacement
    for a in 0..last.len() {
        last.positions[a] = initial.positions[a] + d[a];
    }
    band.push(last);
    Ok(band)
}

/// Cumulative path length along the band [Å]: s_0 = 0, s_i = s_{i−1} + |R_i − R_{i−1}| (minimum image,
/// all atoms).
pub fn reaction_coordinate(mic: &MinimumImage, band: &[Structure]) -> Vec<f64> {
    let mut s = vec![0.0];
    for w in band.windows(2) {
        let step: f64 = displacements(mic, &w[0], &w[1])
            .iter()
            .map(|v| v.norm_squared())
            .sum::<f64>()
            .sqrt();
        s.push(s.last().copied().unwrap_or(0.0) + step);
    }
    s
}

/// A band of `n_images` intermediate images spaced evenly in path length along the polyline through
/// `points` (a section of a converged band, its ends replaced by relaxed minima): positions follow
/// each segment's minimum-image displacement, fixed atoms stay put. Returns the full band, the first
/// and last point included (the last one continued through the displacements, as in
/// [`interpolate_linear`]).
///
/// # Errors
/// Fewer than two points; inconsistent points; zero images.
pub fn resample(points: &[Structure], n_images: usize) -> Result<Vec<Structure>, BandError> {
    if n_images == 0 {
        return Err(BandError::NoImages(n_images));
    }
    if points.len() < 2 {
        return Err(BandError::TooShort(points.len()));
    }
    validate(points)?;
    let first = &points[0];
    let mic = first
        .minimum_image()
        .map_err(|e| BandError::Cell2(e.to_string()))?;
    // unwrapped positions along the polyline
    let mut chain: Vec<Vec<Vector3<f64>>> = vec![first.positions.clone()];
    for w in points.windows(2) {
        let d = displacements(&mic, &w[0], &w[1]);
        let prev = chain.last().cloned().unwrap_or_default();
        chain.push(prev.iter().zip(&d).map(|(p, v)| p + v).collect());
    }
    let mut s = vec![0.0];
    for w in chain.windows(2) {
        let step = w[0]
            .iter()
            .zip(&w[1])
            .map(|(a, b)| (b - a).norm_squared())
            .sum::<f64>()
            .sqrt();
        s.push(s.last().copied().unwrap_or(0.0) + step);
    }
    let total = s.last().copied().unwrap_or(0.0);
    let mut band = Vec::with_capacity(n_images + 2);
    band.push(first.clone());
    for k in 1..=n_images {
        let target = total * k as f64 / (n_images + 1) as f64;
        let seg = (0..chain.len() - 1)
            .find(|&i| s[i + 1] >= target)
            .unwrap_or(chain.len() - 2);
        let h = s[seg + 1] - s[seg];
        let t = if h > 0.0 { (target - s[seg]) / h } else { 0.0 };
        let mut img = first.clone();
        img.stored = None;
        for a in 0..img.len() {
            if !img.fixed[a] {
                img.positions[a] = chain[seg][a] + (chain[seg + 1][a] - chain[seg][a]) * t;
            }
        }
        band.push(img);
    }
    let mut last = points[points.len() - 1].clone();
    last.positions = chain[chain.len() - 1].clone();
    band.push(last);
    Ok(band)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::structure::Cell;

    fn pair(symbols: &[&str], x: f64) -> Structure {
        Structure::from_symbols(
            symbols,
            vec![Vector3::new(3.0, 0.5, 0.5), Vector3::new(x, 0.5, 0.5)],
        )
        .unwrap()
        .with_cell(Cell::orthorhombic(6.0, 6.0, 6.0), [true; 3])
        .unwrap()
    }

    #[test]
    fn validation_names_image_and_atom() {
        let a = pair(&["Cu", "Au"], 5.8);
        let b = pair(&["Cu", "Ag"], 5.5);
        let e = validate(&[a.clone(), b]).unwrap_err().to_string();
        assert!(
            e.contains("image 1, atom 1: Ag where image 0 has Au"),
            "{e}"
        );
        let mut c = pair(&["Cu", "Au"], 5.5);
        c.pbc = [true, true, false];
        assert!(validate(&[a.clone(), c])
            .unwrap_err()
            .to_string()
            .contains("pbc"));
        let mut d = pair(&["Cu", "Au"], 5.5);
        d.cell = Cell::orthorhombic(6.0, 6.0, 6.1);
        assert!(validate(&[a.clone(), d])
            .unwrap_err()
            .to_string()
            .contains("different cell"));
        let mut f = pair(&["Cu", "Au"], 5.5);
        f.fixed[0] = true;
        assert!(validate(&[a.clone(), f])
            .unwrap_err()
            .to_string()
            .contains("atom 0: fixed"));
        let g = Structure::from_symbols(&["Cu"], vec![Vector3::zeros()]).unwrap();
        assert!(validate(&[a.clone(), g])
            .unwrap_err()
            .to_string()
            .contains("has 1 atoms, expected 2"));
        let h = pair(&["Cu", "Au"], 3.1);
        let e = validate(&[a, h]).unwrap_err().to_string();
        assert!(
            e.contains("image 1: atoms 0 and 1 are 0.100 Å apart"),
            "{e}"
        );
    }

    #[test]
    fn linear_interpolation_uses_minimum_image() {
        // atom 1 moves from x = 5.8 to x = 0.2 across the boundary: 0.4 Å, not 5.6 Å
        let a = pair(&["Cu", "Au"], 5.8);
        let b = pair(&["Cu", "Au"], 0.2);
        let band = interpolate_linear(&a, &b, 3).unwrap();
        assert_eq!(band.len(), 5);
        let xs: Vec<f64> = band.iter().map(|s| s.positions[1].x).collect();
        for (k, x) in xs.iter().enumerate() {
            assert!((x - (5.8 + 0.1 * k as f64)).abs() < 1e-12, "{xs:?}");
        }
        let mic = a.minimum_image().unwrap();
        let s = reaction_coordinate(&mic, &band);
        assert!((s[4] - 0.4).abs() < 1e-12);
    }

    #[test]
    fn resampling_spaces_images_evenly_along_a_bent_path() {
        // atom 1 goes +x by 0.4 (across the boundary), then +y by 0.8: path length 1.2
        let a = pair(&["Cu", "Au"], 5.8);
        let b = pair(&["Cu", "Au"], 0.2);
        let mut c = b.clone();
        c.positions[1].y += 0.8;
        let band = resample(&[a.clone(), b, c], 5).unwrap();
        assert_eq!(band.len(), 7);
        let mic = a.minimum_image().unwrap();
        let s = reaction_coordinate(&mic, &band);
        for k in 1..7 {
            assert!((s[k] - s[k - 1] - 0.2).abs() < 1e-12, "{s:?}");
        }
        // image 2 is exactly at the corner (0.4 along x)
        assert!((band[2].positions[1].x - 6.2).abs() < 1e-12);
        assert!((band[2].positions[1].y - 0.5).abs() < 1e-12);
    }
}
