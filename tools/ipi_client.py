"""Serve an ASE calculator to nebkit over the i-PI socket protocol.

    python tools/ipi_client.py --unix NAME --structure initial.json [--calculator emt]
    python tools/ipi_client.py --host 127.0.0.1 --port 31415 --structure initial.json \
        --calculator mace_mp:mace_mp            # any importable "module:factory" returning a calculator

nebkit is the server (`nebkit neb ... --calculator ipi:unix:NAME`); start as many clients as you like,
on this machine (unix socket /tmp/ipi_NAME) or on other nodes (TCP). The structure file only fixes the
atoms (species and order); positions and cell come from nebkit for every evaluation.
--cache DIR keeps every result on disk (keyed by species, positions and cell), so that an evaluation
finished while nebkit was being killed is not paid for again after `nebkit neb --restart`.
Testing options: --sleep S (slow engine), --die-after N (exit abruptly during call N+1),
--count-file F (append a hash of the configuration per real evaluation), --span-file F (append
"start end" wall-clock seconds per real evaluation, to count how many ran at once).
"""
import argparse
import hashlib
import importlib
import os
import time

import ase.io
from ase.calculators.socketio import SocketClient


def make_calculator(spec):
    if spec == 'emt':
        from ase.calculators.emt import EMT
        return EMT()
    module, _, factory = spec.partition(':')
    return getattr(importlib.import_module(module), factory or 'calculator')()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--unix', help='socket name NAME (connects to /tmp/ipi_NAME)')
    p.add_argument('--host', default='127.0.0.1')
    p.add_argument('--port', type=int)
    p.add_argument('--structure', required=True)
    p.add_argument('--calculator', default='emt')
    p.add_argument('--sleep', type=float, default=0.0)
    p.add_argument('--die-after', type=int, default=0)
    p.add_argument('--count-file')
    p.add_argument('--span-file')
    p.add_argument('--cache', help='directory of cached results (shared by clients, kept across runs)')
    args = p.parse_args()
    atoms = ase.io.read(args.structure)
    inner = make_calculator(args.calculator)
    calls = [0]

    if args.cache:
        os.makedirs(args.cache, exist_ok=True)

    class Served(inner.__class__):
        def calculate(self, atoms=None, properties=('energy',), system_changes=()):
            key = hashlib.sha1(atoms.numbers.tobytes() + atoms.positions.tobytes()
                               + atoms.cell.array.tobytes()).hexdigest()
            path = os.path.join(args.cache, key + '.npz') if args.cache else None
            if path and os.path.exists(path):
                import numpy as np
                data = np.load(path)
                # (self.atoms stays as it was: the next real evaluation must see every change,
                # so that the wrapped calculator initialises itself)
                self.results = {'energy': float(data['energy']), 'free_energy': float(data['energy']),
                                'forces': data['forces']}
                return
            result = self.real_calculate(atoms, properties, system_changes)
            if path:
                import numpy as np
                tmp = path + f'.{os.getpid()}.tmp.npz'
                np.savez(tmp, energy=self.results['energy'], forces=self.results['forces'])
                os.replace(tmp, path)
            return result

        def real_calculate(self, *a, **k):
            calls[0] += 1
            if args.die_after and calls[0] > args.die_after:
                os._exit(3)  # a crash in the middle of an evaluation
            start = time.time()
            if args.sleep:
                time.sleep(args.sleep)
            result = super().calculate(*a, **k)
            if args.span_file:  # one line per completed evaluation: when it ran
                with open(args.span_file, 'a') as fh:
                    fh.write(f'{start:.6f} {time.time():.6f}\n')
            if args.count_file:  # one line per completed evaluation
                digest = hashlib.sha1(atoms.positions.tobytes() + atoms.cell.array.tobytes()).hexdigest()
                with open(args.count_file, 'a') as fh:
                    fh.write(digest + '\n')
            return result

    inner.__class__ = Served
    atoms.calc = inner
    for _ in range(100):  # the server may not be listening yet
        try:
            client = SocketClient(unixsocket=args.unix) if args.unix else SocketClient(host=args.host, port=args.port)
            break
        except OSError:
            time.sleep(0.1)
    else:
        raise SystemExit('could not connect to nebkit')
    client.run(atoms, use_stress=False)


if __name__ == '__main__':
    main()
