//! Builder checks of SEED_SYSTEMS.md for every system and its main options, build → neb with the model
//! calculator, files readable by ASE, clear errors.

use crate::python_with_ase;
use nebkit::builders::{
    build, fcc_fragment, gc3n4, graphene, n4_site, nis_001, tetrahedron10, BuildOptions,
};
use nebkit::builders::{FccFacet, FccSlab};
use nebkit::structure::{elements, Structure};
use std::process::Command;

fn covalent(s: &Structure, i: usize) -> f64 {
    elements::by_number(s.numbers[i]).unwrap().covalent_radius
}

/// The closest pair relative to the sum of covalent radii (minimum image).
fn closest_relative(s: &Structure) -> (f64, usize, usize) {
    let nl = nebkit::structure::NeighborList::build(s, 3.5).unwrap();
    let mut best = (f64::INFINITY, 0, 0);
    for i in 0..s.len() {
        for k in nl.range(i) {
            let j = nl.neighbor[k] as usize;
            let q = nl.distance[k] / (covalent(s, i) + covalent(s, j));
            if q < best.0 {
                best = (q, i, j);
            }
        }
    }
    best
}

fn bonds(s: &Structure, a: u8, b: u8, rmax: f64) -> Vec<f64> {
    let nl = nebkit::structure::NeighborList::build(s, rmax).unwrap();
    let mut out = Vec::new();
    for i in 0..s.len() {
        for k in nl.range(i) {
            let j = nl.neighbor[k] as usize;
            if s.numbers[i] == a && s.numbers[j] == b && (a != b || i < j) {
                out.push(nl.distance[k]);
            }
        }
    }
    out
}

