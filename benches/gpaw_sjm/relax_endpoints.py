"""Relax the two endpoints of system.py (H in the fcc and the hcp hollow of 1×1×3 Cu(111)) with GPAW
SJM at zero excess electrons (≈ −1.1 V vs SHE here) to fmax 0.02 eV/Å, and write them to
reference_paths/gpaw-sjm/{initial,final}.json: the shared starting point of the three routes of run.py
(each route then relaxes them at its own potential when their forces exceed the band's fmax).

    OMP_NUM_THREADS=1 /usr/bin/python3 benches/gpaw_sjm/relax_endpoints.py initial|final
"""
import os
import sys

import ase.io
from ase.optimize import BFGS

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import system  # noqa: E402

tag = sys.argv[1]
atoms = system.endpoints()[('initial', 'final').index(tag)]
os.makedirs(system.REF, exist_ok=True)
atoms.calc = system.calculator(txt=os.path.join(system.REF, f'relax_{tag}.txt'), excess_electrons=0.0)
BFGS(atoms, logfile=os.path.join(system.REF, f'relax_{tag}.log')).run(fmax=0.02)
atoms.calc = None
ase.io.write(os.path.join(system.REF, f'{tag}.json'), atoms, format='json')
