//! Linear-scaling neighbour lists (cell lists) for periodic triclinic, mixed and open boundaries.

use super::Structure;
use nalgebra::Vector3;

/// A full neighbour list: for every atom i, every atom j and lattice shift S with
/// `|r_j − r_i + S·cell| < cutoff`, except j = i with S = 0. Both (i, j, S) and (j, i, −S) are present.
/// Periodic images of an atom itself (j = i, S ≠ 0) are included, and so are several images of the
/// same pair when the cutoff is longer than a lattice vector.
///
/// Stored in compressed-row form: the entries of atom i are `start[i]..start[i + 1]`, ordered by j,
/// then by shift, so the list is deterministic.
#[derive(Debug, Clone, Default)]
pub struct NeighborList {
    /// Cutoff [Å].
    pub cutoff: f64,
    /// Row starts, length n_atoms + 1.
    pub start: Vec<usize>,
    /// Neighbour atom index j.
    pub neighbor: Vec<u32>,
    /// Lattice shift S (integers along a, b, c).
    pub shift: Vec<[i32; 3]>,
    /// Displacement `r_j − r_i + S·cell` [Å].
    pub vector: Vec<Vector3<f64>>,
    /// Length of `vector` [Å].
    pub distance: Vec<f64>,
}

impl NeighborList {
    /// Entries of atom `i`.
    pub fn range(&self, i: usize) -> std::ops::Range<usize> {
        self.start[i]..self.start[i + 1]
    }

    /// Total number of (ordered) pairs.
    pub fn n_pairs(&self) -> usize {
        self.neighbor.len()
    }

    /// Number of neighbours of atom `i`.
    pub fn count(&self, i: usize) -> usize {
        self.start[i + 1] - self.start[i]
    }

    /// Build the list for `structure` with `cutoff` [Å].
    ///
    /// Atoms are sorted into bins at least `cutoff / m` wide along each lattice-plane normal; each atom
    /// visits the bins within reach, wrapping periodic axes with the corresponding lattice shifts. The
    /// cost is linear in the number of atoms at fixed density.
    ///
    /// # Errors
    /// A message for a degenerate periodic cell or a non-positive cutoff.
    pub fn build(structure: &Structure, cutoff: f64) -> Result<Self, String> {
        if !(cutoff > 0.0 && cutoff.is_finite()) {
            return Err(format!(
                "neighbour-list cutoff must be positive, got {cutoff}"
            ));
        }
        let n = structure.len();
        let pbc = structure.pbc;
        let basis = structure.cell.completed_basis(pbc)?;
        let inverse = basis
            .try_inverse()
            .ok_or_else(|| "singular cell".to_string())?;
        let spacing: [f64; 3] = [0, 1, 2].map(|k| 1.0 / inverse.column(k).norm());

        // fractional coordinates; periodic axes wrapped into [0, 1) with the integer offset recorded
        let mut frac = Vec::with_capacity(n);
        let mut offset = Vec::with_capacity(n);
        for p in &structure.positions {
            let mut f = (p.transpose() * inverse).transpose();
            let mut o = [0i32; 3];
            for k in 0..3 {
                if pbc[k] {
                    let fl = f[k].floor();
                    f[k] -= fl;
                    if f[k] >= 1.0 {
                        f[k] -= 1.0;
                        o[k] = fl as i32 + 1;
                    } else {
                        o[k] = fl as i32;
                    }
                }
            }
            frac.push(f);
            offset.push(o);
        }
        // bin geometry along each axis: origin, width (fractional), count, reach in bins
        let mut lo = [0.0f64; 3];
        let mut width = [1.0f64; 3];
        let mut nbins = [1usize; 3];
        let mut reach = [0i64; 3];
        for k in 0..3 {
            let (min, extent) = if pbc[k] {
                (0.0, 1.0)
            } else {
                let min = frac.iter().map(|f| f[k]).fold(f64::INFINITY, f64::min);
                let max = frac.iter().map(|f| f[k]).fold(f64::NEG_INFINITY, f64::max);
                if n == 0 {
                    (0.0, 1.0)
                } else {
                    (min, (max - min).max(1e-9))
                }
            };
            // perpendicular extent in Å = extent·spacing; bins no thinner than the cutoff
            let perp = extent * spacing[k];
            let count = ((perp / cutoff).floor() as usize).clamp(1, 1 << 16);
            lo[k] = min;
            width[k] = extent / count as f64;
            nbins[k] = count;
            let bin_perp = width[k] * spacing[k];
            reach[k] = (cutoff / bin_perp).ceil() as i64;
            if !pbc[k] {
                reach[k] = reach[k].min(count as i64);
            }
        }
        let bin_of = |f: &Vector3<f64>| -> [usize; 3] {
            [0, 1, 2].map(|k| {
                let b = ((f[k] - lo[k]) / width[k]).floor();
                (b.max(0.0) as usize).min(nbins[k] - 1)
            })
        };
        let flat = |b: [usize; 3]| (b[0] * nbins[1] + b[1]) * nbins[2] + b[2];
        let total_bins = nbins[0] * nbins[1] * nbins[2];
        // counting sort of atoms into bins
        let mut bin_start = vec![0usize; total_bins + 1];
        let bins: Vec<[usize; 3]> = frac.iter().map(bin_of).collect();
        for b in &bins {
            bin_start[flat(*b) + 1] += 1;
        }
        for i in 0..total_bins {
            bin_start[i + 1] += bin_start[i];
        }
        let mut fill = bin_start.clone();
        let mut bin_atoms = vec![0usize; n];
        for (i, b) in bins.iter().enumerate() {
            let f = flat(*b);
            bin_atoms[fill[f]] = i;
            fill[f] += 1;
        }

        let cut2 = cutoff * cutoff;
        let lattice = [0, 1, 2].map(|k| {
            if pbc[k] {
                structure.cell.vector(k)
            } else {
                Vector3::zeros()
            }
        });
        let mut list = NeighborList {
            cutoff,
            start: Vec::with_capacity(n + 1),
            ..Default::default()
        };
        list.start.push(0);
        let mut row: Vec<(u32, [i32; 3], Vector3<f64>, f64)> = Vec::new();
        for i in 0..n {
            row.clear();
            let bi = bins[i];
            let pi = structure.positions[i];
            for d0 in -reach[0]..=reach[0] {
                let Some((b0, s0)) = step(bi[0], d0, nbins[0], pbc[0]) else {
                    continue;
                };
                for d1 in -reach[1]..=reach[1] {
                    let Some((b1, s1)) = step(bi[1], d1, nbins[1], pbc[1]) else {
                        continue;
                    };
                    for d2 in -reach[2]..=reach[2] {
                        let Some((b2, s2)) = step(bi[2], d2, nbins[2], pbc[2]) else {
                            continue;
                        };
                        let b = flat([b0, b1, b2]);
                        for &j in &bin_atoms[bin_start[b]..bin_start[b + 1]] {
                            // shift relative to the original (unwrapped) positions
                            let s = [
                                s0 + offset[i][0] - offset[j][0],
                                s1 + offset[i][1] - offset[j][1],
                                s2 + offset[i][2] - offset[j][2],
                            ];
                            if j == i && s == [0, 0, 0] {
                                continue;
                            }
                            let v = structure.positions[j] - pi
                                + lattice[0] * f64::from(s[0])
                                + lattice[1] * f64::from(s[1])
                                + lattice[2] * f64::from(s[2]);
                            let r2 = v.norm_squared();
                            if r2 < cut2 {
                                row.push((j as u32, s, v, r2.sqrt()));
                            }
                        }
                    }
                }
            }
            row.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
            row.dedup_by(|a, b| a.0 == b.0 && a.1 == b.1);
            for (j, s, v, r) in row.drain(..) {
                list.neighbor.push(j);
                list.shift.push(s);
                list.vector.push(v);
                list.distance.push(r);
            }
            list.start.push(list.neighbor.len());
        }
        Ok(list)
    }
}