#[test]
fn building_blocks_pass_the_seed_checks() {
    // graphene C–C 1.420 ± 0.005; 8×8 with an N4 site is C122N4 with pocket radius 1.879 ± 0.002
    let g = graphene(8, 20.0);
    for d in bonds(&g, 6, 6, 1.6) {
        assert!((d - 1.420).abs() < 0.005, "C–C {d}");
    }
    let (sheet, centre) = n4_site(&g, g.positions[40]);
    assert_eq!(sheet.formula(), "C122N4");
    let mic = sheet.minimum_image().unwrap();
    for i in 0..sheet.len() {
        if sheet.numbers[i] == 7 {
            let r = mic.displacement(&(sheet.positions[i] - centre)).norm();
            assert!((r - 1.879).abs() < 0.002, "pocket radius {r}");
        }
    }
    // Pd10: 24 bonds, 4 vertices with 3 neighbours, 6 edge atoms with 6
    let t = tetrahedron10(2.70);
    let mut cn = [0; 10];
    let mut nb = 0;
    for i in 0..10 {
        for j in i + 1..10 {
            if ((t[i] - t[j]).norm() - 2.70).abs() < 0.01 {
                cn[i] += 1;
                cn[j] += 1;
                nb += 1;
            }
        }
    }
    assert_eq!(nb, 24);
    assert_eq!(cn.iter().filter(|&&c| c == 3).count(), 4);
    assert_eq!(cn.iter().filter(|&&c| c == 6).count(), 6);
    // NiS: Ni–S 2.394 ± 0.002 (×6 in the bulk part), Ni–Ni along c 2.676
    let nis = nis_001(3, 2, 10.0);
    let nisd = bonds(&nis, 28, 16, 2.5);
    assert!(!nisd.is_empty());
    for d in &nisd {
        assert!((d - 2.394).abs() < 0.002, "Ni–S {d}");
    }
    let nis100 = nebkit::builders::nis_100(3, 2, 2, 10.0);
    assert_eq!(nis100.len(), 48);
    assert_eq!(
        nis100.numbers.iter().filter(|&&z| z == 28).count(),
        24,
        "stoichiometric"
    );
    for d in bonds(&nis100, 28, 16, 2.5) {
        assert!((d - 2.394).abs() < 0.002, "(100) Ni–S {d}");
    }
    let nini = bonds(&nis, 28, 28, 2.8);
    assert!(nini.iter().all(|d| (d - 2.676).abs() < 0.002), "{nini:?}");
    // g-C3N4: every C three-coordinated; C–N bonds 1.331–1.336, 1.393, 1.471 (± 0.005)
    let gc = gc3n4(2, 20.0);
    assert_eq!(gc.formula(), "C24N32");
    let nl = nebkit::structure::NeighborList::build(&gc, 1.6).unwrap();
    for i in 0..gc.len() {
        if gc.numbers[i] == 6 {
            assert_eq!(nl.count(i), 3, "C {i} has {} neighbours", nl.count(i));
            for k in nl.range(i) {
                let d = nl.distance[k];
                let ok = (1.326..=1.341).contains(&d)
                    || (d - 1.393).abs() < 0.005
                    || (d - 1.471).abs() < 0.005;
                assert!(ok, "C–N {d}");
            }
        }
    }
    // fcc slabs: every atom's nearest neighbours at a/√2; 100/111/110 layer spacings a/2, a/√3, a/(2√2)
    for (facet, spacing) in [
        (FccFacet::F100, 3.92 / 2.0),
        (FccFacet::F111, 3.92 / 3f64.sqrt()),
        (FccFacet::F110, 3.92 / 8f64.sqrt()),
    ] {
        let spec = FccSlab {
            element: "Pt".into(),
            a: 3.92,
            facet,
            size: [3, 3, 4],
            vacuum: 8.0,
            fixed_layers: 2,
        };
        let slab = spec.build();
        let d = bonds(&slab, 78, 78, 2.9);
        assert!(
            !d.is_empty() && d.iter().all(|x| (x - 3.92 / 2f64.sqrt()).abs() < 1e-9),
            "{facet:?}"
        );
        let mut zs: Vec<f64> = slab.positions.iter().map(|p| p.z).collect();
        zs.sort_by(f64::total_cmp);
        zs.dedup_by(|a, b| (*a - *b).abs() < 1e-6);
        assert!((zs[1] - zs[0] - spacing).abs() < 1e-9, "{facet:?}");
        assert_eq!(slab.fixed.iter().filter(|&&f| f).count(), 18);
        let (i, f) = spec.adatom_hop("Pt", [0.0, 0.0], [1.386, 0.8], 2.0);
        assert_eq!(i.numbers, f.numbers);
    }
    // fcc fragments: compact (every atom has ≥ 2 neighbours for n ≥ 3), (111) base at z = 0
    for n in 2..=20 {
        let f = fcc_fragment(n, 2.77);
        assert_eq!(f.len(), n);
        assert!(f.iter().map(|p| p.z).fold(f64::INFINITY, f64::min).abs() < 1e-9);
        if n >= 3 {
            for p in &f {
                let c = f
                    .iter()
                    .filter(|q| ((*q - p).norm() - 2.77).abs() < 0.01)
                    .count();
                assert!(c >= 2, "n = {n}: an atom with {c} neighbours");
            }
        }
    }
}

fn variants() -> Vec<(&'static str, BuildOptions)> {
    let o = BuildOptions::default;
    vec![
        ("pd10-pdn4", o()),
        (
            "pd10-pdn4",
            BuildOptions {
                distance: Some(4.5),
                ..o()
            },
        ),
        (
            "pd10-pdn4",
            BuildOptions {
                metal: Some("Pt".into()),
                ..o()
            },
        ),
        ("nis-ni-release", o()),
        (
            "nis-ni-release",
            BuildOptions {
                variant: Some("distant".into()),
                supercell: Some(4),
                ..o()
            },
        ),
        (
            "nis-ni-release",
            BuildOptions {
                variant: Some("popup".into()),
                ..o()
            },
        ),
        ("cu1-gc3n4", o()),
        (
            "cu1-gc3n4",
            BuildOptions {
                sheet: Some("buckled".into()),
                ..o()
            },
        ),
        (
            "cun4-h-leaching",
            BuildOptions {
                variant: Some("bridge".into()),
                ..o()
            },
        ),
        (
            "cu1-gc3n4",
            BuildOptions {
                variant: Some("cavity".into()),
                ..o()
            },
        ),
        ("cun4-h-leaching", o()),
        (
            "cun4-h-leaching",
            BuildOptions {
                h_on: vec![0],
                ..o()
            },
        ),
        (
            "cun4-h-leaching",
            BuildOptions {
                h_on: vec![0, 2],
                ..o()
            },
        ),
        (
            "cun4-h-leaching",
            BuildOptions {
                h_on: vec![0, 1, 3],
                metal: Some("Ni".into()),
                ..o()
            },
        ),
        (
            "cun4-h-leaching",
            BuildOptions {
                h_on: vec![0, 1, 2],
                co: true,
                supercell: Some(5),
                ..o()
            },
        ),
        ("ptn-leaching", o()),
        ("ptn-leaching", BuildOptions { n: Some(20), ..o() }),
        ("ptn-leaching", BuildOptions { n: Some(2), ..o() }),
    ]
}

