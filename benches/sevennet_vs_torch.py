"""SevenNet-0 energy+forces: nebkit's built-in `sevennet` (Rust, f64) vs sevenn's own ASE
calculator (PyTorch, f32, CPU), side by side in one run, same thread count.

    python benches/sevennet_vs_torch.py [--repeats N] [--json OUT]

Needs sevenn 0.13.0 (torch, e3nn, ase) in the running Python; builds nebkit (release) and its
`time_calc` example. Structures: Cu on N-doped graphene (33 atoms, tests/data/sevennet0_refs.json),
Cu-N4 with two H on N (73 atoms, `nebkit build cun4-h-leaching --h-on 0,2`) and Pd10 over Pd-N4
graphene (136 atoms, `nebkit build pd10-pdn4`). Both sides recompute everything per call (torch:
a new graph per call; nebkit: no result cache, neighbour list from its Verlet cache).
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np

warnings.filterwarnings('ignore')
import torch  # noqa: E402
import ase.io  # noqa: E402
from ase import Atoms  # noqa: E402
import sevenn  # noqa: E402
from sevenn.calculator import SevenNetCalculator  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def structures(nebkit, tmp):
    refs = json.load(open(os.path.join(ROOT, 'tests', 'data', 'sevennet0_refs.json')))
    s = refs['structures']['cu_on_ngraphene']
    out = [('Cu/N-graphene', Atoms(numbers=s['numbers'], positions=s['positions'],
                                   cell=s['cell'], pbc=s['pbc']))]
    for label, args in [('Cu-N4 + 2H', ['cun4-h-leaching', '--h-on', '0,2']),
                        ('Pd10/Pd-N4', ['pd10-pdn4'])]:
        d = os.path.join(tmp, args[0])
        subprocess.run([nebkit, 'build', *args, '--output', d], check=True,
                       stdout=subprocess.DEVNULL)
        a = ase.io.read(os.path.join(d, 'initial.json'))
        a.set_constraint()
        out.append((label, a))
    return out


def time_torch(calc, atoms, repeats, threads):
    torch.set_num_threads(threads)
    a = atoms.copy()
    a.calc = calc
    a.get_forces()
    best = []
    for k in range(repeats):
        a.positions[0, 0] += 1e-7 * (1 if k % 2 else -1)  # force a recalculation
        t = time.perf_counter()
        a.get_forces()
        best.append(time.perf_counter() - t)
    return float(np.median(best)), a.get_potential_energy()


def time_nebkit(exe, path, repeats, threads):
    env = dict(os.environ, RAYON_NUM_THREADS=str(threads))
    out = subprocess.run([exe, path, 'sevennet', str(repeats)], capture_output=True, text=True,
                         check=True, env=env)
    r = json.loads(out.stdout)
    return r['seconds_per_call'], r['energy']


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--repeats', type=int, default=10)
    ap.add_argument('--threads', default='1,2')
    ap.add_argument('--json')
    args = ap.parse_args()
    subprocess.run(['cargo', 'build', '--release', '--quiet', '--bin', 'nebkit', '--example',
                    'time_calc'], cwd=ROOT, check=True)
    nebkit = os.path.join(ROOT, 'target', 'release', 'nebkit')
    exe = os.path.join(ROOT, 'target', 'release', 'examples', 'time_calc')
    calc = SevenNetCalculator('7net-0', device='cpu')
    print(f'sevenn {sevenn.__version__}, torch {torch.__version__}, python '
          f'{sys.version.split()[0]}, {platform.processor() or platform.machine()}, '
          f'{os.cpu_count()} CPUs')
    print(f"{'structure':>14} {'atoms':>5} {'thr':>3} {'torch s/call':>13} {'nebkit s/call':>14} "
          f"{'nebkit/torch':>12} {'|dE| eV':>9}")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for label, atoms in structures(nebkit, tmp):
            path = os.path.join(tmp, f'{len(atoms)}.json')
            ase.io.write(path, atoms)
            for threads in [int(t) for t in args.threads.split(',')]:
                t_torch, e_torch = time_torch(calc, atoms, args.repeats, threads)
                t_rust, e_rust = time_nebkit(exe, path, args.repeats, threads)
                row = dict(structure=label, atoms=len(atoms), threads=threads,
                           torch_s=t_torch, nebkit_s=t_rust, ratio=t_rust / t_torch,
                           dE=abs(e_rust - e_torch))
                rows.append(row)
                print(f"{label:>14} {len(atoms):5d} {threads:3d} {t_torch:13.4f} {t_rust:14.4f} "
                      f"{t_rust / t_torch:12.2f} {abs(e_rust - e_torch):9.1e}", flush=True)
    if args.json:
        with open(args.json, 'w') as fh:
            json.dump(dict(sevenn=sevenn.__version__, torch=torch.__version__, rows=rows), fh,
                      indent=1)


if __name__ == '__main__':
    main()
