//! The SevenNet-0 network: forward pass and a hand-written reverse pass for ∂E/∂(edge vectors).
//!
//! Follows `SEVENNET_PORT.md` §2 (e3nn conventions). Layout of an irreps feature
//! `m0x0e+m1x1e+m2x2e`: blocks `[m0][1] ‖ [m1][3] ‖ [m2][5]`, channel outer, component inner.
//!
//! Edges come from a full neighbour list in compressed-row form: row i holds the edges e = (i, j, S)
//! with D_e = r_j − r_i + S·cell; i receives the message, j sends it. Every edge has a partner
//! rev(e) = (j, i, −S) with D = −D_e bit for bit, so the two share r, the radial embedding and the
//! radial-network weights: those are computed once per pair (half the dominant cost).

use rayon::prelude::*;
use std::collections::HashMap;

/// An irreps list `[(mul, l)]` (SO(3) only, l ≤ 2, one block per l).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Irreps(pub Vec<(usize, usize)>);

impl Irreps {
    /// Length of a feature vector.
    pub fn dim(&self) -> usize {
        self.0.iter().map(|&(m, l)| m * (2 * l + 1)).sum()
    }

    /// Offset of each block.
    fn offsets(&self) -> Vec<usize> {
        let mut off = 0;
        self.0
            .iter()
            .map(|&(m, l)| {
                let o = off;
                off += m * (2 * l + 1);
                o
            })
            .collect()
    }
}

/// Strided matrix product `C = A·B + beta·C` on slices (bounds checked, then matrixmultiply).
/// A is m×k at `a[a0 + i·rsa + p·csa]`, B is k×n at `b[b0 + p·rsb + j·csb]`, C is m×n.
#[allow(clippy::too_many_arguments)]
fn gemm(
    (m, k, n): (usize, usize, usize),
    (a, a0, rsa, csa): (&[f64], usize, usize, usize),
    (b, b0, rsb, csb): (&[f64], usize, usize, usize),
    beta: f64,
    (c, c0, rsc, csc): (&mut [f64], usize, usize, usize),
) {
    if m == 0 || n == 0 {
        return;
    }
    let last =
        |off: usize, r: usize, rs: usize, cl: usize, cs: usize| off + (r - 1) * rs + (cl - 1) * cs;
    assert!(c.len() > last(c0, m, rsc, n, csc), "gemm: C out of bounds");
    if k == 0 {
        for i in 0..m {
            for j in 0..n {
                c[c0 + i * rsc + j * csc] *= beta;
            }
        }
        return;
    }
    assert!(a.len() > last(a0, m, rsa, k, csa), "gemm: A out of bounds");
    assert!(b.len() > last(b0, k, rsb, n, csb), "gemm: B out of bounds");
    // SAFETY: every index the product touches was checked to lie inside the slices above; C does
    // not alias A or B (a &mut and two & borrows).
    unsafe {
        matrixmultiply::dgemm(
            m,
            k,
            n,
            1.0,
            a.as_ptr().add(a0),
            rsa as isize,
            csa as isize,
            b.as_ptr().add(b0),
            rsb as isize,
            csb as isize,
            beta,
            c.as_mut_ptr().add(c0),
            rsc as isize,
            csc as isize,
        );
    }
}

/// e3nn `o3.Linear` without bias: `y[w,m] = Σ_u W_l[u,w] x[u,m] / √mul_in` for every l present in
/// both irreps (the normalisation and any extra factor are folded into the stored weights).
#[derive(Debug, Clone)]
pub(super) struct Linear {
    dim_in: usize,
    dim_out: usize,
    /// (d = 2l+1, mul_in, mul_out, offset in, offset out, weights mul_in × mul_out row-major)
    blocks: Vec<(usize, usize, usize, usize, usize, Vec<f64>)>,
}

impl Linear {
    /// Number of weights of e3nn's flat layout.
    pub fn weight_len(irr_in: &Irreps, irr_out: &Irreps) -> usize {
        irr_out
            .0
            .iter()
            .flat_map(|&(mo, lo)| {
                irr_in
                    .0
                    .iter()
                    .filter(move |&&(_, li)| li == lo)
                    .map(move |&(mi, _)| mi * mo)
            })
            .sum()
    }

    /// From e3nn's flat weight (blocks in output order, each mul_in × mul_out row-major).
    pub fn new(
        flat: &[f64],
        irr_in: &Irreps,
        irr_out: &Irreps,
        scale: f64,
    ) -> Result<Self, String> {
        let (oin, oout) = (irr_in.offsets(), irr_out.offsets());
        let mut blocks = Vec::new();
        let mut k = 0;
        for (bo, &(mo, lo)) in irr_out.0.iter().enumerate() {
            for (bi, &(mi, li)) in irr_in.0.iter().enumerate() {
                if li != lo {
                    continue;
                }
                let w = flat
                    .get(k..k + mi * mo)
                    .ok_or("linear weight too short")?
                    .iter()
                    .map(|w| w * scale / (mi as f64).sqrt())
                    .collect();
                k += mi * mo;
                blocks.push((2 * li + 1, mi, mo, oin[bi], oout[bo], w));
            }
        }
        if k != flat.len() {
            return Err(format!(
                "linear weight has {} numbers, the irreps need {k}",
                flat.len()
            ));
        }
        Ok(Linear {
            dim_in: irr_in.dim(),
            dim_out: irr_out.dim(),
            blocks,
        })
    }

