"""Grand-canonical CI-NEB of H fcc → hcp on Cu(111) in SJM implicit water (system.py), by one of
three routes, for reference_paths/gpaw-sjm (issue #12):

    /usr/bin/python3 benches/gpaw_sjm/run.py --route engine --potential -1.0 [--images 3] [--out DIR]
    routes: nebkit  (nebkit's potentiostat: SJM at fixed excess electrons through tools/ipi_client.py)
            engine  (SJM's own potentiostat, target work function U + 4.4 V, through ipi_client)
            ase     (ASE's NEB driving one SJM calculator per image with target_potential: GPAW's
                     documented route)

Φ_SHE = 4.4 V (GPAW's SJM documentation). The nebkit routes start one ipi_client per image (plus the
endpoints) with a shared --cache, so an interrupted run continues with `--restart`.
"""
import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import system  # noqa: E402

PHI = 4.4
FMAX = 0.05


def write_endpoints(d):
    import ase.io
    a, b = system.endpoints()
    ase.io.write(os.path.join(d, 'initial.xyz'), a, format='extxyz')
    ase.io.write(os.path.join(d, 'final.xyz'), b, format='extxyz')
    return os.path.join(d, 'initial.xyz'), os.path.join(d, 'final.xyz')


def nebkit_route(args, d):
    ini, fin = write_endpoints(d)
    nebkit = args.nebkit or os.path.join(ROOT, 'target', 'release', 'nebkit')
    name = f'sjm_{args.route}_{os.getpid()}'
    env = dict(os.environ, PYTHONPATH=HERE, OMP_NUM_THREADS='1')
    clients = []
    for k in range(args.clients):
        clients.append(subprocess.Popen(
            [sys.executable, os.path.join(ROOT, 'tools', 'ipi_client.py'), '--unix', name,
             '--structure', ini, '--calculator', 'system:calculator_quiet',
             '--cache', os.path.join(d, 'client_cache')],
            env=env, cwd=d, stdout=open(os.path.join(d, f'client{k}.log'), 'w'),
            stderr=subprocess.STDOUT))
    cmd = [nebkit, 'neb', '-c', f'ipi:unix:{name}:timeout=7200,wait=600',
           '--initial', ini, '--final', fin, '--images', str(args.images), '--fmax', str(FMAX),
           '--potential', str(args.potential), '--phi-she', str(PHI), '--potentiostat', args.route,
           '--potential-tolerance', '0.02', '--output', os.path.join(d, 'neb')]
    t = time.time()
    p = subprocess.run(cmd, capture_output=True, text=True)
    for c in clients:
        c.kill()
    res = json.load(open(os.path.join(d, 'neb', 'result.json'))) if os.path.exists(os.path.join(d, 'neb', 'result.json')) else None
    return dict(command=' '.join(cmd), exit=p.returncode, stderr=p.stderr[-2000:], wall_s=time.time() - t,
                barrier=res and res['barrier_forward'], status=res and res['status'],
                force_calls=res and res['force_calls'], electrochem=res and res.get('electrochem'))


def ase_route(args, d):
    try:
        from ase.mep import NEB
    except ImportError:  # ASE < 3.23 (Debian's, with GPAW 22.8)
        from ase.neb import NEB
    from ase.optimize import BFGS, FIRE
    a, b = system.endpoints()
    target = args.potential + PHI
    for x, tag in ((a, 'initial'), (b, 'final')):
        x.calc = system.calculator(txt=os.path.join(d, f'{tag}.txt'), target_potential=target)
        BFGS(x, logfile=os.path.join(d, f'{tag}.log')).run(fmax=FMAX / 2)
    images = [a] + [a.copy() for _ in range(args.images)] + [b]
    for k, im in enumerate(images[1:-1]):
        im.calc = system.calculator(txt=os.path.join(d, f'image{k + 1}.txt'), target_potential=target)
    neb = NEB(images, climb=True, method='improvedtangent', k=0.1)
    neb.interpolate('idpp')
    t = time.time()
    FIRE(neb, logfile=os.path.join(d, 'neb.log')).run(fmax=FMAX, steps=500)
    e = [im.get_potential_energy() for im in images]  # SJM's energy is Ω
    return dict(route='ase', wall_s=time.time() - t, energies=e, barrier=max(e[1:-1]) - e[0],
                excess_electrons=[im.calc.results.get('excess_electrons') for im in images])


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--route', choices=['nebkit', 'engine', 'ase'], required=True)
    p.add_argument('--potential', type=float, required=True)
    p.add_argument('--images', type=int, default=3)
    p.add_argument('--clients', type=int, default=3)
    p.add_argument('--nebkit')
    p.add_argument('--out')
    args = p.parse_args()
    d = args.out or os.path.join(HERE, 'runs', f'{args.route}_{args.potential:+.1f}')
    os.makedirs(d, exist_ok=True)
    r = nebkit_route(args, d) if args.route != 'ase' else ase_route(args, d)
    r.update(route=args.route, potential=args.potential, images=args.images, date=time.strftime('%Y-%m-%d'))
    json.dump(r, open(os.path.join(d, 'summary.json'), 'w'), indent=1, default=str)
    print(json.dumps({k: r[k] for k in ('route', 'potential', 'barrier', 'wall_s')}))


if __name__ == '__main__':
    main()
