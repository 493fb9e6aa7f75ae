//! VASP POSCAR/CONTCAR: scale factor (negative = target volume; three per-axis factors), VASP 5
//! species line or VASP 4 symbols from the comment line, Direct/Cartesian, selective dynamics
//! (`F F F` ↔ fixed atom). Written in VASP 5 form with the atom order kept (species blocks repeat
//! when the order interleaves elements, as ASE's `write_vasp(sort=False)` does).

use super::{fmt_f64, IoError};
use crate::structure::{elements, Cell, Structure};
use nalgebra::{Matrix3, Vector3};
use serde_json::{json, Value};

fn perr(name: &str, line: usize, message: impl Into<String>) -> IoError {
    IoError::Parse {
        path: name.to_string(),
        line: Some(line),
        message: message.into(),
    }
}

pub(crate) fn read(text: &str, name: &str) -> Result<Structure, IoError> {
    let lines: Vec<&str> = text.lines().collect();
    let get = |i: usize| -> Result<&str, IoError> {
        lines.get(i).copied().ok_or_else(|| {
            perr(
                name,
                i + 1,
                "file ends early (POSCAR needs comment, scale, 3 lattice lines, counts, positions)",
            )
        })
    };
    let comment = get(0)?.trim().to_string();
    let scale_words: Vec<f64> = get(1)?
        .split_whitespace()
        .map(|w| w.parse().ok())
        .collect::<Option<_>>()
        .ok_or_else(|| {
            perr(
                name,
                2,
                format!(
                    "cannot read the scale factor from '{}'",
                    get(1).unwrap_or("").trim()
                ),
            )
        })?;
    let mut rows = [[0.0f64; 3]; 3];
    for (k, row) in rows.iter_mut().enumerate() {
        let line = get(2 + k)?;
        let v: Vec<f64> = line
            .split_whitespace()
            .take(3)
            .map(|w| w.parse().ok())
            .collect::<Option<_>>()
            .filter(|v: &Vec<f64>| v.len() == 3)
            .ok_or_else(|| {
                perr(
                    name,
                    3 + k,
                    format!(
                        "lattice vector {}: expected 3 numbers, got '{}'",
                        k + 1,
                        line.trim()
                    ),
                )
            })?;
        *row = [v[0], v[1], v[2]];
    }
    let mut cell = Cell::from_rows(rows);
    match scale_words.as_slice() {
        [s] if *s > 0.0 => cell.matrix *= *s,
        [s] if *s < 0.0 => {
            let v = cell.volume();
            if v <= 0.0 {
                return Err(perr(
                    name,
                    2,
                    "negative scale (target volume) with a singular cell",
                ));
            }
            cell.matrix *= (-s / v).cbrt();
        }
        [sx, sy, sz] if *sx > 0.0 && *sy > 0.0 && *sz > 0.0 => {
            cell.matrix *= Matrix3::from_diagonal(&Vector3::new(*sx, *sy, *sz));
        }
        _ => {
            return Err(perr(
                name,
                2,
                "scale factor must be one non-zero number or three positive ones",
            ))
        }
    }
    // VASP 5: a species line before the counts; VASP 4: counts directly, symbols in the comment
    let mut idx = 5;
    let l5 = get(5)?;
    let first = l5.split_whitespace().next().unwrap_or("");
    let species: Vec<String> = if first.parse::<usize>().is_ok() {
        comment
            .split_whitespace()
            .map(String::from)
            .take_while(|w| elements::number_of(w).is_some())
            .collect()
    } else {
        idx = 6;
        // VASP 6 may write "Cu/abc123" (POTCAR hash); keep the symbol part
        l5.split_whitespace()
            .map(|w| w.split(['/', '_']).next().unwrap_or(w).to_string())
            .collect()
    };
    let counts_line = get(idx)?;
    let counts: Vec<usize> = counts_line
        .split_whitespace()
        .map(|w| w.parse().ok())
        .collect::<Option<_>>()
        .ok_or_else(|| {
            perr(
                name,
                idx + 1,
                format!("cannot read atom counts from '{}'", counts_line.trim()),
            )
        })?;
    if species.len() != counts.len() {
        return Err(perr(
            name,
            idx + 1,
            format!(
                "{} species but {} counts{}",
                species.len(),
                counts.len(),
                if idx == 5 {
                    " (VASP 4 file: put the element symbols in the comment line)"
                } else {
                    ""
                }
            ),
        ));
    }
    let mut numbers = Vec::new();
    for (sym, &c) in species.iter().zip(&counts) {
        let z = elements::number_of(sym)
            .ok_or_else(|| perr(name, idx, format!("unknown element '{sym}'")))?;
        numbers.extend(std::iter::repeat_n(z, c));
    }
    let n = numbers.len();
    if n == 0 {
        return Err(perr(name, idx + 1, "no atoms"));
    }
    idx += 1;
    let mut selective = false;
    let mut mode = get(idx)?.trim().to_string();
    if mode.starts_with(['s', 'S']) {
        selective = true;
        idx += 1;
        mode = get(idx)?.trim().to_string();
    }
    let cartesian = mode.starts_with(['c', 'C', 'k', 'K']);
    if !cartesian && !mode.starts_with(['d', 'D']) {
        return Err(perr(
            name,
            idx + 1,
            format!("expected 'Direct' or 'Cartesian', got '{mode}'"),
        ));
    }
    idx += 1;
    let mut positions = Vec::with_capacity(n);
    let mut fixed = vec![false; n];
    let mut partial = Vec::new();
    for a in 0..n {
        let lineno = idx + a + 1;
        let line = lines.get(idx + a).ok_or_else(|| {
            perr(
                name,
                lineno,
                format!("file ends after {a} of {n} positions"),
            )
        })?;
        let words: Vec<&str> = line.split_whitespace().collect();
        let v: Vec<f64> = words
            .iter()
            .take(3)
            .map(|w| w.parse().ok().filter(|x: &f64| x.is_finite()))
            .collect::<Option<_>>()
            .filter(|v: &Vec<f64>| v.len() == 3)
            .ok_or_else(|| {
                perr(
                    name,
                    lineno,
                    format!("atom {a}: expected 3 coordinates, got '{}'", line.trim()),
                )
            })?;
        let mut p = Vector3::new(v[0], v[1], v[2]);
        p = if cartesian {
            match scale_words.as_slice() {
                [s] if *s > 0.0 => p * *s,
                [s] => p * (-s / Cell::from_rows(rows).volume()).cbrt(),
                [sx, sy, sz] => Vector3::new(p.x * sx, p.y * sy, p.z * sz),
                _ => p,
            }
        } else {
            (p.transpose() * cell.matrix).transpose()
        };
        positions.push(p);
        if selective {
            let flags: Vec<bool> = words
                .iter()
                .skip(3)
                .take(3)
                .map(|w| match *w {
                    "T" | "t" | ".TRUE." | ".true." => Some(true),
                    "F" | "f" | ".FALSE." | ".false." => Some(false),
                    _ => None,
                })
                .collect::<Option<_>>()
                .filter(|f: &Vec<bool>| f.len() == 3)
                .ok_or_else(|| {
                    perr(
                        name,
                        lineno,
                        format!(
                            "atom {a}: selective dynamics needs three T/F flags, got '{}'",
                            line.trim()
                        ),
                    )
                })?;
            if flags.iter().all(|f| !f) {
                fixed[a] = true;
            } else if flags.iter().any(|f| !f) {
                partial.push(json!(a));
            }
        }
    }
    let mut s = Structure::new(numbers, positions).map_err(|e| perr(name, idx, e.to_string()))?;
    s.cell = cell;
    s.pbc = [true; 3];
    s.fixed = fixed;
    if !comment.is_empty() {
        s.info.insert("comment".into(), json!(comment));
    }
    if !partial.is_empty() {
        // atoms with some but not all directions frozen: not representable as fixed atoms
        s.info
            .insert("selective_dynamics_partial".into(), Value::Array(partial));
    }
    s.check().map_err(|e| perr(name, 3, e.to_string()))?;
    Ok(s)
}