    /// `y += x·W` for `n` rows.
    fn forward(&self, n: usize, x: &[f64], y: &mut [f64]) {
        for (d, mi, mo, oi, oo, w) in &self.blocks {
            for m in 0..*d {
                gemm(
                    (n, *mi, *mo),
                    (x, oi + m, self.dim_in, *d),
                    (w, 0, *mo, 1),
                    1.0,
                    (y, oo + m, self.dim_out, *d),
                );
            }
        }
    }

    /// `ẋ += ẏ·Wᵀ` for `n` rows.
    fn backward(&self, n: usize, dy: &[f64], dx: &mut [f64]) {
        for (d, mi, mo, oi, oo, w) in &self.blocks {
            for m in 0..*d {
                gemm(
                    (n, *mo, *mi),
                    (dy, oo + m, self.dim_out, *d),
                    (w, 0, 1, *mo),
                    1.0,
                    (dx, oi + m, self.dim_in, *d),
                );
            }
        }
    }
}

/// One tensor-product path (l1 ⊗ l2 → l3, 'uvu', one weight per channel).
#[derive(Debug, Clone)]
pub(super) struct Path {
    l1: usize,
    l2: usize,
    l3: usize,
    pub mul: usize,
    /// Offset of the l1 block in the node feature.
    x_off: usize,
    /// Offset of this path's weights in the radial network's output.
    w_off: usize,
    /// Offset of this path's output in the message.
    m_off: usize,
    /// √(2l3+1)·C(l1,l2,l3)[a,b,k], row-major (a, b, k).
    t: Vec<f64>,
}

impl Path {
    /// SevenNet's instruction list: for each input block (l1), l2 = 0, 1, 2, every l3 ≤ `lmax_out`
    /// allowed by the triangle rule; stably sorted by l3. Weights and outputs are laid out in that
    /// order.
    pub fn instructions(
        irr_x: &Irreps,
        lmax_out: usize,
        w3j: &HashMap<(usize, usize, usize), Vec<f64>>,
    ) -> Vec<Path> {
        let offsets = irr_x.offsets();
        let mut list = Vec::new();
        for (b, &(mul, l1)) in irr_x.0.iter().enumerate() {
            for l2 in 0..3 {
                for l3 in l1.abs_diff(l2)..=(l1 + l2).min(2) {
                    if l3 <= lmax_out {
                        list.push((l3, l1, l2, mul, offsets[b]));
                    }
                }
            }
        }
        list.sort_by_key(|p| p.0); // stable
        let (mut w_off, mut m_off) = (0, 0);
        list.into_iter()
            .map(|(l3, l1, l2, mul, x_off)| {
                let norm = ((2 * l3 + 1) as f64).sqrt();
                let t = w3j[&(l1, l2, l3)].iter().map(|c| c * norm).collect();
                let p = Path {
                    l1,
                    l2,
                    l3,
                    mul,
                    x_off,
                    w_off,
                    m_off,
                    t,
                };
                w_off += mul;
                m_off += mul * (2 * l3 + 1);
                p
            })
            .collect()
    }

    /// The message irreps: path outputs grouped by l3.
    pub fn message_irreps(paths: &[Path]) -> Irreps {
        Irreps(
            (0..3)
                .filter_map(|l| {
                    let m: usize = paths.iter().filter(|p| p.l3 == l).map(|p| p.mul).sum();
                    (m > 0).then_some((m, l))
                })
                .collect(),
        )
    }
}

/// One interaction block.
#[derive(Debug, Clone)]
pub(super) struct Layer {
    pub sc: Linear,
    pub lin1: Linear,
    /// Includes the aggregation's 1/denominator.
    pub lin2: Linear,
    /// Radial network weights with e3nn's 1/√fan_in folded in: 8×64, 64×64, 64×n_w.
    pub w0: Vec<f64>,
    pub w1: Vec<f64>,
    pub w2: Vec<f64>,
    pub n_w: usize,
    pub paths: Vec<Path>,
    pub irr_h: Irreps,
    pub irr_gate: Irreps,
    pub irr_msg: Irreps,
    /// √(average number of neighbours) of training, folded into `lin2` (kept for checks).
    #[cfg_attr(not(test), allow(dead_code))]
    pub denominator: f64,
}

/// The whole network.
#[derive(Debug, Clone)]
pub(crate) struct Model {
    /// Species index of an atomic number.
    species_of_z: Vec<Option<usize>>,
    /// Node embedding per species (128), with 1/√89 folded in.
    embed: Vec<f64>,
    coeffs: [f64; 8],
    pub cutoff: f64,
    r_on: f64,
    layers: Vec<Layer>,
    readout1: Linear,
    readout2: Linear,
    /// ∂ẽ/∂h of the (linear) readout, 128 numbers.
    readout_grad: Vec<f64>,
    shift: Vec<f64>,
    scale: Vec<f64>,
    silu_c: f64,
}

