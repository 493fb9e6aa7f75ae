#!/usr/bin/env python
"""Float64 reference values of SevenNet-0 for the Rust port (tests/data/sevennet0_refs64.json).

Run with a venv holding sevenn 0.13.0 (torch, e3nn 0.6, ase, matscipy):

    python tests/data/sevennet_refs.py [--nebkit target/release/nebkit]

Why a second reference file: `sevennet0_refs.json` (made by the project's make_sevennet_refs.py)
evaluates sevenn's float64 model on edge vectors that sevenn's `AtomGraphData.from_numpy_dict`
has already rounded to float32 (it converts the graph dict in place), so its `e_f64`/`f_f64`
carry a ~1e-7 relative error from the geometry (7.5e-7 eV and 2.1e-6 eV/A on the 33-atom
structure). Here the float64 model gets the exact float64 edge vectors (copied before the
conversion), which is what an f64 port computes. The float32 SevenNetCalculator results
(e_f32, f_f32, stress_f32) are what sevenn's ASE calculator returns.

Structures: the five of sevennet0_refs.json (geometries read from it), plus edge cases for the
port (a Cu dimer inside the XPLOR switching region, an isolated atom, a triclinic cell shorter
than the cutoff, a slab with pbc = (T, T, F)) and the two NEB-sized seed structures built by
`nebkit build` (Cu-N4 with two H on N, 73 atoms; Pd10 over Pd-N4 graphene, 136 atoms) when a
nebkit binary is given.
"""
import json
import math
import os
import subprocess
import sys
import tempfile
import warnings

import numpy as np
import torch

warnings.filterwarnings('ignore')
torch.set_num_threads(1)

import ase.io  # noqa: E402
from ase import Atoms  # noqa: E402

import sevenn  # noqa: E402
import sevenn._keys as KEY  # noqa: E402
import sevenn.util as util  # noqa: E402
from sevenn._const import SEVENNET_0_11Jul2024 as CKPT  # noqa: E402
from sevenn.atom_graph_data import AtomGraphData  # noqa: E402
from sevenn.calculator import SevenNetCalculator  # noqa: E402
from sevenn.nn import node_embedding  # noqa: E402
from sevenn.train.dataload import unlabeled_atoms_to_graph  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
CUTOFF = 5.0


def _onehot_any_dtype(self, data):
    """sevenn's OnehotEmbedding.forward with the hard-coded .float() replaced by the edge dtype."""
    inp = data[self.key_x]
    embd = torch.nn.functional.one_hot(inp, self.num_classes).to(data[KEY.EDGE_VEC].dtype)
    data[self.key_output] = embd
    if self.key_additional_output is not None:
        data[self.key_additional_output] = embd
    if self.key_save is not None:
        data[self.key_save] = inp
    return data


def f64_eval(model, atoms):
    dct = unlabeled_atoms_to_graph(atoms, CUTOFF, with_shift=False)
    edge_vec = np.array(dct[KEY.EDGE_VEC], dtype=np.float64)  # before from_numpy_dict rounds it
    n_edges = len(edge_vec)
    data = AtomGraphData.from_numpy_dict(dct)
    data[KEY.EDGE_VEC] = torch.from_numpy(edge_vec)
    data[KEY.POS] = data[KEY.POS].double()
    data[KEY.CELL_VOLUME] = data[KEY.CELL_VOLUME].double()
    out = model(data)
    return (out[KEY.PRED_TOTAL_ENERGY].item(), out[KEY.PRED_FORCE].detach().numpy(),
            out[KEY.ATOMIC_ENERGY].detach().numpy().ravel(), n_edges)


