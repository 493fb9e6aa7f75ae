//! Generic building blocks: graphene sheets with N4 divacancy sites, g-C3N4 sheets, NiAs-type NiS
//! slabs, fcc slabs with adatom hops, fcc-fragment clusters and the Pd10 tetrahedron.
//!
//! Hexagonal cells use a1 = (a, 0, 0), a2 = (−a/2, a√3/2, 0) (γ = 120°) and vacuum along z, as in
//! `SEED_SYSTEMS.md`.

use crate::structure::{elements, Cell, Structure};
use nalgebra::Vector3;

/// A hexagonal cell of lattice constant `a` [Å] repeated n1 × n2, height `c` [Å].
pub fn hexagonal_cell(a: f64, n1: usize, n2: usize, c: f64) -> Cell {
    Cell::from_rows([
        [a * n1 as f64, 0.0, 0.0],
        [-a / 2.0 * n2 as f64, a * 3f64.sqrt() / 2.0 * n2 as f64, 0.0],
        [0.0, 0.0, c],
    ])
}

fn structure(
    symbols: &[&str],
    positions: Vec<Vector3<f64>>,
    cell: Cell,
    pbc: [bool; 3],
) -> Structure {
    Structure::from_symbols(symbols, positions)
        .expect("builders use known elements")
        .with_cell(cell, pbc)
        .expect("builders make valid cells")
}

/// Graphene, lattice constant 2.46 Å (C–C 1.420 Å), n × n, in a cell of height `c` with the sheet at
/// z = c/2; pbc (T, T, F) — the sheet is periodic in-plane, vacuum along z.
pub fn graphene(n: usize, c: f64) -> Structure {
    let a = 2.46;
    let cell = hexagonal_cell(a, n, n, c);
    let a1 = Vector3::new(a, 0.0, 0.0);
    let a2 = Vector3::new(-a / 2.0, a * 3f64.sqrt() / 2.0, 0.0);
    let mut pos = Vec::new();
    for i in 0..n {
        for j in 0..n {
            for f in [[0.0, 0.0], [1.0 / 3.0, 2.0 / 3.0]] {
                let p = a1 * (i as f64 + f[0])
                    + a2 * (j as f64 + f[1])
                    + Vector3::new(0.0, 0.0, c / 2.0);
                pos.push(p);
            }
        }
    }
    structure(&vec!["C"; pos.len()], pos, cell, [true, true, false])
}

/// Make a pyridinic N4 divacancy in a graphene sheet: remove the vertical C–C pair nearest to
/// `near` (x, y) and turn the four C bonded to it into N. Returns the sheet and the site centre (Å).
/// An unrelaxed metal at the centre has M–N = 1.879 Å.
pub fn n4_site(sheet: &Structure, near: Vector3<f64>) -> (Structure, Vector3<f64>) {
    let mic = sheet.minimum_image().expect("valid cell");
    // vertical bonds: an A atom and the B atom 1.42 Å above it in y
    let mut best: Option<(f64, usize, usize)> = None;
    for i in 0..sheet.len() {
        for j in 0..sheet.len() {
            let d = mic.displacement(&(sheet.positions[j] - sheet.positions[i]));
            if (d.y - 1.42).abs() < 0.02 && d.x.abs() < 0.02 {
                let centre = sheet.positions[i] + d / 2.0;
                let dist = mic.displacement(&(centre - near)).xy().norm();
                if best.is_none_or(|b| dist < b.0) {
                    best = Some((dist, i, j));
                }
            }
        }
    }
    let (_, i, j) = best.expect("a graphene sheet has vertical bonds");
    let centre =
        sheet.positions[i] + mic.displacement(&(sheet.positions[j] - sheet.positions[i])) / 2.0;
    let mut out = sheet.clone();
    // the four C bonded to the removed pair
    let neighbours: Vec<usize> = (0..sheet.len())
        .filter(|&k| k != i && k != j)
        .filter(|&k| {
            [i, j].iter().any(|&m| {
                (mic.displacement(&(sheet.positions[k] - sheet.positions[m]))
                    .norm()
                    - 1.42)
                    .abs()
                    < 0.02
            })
        })
        .collect();
    for k in neighbours {
        out.numbers[k] = 7;
    }
    let keep: Vec<usize> = (0..sheet.len()).filter(|&k| k != i && k != j).collect();
    (select(&out, &keep), centre)
}

