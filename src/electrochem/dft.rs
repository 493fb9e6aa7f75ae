//! Electrochemical data read from DFT output files (`nebkit echem import`): the canonical energy,
//! the excess electrons relative to the neutral system, the Fermi level and the reference that turns
//! it into a work function, for VASP (OUTCAR; VASPsol's FERMI_SHIFT or a LOCPOT's vacuum level), GPAW SJM (text log), JDFTx
//! (out file) and Quantum ESPRESSO (pw.x output).
//!
//! Every reader takes the *last* complete values in the file (the final ionic or potential step)
//! and says, naming file and line, what is missing in a truncated or foreign file.

use crate::units::HARTREE;
use std::path::{Path, PathBuf};

/// The codes `nebkit echem import` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Code {
    /// VASP: OUTCAR (or a directory with one); the Fermi level's reference from `--vacuum-level`,
    /// VASPsol's FERMI_SHIFT in the run's standard output (`vasp.out`, `stdout`, `OUTPUT` next to
    /// the OUTCAR) or the vacuum level of a `LOCPOT` next to the OUTCAR, in that order.
    Vasp,
    /// GPAW with SJM: the calculator's text log (`txt=`).
    GpawSjm,
    /// JDFTx: the output file (`out`).
    Jdftx,
    /// Quantum ESPRESSO pw.x output.
    Qe,
}

impl Code {
    /// Name in messages and in the imported file.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::Vasp => "vasp",
            Code::GpawSjm => "gpaw-sjm",
            Code::Jdftx => "jdftx",
            Code::Qe => "qe",
        }
    }
}

/// What one output file says.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ImportedImage {
    /// The file read.
    pub source: String,
    /// Canonical energy E at Δn [eV], on the vacuum/electrolyte reference where the code needs a
    /// correction for charged cells (VASPsol: E + Δn·FERMI_SHIFT).
    pub energy: f64,
    /// Excess electrons Δn = N − N₀ [e].
    pub excess_electrons: f64,
    /// Fermi level as the code prints it [eV].
    pub fermi_level: f64,
    /// Work function W [eV] (vacuum or bulk-electrolyte reference minus the Fermi level).
    pub work_function: f64,
    /// How the work function was obtained.
    pub reference: String,
}

/// A readable error: file, line (0 = the whole file) and what to do.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}{}: {message}", path.display(), if *line > 0 { format!(": line {line}") } else { String::new() })]
pub struct ImportError {
    /// The file.
    pub path: PathBuf,
    /// 1-based line, 0 when the problem is the file as a whole.
    pub line: usize,
    /// What is wrong and what to do.
    pub message: String,
}

/// Settings of an import.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ImportOptions {
    /// The vacuum (or bulk electrolyte) level on the code's energy scale [eV]; W = vacuum − Fermi.
    /// Overrides what the file says (VASPsol's FERMI_SHIFT, JDFTx's absolute μ).
    pub vacuum_level: Option<f64>,
    /// Lattice vector along which a LOCPOT is planar-averaged (0, 1, 2 = a, b, c; default c).
    pub locpot_axis: Option<usize>,
}

/// The Rydberg [eV] of CODATA 2006, the constants pw.x outputs are written with (and that ASE's
/// `espresso-out` reader uses): 13.605691932782346 eV.
pub const QE_RYDBERG: f64 = 13.605_691_932_782_346;

/// Largest output file read [bytes] (DFT logs of long relaxations reach hundreds of MB).
pub const MAX_FILE_BYTES: u64 = 2 << 30;

pub(crate) fn err(path: &Path, line: usize, message: impl Into<String>) -> ImportError {
    ImportError {
        path: path.to_path_buf(),
        line,
        message: message.into(),
    }
}

