"""EMT energy+forces: nebkit vs ASE 3.29 on the same fcc(100) Pt slabs, side by side in one run.

    python benches/emt_vs_ase.py            # needs ase; builds nebkit's time_calc example in release mode

Prints a table (atoms, ASE s/call, nebkit s/call, speed-up, |ΔE|) and checks the energies agree.
"""
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import ase
import ase.io
from ase.build import bulk
from ase.calculators.emt import EMT

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def slab(n, cells_z=5, a=3.92):
    atoms = bulk('Pt', 'fcc', a=a, cubic=True).repeat((n, n, cells_z))
    atoms.cell[2, 2] += 10.0
    atoms.pbc = (True, True, False)
    atoms.rattle(0.01, seed=1)
    return atoms


def time_ase(atoms, repeats):
    atoms = atoms.copy()
    atoms.calc = EMT()
    atoms.get_forces()
    energy = atoms.get_potential_energy()
    t = time.perf_counter()
    for k in range(repeats):
        atoms.positions[0, 0] += 1e-9 * (1 if k % 2 else -1)  # force a recalculation
        atoms.get_forces()
    return (time.perf_counter() - t) / repeats, energy


def main():
    subprocess.run(['cargo', 'build', '--release', '--quiet', '--example', 'time_calc'], cwd=ROOT, check=True)
    exe = os.path.join(ROOT, 'target', 'release', 'examples', 'time_calc')
    print(f'ASE {ase.__version__}, numpy {np.__version__}, python {sys.version.split()[0]}')
    print(f"{'atoms':>6} {'ASE s/call':>12} {'nebkit 1 thr':>13} {'nebkit 2 thr':>13} {'speed-up 1/2 thr':>17} {'|dE| eV':>9}")
    with tempfile.TemporaryDirectory() as tmp:
        for n, reps in [(5, 10), (10, 3), (20, 2)]:
            atoms = slab(n)
            path = os.path.join(tmp, f'slab{n}.json')  # full precision (ASE's extxyz keeps 8 decimals)
            ase.io.write(path, atoms)
            t_ase, e_ase = time_ase(atoms, reps)
            res = []
            for threads in ['1', '2']:
                env = dict(os.environ, RAYON_NUM_THREADS=threads)
                out = subprocess.run([exe, path, 'emt', '50'], capture_output=True, text=True, check=True, env=env)
                res.append(json.loads(out.stdout))
            r = res[1]
            t1, t2 = res[0]['seconds_per_call'], res[1]['seconds_per_call']
            print(f"{len(atoms):>6} {t_ase:>12.4f} {t1:>13.5f} {t2:>13.5f} "
                  f"{t_ase / t1:>8.1f} /{t_ase / t2:>6.1f} {abs(r['energy'] - e_ase):>9.1e}")
            assert abs(r['energy'] - e_ase) < 1e-8, f"energies differ: {r['energy']} vs {e_ase}"


if __name__ == '__main__':
    main()