/// The atoms `indices` of `s`, in that order.
pub fn select(s: &Structure, indices: &[usize]) -> Structure {
    let mut out = s.clone();
    out.numbers = indices.iter().map(|&k| s.numbers[k]).collect();
    out.positions = indices.iter().map(|&k| s.positions[k]).collect();
    out.fixed = indices.iter().map(|&k| s.fixed[k]).collect();
    out.stored = None;
    out
}

/// Append atoms to a structure.
pub fn append(s: &mut Structure, symbol: &str, positions: &[Vector3<f64>], fixed: bool) {
    let z = elements::number_of(symbol).expect("known element");
    for p in positions {
        s.numbers.push(z);
        s.positions.push(*p);
        s.fixed.push(fixed);
    }
}

/// Planar heptazine g-C3N4 (C6N8 per cell, a = 7.135 Å), n × n, sheet at z = c/2, pbc (T, T, F).
/// Fractional coordinates from `SEED_SYSTEMS.md` (γ = 120° convention).
pub fn gc3n4(n: usize, c: f64) -> Structure {
    let a = 7.135;
    let cell = hexagonal_cell(a, n, n, c);
    let carbon = [
        [0.0952, 0.5476],
        [0.4524, 0.9048],
        [0.4524, 0.5476],
        [0.7794, 0.5587],
        [0.7794, 0.2206],
        [0.4412, 0.2206],
    ];
    let nitrogen = [
        [0.3333, 0.6667],
        [0.6684, 0.0053],
        [0.3368, 0.3316],
        [0.9947, 0.6632],
        [0.9947, 0.3316],
        [0.3368, 0.0053],
        [0.6684, 0.6632],
        [0.6667, 0.3333],
    ];
    let a1 = Vector3::new(a, 0.0, 0.0);
    let a2 = Vector3::new(-a / 2.0, a * 3f64.sqrt() / 2.0, 0.0);
    let mut symbols = Vec::new();
    let mut pos = Vec::new();
    for i in 0..n {
        for j in 0..n {
            for (sym, list) in [("C", &carbon[..]), ("N", &nitrogen[..])] {
                for f in list {
                    symbols.push(sym);
                    pos.push(
                        a1 * (i as f64 + f[0])
                            + a2 * (j as f64 + f[1])
                            + Vector3::new(0.0, 0.0, c / 2.0),
                    );
                }
            }
        }
    }
    structure(&symbols, pos, cell, [true, true, false])
}

/// A buckled (corrugated) heptazine g-C3N4 sheet, n × n (n even), sheet centred at z = c/2, pbc
/// (T, T, F): the 2×2 motif [`GC3N4_BUCKLED_2X2`] tiled.
///
/// # Errors
/// An odd `n` (the motif spans 2×2 cells).
pub fn gc3n4_buckled(n: usize, c: f64) -> Result<Structure, String> {
    if n == 0 || n % 2 != 0 {
        return Err(format!(
            "the buckled g-C3N4 sheet repeats every 2×2 cells: --supercell must be even, got {n}"
        ));
    }
    let a = 7.135;
    let cell = hexagonal_cell(a, n, n, c);
    let b1 = Vector3::new(2.0 * a, 0.0, 0.0);
    let b2 = Vector3::new(-a, a * 3f64.sqrt(), 0.0);
    // species of the motif: the planar 2×2 sheet's order (C6N8 per cell)
    let planar = gc3n4(2, c);
    let mut symbols = Vec::new();
    let mut pos = Vec::new();
    for i in 0..n / 2 {
        for j in 0..n / 2 {
            for (k, (fx, fy, dz)) in GC3N4_BUCKLED_2X2.iter().enumerate() {
                symbols.push(elements::symbol_of(planar.numbers[k]));
                pos.push(
                    b1 * (i as f64 + fx)
                        + b2 * (j as f64 + fy)
                        + Vector3::new(0.0, 0.0, c / 2.0 + dz),
                );
            }
        }
    }
    Ok(structure(&symbols, pos, cell, [true, true, false]))
}

