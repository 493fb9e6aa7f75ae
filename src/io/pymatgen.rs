//! pymatgen `Structure.as_dict()` and `Molecule.as_dict()` JSON (read only).

use super::json_util::perr;
use super::IoError;
use crate::structure::{elements, Cell, Structure};
use nalgebra::Vector3;
use serde_json::{json, Value};

pub(crate) fn read(text: &str, name: &str) -> Result<Vec<Structure>, IoError> {
    let v: Value = serde_json::from_str(text).map_err(|e| IoError::Parse {
        path: name.to_string(),
        line: Some(e.line()),
        message: format!("malformed JSON: {e}"),
    })?;
    let sites = v
        .get("sites")
        .and_then(Value::as_array)
        .ok_or_else(|| perr(name, "pymatgen dict without a \"sites\" list"))?;
    let lattice = v.get("lattice");
    let cell = match lattice {
        Some(l) => {
            let m = l
                .get("matrix")
                .ok_or_else(|| perr(name, "lattice without \"matrix\""))?;
            Some(super::json_util::cell(m, name)?)
        }
        None => None,
    };
    let pbc = match lattice.and_then(|l| l.get("pbc")) {
        Some(p) => super::json_util::pbc(p, name)?,
        None => [cell.is_some(); 3],
    };
    let mut numbers = Vec::new();
    let mut positions = Vec::new();
    let mut fixed = Vec::new();
    for (i, site) in sites.iter().enumerate() {
        let species = site
            .get("species")
            .and_then(Value::as_array)
            .ok_or_else(|| perr(name, format!("site {i}: missing \"species\"")))?;
        if species.len() != 1 {
            return Err(perr(
                name,
                format!(
                    "site {i}: {} species on one site (disordered structures are not supported)",
                    species.len()
                ),
            ));
        }
        let sp = &species[0];
        let occu = sp.get("occu").and_then(Value::as_f64).unwrap_or(1.0);
        if (occu - 1.0).abs() > 1e-8 {
            return Err(perr(
                name,
                format!("site {i}: partial occupancy {occu} is not supported"),
            ));
        }
        let el = sp
            .get("element")
            .and_then(Value::as_str)
            .ok_or_else(|| perr(name, format!("site {i}: species without \"element\"")))?;
        let z = elements::number_of(el)
            .ok_or_else(|| perr(name, format!("site {i}: unknown element '{el}'")))?;
        numbers.push(z);
        let p = if let Some(xyz) = site.get("xyz") {
            triple(xyz, name, i, "xyz")?
        } else if let (Some(abc), Some(c)) = (site.get("abc"), cell) {
            let f = triple(abc, name, i, "abc")?;
            (f.transpose() * c.matrix).transpose()
        } else {
            return Err(perr(
                name,
                format!("site {i}: neither \"xyz\" nor \"abc\" (with a lattice)"),
            ));
        };
        positions.push(p);
        let sd = site
            .get("properties")
            .and_then(|p| p.get("selective_dynamics"))
            .and_then(Value::as_array);
        fixed.push(sd.is_some_and(|f| f.iter().all(|x| x.as_bool() == Some(false))));
    }
    let mut s = Structure::new(numbers, positions).map_err(|e| perr(name, e.to_string()))?;
    s.cell = cell.unwrap_or_else(Cell::default);
    s.pbc = pbc;
    s.fixed = fixed;
    if let Some(c) = v.get("charge").and_then(Value::as_f64) {
        if c != 0.0 {
            s.info.insert("charge".into(), json!(c));
        }
    }
    if let Some(Value::Object(props)) = v.get("properties") {
        for (k, val) in props {
            s.info.insert(k.clone(), val.clone());
        }
    }
    Ok(vec![s])
}

fn triple(v: &Value, name: &str, site: usize, what: &str) -> Result<Vector3<f64>, IoError> {
    let a = v
        .as_array()
        .filter(|a| a.len() == 3)
        .and_then(|a| a.iter().map(Value::as_f64).collect::<Option<Vec<f64>>>())
        .ok_or_else(|| perr(name, format!("site {site}: \"{what}\" must be 3 numbers")))?;
    Ok(Vector3::new(a[0], a[1], a[2]))
}
