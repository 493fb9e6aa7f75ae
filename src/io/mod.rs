//! Reading and writing structures: nebkit JSON, ASE JSON, extended XYZ, VASP POSCAR/CONTCAR and
//! pymatgen `Structure.as_dict()` JSON. The format is chosen from the file name or the content.
//!
//! Readers return every frame of a file ([`read_all`]); [`read`] returns the last one, as
//! `ase.io.read` does. Errors name the file and, for text formats, the line.

mod ase_json;
mod extxyz;
mod json_util;
mod nebkit_json;
mod pymatgen;
mod vasp;

use crate::structure::{Structure, StructureError};
use std::path::Path;

pub use extxyz::{parse_key_values, KeyValue};

/// Errors from reading or writing structure files.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IoError {
    /// The file could not be opened, read or written.
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// The content could not be parsed.
    #[error("{path}: {}{message}", line.map(|l| format!("line {l}: ")).unwrap_or_default())]
    Parse {
        path: String,
        line: Option<usize>,
        message: String,
    },
    /// The content parsed but describes an invalid structure.
    #[error("{path}: {source}")]
    Structure {
        path: String,
        #[source]
        source: StructureError,
    },
    /// No format matches the name or content.
    #[error("{path}: cannot tell the file format ({hint})")]
    UnknownFormat { path: String, hint: String },
    /// The format can be read but not written.
    #[error("{path}: writing {format} files is not supported (write .json, .extxyz or POSCAR)")]
    ReadOnly { path: String, format: &'static str },
    /// The file holds no structure.
    #[error("{path}: no structure in the file")]
    Empty { path: String },
}

/// File formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// nebkit JSON (`nebkit/structure` or `nebkit/trajectory`, version 1).
    NebkitJson,
    /// ASE JSON: database files written by `ase.io.write('x.json', ...)` and `ase.io.jsonio` objects.
    AseJson,
    /// pymatgen `Structure.as_dict()` / `Molecule.as_dict()` JSON (read only).
    Pymatgen,
    /// Extended XYZ in ASE's dialect (plain XYZ too).
    ExtXyz,
    /// VASP POSCAR/CONTCAR (VASP 5 with species line; VASP 4 with symbols in the comment).
    Vasp,
}

impl Format {
    /// Human-readable name.
    pub fn name(self) -> &'static str {
        match self {
            Format::NebkitJson => "nebkit JSON",
            Format::AseJson => "ASE JSON",
            Format::Pymatgen => "pymatgen JSON",
            Format::ExtXyz => "extended XYZ",
            Format::Vasp => "VASP POSCAR",
        }
    }

    /// Format from a file name alone (`None` for `.json`, which needs the content, and unknown names).
    pub fn from_name(path: &Path) -> Option<Format> {
        let name = path.file_name()?.to_string_lossy().to_lowercase();
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        if ext == "xyz" || ext == "extxyz" {
            Some(Format::ExtXyz)
        } else if ext == "vasp"
            || ext == "poscar"
            || name.starts_with("poscar")
            || name.starts_with("contcar")
        {
            Some(Format::Vasp)
        } else {
            None
        }
    }

    /// Format from the content (JSON flavour by its keys; XYZ when the first line is an integer).
    pub fn from_content(text: &str) -> Option<Format> {
        let t = text.trim_start();
        if t.starts_with('{') {
            let value: serde_json::Value = serde_json::from_str(t).ok()?;
            return json_flavour(&value);
        }
        let first = t.lines().next()?.trim();
        if first.parse::<usize>().is_ok() {
            return Some(Format::ExtXyz);
        }
        // POSCAR: second line is the scale factor(s)
        let second = t.lines().nth(1)?.split_whitespace().next()?;
        second.parse::<f64>().ok().map(|_| Format::Vasp)
    }
}

fn json_flavour(value: &serde_json::Value) -> Option<Format> {
    let obj = value.as_object()?;
    if obj
        .get("format")
        .and_then(|f| f.as_str())
        .is_some_and(|f| f.starts_with("nebkit/"))
    {
        return Some(Format::NebkitJson);
    }
    if obj.contains_key("@module") || obj.contains_key("@class") || obj.contains_key("sites") {
        return Some(Format::Pymatgen);
    }
    if obj.contains_key("ids")
        || obj.contains_key("__ase_objtype__")
        || obj.contains_key("numbers")
        || obj.keys().any(|k| k.parse::<u64>().is_ok())
    {
        return Some(Format::AseJson);
    }
    None
}

fn read_text(path: &Path) -> Result<String, IoError> {
    std::fs::read_to_string(path).map_err(|source| IoError::Io {
        path: path.display().to_string(),
        source,
    })
}

