"""GPAW SJM behind tools/ipi_client.py's electron adapter: one fixed-charge and one target-potential
evaluation of the 3-atom Cu(111) slab of ../shared/engines/gpaw_sjm_example.py, printing what the
client would send nebkit (canonical E, excess electrons, work function, grand energy).

    OMP_NUM_THREADS=1 /usr/bin/python3 benches/gpaw_sjm/client_adapter_check.py   # GPAW 22.8, ASE 3.22

Output of the run on 2026-12-03: client_adapter_check.out (GPAW log: client_adapter_check.sjm.txt).
"""
import json
import os
import sys
import time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'tools'))
sys.argv = ['x']
import ipi_client
from ase.build import fcc111
from ase.units import Pascal, m
from gpaw import FermiDirac
from gpaw.solvation import (EffectivePotentialCavity, GradientSurface, LinearDielectric, SurfaceInteraction)
from gpaw.solvation.sjm import SJM, SJMPower12Potential
atoms = fcc111('Cu', size=(1, 1, 3), vacuum=5.0)
atoms.center(axis=2, vacuum=5)
atoms.pbc = (True, True, False)
sj = {'excess_electrons': 0.0, 'jelliumregion': {'top': atoms.cell[2][2] - 1.0}}
calc = SJM(sj=sj, mode='lcao', basis='dzp', h=0.25, kpts=(4, 4, 1), xc='PBE', occupations=FermiDirac(0.1),
           cavity=EffectivePotentialCavity(effective_potential=SJMPower12Potential(H2O_layer=False),
                                           temperature=298.15, surface_calculator=GradientSurface()),
           dielectric=LinearDielectric(epsinf=78.36),
           interactions=[SurfaceInteraction(surface_tension=18.4e-3 * Pascal * m)], txt='sjm.txt')
atoms.calc = calc
el = ipi_client.Electrons(calc, 'auto')
print('style', el.style)
t = time.time()
el.apply({'excess_electrons': 0.1})
e = atoms.get_potential_energy()
# what Served.calculate records for SJM
calc.results['excess_electrons'] = float(calc.parameters['sj']['excess_electrons'])
calc.results['work_function'] = float(calc.get_electrode_potential())
print('charged', json.dumps(el.state(e)), time.time() - t, flush=True)
t = time.time()
el.apply({'target_work_function': 4.4 - 1.0 + 0.0, 'potential_tolerance': 0.05})
atoms.positions[2, 2] += 0.01
e = atoms.get_potential_energy()
calc.results['excess_electrons'] = float(calc.parameters['sj']['excess_electrons'])
calc.results['work_function'] = float(calc.get_electrode_potential())
print('target', json.dumps(el.state(e)), time.time() - t, flush=True)