/// Radial network rows per parallel task.
const CHUNK: usize = 32;
/// Width of the radial network.
const HIDDEN: usize = 64;
/// Number of Bessel functions.
const NB: usize = 8;

/// Everything the reverse pass needs from one evaluation, and the buffers reused across calls.
#[derive(Debug, Default)]
pub(crate) struct Workspace {
    // per layer: node feature after lin1 (the TP input), gate input, radial network
    a: Vec<Vec<f64>>,
    g: Vec<Vec<f64>>,
    d1: Vec<Vec<f64>>,
    d2: Vec<Vec<f64>>,
    wt: Vec<Vec<f64>>,
    // node buffers
    h: Vec<f64>,
    agg: Vec<f64>,
    dh: Vec<f64>,
    dg: Vec<f64>,
    da: Vec<f64>,
    // edge buffers
    y: Vec<f64>,
    dy: Vec<f64>,
    dw_slot: Vec<f64>,
    // pair buffers
    emb: Vec<f64>,
    demb_dr: Vec<f64>,
    emb_grad: Vec<f64>,
    pair_edge: Vec<u32>,
    pair_of: Vec<u32>,
}

/// `v` resized to `n` zeros.
fn zeroed(v: &mut Vec<f64>, n: usize) -> &mut [f64] {
    v.clear();
    v.resize(n, 0.0);
    v
}

/// The edges of one structure (a neighbour list with partners).
pub(crate) struct Graph<'a> {
    pub species: Vec<usize>,
    pub start: &'a [usize],
    pub neighbor: &'a [u32],
    pub reverse: &'a [u32],
    pub vector: &'a [nalgebra::Vector3<f64>],
    pub distance: &'a [f64],
}

/// Result of one evaluation.
pub(crate) struct Output {
    pub energies: Vec<f64>,
    pub forces: Vec<nalgebra::Vector3<f64>>,
    /// Σ_e G_e ⊗ D_e with G_e = ∂E/∂D_e [eV]; the stress is its symmetric part over the volume.
    pub virial: nalgebra::Matrix3<f64>,
}

/// Real spherical harmonics l = 0, 1, 2 of a unit vector, e3nn 'component' normalisation in the
/// order SevenNet uses (raw x, y, z).
fn sph(u: [f64; 3]) -> [f64; 9] {
    let (x, y, z) = (u[0], u[1], u[2]);
    let (s3, s5, s15) = (3f64.sqrt(), 5f64.sqrt(), 15f64.sqrt());
    [
        1.0,
        s3 * x,
        s3 * y,
        s3 * z,
        s15 * x * z,
        s15 * x * y,
        s5 * (y * y - 0.5 * (x * x + z * z)),
        s15 * y * z,
        0.5 * s15 * (z * z - x * x),
    ]
}

/// `Σ_c Ẏ_c ∂Y_c/∂u` for the harmonics of [`sph`].
fn sph_grad(u: [f64; 3], dy: &[f64]) -> [f64; 3] {
    let (x, y, z) = (u[0], u[1], u[2]);
    let (s3, s5, s15) = (3f64.sqrt(), 5f64.sqrt(), 15f64.sqrt());
    let mut g = [s3 * dy[1], s3 * dy[2], s3 * dy[3]];
    // ∂/∂(x, y, z) of √15 xz, √15 xy, √5(y² − (x²+z²)/2), √15 yz, (√15/2)(z² − x²)
    g[0] += dy[4] * s15 * z + dy[5] * s15 * y - dy[6] * s5 * x - dy[8] * s15 * x;
    g[1] += dy[5] * s15 * x + dy[6] * 2.0 * s5 * y + dy[7] * s15 * z;
    g[2] += dy[4] * s15 * x - dy[6] * s5 * z + dy[7] * s15 * y + dy[8] * s15 * z;
    g
}

/// Offset of the l block in a [`sph`] vector.
const Y_OFF: [usize; 3] = [0, 1, 4];

/// Logistic function.
fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

impl Model {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn new(
        species_of_z: Vec<Option<usize>>,
        embed: Vec<f64>,
        coeffs: [f64; 8],
        cutoff: f64,
        layers: Vec<Layer>,
        readout1: Linear,
        readout2: Linear,
        shift: Vec<f64>,
        scale: Vec<f64>,
        silu_c: f64,
    ) -> Self {
        // the readout is linear: its gradient w.r.t. h is one constant vector
        let mut hidden = vec![0.0; readout1.dim_out];
        readout2.backward(1, &[1.0], &mut hidden);
        let mut readout_grad = vec![0.0; readout1.dim_in];
        readout1.backward(1, &hidden, &mut readout_grad);
        Model {
            species_of_z,
            embed,
            coeffs,
            cutoff,
            r_on: 4.5,
            layers,
            readout1,
            readout2,
            readout_grad,
            shift,
            scale,
            silu_c,
        }
    }

    /// Species index of atomic number `z`, if covered.
    pub fn species(&self, z: u8) -> Option<usize> {
        self.species_of_z.get(usize::from(z)).copied().flatten()
    }