/// The buckled g-C3N4 motif: fractional coordinates in the 2×2 cell (a = 2 × 7.135 Å, γ = 120°) and
/// heights from the mean plane [Å], atoms in the order of `gc3n4(2, _)`. It is the planar sheet
/// with Gaussian z noise (σ = 0.3 Å) relaxed with nebkit's SevenNet-0 (every atom free, cell fixed)
/// to fmax 0.002 eV/Å: 0.85 eV per 2×2 cell below the planar sheet (−471.561 vs −470.711 eV),
/// heights ±0.50 Å, in-plane shifts ≤ 0.09 Å (session of 2026-12-03, `nebkit` 0.1.0 + sevennet).
pub const GC3N4_BUCKLED_2X2: [(f64, f64, f64); 56] = [
    (0.046893, 0.273914, -0.118058),
    (0.226106, 0.453159, 0.125230),
    (0.226333, 0.273716, 0.001243),
    (0.387458, 0.276779, 0.319333),
    (0.389678, 0.110319, -0.003184),
    (0.223187, 0.112588, -0.320850),
    (0.166040, 0.334035, 0.002671),
    (0.332843, 0.002403, 0.112394),
    (0.175369, 0.172579, -0.496193),
    (0.495798, 0.328040, 0.481913),
    (0.497585, 0.167163, -0.120450),
    (0.171892, 0.004254, -0.484520),
    (0.327507, 0.324604, 0.497232),
    (0.333153, 0.166846, -0.001483),
    (0.046861, 0.773889, 0.117549),
    (0.226072, 0.953165, -0.126055),
    (0.226319, 0.773708, -0.002474),
    (0.387485, 0.776777, -0.319096),
    (0.389725, 0.610331, 0.004478),
    (0.223184, 0.612565, 0.319421),
    (0.166011, 0.834016, -0.003935),
    (0.332900, 0.502411, -0.112279),
    (0.175317, 0.672531, 0.493313),
    (0.495813, 0.828013, -0.482065),
    (0.497634, 0.667202, 0.123662),
    (0.171911, 0.504250, 0.483509),
    (0.327539, 0.824622, -0.496823),
    (0.333171, 0.666852, 0.001603),
    (0.546849, 0.273900, 0.120394),
    (0.726087, 0.453115, -0.127243),
    (0.726292, 0.273637, -0.001924),
    (0.887472, 0.276714, -0.318222),
    (0.889768, 0.110320, 0.008257),
    (0.723182, 0.112507, 0.320545),
    (0.666008, 0.333981, -0.002848),
    (0.832974, 0.002386, -0.107087),
    (0.675274, 0.172445, 0.493260),
    (0.995787, 0.327953, -0.482196),
    (0.997679, 0.167235, 0.127366),
    (0.671902, 0.004194, 0.484393),
    (0.827515, 0.324544, -0.496080),
    (0.833186, 0.166812, 0.003629),
    (0.546890, 0.773920, -0.118957),
    (0.726138, 0.953116, 0.127586),
    (0.726304, 0.773641, 0.002226),
    (0.887460, 0.776713, 0.318007),
    (0.889721, 0.610304, -0.007847),
    (0.723147, 0.612510, -0.320345),
    (0.666043, 0.833997, 0.003622),
    (0.832921, 0.502382, 0.107045),
    (0.675282, 0.672469, -0.493931),
    (0.995798, 0.827983, 0.480464),
    (0.997624, 0.667193, -0.126222),
    (0.671836, 0.504177, -0.483510),
    (0.827515, 0.824529, 0.496955),
    (0.833162, 0.666795, -0.003427),
];

/// g-C3N4 fractional (x, y) → Cartesian in the unit cell.
pub fn gc3n4_point(fx: f64, fy: f64, z: f64) -> Vector3<f64> {
    let a = 7.135;
    Vector3::new(a, 0.0, 0.0) * fx
        + Vector3::new(-a / 2.0, a * 3f64.sqrt() / 2.0, 0.0) * fy
        + Vector3::new(0.0, 0.0, z)
}

