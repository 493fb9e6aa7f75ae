"""Serve an ASE calculator to nebkit over the i-PI socket protocol.

    python tools/ipi_client.py --unix NAME --structure initial.json [--calculator emt]
    python tools/ipi_client.py --host 127.0.0.1 --port 31415 --structure initial.json \
        --calculator mace_mp:mace_mp            # any importable "module:factory" returning a calculator

nebkit is the server (`nebkit neb ... --calculator ipi:unix:NAME`); start as many clients as you like,
on this machine (unix socket /tmp/ipi_NAME) or on other nodes (TCP). The structure file only fixes the
atoms (species and order); positions and cell come from nebkit for every evaluation.
--cache DIR keeps every result on disk (keyed by species, positions and cell), so that an evaluation
finished while nebkit was being killed is not paid for again after `nebkit neb --restart`.

Constant potential (nebkit's i-PI extension, ARCHITECTURE.md): this client asks for INIT before every
evaluation; nebkit's INIT string is empty (neutral) or JSON: {"excess_electrons": dn} (nebkit's
potentiostat) or {"target_potential": U, "target_work_function": W, ...} (the engine's own). The
client sets the calculator's charge (ASE convention: charge = -dn), or for GPAW SJM
(--electrons sjm, the default when the calculator is an SJM) sj['excess_electrons'] /
sj['target_potential'], and answers with extras JSON {"excess_electrons", "work_function",
"grand_energy"}; the i-PI energy field is the canonical energy E (Omega - dn*W for SJM, whose
energy is the grand energy). A calculator that cannot do what is asked answers {"error": ...}.
Testing options: --sleep S (slow engine), --die-after N (exit abruptly during call N+1),
--count-file F (append a hash of the configuration per real evaluation), --span-file F (append
"start end" wall-clock seconds per real evaluation, to count how many ran at once).
"""
import argparse
import hashlib
import importlib
import os
import time

import json
import sys

import numpy as np
import ase.io
from ase.calculators.socketio import SocketClient


def make_calculator(spec):
    if spec == 'emt':
        from ase.calculators.emt import EMT
        return EMT()
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # tools/ engines by name
    module, _, factory = spec.partition(':')
    return getattr(importlib.import_module(module), factory or 'calculator')()


def is_sjm(calc):
    return any(k.__name__ == 'SJM' for k in type(calc).__mro__)


class Electrons:
    """How a calculator is told its electron count and asked for its electronic state."""

    def __init__(self, calc, style):
        self.calc = calc
        self.style = style if style != 'auto' else ('sjm' if is_sjm(calc) else 'charge')
        self.request = None

    def apply(self, request):
        """Set the calculator up for `request` (None: neutral); returns an error message or None."""
        self.request = request
        error = self._apply(request)
        # ASE's base Calculator.set does not drop old results; a changed electron count must
        # never be answered from them (engines keep their wave functions: only results go)
        self.calc.results = {}
        return error

    def _apply(self, request):
        c = self.calc
        if self.style == 'sjm':
            sj = dict(c.parameters.get('sj', {}) or {})
            if request and 'target_work_function' in request:
                sj['target_potential'] = request['target_work_function']
                sj['tol'] = min(sj.get('tol', 0.01), 0.5 * request.get('potential_tolerance', 0.02))
            else:
                sj['target_potential'] = None
                sj['excess_electrons'] = (request or {}).get('excess_electrons', 0.0)
            c.set(sj=sj)
            return None
        if request and 'target_work_function' in request:
            if 'target_potential' not in getattr(c, 'default_parameters', {}):
                return (f'{type(c).__name__} has no potentiostat of its own: run nebkit with '
                        '--potentiostat nebkit (it sets the electron count)')
            c.set(target_potential=request['target_work_function'])
            return None
        dn = (request or {}).get('excess_electrons', 0.0)
        if 'target_potential' in getattr(c, 'default_parameters', {}):
            c.set(target_potential=None)
        if dn == 0.0 and 'charge' not in c.parameters:
            return None
        c.set(charge=-dn)
        return None

    def state(self, energy):
        """(canonical energy, extras dict) after an evaluation."""
        c = self.calc
        if self.style == 'sjm':
            # SJM's energy is the grand energy Omega = E + dn*W at the reached work function
            dn, w = float(c.results['excess_electrons']), float(c.results['work_function'])
            return energy - dn * w, dict(excess_electrons=dn, work_function=w, grand_energy=energy)
        if self.request is None:
            return energy, {}
        if 'excess_electrons' in c.results:
            dn = float(c.results['excess_electrons'])
        elif hasattr(c, 'get_excess_electrons'):
            dn = float(c.get_excess_electrons())
        else:
            dn = -float(c.parameters.get('charge', 0.0))
        if 'work_function' in c.results:
            w = float(c.results['work_function'])
        elif hasattr(c, 'get_work_function'):
            w = float(c.get_work_function())
        elif hasattr(c, 'get_electrostatic_potential') and hasattr(c, 'get_fermi_level'):
            # vacuum level: the planar-averaged electrostatic potential at the top of the cell
            v = np.asarray(c.get_electrostatic_potential())
            w = float(v.mean(axis=(0, 1))[-1]) - float(c.get_fermi_level())
        else:
            return energy, dict(error=f'{type(c).__name__} reports no work function (nor a Fermi '
                                      'level with an electrostatic potential)')
        return energy, dict(excess_electrons=dn, work_function=w, grand_energy=energy + dn * w)


