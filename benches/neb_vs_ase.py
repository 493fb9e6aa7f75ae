"""CI-NEB force calls and wall time: nebkit vs ASE 3.29 on identical inputs, in one run.

    python benches/neb_vs_ase.py [--quick]      # needs ase==3.29.0; builds nebkit in release mode

Cases: Müller–Brown (A → B), Au adatom on Al(100) (ASE's NEB tutorial, EMT), and a Pt7 island gliding
from fcc to hcp sites on a 256-atom Pt(111) slab (EMT, 263 atoms). Endpoints are prepared by ASE
(relaxed with BFGS to 0.01 eV/Å where applicable) and written once; both codes start from the same
linear (minimum-image) interpolation with the same number of images, k = 0.1 eV/Å² (MB: 1.0), the
improved tangent and the climbing image on from the start. ASE runs FIRE and BFGS on
NEB(method='improvedtangent', climb=True); nebkit runs FIRE and its global L-BFGS.
Force calls = image evaluations including the two endpoints (evaluated once).
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
from ase import Atoms
from ase.build import add_adsorbate, fcc100, fcc111
from ase.calculators.calculator import Calculator, all_changes
from ase.calculators.emt import EMT
from ase.constraints import FixAtoms
from ase.mep import NEB
from ase.optimize import BFGS, FIRE

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class MullerBrown(Calculator):
    """Müller–Brown on x, y of atom 0 (same constants as nebkit's muller-brown)."""
    implemented_properties = ['energy', 'forces']
    A = [-200, -100, -170, 15]
    a = [-1, -1, -6.5, 0.7]
    b = [0, 0, 11, 0.6]
    c = [-10, -10, -6.5, 0.7]
    x0 = [1, 0, -0.5, -1]
    y0 = [0, 0.5, 1.5, 1]

    def calculate(self, atoms=None, properties=['energy'], system_changes=all_changes):
        Calculator.calculate(self, atoms, properties, system_changes)
        x, y = self.atoms.positions[0, :2]
        e = gx = gy = 0.0
        for k in range(4):
            dx, dy = x - self.x0[k], y - self.y0[k]
            t = self.A[k] * np.exp(self.a[k] * dx * dx + self.b[k] * dx * dy + self.c[k] * dy * dy)
            e += t
            gx += t * (2 * self.a[k] * dx + self.b[k] * dy)
            gy += t * (self.b[k] * dx + 2 * self.c[k] * dy)
        f = np.zeros((len(self.atoms), 3))
        f[0, :2] = [-gx, -gy]
        self.results = {'energy': e, 'forces': f}


def relax(atoms, fmax=0.01):
    atoms.calc = EMT()
    BFGS(atoms, logfile=None).run(fmax=fmax, steps=2000)
    atoms.calc = None
    return atoms


def au_al():
    slab = fcc100('Al', size=(2, 2, 3), a=4.05)
    add_adsorbate(slab, 'Au', 1.7, 'hollow')
    slab.center(axis=2, vacuum=4.0)
    slab.set_constraint(FixAtoms(mask=[atom.tag > 1 for atom in slab]))
    final = slab.copy()
    final[-1].x += slab.get_cell()[0, 0] / 2
    return relax(slab), relax(final)


def pt_island():
    slab = fcc111('Pt', size=(8, 8, 4), vacuum=10.0)
    slab.set_constraint(FixAtoms(mask=[atom.tag > 2 for atom in slab]))
    a = 3.92 / np.sqrt(2)  # nearest-neighbour distance in the surface
    ring = [(0.0, 0.0)] + [(a * np.cos(t), a * np.sin(t)) for t in np.arange(6) * np.pi / 3]
    initial, final = slab.copy(), slab.copy()
    for dx, dy in ring:
        add_adsorbate(initial, 'Pt', 2.3, 'fcc', offset=(3, 3))
        initial.positions[-1, :2] += (dx, dy)
        add_adsorbate(final, 'Pt', 2.3, 'hcp', offset=(3, 3))
        final.positions[-1, :2] += (dx, dy)
    return relax(initial), relax(final)


def ase_neb(initial, final, n, calc_factory, k, optimizer, fmax, max_steps=2000):
    images = [initial.copy() for _ in range(n + 2)]
    images[-1] = final.copy()
    for im in images:
        im.calc = calc_factory()
    neb = NEB(images, k=k, climb=True, method='improvedtangent')
    neb.interpolate(mic=True)
    t = time.perf_counter()
    opt = optimizer(neb, logfile=None)
    converged = opt.run(fmax=fmax, steps=max_steps)
    wall = time.perf_counter() - t
    steps = opt.nsteps
    # forces are evaluated once per step plus once at the start; endpoints once each
    calls = (steps + 1) * n + 2
    barrier = max(im.get_potential_energy() for im in images[1:-1]) - images[0].get_potential_energy()
    return {'calls': calls, 'iterations': steps, 'wall': wall, 'converged': bool(converged), 'barrier': barrier}


def nebkit_neb(exe, tmp, initial, final, n, calc, k, optimizer, fmax, max_step=None):
    i_path, f_path = os.path.join(tmp, 'i.json'), os.path.join(tmp, 'f.json')
    ase.io.write(i_path, initial)
    ase.io.write(f_path, final)
    out = os.path.join(tmp, f'out_{optimizer}_{fmax}')
    cmd = [exe, 'neb', '-q', '--initial', i_path, '--final', f_path, '--images', str(n), '-c', calc,
           '--spring', str(k), '--optimizer', optimizer, '--fmax', str(fmax), '--max-iterations', '2000',
           '--output', out]
    if max_step is not None:
        cmd += ['--max-step', str(max_step)]
    t = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t
    r = json.load(open(os.path.join(out, 'result.json')))
    return {'calls': r['force_calls'], 'iterations': r['iterations'], 'wall': wall,
            'converged': r['converged'], 'barrier': r['barrier_forward']}


def main():
    quick = '--quick' in sys.argv
    subprocess.run(['cargo', 'build', '--release', '--quiet'], cwd=ROOT, check=True)
    exe = os.path.join(ROOT, 'target', 'release', 'nebkit')
    print(f'ASE {ase.__version__}, numpy {np.__version__}; nebkit {exe}')
    mb_a = Atoms('H', positions=[[-0.558224, 1.441726, 0.0]])
    mb_b = Atoms('H', positions=[[0.623499, 0.028038, 0.0]])
    cases = [('Müller–Brown', mb_a, mb_b, 9, MullerBrown, 'muller-brown', 1.0, 0.05)]
    cases.append(('Au/Al(100) EMT', *au_al(), 5, EMT, 'emt', 0.1, None))
    if not quick:
        cases.append(('Pt7 island on Pt(111), 263 atoms, EMT', *pt_island(), 5, EMT, 'emt', 0.1, None))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, ini, fin, n, factory, spec, k, max_step in cases:
            for fmax in (0.05, 0.01):
                res = {}
                res['ASE FIRE'] = ase_neb(ini, fin, n, factory, k, FIRE, fmax)
                res['ASE BFGS'] = ase_neb(ini, fin, n, factory, k, BFGS, fmax)
                res['nebkit FIRE'] = nebkit_neb(exe, tmp, ini, fin, n, spec, k, 'fire', fmax, max_step)
                res['nebkit L-BFGS'] = nebkit_neb(exe, tmp, ini, fin, n, spec, k, 'lbfgs', fmax, max_step)
                for who, r in res.items():
                    rows.append((name, fmax, who, r))
                    print(f"{name:40s} fmax {fmax:<5} {who:14s} calls {r['calls']:6d} iterations {r['iterations']:5d} "
                          f"wall {r['wall']:8.3f} s  per iteration {1e3 * r['wall'] / max(r['iterations'], 1):8.3f} ms  "
                          f"barrier {r['barrier']:.4f}  {'converged' if r['converged'] else 'NOT converged'}", flush=True)
    json.dump([{'case': c, 'fmax': f, 'who': w, **r} for c, f, w, r in rows],
              open(os.path.join(ROOT, 'benches', 'neb_vs_ase.json'), 'w'), indent=1)


if __name__ == '__main__':
    main()
