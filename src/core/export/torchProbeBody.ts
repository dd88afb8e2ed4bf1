// The Python body of the exported probe script (torchScript.ts writes the header and the constants above
// it): the synthetic task of task.ts/random.ts, the model of modelParams.ts/modelForward.ts, engine.ts's
// Adam and schedule, and a training loop that runs alone or under torchrun (DDP) and records through
// normscope_monitor.py. Kept as Python text so the script stands alone; test/monitor runs it.

export const TORCH_PROBE_BODY = String.raw`
# ---- The synthetic task (task.ts, random.ts): the same Markov chain and batches as the TS probe --------

M32 = 0xFFFFFFFF


def imul(a, b):
    return (a * b) & M32


class Random:
    """mulberry32, bit for bit as random.ts (uniforms only: the task needs no normals)."""

    def __init__(self, seed):
        self.state = seed & M32

    def uniform(self):
        self.state = (self.state + 0x6D2B79F5) & M32
        t = self.state
        t = imul(t ^ (t >> 15), t | 1)
        t = (t ^ ((t + imul(t ^ (t >> 7), t | 61)) & M32)) & M32
        return ((t ^ (t >> 14)) & M32) / 4294967296


def derive_seed(seed, purpose):
    z = (seed ^ imul(purpose + 1, 0x9E3779B9)) & M32
    z = imul(z ^ (z >> 16), 0x85EBCA6B)
    z = imul(z ^ (z >> 13), 0xC2B2AE35)
    return (z ^ (z >> 16)) & M32


class MarkovTask:
    """Next-token prediction on a random Markov chain drawn from the seed (task.ts)."""

    def __init__(self, vocab, seed):
        rng = Random(derive_seed(seed, 2))
        rows = []
        for _ in range(vocab):
            chosen = []
            while len(chosen) < min(MARKOV_SUCCESSORS, vocab):
                state = math.floor(rng.uniform() * vocab)
                if state not in chosen:
                    chosen.append(state)
            weights = [(state, -math.log(1 - rng.uniform())) for state in chosen]
            total = 0.0
            for _, weight in weights:
                total += weight
            row = [MARKOV_FLOOR / vocab] * vocab
            for state, weight in weights:
                row[state] += (1 - MARKOV_FLOOR) * weight / total
            rows.append(row)
        transition = torch.tensor(rows, dtype=torch.float64)
        stationary = torch.full((vocab,), 1.0 / vocab, dtype=torch.float64)
        for _ in range(500):
            stationary = stationary @ transition
        p = transition.clamp(min=1e-300)
        self.optimal_loss = float((stationary * -(transition * p.log()).sum(dim=1)).sum())
        self.cumulative = [self._cumulative(row) for row in rows]
        self.start = self._cumulative(stationary.tolist())
        self.vocab = vocab

    @staticmethod
    def _cumulative(row):
        out, total = [], 0.0
        for p in row:
            total += p
            out.append(total)
        return out

    def _sample(self, cumulative, u):
        return min(bisect.bisect_right(cumulative, u), self.vocab - 1)

    def batch(self, rng, batch, seq):
        """tokens, targets [B, T] (targets = tokens shifted by one), drawn as sampleBatch draws them."""
        tokens, targets = [], []
        for _ in range(batch):
            current = self._sample(self.start, rng.uniform())
            row_tokens, row_targets = [], []
            for _ in range(seq):
                following = self._sample(self.cumulative[current], rng.uniform())
                row_tokens.append(current)
                row_targets.append(following)
                current = following
            tokens.append(row_tokens)
            targets.append(row_targets)
        return torch.tensor(tokens), torch.tensor(targets)


# ---- The model (modelParams.ts, modelForward.ts) ------------------------------------------------------

class Norm(nn.Module):
    """LayerNorm or RMSNorm, gain 1 and bias 0 at init, eps 1e-5; computed in float32 under autocast."""

    def __init__(self, width, kind):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(width))
        self.bias = nn.Parameter(torch.zeros(width)) if kind == "layernorm" else None

    def forward(self, x):
        if self.bias is not None:
            return F.layer_norm(x, x.shape[-1:], self.weight, self.bias, NORM_EPS)
        xf = x.float()
        return (xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + NORM_EPS)).to(x.dtype) * self.weight


class Attention(nn.Module):
    """Causal self-attention: qkv = u·W_qkv [B,T,3C]; heads (B,H,T,hs); out = heads·W_O."""

    def __init__(self, width, heads):
        super().__init__()
        self.heads = heads
        self.wqkv = nn.Linear(width, 3 * width, bias=False)
        self.wo = nn.Linear(width, width, bias=False)

    def forward(self, u):
        b, t, c = u.shape
        q, k, v = self.wqkv(u).split(c, dim=2)
        q, k, v = (z.view(b, t, self.heads, c // self.heads).transpose(1, 2) for z in (q, k, v))  # (B, H, T, hs)
        if hasattr(F, "scaled_dot_product_attention"):
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        else:
            att = (q @ k.transpose(-2, -1)) / math.sqrt(c // self.heads)
            mask = torch.ones(t, t, dtype=torch.bool, device=u.device).tril()
            y = att.masked_fill(~mask, float("-inf")).softmax(dim=-1) @ v
        return self.wo(y.transpose(1, 2).reshape(b, t, c))


class MLP(nn.Module):
    """h = u·W_1 [B,T,4C]; gelu (tanh form); out = gelu(h)·W_2."""

    def __init__(self, width):
        super().__init__()
        self.w1 = nn.Linear(width, 4 * width, bias=False)
        self.w2 = nn.Linear(4 * width, width, bias=False)

    def forward(self, u):
        return self.w2(F.gelu(self.w1(u), approximate="tanh"))


class Block(nn.Module):
    """One block: per sublayer x' = sumN(α·x + gate·outN(F(inN(x)))); parallel-pre x' = x + Attn(N(x)) + MLP(N(x))."""

    def __init__(self, width, heads, norm, layout):
        super().__init__()
        self.kind = layout["kind"]
        self.attn, self.mlp = Attention(width, heads), MLP(width)
        self.layouts = {"attn": layout["attn"], "mlp": layout["mlp"]}
        for name, sub in self.layouts.items():
            for where in ("in", "out", "sum"):
                setattr(self, "%s_%s" % (name, where), Norm(width, norm) if sub[where + "Norm"] else None)
            setattr(self, name + "_gate", nn.Parameter(torch.zeros(1)) if sub["gate"] else None)

    def sublayer(self, name, branch, x):
        layout = self.layouts[name]
        inner, outer, on_stream = (getattr(self, "%s_%s" % (name, w)) for w in ("in", "out", "sum"))
        g = branch(inner(x) if inner is not None else x)
        if outer is not None:
            g = outer(g)
        gate = getattr(self, name + "_gate")
        s = layout["alpha"] * x + (gate * g if gate is not None else g)
        return on_stream(s) if on_stream is not None else s

    def forward(self, x):
        if self.kind == "parallel-pre":
            u = self.attn_in(x)
            return x + self.attn(u) + self.mlp(u)
        return self.sublayer("mlp", self.mlp, self.sublayer("attn", self.attn, x))


class ProbeModel(nn.Module):
    def __init__(self, config):
        super().__init__()
        c, v = config["dModel"], config["vocab"]
        self.wte = nn.Embedding(v, c)
        self.wpe = nn.Embedding(config["seq"], c)
        self.blocks = nn.ModuleList([Block(c, config["heads"], config["norm"], layout) for layout in BLOCKS])
        self.final = Norm(c, config["norm"]) if FINAL_NORM else None
        self.head = nn.Linear(c, v, bias=False)

    @torch.no_grad()
    def initialise(self, generator):
        """modelParams.ts's scheme, drawn from torch's generator (the TS probe draws from mulberry32)."""
        c, v = self.wte.weight.shape[1], self.wte.weight.shape[0]
        normal = lambda p, std: p.normal_(0.0, std, generator=generator)
        normal(self.wte.weight, math.sqrt(0.5))
        normal(self.wpe.weight, math.sqrt(0.5))
        for block in self.blocks:
            normal(block.attn.wqkv.weight, 1 / math.sqrt(c))
            normal(block.attn.wo.weight, 1 / math.sqrt(c))
            normal(block.mlp.w1.weight, math.sqrt(2 / (5 * c)))
            normal(block.mlp.w2.weight, math.sqrt(2 / (5 * c)))
            if block.kind == "deepnorm":
                block.attn.wqkv.weight[2 * c:].mul_(DEEPNORM_BETA)
                for weight in (block.attn.wo.weight, block.mlp.w1.weight, block.mlp.w2.weight):
                    weight.mul_(DEEPNORM_BETA)
        normal(self.head.weight, math.sqrt(2 / (c + v)))

    def forward(self, tokens, targets):
        x = self.wte(tokens) + self.wpe(torch.arange(tokens.shape[1], device=tokens.device))  # x0 [B,T,C]
        for block in self.blocks:
            x = block(x)
        if self.final is not None:
            x = self.final(x)
        logits = self.head(x)  # [B,T,V]
        return F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), targets.reshape(-1))


def learning_rate(config, step):
    """engine.ts: linear warm-up from lr/warmup to lr over "warmup" steps, then constant."""
    warmup = config["warmup"]
    return config["lr"] * min(1.0, (step + 1) / warmup) if warmup > 0 else config["lr"]


# ---- Training: one process, or torchrun --nproc_per_node=N (DDP) ----------------------------------------

def parse(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    for flag, key in (("--steps", "steps"), ("--width", "dModel"), ("--heads", "heads"), ("--seq", "seq"),
                      ("--batch", "batch"), ("--warmup", "warmup"), ("--seed", "seed"), ("--every", "recordEvery")):
        parser.add_argument(flag, type=int, default=CONFIG[key], help="default %(default)s")
    parser.add_argument("--lr", type=float, default=CONFIG["lr"], help="default %(default)s")
    parser.add_argument("--out", default=None, help="run file (default runs/<placement>-L<L>-d<d>-s<seed>.normscope.jsonl)")
    parser.add_argument("--device", default="auto", help="auto (cuda when present), cpu, cuda")
    parser.add_argument("--amp", choices=("off", "bf16", "fp16"), default="off", help="autocast dtype (default off)")
    args = parser.parse_args(argv)
    config = dict(CONFIG, steps=args.steps, dModel=args.width, heads=args.heads, seq=args.seq, batch=args.batch,
                  warmup=args.warmup, seed=args.seed, recordEvery=args.every, lr=args.lr)
    if config["dModel"] % config["heads"] != 0:
        parser.error("--heads %d must divide --width %d" % (config["heads"], config["dModel"]))
    return args, config


def build(config, device):
    generator = torch.Generator().manual_seed(config["seed"])
    model = ProbeModel(config)
    model.initialise(generator)
    return model.to(device)


def main(argv=None):
    args, config = parse(argv)
    distributed = "RANK" in os.environ and "WORLD_SIZE" in os.environ
    cuda = torch.cuda.is_available() if args.device == "auto" else args.device == "cuda"
    if distributed:
        dist.init_process_group("nccl" if cuda else "gloo")
    rank = dist.get_rank() if distributed else 0
    world = dist.get_world_size() if distributed else 1
    local_rank = int(os.environ.get("LOCAL_RANK", 0))
    device = torch.device("cuda", local_rank) if cuda else torch.device("cpu")
    if cuda:
        torch.cuda.set_device(device)
    if config["batch"] % world != 0:
        sys.exit("probe: the global batch %d must divide among %d ranks" % (config["batch"], world))
    task = MarkovTask(config["vocab"], config["seed"])
    batches = Random(derive_seed(config["seed"], 3))
    model = build(config, device)
    trained = nn.parallel.DistributedDataParallel(model, device_ids=[local_rank] if cuda else None) if distributed else model
    optimizer = torch.optim.Adam(model.parameters(), lr=config["lr"], betas=ADAM["betas"], eps=ADAM["eps"])
    out = args.out or os.path.join("runs", "%s-L%d-d%d-s%d.normscope.jsonl" % (config["placement"], config["layers"], config["dModel"], config["seed"]))
    alpha = BLOCKS[0]["attn"]["alpha"] if BLOCKS else 1.0
    amp = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(args.amp)
    scaler = torch.cuda.amp.GradScaler() if args.amp == "fp16" and cuda else None
    monitor = Monitor(trained, out=out, every=config["recordEvery"], optimizer=optimizer, name=os.path.basename(out).split(".")[0],
                      placement=config["placement"], norm=config["norm"], heads=config["heads"], residual_scale=alpha,
                      grad_params={"attnOut": "attn.wo.weight", "mlpOut": "mlp.w2.weight"}, config=config,
                      source="probe-export", last_step=config["steps"])
    if rank == 0:
        print("probe: %s, L=%d d=%d heads=%d, global batch %d x %d on %d %s rank(s); optimal loss %.4f; writing %s"
              % (config["placement"], config["layers"], config["dModel"], config["heads"], config["batch"], config["seq"],
                 world, device.type, task.optimal_loss, out), flush=True)
    with monitor:
        for step in range(config["steps"] + 1):
            tokens, targets = task.batch(batches, config["batch"], config["seq"])
            tokens, targets = tokens[rank::world].to(device), targets[rank::world].to(device)
            for group in optimizer.param_groups:
                group["lr"] = learning_rate(config, step)
            optimizer.zero_grad(set_to_none=True)
            with torch.autocast(device.type, dtype=amp, enabled=amp is not None):
                loss = trained(tokens, targets)
            (scaler.scale(loss) if scaler else loss).backward()
            if scaler:
                scaler.unscale_(optimizer)
            line = monitor.step(step, loss)
            # The recorded loss is reduced across ranks, so every rank stops at the same step.
            if line is not None and line["loss"] is None:
                if rank == 0:
                    print("probe: diverged at step %d (the loss is not finite)" % step, flush=True)
                break
            if step < config["steps"]:
                if scaler:
                    scaler.step(optimizer)
                    scaler.update()
                else:
                    optimizer.step()
            if rank == 0 and line is not None:
                print("step %d  loss %.4f" % (step, line["loss"]), flush=True)
    if distributed:
        dist.barrier()
    return out


if __name__ == "__main__":
    main()
`;
