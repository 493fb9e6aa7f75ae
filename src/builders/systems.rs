//! The seed systems.

use super::lattice::*;
use super::BuildError;
use crate::structure::{elements, MinimumImage, Structure};
use nalgebra::Vector3;
use serde_json::{json, Value};

/// System names.
pub const SYSTEMS: [&str; 5] = [
    "pd10-pdn4",
    "nis-ni-release",
    "cu1-gc3n4",
    "cun4-h-leaching",
    "ptn-leaching",
];

/// Options of the builders (each system uses the ones that make sense for it).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BuildOptions {
    /// In-plane supercell size n (n × n).
    pub supercell: Option<usize>,
    /// Metal element.
    pub metal: Option<String>,
    /// Vacuum [Å] (cell height for sheets).
    pub vacuum: Option<f64>,
    /// Cluster–pocket distance [Å] (pd10-pdn4).
    pub distance: Option<f64>,
    /// Indices (0–3) of the pocket N atoms that carry H (cun4-h-leaching).
    pub h_on: Vec<usize>,
    /// Two CO on the metal (cun4-h-leaching).
    pub co: bool,
    /// Facet (nis-ni-release).
    pub facet: Option<String>,
    /// Hop kind: `adjacent` or `cavity` (cu1-gc3n4); final state `adatom` or `distant` (nis-ni-release).
    pub variant: Option<String>,
    /// Cluster size (ptn-leaching).
    pub n: Option<usize>,
    /// Sheet: `planar` or `buckled` (cu1-gc3n4).
    pub sheet: Option<String>,
    /// Support atoms: `local` (default: free within 6 Å of a moving atom, for real engines such as
    /// `sevennet`) or `frozen` (every support atom fixed, as the `model` calculator needs).
    pub support: Option<String>,
}

/// A built path.
#[derive(Debug, Clone)]
pub struct BuiltPath {
    /// Initial state.
    pub initial: Structure,
    /// Final state (same atoms, same order, except for ptn-leaching where it has one atom fewer).
    pub final_: Structure,
    /// Metadata written to build.json.
    pub info: Value,
    /// Atoms fixed only because they belong to the support (the `model` calculator has no
    /// support–support terms); `--support local` frees those near the moving atoms.
    pub support_fixed: Vec<usize>,
}

/// Radius around the moving atoms (initial and final positions) within which `--support local`
/// lets support atoms relax [Å].
pub const LOCAL_SUPPORT_RADIUS: f64 = 6.0;

fn opt_err(system: &str, problem: impl Into<String>) -> BuildError {
    BuildError::Option {
        system: system.into(),
        problem: problem.into(),
    }
}

fn metal(
    system: &str,
    o: &BuildOptions,
    default: &str,
    allowed: &[&str],
) -> Result<String, BuildError> {
    let m = o.metal.clone().unwrap_or_else(|| default.to_string());
    if elements::number_of(&m).is_none() {
        return Err(opt_err(
            system,
            format!("unknown element '{m}' for --metal"),
        ));
    }
    if !allowed.contains(&m.as_str()) {
        return Err(opt_err(
            system,
            format!(
                "--metal {m} is not offered (choose one of {})",
                allowed.join(", ")
            ),
        ));
    }
    Ok(m)
}

