"""Climbing image from the first iteration vs once the band has formed (nebkit's default since #11):
the same cases, the same settings otherwise, force calls and outcome.

    python benches/climb_default.py [--out benches/climb_default.json]

Cases: the reference paths (their run.json, climb replaced) and seed systems with SevenNet-0 (built
with defaults, `nebkit neb --interpolation idpp`, climb replaced). "auto" switches the climbing
image on when the band's largest NEB force falls below 10 × fmax.
"""
import argparse
import json
import os
import subprocess
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REFERENCE = ['au-al100-emt', 'periodic-crossing', 'leps-ho', 'anapot', 'muller-brown']
SEED = [('cun4-0H', 'cun4-h-leaching', []), ('cun4-2H', 'cun4-h-leaching', ['--h-on', '0,2']),
        ('nis-adatom', 'nis-ni-release', []), ('pd10-model', 'pd10-pdn4', ['--support', 'frozen'])]


def run(nebkit, cfg, out):
    t = time.perf_counter()
    p = subprocess.run([nebkit, 'neb', '--quiet', '--config', cfg, '--output', out],
                       capture_output=True, text=True)
    wall = time.perf_counter() - t
    if not os.path.exists(os.path.join(out, 'result.json')):  # an error: no result to report
        return dict(status='error', exit=p.returncode, message=p.stderr.strip().splitlines()[-1],
                    wall_s=round(wall, 1))
    r = json.load(open(os.path.join(out, 'result.json')))
    return dict(status=r['status'], exit=p.returncode, barrier=r['barrier_forward'],
                steps=[s['barrier_forward'] for s in r.get('steps', [])],
                force_calls=r['force_calls'], iterations=r['iterations'], wall_s=round(wall, 1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--out', default=os.path.join(ROOT, 'benches', 'climb_default.json'))
    ap.add_argument('--nebkit', help='a nebkit binary to use (default: build target/release/nebkit)')
    args = ap.parse_args()
    if args.nebkit:
        nebkit = os.path.abspath(args.nebkit)
    else:
        subprocess.run(['cargo', 'build', '--release', '--quiet', '--bin', 'nebkit'], cwd=ROOT, check=True)
        nebkit = os.path.join(ROOT, 'target', 'release', 'nebkit')
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        cases = []
        for name in REFERENCE:
            d = os.path.join(ROOT, 'reference_paths', name)
            cfg = json.load(open(os.path.join(d, 'run.json')))
            for key in ('initial', 'final'):
                cfg[key] = os.path.join(d, cfg[key])
            cases.append((name, cfg))
        for name, system, options in SEED:
            b = os.path.join(tmp, name)
            subprocess.run([nebkit, 'build', system, *options, '--output', b], check=True,
                           capture_output=True)
            cfg = {'format': 'nebkit/neb-config', 'version': 1,
                   'initial': os.path.join(b, 'initial.json'), 'final': os.path.join(b, 'final.json'),
                   'interpolation': 'idpp',
                   'neb': {'springs': {'type': 'uniform', 'k': 0.1}, 'climb': 'auto', 'fmax': 0.05,
                           'max_iterations': 1000, 'optimizer': {'type': 'fire'}}}
            if name.endswith('model'):
                cfg['calculator'] = 'model'
                cfg['neb']['optimizer'] = {'type': 'lbfgs'}
            cases.append((name, cfg))
        for name, cfg in cases:
            row = {}
            for climb in ('always', 'auto'):
                c = json.loads(json.dumps(cfg))
                c['neb']['climb'] = climb
                path = os.path.join(tmp, f'{name}-{climb}.json')
                json.dump(c, open(path, 'w'))
                row[climb] = run(nebkit, path, os.path.join(tmp, f'{name}-{climb}'))
                print(name, climb, row[climb], flush=True)
            out[name] = row
    json.dump(dict(cases=out, date=time.strftime('%Y-%m-%d'),
                   command='python benches/climb_default.py'), open(args.out, 'w'), indent=1)


if __name__ == '__main__':
    main()
