"""Collect the six GPAW-SJM reference bands (3 routes × 0 and −1.0 V vs SHE) from benches/gpaw_sjm/runs
into reference_paths/gpaw-sjm: per-route outputs, results.json and the table of its README.

    python3 benches/gpaw_sjm/summarize.py [--runs DIR]

Barriers are climbing-image grand energies Ω(TS) − Ω(IS) for every route (nebkit's spline maximum
is recorded too). Δn‡ = Δn(TS) − Δn(IS); PHYSICS.md: d(ΔΩ‡)/dU = Δn‡, so the barrier's change from
−1.0 to 0 V is predicted as the trapezoid ½(Δn‡(−1) + Δn‡(0))·1 V.
"""
import argparse
import json
import os
import shutil

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
REF = os.path.join(ROOT, 'reference_paths', 'gpaw-sjm')
ROUTES = ('nebkit', 'engine', 'ase')
POTENTIALS = (-1.0, 0.0)
KEEP = ('summary.json', 'band.xyz', 'neb.log', 'neb/result.json', 'neb/band.extxyz', 'neb/profile.svg',
        'neb/run.json')


def row(route, u, runs):
    d = os.path.join(runs, f'{route}_{u:+.1f}')
    p = os.path.join(d, 'summary.json')
    if not os.path.exists(p):
        return None
    s = json.load(open(p))
    out = os.path.join(REF, f'{route}_{u:+.1f}')
    os.makedirs(out, exist_ok=True)
    for k in KEEP:
        if os.path.exists(os.path.join(d, k)):
            shutil.copy(os.path.join(d, k), os.path.join(out, os.path.basename(k)))
    # converged SCF solves of GPAW (every route's SJM logs): the same cost measure for all routes
    scf = sum(open(os.path.join(d, f), errors='replace').read().count('Extrapolated:')
              for f in os.listdir(d) if f.endswith('.txt'))
    ec = s.get('electrochem') or {}
    e = s.get('energies')
    if not e:
        return dict(route=route, potential=u, status=s.get('status'), exit=s.get('exit'))
    ci = max(range(1, len(e) - 1), key=lambda k: e[k])
    dn = ec.get('excess_electrons') or [None] * len(e)
    ur = ec.get('potentials_reached') or [None] * len(e)
    return dict(route=route, potential=u, status=s.get('status', 'converged' if s.get('converged') else None),
                barrier_ci=e[ci] - e[0], barrier_reverse_ci=e[ci] - e[-1], barrier_reported=s.get('barrier'),
                climbing_image=ci, energies=e, excess_electrons=dn, potentials_reached=ur,
                dn_ts=(dn[ci] - dn[0]) if dn[ci] is not None and dn[0] is not None else None,
                force_calls=s.get('force_calls'), gpaw_scf_solves=scf, wall_s=s.get('wall_s'))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--runs', default=os.path.join(HERE, 'runs'))
    a = p.parse_args()
    rows = [r for u in POTENTIALS for route in ROUTES if (r := row(route, u, a.runs))]
    checks = {}
    for u in POTENTIALS:
        b = [r['barrier_ci'] for r in rows if r['potential'] == u and 'barrier_ci' in r]
        if len(b) == 3:
            checks[f'spread_at_{u:+.1f}'] = max(b) - min(b)
    for route in ROUTES:
        rr = {r['potential']: r for r in rows if r['route'] == route and 'barrier_ci' in r}
        if len(rr) == 2 and all(rr[u]['dn_ts'] is not None for u in POTENTIALS):
            checks[f'{route}_change'] = dict(
                observed=rr[0.0]['barrier_ci'] - rr[-1.0]['barrier_ci'],
                predicted=0.5 * (rr[0.0]['dn_ts'] + rr[-1.0]['dn_ts']) * 1.0)
    json.dump(dict(rows=rows, checks=checks), open(os.path.join(REF, 'results.json'), 'w'), indent=1)
    print('| route | U (V vs SHE) | status | barrier (CI) eV | nebkit spline eV | reverse eV | Δn(IS) e | Δn‡ e | '
          'U reached at TS | force calls | GPAW SCF solves | wall s |')
    print('|---|---|---|---|---|---|---|---|---|---|---|---|')
    for r in rows:
        if 'barrier_ci' not in r:
            print(f"| {r['route']} | {r['potential']:+.1f} | {r.get('status')} (exit {r.get('exit')}) |")
            continue
        ci = r['climbing_image']
        f = (lambda x, fmt: format(x, fmt) if x is not None else '–')
        print(f"| {r['route']} | {r['potential']:+.1f} | {r['status']} | {r['barrier_ci']:.4f} | "
              f"{f(r['barrier_reported'] if r['route'] != 'ase' else None, '.4f')} | {r['barrier_reverse_ci']:.4f} | "
              f"{f(r['excess_electrons'][0], '+.4f')} | {f(r['dn_ts'], '+.4f')} | "
              f"{f(r['potentials_reached'][ci], '+.3f')} | {r['force_calls']} | {r['gpaw_scf_solves']} | {r['wall_s']:.0f} |")
    print(json.dumps(checks, indent=1))


if __name__ == '__main__':
    main()