fn reject(system: &str, o: &BuildOptions, allowed: &[&str]) -> Result<(), BuildError> {
    let given = [
        ("supercell", o.supercell.is_some()),
        ("metal", o.metal.is_some()),
        ("vacuum", o.vacuum.is_some()),
        ("distance", o.distance.is_some()),
        ("h-on", !o.h_on.is_empty()),
        ("co", o.co),
        ("facet", o.facet.is_some()),
        ("variant", o.variant.is_some()),
        ("n", o.n.is_some()),
        ("sheet", o.sheet.is_some()),
    ];
    for (name, set) in given {
        if set && !allowed.contains(&name) {
            return Err(opt_err(
                system,
                format!(
                    "option --{name} does not apply (it takes: {})",
                    allowed
                        .iter()
                        .map(|a| format!("--{a}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
    }
    Ok(())
}

/// Fix every atom except `moving`.
fn fix_all_but(s: &mut Structure, moving: &[usize]) {
    for i in 0..s.len() {
        s.fixed[i] = !moving.contains(&i);
    }
}

fn indices(s: &Structure, pred: impl Fn(usize) -> bool) -> Vec<usize> {
    (0..s.len()).filter(|&i| pred(i)).collect()
}

/// Smallest distance between an atom of `group` and a periodic image of an atom of `group` [Å].
fn image_clearance(s: &Structure, group: &[usize]) -> f64 {
    let mut best = f64::INFINITY;
    for &i in group {
        for &j in group {
            for a in -1i32..=1 {
                for b in -1i32..=1 {
                    if a == 0 && b == 0 {
                        continue;
                    }
                    let v = s.positions[j]
                        + s.cell.vector(0) * f64::from(a)
                        + s.cell.vector(1) * f64::from(b)
                        - s.positions[i];
                    best = best.min(v.norm());
                }
            }
        }
    }
    best
}

/// Build `system` with `options`.
///
/// # Errors
/// Unknown systems, inapplicable options, supercells too small.
pub fn build(system: &str, o: &BuildOptions) -> Result<BuiltPath, BuildError> {
    let mode = o.support.clone().unwrap_or_else(|| "local".into());
    if mode != "local" && mode != "frozen" {
        return Err(opt_err(
            system,
            format!("--support must be local or frozen, got '{mode}'"),
        ));
    }
    let mut built = match system {
        "pd10-pdn4" => pd10_pdn4(o),
        "nis-ni-release" => nis_release(o),
        "cu1-gc3n4" => cu1_gc3n4(o),
        "cun4-h-leaching" => cun4_h(o),
        "ptn-leaching" => ptn_leaching(o),
        other => Err(BuildError::UnknownSystem(other.to_string())),
    }?;
    if mode == "local" {
        relax_support_near_movers(&mut built);
    }
    let fixed = indices(&built.initial, |i| built.initial.fixed[i]);
    built.info["fixed_atoms"] = json!(fixed);
    built.info["options"]["support"] = json!(mode);
    Ok(built)
}

/// `--support local`: free the support atoms within [`LOCAL_SUPPORT_RADIUS`] (minimum image) of a
/// moving atom's initial or final position, in both endpoints.
fn relax_support_near_movers(built: &mut BuiltPath) {
    let movers: Vec<usize> = built.info["moving_atoms"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_u64())
                .map(|v| v as usize)
                .collect()
        })
        .unwrap_or_default();
    let same_atoms = built.initial.len() == built.final_.len();
    let Ok(mic) = MinimumImage::new(&built.initial.cell, built.initial.pbc) else {
        return;
    };
    let mut centres: Vec<Vector3<f64>> =
        movers.iter().map(|&m| built.initial.positions[m]).collect();
    if same_atoms {
        centres.extend(movers.iter().map(|&m| built.final_.positions[m]));
    }
    for &i in &built.support_fixed {
        let p = built.initial.positions[i];
        let near = centres
            .iter()
            .any(|c| mic.displacement(&(p - c)).norm() < LOCAL_SUPPORT_RADIUS);
        if near {
            built.initial.fixed[i] = false;
            if same_atoms {
                built.final_.fixed[i] = false;
            }
        }
    }
}

fn common_info(
    system: &str,
    initial: &Structure,
    moving: &[usize],
    support: &[usize],
    reported: Value,
    notes: &[&str],
) -> Value {
    json!({
        "format": "nebkit/build",
        "version": 1,
        "system": system,
        "moving_atoms": moving,
        "support_atoms": support,
        "fixed_atoms": indices(initial, |i| initial.fixed[i]),
        "composition": initial.formula(),
        "reported": reported,
        "notes": notes,
        "calculators": "Run with the default `sevennet` calculator (SevenNet-0, built in) and `--relax-endpoints` for realistic numbers; like other universal potentials it tends to underestimate barriers, so check key barriers with DFT (i-PI/command engines). The `model` calculator (ZJW EAM metal–metal + Morse metal–support) is a qualitative model for smoke tests and teaching that reproduces no DFT barrier; it has no support–support terms, so build with `--support frozen` for it.",
    })
}

/// Default in-plane distance from the moving Pd10 vertex to the N4 pocket [Å]. SEED_SYSTEMS.md's
/// ~3 Å lets SevenNet-0 relax the cluster onto an N (the path then runs downhill, 2.3 eV, with the
/// initial state held by 0.04 eV); at 6 Å the relaxed initial state is a minimum clear of the pocket
/// and the path is one elementary step (CI-NEB 1.28 eV, reaction energy −2.93 eV; DFT 1.47/−3.96).
pub const PD10_DISTANCE: f64 = 6.0;

fn pd10_pdn4(o: &BuildOptions) -> Result<BuiltPath, BuildError> {
    let system = "pd10-pdn4";
    reject(system, o, &["supercell", "metal", "vacuum", "distance"])?;
    let m = metal(system, o, "Pd", &["Pd", "Pt", "Cu", "Ni", "Ag", "Au"])?;
    let n = o.supercell.unwrap_or(8);
    if n < 6 {
        return Err(BuildError::TooSmall {
            system: system.into(),
            problem: format!("a {n}×{n} sheet is below the 6×6 minimum"),
        });
    }
    let c = o.vacuum.unwrap_or(20.0).max(20.0);
    let d = o.distance.unwrap_or(PD10_DISTANCE);
    if !(1.0..=8.0).contains(&d) {
        return Err(opt_err(
            system,
            format!("--distance {d} Å must lie between 1 and 8 Å"),
        ));
    }
    let sheet = graphene(n, c);
    let centre_guess =
        (sheet.cell.vector(0) + sheet.cell.vector(1)) * 0.3 + Vector3::new(0.0, 0.0, c / 2.0);
    let (support, pocket) = n4_site(&sheet, centre_guess);
    let mut initial = support.clone();
    let n_support = initial.len();
    // the cluster: vertex 5 (2.7, −1.56) points at the pocket from `d` Å away in-plane
    let nn = if m == "Pd" {
        2.70
    } else {
        super::super::calculator::builtin::eam::ZhouParams::of(&m).map_or(2.70, |p| p.re)
    };
    let cluster = tetrahedron10(nn);
    let vertex = cluster[5];
    let u = Vector3::new(vertex.x, vertex.y, 0.0).normalize();
    let offset =
        pocket - u * d - Vector3::new(vertex.x, vertex.y, 0.0) + Vector3::new(0.0, 0.0, 2.25);
    let placed: Vec<Vector3<f64>> = cluster.iter().map(|p| p + offset).collect();
    append(&mut initial, &m, &placed, false);
    let mover = n_support + 5;
    let mut final_ = initial.clone();
    final_.positions[mover] = pocket;
    let cluster_idx: Vec<usize> = (n_support..initial.len()).collect();
    let clearance = image_clearance(&initial, &cluster_idx);
    if clearance < 10.0 {
        return Err(BuildError::TooSmall {
            system: system.into(),
            problem: format!(
                "the cluster comes {clearance:.1} Å from its periodic image (needs ≥ 10 Å)"
            ),
        });
    }
    for s in [&mut initial, &mut final_] {
        fix_all_but(s, &cluster_idx);
    }
    let support_idx: Vec<usize> = (0..n_support).collect();
    let info = common_info(
        system,
        &initial,
        &[mover],
        &support_idx,
        json!({"barrier_eV": 1.47, "reaction_energy_eV": -3.96, "citation": "Wei et al., Nat. Nanotechnol. 13, 856 (2018)"}),
        &["Pd10 tetrahedron (24 bonds, 4 CN3 vertices + 6 CN6 edges), base 2.25 Å above the sheet; one base vertex moves into the pyridinic N4 pocket (M–N 1.879 Å unrelaxed).",
          "The moving vertex starts --distance Å (default 6) from the pocket in-plane: at ~3 Å (SEED_SYSTEMS.md) SevenNet-0 relaxes the cluster onto an N and the path runs downhill from a barely held initial state; at 6 Å the relaxed initial state is a minimum clear of the pocket."],
    );
    let mut info = info;
    info["options"] = json!({"supercell": n, "metal": m, "distance": d, "cell_height": c});
    Ok(BuiltPath {
        support_fixed: support_idx.clone(),
        initial,
        final_,
        info,
    })
}

/// Ni–S distance of a Ni adatom in a hollow of the S-terminated (001) surface [Å].
const NIS_ADATOM_NI_S: f64 = 2.2;

/// Hollows of the top S layer of an S-terminated NiS(001) slab: centroids of nearest-neighbour S
/// triangles, as (in-plane distance from `from` [Å], position at [`NIS_ADATOM_NI_S`] from the three
/// S and nearest to `from`, whether a top-layer Ni other than `skip` lies under it). Sorted by
/// distance.
fn nis001_hollows(
    s: &Structure,
    from: Vector3<f64>,
    skip: usize,
) -> Vec<(f64, Vector3<f64>, bool)> {
    let mic = s.minimum_image().expect("valid cell");
    let sulfur = indices(s, |i| s.numbers[i] == 16);
    let ztop = sulfur
        .iter()
        .map(|&i| s.positions[i].z)
        .fold(f64::NEG_INFINITY, f64::max);
    let top: Vec<usize> = sulfur
        .into_iter()
        .filter(|&i| (s.positions[i].z - ztop).abs() < 0.1)
        .collect();
    let nn = 3.4395 * 1.05;
    let mut out: Vec<(f64, Vector3<f64>, bool)> = Vec::new();
    for &a in &top {
        let pa = s.positions[a];
        let nb: Vec<Vector3<f64>> = top
            .iter()
            .map(|&b| pa + mic.displacement(&(s.positions[b] - pa)))
            .filter(|q| (q - pa).norm() > 0.1 && (q - pa).norm() < nn)
            .collect();
        for i in 0..nb.len() {
            for j in i + 1..nb.len() {
                if (nb[i] - nb[j]).norm() > nn {
                    continue;
                }
                let c = (pa + nb[i] + nb[j]) / 3.0;
                let side = (pa - c).xy().norm();
                let h = (NIS_ADATOM_NI_S.powi(2) - side * side).max(0.0).sqrt();
                // the periodic image of the site nearest the leaving atom
                let near = from + mic.displacement(&(c - from));
                let site = Vector3::new(near.x, near.y, ztop + h);
                if out
                    .iter()
                    .any(|o| mic.displacement(&(o.1 - site)).norm() < 0.3)
                {
                    continue;
                }
                let over_ni = (0..s.len()).any(|k| {
                    k != skip && s.numbers[k] == 28 && {
                        let d = mic.displacement(&(s.positions[k] - site));
                        d.xy().norm() < 0.5 && d.z < 0.0 && d.z > -3.0
                    }
                });
                out.push(((site - from).xy().norm(), site, over_ni));
            }
        }
    }
    out.sort_by(|x, y| x.0.total_cmp(&y.0));
    out
}

fn nis_release(o: &BuildOptions) -> Result<BuiltPath, BuildError> {
    let system = "nis-ni-release";
    reject(system, o, &["supercell", "vacuum", "facet", "variant"])?;
    let facet = o.facet.clone().unwrap_or_else(|| "001".into());
    if facet == "100" {
        return Err(opt_err(
            system,
            "--facet 100 is no longer offered: the non-polar (100) slab reconstructs when a Ni leaves it (SevenNet-0 relaxes the final state 1.9–2.0 eV below the intact slab, atoms moving 1.6–1.9 Å, for 2- and 3-block slabs), so no release path is defined on it; use --facet 001 (the building block nis_100 stays in the library)".to_string(),
        ));
    }
    if facet != "001" {
        return Err(opt_err(
            system,
            format!("--facet {facet}: use 001 (S-terminated; the only facet offered)"),
        ));
    }
    let variant = o.variant.clone().unwrap_or_else(|| "adatom".into());
    if !["adatom", "distant", "popup"].contains(&variant.as_str()) {
        return Err(opt_err(
            system,
            format!("--variant {variant}: use adatom (the hollow next to the vacancy, the default), distant (a hollow 3.5–6 Å away) or popup (lifted into the S3 window above its own site: a shallow state, no release)"),
        ));
    }
    let n = o.supercell.unwrap_or(3);
    if n < 3 {
        return Err(BuildError::TooSmall {
            system: system.into(),
            problem: format!("a {n}×{n} surface cell is below the 3×3 minimum"),
        });
    }
    let vacuum = o.vacuum.unwrap_or(15.0).max(10.0);
    let mut initial = nis_001(n, 2, vacuum / 2.0 + 2.0);
    let zs: Vec<f64> = initial.positions.iter().map(|p| p.z).collect();
    let zmin = zs.iter().cloned().fold(f64::INFINITY, f64::min);
    let zmax = zs.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let mid = 0.5 * (zmin + zmax);
    // bottom half fixed, S (support) fixed for the model
    for i in 0..initial.len() {
        initial.fixed[i] = initial.positions[i].z < mid - 0.1 || initial.numbers[i] == 16;
    }
    // the highest Ni (nearest the cell centre on ties) leaves
    let centre = (initial.cell.vector(0) + initial.cell.vector(1)) / 2.0;
    let ni_top = (0..initial.len())
        .filter(|&i| initial.numbers[i] == 28)
        .max_by(|&a, &b| {
            let ka = initial.positions[a].z - 1e-3 * (initial.positions[a] - centre).xy().norm();
            let kb = initial.positions[b].z - 1e-3 * (initial.positions[b] - centre).xy().norm();
            ka.total_cmp(&kb)
        })
        .expect("slab has Ni");
    let p0 = initial.positions[ni_top];
    // hollows of the top S layer; those over a top-layer Ni clash with it (Ni–Ni 2.28 Å)
    let hollows = nis001_hollows(&initial, p0, ni_top);
    let target = match variant.as_str() {
        "popup" => hollows.iter().find(|h| h.0 < 0.5),
        "adatom" => hollows.iter().find(|h| h.0 > 0.5 && !h.2),
        _ => hollows.iter().find(|h| h.0 >= 3.5 && h.0 <= 6.0 && !h.2),
    }
    .map(|h| h.1)
    .ok_or_else(|| BuildError::TooSmall {
        system: system.into(),
        problem: format!("no {variant} site found above the surface (use a larger --supercell)"),
    })?;
    let mut final_ = initial.clone();
    final_.positions[ni_top] = target;
    let support = indices(&initial, |i| initial.numbers[i] == 16);
    let mut info = common_info(
        system,
        &initial,
        &[ni_top],
        &support,
        json!({"barrier_eV": 1.06, "citation": "Chang et al., Nat. Synth. 3, 1427 (2024)"}),
        &["NiAs-type NiS (001) with 4 Ni + 4 S layers (S-terminated, polar); bottom half fixed; with --support frozen (for the model calculator) the top-half S atoms are fixed too. The non-polar (100) slab is not offered: it reconstructs when a Ni leaves it.",
          "Final state: the top-layer Ni moved onto the surface, Ni–S 2.2 Å to three S of the top layer: --variant adatom (the default) in the S hollow next to its vacancy (1.99 Å in-plane; SevenNet-0 relaxes it to a four-fold site 0.58 eV above the initial state), --variant distant in the nearest such hollow 3.5–6 Å away (3.97 Å; +1.26 eV), --variant popup lifted straight up into the S3 window above its own site (+0.29 eV with a reverse barrier of 0.05 eV: a shallow pop-up, not a release). Hollows over a top-layer Ni are skipped (Ni–Ni 2.28 Å)."],
    );
    info["options"] = json!({"supercell": n, "facet": facet, "variant": variant, "vacuum": vacuum});
    Ok(BuiltPath {
        support_fixed: indices(&initial, |i| {
            initial.numbers[i] == 16 && initial.positions[i].z >= mid - 0.1
        }),
        initial,
        final_,
        info,
    })
}

fn cu1_gc3n4(o: &BuildOptions) -> Result<BuiltPath, BuildError> {
    let system = "cu1-gc3n4";
    reject(
        system,
        o,
        &["supercell", "metal", "vacuum", "variant", "sheet"],
    )?;
    let m = metal(
        system,
        o,
        "Cu",
        &["Cu", "Ni", "Pd", "Pt", "Ag", "Au", "Co", "Fe"],
    )?;
    let variant = o.variant.clone().unwrap_or_else(|| "adjacent".into());
    let sheet = o.sheet.clone().unwrap_or_else(|| "planar".into());
    if !["planar", "buckled"].contains(&sheet.as_str()) {
        return Err(opt_err(
            system,
            format!("--sheet {sheet}: use planar or buckled"),
        ));
    }
    let buckled = sheet == "buckled";
    let n = o.supercell.unwrap_or(match (variant.as_str(), buckled) {
        ("cavity", true) => 4,
        ("cavity", false) => 3,
        _ => 2,
    });
    let c = o.vacuum.unwrap_or(20.0).max(15.0);
    // fractional (x, y) of the unit cell; the metal goes into the cavity of unit cell (1, 1)
    let (from, to) = match variant.as_str() {
        "adjacent" => ((-0.0855, -0.0427), (0.0427, 0.0855)),
        "cavity" => ((0.0, 0.0), (1.0, 0.0)),
        other => {
            return Err(opt_err(
                system,
                format!("--variant {other}: use adjacent or cavity"),
            ))
        }
    };
    if variant == "cavity" && n < 3 {
        return Err(BuildError::TooSmall {
            system: system.into(),
            problem:
                "the cavity-to-cavity hop (7.135 Å) needs a 3×3 cell to stay below half a cell"
                    .into(),
        });
    }
    let mut initial = if buckled {
        gc3n4_buckled(n, c).map_err(|problem| opt_err(system, problem))?
    } else {
        gc3n4(n, c)
    };
    let support: Vec<usize> = (0..initial.len()).collect();
    for f in initial.fixed.iter_mut() {
        *f = true;
    }
    let shift = |f: (f64, f64)| gc3n4_point(f.0 + 1.0, f.1 + 1.0, c / 2.0);
    append(&mut initial, &m, &[shift(from)], false);
    let mover = initial.len() - 1;
    let mut final_ = initial.clone();
    final_.positions[mover] = shift(to);
    let mut info = common_info(
        system,
        &initial,
        &[mover],
        &support,
        json!({"barrier_eV": 0.28, "citation": "Zhang, Wang, Li, J. Am. Chem. Soc. 146, 14954 (2024)"}),
        &["Heptazine g-C3N4 (C6N8 per cell, a = 7.135 Å): --sheet planar (SEED_SYSTEMS.md coordinates) or --sheet buckled (a corrugated sheet relaxed with SevenNet-0, ±0.5 Å, 0.85 eV per 2×2 cell below the planar one; even supercells).",
          "--variant adjacent: the metal off-centre in the six-fold cavity, bonded to two N2c (Cu–N ≈ 1.95 Å), to the next such site (0.915 Å away; the reported 0.28 eV hop); --variant cavity: from the centre of one cavity to the centre of the next (7.135 Å).",
          "Which variant has distinct minima for SevenNet-0 (the default calculator): only cavity. On both sheets the off-centre sites relax to the cavity centre (Cu–N 2.34–2.40 Å ×4), so the adjacent hop ends in collapsed-endpoints; the cavity-to-cavity hop connects two distinct, equivalent minima."],
    );
    info["options"] =
        json!({"supercell": n, "metal": m, "variant": variant, "sheet": sheet, "cell_height": c});
    Ok(BuiltPath {
        support_fixed: support.clone(),
        initial,
        final_,
        info,
    })
}

/// Height of the metal above the hollow of the carbon ring next to the pocket, the leached state
/// [Å] (SevenNet-0 relaxes Cu there to 1.54–1.63 Å with Cu–C 1.94–1.97 Å for 0–3 H).
const RING_HOLLOW_HEIGHT: f64 = 1.55;
/// Tilt of N–H below the sheet, away from the metal, from the in-plane bisector [°] (SevenNet-0
/// relaxes every start between 30° and 90° into the same minimum).
const NH_TILT_DEG: f64 = 50.0;

fn cun4_h(o: &BuildOptions) -> Result<BuiltPath, BuildError> {
    let system = "cun4-h-leaching";
    reject(
        system,
        o,
        &["supercell", "metal", "vacuum", "h-on", "co", "variant"],
    )?;
    let m = metal(system, o, "Cu", &["Cu", "Ni", "Pd", "Pt", "Co", "Fe"])?;
    let n = o.supercell.unwrap_or(6);
    if n < 5 {
        return Err(BuildError::TooSmall {
            system: system.into(),
            problem: format!("a {n}×{n} sheet is below the 5×5 minimum"),
        });
    }
    if o.h_on.len() > 3 || o.h_on.iter().any(|&k| k > 3) {
        return Err(opt_err(
            system,
            format!(
                "--h-on takes up to three distinct N indices 0–3, got {:?}",
                o.h_on
            ),
        ));
    }
    let site = o.variant.clone().unwrap_or_else(|| "hollow".into());
    if !["hollow", "bridge"].contains(&site.as_str()) {
        return Err(opt_err(
            system,
            format!("--variant {site}: use hollow (the ring next to the pocket, the default) or bridge (the second-shell C–C bond)"),
        ));
    }
    let mut h_on = o.h_on.clone();
    h_on.sort_unstable();
    h_on.dedup();
    let c = o.vacuum.unwrap_or(20.0).max(20.0);
    let sheet = graphene(n, c);
    let guess =
        (sheet.cell.vector(0) + sheet.cell.vector(1)) * 0.5 + Vector3::new(0.0, 0.0, c / 2.0);
    let (mut initial, centre) = n4_site(&sheet, guess);
    let mic = initial.minimum_image().expect("valid cell");
    // pocket N ordered by angle around the centre: 0 (+x,+y), 1 (−x,+y), 2 (−x,−y), 3 (+x,−y)
    let mut pocket: Vec<usize> = indices(&initial, |i| initial.numbers[i] == 7);
    pocket.sort_by(|&a, &b| {
        let da = mic.displacement(&(initial.positions[a] - centre));
        let db = mic.displacement(&(initial.positions[b] - centre));
        da.y.atan2(da.x)
            .rem_euclid(std::f64::consts::TAU)
            .total_cmp(&db.y.atan2(db.x).rem_euclid(std::f64::consts::TAU))
    });
    for f in initial.fixed.iter_mut() {
        *f = true;
    }
    let sheet_count = initial.len();
    // H on a pyridinic N: N–H 1.02 Å along the N's free direction (the bisector pointing into the
    // pocket, opposite its two C neighbours), tilted below the sheet, away from the metal, which
    // leaves upwards
    let tilt = NH_TILT_DEG.to_radians();
    let hs: Vec<Vector3<f64>> = h_on
        .iter()
        .map(|&k| {
            let pn = initial.positions[pocket[k]];
            let mut bisector = Vector3::zeros();
            for j in 0..sheet_count {
                let d = mic.displacement(&(initial.positions[j] - pn));
                if initial.numbers[j] == 6 && d.norm() < 1.6 && d.norm() > 0.1 {
                    bisector -= d.normalize();
                }
            }
            let u = Vector3::new(bisector.x, bisector.y, 0.0).normalize();
            pn + (u * tilt.cos() - Vector3::z() * tilt.sin()) * 1.02
        })
        .collect();
    append(&mut initial, "H", &hs, true);
    let support_count = initial.len();
    // with H on N the metal leaves the plane (its N–M bonds break): start it just above the centre
    let lift = if h_on.is_empty() { 0.0 } else { 0.3 };
    append(
        &mut initial,
        &m,
        &[centre + Vector3::new(0.0, 0.0, lift)],
        false,
    );
    let metal_idx = initial.len() - 1;
    let mut moving = vec![metal_idx];
    if o.co {
        let metal_at = initial.positions[metal_idx];
        for sx in [1.0, -1.0] {
            let d = Vector3::new(0.9 * sx, 0.0, 1.6).normalize();
            let cc = metal_at + d * 1.87;
            append(&mut initial, "C", &[cc], false);
            moving.push(initial.len() - 1);
            append(&mut initial, "O", &[cc + d * 1.15], false);
            moving.push(initial.len() - 1);
        }
    }
    // final: the metal (with its CO) over the hollow of the carbon ring on the +x side of the
    // pocket (3.69 Å from its centre), or bridging the second-shell C–C bond (2.46 Å)
    let target = match site.as_str() {
        "bridge" => centre + Vector3::new(2.46, 0.0, 2.0),
        _ => centre + Vector3::new(3.69, 0.0, RING_HOLLOW_HEIGHT),
    };
    let mut final_ = initial.clone();
    let shift = target - initial.positions[metal_idx];
    for &i in &moving {
        final_.positions[i] += shift;
    }
    let support: Vec<usize> = (0..support_count).collect();
    let reported = match h_on.len() {
        0 => 3.66,
        1 => 1.35,
        2 => 0.18,
        _ => 0.23,
    };
    let mut info = common_info(
        system,
        &initial,
        &moving,
        &support,
        json!({"barrier_eV": reported, "potential_V_SHE": -1.0, "h_on_n": h_on.len(),
               "all_reported": {"0H": 3.66, "1H": 1.35, "2H": 0.18, "3H": 0.23},
               "citation": "Qin et al., Angew. Chem. Int. Ed. 2024, e202404763 (constant potential, −1.0 V vs SHE)"}),
        &["Cu–N4 in graphene (pyridinic N4 divacancy, M–N 1.879 Å unrelaxed); H on the chosen pocket N (N–H 1.02 Å along the N's free direction, tilted 50° below the sheet, away from the metal; N indices counted anticlockwise from +x,+y); with H the metal starts 0.3 Å above the pocket, since its N–M bonds break.",
          "Final state (--variant hollow, the default): the metal (with its CO if --co) over the hollow of the carbon ring on the +x side of the pocket, 3.69 Å from its centre and 1.55 Å above the sheet. --variant bridge puts it on the second-shell C–C bond (2.46 Å), which SevenNet-0 relaxes back into the pocket for 0–3 H (collapsed endpoints).",
          "The reported barriers are constant-potential values at −1.0 V vs SHE; a neutral calculation is not comparable without the electrochemistry layer."],
    );
    info["options"] = json!({"supercell": n, "metal": m, "h_on": h_on, "co": o.co, "variant": site, "cell_height": c});
    Ok(BuiltPath {
        support_fixed: support.clone(),
        initial,
        final_,
        info,
    })
}

fn ptn_leaching(o: &BuildOptions) -> Result<BuiltPath, BuildError> {
    let system = "ptn-leaching";
    reject(system, o, &["supercell", "metal", "vacuum", "n"])?;
    let m = metal(system, o, "Pt", &["Pt", "Pd", "Cu", "Ni", "Au", "Ag"])?;
    let n_atoms = o.n.unwrap_or(10);
    if !(2..=20).contains(&n_atoms) {
        return Err(opt_err(
            system,
            format!("--n {n_atoms}: clusters of 2 to 20 atoms"),
        ));
    }
    let n = o.supercell.unwrap_or(8);
    let c = o.vacuum.unwrap_or(20.0).max(20.0);
    let sheet = graphene(n, c);
    let guess =
        (sheet.cell.vector(0) + sheet.cell.vector(1)) * 0.5 + Vector3::new(0.0, 0.0, c / 2.0);
    let (mut initial, pocket) = n4_site(&sheet, guess);
    for f in initial.fixed.iter_mut() {
        *f = true;
    }
    let support_count = initial.len();
    let nn = super::super::calculator::builtin::eam::ZhouParams::of(&m).map_or(2.77, |p| p.re);
    let cluster: Vec<Vector3<f64>> = fcc_fragment(n_atoms, nn)
        .iter()
        .map(|p| p + pocket + Vector3::new(0.0, 0.0, 2.25))
        .collect();
    append(&mut initial, &m, &cluster, false);
    let cluster_idx: Vec<usize> = (support_count..initial.len()).collect();
    let clearance = image_clearance(&initial, &cluster_idx);
    if clearance < 10.0 {
        return Err(BuildError::TooSmall {
            system: system.into(),
            problem: format!(
                "the cluster comes {clearance:.1} Å from its periodic image (needs ≥ 10 Å)"
            ),
        });
    }
    // Pt_{n−1}: remove the highest atom (the least coordinated)
    let top = *cluster_idx
        .iter()
        .max_by(|&&a, &&b| initial.positions[a].z.total_cmp(&initial.positions[b].z))
        .expect("cluster has atoms");
    let keep: Vec<usize> = (0..initial.len()).filter(|&i| i != top).collect();
    let final_ = select(&initial, &keep);
    let support: Vec<usize> = (0..support_count).collect();
    let mut info = common_info(
        system,
        &initial,
        &[top],
        &support,
        json!({"threshold_potential_V_SHE": {"cluster_on_N_doped_C": 0.67, "Pt_N4_single_atom": "> 1.80"},
               "citation": "Liu, Xiao, Li, J. Am. Chem. Soc. 142, 3375 (2020)"}),
        &["Not an NEB: initial.json is M_n on N-doped graphene, final.json M_(n−1) (the top atom removed) on the same support; U_n follows from their energies (PHYSICS.md §5).",
          "fcc fragment with its (111) base 2.25 Å above the sheet, centred over a pyridinic N4 site."],
    );
    info["options"] = json!({"supercell": n, "metal": m, "n": n_atoms, "cell_height": c});
    info["kind"] = json!("endpoint pair (different atom counts)");
    Ok(BuiltPath {
        support_fixed: Vec::new(),
        initial,
        final_,
        info,
    })
}
