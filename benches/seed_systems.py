"""Every seed system through nebkit with its defaults and SevenNet-0, side by side with ASE's NEB
driving sevenn's own calculator on the same relaxed endpoints, and the DFT numbers of
SEED_SYSTEMS.md.

    python benches/seed_systems.py [--only NAME ...] [--skip-ase] [--out benches/seed_systems.json]

Needs sevenn 0.13.0 (torch, e3nn, ase 3.29) in the running Python; builds nebkit in release mode.

For every system and main variant:
1. `nebkit build SYSTEM [options]` (defaults: `--support local`), then
   `nebkit neb --initial … --final … --interpolation idpp` with everything else at its default:
   SevenNet-0, 7 images, fmax 0.05 eV/Å, endpoints relaxed when their forces exceed fmax (to
   0.025 eV/Å), climbing image once the band has formed, multi-step bands split. Recorded: status,
   barrier(s), reaction energy, force calls, wall time.
2. ASE 3.29 on the endpoints nebkit relaxed (same atoms, same fixed atoms): NEB(method=
   'improvedtangent', k=0.1) with 7 images from `interpolate('idpp')`, sevenn's SevenNetCalculator
   ('7net-0', float32, CPU), FIRE: plain NEB to fmax 0.5, then climb=True to fmax 0.05 (at most 1000
   steps in all). Recorded: highest image above the initial state, reaction energy, whether it
   converged, force calls (calculator calls), wall time, and whether its converged profile has
   interior minima deeper than 0.05 eV (a multi-step band ASE would report as one barrier).
3. The DFT barrier reported for the system (build.json `reported`).

The two codes run one after the other in one process on the same machine and thread count
(torch.set_num_threads(2), nebkit with its default pool on 2 cores).
"""
import argparse
import json
import os
import subprocess
import sys
import time
import warnings

import numpy as np

warnings.filterwarnings('ignore')

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
IMAGES, K, FMAX, PRE_FMAX, TOL = 7, 0.1, 0.05, 0.5, 0.05

SYSTEMS = [
    ('cun4-0H', 'cun4-h-leaching', []),
    ('cun4-1H', 'cun4-h-leaching', ['--h-on', '0']),
    ('cun4-2H', 'cun4-h-leaching', ['--h-on', '0,2']),
    ('cun4-3H', 'cun4-h-leaching', ['--h-on', '0,1,2']),
    ('cun4-3H-2CO', 'cun4-h-leaching', ['--h-on', '0,1,2', '--co']),
    ('cun4-0H-bridge', 'cun4-h-leaching', ['--variant', 'bridge']),
    ('nis-adatom', 'nis-ni-release', []),
    ('nis-distant', 'nis-ni-release', ['--variant', 'distant']),
    ('nis-popup', 'nis-ni-release', ['--variant', 'popup']),
    ('cu1-adjacent', 'cu1-gc3n4', []),
    ('cu1-adjacent-buckled', 'cu1-gc3n4', ['--sheet', 'buckled']),
    ('cu1-cavity', 'cu1-gc3n4', ['--variant', 'cavity']),
    ('pd10', 'pd10-pdn4', []),
    ('pd10-d3', 'pd10-pdn4', ['--distance', '3']),
]


def nebkit_case(nebkit, name, system, options, work):
    d = os.path.join(work, name)
    subprocess.run([nebkit, 'build', system, *options, '--output', os.path.join(d, 'build')],
                   check=True, capture_output=True, text=True)
    t = time.perf_counter()
    p = subprocess.run([nebkit, 'neb', '--quiet', '--initial', os.path.join(d, 'build', 'initial.json'),
                        '--final', os.path.join(d, 'build', 'final.json'), '--interpolation', 'idpp',
                        '--output', os.path.join(d, 'neb')], capture_output=True, text=True)
    wall = time.perf_counter() - t
    res = json.load(open(os.path.join(d, 'neb', 'result.json')))
    build = json.load(open(os.path.join(d, 'build', 'build.json')))
    steps = [dict(barrier=s['barrier_forward'], reverse=s['barrier_reverse'],
                  reaction_energy=s['reaction_energy'], status=s['status'], source=s['source'])
             for s in res.get('steps', [])]
    out = dict(status=res['status'], exit_code=p.returncode, message=res['message'],
               barrier=res['barrier_forward'], reaction_energy=res['reaction_energy'],
               steps=steps, rate_limiting=res.get('rate_limiting'),
               force_calls=res['force_calls'], iterations=res['iterations'], wall_s=wall,
               reported=build.get('reported'),
               atoms=int(open(os.path.join(d, 'neb', 'band.extxyz')).readline()))
    return out, d