    /// Atomic numbers covered.
    pub fn elements(&self) -> Vec<u8> {
        (1..=255u8).filter(|&z| self.species(z).is_some()).collect()
    }

    /// Denominators of the five blocks (for tests).
    #[cfg(test)]
    pub fn denominators(&self) -> Vec<f64> {
        self.layers.iter().map(|l| l.denominator).collect()
    }

    /// Radial embedding `emb_n(r) = 0.4 sin(c_n r)/r · f(r)` and its r-derivative.
    fn radial(&self, r: f64, emb: &mut [f64], demb: &mut [f64]) {
        let (rc, ron) = (self.cutoff, self.r_on);
        let (f, df) = if r < ron {
            (1.0, 0.0)
        } else {
            let den = (rc * rc - ron * ron).powi(3);
            (
                (rc * rc - r * r).powi(2) * (rc * rc + 2.0 * r * r - 3.0 * ron * ron) / den,
                12.0 * r * (rc * rc - r * r) * (ron * ron - r * r) / den,
            )
        };
        let pre = 2.0 / rc;
        for n in 0..NB {
            let c = self.coeffs[n];
            let (s, co) = (c * r).sin_cos();
            let b = pre * s / r;
            let db = pre * (c * co / r - s / (r * r));
            emb[n] = b * f;
            demb[n] = db * f + b * df;
        }
    }

