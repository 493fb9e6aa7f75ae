"""The mb-electrode model surface as an external engine that follows nebkit's electron-count
protocol (README, "Constant potential with external engines"; ARCHITECTURE.md).

Physics (PHYSICS.md §5, the same as nebkit's built-in `mb-electrode`): one atom on the Müller–Brown
surface V(x, y) with a charge-dependent term; potential of zero charge U_pzc(x) = u0 + u1·x [V vs
SHE], capacitance C [e/V], Φ_SHE [V]:
    E(x, y; Δn) = V + μ_e(U_pzc)·Δn + Δn²/(2C),   μ_e(U) = −(U + Φ_SHE)
    U(Δn) = U_pzc − Δn/C,   work function W = U + Φ_SHE.
Asked for a target potential, the engine converges Δn itself (closed form here: Δn = C(U_pzc − U)).

As a `command` program (no dependencies beyond Python's standard library):
    nebkit neb -c "command:python3 tools/mb_electrode_engine.py --u1 0.5" --potential -1 ...
reads structure.extxyz or structure.json in the working directory (info: `excess_electrons`, or
`target_potential` with `phi_she`), writes result.json with energy, forces, excess_electrons,
work_function and grand_energy.

As an ASE calculator for tools/ipi_client.py:
    python tools/ipi_client.py --unix NAME --structure A.json \
        --calculator mb_electrode_engine:MbElectrodeCalculator
(`charge` = −Δn in ASE's convention; `target_potential` = target work function in eV, GPAW SJM's
convention).
"""
import argparse
import json
import math
import os
import re
import sys

A = (-200.0, -100.0, -170.0, 15.0)
LA = (-1.0, -1.0, -6.5, 0.7)
LB = (0.0, 0.0, 11.0, 0.6)
LC = (-10.0, -10.0, -6.5, 0.7)
X0 = (1.0, 0.0, -0.5, -1.0)
Y0 = (0.0, 0.5, 1.5, 1.0)


def muller_brown(x, y):
    v, gx, gy = 0.0, 0.0, 0.0
    for k in range(4):
        dx, dy = x - X0[k], y - Y0[k]
        e = A[k] * math.exp(LA[k] * dx * dx + LB[k] * dx * dy + LC[k] * dy * dy)
        v += e
        gx += e * (2 * LA[k] * dx + LB[k] * dy)
        gy += e * (LB[k] * dx + 2 * LC[k] * dy)
    return v, gx, gy


class Model:
    def __init__(self, u0=0.0, u1=0.5, capacitance=1.0, phi_she=4.44):
        self.u0, self.u1, self.c, self.phi = u0, u1, capacitance, phi_she

    def pzc(self, x):
        return self.u0 + self.u1 * x

    def charged(self, x, y, dn):
        """Canonical energy, force (fx, fy) and work function at Δn excess electrons."""
        v, gx, gy = muller_brown(x, y)
        pzc = self.pzc(x)
        mu = -(pzc + self.phi)
        energy = v + mu * dn + dn * dn / (2 * self.c)
        u = pzc - dn / self.c
        return energy, (-(gx - self.u1 * dn), -gy), u + self.phi

    def at_work_function(self, x, w_target):
        """The engine's own potentiostat: Δn that puts the electrode at work function W."""
        return self.c * (self.pzc(x) - (w_target - self.phi))


def read_structure(directory):
    """(positions, info) of the one-atom structure nebkit wrote."""
    path = os.path.join(directory, 'structure.json')
    if os.path.exists(path):
        d = json.load(open(path))
        return d['positions'], d.get('info', {})
    lines = open(os.path.join(directory, 'structure.extxyz')).read().splitlines()
    n = int(lines[0])
    info = {}
    for key, quoted, bare in re.findall(r'(\w+)=(?:"([^"]*)"|(\S+))', lines[1]):
        text = quoted if quoted else bare
        try:
            info[key] = float(text)
        except ValueError:
            info[key] = text
    positions = [[float(w) for w in line.split()[1:4]] for line in lines[2:2 + n]]
    return positions, info


def command_main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--u0', type=float, default=0.0)
    p.add_argument('--u1', type=float, default=0.5)
    p.add_argument('--capacitance', type=float, default=1.0)
    p.add_argument('--phi-she', type=float, default=4.44, help="the engine's own SHE scale [V]")
    p.add_argument('--ignore-charge', action='store_true',
                   help='testing: behave as an engine that knows nothing of electrons')
    a = p.parse_args(argv)
    model = Model(a.u0, a.u1, a.capacitance, a.phi_she)
    positions, info = read_structure('.')
    if len(positions) != 1:
        result = {'error': f'mb-electrode is a one-atom model surface, got {len(positions)} atoms'}
        json.dump(result, open('result.json', 'w'))
        return
    x, y = positions[0][0], positions[0][1]
    if 'target_work_function' in info:
        dn = model.at_work_function(x, float(info['target_work_function']))
    else:
        dn = float(info.get('excess_electrons', 0.0))
    energy, (fx, fy), w = model.charged(x, y, dn)
    result = {'energy': energy, 'forces': [[fx, fy, 0.0]]}
    if not a.ignore_charge:
        result.update(excess_electrons=dn, work_function=w, grand_energy=energy + dn * w)
    else:
        energy, (fx, fy), _ = model.charged(x, y, 0.0)
        result = {'energy': energy, 'forces': [[fx, fy, 0.0]]}
    with open('result.json', 'w') as fh:
        json.dump(result, fh)


try:
    from ase.calculators.calculator import Calculator, all_changes

    class MbElectrodeCalculator(Calculator):
        """mb-electrode as an ASE calculator that takes a charge (ASE: charge = −Δn) or a target
        work function (`target_potential`, eV, GPAW SJM's convention; None = fixed charge)."""
        implemented_properties = ['energy', 'free_energy', 'forces']
        default_parameters = dict(charge=0.0, target_potential=None, u0=0.0, u1=0.5,
                                  capacitance=1.0, phi_she=4.44)

        def set(self, **kwargs):
            changed = super().set(**kwargs)
            if changed:
                self.reset()
            return changed

        def calculate(self, atoms=None, properties=('energy',), system_changes=all_changes):
            super().calculate(atoms, properties, system_changes)
            p = self.parameters
            model = Model(p.u0, p.u1, p.capacitance, p.phi_she)
            x, y = self.atoms.positions[0][:2]
            if p.target_potential is not None:
                dn = model.at_work_function(x, p.target_potential)
            else:
                dn = -p.charge
            energy, (fx, fy), w = model.charged(x, y, dn)
            import numpy as np
            self.results = dict(energy=energy, free_energy=energy,
                                forces=np.array([[fx, fy, 0.0]]),
                                excess_electrons=dn, work_function=w)

            if getattr(self, 'lazy_forces', False) and 'forces' not in properties:
                del self.results['forces']  # like GPAW: forces only when asked for

        def get_work_function(self):
            return self.results['work_function']

        def get_excess_electrons(self):
            return self.results['excess_electrons']
    class LazyMbElectrodeCalculator(MbElectrodeCalculator):
        """Testing: computes forces only when they are asked for (as GPAW does)."""
        lazy_forces = True
except ImportError:  # the command program needs no ASE
    pass


if __name__ == '__main__':
    sys.exit(command_main())