def interior_minima(energies, tol=TOL):
    """Turning points of the image energies with hysteresis tol (as nebkit's, without the fit)."""
    e = list(energies)
    pivots, direction, cand = [], 0, e[0]
    lo = hi = e[0]
    for x in e[1:]:
        if direction == 0:
            lo, hi = min(lo, x), max(hi, x)
            if x > lo + tol:
                direction, cand = 1, x
            elif x < hi - tol:
                direction, cand = -1, x
        elif direction == 1:
            if x > cand:
                cand = x
            elif x < cand - tol:
                pivots.append(('max', cand))
                direction, cand = -1, x
        else:
            if x < cand:
                cand = x
            elif x > cand + tol:
                pivots.append(('min', cand))
                direction, cand = 1, x
    return sum(1 for k, _ in pivots if k == 'min')


def ase_case(d):
    import ase.io
    from ase.constraints import FixAtoms
    from ase.mep import NEB
    from ase.optimize import FIRE
    from sevenn.calculator import SevenNetCalculator
    band = ase.io.read(os.path.join(d, 'neb', 'band.extxyz'), index=':')
    template = ase.io.read(os.path.join(d, 'build', 'initial.json'))
    fixed = [c for c in template.constraints if isinstance(c, FixAtoms)]
    fixed = fixed[0].index if fixed else []
    ends = []
    for frame in (band[0], band[-1]):
        a = template.copy()
        a.positions = frame.positions
        a.set_constraint(FixAtoms(indices=fixed))
        ends.append(a)
    calc = SevenNetCalculator('7net-0', device='cpu')
    calls = {'n': 0}
    orig = calc.calculate

    def counted(*a, **kw):
        calls['n'] += 1
        return orig(*a, **kw)
    calc.calculate = counted
    images = [ends[0]] + [ends[0].copy() for _ in range(IMAGES)] + [ends[1]]
    for im in images:
        im.calc = calc
    neb = NEB(images, k=K, climb=False, method='improvedtangent', allow_shared_calculator=True)
    neb.interpolate('idpp', mic=True)
    e0 = images[0].get_potential_energy()
    e1 = images[-1].get_potential_energy()
    t = time.perf_counter()
    opt = FIRE(neb, logfile=None)
    opt.run(fmax=PRE_FMAX, steps=1000)
    steps = opt.nsteps
    neb.climb = True
    opt = FIRE(neb, logfile=None)
    converged = opt.run(fmax=FMAX, steps=max(1, 1000 - steps))
    steps += opt.nsteps
    wall = time.perf_counter() - t
    energies = [e0] + [im.get_potential_energy() for im in images[1:-1]] + [e1]
    return dict(barrier=max(energies[1:-1]) - e0, reaction_energy=e1 - e0, converged=bool(converged),
                iterations=steps, force_calls=calls['n'], wall_s=wall,
                interior_minima=interior_minima(energies), energies=[x - e0 for x in energies])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--only', nargs='*')
    ap.add_argument('--skip-ase', action='store_true')
    ap.add_argument('--work', default=os.path.join(ROOT, 'runs', 'seed_systems'))
    ap.add_argument('--out', default=os.path.join(ROOT, 'benches', 'seed_systems.json'))
    ap.add_argument('--nebkit', help='a nebkit binary to use (default: build target/release/nebkit)')
    args = ap.parse_args()
    if args.nebkit:
        nebkit = os.path.abspath(args.nebkit)
    else:
        subprocess.run(['cargo', 'build', '--release', '--quiet', '--bin', 'nebkit'], cwd=ROOT, check=True)
        nebkit = os.path.join(ROOT, 'target', 'release', 'nebkit')
    if not args.skip_ase:
        import torch
        torch.set_num_threads(2)
    results = json.load(open(args.out)) if os.path.exists(args.out) else {}
    results.setdefault('cases', {})
    for name, system, options in SYSTEMS:
        if args.only and name not in args.only:
            continue
        print(f'== {name}: nebkit build {system} {" ".join(options)}', flush=True)
        nk, d = nebkit_case(nebkit, name, system, options, args.work)
        print(f"   nebkit: {nk['status']}, barrier {nk['barrier']}, steps "
              f"{[s['barrier'] for s in nk['steps']]}, dE {nk['reaction_energy']}, "
              f"{nk['force_calls']} calls, {nk['wall_s']:.1f} s", flush=True)
        case = dict(system=system, options=options, nebkit=nk)
        if not args.skip_ase and nk['status'] not in ('collapsed-endpoints', 'endpoint-not-minimum'):
            a = ase_case(d)
            print(f"   ASE   : barrier {a['barrier']:.4f}, dE {a['reaction_energy']:.4f}, converged "
                  f"{a['converged']}, interior minima {a['interior_minima']}, {a['force_calls']} calls, "
                  f"{a['wall_s']:.1f} s", flush=True)
            case['ase'] = a
        results['cases'][name] = case
        import ase
        versions = dict(ase=ase.__version__)
        if not args.skip_ase:
            import sevenn
            import torch
            versions.update(sevenn=sevenn.__version__, torch=torch.__version__)
        results['versions'] = versions
        results['date'] = time.strftime('%Y-%m-%d')
        results['command'] = 'python benches/seed_systems.py'
        json.dump(results, open(args.out, 'w'), indent=1)
    return 0


if __name__ == '__main__':
    sys.exit(main())
