//! Extended XYZ in ASE's dialect: `Lattice="..." Properties=species:S:1:pos:R:3:... pbc="T T F"`,
//! energy and stress in the comment line, forces and `move_mask` per atom; multi-frame. Plain XYZ files
//! (free-text comment line) are read as open structures.

use super::{fmt_f64, IoError};
use crate::structure::{elements, Cell, StoredResults, Structure};
use nalgebra::Vector3;
use serde_json::{json, Map, Value};

/// One `key=value` item of an extended-XYZ comment line.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyValue {
    /// The key as written.
    pub key: String,
    /// The value text, unquoted (`None` for a bare key, which means `True`).
    pub value: Option<String>,
}

/// Split an extended-XYZ comment line into `key=value` items (values may be `"quoted"`, with `\"`
/// escapes, or `{braced}`); `None` when the line is not a key=value line (plain XYZ).
pub fn parse_key_values(line: &str) -> Option<Vec<KeyValue>> {
    let chars: Vec<char> = line.chars().collect();
    let mut i = 0;
    let mut out = Vec::new();
    let skip_ws = |i: &mut usize| {
        while *i < chars.len() && chars[*i].is_whitespace() {
            *i += 1;
        }
    };
    loop {
        skip_ws(&mut i);
        if i >= chars.len() {
            break;
        }
        let start = i;
        while i < chars.len() && !chars[i].is_whitespace() && chars[i] != '=' {
            if chars[i] == '"' || chars[i] == '{' {
                return None;
            }
            i += 1;
        }
        let key: String = chars[start..i].iter().collect();
        if key.is_empty() {
            return None;
        }
        skip_ws(&mut i);
        if i < chars.len() && chars[i] == '=' {
            i += 1;
            skip_ws(&mut i);
            let mut value = String::new();
            if i < chars.len() && chars[i] == '"' {
                i += 1;
                let mut closed = false;
                while i < chars.len() {
                    if chars[i] == '\\' && i + 1 < chars.len() {
                        value.push(chars[i + 1]);
                        i += 2;
                    } else if chars[i] == '"' {
                        closed = true;
                        i += 1;
                        break;
                    } else {
                        value.push(chars[i]);
                        i += 1;
                    }
                }
                if !closed {
                    return None;
                }
            } else if i < chars.len() && chars[i] == '{' {
                i += 1;
                while i < chars.len() && chars[i] != '}' {
                    value.push(chars[i]);
                    i += 1;
                }
                if i >= chars.len() {
                    return None;
                }
                i += 1;
            } else {
                while i < chars.len() && !chars[i].is_whitespace() {
                    value.push(chars[i]);
                    i += 1;
                }
            }
            out.push(KeyValue {
                key,
                value: Some(value),
            });
        } else {
            out.push(KeyValue { key, value: None });
        }
    }
    Some(out)
}

fn perr(name: &str, line: usize, message: impl Into<String>) -> IoError {
    IoError::Parse {
        path: name.to_string(),
        line: Some(line),
        message: message.into(),
    }
}

fn parse_bool(w: &str) -> Option<bool> {
    match w {
        "T" | "True" | "true" | "TRUE" | "1" => Some(true),
        "F" | "False" | "false" | "FALSE" | "0" => Some(false),
        _ => None,
    }
}

/// An info value as ASE would type it: int, float, bool, or arrays of those, else string.
fn typed_value(text: &str) -> Value {
    let words: Vec<&str> = text.split_whitespace().collect();
    let one = |w: &str| -> Option<Value> {
        if let Ok(i) = w.parse::<i64>() {
            Some(json!(i))
        } else if let Ok(x) = w.parse::<f64>() {
            Some(json!(x))
        } else {
            parse_bool(w).map(Value::Bool)
        }
    };
    if words.len() == 1 {
        return one(words[0]).unwrap_or_else(|| json!(text));
    }
    if words.len() > 1 {
        if let Some(v) = words.iter().map(|w| one(w)).collect::<Option<Vec<_>>>() {
            return Value::Array(v);
        }
    }
    json!(text)
}

struct Column {
    name: String,
    kind: char,
    count: usize,
}

