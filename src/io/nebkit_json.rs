//! nebkit JSON: `{"format": "nebkit/structure", "version": 1, ...}` and `nebkit/trajectory` (frames).

use super::json_util::perr;
use super::IoError;
use crate::structure::{symbols_to_numbers, Cell, StoredResults, Structure};
use nalgebra::Vector3;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Current schema version.
pub const VERSION: u32 = 1;

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Frame {
    symbols: Vec<String>,
    /// Å
    positions: Vec<[f64; 3]>,
    /// rows = lattice vectors, Å
    #[serde(default)]
    cell: Option<[[f64; 3]; 3]>,
    #[serde(default)]
    pbc: Option<[bool; 3]>,
    /// indices of fixed atoms
    #[serde(default)]
    fixed: Vec<usize>,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    info: Map<String, Value>,
    /// eV
    #[serde(default, skip_serializing_if = "Option::is_none")]
    energy: Option<f64>,
    /// eV/Å
    #[serde(default, skip_serializing_if = "Option::is_none")]
    forces: Option<Vec<[f64; 3]>>,
    /// Voigt xx yy zz yz xz xy, eV/Å³
    #[serde(default, skip_serializing_if = "Option::is_none")]
    stress: Option<[f64; 6]>,
}

/// A single-structure file: the header plus the fields of [`Frame`] (written out because serde's
/// `flatten` does not combine with `deny_unknown_fields`).
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StructureFile {
    format: String,
    version: u32,
    symbols: Vec<String>,
    positions: Vec<[f64; 3]>,
    #[serde(default)]
    cell: Option<[[f64; 3]; 3]>,
    #[serde(default)]
    pbc: Option<[bool; 3]>,
    #[serde(default)]
    fixed: Vec<usize>,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    info: Map<String, Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    energy: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    forces: Option<Vec<[f64; 3]>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    stress: Option<[f64; 6]>,
}

impl StructureFile {
    fn new(f: Frame) -> Self {
        StructureFile {
            format: "nebkit/structure".into(),
            version: VERSION,
            symbols: f.symbols,
            positions: f.positions,
            cell: f.cell,
            pbc: f.pbc,
            fixed: f.fixed,
            info: f.info,
            energy: f.energy,
            forces: f.forces,
            stress: f.stress,
        }
    }

    fn frame(self) -> Frame {
        Frame {
            symbols: self.symbols,
            positions: self.positions,
            cell: self.cell,
            pbc: self.pbc,
            fixed: self.fixed,
            info: self.info,
            energy: self.energy,
            forces: self.forces,
            stress: self.stress,
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TrajectoryFile {
    format: String,
    version: u32,
    frames: Vec<Frame>,
}

fn to_structure(f: Frame, name: &str, frame: usize) -> Result<Structure, IoError> {
    let ctx = |e: crate::structure::StructureError| IoError::Parse {
        path: name.to_string(),
        line: None,
        message: format!("frame {frame}: {e}"),
    };
    let numbers = symbols_to_numbers(&f.symbols).map_err(ctx)?;
    let n = numbers.len();
    if f.positions.len() != n {
        return Err(perr(
            name,
            format!(
                "frame {frame}: {} positions for {n} symbols",
                f.positions.len()
            ),
        ));
    }
    let mut s = Structure::new(
        numbers,
        f.positions
            .iter()
            .map(|p| Vector3::new(p[0], p[1], p[2]))
            .collect(),
    )
    .map_err(ctx)?;
    s.cell = f.cell.map(Cell::from_rows).unwrap_or_default();
    s.pbc = f.pbc.unwrap_or([false; 3]);
    for &i in &f.fixed {
        if i >= n {
            return Err(perr(
                name,
                format!("frame {frame}: fixed atom index {i} out of range (0..{n})"),
            ));
        }
        s.fixed[i] = true;
    }
    s.info = f.info;
    if f.energy.is_some() || f.forces.is_some() || f.stress.is_some() {
        let forces = f.forces.map(|fs| {
            fs.iter()
                .map(|p| Vector3::new(p[0], p[1], p[2]))
                .collect::<Vec<_>>()
        });
        if forces.as_ref().is_some_and(|fs| fs.len() != n) {
            return Err(perr(
                name,
                format!("frame {frame}: forces must have one row per atom"),
            ));
        }
        s.stored = Some(StoredResults {
            energy: f.energy,
            forces,
            stress: f.stress,
        });
    }
    s.check().map_err(ctx)?;
    Ok(s)
}

fn to_frame(s: &Structure) -> Frame {
    let st = s.stored.clone().unwrap_or_default();
    Frame {
        symbols: s.symbols().iter().map(|x| x.to_string()).collect(),
        positions: s.positions.iter().map(|p| [p.x, p.y, p.z]).collect(),
        cell: Some(s.cell.rows()),
        pbc: Some(s.pbc),
        fixed: (0..s.len()).filter(|&i| s.fixed[i]).collect(),
        info: s.info.clone(),
        energy: st.energy,
        forces: st
            .forces
            .map(|f| f.iter().map(|v| [v.x, v.y, v.z]).collect()),
        stress: st.stress,
    }
}

fn check_header(format: &str, version: u32, expected: &str, name: &str) -> Result<(), IoError> {
    if format != expected {
        return Err(perr(
            name,
            format!("format '{format}', expected '{expected}'"),
        ));
    }
    if version != VERSION {
        return Err(perr(
            name,
            format!(
                "{format} version {version} is not supported (this nebkit reads version {VERSION})"
            ),
        ));
    }
    Ok(())
}

pub(crate) fn read(text: &str, name: &str) -> Result<Vec<Structure>, IoError> {
    let value: Value = serde_json::from_str(text).map_err(|e| IoError::Parse {
        path: name.to_string(),
        line: Some(e.line()),
        message: format!("malformed JSON: {e}"),
    })?;
    let format = value.get("format").and_then(Value::as_str).unwrap_or("");
    let schema_err = |e: serde_json::Error| perr(name, format!("{format}: {e}"));
    let version = value
        .get("version")
        .and_then(Value::as_u64)
        .ok_or_else(|| {
            perr(
                name,
                format!("{format}: missing or non-integer \"version\""),
            )
        })? as u32;
    match format {
        "nebkit/structure" => {
            check_header(format, version, "nebkit/structure", name)?;
            let f: StructureFile = serde_json::from_value(value.clone()).map_err(schema_err)?;
            Ok(vec![to_structure(f.frame(), name, 0)?])
        }
        "nebkit/trajectory" => {
            check_header(format, version, "nebkit/trajectory", name)?;
            let f: TrajectoryFile = serde_json::from_value(value.clone()).map_err(schema_err)?;
            f.frames
                .into_iter()
                .enumerate()
                .map(|(i, fr)| to_structure(fr, name, i))
                .collect()
        }
        other => Err(perr(
            name,
            format!(
                "unknown nebkit format '{other}' (expected nebkit/structure or nebkit/trajectory)"
            ),
        )),
    }
}

pub(crate) fn write(frames: &[Structure]) -> String {
    let value = if frames.len() == 1 {
        serde_json::to_value(StructureFile::new(to_frame(&frames[0])))
    } else {
        serde_json::to_value(TrajectoryFile {
            format: "nebkit/trajectory".into(),
            version: VERSION,
            frames: frames.iter().map(to_frame).collect(),
        })
    }
    .expect("plain data serialises");
    let mut s = serde_json::to_string_pretty(&value).expect("plain data serialises");
    s.push('\n');
    s
}
