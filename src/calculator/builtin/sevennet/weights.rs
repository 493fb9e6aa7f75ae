//! Reading the exported SevenNet-0 weights (safetensors) and laying them out for the network.

use super::net::{Irreps, Layer, Linear, Model, Path};
use std::collections::HashMap;

/// One tensor of a safetensors file, converted to f64.
#[derive(Debug, Clone)]
pub(super) struct Tensor {
    pub shape: Vec<usize>,
    pub data: Vec<f64>,
}

/// A parsed safetensors file: tensors by name and the `__metadata__` strings.
#[derive(Debug, Clone, Default)]
pub(super) struct SafeTensors {
    pub tensors: HashMap<String, Tensor>,
    pub metadata: HashMap<String, String>,
}

/// Parse a safetensors file (8-byte little-endian header length, JSON header, raw little-endian
/// data). Only F32 and F64 tensors are accepted.
pub(super) fn parse_safetensors(bytes: &[u8]) -> Result<SafeTensors, String> {
    if bytes.len() < 8 {
        return Err("file too short for a safetensors header".into());
    }
    let header_len = u64::from_le_bytes(bytes[..8].try_into().expect("8 bytes")) as usize;
    let data_start = 8usize
        .checked_add(header_len)
        .filter(|&e| e <= bytes.len())
        .ok_or_else(|| format!("header length {header_len} runs past the end of the file"))?;
    let header: serde_json::Value = serde_json::from_slice(&bytes[8..data_start])
        .map_err(|e| format!("header is not JSON: {e}"))?;
    let header = header.as_object().ok_or("header is not a JSON object")?;
    let data = &bytes[data_start..];
    let mut out = SafeTensors::default();
    for (name, entry) in header {
        if name == "__metadata__" {
            if let Some(meta) = entry.as_object() {
                for (k, v) in meta {
                    if let Some(s) = v.as_str() {
                        out.metadata.insert(k.clone(), s.to_string());
                    }
                }
            }
            continue;
        }
        let bad = |what: &str| format!("tensor '{name}': {what}");
        let dtype = entry["dtype"].as_str().ok_or_else(|| bad("no dtype"))?;
        let shape: Vec<usize> = entry["shape"]
            .as_array()
            .ok_or_else(|| bad("no shape"))?
            .iter()
            .map(|v| v.as_u64().map(|x| x as usize))
            .collect::<Option<_>>()
            .ok_or_else(|| bad("shape is not a list of integers"))?;
        let offsets = entry["data_offsets"]
            .as_array()
            .filter(|a| a.len() == 2)
            .and_then(|a| Some((a[0].as_u64()? as usize, a[1].as_u64()? as usize)))
            .ok_or_else(|| bad("data_offsets is not [begin, end]"))?;
        let (begin, end) = offsets;
        if begin > end || end > data.len() {
            return Err(bad("data_offsets outside the file"));
        }
        let raw = &data[begin..end];
        let count: usize = shape.iter().product();
        let values: Vec<f64> = match dtype {
            "F32" => raw
                .chunks_exact(4)
                .map(|c| f64::from(f32::from_le_bytes(c.try_into().expect("4 bytes"))))
                .collect(),
            "F64" => raw
                .chunks_exact(8)
                .map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes")))
                .collect(),
            other => {
                return Err(bad(&format!(
                    "unsupported dtype {other} (F32 or F64 expected)"
                )))
            }
        };
        let width = if dtype == "F32" { 4 } else { 8 };
        if raw.len() != count * width {
            return Err(bad(&format!(
                "{} bytes stored for shape {shape:?} of {dtype}",
                raw.len()
            )));
        }
        out.tensors.insert(
            name.clone(),
            Tensor {
                shape,
                data: values,
            },
        );
    }
    Ok(out)
}

impl SafeTensors {
    /// The tensor `name` with exactly `len` numbers.
    fn get(&self, name: &str, len: usize) -> Result<&[f64], String> {
        let t = self
            .tensors
            .get(name)
            .ok_or_else(|| format!("tensor '{name}' missing"))?;
        if t.data.len() != len {
            return Err(format!(
                "tensor '{name}' has {} numbers (shape {:?}), expected {len}",
                t.data.len(),
                t.shape
            ));
        }
        Ok(&t.data)
    }
}

/// Number of species of SevenNet-0.
const N_SPECIES: usize = 89;
/// Node features of the first block, the hidden irreps of blocks 1–4, and the gate inputs.
const MUL: [usize; 3] = [128, 64, 32];
/// Width of the radial networks.
const HIDDEN: usize = 64;