pub(crate) fn read_text(path: &Path) -> Result<String, ImportError> {
    let meta = std::fs::metadata(path).map_err(|e| err(path, 0, e.to_string()))?;
    if !meta.is_file() {
        return Err(err(path, 0, "not a regular file"));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(err(
            path,
            0,
            format!(
                "{} bytes is more than nebkit reads ({MAX_FILE_BYTES})",
                meta.len()
            ),
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| err(path, 0, e.to_string()))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// The number right after `key` on a line (first token that parses), with its 1-based line number.
fn number_after(line: &str, key: &str) -> Option<f64> {
    let rest = &line[line.find(key)? + key.len()..];
    rest.split(|c: char| c.is_whitespace() || c == '=' || c == ':' || c == ';' || c == ',')
        .filter(|t| !t.is_empty())
        .find_map(|t| t.parse::<f64>().ok())
        .filter(|x| x.is_finite())
}

/// The last line containing `key` whose value parses: (value, line number).
fn last_value(text: &str, key: &str) -> Option<(f64, usize)> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| l.contains(key))
        .filter_map(|(i, l)| number_after(l, key).map(|v| (v, i + 1)))
        .last()
}

fn need(
    text: &str,
    key: &str,
    path: &Path,
    code: Code,
    what: &str,
) -> Result<(f64, usize), ImportError> {
    last_value(text, key).ok_or_else(|| {
        err(
            path,
            0,
            format!(
                "no \"{key}\" line ({what}): not a complete {} output, or a truncated one",
                code.as_str()
            ),
        )
    })
}

/// Read one image's output file.
///
/// # Errors
/// [`ImportError`] naming the file (and line) for unreadable, truncated or foreign files, and for
/// outputs without a reference for the Fermi level.
pub fn read_image(
    code: Code,
    path: &Path,
    opts: &ImportOptions,
) -> Result<ImportedImage, ImportError> {
    let path = if path.is_dir() {
        let name = match code {
            Code::Vasp => "OUTCAR",
            _ => {
                return Err(err(
                    path,
                    0,
                    format!("a directory: give the {} output file itself", code.as_str()),
                ))
            }
        };
        path.join(name)
    } else {
        path.to_path_buf()
    };
    let text = read_text(&path)?;
    match code {
        Code::Vasp => vasp(&path, &text, opts),
        Code::GpawSjm => gpaw_sjm(&path, &text, opts),
        Code::Jdftx => jdftx(&path, &text, opts),
        Code::Qe => qe(&path, &text, opts),
    }
}

fn vasp(path: &Path, text: &str, opts: &ImportOptions) -> Result<ImportedImage, ImportError> {
    let code = Code::Vasp;
    if !text.contains("vasp.") || !text.contains("POTCAR:") {
        return Err(err(
            path,
            0,
            "not a VASP OUTCAR (no version line or POTCAR:)",
        ));
    }
    // ions per type and valences (one ZVAL per POTCAR, in order)
    let (counts, counts_line) = text
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains("ions per type ="))
        .map(|(i, l)| {
            (
                l.split('=')
                    .nth(1)
                    .unwrap_or("")
                    .split_whitespace()
                    .map(|t| t.parse::<usize>())
                    .collect::<Result<Vec<_>, _>>(),
                i + 1,
            )
        })
        .ok_or_else(|| {
            err(
                path,
                0,
                "no \"ions per type =\" line: not a complete OUTCAR",
            )
        })?;
    let counts = counts.map_err(|_| err(path, counts_line, "malformed \"ions per type\""))?;
    let zval: Vec<(f64, usize)> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains("POMASS") && l.contains("ZVAL"))
        .filter_map(|(i, l)| number_after(l, "ZVAL").map(|z| (z, i + 1)))
        .collect();
    if zval.len() != counts.len() {
        return Err(err(
            path,
            counts_line,
            format!(
                "{} species in \"ions per type\" but {} POTCAR valences (ZVAL): not a complete OUTCAR",
                counts.len(),
                zval.len()
            ),
        ));
    }
    let neutral: f64 = zval
        .iter()
        .zip(&counts)
        .map(|((z, _), n)| z * *n as f64)
        .sum();
    let (nelect, _) = need(text, "NELECT =", path, code, "the electron count")?;
    let (energy, e_line) = need(text, "energy(sigma->0) =", path, code, "the energy")?;
    // the Fermi level of the same ionic step: the last one printed before that energy (a file cut
    // in the next step may already show the next step's Fermi level)
    let (fermi, f_line) = text
        .lines()
        .take(e_line)
        .enumerate()
        .filter(|(_, l)| l.contains("E-fermi :"))
        .filter_map(|(i, l)| number_after(l, "E-fermi :").map(|v| (v, i + 1)))
        .last()
        .ok_or_else(|| {
            err(
                path,
                e_line,
                "no \"E-fermi :\" before the last energy: a truncated OUTCAR",
            )
        })?;
    let dn = nelect - neutral;
    // VASPsol prints FERMI_SHIFT to standard output only: look next to the OUTCAR
    let shift = match opts.vacuum_level {
        Some(_) => None,
        None => vaspsol_fermi_shift(path)?,
    };
    let locpot = path.parent().unwrap_or(Path::new(".")).join("LOCPOT");
    let vacuum = match (opts.vacuum_level, &shift) {
        (Some(v), _) => Some((v, format!("--vacuum-level {v} eV"))),
        (None, None) if locpot.is_file() => {
            let axis = opts.locpot_axis.unwrap_or(2);
            let pa = super::locpot::planar_average(&locpot, axis)?;
            Some((
                pa.vacuum_level,
                format!(
                    "vacuum level {:.4} eV: largest planar average along {} (at {:.3}) of {}",
                    pa.vacuum_level,
                    ["a", "b", "c"][axis],
                    pa.at_fraction,
                    locpot.display()
                ),
            ))
        }
        _ => None,
    };
    let (energy, work_function, reference) = match (vacuum, shift) {
        (Some((v, why)), _) => (energy, v - fermi, why),
        (None, Some((fs, file))) => (
            // Fermi level on the bulk-electrolyte scale ε_F + FERMI_SHIFT (VASPsol docs/USAGE.md);
            // the energy moves with the reference by Δn·FERMI_SHIFT (Xia et al., JCTC 19, 5156 (2023))
            energy + dn * fs,
            -(fermi + fs),
            format!("VASPsol FERMI_SHIFT {fs} eV from {file}"),
        ),
        (None, None) => {
            return Err(err(
                path,
                f_line,
                "no reference for the Fermi level: VASP's is the cell-average potential; put the run's LOCPOT (LVHAR or LVTOT) next to the OUTCAR, pass --vacuum-level, or keep VASPsol's standard output (vasp.out, stdout or OUTPUT with FERMI_SHIFT) next to the OUTCAR",
            ))
        }
    };
    Ok(ImportedImage {
        source: path.display().to_string(),
        energy,
        excess_electrons: dn,
        fermi_level: fermi,
        work_function,
        reference,
    })
}

