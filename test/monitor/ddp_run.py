"""Trains the tiny GPT for a few steps with the monitor, as one process or as one rank of
`torchrun --nproc_per_node=N` (DDP, gloo, CPU). Every run sees the same global batch of each step;
rank r takes rows r::N of it, so N ranks and 1 process compute the same mean loss and gradients.

    python ddp_run.py OUT.jsonl
    python -m torch.distributed.run --standalone --nproc_per_node=2 ddp_run.py OUT.jsonl

Blocks 2 and 4 are post-LN so that sumNorm is reduced across ranks too. With --sharded, each rank keeps
only its rows r::N of every W_O and W_2 gradient when the monitor reads them (as FSDP or tensor
parallelism leave a shard on each rank) and the monitor is told the gradients are sharded; the full
gradients are put back before the optimizer step, so the training is the same.
"""

import json
import os
import sys

import torch
import torch.distributed as dist

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "src", "python"))
sys.path.insert(0, HERE)

from normscope_monitor import Monitor  # noqa: E402
from tinygpt import GPT  # noqa: E402

GLOBAL_BATCH, STEPS = 8, 4


def main():
    out = sys.argv[1]
    sharded = "--sharded" in sys.argv
    torch.set_num_threads(1)
    distributed = "RANK" in os.environ
    if distributed:
        dist.init_process_group("gloo")
    rank = dist.get_rank() if distributed else 0
    world = dist.get_world_size() if distributed else 1
    torch.manual_seed(0)
    model = GPT(64, 16, 32, 4, 4, post=[False, True, False, True])
    trained = torch.nn.parallel.DistributedDataParallel(model) if distributed else model
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    monitor = Monitor(trained, out=out, every=1, optimizer=optimizer, sharded_grads=True if sharded else None)
    measured = [p for block in model.transformer.h for p in (block.attn.c_proj.weight, block.mlp.c_proj.weight)]
    for step in range(STEPS):
        generator = torch.Generator().manual_seed(100 + step)
        idx = torch.randint(0, 64, (GLOBAL_BATCH, 16), generator=generator)
        targets = torch.roll(idx, -1, dims=1)
        optimizer.zero_grad()
        loss = trained(idx[rank::world].contiguous(), targets[rank::world].contiguous())
        loss.backward()
        if sharded:
            full = [p.grad.clone() for p in measured]
            for p in measured:
                keep = torch.zeros_like(p.grad)
                keep[rank::world] = 1
                p.grad.mul_(keep)
        monitor.step(step, loss)
        if sharded:
            for p, grad in zip(measured, full):
                p.grad.copy_(grad)
        optimizer.step()
    opened = monitor._file is not None
    monitor.close()
    with open("%s.rank%d.json" % (out, rank), "w") as handle:
        json.dump({"rank": rank, "world": world, "opened": opened}, handle)
    if distributed:
        # A barrier, then exit: gloo's destroy_process_group can wait forever on a peer that already left.
        dist.barrier()


if __name__ == "__main__":
    main()
