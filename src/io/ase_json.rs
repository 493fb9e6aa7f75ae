//! ASE JSON: database files written by `ase.io.write('x.json', atoms_or_list)` (rows keyed by id, with
//! `ids` and `nextid`) and single objects from `ase.io.jsonio.encode(atoms)`.
//!
//! `FixAtoms` constraints become fixed atoms; other constraints are kept verbatim in
//! `info["ase_constraints"]` and written back. Stored energy, forces and stress are kept.

use super::json_util::{cell, decode_array, ndarray, pbc, perr, vectors};
use super::IoError;
use crate::structure::{elements, StoredResults, Structure};
use serde_json::{json, Map, Value};

pub(crate) fn read(text: &str, name: &str) -> Result<Vec<Structure>, IoError> {
    let value: Value = serde_json::from_str(text).map_err(|e| IoError::Parse {
        path: name.to_string(),
        line: Some(e.line()),
        message: format!("malformed JSON: {e}"),
    })?;
    let obj = value
        .as_object()
        .ok_or_else(|| perr(name, "expected a JSON object"))?;
    if obj.contains_key("numbers") {
        return Ok(vec![row(obj, name, "object")?]);
    }
    // database layout: "ids": [1, 2, ...] and rows under "1", "2", ...
    let ids: Vec<String> = match obj.get("ids") {
        Some(ids) => ids
            .as_array()
            .ok_or_else(|| perr(name, "\"ids\" must be a list"))?
            .iter()
            .map(|i| {
                i.as_u64()
                    .map(|u| u.to_string())
                    .or_else(|| i.as_str().map(String::from))
            })
            .collect::<Option<_>>()
            .ok_or_else(|| perr(name, "\"ids\" must be a list of integers"))?,
        None => {
            let mut keys: Vec<u64> = obj.keys().filter_map(|k| k.parse().ok()).collect();
            keys.sort_unstable();
            keys.iter().map(u64::to_string).collect()
        }
    };
    ids.iter()
        .map(|id| {
            let r = obj
                .get(id)
                .and_then(Value::as_object)
                .ok_or_else(|| perr(name, format!("row {id} listed in \"ids\" is missing")))?;
            row(r, name, &format!("row {id}"))
        })
        .collect()
}

fn row(r: &Map<String, Value>, name: &str, label: &str) -> Result<Structure, IoError> {
    let ctx = |m: String| perr(name, format!("{label}: {m}"));
    let numbers = decode_array(
        r.get("numbers")
            .ok_or_else(|| ctx("missing \"numbers\"".into()))?,
        name,
        "numbers",
    )?;
    let mut zs = Vec::with_capacity(numbers.data.len());
    for (atom, &z) in numbers.data.iter().enumerate() {
        if z.fract() != 0.0 || z < 1.0 || z > f64::from(elements::MAX_Z) {
            return Err(ctx(format!("unknown atomic number {z} (atom {atom})")));
        }
        zs.push(z as u8);
    }
    let n = zs.len();
    let positions = vectors(
        r.get("positions")
            .ok_or_else(|| ctx("missing \"positions\"".into()))?,
        Some(n),
        name,
        "positions",
    )?;
    let mut s = Structure::new(zs, positions).map_err(|e| ctx(e.to_string()))?;
    if let Some(c) = r.get("cell") {
        // {"array": ndarray, "__ase_objtype__": "cell"} or a bare array
        let arr = c.get("array").unwrap_or(c);
        s.cell = cell(arr, name)?;
    }
    if let Some(p) = r.get("pbc") {
        s.pbc = pbc(p, name)?;
    }
    let mut other_constraints = Vec::new();
    if let Some(cs) = r.get("constraints") {
        let list: Vec<Value> = match cs {
            Value::Array(a) => a.clone(),
            Value::Object(_) => vec![cs.clone()],
            _ => return Err(ctx("\"constraints\" must be a list".into())),
        };
        for c in list {
            if c.get("name").and_then(Value::as_str) == Some("FixAtoms") {
                let kw = c.get("kwargs").cloned().unwrap_or(Value::Null);
                if let Some(idx) = kw.get("indices") {
                    for (k, i) in decode_array(idx, name, "FixAtoms indices")?
                        .data
                        .iter()
                        .enumerate()
                    {
                        let i = *i as usize;
                        if i >= n {
                            return Err(ctx(format!(
                                "FixAtoms index {i} (entry {k}) out of range for {n} atoms"
                            )));
                        }
                        s.fixed[i] = true;
                    }
                } else if let Some(mask) = kw.get("mask") {
                    let m = decode_array(mask, name, "FixAtoms mask")?;
                    if m.data.len() != n {
                        return Err(ctx(format!(
                            "FixAtoms mask has {} entries for {n} atoms",
                            m.data.len()
                        )));
                    }
                    for (i, v) in m.data.iter().enumerate() {
                        s.fixed[i] |= *v != 0.0;
                    }
                } else {
                    return Err(ctx("FixAtoms without indices or mask".into()));
                }
            } else {
                other_constraints.push(c);
            }
        }
    }
    if !other_constraints.is_empty() {
        s.info
            .insert("ase_constraints".into(), Value::Array(other_constraints));
    }
    if let Some(Value::Object(kv)) = r.get("key_value_pairs") {
        for (k, v) in kv {
            s.info.insert(k.clone(), v.clone());
        }
    }
    if let Some(d) = r.get("data") {
        if !d.is_null() {
            s.info.insert("data".into(), d.clone());
        }
    }
    if let Some(Value::Object(info)) = r.get("info") {
        for (k, v) in info {
            s.info.insert(k.clone(), v.clone());
        }
    }
    if let Some(t) = r.get("tags") {
        let tags = decode_array(t, name, "tags")?;
        if tags.data.iter().any(|&x| x != 0.0) {
            s.info.insert(
                "tags".into(),
                Value::Array(tags.data.iter().map(|&x| json!(x as i64)).collect()),
            );
        }
    }
    let energy = r.get("energy").and_then(Value::as_f64);
    let forces = match r.get("forces") {
        Some(f) => Some(vectors(f, Some(n), name, "forces")?),
        None => None,
    };
    let stress = match r.get("stress") {
        Some(st) => {
            let a = decode_array(st, name, "stress")?;
            match a.data.len() {
                6 => Some([
                    a.data[0], a.data[1], a.data[2], a.data[3], a.data[4], a.data[5],
                ]),
                9 => Some([
                    a.data[0], a.data[4], a.data[8], a.data[5], a.data[2], a.data[1],
                ]),
                k => return Err(ctx(format!("stress has {k} values, expected 6 or 9"))),
            }
        }
        None => None,
    };
    if energy.is_some() || forces.is_some() || stress.is_some() {
        s.stored = Some(StoredResults {
            energy,
            forces,
            stress,
        });
    }
    Ok(s)
}