pub(crate) fn write(s: &Structure) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    // species blocks in atom order
    let mut blocks: Vec<(u8, usize)> = Vec::new();
    for &z in &s.numbers {
        match blocks.last_mut() {
            Some((bz, c)) if *bz == z => *c += 1,
            _ => blocks.push((z, 1)),
        }
    }
    let syms: Vec<&str> = blocks
        .iter()
        .map(|(z, _)| elements::symbol_of(*z))
        .collect();
    let comment = s
        .info
        .get("comment")
        .and_then(Value::as_str)
        .map(|c| c.replace('\n', " "))
        .unwrap_or_else(|| syms.join(" "));
    let _ = writeln!(out, "{comment}");
    let _ = writeln!(out, " 1.0000000000000000");
    for row in s.cell.rows() {
        let _ = writeln!(
            out,
            " {:>24} {:>24} {:>24}",
            fmt_f64(row[0]),
            fmt_f64(row[1]),
            fmt_f64(row[2])
        );
    }
    let _ = writeln!(out, " {}", syms.join(" "));
    let counts: Vec<String> = blocks.iter().map(|(_, c)| c.to_string()).collect();
    let _ = writeln!(out, " {}", counts.join(" "));
    let selective = s.fixed.iter().any(|&f| f);
    if selective {
        let _ = writeln!(out, "Selective dynamics");
    }
    let _ = writeln!(out, "Cartesian");
    for (a, p) in s.positions.iter().enumerate() {
        let _ = write!(
            out,
            " {:>24} {:>24} {:>24}",
            fmt_f64(p.x),
            fmt_f64(p.y),
            fmt_f64(p.z)
        );
        if selective {
            let _ = write!(
                out,
                "{}",
                if s.fixed[a] {
                    "   F   F   F"
                } else {
                    "   T   T   T"
                }
            );
        }
        out.push('\n');
    }
    out
}