fn vaspsol_fermi_shift(outcar: &Path) -> Result<Option<(f64, String)>, ImportError> {
    let dir = outcar.parent().unwrap_or(Path::new("."));
    for name in ["vasp.out", "stdout", "OUTPUT", "vasp.log"] {
        let p = dir.join(name);
        if p.is_file() {
            let text = read_text(&p)?;
            if let Some((fs, _)) = last_value(&text, "FERMI_SHIFT =") {
                return Ok(Some((fs, p.display().to_string())));
            }
        }
    }
    Ok(None)
}

fn gpaw_sjm(path: &Path, text: &str, _opts: &ImportOptions) -> Result<ImportedImage, ImportError> {
    let code = Code::GpawSjm;
    if !text.contains("gpaw") && !text.contains("GPAW") {
        return Err(err(path, 0, "not a GPAW text log"));
    }
    if !text.contains("Legendre-transformed energies") {
        return Err(err(
            path,
            0,
            "a GPAW log without SJM's grand-potential block: not an SJM calculation, or it stopped before the first converged step",
        ));
    }
    let (dn, dn_line) = need(
        text,
        "N (excess electrons):",
        path,
        code,
        "the excess electrons",
    )?;
    let (w, _) = need(
        text,
        "mu (workfunction, eV):",
        path,
        code,
        "the work function",
    )?;
    let (omega, o_line) = need(
        text,
        "(Grand) extrapolated:",
        path,
        code,
        "the grand energy",
    )?;
    // the canonical energy of the same step: the last "Extrapolated:" before the SJM block
    let energy = text
        .lines()
        .take(dn_line)
        .enumerate()
        .filter(|(_, l)| l.trim_start().starts_with("Extrapolated:"))
        .filter_map(|(_, l)| number_after(l, "Extrapolated:"))
        .last()
        .ok_or_else(|| {
            err(
                path,
                dn_line,
                "no \"Extrapolated:\" energy before the SJM block",
            )
        })?;
    // GPAW SJM: Ω = E + Δn·W (printed to 6 decimals)
    if (energy + dn * w - omega).abs() > 2e-5 * (1.0 + dn.abs() + w.abs()) {
        return Err(err(
            path,
            o_line,
            format!("the grand energy {omega} is not E + Δn·W = {} (E {energy}, Δn {dn}, W {w}): a log of a different SJM version?", energy + dn * w),
        ));
    }
    // GPAW's own Fermi level of that step (its internal scale), for the record
    let fermi = text
        .lines()
        .take(dn_line)
        .filter(|l| l.starts_with("Fermi level:"))
        .filter_map(|l| number_after(l, "Fermi level:"))
        .last()
        .unwrap_or(-w);
    Ok(ImportedImage {
        source: path.display().to_string(),
        energy,
        excess_electrons: dn,
        fermi_level: fermi,
        work_function: w,
        reference: "GPAW SJM electrode potential (work function, mu)".into(),
    })
}