/// NiAs-type NiS (P6₃/mmc, a = 3.4395, c = 5.3514 Å) as a (001) slab: n × n in-plane, `cells` unit cells
/// along c (2 Ni + 2 S layers each), `vacuum` Å above and below, pbc (T, T, F). Atoms are ordered by
/// height, bottom first.
pub fn nis_001(n: usize, cells: usize, vacuum: f64) -> Structure {
    let (a, c) = (3.4395, 5.3514);
    let height = c * cells as f64;
    let cell = hexagonal_cell(a, n, n, height + 2.0 * vacuum);
    let a1 = Vector3::new(a, 0.0, 0.0);
    let a2 = Vector3::new(-a / 2.0, a * 3f64.sqrt() / 2.0, 0.0);
    let mut atoms: Vec<(&str, Vector3<f64>)> = Vec::new();
    for k in 0..cells {
        for (sym, f) in [
            ("Ni", [0.0, 0.0, 0.0]),
            ("S", [1.0 / 3.0, 2.0 / 3.0, 0.25]),
            ("Ni", [0.0, 0.0, 0.5]),
            ("S", [2.0 / 3.0, 1.0 / 3.0, 0.75]),
        ] {
            for i in 0..n {
                for j in 0..n {
                    let p = a1 * (i as f64 + f[0])
                        + a2 * (j as f64 + f[1])
                        + Vector3::new(0.0, 0.0, vacuum + c * (k as f64 + f[2]));
                    atoms.push((sym, p));
                }
            }
        }
    }
    let symbols: Vec<&str> = atoms.iter().map(|a| a.0).collect();
    structure(
        &symbols,
        atoms.iter().map(|a| a.1).collect(),
        cell,
        [true, true, false],
    )
}

/// NiAs-type NiS as a non-polar, stoichiometric (100) slab (the (10-10) planes, spanned by a2 and c):
/// `blocks` S | Ni2 | S blocks along a1 (cut between the two S layers), n × m (a2, c) surface cells,
/// rotated so that the surface normal is z; `vacuum` Å on each side; pbc (T, T, F).
pub fn nis_100(n: usize, m: usize, blocks: usize, vacuum: f64) -> Structure {
    let (a, c) = (3.4395, 5.3514);
    let a1 = Vector3::new(a, 0.0, 0.0);
    let a2 = Vector3::new(-a / 2.0, a * 3f64.sqrt() / 2.0, 0.0);
    let a3 = Vector3::new(0.0, 0.0, c);
    let basis: [(&str, [f64; 3]); 4] = [
        ("Ni", [0.0, 0.0, 0.0]),
        ("Ni", [0.0, 0.0, 0.5]),
        ("S", [1.0 / 3.0, 2.0 / 3.0, 0.25]),
        ("S", [2.0 / 3.0, 1.0 / 3.0, 0.75]),
    ];
    // new frame: x along a2, y along c, z along the plane normal (a2 × c)
    let ex = a2.normalize();
    let ey = a3.normalize();
    let ez = ex.cross(&ey);
    let to_frame = |v: Vector3<f64>| Vector3::new(v.dot(&ex), v.dot(&ey), v.dot(&ez));
    let mut atoms: Vec<(&str, Vector3<f64>, f64)> = Vec::new();
    for i in -1..=(blocks as i64) {
        for j in -2..=(n as i64 + 2) {
            for k in 0..m as i64 {
                for (sym, f) in basis {
                    // the slab keeps fractional a1 coordinates in (−1/2, blocks − 1/2): S | Ni2 | S blocks
                    let f1 = i as f64 + f[0];
                    if !(f1 > -0.5 && f1 < blocks as f64 - 0.5) {
                        continue;
                    }
                    let v = a1 * f1 + a2 * (j as f64 + f[1]) + a3 * (k as f64 + f[2]);
                    atoms.push((sym, to_frame(v), f1));
                }
            }
        }
    }
    // keep one copy per in-plane cell: wrap x into [0, n·a) along ex (a2 and c are orthogonal)
    let lx = a * n as f64;
    let ly = c * m as f64;
    let mut kept: Vec<(&str, Vector3<f64>)> = Vec::new();
    for (sym, mut p, _) in atoms {
        p.x = p.x.rem_euclid(lx);
        p.y = p.y.rem_euclid(ly);
        if p.x > lx - 1e-6 {
            p.x = 0.0;
        }
        if p.y > ly - 1e-6 {
            p.y = 0.0;
        }
        if !kept
            .iter()
            .any(|(s2, q)| *s2 == sym && (q - p).norm() < 1e-6)
        {
            kept.push((sym, p));
        }
    }
    let zmin = kept.iter().map(|k| k.1.z).fold(f64::INFINITY, f64::min);
    let zmax = kept.iter().map(|k| k.1.z).fold(f64::NEG_INFINITY, f64::max);
    kept.sort_by(|x, y| {
        x.1.z
            .total_cmp(&y.1.z)
            .then(x.1.x.total_cmp(&y.1.x))
            .then(x.1.y.total_cmp(&y.1.y))
    });
    let cell = Cell::from_rows([
        [lx, 0.0, 0.0],
        [0.0, ly, 0.0],
        [0.0, 0.0, zmax - zmin + 2.0 * vacuum],
    ]);
    let symbols: Vec<&str> = kept.iter().map(|k| k.0).collect();
    let positions = kept
        .iter()
        .map(|k| k.1 - Vector3::new(0.0, 0.0, zmin - vacuum))
        .collect();
    structure(&symbols, positions, cell, [true, true, false])
}

