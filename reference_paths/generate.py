"""Write the reference NEB cases in reference_paths/<case>/ (run.json, endpoints, expected.json).

    python reference_paths/generate.py        # needs ase==3.29.0

Expected numbers come from REFERENCE_VALUES.md (published or reproduced with ASE 3.29.0) or, where
marked, are computed here by ASE itself (the IDPP ethane midpoint). Each case's expected.json says
which. Run from the repository root.
"""
import datetime
import json
import os

import numpy as np
import ase
import ase.io
from ase import Atoms
from ase.build import add_adsorbate, fcc100, molecule
from ase.constraints import FixAtoms

HERE = os.path.dirname(os.path.abspath(__file__))
TODAY = datetime.date.today().isoformat()


def write_case(name, initial, final, run, expected, provenance):
    d = os.path.join(HERE, name)
    os.makedirs(d, exist_ok=True)
    ase.io.write(os.path.join(d, 'initial.json'), initial)
    ase.io.write(os.path.join(d, 'final.json'), final)
    cfg = {'format': 'nebkit/neb-config', 'version': 1, 'initial': 'initial.json', 'final': 'final.json'}
    cfg.update(run)
    with open(os.path.join(d, 'run.json'), 'w') as fh:
        json.dump(cfg, fh, indent=1)
    with open(os.path.join(d, 'expected.json'), 'w') as fh:
        json.dump({'expected': expected, 'provenance': provenance, 'generator': 'reference_paths/generate.py',
                   'ase': ase.__version__, 'date': TODAY}, fh, indent=1)


def point(x, y):
    return Atoms('H', positions=[[x, y, 0.0]])


def surface_case(name, calculator, a, b, saddle, barrier, run_extra, source):
    run = {'calculator': calculator, 'images': 9,
           'neb': {'springs': {'type': 'uniform', 'k': 1.0}, 'climb': 'always', 'fmax': 1e-3,
                   'max_iterations': 3000, 'optimizer': {'type': 'lbfgs', 'max_step': 0.05}}}
    run['neb'].update(run_extra)
    write_case(name, point(*a), point(*b), run,
               {'converged': True,
                'saddle_energy': {'value': saddle[2], 'tol': 1e-3},
                'barrier_forward': {'value': barrier, 'tol': 1e-3},
                'saddle_position': {'atom': 0, 'value': [saddle[0], saddle[1], 0.0], 'tol': 0.02}},
               source)


def main():
    # analytic surfaces (REFERENCE_VALUES.md)
    surface_case('muller-brown', 'muller-brown', (-0.558224, 1.441726), (0.623499, 0.028038),
                 (-0.822002, 0.624313, -40.664844), -40.664844 + 146.699517, {},
                 'REFERENCE_VALUES.md: Müller–Brown minima A, B and saddle S1 (the highest point of the MEP)')
    surface_case('leps-ho', 'leps-ho', (0.741521, 1.303419), (3.001276, -1.304338),
                 (2.020828, -0.172901, -0.875225), 3.633951, {},
                 'REFERENCE_VALUES.md: LEPS + harmonic oscillator (Jónsson, Mills, Jacobsen 1998)')
    surface_case('anapot', 'anapot', (-1.0527413, 1.0277615), (1.9410103, 3.8542656),
                 (0.6117310, 1.4929729, 2.8091048), 2.8091048 + 0.5134093, {},
                 'REFERENCE_VALUES.md: AnaPot (pysisyphus test surface)')

    # Au adatom on Al(100), the ASE NEB tutorial system, EMT; endpoints relaxed tightly by nebkit
    def au_al(shift_across=False):
        slab = fcc100('Al', size=(2, 2, 3), a=4.05)
        add_adsorbate(slab, 'Au', 1.7, 'hollow')
        slab.center(axis=2, vacuum=4.0)
        slab.set_constraint(FixAtoms(mask=[atom.tag > 1 for atom in slab]))
        final = slab.copy()
        final[-1].x += slab.get_cell()[0, 0] / 2
        if shift_across:
            # start next to the boundary so the hop crosses it: the final position, wrapped into the
            # cell, is 3.7 Å away in Cartesian terms but 2.86 Å by minimum image
            slab.positions[-1, 0] += slab.get_cell()[0, 0] / 2
            final.positions[-1, 0] += slab.get_cell()[0, 0] / 2
            final.wrap()
        return slab, final

    run = {'calculator': 'emt', 'images': 5, 'relax_endpoints': True, 'endpoint_fmax': 0.001,
           'neb': {'springs': {'type': 'uniform', 'k': 0.1}, 'climb': 'always', 'fmax': 0.01,
                   'max_iterations': 1000, 'optimizer': {'type': 'fire'}}}
    i, f = au_al()
    write_case('au-al100-emt', i, f, run,
               {'converged': True, 'barrier_forward': {'value': 0.3745, 'tol': 0.002},
                'initial_energy': {'value': 3.314250, 'tol': 1e-4},
                'saddle_energy': {'value': 3.688714, 'tol': 0.002}},
               'REFERENCE_VALUES.md: ASE NEB tutorial, CI-NEB barrier 0.3745 eV from the tightly relaxed initial state')
    i, f = au_al(shift_across=True)
    write_case('periodic-crossing', i, f, run,
               {'converged': True, 'barrier_forward': {'value': 0.3745, 'tol': 0.002},
                'path_length': {'value': 3.0545, 'tol': 0.01}},
               'The Au/Al(100) hop of au-al100-emt moved to straddle the cell boundary: the minimum-image band '
               'must give the ASE barrier and the same path length as the uncut hop (3.0545 Å: Au moves '
               'a/√2 = 2.864 Å, the surface atoms relax), not a detour across the cell (> 5 Å)')

    # IDPP: ethane methyl rotation (ASE's IDPP test); the midpoint H2–H3 distance after IDPP
    # (converged IDPP: ASE's default fmax 0.1 stops at 1.68 Å; converged to 0.001 it gives 1.74 Å)
    from ase.mep import NEB, idpp_interpolate
    initial = molecule('C2H6')
    final = initial.copy()
    final.positions[2:5] = initial.positions[[3, 4, 2]]
    images = [initial] + [initial.copy() for _ in range(5)] + [final]
    neb = NEB(images)
    neb.interpolate()
    idpp_interpolate(neb, traj=None, log=None, fmax=0.001, steps=5000)
    d_ase = images[3].get_distance(2, 3)
    run = {'calculator': 'emt', 'images': 5, 'interpolation': 'idpp',
           'idpp': {'fmax': 0.001, 'max_steps': 5000, 'k': 0.1},
           'neb': {'springs': {'type': 'uniform', 'k': 0.1}, 'climb': 'off', 'fmax': 0.05,
                   'max_iterations': 0, 'optimizer': {'type': 'fire'}}}
    write_case('idpp-ethane', initial, final, run,
               {'distance': {'image': 3, 'atoms': [2, 3], 'value': 1.74, 'tol': 0.01, 'ase_idpp': d_ase}},
               f'REFERENCE_VALUES.md: ASE IDPP test, midpoint d(H2-H3) = 1.74 ± 0.01 Å (ASE {ase.__version__} idpp_interpolate(fmax=0.001) gives {d_ase:.4f} Å here)')


if __name__ == '__main__':
    main()