fn parse_properties(text: &str, name: &str, line: usize) -> Result<Vec<Column>, IoError> {
    let parts: Vec<&str> = text.split(':').collect();
    if parts.len() % 3 != 0 {
        return Err(perr(
            name,
            line,
            format!("Properties '{text}' is not name:type:count triples"),
        ));
    }
    parts
        .chunks(3)
        .map(|c| {
            let kind = c[1].chars().next().unwrap_or('?');
            if !"SRIL".contains(kind) || c[1].len() != 1 {
                return Err(perr(
                    name,
                    line,
                    format!("Properties: unknown column type '{}' for {}", c[1], c[0]),
                ));
            }
            let count = c[2]
                .parse()
                .ok()
                .filter(|&n: &usize| n > 0)
                .ok_or_else(|| {
                    perr(
                        name,
                        line,
                        format!("Properties: bad column count '{}' for {}", c[2], c[0]),
                    )
                })?;
            Ok(Column {
                name: c[0].to_string(),
                kind,
                count,
            })
        })
        .collect()
}

pub(crate) fn read(text: &str, name: &str) -> Result<Vec<Structure>, IoError> {
    let lines: Vec<&str> = text.lines().collect();
    let mut frames = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if lines[i].trim().is_empty() {
            i += 1;
            continue;
        }
        let count_line = i + 1;
        let n: usize = lines[i].trim().parse().map_err(|_| {
            perr(
                name,
                count_line,
                format!("expected the number of atoms, got '{}'", lines[i].trim()),
            )
        })?;
        if i + 1 >= lines.len() {
            return Err(perr(name, count_line, "missing comment line"));
        }
        let comment_line = i + 2;
        let comment = lines[i + 1];
        if i + 2 + n > lines.len() {
            return Err(perr(
                name,
                comment_line,
                format!(
                    "frame declares {n} atoms but the file ends after {} atom lines",
                    lines.len() - i - 2
                ),
            ));
        }
        let s = frame(n, comment, &lines[i + 2..i + 2 + n], name, comment_line)?;
        frames.push(s);
        i += 2 + n;
    }
    Ok(frames)
}

