import sys, numpy as np
sys.path.insert(0, '/work/main/benches/gpaw_sjm')
import system
a, b = system.relaxed_endpoints()
p0 = np.array([1.914, 1.105, 10.302]); p1 = np.array([1.877, 1.172, 10.307])
x = a.copy()
x.calc = system.calculator(txt='sp2.txt', excess_electrons=0.0)
# warm path: from the low (nebkit) point back to the bridge, no reset between points
for t in (1.0, 0.5, 0.0):
    x.positions[3] = p0 + t * (p1 - p0)
    print('warm', t, x.get_potential_energy(), x.get_forces()[3].round(3), flush=True)
for t in (0.5, 0.25):
    y = a.copy(); y.positions[3] = p0 + t * (p1 - p0)
    y.calc = system.calculator(txt=f'cold{t}.txt', excess_electrons=0.0)
    print('cold', t, y.get_potential_energy(), y.get_forces()[3].round(3), flush=True)
