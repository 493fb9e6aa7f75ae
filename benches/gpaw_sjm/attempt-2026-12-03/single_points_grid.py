import sys, numpy as np
sys.path.insert(0, '/work/main/benches/gpaw_sjm')
import system
system.H_GRID = float(sys.argv[1])
a, b = system.relaxed_endpoints()
p0 = np.array([1.914, 1.105, 10.302]); p1 = np.array([1.877, 1.172, 10.307])
for t in (0.0, 1.0):
    y = a.copy(); y.positions[3] = p0 + t * (p1 - p0)
    y.calc = system.calculator(txt=f'h{sys.argv[1]}_{t}.txt', excess_electrons=0.0)
    print('h', sys.argv[1], 't', t, y.get_potential_energy(), y.get_forces()[3].round(3), y.calc.wfs.gd.N_c, flush=True)