def extra_structures(nebkit):
    rng = np.random.default_rng(11)
    out = {}
    # two Cu atoms 4.7 A apart: the only edge pair lies in the XPLOR switching region (4.5-5 A)
    out['cu2_switching'] = Atoms('Cu2', positions=[[0, 0, 0], [2.9, 3.1, 2.0]], pbc=False)
    # an isolated H far from a Pd3 cluster (no neighbour within 5 A)
    out['pd3_and_isolated_h'] = Atoms(
        'Pd3H', positions=[[0, 0, 0], [2.6, 0.1, 0], [1.2, 2.2, 0.2], [12.0, 0.0, 0.0]],
        pbc=False)
    # NiAs-type NiS primitive cell (a = 3.42 A < cutoff: many self-images), skewed, rattled
    a, c = 3.42, 5.30
    nis = Atoms('Ni2S2', scaled_positions=[[0, 0, 0], [0, 0, 0.5], [1 / 3, 2 / 3, 0.25],
                                           [2 / 3, 1 / 3, 0.75]],
                cell=[[a, 0, 0], [-a / 2, a * math.sqrt(3) / 2, 0], [0.4, 0.3, c]], pbc=True)
    nis.positions += rng.normal(0, 0.05, nis.positions.shape)
    out['nis_primitive_skewed'] = nis
    # Cu adatom over a 3x3 graphene sheet, periodic in-plane only
    from ase.build import graphene
    g = graphene(formula='C2', a=2.46, size=(3, 3, 1), vacuum=6.0)
    g.pbc = (True, True, False)
    ctr = g.positions.mean(axis=0)
    s = g + Atoms('Cu', positions=[[ctr[0] + 0.3, ctr[1], ctr[2] + 2.1]])
    s.positions += rng.normal(0, 0.03, s.positions.shape)
    out['cu_graphene_slab'] = s
    if nebkit:
        builds = [('cun4_2h_73', ['cun4-h-leaching', '--h-on', '0,2']), ('pd10_pdn4_136', ['pd10-pdn4'])]
        for name, args in builds:
            with tempfile.TemporaryDirectory() as d:
                subprocess.run([nebkit, 'build', *args, '--output', d], check=True,
                               stdout=subprocess.DEVNULL)
                out[name] = ase.io.read(os.path.join(d, 'initial.json'))
    return out


def main():
    nebkit = sys.argv[sys.argv.index('--nebkit') + 1] if '--nebkit' in sys.argv else None
    shared = json.load(open(os.path.join(HERE, 'sevennet0_refs.json')))
    structs = {}
    for name, s in shared['structures'].items():
        structs[name] = Atoms(numbers=s['numbers'], positions=s['positions'], cell=s['cell'],
                              pbc=s['pbc'])
    structs.update(extra_structures(nebkit))

    cp = util.load_checkpoint(CKPT)
    calc32 = SevenNetCalculator(CKPT, device='cpu')
    node_embedding.OnehotEmbedding.forward = _onehot_any_dtype
    model = cp.build_model()
    model.set_is_batch_data(False)
    model.eval()
    model.double()

    res = {'meta': {
        'model': 'SevenNet-0 (SevenNet_0__11Jul2024), sevenn 0.13.0 wheel',
        'sevenn': sevenn.__version__, 'torch': torch.__version__,
        'script': 'tests/data/sevennet_refs.py',
        'units': 'eV, eV/Angstrom, eV/Angstrom^3 (ASE stress sign and Voigt order)',
        'f64': 'sevenn model.double() on exact float64 edge vectors',
        'f32': 'sevenn.calculator.SevenNetCalculator (float32, CPU)',
    }, 'structures': {}}
    for name, atoms in structs.items():
        e64, f64, ei64, n_edges = f64_eval(model, atoms)
        a32 = atoms.copy()
        a32.set_constraint()  # raw forces (built structures carry FixAtoms)
        a32.calc = calc32
        e32 = a32.get_potential_energy()
        f32 = a32.get_forces()
        entry = {
            'numbers': atoms.numbers.tolist(),
            'positions': atoms.positions.tolist(),
            'cell': atoms.cell.array.tolist(),
            'pbc': [bool(p) for p in atoms.pbc],
            'n_edges': n_edges,
            'e_f64': e64, 'f_f64': f64.tolist(), 'atomic_e_f64': ei64.tolist(),
            'e_f32': float(e32), 'f_f32': np.asarray(f32, float).tolist(),
        }
        if all(atoms.pbc):
            entry['stress_f32'] = np.asarray(a32.get_stress(), float).tolist()
        res['structures'][name] = entry
        print(f'{name:24s} N={len(atoms):4d} edges={n_edges:6d} E64={e64:.8f} E32-E64={e32 - e64:+.1e}')
    with open(os.path.join(HERE, 'sevennet0_refs64.json'), 'w') as fh:
        json.dump(res, fh, indent=1)


if __name__ == '__main__':
    main()
