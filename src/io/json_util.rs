//! Helpers for JSON structure formats: numpy arrays as ASE encodes them, typed errors.

use super::IoError;
use serde_json::Value;

pub(crate) fn perr(name: &str, message: impl Into<String>) -> IoError {
    IoError::Parse {
        path: name.to_string(),
        line: None,
        message: message.into(),
    }
}

/// A decoded numeric array: shape and flat row-major data.
pub(crate) struct Array {
    pub shape: Vec<usize>,
    pub data: Vec<f64>,
}

/// Decode `{"__ndarray__": [shape, dtype, flat]}` or nested lists of numbers/bools.
pub(crate) fn decode_array(v: &Value, name: &str, what: &str) -> Result<Array, IoError> {
    if let Some(nd) = v.get("__ndarray__") {
        let parts = nd.as_array().filter(|p| p.len() == 3).ok_or_else(|| {
            perr(
                name,
                format!("{what}: __ndarray__ must be [shape, dtype, data]"),
            )
        })?;
        let shape: Vec<usize> = parts[0]
            .as_array()
            .ok_or_else(|| perr(name, format!("{what}: bad ndarray shape")))?
            .iter()
            .map(|x| x.as_u64().map(|u| u as usize))
            .collect::<Option<_>>()
            .ok_or_else(|| perr(name, format!("{what}: bad ndarray shape")))?;
        let dtype = parts[1].as_str().unwrap_or("");
        if dtype.starts_with("complex") {
            return Err(perr(
                name,
                format!("{what}: complex arrays are not supported"),
            ));
        }
        let flat = parts[2]
            .as_array()
            .ok_or_else(|| perr(name, format!("{what}: ndarray data must be a list")))?;
        let data = flat
            .iter()
            .map(scalar)
            .collect::<Option<Vec<f64>>>()
            .ok_or_else(|| perr(name, format!("{what}: non-numeric ndarray entry")))?;
        let expected: usize = shape.iter().product();
        if data.len() != expected {
            return Err(perr(
                name,
                format!(
                    "{what}: ndarray has {} values for shape {shape:?}",
                    data.len()
                ),
            ));
        }
        return Ok(Array { shape, data });
    }
    // nested lists
    let mut shape = Vec::new();
    let mut cur = v;
    while let Some(a) = cur.as_array() {
        shape.push(a.len());
        match a.first() {
            Some(first) => cur = first,
            None => break,
        }
    }
    let mut data = Vec::new();
    flatten(v, &mut data)
        .ok_or_else(|| perr(name, format!("{what}: expected an array of numbers")))?;
    let expected: usize = shape.iter().product();
    if data.len() != expected || shape.is_empty() && !v.is_number() {
        return Err(perr(name, format!("{what}: ragged or non-numeric array")));
    }
    Ok(Array { shape, data })
}

fn scalar(x: &Value) -> Option<f64> {
    match x {
        Value::Number(n) => n.as_f64(),
        Value::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
        _ => None,
    }
}

fn flatten(v: &Value, out: &mut Vec<f64>) -> Option<()> {
    match v {
        Value::Array(a) => {
            for x in a {
                flatten(x, out)?;
            }
            Some(())
        }
        other => {
            out.push(scalar(other)?);
            Some(())
        }
    }
}

/// An (n, 3) array as vectors.
pub(crate) fn vectors(
    v: &Value,
    n: Option<usize>,
    name: &str,
    what: &str,
) -> Result<Vec<nalgebra::Vector3<f64>>, IoError> {
    let a = decode_array(v, name, what)?;
    let rows = if a.data.is_empty() {
        0
    } else {
        a.data.len() / 3
    };
    if a.data.len() % 3 != 0 || (a.shape.len() == 2 && a.shape[1] != 3) {
        return Err(perr(
            name,
            format!("{what}: expected rows of 3 numbers, shape {:?}", a.shape),
        ));
    }
    if let Some(n) = n {
        if rows != n {
            return Err(perr(
                name,
                format!("{what}: {rows} rows, expected {n} (one per atom)"),
            ));
        }
    }
    Ok(a.data
        .chunks(3)
        .map(|c| nalgebra::Vector3::new(c[0], c[1], c[2]))
        .collect())
}

/// A 3×3 cell from an array value.
pub(crate) fn cell(v: &Value, name: &str) -> Result<crate::structure::Cell, IoError> {
    let a = decode_array(v, name, "cell")?;
    match a.data.len() {
        9 => Ok(crate::structure::Cell::from_rows([
            [a.data[0], a.data[1], a.data[2]],
            [a.data[3], a.data[4], a.data[5]],
            [a.data[6], a.data[7], a.data[8]],
        ])),
        // ASE accepts three lengths for an orthorhombic cell
        3 => Ok(crate::structure::Cell::orthorhombic(
            a.data[0], a.data[1], a.data[2],
        )),
        0 => Ok(crate::structure::Cell::default()),
        k => Err(perr(name, format!("cell: expected 3×3 numbers, got {k}"))),
    }
}

/// A pbc triple from a bool array or a single bool.
pub(crate) fn pbc(v: &Value, name: &str) -> Result<[bool; 3], IoError> {
    if let Some(b) = v.as_bool() {
        return Ok([b; 3]);
    }
    let a = decode_array(v, name, "pbc")?;
    if a.data.len() != 3 {
        return Err(perr(
            name,
            format!("pbc: expected 3 values, got {}", a.data.len()),
        ));
    }
    Ok([a.data[0] != 0.0, a.data[1] != 0.0, a.data[2] != 0.0])
}

/// Encode a flat array the way ASE's jsonio does.
pub(crate) fn ndarray(shape: &[usize], dtype: &str, data: Vec<Value>) -> Value {
    serde_json::json!({"__ndarray__": [shape, dtype, data]})
}
