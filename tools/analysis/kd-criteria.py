#!/usr/bin/python3
"""How SD-LoRA-KD's two readings of the absorb test behave on a finished run's directions (numpy only).

For every task t >= 2 and every block's q and v, the stored direction D_t = B_t A_t is fitted by least squares with the
earlier directions of the same module (what sdlora-kd does after task t; the stored factors are the ones it fitted).
Printed per task: cltool's residual (unsquared, unit-Frobenius directions: a relative error) and LibContinual's
(torch.linalg.lstsq's squared residual of directions divided by ||B||_F ||A||_F), and how many modules each would
absorb at tau = 9e-4.  Usage: tools/analysis/kd-criteria.py RUN_DIR/checkpoints/task-NN.safetensors
"""
import json, struct, sys
import numpy as np

def tensors(path):
    with open(path, 'rb') as f:
        n = struct.unpack('<Q', f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    return {k: np.frombuffer(data[v['data_offsets'][0]:v['data_offsets'][1]], dtype=np.float32).reshape(v['shape']).astype(np.float64)
            for k, v in header.items() if k != '__metadata__'}

t = tensors(sys.argv[1])
directions = len(t['magnitudes'])
depth = 1 + max(int(k.split('.')[3]) for k in t if k.startswith('lora.0.blocks.'))
tau = 9e-4
print(f'{directions} directions, depth {depth}; tau = {tau}')
print('task | cltool residual: min / median | absorbed (cltool) | LibContinual squared residual: min / median | absorbed (LibContinual)')
for task in range(1, directions):
    ours, theirs = [], []
    for block in range(depth):
        for p in 'qv':
            def product(i):
                return t[f'lora.{i}.blocks.{block}.attn.{p}.lora_B'] @ t[f'lora.{i}.blocks.{block}.attn.{p}.lora_A']
            def factor_norm(i):
                return np.linalg.norm(t[f'lora.{i}.blocks.{block}.attn.{p}.lora_B']) * np.linalg.norm(t[f'lora.{i}.blocks.{block}.attn.{p}.lora_A'])
            new = product(task).ravel()
            earlier = np.stack([product(i).ravel() for i in range(task)], axis=1)
            unit = earlier / np.linalg.norm(earlier, axis=0)
            beta = np.linalg.lstsq(unit, new / np.linalg.norm(new), rcond=None)[0]
            ours.append(np.linalg.norm(new / np.linalg.norm(new) - unit @ beta))
            scaled = earlier / np.array([factor_norm(i) for i in range(task)])
            target = new / factor_norm(task)
            beta = np.linalg.lstsq(scaled, target, rcond=None)[0]
            theirs.append(float(np.sum((target - scaled @ beta) ** 2)))
    ours, theirs = np.array(ours), np.array(theirs)
    print(f'{task + 1} | {ours.min():.4f} / {np.median(ours):.4f} | {(ours <= tau).sum()}/{len(ours)} | '
          f'{theirs.min():.2e} / {np.median(theirs):.2e} | {(theirs < tau).sum()}/{len(theirs)}')