/// ASE time stamps: years since 2000-01-01 (`ase.db.core.now`).
fn ase_now() -> f64 {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0);
    (secs - 946_684_800.0) / (365.25 * 24.0 * 3600.0)
}

fn unique_id(i: usize) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!(
        "{:032x}",
        nanos
            .wrapping_mul(6364136223846793005)
            .wrapping_add(i as u128)
    )
}

fn floats(v: impl IntoIterator<Item = f64>) -> Vec<Value> {
    v.into_iter().map(|x| json!(x)).collect()
}

pub(crate) fn write(frames: &[Structure]) -> String {
    let mut top = Map::new();
    let t = ase_now();
    for (k, s) in frames.iter().enumerate() {
        let n = s.len();
        let mut r = Map::new();
        r.insert(
            "numbers".into(),
            ndarray(&[n], "int64", s.numbers.iter().map(|&z| json!(z)).collect()),
        );
        r.insert(
            "positions".into(),
            ndarray(
                &[n, 3],
                "float64",
                floats(s.positions.iter().flat_map(|p| [p.x, p.y, p.z])),
            ),
        );
        r.insert(
            "cell".into(),
            json!({"array": ndarray(&[3, 3], "float64", floats(s.cell.rows().into_iter().flatten())),
                   "__ase_objtype__": "cell"}),
        );
        r.insert(
            "pbc".into(),
            ndarray(&[3], "bool", s.pbc.iter().map(|&b| json!(b)).collect()),
        );
        let mut constraints = Vec::new();
        let fixed: Vec<usize> = (0..n).filter(|&i| s.fixed[i]).collect();
        if !fixed.is_empty() {
            constraints.push(json!({"name": "FixAtoms", "kwargs": {"indices": fixed}}));
        }
        let mut kv = Map::new();
        let mut data = Map::new();
        for (key, v) in &s.info {
            match (key.as_str(), v) {
                ("ase_constraints", Value::Array(a)) => constraints.extend(a.iter().cloned()),
                ("tags", Value::Array(a)) if a.len() == n => {
                    r.insert("tags".into(), ndarray(&[n], "int64", a.clone()));
                }
                ("data", Value::Object(d)) => data.extend(d.clone()),
                (_, Value::Bool(_) | Value::Number(_) | Value::String(_)) => {
                    kv.insert(key.clone(), v.clone());
                }
                _ => {
                    data.insert(key.clone(), v.clone());
                }
            }
        }
        if !constraints.is_empty() {
            r.insert("constraints".into(), Value::Array(constraints));
        }
        if let Some(st) = &s.stored {
            if let Some(e) = st.energy {
                r.insert("energy".into(), json!(e));
            }
            if let Some(f) = &st.forces {
                r.insert(
                    "forces".into(),
                    ndarray(
                        &[n, 3],
                        "float64",
                        floats(f.iter().flat_map(|p| [p.x, p.y, p.z])),
                    ),
                );
            }
            if let Some(sv) = st.stress {
                r.insert("stress".into(), ndarray(&[6], "float64", floats(sv)));
            }
        }
        r.insert("ctime".into(), json!(t));
        r.insert("mtime".into(), json!(t));
        r.insert("unique_id".into(), json!(unique_id(k)));
        r.insert("user".into(), json!("nebkit"));
        if !kv.is_empty() {
            r.insert("key_value_pairs".into(), Value::Object(kv));
        }
        if !data.is_empty() {
            r.insert("data".into(), Value::Object(data));
        }
        top.insert((k + 1).to_string(), Value::Object(r));
    }
    top.insert(
        "ids".into(),
        Value::Array((1..=frames.len()).map(|i| json!(i)).collect()),
    );
    top.insert("nextid".into(), json!(frames.len() + 1));
    let mut s = serde_json::to_string_pretty(&Value::Object(top)).expect("plain data");
    s.push('\n');
    s
}