def serve(client, atoms, electrons):
    """The i-PI loop with nebkit's extension: ask for INIT before every evaluation."""
    proto = client.protocol
    state = 'NEEDINIT'
    error = None
    try:
        while True:
            try:
                msg = proto.recvmsg()
            except Exception:
                return
            if msg == 'EXIT':
                return
            if msg == 'STATUS':
                proto.sendmsg(state)
            elif msg == 'INIT':
                _, initbytes = proto.recvinit()
                text = bytes(initbytes).rstrip(b'\0').decode()
                request = json.loads(text) if text.strip() else None
                error = electrons.apply(request)
                state = 'READY'
            elif msg == 'POSDATA':
                cell, _icell, positions = proto.recvposdata()
                atoms.cell[:] = cell
                atoms.positions[:] = positions
                if error is None:
                    energy = atoms.get_potential_energy()
                    forces = atoms.get_forces()
                    energy, extras = electrons.state(energy)
                else:
                    energy, forces, extras = 0.0, np.zeros((len(atoms), 3)), dict(error=error)
                state = 'HAVEDATA'
            elif msg == 'GETFORCE':
                more = np.frombuffer(json.dumps(extras).encode(), dtype=np.byte) if extras \
                    else np.zeros(1, dtype=np.byte)
                proto.sendforce(energy, forces, np.zeros((3, 3)), more)
                state = 'NEEDINIT'
            else:
                raise SystemExit(f'unexpected i-PI message {msg!r}')
    finally:
        client.close()


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
    p.add_argument('--electrons', choices=['auto', 'charge', 'sjm'], default='auto',
                   help='how the electron count reaches the calculator (auto: sjm for GPAW SJM, '
                        'else the ASE "charge" parameter)')
    p.add_argument('--plain', action='store_true',
                   help="testing: ASE's stock SocketClient loop (no electron-count extension)")
    args = p.parse_args()
    atoms = ase.io.read(args.structure)
    inner = make_calculator(args.calculator)
    calls = [0]

    if args.cache:
        os.makedirs(args.cache, exist_ok=True)

    class Served(inner.__class__):
        def calculate(self, atoms=None, properties=('energy',), system_changes=()):
            key = hashlib.sha1(atoms.numbers.tobytes() + atoms.positions.tobytes()
                               + atoms.cell.array.tobytes()
                               + json.dumps(electrons.request, sort_keys=True).encode()).hexdigest()
            path = os.path.join(args.cache, key + '.npz') if args.cache else None
            if path and os.path.exists(path):
                data = np.load(path)
                # (self.atoms stays as it was: the next real evaluation must see every change,
                # so that the wrapped calculator initialises itself)
                self.results = {'energy': float(data['energy']), 'free_energy': float(data['energy']),
                                'forces': data['forces']}
                self.results.update(json.loads(str(data['extra'])))
                return
            # energy and forces in one go: engines such as GPAW compute forces only when asked,
            # and a cached entry needs both
            properties = sorted(set(properties) | {'energy', 'forces'})
            result = self.real_calculate(atoms, properties, system_changes)
            if electrons.style == 'sjm':  # SJM's electronic state, kept with the results
                self.results['excess_electrons'] = float(self.parameters['sj']['excess_electrons'])
                self.results['work_function'] = float(self.get_electrode_potential())
            if path:
                tmp = path + f'.{os.getpid()}.tmp.npz'
                extra = {k: float(v) for k, v in self.results.items()
                         if k in ('excess_electrons', 'work_function')}
                np.savez(tmp, energy=self.results['energy'], forces=self.results['forces'],
                         extra=json.dumps(extra))
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
    electrons = Electrons(inner, args.electrons)
    atoms.calc = inner
    for _ in range(100):  # the server may not be listening yet
        try:
            client = SocketClient(unixsocket=args.unix) if args.unix else SocketClient(host=args.host, port=args.port)
            break
        except OSError:
            time.sleep(0.1)
    else:
        raise SystemExit('could not connect to nebkit')
    if args.plain:
        client.run(atoms, use_stress=False)
    else:
        serve(client, atoms, electrons)


if __name__ == '__main__':
    main()