fn jdftx(path: &Path, text: &str, opts: &ImportOptions) -> Result<ImportedImage, ImportError> {
    let code = Code::Jdftx;
    if !text.contains("JDFTx") {
        return Err(err(path, 0, "not a JDFTx output (no JDFTx banner)"));
    }
    // the atoms: "ion SYMBOL x y z ..." lines of the input echo (first block)
    let mut atoms: Vec<String> = Vec::new();
    for l in text.lines() {
        if let Some(rest) = l.strip_prefix("ion ") {
            atoms.push(rest.split_whitespace().next().unwrap_or("").to_string());
        } else if !atoms.is_empty() {
            break;
        }
    }
    if atoms.is_empty() {
        return Err(err(
            path,
            0,
            "no \"ion\" lines in the input echo: a truncated JDFTx output",
        ));
    }
    let mut symbols: Vec<String> = Vec::new();
    for a in &atoms {
        if !symbols.contains(a) {
            symbols.push(a.clone());
        }
    }
    // valence per pseudopotential, in the order the files are read: "Reading pseudopotential file
    // 'PATH'" then "... N valence electrons ..."; the species is the file's leading letters
    // (pt_pbesol.uspp, Pt_ONCV_PBE-1.0.upf) or the "'Pt' pseudopotential" line
    let mut valence: Vec<(String, f64)> = Vec::new();
    let mut current: Option<String> = None;
    for (i, l) in text.lines().enumerate() {
        let t = l.trim();
        if let Some(rest) = t.strip_prefix("Reading pseudopotential file '") {
            let file = rest.trim_end_matches(['\'', ':']);
            let stem = Path::new(file)
                .file_name()
                .map(|f| f.to_string_lossy().to_string())
                .unwrap_or_default();
            let lead: String = stem
                .chars()
                .take_while(|c| c.is_ascii_alphabetic())
                .collect();
            current = symbols
                .iter()
                .find(|s| s.eq_ignore_ascii_case(&lead))
                .cloned();
        } else if t.starts_with('\'') && t.contains("pseudopotential") {
            let name = t.trim_start_matches('\'').split('\'').next().unwrap_or("");
            if let Some(s) = symbols.iter().find(|s| s.eq_ignore_ascii_case(name)) {
                current = Some(s.clone());
            }
        }
        if let Some(k) = t.find("valence electrons") {
            let z = t[..k]
                .split_whitespace()
                .last()
                .and_then(|x| x.parse::<f64>().ok());
            match (&current, z) {
                (Some(sp), Some(z)) if !valence.iter().any(|(n, _)| n == sp) => {
                    valence.push((sp.clone(), z));
                }
                (Some(_), _) => {}
                (None, Some(z)) if symbols.len() == 1 => valence.push((symbols[0].clone(), z)),
                (None, Some(_)) => {
                    return Err(err(path, i + 1, "cannot tell which species this pseudopotential belongs to (name the file after the element)"))
                }
                _ => {}
            }
            current = None;
        }
    }
    let mut neutral = 0.0;
    for a in &atoms {
        let z = valence.iter().find(|(s, _)| s == a).map(|(_, z)| *z).ok_or_else(|| {
            err(path, 0, format!("no pseudopotential valence for species {a} (\"N valence electrons\"): a truncated JDFTx output"))
        })?;
        neutral += z;
    }
    let (n_total, _) = need(text, "nElectrons:", path, code, "the electron count")?;
    let (mu, mu_line) = need(text, "mu:", path, code, "the electron chemical potential")?;
    // final energy: grand free energy G (target-mu runs) or F, in Hartree
    let g = last_value(text, "G =");
    let f = last_value(text, "F =");
    let (value, grand) =
        match (g, f) {
            (Some((g, gl)), Some((_, fl))) if gl > fl => (g, true),
            (_, Some((f, _))) => (f, false),
            (Some((g, _)), None) => (g, true),
            (None, None) => return Err(err(
                path,
                0,
                "no final \"F =\" or \"G =\" energy: the electronic minimisation did not finish",
            )),
        };
    let dn = n_total - neutral;
    let mu_ev = mu * HARTREE;
    // JDFTx: G = F − μN with the total N; F = G + μN; the canonical energy E = F (free energy at Δn)
    let energy = if grand {
        (value + mu * n_total) * HARTREE
    } else {
        value * HARTREE
    };
    let (work_function, reference) = match opts.vacuum_level {
        Some(v) => (v - mu_ev, format!("--vacuum-level {v} eV")),
        None => (
            -mu_ev,
            "JDFTx's absolute μ (truncated Coulomb interaction or fluid: the potential is zero far away)".into(),
        ),
    };
    if !text.contains("coulomb-interaction Slab")
        && !text.contains("fluid ")
        && opts.vacuum_level.is_none()
    {
        return Err(err(path, mu_line, "μ is on an absolute scale only with a truncated Coulomb interaction (coulomb-interaction Slab) or a fluid; pass --vacuum-level"));
    }
    Ok(ImportedImage {
        source: path.display().to_string(),
        energy,
        excess_electrons: dn,
        fermi_level: mu_ev,
        work_function,
        reference,
    })
}