#[test]
fn every_system_passes_the_builder_checks() {
    for (system, opts) in variants() {
        let b = build(system, &opts).unwrap_or_else(|e| panic!("{system} {opts:?}: {e}"));
        for (label, s) in [("initial", &b.initial), ("final", &b.final_)] {
            let (q, i, j) = closest_relative(s);
            assert!(
                q >= 0.8,
                "{system} {opts:?} {label}: atoms {i} and {j} at {q:.3} × the covalent radii"
            );
        }
        let moving: Vec<usize> = b.info["moving_atoms"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap() as usize)
            .collect();
        if system == "ptn-leaching" {
            assert_eq!(b.final_.len() + 1, b.initial.len());
            continue;
        }
        assert_eq!(b.initial.numbers, b.final_.numbers, "{system}: atom order");
        let mic = b.initial.minimum_image().unwrap();
        let half = b.initial.cell.lengths()[0].min(b.initial.cell.lengths()[1]) / 2.0;
        for &m in &moving {
            let d = mic
                .displacement(&(b.final_.positions[m] - b.initial.positions[m]))
                .norm();
            assert!(
                d > 0.5 && d < half,
                "{system}: moving atom {m} travels {d:.2} Å (half cell {half:.2})"
            );
        }
        for i in 0..b.initial.len() {
            if !moving.contains(&i) {
                assert_eq!(
                    b.initial.positions[i], b.final_.positions[i],
                    "{system}: atom {i} moved"
                );
            }
        }
    }
}

#[test]
fn bad_builder_input_gives_errors_that_say_what_to_change() {
    let o = BuildOptions::default;
    let cases: Vec<(&str, BuildOptions, &str)> = vec![
        (
            "graphite",
            o(),
            "unknown system 'graphite' (available: pd10-pdn4",
        ),
        (
            "pd10-pdn4",
            BuildOptions {
                supercell: Some(4),
                ..o()
            },
            "use a larger --supercell",
        ),
        (
            "ptn-leaching",
            BuildOptions {
                supercell: Some(6),
                n: Some(20),
                ..o()
            },
            "from its periodic image",
        ),
        (
            "pd10-pdn4",
            BuildOptions {
                metal: Some("Xx".into()),
                ..o()
            },
            "unknown element 'Xx'",
        ),
        (
            "cun4-h-leaching",
            BuildOptions {
                metal: Some("Zn".into()),
                ..o()
            },
            "--metal Zn is not offered",
        ),
        (
            "cun4-h-leaching",
            BuildOptions {
                h_on: vec![5],
                ..o()
            },
            "N indices 0–3",
        ),
        (
            "cu1-gc3n4",
            BuildOptions { co: true, ..o() },
            "option --co does not apply",
        ),
        (
            "nis-ni-release",
            BuildOptions {
                facet: Some("110".into()),
                ..o()
            },
            "use 001 (S-terminated; the only facet offered)",
        ),
        (
            "cu1-gc3n4",
            BuildOptions {
                variant: Some("cavity".into()),
                supercell: Some(2),
                ..o()
            },
            "3×3",
        ),
        (
            "nis-ni-release",
            BuildOptions {
                facet: Some("100".into()),
                ..o()
            },
            "reconstructs when a Ni leaves it",
        ),
        (
            "cu1-gc3n4",
            BuildOptions {
                sheet: Some("buckled".into()),
                supercell: Some(3),
                ..o()
            },
            "--supercell must be even",
        ),
    ];
    for (system, opts, needle) in cases {
        let e = build(system, &opts).unwrap_err().to_string();
        assert!(e.contains(needle), "{system}: '{e}' lacks '{needle}'");
    }
}

