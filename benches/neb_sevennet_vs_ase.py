"""CI-NEB with SevenNet-0: nebkit's built-in `sevennet` vs ASE's NEB driving sevenn's own calculator
(PyTorch), on the same band, in one run.

    python benches/neb_sevennet_vs_ase.py [--write-reference]

Needs sevenn 0.13.0 (torch, e3nn, ase) in the running Python; builds nebkit in release mode.

System: a Ni atom popping up out of NiS(001) (`nebkit build nis-ni-release --variant popup`, 72
atoms, top half free; the builder's default since #11 is the release to the adjacent hollow).
1. nebkit relaxes both endpoints with sevennet (`--relax-endpoints`, 0.01 eV/Å); the relaxed
   endpoints are written once and used by both codes.
2. Both codes start from the same linear (minimum-image) band of 5 images, k = 0.1 eV/Å², improved
   tangent, climbing image from the start, fmax 0.03 eV/Å. nebkit: global L-BFGS (and FIRE);
   ASE 3.29: NEB(method='improvedtangent', climb=True) with FIRE, sevenn's SevenNetCalculator
   (float32) on every image.
3. Barrier = E(highest image) − E(initial), each code with its own evaluation of the initial state.
   nebkit's climbing image is also re-evaluated with sevenn's calculator.

--write-reference stores the endpoints, run.json and the ASE barrier as the reference_paths case
`nis-ni-release-sevennet` (checked by `cargo test --release` without sevenn installed).
"""
import argparse
import json
import os
import shutil
import subprocess
import tempfile
import time
import warnings

import numpy as np

warnings.filterwarnings('ignore')
import ase  # noqa: E402
import ase.io  # noqa: E402
import torch  # noqa: E402
import sevenn  # noqa: E402
from ase.constraints import FixAtoms  # noqa: E402
from ase.mep import NEB  # noqa: E402
from ase.optimize import FIRE  # noqa: E402
from sevenn.calculator import SevenNetCalculator  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CASE = os.path.join(ROOT, 'reference_paths', 'nis-ni-release-sevennet')
IMAGES, K, FMAX = 5, 0.1, 0.03


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)


def nebkit_run(nebkit, cfg_path, out):
    t = time.perf_counter()
    p = subprocess.run([nebkit, 'neb', '--quiet', '--config', cfg_path, '--output', out],
                       capture_output=True, text=True)
    if p.returncode not in (0, 3):
        raise SystemExit(p.stderr)
    res = json.load(open(os.path.join(out, 'result.json')))
    return res, time.perf_counter() - t


