import sys, json, numpy as np
sys.path.insert(0, '/work/main/benches/gpaw_sjm')
import system
a, b = system.relaxed_endpoints()
pts = {'ase_ci': [1.914, 1.105, 10.302], 'nebkit_ci': [1.877, 1.172, 10.307]}
import ase.io
for name, p in pts.items():
    x = a.copy()
    x.positions[3] = p
    x.calc = system.calculator(txt=f'{name}.txt', target_potential=3.4)
    e = x.get_potential_energy()
    f = x.get_forces()
    print(name, e, x.calc.results['excess_electrons'], x.calc.get_electrode_potential(), f[3].round(3), flush=True)
    x.calc.set(sj={'target_potential': None, 'excess_electrons': 0.0})
    e0 = x.get_potential_energy()
    print(name, 'neutral', e0, x.calc.get_electrode_potential(), flush=True)
