"""Grand-canonical CI-NEB of H fcc → hcp on Cu(111) in SJM implicit water (system.py), by one of
three routes, for reference_paths/gpaw-sjm (issue #12):

    OMP_NUM_THREADS=1 /usr/bin/python3 benches/gpaw_sjm/run.py --route engine --potential -1.0 \
        [--images 3] [--out DIR] [--nebkit BIN]
    routes: nebkit  (nebkit's potentiostat: SJM at fixed excess electrons through tools/ipi_client.py)
            engine  (SJM's own potentiostat, target work function U + 4.4 V, through ipi_client)
            ase     (ASE's NEB + BFGS driving one SJM calculator per image with target_potential:
                     GPAW's documented route)

All three start from reference_paths/gpaw-sjm/{initial,final}.xyz (relax_endpoints.py), relax an
endpoint at the run's potential only when its largest force exceeds the band's fmax (0.05 eV/Å; to
fmax/2, as nebkit does by default), use 3 images, IDPP, improved tangents, k = 0.1 eV/Å², and a
climbing image. nebkit runs L-BFGS; ASE runs BFGS.

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
    a, b = system.relaxed_endpoints()
    ase.io.write(os.path.join(d, 'initial.json'), a, format='json')
    ase.io.write(os.path.join(d, 'final.json'), b, format='json')
    return os.path.join(d, 'initial.json'), os.path.join(d, 'final.json')


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
           '--optimizer', 'lbfgs', '--interpolation', 'idpp', '--spring', '0.1',
           '--potential', str(args.potential), '--phi-she', str(PHI), '--potentiostat', args.route,
           '--potential-tolerance', '0.02', '--output', os.path.join(d, 'neb')]
    t = time.time()
    p = subprocess.run(cmd, capture_output=True, text=True)
    for c in clients:
        c.kill()
    rpath = os.path.join(d, 'neb', 'result.json')
    res = json.load(open(rpath)) if os.path.exists(rpath) else None
    out = dict(command=' '.join(cmd), exit=p.returncode, stdout=p.stdout[-3000:], stderr=p.stderr[-2000:],
               wall_s=time.time() - t)
    if res:
        ec = res.get('electrochem') or {}
        out.update(barrier=res.get('barrier_forward'), barrier_reverse=res.get('barrier_reverse'),
                   status=res.get('status'), force_calls=res.get('force_calls'),
                   energies=res.get('energies'), electrochem=ec)
    return out


def ase_route(args, d):
    import ase.io
    import numpy as np
    try:
        from ase.mep import NEB
    except ImportError:  # ASE < 3.23 (Debian's, with GPAW 22.8)
        from ase.neb import NEB
    from ase.optimize import BFGS
    a, b = system.relaxed_endpoints()
    target = args.potential + PHI
    calls = [0]

    def counted(calc):
        real = calc.calculate

        def calculate(*k, **kw):
            calls[0] += 1
            return real(*k, **kw)
        calc.calculate = calculate
        return calc

    t = time.time()
    for x, tag in ((a, 'initial'), (b, 'final')):
        x.calc = counted(system.calculator(txt=os.path.join(d, f'{tag}.txt'), target_potential=target))
        f = x.get_forces(apply_constraint=True)
        if np.sqrt((f ** 2).sum(axis=1)).max() > FMAX:
            BFGS(x, logfile=os.path.join(d, f'{tag}.log')).run(fmax=FMAX / 2)
    images = [a] + [a.copy() for _ in range(args.images)] + [b]
    for k, im in enumerate(images[1:-1]):
        im.calc = counted(system.calculator(txt=os.path.join(d, f'image{k + 1}.txt'), target_potential=target))
    neb = NEB(images, climb=True, method='improvedtangent', k=0.1)
    neb.interpolate('idpp')
    opt = BFGS(neb, logfile=os.path.join(d, 'neb.log'), trajectory=os.path.join(d, 'neb.traj'))
    converged = opt.run(fmax=FMAX, steps=300)
    e = [float(im.get_potential_energy()) for im in images]  # SJM's energy is Omega (grand_output)
    ase.io.write(os.path.join(d, 'band.xyz'), images, format='extxyz')
    dn = [float(im.calc.results['excess_electrons']) for im in images]
    w = [float(im.calc.get_electrode_potential()) for im in images]
    top = int(np.argmax(e[1:-1])) + 1
    return dict(route='ase', converged=bool(converged), wall_s=time.time() - t, force_calls=calls[0],
                neb_steps=opt.nsteps, energies=e, barrier=e[top] - e[0], barrier_reverse=e[top] - e[-1],
                climbing_image=top,
                electrochem=dict(potentiostat='ase+sjm', excess_electrons=dn, work_functions=w,
                                 potentials_reached=[x - PHI for x in w]))


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
    print(json.dumps({k: r.get(k) for k in ('route', 'potential', 'barrier', 'force_calls', 'wall_s')}))


if __name__ == '__main__':
    main()