fn frame(
    n: usize,
    comment: &str,
    atoms: &[&str],
    name: &str,
    comment_line: usize,
) -> Result<Structure, IoError> {
    let kvs = parse_key_values(comment);
    let mut info = Map::new();
    let mut lattice: Option<Cell> = None;
    let mut pbc: Option<[bool; 3]> = None;
    let mut columns = vec![
        Column {
            name: "species".into(),
            kind: 'S',
            count: 1,
        },
        Column {
            name: "pos".into(),
            kind: 'R',
            count: 3,
        },
    ];
    let mut energy = None;
    let mut stress = None;
    match kvs {
        // a plain XYZ comment: keep it
        None => {
            if !comment.trim().is_empty() {
                info.insert("comment".into(), json!(comment.trim()));
            }
        }
        Some(kvs) => {
            for kv in kvs {
                let lower = kv.key.to_lowercase();
                let value = kv.value.clone().unwrap_or_else(|| "T".into());
                match lower.as_str() {
                    "lattice" => {
                        let v: Vec<f64> = value
                            .split_whitespace()
                            .map(|w| w.parse().ok())
                            .collect::<Option<_>>()
                            .filter(|v: &Vec<f64>| v.len() == 9)
                            .ok_or_else(|| {
                                perr(
                                    name,
                                    comment_line,
                                    format!("Lattice must be 9 numbers, got '{value}'"),
                                )
                            })?;
                        lattice = Some(Cell::from_rows([
                            [v[0], v[1], v[2]],
                            [v[3], v[4], v[5]],
                            [v[6], v[7], v[8]],
                        ]));
                    }
                    "properties" => columns = parse_properties(&value, name, comment_line)?,
                    "pbc" => {
                        let v: Vec<bool> = value
                            .split_whitespace()
                            .map(parse_bool)
                            .collect::<Option<_>>()
                            .filter(|v: &Vec<bool>| v.len() == 3)
                            .ok_or_else(|| {
                                perr(
                                    name,
                                    comment_line,
                                    format!("pbc must be three of T/F, got '{value}'"),
                                )
                            })?;
                        pbc = Some([v[0], v[1], v[2]]);
                    }
                    "energy" => {
                        energy = Some(value.trim().parse::<f64>().map_err(|_| {
                            perr(
                                name,
                                comment_line,
                                format!("energy must be a number, got '{value}'"),
                            )
                        })?);
                    }
                    "stress" => {
                        let v: Vec<f64> = value
                            .split_whitespace()
                            .map(|w| w.parse().ok())
                            .collect::<Option<_>>()
                            .ok_or_else(|| {
                                perr(
                                    name,
                                    comment_line,
                                    format!("stress must be numbers, got '{value}'"),
                                )
                            })?;
                        stress = Some(match v.len() {
                            9 => [v[0], v[4], v[8], v[5], v[2], v[1]],
                            6 => [v[0], v[1], v[2], v[3], v[4], v[5]],
                            k => {
                                return Err(perr(
                                    name,
                                    comment_line,
                                    format!("stress has {k} values, expected 6 or 9"),
                                ))
                            }
                        });
                    }
                    _ => {
                        info.insert(kv.key.clone(), typed_value(&value));
                    }
                }
            }
        }
    }
    let width: usize = columns.iter().map(|c| c.count).sum();
    let mut numbers = Vec::with_capacity(n);
    let mut positions = Vec::with_capacity(n);
    let mut fixed = vec![false; n];
    let mut forces: Option<Vec<Vector3<f64>>> = None;
    let mut have_pos = false;
    for (a, line) in atoms.iter().enumerate() {
        let lineno = comment_line + 1 + a;
        let words: Vec<&str> = line.split_whitespace().collect();
        if words.len() < width {
            return Err(perr(
                name,
                lineno,
                format!(
                    "atom {a}: {} columns, Properties needs {width}",
                    words.len()
                ),
            ));
        }
        let mut w = 0;
        for col in &columns {
            let vals = &words[w..w + col.count];
            w += col.count;
            let reals = || -> Result<Vec<f64>, IoError> {
                vals.iter()
                    .map(|x| {
                        x.parse::<f64>()
                            .ok()
                            .filter(|v| v.is_finite())
                            .ok_or_else(|| {
                                perr(
                                    name,
                                    lineno,
                                    format!(
                                        "atom {a}: cannot read '{x}' as a number ({})",
                                        col.name
                                    ),
                                )
                            })
                    })
                    .collect()
            };
            match (col.name.as_str(), col.kind, col.count) {
                ("species", 'S', 1) => {
                    let sym = vals[0];
                    let z = elements::number_of(sym)
                        .or_else(|| {
                            // ASE writes symbols; tolerate case (e.g. "CU") and atomic numbers
                            let mut c = sym.chars();
                            let fixed: String = c
                                .next()
                                .map(|f| {
                                    f.to_uppercase().collect::<String>()
                                        + &c.as_str().to_lowercase()
                                })
                                .unwrap_or_default();
                            elements::number_of(&fixed).or_else(|| {
                                sym.parse::<u8>()
                                    .ok()
                                    .filter(|z| elements::by_number(*z).is_some())
                            })
                        })
                        .ok_or_else(|| {
                            perr(name, lineno, format!("atom {a}: unknown element '{sym}'"))
                        })?;
                    numbers.push(z);
                }
                ("pos", 'R', 3) => {
                    let v = reals()?;
                    positions.push(Vector3::new(v[0], v[1], v[2]));
                    have_pos = true;
                }
                ("forces" | "force", 'R', 3) => {
                    let v = reals()?;
                    forces
                        .get_or_insert_with(Vec::new)
                        .push(Vector3::new(v[0], v[1], v[2]));
                }
                ("move_mask", 'L', 1) => {
                    fixed[a] = !parse_bool(vals[0]).ok_or_else(|| {
                        perr(
                            name,
                            lineno,
                            format!("atom {a}: move_mask '{}' is not T/F", vals[0]),
                        )
                    })?;
                }
                ("move_mask", 'L', 3) => {
                    let m: Vec<bool> = vals
                        .iter()
                        .map(|x| parse_bool(x))
                        .collect::<Option<_>>()
                        .ok_or_else(|| {
                            perr(name, lineno, format!("atom {a}: move_mask is not T/F"))
                        })?;
                    // fixed only when no direction may move (partial masks are FixCartesian in ASE)
                    fixed[a] = m.iter().all(|x| !x);
                }
                ("Z", 'I', 1) if !columns.iter().any(|c| c.name == "species") => {
                    let z: u8 = vals[0]
                        .parse()
                        .ok()
                        .filter(|z| elements::by_number(*z).is_some())
                        .ok_or_else(|| {
                            perr(
                                name,
                                lineno,
                                format!("atom {a}: bad atomic number '{}'", vals[0]),
                            )
                        })?;
                    numbers.push(z);
                }
                _ => {}
            }
        }
    }
    if numbers.len() != n || !have_pos {
        return Err(perr(
            name,
            comment_line,
            "Properties must include species:S:1 and pos:R:3",
        ));
    }
    let mut s =
        Structure::new(numbers, positions).map_err(|e| perr(name, comment_line, e.to_string()))?;
    s.fixed = fixed;
    if let Some(c) = lattice {
        s.cell = c;
        s.pbc = pbc.unwrap_or([true; 3]);
    } else {
        s.pbc = pbc.unwrap_or([false; 3]);
        if s.is_periodic() {
            return Err(perr(
                name,
                comment_line,
                "pbc is set but there is no Lattice",
            ));
        }
    }
    s.info = info;
    if energy.is_some() || forces.is_some() || stress.is_some() {
        s.stored = Some(StoredResults {
            energy,
            forces,
            stress,
        });
    }
    s.check()
        .map_err(|e| perr(name, comment_line, e.to_string()))?;
    Ok(s)
}