    /// Energy per atom, forces and virial of a graph. `ws` holds the buffers (reused across calls).
    pub fn evaluate(&self, graph: &Graph<'_>, ws: &mut Workspace) -> Output {
        let n = graph.species.len();
        let n_edges = graph.neighbor.len();
        let c = self.silu_c;

        // ---- pairs: one representative edge per {e, rev(e)}
        ws.pair_edge.clear();
        ws.pair_of.clear();
        ws.pair_of.resize(n_edges, u32::MAX);
        for e in 0..n_edges {
            let r = graph.reverse[e] as usize;
            if e < r {
                ws.pair_of[e] = ws.pair_edge.len() as u32;
                ws.pair_of[r] = ws.pair_edge.len() as u32;
                ws.pair_edge.push(e as u32);
            }
        }
        let n_pairs = ws.pair_edge.len();
        debug_assert_eq!(2 * n_pairs, n_edges);

        // ---- geometry: harmonics per edge, radial embedding per pair
        {
            let y = zeroed(&mut ws.y, 9 * n_edges);
            y.par_chunks_mut(9).enumerate().for_each(|(e, ye)| {
                let (d, r) = (graph.vector[e], graph.distance[e]);
                ye.copy_from_slice(&sph([d.x / r, d.y / r, d.z / r]));
            });
        }
        zeroed(&mut ws.emb, NB * n_pairs);
        zeroed(&mut ws.demb_dr, NB * n_pairs);
        zeroed(&mut ws.emb_grad, NB * n_pairs);
        for (p, &e) in ws.pair_edge.iter().enumerate() {
            let r = graph.distance[e as usize];
            self.radial(
                r,
                &mut ws.emb[NB * p..NB * (p + 1)],
                &mut ws.demb_dr[NB * p..NB * (p + 1)],
            );
        }

        // ---- forward
        let n_layers = self.layers.len();
        for v in [&mut ws.a, &mut ws.g, &mut ws.d1, &mut ws.d2, &mut ws.wt] {
            v.resize_with(n_layers, Vec::new);
        }
        {
            let h = zeroed(&mut ws.h, n * 128);
            for (i, &s) in graph.species.iter().enumerate() {
                h[128 * i..128 * (i + 1)].copy_from_slice(&self.embed[128 * s..128 * (s + 1)]);
            }
        }
        for (t, layer) in self.layers.iter().enumerate() {
            let (dh, dg, dm) = (layer.irr_h.dim(), layer.irr_gate.dim(), layer.irr_msg.dim());
            // self-connection and first linear
            let g = zeroed(&mut ws.g[t], n * dg);
            layer.sc.forward(n, &ws.h, g);
            let a = zeroed(&mut ws.a[t], n * dh);
            layer.lin1.forward(n, &ws.h, a);
            // radial network per pair
            self.radial_forward(
                layer,
                n_pairs,
                &ws.emb,
                &mut ws.d1[t],
                &mut ws.d2[t],
                &mut ws.wt[t],
            );
            // messages, summed per receiver
            let agg = zeroed(&mut ws.agg, n * dm);
            let (a, wt, y) = (&ws.a[t], &ws.wt[t], &ws.y);
            let pair_of = &ws.pair_of;
            agg.par_chunks_mut(dm).enumerate().for_each(|(i, out)| {
                for e in graph.start[i]..graph.start[i + 1] {
                    let j = graph.neighbor[e] as usize;
                    let p = pair_of[e] as usize;
                    tp_forward(
                        &layer.paths,
                        &a[j * dh..(j + 1) * dh],
                        &y[9 * e..9 * e + 9],
                        &wt[p * layer.n_w..(p + 1) * layer.n_w],
                        out,
                    );
                }
            });
            layer.lin2.forward(n, &ws.agg, &mut ws.g[t]);
            // gate → next node features
            let out_dim = if t + 1 < n_layers { 480 } else { 128 };
            let h = zeroed(&mut ws.h, n * out_dim);
            let g = &ws.g[t];
            h.par_chunks_mut(out_dim)
                .zip(g.par_chunks(dg))
                .for_each(|(hi, gi)| gate_forward(gi, hi, c));
        }
        let mut hidden = vec![0.0; n * self.readout1.dim_out];
        self.readout1.forward(n, &ws.h, &mut hidden);
        let mut e_tilde = vec![0.0; n];
        self.readout2.forward(n, &hidden, &mut e_tilde);
        let energies: Vec<f64> = (0..n)
            .map(|i| {
                let s = graph.species[i];
                self.scale[s] * e_tilde[i] + self.shift[s]
            })
            .collect();

        // ---- reverse
        {
            let dh = zeroed(&mut ws.dh, n * 128);
            for (i, &s) in graph.species.iter().enumerate() {
                for (d, r) in dh[128 * i..128 * (i + 1)]
                    .iter_mut()
                    .zip(&self.readout_grad)
                {
                    *d = self.scale[s] * r;
                }
            }
        }
        zeroed(&mut ws.dy, 9 * n_edges);
        for (t, layer) in self.layers.iter().enumerate().rev() {
            let (dh_dim, dg_dim, dm) =
                (layer.irr_h.dim(), layer.irr_gate.dim(), layer.irr_msg.dim());
            let out_dim = if t + 1 < n_layers { 480 } else { 128 };
            // gate
            {
                let dg = zeroed(&mut ws.dg, n * dg_dim);
                let (g, dh) = (&ws.g[t], &ws.dh);
                dg.par_chunks_mut(dg_dim)
                    .zip(g.par_chunks(dg_dim))
                    .zip(dh.par_chunks(out_dim))
                    .for_each(|((dgi, gi), dhi)| gate_backward(gi, dhi, dgi, c));
            }
            // linears: into the block's input and into the aggregated messages
            let dh = zeroed(&mut ws.dh, n * dh_dim);
            layer.sc.backward(n, &ws.dg, dh);
            let dagg = zeroed(&mut ws.agg, n * dm);
            layer.lin2.backward(n, &ws.dg, dagg);
            // tensor product, per sender j: the edge e = rev(s) of every slot s in row j sends j
            let da = zeroed(&mut ws.da, n * dh_dim);
            zeroed(&mut ws.dw_slot, n_edges * layer.n_w);
            {
                let (a, wt, y, pair_of, dagg) = (&ws.a[t], &ws.wt[t], &ws.y, &ws.pair_of, &ws.agg);
                let rows_w = split_rows(&mut ws.dw_slot, graph.start, layer.n_w);
                let rows_y = split_rows(&mut ws.dy, graph.start, 9);
                da.par_chunks_mut(dh_dim)
                    .zip(rows_w)
                    .zip(rows_y)
                    .enumerate()
                    .for_each(|(j, ((daj, dwj), dyj))| {
                        let x = &a[j * dh_dim..(j + 1) * dh_dim];
                        for (k, s) in (graph.start[j]..graph.start[j + 1]).enumerate() {
                            let i = graph.neighbor[s] as usize;
                            let p = pair_of[s] as usize;
                            // Y of the sending edge: Y(−u_s) = (−1)^l Y(u_s)
                            let mut ye = [0.0; 9];
                            ye.copy_from_slice(&y[9 * s..9 * s + 9]);
                            for v in &mut ye[1..4] {
                                *v = -*v;
                            }
                            let mut dye = [0.0; 9];
                            tp_backward(
                                &layer.paths,
                                x,
                                &ye,
                                &wt[p * layer.n_w..(p + 1) * layer.n_w],
                                &dagg[i * dm..(i + 1) * dm],
                                daj,
                                &mut dwj[k * layer.n_w..(k + 1) * layer.n_w],
                                &mut dye,
                            );
                            // stored as the gradient w.r.t. Y(u_s)
                            for (q, v) in dye.iter().enumerate() {
                                dyj[9 * k + q] += if (1..4).contains(&q) { -v } else { *v };
                            }
                        }
                    });
            }
            layer.lin1.backward(n, &ws.da, &mut ws.dh);
            // radial network: the pair's weight gradient is the sum over its two edges
            {
                let (dw_slot, rev, pair_edge) = (&ws.dw_slot, graph.reverse, &ws.pair_edge);
                let nw = layer.n_w;
                ws.wt[t]
                    .par_chunks_mut(nw)
                    .zip(pair_edge.par_iter())
                    .for_each(|(dwp, &e)| {
                        let (e, r) = (e as usize, rev[e as usize] as usize);
                        for (q, v) in dwp.iter_mut().enumerate() {
                            *v = dw_slot[e * nw + q] + dw_slot[r * nw + q];
                        }
                    });
            }
            self.radial_backward(
                layer,
                n_pairs,
                &ws.wt[t],
                &ws.d1[t],
                &ws.d2[t],
                &mut ws.emb_grad,
            );
        }

        // ---- gradients w.r.t. the edge vectors, forces, virial
        let dr: Vec<f64> = (0..n_pairs)
            .map(|p| {
                (0..NB)
                    .map(|q| ws.emb_grad[NB * p + q] * ws.demb_dr[NB * p + q])
                    .sum()
            })
            .collect();
        // angular gradient A_s w.r.t. D_s from the harmonics of slot s
        let ang: Vec<nalgebra::Vector3<f64>> = (0..n_edges)
            .into_par_iter()
            .map(|s| {
                let (d, r) = (graph.vector[s], graph.distance[s]);
                let u = d / r;
                let du = sph_grad([u.x, u.y, u.z], &ws.dy[9 * s..9 * s + 9]);
                let du = nalgebra::Vector3::new(du[0], du[1], du[2]);
                (du - u * u.dot(&du)) / r
            })
            .collect();
        let pair_of = &ws.pair_of;
        // G_s = ½ ṙ u_s − A_rev(s) (the radial term split evenly over the pair)
        let grad_of = |s: usize| {
            let u = graph.vector[s] / graph.distance[s];
            u * (0.5 * dr[pair_of[s] as usize]) - ang[graph.reverse[s] as usize]
        };
        let forces: Vec<nalgebra::Vector3<f64>> = (0..n)
            .into_par_iter()
            .map(|k| {
                (graph.start[k]..graph.start[k + 1])
                    .map(|s| grad_of(s) - grad_of(graph.reverse[s] as usize))
                    .sum()
            })
            .collect();
        let virial = (0..n_edges)
            .map(|s| grad_of(s) * graph.vector[s].transpose())
            .sum();
        Output {
            energies,
            forces,
            virial,
        }
    }

