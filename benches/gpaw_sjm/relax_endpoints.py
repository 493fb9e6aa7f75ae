"""Relax the two endpoints of system.py (H in the fcc and the hcp hollow of 1×1×3 Cu(111)) with GPAW
SJM at zero excess electrons (≈ −1.1 V vs SHE here) to fmax 0.02 eV/Å, and write them to
reference_paths/gpaw-sjm/{initial,final}.json: the shared starting point of the three routes of run.py
(each route then relaxes them at its own potential when their forces exceed the band's fmax).

    OMP_NUM_THREADS=1 /usr/bin/python3 benches/gpaw_sjm/relax_endpoints.py initial|final
    OMP_NUM_THREADS=1 /usr/bin/python3 benches/gpaw_sjm/relax_endpoints.py --freeze-cu

The first form relaxes the H and the top Cu layer. In a 1×1 cell the top layer can slide under the
H (the same relative motion as the H hop), a soft direction on which ASE's BFGS band ran away, so
`--freeze-cu` then fixes all Cu at the relaxed initial state's positions (both endpoints share them)
and relaxes the final state's H again: the bands move the H only. `--again initial|final` relaxes a
stored endpoint once more with the current settings (after a change of H_GRID), constraints kept.
"""
import os
import sys

import ase.io
from ase.optimize import BFGS

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import system  # noqa: E402

tag = sys.argv[1]
if tag == '--freeze-cu':
    from ase.constraints import FixAtoms
    ini, fin = system.relaxed_endpoints()
    cu = [a.index for a in ini if a.symbol == 'Cu']
    fin.positions[cu] = ini.positions[cu]
    for a in (ini, fin):
        a.set_constraint(FixAtoms(indices=cu))
    ase.io.write(os.path.join(system.REF, 'initial.json'), ini, format='json')
    tag, atoms = 'final', fin
elif tag == '--again':
    tag = sys.argv[2]
    atoms = system.relaxed_endpoints()[('initial', 'final').index(tag)]
else:
    atoms = system.endpoints()[('initial', 'final').index(tag)]
os.makedirs(system.REF, exist_ok=True)
suffix = '_frozen_cu' if len(atoms.constraints[0].index) == 3 else ''
suffix += f'_h{system.H_GRID}' if sys.argv[1] == '--again' else ''
atoms.calc = system.calculator(txt=os.path.join(system.REF, f'relax_{tag}{suffix}.txt'), excess_electrons=0.0)
BFGS(atoms, logfile=os.path.join(system.REF, f'relax_{tag}{suffix}.log')).run(fmax=0.02)
atoms.calc = None
ase.io.write(os.path.join(system.REF, f'{tag}.json'), atoms, format='json')