fn qe(path: &Path, text: &str, opts: &ImportOptions) -> Result<ImportedImage, ImportError> {
    let code = Code::Qe;
    if !text.contains("Program PWSCF") {
        return Err(err(path, 0, "not a pw.x output (no \"Program PWSCF\")"));
    }
    let (energy_ry, _) = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.trim_start().starts_with('!') && l.contains("total energy"))
        .filter_map(|(i, l)| number_after(l, "total energy").map(|v| (v, i + 1)))
        .last()
        .ok_or_else(|| {
            err(
                path,
                0,
                "no converged \"!    total energy\": the SCF did not finish",
            )
        })?;
    let (fermi, f_line) = need(
        text,
        "the Fermi energy is",
        path,
        code,
        "the Fermi level (smearing or fixed occupations with a Fermi level)",
    )?;
    let (nelec, _) = need(
        text,
        "number of electrons       =",
        path,
        code,
        "the electron count",
    )?;
    // valences: the "atomic species   valence    mass     pseudopotential" table
    let mut valence: Vec<(String, f64)> = Vec::new();
    let mut lines = text
        .lines()
        .enumerate()
        .skip_while(|(_, l)| !l.contains("atomic species   valence"));
    lines.next();
    for (_, l) in lines {
        let w: Vec<&str> = l.split_whitespace().collect();
        if w.len() < 3 {
            break;
        }
        match w[1].parse::<f64>() {
            Ok(z) => valence.push((w[0].to_string(), z)),
            Err(_) => break,
        }
    }
    if valence.is_empty() {
        return Err(err(
            path,
            0,
            "no \"atomic species   valence\" table: a truncated pw.x output",
        ));
    }
    // atoms: "   1           Cu  tau(   1) = (...)" lines of the first positions block
    let mut neutral = 0.0;
    let mut seen = 0;
    let mut in_block = false;
    for (i, l) in text.lines().enumerate() {
        if l.contains("site n.") && l.contains("atom") && l.contains("positions") {
            if seen > 0 {
                break;
            }
            in_block = true;
            continue;
        }
        if in_block {
            if !l.contains("tau(") {
                if seen > 0 {
                    break;
                }
                continue;
            }
            let sym = l.split_whitespace().nth(1).unwrap_or("");
            let z = valence
                .iter()
                .find(|(s, _)| s == sym)
                .map(|(_, z)| *z)
                .ok_or_else(|| {
                    err(
                        path,
                        i + 1,
                        format!("atom species {sym} is not in the valence table"),
                    )
                })?;
            neutral += z;
            seen += 1;
        }
    }
    if seen == 0 {
        return Err(err(
            path,
            0,
            "no atomic positions (\"site n. atom positions\"): a truncated pw.x output",
        ));
    }
    let vacuum = opts.vacuum_level.ok_or_else(|| {
        err(path, f_line, "pw.x's Fermi level is relative to the cell-average potential: pass --vacuum-level (the planar-averaged potential in the vacuum or bulk electrolyte, from pp.x/average.x, on the same scale)")
    })?;
    Ok(ImportedImage {
        source: path.display().to_string(),
        energy: energy_ry * QE_RYDBERG,
        excess_electrons: nelec - neutral,
        fermi_level: fermi,
        work_function: vacuum - fermi,
        reference: format!("--vacuum-level {vacuum} eV"),
    })
}