    /// Radial network of one block for every pair: stores φ'(z1), φ'(z2) and the weights.
    fn radial_forward(
        &self,
        layer: &Layer,
        n_pairs: usize,
        emb: &[f64],
        d1: &mut Vec<f64>,
        d2: &mut Vec<f64>,
        wt: &mut Vec<f64>,
    ) {
        let c = self.silu_c;
        let nw = layer.n_w;
        let d1 = zeroed(d1, n_pairs * HIDDEN);
        let d2 = zeroed(d2, n_pairs * HIDDEN);
        let wt = zeroed(wt, n_pairs * nw);
        wt.par_chunks_mut(CHUNK * nw)
            .zip(d1.par_chunks_mut(CHUNK * HIDDEN))
            .zip(d2.par_chunks_mut(CHUNK * HIDDEN))
            .zip(emb.par_chunks(CHUNK * NB))
            .for_each(|(((wt, d1), d2), emb)| {
                let rows = emb.len() / NB;
                let mut z = vec![0.0; rows * HIDDEN];
                gemm(
                    (rows, NB, HIDDEN),
                    (emb, 0, NB, 1),
                    (&layer.w0, 0, HIDDEN, 1),
                    0.0,
                    (&mut z, 0, HIDDEN, 1),
                );
                activate(&mut z, d1, c);
                let mut z2 = vec![0.0; rows * HIDDEN];
                gemm(
                    (rows, HIDDEN, HIDDEN),
                    (&z, 0, HIDDEN, 1),
                    (&layer.w1, 0, HIDDEN, 1),
                    0.0,
                    (&mut z2, 0, HIDDEN, 1),
                );
                activate(&mut z2, d2, c);
                gemm(
                    (rows, HIDDEN, nw),
                    (&z2, 0, HIDDEN, 1),
                    (&layer.w2, 0, nw, 1),
                    0.0,
                    (wt, 0, nw, 1),
                );
            });
    }

    /// Reverse of [`Model::radial_forward`]: `emb_grad += ∂E/∂emb` from the weights' gradient.
    fn radial_backward(
        &self,
        layer: &Layer,
        n_pairs: usize,
        dwt: &[f64],
        d1: &[f64],
        d2: &[f64],
        emb_grad: &mut [f64],
    ) {
        let nw = layer.n_w;
        debug_assert_eq!(dwt.len(), n_pairs * nw);
        emb_grad
            .par_chunks_mut(CHUNK * NB)
            .zip(dwt.par_chunks(CHUNK * nw))
            .zip(d1.par_chunks(CHUNK * HIDDEN))
            .zip(d2.par_chunks(CHUNK * HIDDEN))
            .for_each(|(((eg, dwt), d1), d2)| {
                let rows = eg.len() / NB;
                let mut h2 = vec![0.0; rows * HIDDEN];
                gemm(
                    (rows, nw, HIDDEN),
                    (dwt, 0, nw, 1),
                    (&layer.w2, 0, 1, nw),
                    0.0,
                    (&mut h2, 0, HIDDEN, 1),
                );
                for (v, d) in h2.iter_mut().zip(d2) {
                    *v *= d;
                }
                let mut h1 = vec![0.0; rows * HIDDEN];
                gemm(
                    (rows, HIDDEN, HIDDEN),
                    (&h2, 0, HIDDEN, 1),
                    (&layer.w1, 0, 1, HIDDEN),
                    0.0,
                    (&mut h1, 0, HIDDEN, 1),
                );
                for (v, d) in h1.iter_mut().zip(d1) {
                    *v *= d;
                }
                gemm(
                    (rows, HIDDEN, NB),
                    (&h1, 0, HIDDEN, 1),
                    (&layer.w0, 0, 1, HIDDEN),
                    1.0,
                    (eg, 0, NB, 1),
                );
            });
    }
}

