//! The vacuum level from a VASP `LOCPOT` (or any CHGCAR-format potential file): the planar average
//! of the potential along one lattice vector and its maximum, the convention of pymatgen's
//! `WorkFunctionAnalyzer` (the vacuum plateau; with a dipole correction, the higher of the two).
//!
//! The file is read as text and streamed into the planar sums: memory is one number per plane,
//! bounded by the file's size, never the whole grid.

use super::dft::{err, ImportError};
use std::path::Path;

/// The planar average of a LOCPOT and its vacuum level.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanarAverage {
    /// Lattice vector averaged along: 0, 1, 2 = a, b, c.
    pub axis: usize,
    /// Planar-averaged potential per grid plane along `axis` [eV, VASP's scale, the one of E-fermi].
    pub values: Vec<f64>,
    /// Vacuum level: the largest planar average [eV].
    pub vacuum_level: f64,
    /// Fractional coordinate of that plane along `axis`.
    pub at_fraction: f64,
}

/// Read `path` and average along `axis` (0 = a, 1 = b, 2 = c).
///
/// # Errors
/// [`ImportError`] naming file and line for a foreign, malformed or truncated file.
pub fn planar_average(path: &Path, axis: usize) -> Result<PlanarAverage, ImportError> {
    if axis > 2 {
        return Err(err(
            path,
            0,
            format!("axis {axis}: give 0, 1 or 2 (a, b, c)"),
        ));
    }
    let text = super::dft::read_text(path)?;
    let nlines = text.lines().count();
    let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l));
    let mut next = |what: &str| {
        lines.next().ok_or_else(|| {
            err(
                path,
                nlines,
                format!("ends before {what}: a truncated LOCPOT"),
            )
        })
    };
    next("the comment line")?;
    let (ln, scale) = next("the scale line")?;
    let scale_ok = scale
        .split_whitespace()
        .next()
        .and_then(|t| t.parse::<f64>().ok())
        .is_some_and(|s| s.is_finite() && s != 0.0);
    if !scale_ok {
        return Err(err(
            path,
            ln,
            "not a LOCPOT: the second line is not a scale factor",
        ));
    }
    for k in 0..3 {
        let (ln, l) = next("the lattice vectors")?;
        let v: Vec<f64> = l
            .split_whitespace()
            .take(3)
            .filter_map(|t| t.parse::<f64>().ok())
            .filter(|x| x.is_finite())
            .collect();
        if v.len() != 3 {
            return Err(err(
                path,
                ln,
                format!("lattice vector {}: three numbers expected", k + 1),
            ));
        }
    }
    // VASP 5 has a line of species names before the counts; VASP 4 has only the counts
    let (mut ln, mut l) = next("the atom counts")?;
    let as_counts = |l: &str| -> Option<Vec<usize>> {
        l.split_whitespace()
            .map(|t| t.parse::<usize>().ok())
            .collect::<Option<Vec<_>>>()
            .filter(|v| !v.is_empty())
    };
    if as_counts(l).is_none() {
        (ln, l) = next("the atom counts")?;
    }
    let counts =
        as_counts(l).ok_or_else(|| err(path, ln, "not a LOCPOT: no line of atom counts"))?;
    let natoms = counts
        .iter()
        .try_fold(0usize, |a, &n| a.checked_add(n))
        .filter(|&n| n > 0 && n <= text.len() / 8)
        .ok_or_else(|| err(path, ln, "atom counts do not fit the file"))?;
    let (mut ln, mut l) = next("the coordinate mode")?;
    if l.trim_start().starts_with(['S', 's']) {
        (ln, l) = next("the coordinate mode")?;
    }
    if !l.trim_start().starts_with(['D', 'd', 'C', 'c', 'K', 'k']) {
        return Err(err(path, ln, "expected Direct or Cartesian"));
    }
    for _ in 0..natoms {
        next("the end of the atom positions")?;
    }
    // blank line(s), then the grid
    let (ln, grid) = loop {
        let (ln, l) = next("the grid dimensions")?;
        if !l.trim().is_empty() {
            break (ln, l);
        }
    };
    let dims: Vec<usize> = grid
        .split_whitespace()
        .map(|t| t.parse::<usize>().ok())
        .collect::<Option<Vec<_>>>()
        .filter(|v| v.len() == 3 && v.iter().all(|&n| n > 0))
        .ok_or_else(|| err(path, ln, "expected the grid dimensions NGX NGY NGZ"))?;
    let total = dims[0]
        .checked_mul(dims[1])
        .and_then(|n| n.checked_mul(dims[2]))
        .filter(|&n| n <= text.len() / 2)
        .ok_or_else(|| {
            err(
                path,
                ln,
                format!("grid {dims:?} needs more values than the file holds: a truncated or foreign LOCPOT"),
            )
        })?;
    let (nx, ny) = (dims[0], dims[1]);
    let mut sums = vec![0.0f64; dims[axis]];
    let mut i = 0usize;
    let mut last_line = ln;
    'read: for (ln, l) in lines {
        last_line = ln;
        for t in l.split_whitespace() {
            if i == total {
                break 'read; // a second block (spin, augmentation) follows: not needed
            }
            let v: f64 = t
                .parse()
                .ok()
                .filter(|x: &f64| x.is_finite())
                .ok_or_else(|| err(path, ln, format!("\"{t}\" is not a number")))?;
            let plane = match axis {
                0 => i % nx,
                1 => (i / nx) % ny,
                _ => i / (nx * ny),
            };
            sums[plane] += v;
            i += 1;
        }
    }
    if i < total {
        return Err(err(
            path,
            last_line,
            format!("{i} of the {total} grid values: a truncated LOCPOT"),
        ));
    }
    let per_plane = (total / dims[axis]) as f64;
    let values: Vec<f64> = sums.iter().map(|s| s / per_plane).collect();
    let (k, vacuum_level) =
        values
            .iter()
            .copied()
            .enumerate()
            .fold(
                (0, f64::NEG_INFINITY),
                |b, (k, v)| if v > b.1 { (k, v) } else { b },
            );
    Ok(PlanarAverage {
        axis,
        at_fraction: k as f64 / dims[axis] as f64,
        values,
        vacuum_level,
    })
}
