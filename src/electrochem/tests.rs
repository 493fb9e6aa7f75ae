use super::*;

/// PHYSICS.md worked examples are given to 3–4 decimals; the acceptance asks 1e-6 where exact.
const EXAMPLE_TOL: f64 = 1e-6;

fn example_a() -> ElectrochemBand {
    let im = |e: f64, u: f64| ElectrochemImage {
        energy: Some(e),
        excess_electrons: Some(0.5),
        potential: Some(u),
        work_function: None,
        capacitance: Some(1.0),
        states: None,
    };
    ElectrochemBand {
        format: "nebkit/electrochem-band".into(),
        version: 1,
        phi_she: 4.44,
        images: vec![im(-300.0, -0.60), im(-299.2, -0.20), im(-299.9, 0.10)],
        source: None,
    }
}

#[test]
fn worked_example_a_charge_extrapolation_and_grand_energies() {
    // constant-charge barrier 0.8 eV, Δq = C ΔU = 0.40 e, ΔΦ = 0.40 eV
    let (at_is, at_ts) = charge_extrapolation(0.8, 0.40, 0.40);
    assert!((at_is - 0.720).abs() < EXAMPLE_TOL && (at_ts - 0.880).abs() < EXAMPLE_TOL);
    let r = sweep(&example_a(), &[-1.0, 0.0]).unwrap();
    assert!(
        (r.barriers[0] - 0.560).abs() < EXAMPLE_TOL,
        "{}",
        r.barriers[0]
    );
    assert!(
        (r.barriers[1] - 0.960).abs() < EXAMPLE_TOL,
        "{}",
        r.barriers[1]
    );
    let g = &r.grand_energies[0];
    assert!(
        (g[0] - -298.360).abs() < EXAMPLE_TOL
            && (g[1] - -297.800).abs() < EXAMPLE_TOL
            && (g[2] - -298.785).abs() < EXAMPLE_TOL,
        "{g:?}"
    );
    // Δn*_IS = 0.90, Δn*_TS = 1.30 at −1.0 V; slope 0.40 = β
    assert!((r.electron_transfer[0] - 0.40).abs() < EXAMPLE_TOL);
    let band = example_a().resolve().unwrap();
    assert!((excess_electrons_at(&band[0].0, 1.0, -1.0) - 0.90).abs() < EXAMPLE_TOL);
    assert!((excess_electrons_at(&band[1].0, 1.0, -1.0) - 1.30).abs() < EXAMPLE_TOL);
    // barrier(U) = 0.96 + 0.40 U
    for u in [-1.5, -0.5, 0.5] {
        let b = sweep(&example_a(), &[u]).unwrap().barriers[0];
        assert!((b - (0.96 + 0.40 * u)).abs() < EXAMPLE_TOL);
    }
}

fn synthetic_states(e_pzc: f64, u_pzc: f64, c: f64, phi: f64) -> Vec<ChargedState> {
    [-1.0, 0.0, 1.0]
        .iter()
        .map(|&dn| ChargedState {
            energy: e_pzc + electron_chemical_potential(u_pzc, phi) * dn + dn * dn / (2.0 * c),
            excess_electrons: dn,
            potential: u_pzc - dn / c,
        })
        .collect()
}

#[test]
fn worked_example_b_quadratic_fit() {
    let phi = 4.44;
    let is = synthetic_states(-310.00, 0.20, 1.0, phi);
    let ts = synthetic_states(-309.10, 0.50, 1.2, phi);
    let (c, u, e) = quadratic_fit(&ts, phi).unwrap();
    assert!((c - 1.2).abs() < 1e-9 && (u - 0.5).abs() < 1e-9 && (e - -309.10).abs() < 1e-9);
    let band = ElectrochemBand {
        format: "nebkit/electrochem-band".into(),
        version: 1,
        phi_she: phi,
        images: [is, ts]
            .into_iter()
            .map(|s| ElectrochemImage {
                energy: None,
                excess_electrons: None,
                potential: None,
                work_function: None,
                capacitance: None,
                states: Some(s),
            })
            .collect(),
        source: None,
    };
    let r = sweep(&band, &[0.5, 0.0, -0.5, -1.0]).unwrap();
    for (b, want) in r.barriers.iter().zip([0.945, 0.770, 0.545, 0.270]) {
        assert!((b - want).abs() < EXAMPLE_TOL, "{b} vs {want}");
    }
}