/// Issue #11: build → neb with the model calculator (defaults: endpoints relaxed when their forces
/// say so, IDPP, climbing image once the band has formed, multi-step bands split) for every system
/// and main variant. Whatever the outcome, it says what it is: the exit code is the status's, no
/// `converged` run has a barrier ≤ 0 or an unreported interior minimum, barriers appear only with
/// `converged`/`multi-step`, and no pair along the band comes closer than 0.7 × the covalent radii.
#[test]
fn issue_11_every_builder_system_with_the_model_ends_in_an_honest_status() {
    let tmp = tempfile::tempdir().unwrap();
    let systems: Vec<(&str, Vec<&str>)> = vec![
        ("pd10-pdn4", vec![]),
        ("pd10-pdn4", vec!["--distance", "4.5"]),
        ("nis-ni-release", vec![]),
        (
            "nis-ni-release",
            vec!["--variant", "distant", "--supercell", "4"],
        ),
        ("nis-ni-release", vec!["--variant", "popup"]),
        ("cu1-gc3n4", vec![]),
        ("cu1-gc3n4", vec!["--sheet", "buckled"]),
        ("cun4-h-leaching", vec![]),
        ("cun4-h-leaching", vec!["--h-on", "0"]),
        ("cun4-h-leaching", vec!["--h-on", "0,2"]),
        (
            "cun4-h-leaching",
            vec!["--h-on", "0,1,2", "--co", "--supercell", "5"],
        ),
    ];
    let failures: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = systems
            .iter()
            .enumerate()
            .map(|(k, (system, extra))| {
                let dir = tmp.path().join(format!("{k}"));
                scope.spawn(move || -> Option<String> {
                    let label = format!("{system} {}", extra.join(" "));
                    let st = Command::new(env!("CARGO_BIN_EXE_nebkit"))
                        .args(["build", system, "--support", "frozen"])
                        .args(extra)
                        .arg("--output")
                        .arg(dir.join("build"))
                        .output()
                        .unwrap();
                    if !st.status.success() {
                        return Some(format!(
                            "{label}: build failed: {}",
                            String::from_utf8_lossy(&st.stderr)
                        ));
                    }
                    let out = Command::new(env!("CARGO_BIN_EXE_nebkit"))
                        .args([
                            "neb",
                            "-q",
                            "-c",
                            "model",
                            "--images",
                            "5",
                            "--optimizer",
                            "lbfgs",
                            "--interpolation",
                            "idpp",
                            "--initial",
                        ])
                        .arg(dir.join("build/initial.json"))
                        .arg("--final")
                        .arg(dir.join("build/final.json"))
                        .arg("--output")
                        .arg(dir.join("neb"))
                        .output()
                        .unwrap();
                    let Ok(text) = std::fs::read_to_string(dir.join("neb/result.json")) else {
                        return Some(format!(
                            "{label}: no result ({:?}): {}",
                            out.status.code(),
                            String::from_utf8_lossy(&out.stderr)
                        ));
                    };
                    let r: serde_json::Value = serde_json::from_str(&text).unwrap();
                    let status: nebkit::workflow::Status =
                        serde_json::from_value(r["status"].clone()).unwrap();
                    if out.status.code() != Some(i32::from(status.exit_code())) {
                        return Some(format!(
                            "{label}: exit {:?} for status {status}",
                            out.status.code()
                        ));
                    }
                    let barrier = r["barrier_forward"].as_f64();
                    if status.has_barrier() != barrier.is_some() {
                        return Some(format!("{label}: status {status} with barrier {barrier:?}"));
                    }
                    let interior_minima = r["turning_points"]
                        .as_array()
                        .map(|t| {
                            let n = t.len();
                            t.iter()
                                .enumerate()
                                .filter(|(i, p)| *i > 0 && *i + 1 < n && p["kind"] == "minimum")
                                .count()
                        })
                        .unwrap_or(0);
                    let steps = r["steps"].as_array().map_or(0, Vec::len);
                    let negative = r["steps"]
                        .as_array()
                        .is_some_and(|v| v.iter().any(|s| s["barrier_forward"].as_f64().is_none_or(|b| b < 0.0)));
                    let bad = match status {
                        nebkit::workflow::Status::Converged => {
                            barrier.unwrap_or(0.0) <= 0.0 || steps != 1 || interior_minima > 0
                        }
                        nebkit::workflow::Status::MultiStep => {
                            steps < 2 || negative || barrier.unwrap_or(0.0) <= 0.0
                        }
                        _ => false,
                    };
                    if bad {
                        return Some(format!(
                            "{label}: {status} with barrier {barrier:?}, {steps} steps, {interior_minima} interior minima"
                        ));
                    }
                    eprintln!("{label}: {status}: {}", r["message"]);
                    if let Ok(band) = nebkit::io::read_all(&dir.join("neb/band.extxyz")) {
                        for (i, s) in band.iter().enumerate() {
                            let (q, a, b) = closest_relative(s);
                            if q < 0.7 {
                                return Some(format!(
                                    "{label}: image {i}: atoms {a} and {b} at {q:.3} × covalent radii"
                                ));
                            }
                        }
                    }
                    None
                })
            })
            .collect();
        handles
            .into_iter()
            .filter_map(|h| h.join().unwrap())
            .collect()
    });
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn ase_reads_built_files_and_bands() {
    let Some(py) = python_with_ase() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("cun4");
    let st = Command::new(env!("CARGO_BIN_EXE_nebkit"))
        .args(["build", "cun4-h-leaching", "--h-on", "0", "--output"])
        .arg(&dir)
        .status()
        .unwrap();
    assert!(st.success());
    let st = Command::new(env!("CARGO_BIN_EXE_nebkit"))
        .args([
            "neb",
            "-q",
            "-c",
            "sevennet",
            "--images",
            "3",
            "--max-iterations",
            "3",
            "--initial",
        ])
        .arg(dir.join("initial.json"))
        .arg("--final")
        .arg(dir.join("final.json"))
        .arg("--output")
        .arg(dir.join("neb"))
        .status()
        .unwrap();
    assert!(st.code() == Some(0) || st.code() == Some(3));
    // initial.json is written in ASE's JSON dialect: ASE reads it and the extxyz band directly
    let s = nebkit::io::read(&dir.join("initial.json")).unwrap();
    let script = "import sys, ase.io\nfrom ase.constraints import FixAtoms\na = ase.io.read(sys.argv[1])\nassert len(a) == int(sys.argv[3]), len(a)\nassert any(isinstance(c, FixAtoms) for c in a.constraints)\nband = ase.io.read(sys.argv[2], index=':')\nassert len(band) == 5, len(band)\nassert all(len(b) == len(a) for b in band)\nprint(band[2].get_potential_energy())\n";
    let out = Command::new(py)
        .arg("-c")
        .arg(script)
        .arg(dir.join("initial.json"))
        .arg(dir.join("neb/band.extxyz"))
        .arg(s.len().to_string())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `--support local` (the default, for real engines) frees exactly the support atoms within 6 Å of
/// a moving atom's initial or final position, keeps structural fixes (NiS bottom half) and the same
/// mask in both endpoints; `--support frozen` fixes every support atom; the `model` calculator
/// refuses a free bonded support atom with a message naming the fix.
#[test]
fn support_modes_free_the_right_atoms() {
    let o = |support: &str| BuildOptions {
        support: Some(support.into()),
        h_on: vec![0, 2],
        ..BuildOptions::default()
    };
    for system in [
        "cun4-h-leaching",
        "pd10-pdn4",
        "nis-ni-release",
        "cu1-gc3n4",
    ] {
        let mut local = o("local");
        let mut frozen = o("frozen");
        if system != "cun4-h-leaching" {
            local.h_on.clear();
            frozen.h_on.clear();
        }
        let bl = build(system, &local).unwrap();
        let bf = build(system, &frozen).unwrap();
        assert_eq!(
            bl.initial.fixed, bl.final_.fixed,
            "{system}: masks differ between endpoints"
        );
        let idx = |v: &serde_json::Value| -> Vec<usize> {
            v.as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_u64().unwrap() as usize)
                .collect()
        };
        let movers = idx(&bl.info["moving_atoms"]);
        let support = idx(&bl.info["support_atoms"]);
        let mic = bl.initial.minimum_image().unwrap();
        let near = |i: usize| {
            movers.iter().any(|&m| {
                [bl.initial.positions[m], bl.final_.positions[m]]
                    .iter()
                    .any(|c| mic.displacement(&(bl.initial.positions[i] - c)).norm() < 6.0)
            })
        };
        let mut freed = 0;
        for &i in &support {
            if bf.initial.fixed[i] && !bl.initial.fixed[i] {
                assert!(
                    near(i),
                    "{system}: support atom {i} freed but far from the movers"
                );
                freed += 1;
            }
            if bl.initial.fixed[i] && near(i) {
                // only structural fixes remain near the movers (NiS bottom half)
                assert_eq!(
                    system, "nis-ni-release",
                    "{system}: atom {i} near the movers stays fixed"
                );
            }
        }
        assert!(freed >= 3, "{system}: only {freed} support atoms freed");
        let fixed_listed = idx(&bl.info["fixed_atoms"]);
        assert_eq!(
            fixed_listed,
            (0..bl.initial.len())
                .filter(|&i| bl.initial.fixed[i])
                .collect::<Vec<_>>()
        );
        assert_eq!(bl.info["options"]["support"], "local");
    }
    // the model calculator needs a frozen support
    let b = build("cun4-h-leaching", &o("local")).unwrap();
    let err = nebkit::calculator::from_spec("model")
        .unwrap()
        .calculate(&b.initial)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("free support atom") && err.contains("--support frozen"),
        "{err}"
    );
    assert!(build("cun4-h-leaching", &o("loose"))
        .unwrap_err()
        .to_string()
        .contains("--support must be local or frozen"));
}