/// In place z → φ(z) = c·silu(z), with φ'(z) written to `deriv`.
fn activate(z: &mut [f64], deriv: &mut [f64], c: f64) {
    for (v, d) in z.iter_mut().zip(deriv.iter_mut()) {
        let s = sigmoid(*v);
        *d = c * s * (1.0 + *v * (1.0 - s));
        *v *= c * s;
    }
}

/// Split a per-edge array (`width` numbers per edge) into the rows of a compressed-row list.
fn split_rows<'a>(v: &'a mut [f64], start: &[usize], width: usize) -> Vec<&'a mut [f64]> {
    let mut rest = v;
    let mut rows = Vec::with_capacity(start.len().saturating_sub(1));
    for w in start.windows(2) {
        let (row, tail) = std::mem::take(&mut rest).split_at_mut((w[1] - w[0]) * width);
        rows.push(row);
        rest = tail;
    }
    rows
}

/// Gate: scalars φ(s); gated l > 0 blocks multiplied by φ(gate) (gates follow the scalars).
fn gate_forward(g: &[f64], h: &mut [f64], c: f64) {
    let phi = |x: f64| c * x * sigmoid(x);
    if g.len() == h.len() {
        // last block: scalars only
        for (o, &x) in h.iter_mut().zip(g) {
            *o = phi(x);
        }
        return;
    }
    for q in 0..128 {
        h[q] = phi(g[q]);
    }
    for u in 0..64 {
        let s = phi(g[128 + u]);
        for m in 0..3 {
            h[128 + 3 * u + m] = g[224 + 3 * u + m] * s;
        }
    }
    for u in 0..32 {
        let s = phi(g[192 + u]);
        for m in 0..5 {
            h[320 + 5 * u + m] = g[416 + 5 * u + m] * s;
        }
    }
}

/// Reverse of [`gate_forward`].
fn gate_backward(g: &[f64], dh: &[f64], dg: &mut [f64], c: f64) {
    let phi_d = |x: f64| {
        let s = sigmoid(x);
        (c * x * s, c * s * (1.0 + x * (1.0 - s)))
    };
    if g.len() == dh.len() {
        for ((o, &x), &d) in dg.iter_mut().zip(g).zip(dh) {
            *o = d * phi_d(x).1;
        }
        return;
    }
    for q in 0..128 {
        dg[q] = dh[q] * phi_d(g[q]).1;
    }
    for u in 0..64 {
        let (s, ds) = phi_d(g[128 + u]);
        let mut acc = 0.0;
        for m in 0..3 {
            let (v, d) = (g[224 + 3 * u + m], dh[128 + 3 * u + m]);
            dg[224 + 3 * u + m] = d * s;
            acc += d * v;
        }
        dg[128 + u] = ds * acc;
    }
    for u in 0..32 {
        let (s, ds) = phi_d(g[192 + u]);
        let mut acc = 0.0;
        for m in 0..5 {
            let (v, d) = (g[416 + 5 * u + m], dh[320 + 5 * u + m]);
            dg[416 + 5 * u + m] = d * s;
            acc += d * v;
        }
        dg[192 + u] = ds * acc;
    }
}

/// Message of one edge added to `out`: per path
/// `out[u,k] += w[u] Σ_a x[u,a] M[a,k]`, `M[a,k] = Σ_b Y[b] T[a,b,k]`.
fn tp_forward(paths: &[Path], x: &[f64], y: &[f64], w: &[f64], out: &mut [f64]) {
    for p in paths {
        match (2 * p.l1 + 1, 2 * p.l3 + 1) {
            (1, 1) => tp_fwd_path::<1, 1>(p, x, y, w, out),
            (1, 3) => tp_fwd_path::<1, 3>(p, x, y, w, out),
            (1, 5) => tp_fwd_path::<1, 5>(p, x, y, w, out),
            (3, 1) => tp_fwd_path::<3, 1>(p, x, y, w, out),
            (3, 3) => tp_fwd_path::<3, 3>(p, x, y, w, out),
            (3, 5) => tp_fwd_path::<3, 5>(p, x, y, w, out),
            (5, 1) => tp_fwd_path::<5, 1>(p, x, y, w, out),
            (5, 3) => tp_fwd_path::<5, 3>(p, x, y, w, out),
            (5, 5) => tp_fwd_path::<5, 5>(p, x, y, w, out),
            _ => unreachable!("l ≤ 2"),
        }
    }
}