/// Surface facets of fcc slabs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FccFacet {
    /// (100), square surface cell of side a/√2.
    F100,
    /// (111), hexagonal surface cell of side a/√2, ABC stacking.
    F111,
    /// (110), rectangular surface cell a × a/√2.
    F110,
}

/// An fcc slab: element, lattice constant a [Å], facet, n1 × n2 surface cells, layers, vacuum [Å] on
/// each side, and the number of bottom layers fixed.
#[derive(Debug, Clone, PartialEq)]
pub struct FccSlab {
    /// Element symbol.
    pub element: String,
    /// Lattice constant [Å].
    pub a: f64,
    /// Facet.
    pub facet: FccFacet,
    /// Surface cells along the two in-plane vectors and number of layers.
    pub size: [usize; 3],
    /// Vacuum on each side [Å].
    pub vacuum: f64,
    /// Bottom layers held fixed.
    pub fixed_layers: usize,
}

impl FccSlab {
    /// The slab: pbc (T, T, F), atoms ordered bottom layer first, geometry as ASE's
    /// `fcc100/fcc111/fcc110` (orthogonal or hexagonal surface cells).
    pub fn build(&self) -> Structure {
        let a = self.a;
        let d = a / 2f64.sqrt();
        let (v1, v2, dz) = match self.facet {
            FccFacet::F100 => (
                Vector3::new(d, 0.0, 0.0),
                Vector3::new(0.0, d, 0.0),
                a / 2.0,
            ),
            FccFacet::F111 => (
                Vector3::new(d, 0.0, 0.0),
                Vector3::new(d / 2.0, d * 3f64.sqrt() / 2.0, 0.0),
                a / 3f64.sqrt(),
            ),
            FccFacet::F110 => (
                Vector3::new(a, 0.0, 0.0),
                Vector3::new(0.0, d, 0.0),
                d / 2.0,
            ),
        };
        let layer_shift = |l: usize| -> Vector3<f64> {
            match self.facet {
                FccFacet::F100 if l % 2 == 1 => Vector3::new(d / 2.0, d / 2.0, 0.0),
                FccFacet::F110 if l % 2 == 1 => Vector3::new(a / 2.0, d / 2.0, 0.0),
                FccFacet::F111 => (v1 + v2) / 3.0 * (l % 3) as f64,
                _ => Vector3::zeros(),
            }
        };
        let [n1, n2, layers] = self.size;
        let height = dz * (layers as f64 - 1.0);
        let cell = Cell::from_rows([
            [v1.x * n1 as f64, v1.y * n1 as f64, 0.0],
            [v2.x * n2 as f64, v2.y * n2 as f64, 0.0],
            [0.0, 0.0, height + 2.0 * self.vacuum],
        ]);
        let mut pos = Vec::new();
        let mut fixed = Vec::new();
        for l in 0..layers {
            for i in 0..n1 {
                for j in 0..n2 {
                    pos.push(
                        v1 * i as f64
                            + v2 * j as f64
                            + layer_shift(l)
                            + Vector3::new(0.0, 0.0, self.vacuum + dz * l as f64),
                    );
                    fixed.push(l < self.fixed_layers);
                }
            }
        }
        let mut s = structure(
            &vec![self.element.as_str(); pos.len()],
            pos,
            cell,
            [true, true, false],
        );
        s.fixed = fixed;
        s
    }

