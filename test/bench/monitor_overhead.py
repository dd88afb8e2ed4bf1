"""The monitor's cost on a nanoGPT-sized model on CPU (nanoGPT's shakespeare-char GPT: 6 blocks, d=384,
6 heads, 256 tokens; a small batch so a step takes about a second). Prints figures, asserts nothing.

Two measures, both in this process's CPU time (time.process_time), so that other processes competing
for the cores (a shared CI machine) do not count:
- direct: the CPU time spent inside the monitor (every hook call and every mon.step), against the CPU
  time of the training steps, over steps recorded every 10;
- end to end: blocks of 10 steps alternating without and with the monitor; noisier, shown for scale.

    python monitor_overhead.py [--blocks N] [--layers L] [--width D] [--batch B] [--seq T]
"""

import argparse
import functools
import os
import statistics
import sys
import tempfile
import time

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "src", "python"))
sys.path.insert(0, os.path.join(HERE, "..", "monitor"))

import normscope_monitor  # noqa: E402
from normscope_monitor import Monitor  # noqa: E402
from tinygpt import GPT  # noqa: E402

spent = [0.0]


def timed(function):
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        start = time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            spent[0] += time.process_time() - start
    return wrapper


def timed_factory(factory):
    @functools.wraps(factory)
    def wrapper(self, index):
        return timed(factory(self, index))
    return wrapper


# Every hook the monitor registers, and step(), count toward its own time.
normscope_monitor.Monitor._make_block_hook = timed_factory(normscope_monitor.Monitor._make_block_hook)
normscope_monitor.Monitor._make_norm_hook = timed_factory(normscope_monitor.Monitor._make_norm_hook)
normscope_monitor.Monitor.step = timed(normscope_monitor.Monitor.step)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--blocks", type=int, default=2)
    parser.add_argument("--layers", type=int, default=6)
    parser.add_argument("--width", type=int, default=384)
    parser.add_argument("--batch", type=int, default=2)
    parser.add_argument("--seq", type=int, default=256)
    args = parser.parse_args()
    torch.manual_seed(0)
    model = GPT(vocab=65, seq=args.seq, width=args.width, heads=6, layers=args.layers)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    idx = torch.randint(0, 65, (args.batch, args.seq))
    targets = torch.roll(idx, -1, dims=1)
    counter = [0]

    def step(monitor):
        start = time.process_time()
        optimizer.zero_grad(set_to_none=True)
        loss = model(idx, targets)
        loss.backward()
        if monitor is not None:
            monitor.step(counter[0], loss)
        optimizer.step()
        counter[0] += 1
        return time.process_time() - start

    for _ in range(2):
        step(None)  # warm-up: allocator, thread pool
    off, on = [], []
    with tempfile.TemporaryDirectory() as directory:
        out = os.path.join(directory, "bench.normscope.jsonl")
        for _ in range(args.blocks):
            off.extend(step(None) for _ in range(10))
            counter[0] = 0
            spent_before = spent[0]
            # A new Monitor per block; leaving `with` removes its hooks for the next block without it.
            with Monitor(model, out=out, every=10) as monitor:
                on.extend(step(monitor) for _ in range(10))
            on_monitor = spent[0] - spent_before
    total_monitor = spent[0]
    steps_on = len(on)
    print("monitor overhead: L=%d d=%d, batch %d x %d (%d parameters), %d torch threads, CPU time of this process"
          % (args.layers, args.width, args.batch, args.seq, sum(p.numel() for p in model.parameters()), torch.get_num_threads()))
    print("  step without monitor: median %.1f ms" % (1e3 * statistics.median(off)))
    print("  inside the monitor: %.2f ms per step on average (%d steps, 1 in 10 recorded; last block %.2f ms)"
          % (1e3 * total_monitor / steps_on, steps_on, 1e3 * on_monitor / 10))
    print("  direct overhead, recording every 10 steps: %.3f%% of the step" % (100 * (total_monitor / steps_on) / statistics.median(off)))
    print("  end to end (noisier): mean %.1f ms without, %.1f ms with (%+.2f%%)"
          % (1e3 * statistics.mean(off), 1e3 * statistics.mean(on), 100 * (statistics.mean(on) - statistics.mean(off)) / statistics.mean(off)))


if __name__ == "__main__":
    main()