/// `M[a][k] = Σ_b Y_l2[b] T[a,b,k]` of one path.
fn contract_y<const A: usize, const K: usize>(p: &Path, y: &[f64]) -> [[f64; K]; A] {
    let nb = 2 * p.l2 + 1;
    let yl = &y[Y_OFF[p.l2]..Y_OFF[p.l2] + nb];
    let mut m = [[0.0; K]; A];
    for (a, row) in m.iter_mut().enumerate() {
        for (b, &yb) in yl.iter().enumerate() {
            let t = &p.t[(a * nb + b) * K..(a * nb + b + 1) * K];
            for k in 0..K {
                row[k] += yb * t[k];
            }
        }
    }
    m
}

fn tp_fwd_path<const A: usize, const K: usize>(
    p: &Path,
    x: &[f64],
    y: &[f64],
    w: &[f64],
    out: &mut [f64],
) {
    let m = contract_y::<A, K>(p, y);
    let xs = &x[p.x_off..p.x_off + p.mul * A];
    let ws = &w[p.w_off..p.w_off + p.mul];
    let os = &mut out[p.m_off..p.m_off + p.mul * K];
    for ((xu, &wu), ou) in xs.chunks_exact(A).zip(ws).zip(os.chunks_exact_mut(K)) {
        let mut acc = [0.0; K];
        for a in 0..A {
            let xa = xu[a];
            for k in 0..K {
                acc[k] += xa * m[a][k];
            }
        }
        for k in 0..K {
            ou[k] += wu * acc[k];
        }
    }
}

/// Reverse of [`tp_forward`] for one edge, given `dm` = ∂E/∂message: adds ∂E/∂x to `dx`, writes
/// ∂E/∂w to `dw`, adds ∂E/∂Y to `dy`.
#[allow(clippy::too_many_arguments)]
fn tp_backward(
    paths: &[Path],
    x: &[f64],
    y: &[f64],
    w: &[f64],
    dm: &[f64],
    dx: &mut [f64],
    dw: &mut [f64],
    dy: &mut [f64; 9],
) {
    for p in paths {
        match (2 * p.l1 + 1, 2 * p.l3 + 1) {
            (1, 1) => tp_bwd_path::<1, 1>(p, x, y, w, dm, dx, dw, dy),
            (1, 3) => tp_bwd_path::<1, 3>(p, x, y, w, dm, dx, dw, dy),
            (1, 5) => tp_bwd_path::<1, 5>(p, x, y, w, dm, dx, dw, dy),
            (3, 1) => tp_bwd_path::<3, 1>(p, x, y, w, dm, dx, dw, dy),
            (3, 3) => tp_bwd_path::<3, 3>(p, x, y, w, dm, dx, dw, dy),
            (3, 5) => tp_bwd_path::<3, 5>(p, x, y, w, dm, dx, dw, dy),
            (5, 1) => tp_bwd_path::<5, 1>(p, x, y, w, dm, dx, dw, dy),
            (5, 3) => tp_bwd_path::<5, 3>(p, x, y, w, dm, dx, dw, dy),
            (5, 5) => tp_bwd_path::<5, 5>(p, x, y, w, dm, dx, dw, dy),
            _ => unreachable!("l ≤ 2"),
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn tp_bwd_path<const A: usize, const K: usize>(
    p: &Path,
    x: &[f64],
    y: &[f64],
    w: &[f64],
    dm: &[f64],
    dx: &mut [f64],
    dw: &mut [f64],
    dy: &mut [f64; 9],
) {
    let m = contract_y::<A, K>(p, y);
    let xs = &x[p.x_off..p.x_off + p.mul * A];
    let ws = &w[p.w_off..p.w_off + p.mul];
    let dms = &dm[p.m_off..p.m_off + p.mul * K];
    let dxs = &mut dx[p.x_off..p.x_off + p.mul * A];
    let dws = &mut dw[p.w_off..p.w_off + p.mul];
    // Q[a][k] = Σ_u w[u] x[u,a] ṁ[u,k]
    let mut q = [[0.0; K]; A];
    for ((((xu, &wu), dmu), dxu), dwu) in xs
        .chunks_exact(A)
        .zip(ws)
        .zip(dms.chunks_exact(K))
        .zip(dxs.chunks_exact_mut(A))
        .zip(dws.iter_mut())
    {
        // P[a] = Σ_k ṁ[u,k] M[a,k]
        let mut dot = 0.0;
        for a in 0..A {
            let mut pa = 0.0;
            for k in 0..K {
                pa += dmu[k] * m[a][k];
            }
            dot += xu[a] * pa;
            dxu[a] += wu * pa;
            let wx = wu * xu[a];
            for k in 0..K {
                q[a][k] += wx * dmu[k];
            }
        }
        *dwu = dot;
    }
    // Ẏ[b] += Σ_{a,k} T[a,b,k] Q[a,k]
    let nb = 2 * p.l2 + 1;
    for b in 0..nb {
        let mut acc = 0.0;
        for (a, qa) in q.iter().enumerate() {
            let t = &p.t[(a * nb + b) * K..(a * nb + b + 1) * K];
            for k in 0..K {
                acc += t[k] * qa[k];
            }
        }
        dy[Y_OFF[p.l2] + b] += acc;
    }
}