    /// An adatom hop on the slab: the slab with `element` at `from` and at `to` (in-plane positions
    /// [Å]) `height` Å above the top layer, same atom order in both.
    pub fn adatom_hop(
        &self,
        element: &str,
        from: [f64; 2],
        to: [f64; 2],
        height: f64,
    ) -> (Structure, Structure) {
        let slab = self.build();
        let top = slab
            .positions
            .iter()
            .map(|p| p.z)
            .fold(f64::NEG_INFINITY, f64::max);
        let mut initial = slab.clone();
        append(
            &mut initial,
            element,
            &[Vector3::new(from[0], from[1], top + height)],
            false,
        );
        let mut final_ = initial.clone();
        let last = final_.len() - 1;
        final_.positions[last] = Vector3::new(to[0], to[1], top + height);
        (initial, final_)
    }
}

/// The 10-atom fcc tetrahedron (Td "tetracapped octahedron") with nearest-neighbour distance `d` [Å],
/// base (111) face at z = 0, centred on the base centroid (SEED_SYSTEMS.md coordinates for d = 2.70).
pub fn tetrahedron10(d: f64) -> Vec<Vector3<f64>> {
    let s = d / 2.70;
    [
        [-2.7000, -1.5588, 0.0],
        [-1.3500, 0.7794, 0.0],
        [0.0, 3.1177, 0.0],
        [0.0, -1.5588, 0.0],
        [1.3500, 0.7794, 0.0],
        [2.7000, -1.5588, 0.0],
        [-1.3500, -0.7794, 2.2045],
        [0.0, 1.5588, 2.2045],
        [1.3500, -0.7794, 2.2045],
        [0.0, 0.0, 4.4091],
    ]
    .iter()
    .map(|p| Vector3::new(p[0], p[1], p[2]) * s)
    .collect()
}

/// A compact fcc fragment of `n` atoms with nearest-neighbour distance `d` [Å], (111) base at z = 0,
/// centred in-plane on the origin: the n fcc sites (ABC-stacked (111) layers) closest to a point just
/// above the base centre, lower layers preferred on ties.
pub fn fcc_fragment(n: usize, d: f64) -> Vec<Vector3<f64>> {
    let v1 = Vector3::new(d, 0.0, 0.0);
    let v2 = Vector3::new(d / 2.0, d * 3f64.sqrt() / 2.0, 0.0);
    let dz = d * (2.0f64 / 3.0).sqrt();
    let step = (v1 + v2) / 3.0;
    let centre = Vector3::new(0.0, 0.0, 0.6 * dz);
    let mut sites = Vec::new();
    for l in 0..6 {
        for i in -6i32..=6 {
            for j in -6i32..=6 {
                let p = v1 * f64::from(i)
                    + v2 * f64::from(j)
                    + step * (l % 3) as f64
                    + Vector3::new(0.0, 0.0, dz * l as f64);
                sites.push(p);
            }
        }
    }
    sites.sort_by(|a, b| {
        let ka = (a - centre).norm() + 1e-6 * a.z;
        let kb = (b - centre).norm() + 1e-6 * b.z;
        ka.total_cmp(&kb)
            .then(a.x.total_cmp(&b.x))
            .then(a.y.total_cmp(&b.y))
    });
    let mut chosen: Vec<Vector3<f64>> = sites.into_iter().take(n).collect();
    let mean = chosen.iter().fold(Vector3::zeros(), |s, p| s + p) / n.max(1) as f64;
    for p in &mut chosen {
        p.x -= mean.x;
        p.y -= mean.y;
    }
    chosen
}