/// Read every image and assemble a `nebkit/electrochem-band` (IS first). A single directory of a
/// VASP NEB (`00/ … NN/`) is expanded to its image directories.
///
/// # Errors
/// The first image that cannot be read (file and line named).
pub fn import_band(
    code: Code,
    paths: &[PathBuf],
    opts: &ImportOptions,
    phi_she: f64,
    capacitance: Option<f64>,
) -> Result<(super::ElectrochemBand, Vec<ImportedImage>), ImportError> {
    let mut list: Vec<PathBuf> = Vec::new();
    for p in paths {
        let numbered = if p.is_dir() && !p.join("OUTCAR").exists() {
            let mut dirs: Vec<(usize, PathBuf)> = std::fs::read_dir(p)
                .map_err(|e| err(p, 0, e.to_string()))?
                .filter_map(|e| e.ok())
                .filter_map(|e| {
                    let name = e.file_name().to_string_lossy().to_string();
                    (name.len() == 2 && name.chars().all(|c| c.is_ascii_digit()))
                        .then(|| (name.parse::<usize>().ok(), e.path()))
                        .and_then(|(k, p)| k.map(|k| (k, p)))
                })
                .collect();
            dirs.sort();
            dirs.into_iter().map(|(_, d)| d).collect()
        } else {
            Vec::new()
        };
        if numbered.is_empty() {
            list.push(p.clone());
        } else {
            list.extend(numbered);
        }
    }
    if list.len() < 2 {
        return Err(err(
            paths.first().map_or(Path::new("."), |p| p.as_path()),
            0,
            format!("a band needs at least 2 images, got {}", list.len()),
        ));
    }
    let images = list
        .iter()
        .map(|p| read_image(code, p, opts))
        .collect::<Result<Vec<_>, _>>()?;
    let band = super::ElectrochemBand {
        format: "nebkit/electrochem-band".into(),
        version: 1,
        phi_she,
        images: images
            .iter()
            .map(|im| super::ElectrochemImage {
                energy: Some(im.energy),
                excess_electrons: Some(im.excess_electrons),
                potential: None,
                work_function: Some(im.work_function),
                capacitance,
                states: None,
            })
            .collect(),
        source: None,
    };
    Ok((band, images))
}
