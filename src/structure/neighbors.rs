//! Linear-scaling neighbour lists (cell lists) for periodic triclinic, mixed and open boundaries.

use super::Structure;
use nalgebra::Vector3;

/// A full neighbour list: for every atom i, every atom j and lattice shift S with
/// `|r_j − r_i + S·cell| < cutoff`, except j = i with S = 0. Both (i, j, S) and (j, i, −S) are present.
/// Periodic images of an atom itself (j = i, S ≠ 0) are included, and so are several images of the
/// same pair when the cutoff is longer than a lattice vector.
///
/// Stored in compressed-row form: the entries of atom i are `start[i]..start[i + 1]`, ordered by j,
/// then by shift.
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
    /// For every entry (i, j, S), the index of its partner (j, i, −S), when computed (lists from a
    /// [`NeighborCache`] have it; it lets pair terms be evaluated once per unordered pair).
    pub reverse: Option<Vec<u32>>,
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
    /// Atoms are sorted into bins at least `cutoff / 2` wide along each lattice-plane normal; each atom
    /// visits the bins within reach, wrapping periodic axes with the corresponding lattice shifts. The
    /// cost is linear in the number of atoms at fixed density; rows are built in parallel (rayon) and
    /// sorted, so the list is the same for any thread count and any binning.
    ///
    /// # Errors
    /// A message for a degenerate periodic cell or a non-positive cutoff.
    pub fn build(structure: &Structure, cutoff: f64) -> Result<Self, String> {
        use rayon::prelude::*;
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
                    o[k] = fl as i32;
                    if f[k] >= 1.0 {
                        f[k] -= 1.0;
                        o[k] += 1;
                    }
                }
            }
            frac.push(f);
            offset.push(o);
        }
        let lattice = [0, 1, 2].map(|k| {
            if pbc[k] {
                structure.cell.vector(k)
            } else {
                Vector3::zeros()
            }
        });
        // wrapped Cartesian positions: r_i − o_i·L
        let wrapped: Vec<Vector3<f64>> = (0..n)
            .map(|i| {
                structure.positions[i]
                    - lattice[0] * f64::from(offset[i][0])
                    - lattice[1] * f64::from(offset[i][1])
                    - lattice[2] * f64::from(offset[i][2])
            })
            .collect();
        // bin geometry along each axis: origin, width (fractional), count, reach in bins
        const SUBDIVISIONS: f64 = 2.0;
        let mut lo = [0.0f64; 3];
        let mut width = [1.0f64; 3];
        let mut nbins = [1usize; 3];
        let mut reach = [0i64; 3];
        for k in 0..3 {
            let (min, extent) = if pbc[k] || n == 0 {
                (0.0, 1.0)
            } else {
                let min = frac.iter().map(|f| f[k]).fold(f64::INFINITY, f64::min);
                let max = frac.iter().map(|f| f[k]).fold(f64::NEG_INFINITY, f64::max);
                (min, (max - min).max(1e-9))
            };
            // perpendicular extent in Å = extent·spacing; bins no thinner than cutoff/2
            let perp = extent * spacing[k];
            let count = ((perp * SUBDIVISIONS / cutoff).floor() as usize).clamp(1, 1 << 12);
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
        type Entry = (u32, [i32; 3], Vector3<f64>, f64);
        // per axis, per bin, per offset: the bin reached and the lattice shift picked up (no integer
        // division in the inner loops)
        let steps: [Vec<Option<(usize, i32)>>; 3] = [0, 1, 2].map(|k| {
            let span = (2 * reach[k] + 1) as usize;
            let mut t = Vec::with_capacity(nbins[k] * span);
            for b in 0..nbins[k] {
                for d in -reach[k]..=reach[k] {
                    t.push(step(b, d, nbins[k], pbc[k]));
                }
            }
            t
        });
        let span = [0, 1, 2].map(|k| (2 * reach[k] + 1) as usize);
        let row_of = |i: usize| -> Vec<Entry> {
            let mut row: Vec<Entry> = Vec::with_capacity(64);
            let bi = bins[i];
            let wi = wrapped[i];
            let (oi0, oi1, oi2) = (offset[i][0], offset[i][1], offset[i][2]);
            for &st0 in &steps[0][bi[0] * span[0]..(bi[0] + 1) * span[0]] {
                let Some((b0, s0)) = st0 else { continue };
                let v0 = lattice[0] * f64::from(s0) - wi;
                for &st1 in &steps[1][bi[1] * span[1]..(bi[1] + 1) * span[1]] {
                    let Some((b1, s1)) = st1 else { continue };
                    let v1 = v0 + lattice[1] * f64::from(s1);
                    let base = (b0 * nbins[1] + b1) * nbins[2];
                    for &st2 in &steps[2][bi[2] * span[2]..(bi[2] + 1) * span[2]] {
                        let Some((b2, s2)) = st2 else { continue };
                        let shift_vec = v1 + lattice[2] * f64::from(s2);
                        let b = base + b2;
                        for &j in &bin_atoms[bin_start[b]..bin_start[b + 1]] {
                            let v = wrapped[j] + shift_vec;
                            let r2 = v.norm_squared();
                            if r2 < cut2 {
                                // shift relative to the original (unwrapped) positions
                                let s = [
                                    s0 + oi0 - offset[j][0],
                                    s1 + oi1 - offset[j][1],
                                    s2 + oi2 - offset[j][2],
                                ];
                                if j == i && s == [0, 0, 0] {
                                    continue;
                                }
                                row.push((j as u32, s, v, r2.sqrt()));
                            }
                        }
                    }
                }
            }
            // canonical order (by neighbour, then shift): the list, and every sum over it, is the same
            // however the atoms were binned, so cached and fresh lists give bitwise equal results
            row.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
            row
        };
        let rows: Vec<Vec<Entry>> = if crate::structure::neighbors::worth_parallel(n) {
            (0..n).into_par_iter().map(row_of).collect()
        } else {
            (0..n).map(row_of).collect()
        };
        let total: usize = rows.iter().map(Vec::len).sum();
        let mut list = NeighborList {
            cutoff,
            start: Vec::with_capacity(n + 1),
            neighbor: Vec::with_capacity(total),
            shift: Vec::with_capacity(total),
            vector: Vec::with_capacity(total),
            distance: Vec::with_capacity(total),
            reverse: None,
        };
        list.start.push(0);
        for row in rows {
            for (j, s, v, r) in row {
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

/// A small Verlet-style cache of neighbour lists, shared by all calls of one calculator.
///
/// Lists are built with `cutoff + skin`; a later structure with the same species, cell and pbc whose
/// atoms all moved less than `skin / 2` reuses a stored list: only the vectors and distances are
/// recomputed and the pairs beyond `cutoff` dropped, which is exact (a pair within `cutoff` now was
/// within `cutoff + skin` then). Several entries are kept (least recently used dropped) so that the
/// images of a band, evaluated by one calculator, each find their own list.
#[derive(Debug)]
pub struct NeighborCache {
    skin: f64,
    capacity: usize,
    entries: std::sync::Mutex<Vec<CacheEntry>>,
    clock: std::sync::atomic::AtomicU64,
}

#[derive(Debug)]
struct CacheEntry {
    numbers: Vec<u8>,
    cell: nalgebra::Matrix3<f64>,
    pbc: [bool; 3],
    cutoff: f64,
    positions: Vec<Vector3<f64>>,
    list: std::sync::Arc<NeighborList>,
    /// S·cell per entry of `list` [Å] (the cell is part of the key).
    shift_cart: std::sync::Arc<Vec<Vector3<f64>>>,
    used: u64,
}

impl Clone for NeighborCache {
    fn clone(&self) -> Self {
        NeighborCache::new(self.skin, self.capacity)
    }
}

impl Default for NeighborCache {
    fn default() -> Self {
        NeighborCache::new(0.3, 32)
    }
}

impl NeighborCache {
    /// A cache with Verlet `skin` [Å] holding up to `capacity` lists.
    pub fn new(skin: f64, capacity: usize) -> Self {
        NeighborCache {
            skin,
            capacity,
            entries: std::sync::Mutex::new(Vec::new()),
            clock: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// The neighbour list of `structure` with `cutoff` [Å], from the cache when possible.
    ///
    /// # Errors
    /// As [`NeighborList::build`].
    pub fn get(&self, structure: &Structure, cutoff: f64) -> Result<NeighborList, String> {
        let half_skin2 = (0.5 * self.skin).powi(2);
        let now = self
            .clock
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let found = {
            let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
            entries
                .iter_mut()
                .find(|e| {
                    e.cutoff == cutoff
                        && e.pbc == structure.pbc
                        && e.cell == structure.cell.matrix
                        && e.numbers == structure.numbers
                        && e.positions
                            .iter()
                            .zip(&structure.positions)
                            .all(|(a, b)| (a - b).norm_squared() < half_skin2)
                })
                .map(|e| {
                    e.used = now;
                    (e.list.clone(), e.shift_cart.clone())
                })
        };
        if let Some((list, shift_cart)) = found {
            return Ok(list.refresh(structure, cutoff, &shift_cart));
        }
        let mut wide = NeighborList::build(structure, cutoff + self.skin)?;
        wide.compute_reverse();
        let lattice = [0, 1, 2].map(|k| {
            if structure.pbc[k] {
                structure.cell.vector(k)
            } else {
                Vector3::zeros()
            }
        });
        let shift_cart: Vec<Vector3<f64>> = wide
            .shift
            .iter()
            .map(|s| {
                lattice[0] * f64::from(s[0])
                    + lattice[1] * f64::from(s[1])
                    + lattice[2] * f64::from(s[2])
            })
            .collect();
        let wide = std::sync::Arc::new(wide);
        let shift_cart = std::sync::Arc::new(shift_cart);
        let list = wide.refresh(structure, cutoff, &shift_cart);
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= self.capacity {
            if let Some(oldest) = (0..entries.len()).min_by_key(|&k| entries[k].used) {
                entries.swap_remove(oldest);
            }
        }
        entries.push(CacheEntry {
            numbers: structure.numbers.clone(),
            cell: structure.cell.matrix,
            pbc: structure.pbc,
            cutoff,
            positions: structure.positions.clone(),
            list: wide,
            shift_cart,
            used: now,
        });
        Ok(list)
    }
}

impl NeighborList {
    /// This list's pairs re-evaluated at the positions of `structure` and cut at `cutoff` [Å]
    /// (rows in parallel for large systems; the result does not depend on the thread count).
    /// `shift_cart[k]` is S·cell of entry k.
    fn refresh(
        &self,
        structure: &Structure,
        cutoff: f64,
        shift_cart: &[Vector3<f64>],
    ) -> NeighborList {
        use rayon::prelude::*;
        let cut2 = cutoff * cutoff;
        let n = structure.len();
        // pass 1: vectors of every stored pair, in parallel over rows for large systems
        let vector_of = |i: usize, k: usize| {
            structure.positions[self.neighbor[k] as usize] - structure.positions[i] + shift_cart[k]
        };
        let mut vectors = vec![Vector3::zeros(); self.n_pairs()];
        {
            let mut rest = &mut vectors[..];
            let mut rows = Vec::with_capacity(n);
            for i in 0..n {
                let (row, tail) = rest.split_at_mut(self.count(i));
                rows.push(row);
                rest = tail;
            }
            let fill = |(i, row): (usize, &mut [Vector3<f64>])| {
                for (v, k) in row.iter_mut().zip(self.range(i)) {
                    *v = vector_of(i, k);
                }
            };
            if worth_parallel(n) {
                rows.into_par_iter().enumerate().for_each(fill);
            } else {
                rows.into_iter().enumerate().for_each(fill);
            }
        }
        // common case: every stored pair is still within the cutoff (nothing in the skin shell):
        // share the index arrays as they are
        if vectors.iter().all(|v| v.norm_squared() < cut2) {
            let distance = vectors.iter().map(|v| v.norm()).collect();
            return NeighborList {
                cutoff,
                start: self.start.clone(),
                neighbor: self.neighbor.clone(),
                shift: self.shift.clone(),
                vector: vectors,
                distance,
                reverse: self.reverse.clone(),
            };
        }
        // pass 2: keep the pairs within the cutoff
        let mut out = NeighborList {
            cutoff,
            start: Vec::with_capacity(n + 1),
            neighbor: Vec::with_capacity(self.n_pairs()),
            shift: Vec::with_capacity(self.n_pairs()),
            vector: Vec::with_capacity(self.n_pairs()),
            distance: Vec::with_capacity(self.n_pairs()),
            reverse: None,
        };
        out.start.push(0);
        let mut new_index = vec![
            u32::MAX;
            if self.reverse.is_some() {
                self.n_pairs()
            } else {
                0
            }
        ];
        for i in 0..n {
            for k in self.range(i) {
                let v = vectors[k];
                let r2 = v.norm_squared();
                if r2 < cut2 {
                    if let Some(slot) = new_index.get_mut(k) {
                        *slot = out.neighbor.len() as u32;
                    }
                    out.neighbor.push(self.neighbor[k]);
                    out.shift.push(self.shift[k]);
                    out.vector.push(v);
                    out.distance.push(r2.sqrt());
                }
            }
            out.start.push(out.neighbor.len());
        }
        if let Some(rev) = &self.reverse {
            // the cut is symmetric (|v| is the same both ways), so partners survive together
            let mut reverse = vec![0u32; out.n_pairs()];
            for (k, &nk) in new_index.iter().enumerate() {
                if nk != u32::MAX {
                    reverse[nk as usize] = new_index[rev[k] as usize];
                }
            }
            out.reverse = Some(reverse);
        }
        out
    }

    /// Compute [`NeighborList::reverse`]: the partner (j, i, −S) of every entry (i, j, S).
    pub fn compute_reverse(&mut self) {
        use rayon::prelude::*;
        let n = self.start.len().saturating_sub(1);
        let find = |i: usize| -> Vec<u32> {
            self.range(i)
                .map(|k| {
                    let j = self.neighbor[k] as usize;
                    let s = self.shift[k];
                    let target = [-s[0], -s[1], -s[2]];
                    self.range(j)
                        .find(|&m| self.neighbor[m] as usize == i && self.shift[m] == target)
                        .map_or(u32::MAX, |m| m as u32)
                })
                .collect()
        };
        let rows: Vec<Vec<u32>> = if crate::structure::neighbors::worth_parallel(n) {
            (0..n).into_par_iter().map(find).collect()
        } else {
            (0..n).map(find).collect()
        };
        self.reverse = Some(rows.concat());
    }
}

/// True when splitting `n` atoms over rayon's threads pays for waking them (several threads,
/// ≥ 1000 atoms: measured on 500-atom EMT, waking a second thread costs more than it saves); one
/// thread or small systems run serially.
pub(crate) fn worth_parallel(n: usize) -> bool {
    n >= 1000 && rayon::current_num_threads() > 1
}