fn info_value(v: &Value) -> Option<String> {
    match v {
        Value::Bool(b) => Some(if *b { "T".into() } else { "F".into() }),
        Value::Number(x) => Some(x.to_string()),
        Value::String(s) => {
            if s.chars().any(|c| c.is_whitespace() || c == '"' || c == '=') || s.is_empty() {
                Some(format!(
                    "\"{}\"",
                    s.replace('\\', "\\\\").replace('"', "\\\"")
                ))
            } else {
                Some(s.clone())
            }
        }
        Value::Array(a) if !a.is_empty() && a.iter().all(|x| x.is_number() || x.is_boolean()) => {
            let words: Vec<String> = a.iter().filter_map(info_value).collect();
            Some(format!("\"{}\"", words.join(" ")))
        }
        _ => None,
    }
}

pub(crate) fn write(frames: &[Structure]) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    for s in frames {
        let n = s.len();
        let _ = writeln!(out, "{n}");
        let mut comment = Vec::new();
        let has_cell = s.is_periodic() || s.cell.matrix.iter().any(|&x| x != 0.0);
        if has_cell {
            let v: Vec<String> = s
                .cell
                .rows()
                .iter()
                .flatten()
                .map(|&x| fmt_f64(x))
                .collect();
            comment.push(format!("Lattice=\"{}\"", v.join(" ")));
        }
        let any_fixed = s.fixed.iter().any(|&f| f);
        let forces = s.stored.as_ref().and_then(|st| st.forces.as_ref());
        let mut props = "species:S:1:pos:R:3".to_string();
        if any_fixed {
            props.push_str(":move_mask:L:1");
        }
        if forces.is_some() {
            props.push_str(":forces:R:3");
        }
        comment.push(format!("Properties={props}"));
        if let Some(st) = &s.stored {
            if let Some(e) = st.energy {
                comment.push(format!("energy={}", fmt_f64(e)));
            }
            if let Some(v) = st.stress {
                // 3×3, ASE's form
                let m = [v[0], v[5], v[4], v[5], v[1], v[3], v[4], v[3], v[2]];
                let w: Vec<String> = m.iter().map(|&x| fmt_f64(x)).collect();
                comment.push(format!("stress=\"{}\"", w.join(" ")));
            }
        }
        for (k, v) in &s.info {
            let reserved = ["lattice", "properties", "pbc", "energy", "stress"];
            if reserved.contains(&k.to_lowercase().as_str())
                || k.chars().any(|c| c.is_whitespace() || c == '=' || c == '"')
            {
                continue;
            }
            if let Some(text) = info_value(v) {
                comment.push(format!("{k}={text}"));
            }
        }
        let p: Vec<&str> = s.pbc.iter().map(|&b| if b { "T" } else { "F" }).collect();
        comment.push(format!("pbc=\"{}\"", p.join(" ")));
        let _ = writeln!(out, "{}", comment.join(" "));
        for a in 0..n {
            let p = s.positions[a];
            let _ = write!(
                out,
                "{:<3}{:>26}{:>26}{:>26}",
                elements::symbol_of(s.numbers[a]),
                fmt_f64(p.x),
                fmt_f64(p.y),
                fmt_f64(p.z)
            );
            if any_fixed {
                let _ = write!(out, "  {}", if s.fixed[a] { "F" } else { "T" });
            }
            if let Some(f) = forces {
                let _ = write!(
                    out,
                    "{:>26}{:>26}{:>26}",
                    fmt_f64(f[a].x),
                    fmt_f64(f[a].y),
                    fmt_f64(f[a].z)
                );
            }
            out.push('\n');
        }
    }
    out
}
