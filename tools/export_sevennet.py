#!/usr/bin/env python
"""Export the SevenNet-0 (11Jul2024) weights for nebkit's built-in `sevennet` calculator.

Run once by a developer, in a venv with sevenn (tested with sevenn 0.13.0, e3nn 0.6, torch 2.x):

    pip install sevenn==0.13.0
    python tools/export_sevennet.py assets/sevennet/sevennet0.safetensors

The model is built with sevenn's own loader (`util.load_checkpoint(...).build_model()`), so the
column re-ordering and sign fixes that sevenn applies to 0.9.1 checkpoints
(`sort_old_convolution`) are in the exported weights. Written (safetensors, little endian):

* every non-empty tensor of the built model's state_dict except the e3nn output masks and the
  float32 Wigner-3j buffers, in float32 exactly as stored (the checkpoint is float32);
* `w3j.L1_L2_L3`: e3nn's `o3.wigner_3j(l1, l2, l3)` in float64 for the 15 triples with l <= 2
  (mathematical constants; sevenn keeps float32 copies, which limits its own f64 runs to ~1e-8 eV);
* metadata: checkpoint sha256, versions, the Z -> species index map, e3nn's normalize2mom constant
  of SiLU (as e3nn computes it), cutoff, licence and citation.

SevenNet-0 is MIT licensed, (c) 2024 Yutack Park; cite Park et al., J. Chem. Theory Comput. 20,
4857 (2024), doi:10.1021/acs.jctc.4c00190.
"""
import hashlib
import json
import sys

import numpy as np
import torch

import e3nn
import sevenn
import sevenn._keys as KEY
import sevenn.util as util
from sevenn._const import SEVENNET_0_11Jul2024 as CKPT


def silu_normalize2mom():
    """e3nn's normalize2mom(silu) constant, computed the way e3nn 0.6 computes it."""
    from e3nn.math import normalize2mom

    return float(normalize2mom(torch.nn.functional.silu).cst)


def write_safetensors(path, tensors, meta):
    header, blobs, off = {'__metadata__': meta}, [], 0
    for name in sorted(tensors):
        a = tensors[name]
        dtype = {np.dtype('<f4'): 'F32', np.dtype('<f8'): 'F64'}[a.dtype]
        b = np.ascontiguousarray(a).tobytes()
        header[name] = {'dtype': dtype, 'shape': list(a.shape),
                        'data_offsets': [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header, separators=(',', ':')).encode()
    h += b' ' * (-len(h) % 8)
    with open(path, 'wb') as fh:
        fh.write(len(h).to_bytes(8, 'little'))
        fh.write(h)
        for b in blobs:
            fh.write(b)


def main():
    if len(sys.argv) != 2:
        sys.exit('usage: export_sevennet.py OUT.safetensors')
    out = sys.argv[1]
    sha = hashlib.sha256(open(CKPT, 'rb').read()).hexdigest()
    cp = util.load_checkpoint(CKPT)
    model = cp.build_model()
    type_map = cp.config[KEY.TYPE_MAP]
    tensors = {}
    for k, v in model.state_dict().items():
        if v.numel() == 0 or 'output_mask' in k or '_w3j_' in k:
            continue
        tensors[k] = v.detach().cpu().numpy().astype('<f4')
    for l1 in range(3):
        for l2 in range(3):
            for l3 in range(abs(l1 - l2), min(l1 + l2, 2) + 1):
                w = e3nn.o3.wigner_3j(l1, l2, l3, dtype=torch.float64)
                tensors[f'w3j.{l1}_{l2}_{l3}'] = w.numpy().astype('<f8')
    meta = {
        'model': 'SevenNet-0 (SevenNet_0__11Jul2024)',
        'source': f'sevenn {sevenn.__version__} wheel, model built by sevenn.util.load_checkpoint'
                  '(...).build_model() (patched state_dict: TP instructions sorted, w3j signs '
                  'folded in); float32 weights as stored, float64 Wigner-3j from e3nn',
        'checkpoint_sha256': sha,
        'sevenn': sevenn.__version__,
        'e3nn': e3nn.__version__,
        'torch': torch.__version__,
        'cutoff': '5.0',
        'silu_normalize2mom_cst': repr(silu_normalize2mom()),
        'type_map_Z_to_index': json.dumps({int(z): int(i) for z, i in sorted(type_map.items())}),
        'license': 'MIT License, Copyright (c) 2024 Yutack Park (see LICENSE-SevenNet)',
        'citation': 'Y. Park, J. Kim, S. Hwang, S. Han, J. Chem. Theory Comput. 20, 4857 (2024), '
                    'doi:10.1021/acs.jctc.4c00190',
    }
    write_safetensors(out, tensors, meta)
    n = sum(t.size for k, t in tensors.items() if not k.startswith('w3j.'))
    print(f'wrote {out}: {len(tensors)} tensors ({n} weights), checkpoint sha256 {sha}')
    print('silu normalize2mom constant', meta['silu_normalize2mom_cst'])


if __name__ == '__main__':
    main()
