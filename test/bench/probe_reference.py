"""The PyTorch anchor for the probe benchmark: the same decoder-only model the probe trains, timed on one thread.

Token + learned position embeddings, L Pre-LN blocks of causal multi-head attention (fused qkv, W_O)
and a GELU (tanh) MLP of 4d, a final LayerNorm, a tied-free head, cross-entropy and Adam — what a user
would run instead of NormScope. Benchmark only, never run in CI. Needs Debian's python3-torch and libopenblas0-pthread: without
OpenBLAS, Debian's torch falls back to the reference BLAS and runs ~7× slower (2.6 against 18 steps/s).

    python3 test/bench/probe_reference.py [--json] [--steps N] [--repeats R] [--probe NAME=L,D,HEADS]...
prints steps/s (median of R timed runs) for the default probe (L=12, d=64) and the deep one (L=48, d=32),
or for the probes named with --probe; --json adds the process's peak resident memory (maxRssMB).
"""
import argparse
import json
import math
import os
import resource
import statistics
import time

# One thread for OpenBLAS as well as for torch's own pool: the anchor is a single core.
os.environ.setdefault('OPENBLAS_NUM_THREADS', '1')
os.environ.setdefault('OMP_NUM_THREADS', '1')

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402


class Block(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.heads = heads
        self.ln1 = nn.LayerNorm(d)
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)
        self.ln2 = nn.LayerNorm(d)
        self.fc = nn.Linear(d, 4 * d)
        self.fc2 = nn.Linear(4 * d, d)

    def forward(self, x):
        b, t, c = x.shape
        h = self.heads
        q, k, v = self.qkv(self.ln1(x)).split(c, dim=2)  # (B, T, C) each
        q = q.view(b, t, h, c // h).transpose(1, 2)  # (B, H, T, hs)
        k = k.view(b, t, h, c // h).transpose(1, 2)
        v = v.view(b, t, h, c // h).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) / math.sqrt(c // h)  # (B, H, T, T)
        mask = torch.ones(t, t, dtype=torch.bool).triu(1)
        att = att.masked_fill(mask, float('-inf')).softmax(dim=-1)
        y = (att @ v).transpose(1, 2).contiguous().view(b, t, c)
        x = x + self.proj(y)
        x = x + self.fc2(F.gelu(self.fc(self.ln2(x)), approximate='tanh'))
        return x


class Model(nn.Module):
    def __init__(self, layers, d, heads, seq, vocab):
        super().__init__()
        self.tok = nn.Embedding(vocab, d)
        self.pos = nn.Embedding(seq, d)
        self.blocks = nn.ModuleList(Block(d, heads) for _ in range(layers))
        self.ln_f = nn.LayerNorm(d)
        self.head = nn.Linear(d, vocab, bias=False)

    def forward(self, idx, targets):
        t = idx.shape[1]
        x = self.tok(idx) + self.pos(torch.arange(t))
        for block in self.blocks:
            x = block(x)
        logits = self.head(self.ln_f(x))
        return F.cross_entropy(logits.view(-1, logits.shape[-1]), targets.view(-1))


def steps_per_second(layers, d, heads, seq, batch, vocab, steps, repeats):
    torch.manual_seed(0)
    model = Model(layers, d, heads, seq, vocab)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    idx = torch.randint(vocab, (batch, seq))
    targets = torch.randint(vocab, (batch, seq))

    def step():
        opt.zero_grad(set_to_none=True)
        loss = model(idx, targets)
        loss.backward()
        opt.step()

    for _ in range(3):
        step()  # warm-up: allocator and autograd caches
    rates = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(steps):
            step()
        rates.append(steps / (time.perf_counter() - t0))
    return statistics.median(rates)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--json', action='store_true')
    parser.add_argument('--steps', type=int, default=20)
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--vocab', type=int, default=64)
    parser.add_argument('--probe', action='append', default=[], help='NAME=L,D,HEADS (T=32, B=8)')
    args = parser.parse_args()
    torch.set_num_threads(1)
    probes = {
        'default': dict(layers=12, d=64, heads=4, seq=32, batch=8),
        'deep': dict(layers=48, d=32, heads=4, seq=32, batch=8),
    }
    if args.probe:
        probes = {}
        for spec in args.probe:
            name, sizes = spec.split('=')
            layers, d, heads = (int(v) for v in sizes.split(','))
            probes[name] = dict(layers=layers, d=d, heads=heads, seq=32, batch=8)
    result = {name: steps_per_second(**p, vocab=args.vocab, steps=args.steps, repeats=args.repeats)
              for name, p in probes.items()}
    if args.json:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
        print(json.dumps({'torch': torch.__version__, 'stepsPerSecond': result, 'maxRssMB': peak}))
    else:
        for name, rate in result.items():
            print(f'pytorch {name}: {rate:.1f} steps/s (median of {args.repeats} × {args.steps} steps, 1 thread)')


if __name__ == '__main__':
    main()