/// Build the network from parsed weights.
pub(super) fn build_model(st: &SafeTensors) -> Result<Model, String> {
    let meta = |k: &str| {
        st.metadata
            .get(k)
            .ok_or_else(|| format!("metadata '{k}' missing"))
    };
    let silu_c: f64 = meta("silu_normalize2mom_cst")?
        .parse()
        .map_err(|_| "metadata silu_normalize2mom_cst is not a number".to_string())?;
    let cutoff: f64 = meta("cutoff")?
        .parse()
        .map_err(|_| "metadata cutoff is not a number".to_string())?;
    let map: HashMap<String, usize> = serde_json::from_str(meta("type_map_Z_to_index")?)
        .map_err(|e| format!("metadata type_map_Z_to_index: {e}"))?;
    let mut species_of_z = vec![None; 256];
    for (z, idx) in &map {
        let z: usize = z
            .parse()
            .map_err(|_| format!("type map key '{z}' is not an atomic number"))?;
        if z == 0 || z > 255 || *idx >= N_SPECIES {
            return Err(format!("type map entry {z} -> {idx} out of range"));
        }
        species_of_z[z] = Some(*idx);
    }
    if map.len() != N_SPECIES {
        return Err(format!(
            "type map has {} species, SevenNet-0 has {N_SPECIES}",
            map.len()
        ));
    }

    let mut w3j = HashMap::new();
    for l1 in 0..3usize {
        for l2 in 0..3usize {
            for l3 in l1.abs_diff(l2)..=(l1 + l2).min(2) {
                let len = (2 * l1 + 1) * (2 * l2 + 1) * (2 * l3 + 1);
                w3j.insert(
                    (l1, l2, l3),
                    st.get(&format!("w3j.{l1}_{l2}_{l3}"), len)?.to_vec(),
                );
            }
        }
    }

    let scalar = |m: usize| Irreps(vec![(m, 0)]);
    let hidden = Irreps(vec![(MUL[0], 0), (MUL[1], 1), (MUL[2], 2)]);
    let gate_in = Irreps(vec![
        (MUL[0] + MUL[1] + MUL[2], 0),
        (MUL[1], 1),
        (MUL[2], 2),
    ]);
    let inv_sqrt = |x: usize| 1.0 / (x as f64).sqrt();

    let mut layers = Vec::new();
    for t in 0..5 {
        let last = t == 4;
        let irr_h = if t == 0 {
            scalar(MUL[0])
        } else {
            hidden.clone()
        };
        let irr_gate = if last {
            scalar(MUL[0])
        } else {
            gate_in.clone()
        };
        let paths = Path::instructions(&irr_h, if last { 0 } else { 2 }, &w3j);
        let n_w: usize = paths.iter().map(|p| p.mul).sum();
        let irr_msg = Path::message_irreps(&paths);
        let name = |s: &str| format!("{t}_{s}");
        let get_linear = |key: &str, irr_in: &Irreps, irr_out: &Irreps, scale: f64| {
            let len = Linear::weight_len(irr_in, irr_out);
            Linear::new(st.get(&name(key), len)?, irr_in, irr_out, scale)
        };
        let denominator = st.get(&name("convolution.denominator"), 1)?[0];
        let scaled = |key: &str, rows: usize, cols: usize, s: f64| -> Result<Vec<f64>, String> {
            Ok(st
                .get(&name(key), rows * cols)?
                .iter()
                .map(|w| w * s)
                .collect())
        };
        layers.push(Layer {
            sc: get_linear(
                "self_connection_intro.linear.weight",
                &irr_h,
                &irr_gate,
                1.0,
            )?,
            lin1: get_linear("self_interaction_1.linear.weight", &irr_h, &irr_h, 1.0)?,
            // the aggregation's 1/denominator is folded into the linear that reads it
            lin2: get_linear(
                "self_interaction_2.linear.weight",
                &irr_msg,
                &irr_gate,
                1.0 / denominator,
            )?,
            w0: scaled(
                "convolution.weight_nn.layer0.weight",
                8,
                HIDDEN,
                inv_sqrt(8),
            )?,
            w1: scaled(
                "convolution.weight_nn.layer1.weight",
                HIDDEN,
                HIDDEN,
                inv_sqrt(HIDDEN),
            )?,
            w2: scaled(
                "convolution.weight_nn.layer2.weight",
                HIDDEN,
                n_w,
                inv_sqrt(HIDDEN),
            )?,
            n_w,
            paths,
            irr_h,
            irr_gate,
            irr_msg,
            denominator,
        });
    }
    let embed: Vec<f64> = st
        .get("onehot_to_feature_x.linear.weight", N_SPECIES * MUL[0])?
        .iter()
        .map(|w| w * inv_sqrt(N_SPECIES))
        .collect();
    let readout1 = Linear::new(
        st.get("reduce_input_to_hidden.linear.weight", MUL[0] * HIDDEN)?,
        &scalar(MUL[0]),
        &scalar(HIDDEN),
        1.0,
    )?;
    let readout2 = Linear::new(
        st.get("reduce_hidden_to_energy.linear.weight", HIDDEN)?,
        &scalar(HIDDEN),
        &scalar(1),
        1.0,
    )?;
    let coeffs = st.get("edge_embedding.basis_function.coeffs", 8)?;
    Ok(Model::new(
        species_of_z,
        embed,
        coeffs.try_into().expect("8 coefficients"),
        cutoff,
        layers,
        readout1,
        readout2,
        st.get("rescale_atomic_energy.shift", N_SPECIES)?.to_vec(),
        st.get("rescale_atomic_energy.scale", N_SPECIES)?.to_vec(),
        silu_c,
    ))
}