#[test]
fn worked_example_d_leaching_thresholds() {
    let t = 298.15;
    assert!((leaching_threshold(1.18, 1.02, 2.0, 1.0, t) - 0.670).abs() < EXAMPLE_TOL);
    assert!((leaching_threshold(1.18, -1.24, 2.0, 1.0, t) - 1.800).abs() < EXAMPLE_TOL);
    let nernst = leaching_threshold(0.0, 0.0, 2.0, 1e-6, t);
    assert!((nernst - -0.1775).abs() < 1e-4, "{nernst}");
    assert_eq!(standard_potential("Pt"), Some(1.18));
    // CHE: a one-pair reduction with ΔG(0) = −0.80 eV has ΔG(+0.9 V_RHE) = +0.10 eV
    assert!((che_shift(-0.80, 1.0, 0.9, true) - 0.10).abs() < 1e-12);
    assert!((che_shift(-0.80, 1.0, 0.9, false) - -1.70).abs() < 1e-12);
}

#[test]
fn grand_energy_invariants_by_finite_differences() {
    let s = ChargedState {
        energy: -100.0,
        excess_electrons: 0.3,
        potential: -0.4,
    };
    let (c, phi, h) = (0.8, 4.44, 1e-4);
    for u in [-1.5, -0.4, 0.0, 0.7] {
        let om = |x: f64| grand_energy(&s, c, x, phi);
        // dΩ/dU = e·Δn*, d²Ω/dU² = −C
        let d1 = (om(u + h) - om(u - h)) / (2.0 * h);
        let d2 = (om(u + h) - 2.0 * om(u) + om(u - h)) / (h * h);
        assert!((d1 - excess_electrons_at(&s, c, u)).abs() < 1e-8, "{d1}");
        assert!((d2 + c).abs() < 1e-4, "{d2}");
        // the capacitor correction is never positive
        let uncorrected = s.energy - s.excess_electrons * electron_chemical_potential(u, phi);
        assert!(om(u) <= uncorrected);
    }
}

#[test]
fn convention_adapters_round_trip() {
    let phi = 4.44;
    let s = ChargedState {
        energy: -250.3,
        excess_electrons: 0.7,
        potential: -0.35,
    };
    let w = work_function_from_potential(s.potential, phi);
    // GPAW SJM: Ω = E + Δn·W
    let g = adapters::from_gpaw_sjm(adapters::to_gpaw_sjm(&s, phi), s.excess_electrons, w, phi);
    assert!((g.energy - s.energy).abs() < 1e-12 && (g.potential - s.potential).abs() < 1e-12);
    // JDFTx: G = F − μN with N total; μ = μ_e(U)
    let (n0, mu) = (120.0, electron_chemical_potential(s.potential, phi));
    let n = n0 + s.excess_electrons;
    let omega = s.grand_energy(phi);
    let jd = adapters::from_jdftx(omega - mu * n0, mu, n, n0, phi);
    assert!(
        (jd.energy - s.energy).abs() < 1e-9
            && (jd.excess_electrons - s.excess_electrons).abs() < 1e-12
    );
    assert!((jd.potential - s.potential).abs() < 1e-12);
    // QE: tot_charge = −Δn, ε_F = −W
    let qe = adapters::from_quantum_espresso(s.energy, -s.excess_electrons, -w, phi);
    assert_eq!(
        (qe.energy, qe.excess_electrons),
        (s.energy, s.excess_electrons)
    );
    assert!((qe.potential - s.potential).abs() < 1e-12);
    let vs = adapters::from_vaspsol(s.energy, 300.7, 300.0, w, phi);
    assert!(
        (vs.excess_electrons - 0.7).abs() < 1e-12 && (vs.potential - s.potential).abs() < 1e-12
    );
    // SHE ↔ RHE at pH 13; Φ_SHE per source
    let u = rhe_to_she(she_to_rhe(-1.0, 13.0, 298.15), 13.0, 298.15);
    assert!((u - -1.0).abs() < 1e-12);
    assert!((nernst_slope(298.15) - 0.05916).abs() < 1e-5);
    assert_eq!(SheReference::CpVasp.value(), 4.6);
    assert!((capacitance_e_per_volt(10.0, 100.0) - 0.62415).abs() < 1e-4);
}