/// Issue #11: `nebkit build --check` relaxes both endpoints with the default calculator (SevenNet-0)
/// and records whether they are distinct minima; a final site that slides back into the pocket
/// exits 4 (collapsed-endpoints).
#[test]
fn issue_11_build_check_records_distinct_or_collapsed_minima() {
    let tmp = tempfile::tempdir().unwrap();
    for (extra, code, verdict) in [
        (vec!["--h-on", "0"], 0, "distinct-minima"),
        (vec!["--variant", "bridge"], 4, "collapsed-endpoints"),
    ] {
        let dir = tmp.path().join(verdict);
        let o = Command::new(env!("CARGO_BIN_EXE_nebkit"))
            .args(["build", "cun4-h-leaching", "--check"])
            .args(&extra)
            .arg("--output")
            .arg(&dir)
            .output()
            .unwrap();
        assert_eq!(
            o.status.code(),
            Some(code),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        let info: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("build.json")).unwrap())
                .unwrap();
        let check = &info["check"];
        assert_eq!(check["run"], true);
        assert_eq!(check["calculator"], "sevennet");
        assert_eq!(check["verdict"], verdict, "{check}");
        for k in ["initial", "final"] {
            assert!(check[k]["relaxation_converged"].as_bool().unwrap());
            assert!(check[k]["max_force"].as_f64().unwrap() < 0.025);
        }
        let moved = check["comparison"]["moving_displacement"].as_f64().unwrap();
        if verdict == "distinct-minima" {
            // the Cu ends over the next ring's hollow, 3.7–3.9 Å from its pocket
            assert!(moved > 3.0, "{moved}");
            // ASE reads the relaxed endpoints like the built ones
            let s = nebkit::io::read(&dir.join("final_relaxed.json")).unwrap();
            assert_eq!(s.len(), 72);
        } else {
            assert!(moved < 0.2, "{moved}");
        }
    }
    // without --check the record says how to run it
    let dir = tmp.path().join("plain");
    let st = Command::new(env!("CARGO_BIN_EXE_nebkit"))
        .args(["build", "nis-ni-release", "--output"])
        .arg(&dir)
        .status()
        .unwrap();
    assert!(st.success());
    let info: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("build.json")).unwrap()).unwrap();
    assert_eq!(info["check"]["run"], false);
}