/// Read every structure in `path` (all frames / database rows).
///
/// # Errors
/// [`IoError`] naming the file and the problem.
pub fn read_all(path: &Path) -> Result<Vec<Structure>, IoError> {
    let text = read_text(path)?;
    let name = path.display().to_string();
    let format = match Format::from_name(path) {
        Some(f) => f,
        None => {
            let is_json = path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("json"));
            if is_json || text.trim_start().starts_with('{') {
                let value: serde_json::Value =
                    serde_json::from_str(&text).map_err(|e| IoError::Parse {
                        path: name.clone(),
                        line: Some(e.line()),
                        message: format!("malformed JSON: {e}"),
                    })?;
                json_flavour(&value).ok_or_else(|| IoError::UnknownFormat {
                    path: name.clone(),
                    hint: "JSON without the keys of a nebkit, ASE or pymatgen structure".into(),
                })?
            } else {
                Format::from_content(&text).ok_or_else(|| IoError::UnknownFormat {
                    path: name.clone(),
                    hint: "use .json, .extxyz/.xyz, POSCAR/CONTCAR or .vasp".into(),
                })?
            }
        }
    };
    read_str(&text, format, &name)
}

/// Parse `text` in `format`; `name` is used in error messages.
///
/// # Errors
/// [`IoError`] naming `name` and the problem.
pub fn read_str(text: &str, format: Format, name: &str) -> Result<Vec<Structure>, IoError> {
    let frames = match format {
        Format::NebkitJson => nebkit_json::read(text, name)?,
        Format::AseJson => ase_json::read(text, name)?,
        Format::Pymatgen => pymatgen::read(text, name)?,
        Format::ExtXyz => extxyz::read(text, name)?,
        Format::Vasp => vec![vasp::read(text, name)?],
    };
    if frames.is_empty() {
        return Err(IoError::Empty {
            path: name.to_string(),
        });
    }
    for s in &frames {
        s.check().map_err(|source| IoError::Structure {
            path: name.to_string(),
            source,
        })?;
    }
    Ok(frames)
}

/// Read the last structure in `path` (as `ase.io.read` does).
///
/// # Errors
/// [`IoError`] naming the file and the problem.
pub fn read(path: &Path) -> Result<Structure, IoError> {
    let mut all = read_all(path)?;
    all.pop().ok_or_else(|| IoError::Empty {
        path: path.display().to_string(),
    })
}

/// Write one structure; the format follows the file name (`.json` → nebkit JSON,
/// `.ase.json` → ASE JSON, `.extxyz`/`.xyz`, `POSCAR`/`CONTCAR`/`.vasp`).
///
/// # Errors
/// I/O errors; writing a read-only format.
pub fn write(path: &Path, structure: &Structure) -> Result<(), IoError> {
    write_all(path, std::slice::from_ref(structure))
}

/// Write several structures (a trajectory) in the format that follows the file name.
///
/// # Errors
/// I/O errors; several frames to POSCAR.
pub fn write_all(path: &Path, frames: &[Structure]) -> Result<(), IoError> {
    let name = path.display().to_string();
    let lower = name.to_lowercase();
    let text = if lower.ends_with(".ase.json") {
        ase_json::write(frames)
    } else if let Some(f) = Format::from_name(path) {
        match f {
            Format::ExtXyz => extxyz::write(frames),
            Format::Vasp => {
                if frames.len() != 1 {
                    return Err(IoError::Parse {
                        path: name,
                        line: None,
                        message: format!("POSCAR holds one structure, got {}", frames.len()),
                    });
                }
                vasp::write(&frames[0])
            }
            other => {
                return Err(IoError::ReadOnly {
                    path: name,
                    format: other.name(),
                })
            }
        }
    } else {
        nebkit_json::write(frames)
    };
    write_atomic(path, text.as_bytes())
}

/// Write `path` crash-safely: to a temporary file in the same directory, then rename over it.
///
/// # Errors
/// I/O errors naming the path.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), IoError> {
    let err = |source| IoError::Io {
        path: path.display().to_string(),
        source,
    };
    let tmp = path.with_file_name(format!(
        ".{}.tmp{}",
        path.file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default(),
        std::process::id()
    ));
    {
        use std::io::Write as _;
        let mut f = std::fs::File::create(&tmp).map_err(err)?;
        f.write_all(bytes).map_err(err)?;
        f.sync_all().map_err(err)?;
    }
    std::fs::rename(&tmp, path).map_err(err)
}

/// Write in an explicitly chosen format.
///
/// # Errors
/// I/O errors; read-only formats.
pub fn write_format(path: &Path, frames: &[Structure], format: Format) -> Result<(), IoError> {
    let text = match format {
        Format::NebkitJson => nebkit_json::write(frames),
        Format::AseJson => ase_json::write(frames),
        Format::ExtXyz => extxyz::write(frames),
        Format::Vasp if frames.len() == 1 => vasp::write(&frames[0]),
        Format::Vasp => {
            return Err(IoError::Parse {
                path: path.display().to_string(),
                line: None,
                message: format!("POSCAR holds one structure, got {}", frames.len()),
            })
        }
        Format::Pymatgen => {
            return Err(IoError::ReadOnly {
                path: path.display().to_string(),
                format: format.name(),
            })
        }
    };
    write_atomic(path, text.as_bytes())
}

/// Frames as extended-XYZ text (ASE dialect), e.g. to append to a trajectory.
pub fn to_extxyz(frames: &[Structure]) -> String {
    extxyz::write(frames)
}

/// Format a float so that it reads back bit-identically (shortest round-trip representation).
pub(crate) fn fmt_f64(x: f64) -> String {
    let s = format!("{x:?}");
    if s == "-0.0" {
        "0.0".into()
    } else {
        s
    }
}

#[cfg(test)]
mod tests;