/// Move `delta` bins from `bin` along an axis with `count` bins: the new bin and the lattice shift
/// picked up by wrapping (periodic), or `None` when it leaves an open axis.
fn step(bin: usize, delta: i64, count: usize, periodic: bool) -> Option<(usize, i32)> {
    let target = bin as i64 + delta;
    let c = count as i64;
    if periodic {
        Some((target.rem_euclid(c) as usize, target.div_euclid(c) as i32))
    } else if (0..c).contains(&target) {
        Some((target as usize, 0))
    } else {
        None
    }
}

/// Per atom: (neighbour, lattice shift, distance [Å]).
pub type BruteForceList = Vec<Vec<(usize, [i32; 3], f64)>>;

/// Brute-force neighbour search over all images within reach (for tests and tiny systems).
///
/// # Errors
/// A message for a degenerate periodic cell.
pub fn brute_force(structure: &Structure, cutoff: f64) -> Result<BruteForceList, String> {
    let basis = structure.cell.completed_basis(structure.pbc)?;
    let inverse = basis
        .try_inverse()
        .ok_or_else(|| "singular cell".to_string())?;
    let mut range = [0i32; 3];
    // positions may be anywhere: reach = cutoff + span of the atoms, in plane spacings
    for k in 0..3 {
        if structure.pbc[k] {
            let spacing = 1.0 / inverse.column(k).norm();
            let fr: Vec<f64> = structure
                .positions
                .iter()
                .map(|p| (p.transpose() * inverse)[k])
                .collect();
            let span = fr.iter().cloned().fold(f64::NEG_INFINITY, f64::max)
                - fr.iter().cloned().fold(f64::INFINITY, f64::min);
            range[k] = (cutoff / spacing + span).ceil() as i32 + 1;
        }
    }
    let mut out = vec![Vec::new(); structure.len()];
    for i in 0..structure.len() {
        for j in 0..structure.len() {
            for a in -range[0]..=range[0] {
                for b in -range[1]..=range[1] {
                    for c in -range[2]..=range[2] {
                        if i == j && a == 0 && b == 0 && c == 0 {
                            continue;
                        }
                        let v = structure.positions[j] - structure.positions[i]
                            + structure.cell.vector(0) * f64::from(a)
                            + structure.cell.vector(1) * f64::from(b)
                            + structure.cell.vector(2) * f64::from(c);
                        let r = v.norm();
                        if r < cutoff {
                            out[i].push((j, [a, b, c], r));
                        }
                    }
                }
            }
        }
        out[i].sort_by(|x, y| x.0.cmp(&y.0).then(x.1.cmp(&y.1)));
    }
    Ok(out)
}
