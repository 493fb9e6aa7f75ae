"""The GPAW SJM reference system: an H atom hopping fcc → hcp on a 1×1×3 Cu(111) slab in implicit
water (GPAW's solvated jellium method), small enough for whole constant-potential CI-NEBs on 2 cores.

Used by run.py for reference_paths/gpaw-sjm (issue #12) and by tools/ipi_client.py as `--calculator system:calculator_quiet`
(run from this directory, or with it on PYTHONPATH). Settings follow
../shared/engines/gpaw_sjm_example.py (LCAO dzp, PBE, FermiDirac 0.1 eV, SJMPower12Potential
cavity without explicit water, ε = 78.36, surface tension 18.4 mN/m, dipole layer along z), with
3×3 k-points (time-reversal symmetry kept, point-group symmetry off so that a moving H never
changes the symmetry) and h = 0.16 Å (GPAW's grid 12×12×96). h = 0.25 Å gave an 8×8 in-plane grid
and an unphysical ~0.1 eV ridge at the bridge site (README.md).

`endpoints()` are the builder's geometries; `relaxed_endpoints()` reads the ones relax_endpoints.py
relaxed (SJM at zero excess electrons, fmax 0.02 eV/Å) from reference_paths/gpaw-sjm (ASE JSON,
which keeps the FixAtoms constraint of the two bottom Cu layers; ASE 3.22's extxyz writer drops it).
"""
import os

import numpy as np
from ase.build import add_adsorbate, fcc111
from ase.constraints import FixAtoms
from ase.units import Pascal, m

KPTS = (3, 3, 1)
H_GRID = 0.16


def endpoints():
    """(initial, final): H in the fcc and in the hcp hollow, bottom two Cu layers fixed."""
    out = []
    for site in ('fcc', 'hcp'):
        slab = fcc111('Cu', size=(1, 1, 3), vacuum=5.0)
        add_adsorbate(slab, 'H', 1.0, site)
        slab.center(axis=2, vacuum=5.0)
        slab.pbc = (True, True, False)
        slab.set_constraint(FixAtoms(indices=[a.index for a in slab if a.symbol == 'Cu' and a.z < slab.positions[:3, 2].max() - 0.5]))
        out.append(slab)
    return out


REF = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                   'reference_paths', 'gpaw-sjm')


def relaxed_endpoints():
    import ase.io
    return [ase.io.read(os.path.join(REF, f'{tag}.json')) for tag in ('initial', 'final')]


def calculator(txt='-', **sj):
    """A GPAW SJM calculator; `sj` entries (excess_electrons, target_potential, tol) as SJM takes them."""
    from gpaw import FermiDirac
    from gpaw.solvation import (EffectivePotentialCavity, GradientSurface, LinearDielectric,
                                SurfaceInteraction)
    from gpaw.solvation.sjm import SJM, SJMPower12Potential
    top = endpoints()[0].cell[2][2] - 1.0
    params = {'excess_electrons': 0.0, 'jelliumregion': {'top': top}}
    params.update(sj)
    return SJM(sj=params, mode='lcao', symmetry={'point_group': False}, basis='dzp', h=H_GRID, kpts=KPTS, xc='PBE',
               occupations=FermiDirac(0.1),
               cavity=EffectivePotentialCavity(effective_potential=SJMPower12Potential(H2O_layer=False),
                                               temperature=298.15, surface_calculator=GradientSurface()),
               dielectric=LinearDielectric(epsinf=78.36),
               interactions=[SurfaceInteraction(surface_tension=18.4e-3 * Pascal * m)],
               txt=txt)


def calculator_quiet():
    """For tools/ipi_client.py: an SJM calculator writing its log to sjm_<pid>.txt."""
    import os
    return calculator(txt=f'sjm_{os.getpid()}.txt')


if __name__ == '__main__':
    import time
    a, b = endpoints()
    print(a.get_chemical_symbols(), a.positions.round(3).tolist(), a.constraints)
    a.calc = calculator(txt='timing.txt', excess_electrons=0.0)
    t = time.time()
    e = a.get_potential_energy()
    f = a.get_forces()
    print('E', e, 'fmax', np.abs(f).max(), 'W', a.calc.get_electrode_potential(), 'time', time.time() - t, flush=True)
    a.positions[3, 0] += 0.05
    t = time.time()
    e = a.get_potential_energy()
    print('E2', e, 'time', time.time() - t, flush=True)
    a.calc.set(sj={'excess_electrons': 0.05})
    t = time.time()
    e = a.get_potential_energy()
    print('E3 (dn 0.05)', e, 'W', a.calc.get_electrode_potential(), 'time', time.time() - t, flush=True)