def config(optimizer):
    return {
        'format': 'nebkit/neb-config', 'version': 1,
        'initial': 'initial.json', 'final': 'final.json',
        'calculator': 'sevennet', 'images': IMAGES, 'interpolation': 'linear',
        'relax_endpoints': False,
        'neb': {'springs': {'type': 'uniform', 'k': K}, 'climb': 'always', 'fmax': FMAX,
                'max_iterations': 1000, 'optimizer': {'type': optimizer}},
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--write-reference', action='store_true')
    args = ap.parse_args()
    torch.set_num_threads(2)
    run(['cargo', 'build', '--release', '--quiet', '--bin', 'nebkit'], cwd=ROOT)
    nebkit = os.path.join(ROOT, 'target', 'release', 'nebkit')
    with tempfile.TemporaryDirectory() as tmp:
        # 1. endpoints, relaxed once by nebkit
        run([nebkit, 'build', 'nis-ni-release', '--variant', 'popup', '--output',
             os.path.join(tmp, 'build')])
        p = subprocess.run([nebkit, 'neb', '--quiet', '--initial',
                            os.path.join(tmp, 'build', 'initial.json'), '--final',
                            os.path.join(tmp, 'build', 'final.json'), '--relax-endpoints',
                            '--endpoint-fmax', '0.01', '--max-iterations', '1', '--output',
                            os.path.join(tmp, 'relax')], capture_output=True, text=True)
        if p.returncode not in (0, 3):
            raise SystemExit(p.stderr)
        band = ase.io.read(os.path.join(tmp, 'relax', 'band.extxyz'), index=':')
        template = ase.io.read(os.path.join(tmp, 'build', 'initial.json'))
        fixed = [c for c in template.constraints if isinstance(c, FixAtoms)][0].index
        case = os.path.join(tmp, 'case')
        os.makedirs(case)
        ends = []
        for name, frame in (('initial', band[0]), ('final', band[-1])):
            a = template.copy()
            a.positions = frame.positions
            a.set_constraint(FixAtoms(indices=fixed))
            ase.io.write(os.path.join(case, f'{name}.json'), a)
            ends.append(a)
        # 2a. nebkit on the shared endpoints
        results = {}
        for opt in ('lbfgs', 'fire'):
            cfg = os.path.join(case, f'run_{opt}.json')
            json.dump(config(opt), open(cfg, 'w'), indent=1)
            res, wall = nebkit_run(nebkit, cfg, os.path.join(tmp, f'neb_{opt}'))
            results[opt] = dict(barrier=res['barrier_forward'], converged=res['converged'],
                                iterations=res['iterations'], force_calls=res['force_calls'],
                                wall_s=wall)
            print(f"nebkit {opt:6s}: barrier {res['barrier_forward']:.4f} eV, "
                  f"{res['iterations']} iterations, {res['force_calls']} force calls, {wall:.1f} s")
        # 2b. ASE NEB with sevenn's calculator
        calc = SevenNetCalculator('7net-0', device='cpu')
        images = [ends[0]] + [ends[0].copy() for _ in range(IMAGES)] + [ends[1]]
        for im in images:
            im.calc = calc
        neb = NEB(images, k=K, climb=True, method='improvedtangent', allow_shared_calculator=True)
        neb.interpolate(mic=True)
        calls = {'n': 0}
        orig = calc.calculate

        def counted(*a, **kw):
            calls['n'] += 1
            return orig(*a, **kw)
        calc.calculate = counted
        e0 = images[0].get_potential_energy()
        e1 = images[-1].get_potential_energy()
        t = time.perf_counter()
        opt = FIRE(neb, logfile=None)
        converged = opt.run(fmax=FMAX, steps=1000)
        wall = time.perf_counter() - t
        energies = [im.get_potential_energy() for im in images[1:-1]]
        ase_barrier = max(energies) - e0
        print(f"ASE FIRE     : barrier {ase_barrier:.4f} eV, {opt.nsteps} iterations, "
              f"{calls['n']} force calls, {wall:.1f} s, converged {converged}")
        # 3. nebkit's climbing image through sevenn's calculator
        nb = ase.io.read(os.path.join(tmp, 'neb_lbfgs', 'band.extxyz'), index=':')
        ci = int(np.argmax([f.get_potential_energy() for f in nb]))
        ts = template.copy()
        ts.positions = nb[ci].positions
        ts.set_constraint()
        ts.calc = SevenNetCalculator('7net-0', device='cpu')
        cross = ts.get_potential_energy() - e0
        print(f"nebkit's saddle evaluated by sevenn: {cross:.4f} eV above sevenn's initial state")
        diff = abs(results['lbfgs']['barrier'] - ase_barrier)
        print(f"|nebkit - ASE| = {diff:.4f} eV (acceptance: <= 0.02)")
        out = dict(system='nis-ni-release (72 atoms, top half free)', images=IMAGES, k=K,
                   fmax=FMAX, nebkit=results,
                   ase=dict(barrier=ase_barrier, reaction_energy=e1 - e0, converged=bool(converged),
                            iterations=opt.nsteps, force_calls=calls['n'], wall_s=wall,
                            optimizer='FIRE', calculator='sevenn SevenNetCalculator (float32)'),
                   nebkit_saddle_by_sevenn=cross, difference=diff,
                   versions=dict(ase=ase.__version__, sevenn=sevenn.__version__,
                                 torch=torch.__version__))
        json.dump(out, open(os.path.join(ROOT, 'benches', 'neb_sevennet_vs_ase.json'), 'w'),
                  indent=1)
        if args.write_reference:
            os.makedirs(CASE, exist_ok=True)
            for name in ('initial.json', 'final.json'):
                shutil.copy(os.path.join(case, name), os.path.join(CASE, name))
            json.dump(config('lbfgs'), open(os.path.join(CASE, 'run.json'), 'w'), indent=1)
            json.dump({
                'expected': {
                    'converged': True,
                    'barrier_forward': {'value': round(ase_barrier, 5), 'tol': 0.005},
                },
                'provenance': 'ASE 3.29 NEB (improvedtangent, climb, FIRE, fmax 0.03, k 0.1, 5 '
                              'images, linear MIC interpolation) with sevenn 0.13.0 '
                              "SevenNetCalculator('7net-0') on these endpoints "
                              '(relaxed by nebkit with sevennet to 0.01 eV/Å)',
                'generator': 'benches/neb_sevennet_vs_ase.py --write-reference',
                'ase': ase.__version__, 'sevenn': sevenn.__version__,
                'date': time.strftime('%Y-%m-%d'),
            }, open(os.path.join(CASE, 'expected.json'), 'w'), indent=1)
            print('wrote', CASE)


if __name__ == '__main__':
    main()
