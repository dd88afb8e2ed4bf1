"""NormScope training monitor: records the residual-stream metrics of NormScope's DESIGN.md from a real
PyTorch training run into a `.normscope.jsonl` run file (docs/run-format.md) that NormScope opens.

One file, torch only. Use:

    from normscope_monitor import Monitor
    mon = Monitor(model, out="runs/gpt.normscope.jsonl", every=10, optimizer=opt)
    for step, batch in enumerate(loader):
        loss = model(batch); loss.backward()
        mon.step(step, loss)          # after backward(), before optimizer.step()
        opt.step(); opt.zero_grad()
    mon.close()                       # or `with Monitor(...) as mon:`

Per layer and recorded step: residualNorm (row 0 = the first block's input x0, row l = block l's output),
sumNorm (the sum entering a norm that sits on the stream, null elsewhere), contribution, cosine, and the
Frobenius norms of the gradients of W_O and W_2 and their total. Under torchrun (DDP, FSDP) every
statistic is reduced across ranks as sums and counts in one all_reduce per recorded step, and only rank
0 writes. On steps that are not recorded the hooks return at once: no statistic, no collective.
"""

import datetime
import json
import math
import os
import re
import warnings

import torch
import torch.distributed as dist

__all__ = ["Monitor", "find_blocks", "find_grad_params", "FORMAT_VERSION"]

FORMAT_VERSION = 1

# Wrappers that hold the real module in an attribute: DDP/DataParallel, torch.compile, FSDP 1,
# activation checkpointing. Unwrapped wherever a module is looked at.
_WRAPPER_ATTRIBUTES = ("module", "_orig_mod", "_fsdp_wrapped_module", "_fpw_module", "_checkpoint_wrapped_module")
_WRAPPER_CLASSES = ("DistributedDataParallel", "DataParallel", "OptimizedModule", "FullyShardedDataParallel",
                    "FlattenParamsWrapper", "CheckpointWrapper")
# Name fragments added by those wrappers, removed from the parameter names written to the header.
_WRAPPER_NAME = re.compile(r"(^|\.)(_fsdp_wrapped_module|_fpw_module|_checkpoint_wrapped_module|_orig_mod|module)(?=\.|$)")

# Parameter-name patterns, tried in order, for the attention out-projection W_O and the MLP's second
# matrix W_2 (GPT-2/nanoGPT, LLaMA/Mistral/Qwen, NeoX/Falcon/Phi, BERT, T5, fairseq, torch.nn).
_ATTENTION_SCOPE = re.compile(r"(^|\.)(attn|attention|self_attn|self_attention|attn_layer|mha|mixer|sa)(\.|$)", re.I)
_MLP_SCOPE = re.compile(r"(^|\.)(mlp|ffn|ff|feed_forward|feedforward|ffwd|fc|moe|dense_block)(\.|$)", re.I)
_ATTENTION_OUT = re.compile(r"(^|\.)(c_proj|o_proj|out_proj|wo|o|proj|dense|out|output\.dense|to_out(\.0)?)\.weight$", re.I)
_MLP_OUT = re.compile(r"(^|\.)(c_proj|down_proj|w2|fc2|proj|dense_4h_to_h|wo|out_proj|linear2|output\.dense|net\.2|2)\.weight$", re.I)
_TORCH_ATTENTION_OUT = re.compile(r"(^|\.)(self_attn\.out_proj)\.weight$")
_TORCH_MLP_OUT = re.compile(r"(^|\.)linear2\.weight$")


def _unwrap(module):
    """The module a wrapper (DDP, compile, FSDP, checkpointing) holds; the module itself otherwise."""
    seen = 0
    while type(module).__name__ in _WRAPPER_CLASSES and seen < 8:
        inner = None
        for attribute in _WRAPPER_ATTRIBUTES:
            inner = getattr(module, attribute, None)
            if isinstance(inner, torch.nn.Module):
                break
            inner = None
        if inner is None:
            break
        module, seen = inner, seen + 1
    return module


def _class_name(module):
    # FSDP 2 (fully_shard) swaps a module's class for a subclass named "FSDP" + the original name.
    name = type(module).__name__
    return name[4:] if name.startswith("FSDP") and len(name) > 4 and name != "FullyShardedDataParallel" else name


def _is_compiled(model):
    return type(model).__name__ == "OptimizedModule" or hasattr(model, "_orig_mod")


def find_blocks(model, block_class=None):
    """The transformer blocks in forward order: the modules of class `block_class` (the name NormScope's
    analyzer reports), or else the longest run of same-class children of a ModuleList/Sequential."""
    root = _unwrap(model)
    if block_class is not None:
        blocks = [m for m in root.modules() if type(m).__name__ not in _WRAPPER_CLASSES and _class_name(m) == block_class]
        if not blocks:
            names = sorted({_class_name(m) for m in root.modules()})
            raise ValueError("normscope_monitor: no module of class %r in the model; classes present: %s"
                             % (block_class, ", ".join(names)))
        return blocks
    best = []
    for container in root.modules():
        if not isinstance(container, (torch.nn.ModuleList, torch.nn.Sequential)):
            continue
        children = [_unwrap(child) for child in container.children()]
        if len(children) < 2:
            continue
        names = {_class_name(child) for child in children}
        has_params = any(True for _ in children[0].parameters())
        if len(names) == 1 and has_params and len(children) > len(best):
            best = children
    if not best:
        raise ValueError("normscope_monitor: found no ModuleList/Sequential of two or more blocks of the same "
                         "class; pass block_class='YourBlock' (the class name NormScope's analyzer reports)")
    return best


def _clean_name(name):
    return _WRAPPER_NAME.sub(lambda match: match.group(1) if match.start() > 0 else "", name).lstrip(".")


def _matrices(block):
    """(clean name, parameter) for every matrix of a block, in registration order."""
    out = []
    for name, parameter in block.named_parameters():
        if parameter.dim() == 2:
            out.append((_clean_name(name), parameter))
    return out


def find_grad_params(block, width, names=None):
    """W_O and W_2 of one block as {"attnOut": (name, param) | None, "mlpOut": (name, param) | None}.

    Order of trust: the names the user gave; torch.nn.TransformerEncoderLayer's own names; a name
    pattern inside an attention / MLP submodule (c_proj, o_proj, out_proj, wo, down_proj, w2, fc2, …);
    then shape and position: W_2 is the last matrix with `width` on one side and more on the other,
    W_O the last width×width matrix registered before it."""
    matrices = _matrices(block)
    by_name = dict(matrices)
    found = {"attnOut": None, "mlpOut": None}
    if names:
        for key in ("attnOut", "mlpOut"):
            if names.get(key):
                if names[key] not in by_name:
                    raise ValueError("normscope_monitor: no matrix %r in block %s; its matrices: %s"
                                     % (names[key], _class_name(block), ", ".join(by_name)))
                found[key] = (names[key], by_name[names[key]])
    for key, torch_pattern, scope, pattern in (("attnOut", _TORCH_ATTENTION_OUT, _ATTENTION_SCOPE, _ATTENTION_OUT),
                                               ("mlpOut", _TORCH_MLP_OUT, _MLP_SCOPE, _MLP_OUT)):
        if found[key] is not None:
            continue
        for name, parameter in reversed(matrices):
            if torch_pattern.search(name):
                found[key] = (name, parameter)
                break
        if found[key] is not None:
            continue
        for name, parameter in reversed(matrices):
            if scope.search(name.rsplit(".", 2)[0] + ".") and pattern.search(name):
                found[key] = (name, parameter)
                break
    if found["mlpOut"] is None and width:
        for name, parameter in reversed(matrices):
            rows, columns = parameter.shape
            if (rows == width and columns > width) or (columns == width and rows > width):
                found["mlpOut"] = (name, parameter)
                break
    if found["attnOut"] is None and width:
        limit = len(matrices)
        if found["mlpOut"] is not None:
            limit = [name for name, _ in matrices].index(found["mlpOut"][0])
        for name, parameter in reversed(matrices[:limit]):
            if tuple(parameter.shape) == (width, width):
                found["attnOut"] = (name, parameter)
                break
    return found


def _first_tensor(values):
    for value in values:
        if torch.is_tensor(value) and value.is_floating_point():
            return value
    return None


def _block_output(output, like):
    """The residual stream a block returns: the tensor itself, or the first tensor of a tuple/list/dict
    output with the input's shape (HF blocks return (hidden_states, attention, cache))."""
    if torch.is_tensor(output):
        return output
    values = output.values() if isinstance(output, dict) else output if isinstance(output, (tuple, list)) else ()
    for value in values:
        if torch.is_tensor(value) and (like is None or value.shape == like.shape):
            return value
    return None


def _is_norm(module):
    name = type(module).__name__.lower()
    return isinstance(module, torch.nn.LayerNorm) or name.endswith("norm") or "layernorm" in name or "rmsnorm" in name


# One row of sums per block and recorded step (float64, on the activations' device):
_RESIDUAL, _CONTRIBUTION, _COSINE, _SUM, _SUM_COUNT, _INPUT, _TOKENS = range(7)
_STATS = 7


class Monitor:
    """Records DESIGN.md's per-layer metrics of a training run into a NormScope run file (JSON lines)."""

    def __init__(self, model, out, every=10, block_class=None, optimizer=None, name=None, model_file=None,
                 placement=None, norm=None, heads=None, residual_scale=1.0, grad_params=None, config=None,
                 source="monitor", last_step=None, sharded_grads=None):
        if _is_compiled(model):
            raise TypeError(
                "normscope_monitor: this model is torch.compile'd; forward hooks cannot record from inside a "
                "compiled graph. Give the Monitor the eager module (model._orig_mod, which shares the weights) "
                "and run the recorded steps through it: `mon = Monitor(model._orig_mod, ...)`, then "
                "`out = (model._orig_mod if mon.recording else model)(x)`.")
        if int(every) < 1:
            raise ValueError("normscope_monitor: every must be an integer >= 1, got %r" % (every,))
        self.model = model
        self.out = str(out)
        self.every = int(every)
        self.last_step = None if last_step is None else int(last_step)
        self.optimizer = optimizer
        self.residual_scale = float(residual_scale)
        self.blocks = find_blocks(model, block_class)
        self.block_class = _class_name(self.blocks[0])
        self._grad_names = grad_params
        self._meta = {"name": name, "model": model_file, "placement": placement, "norm": norm, "heads": heads,
                      "config": config, "source": source}
        self._check_fsdp(model)
        if sharded_grads is not None:
            self._sharded = bool(sharded_grads)
        self.rank = dist.get_rank() if dist.is_available() and dist.is_initialized() else 0
        self.world_size = dist.get_world_size() if dist.is_available() and dist.is_initialized() else 1
        self.width = None
        self.grad_params = None
        self._stats = None          # [L, _STATS] float64 sums of the current step, or None
        self._next_step = None      # the step the next forward belongs to (None: not known yet: record)
        self._pending = {}          # block index -> (norm input, norm output) of the block's last norm
        self._handles = []
        self._file = None
        self._last_step = None
        self._warned = set()
        for index, block in enumerate(self.blocks):
            self._handles.append(block.register_forward_hook(self._make_block_hook(index)))
            for module in block.modules():
                if module is not block and _is_norm(module):
                    self._handles.append(module.register_forward_hook(self._make_norm_hook(index)))

    # -- public ---------------------------------------------------------------------------------------

    @property
    def recording(self):
        """True when the next forward pass belongs to a step that will be recorded."""
        return self._next_step is None or self._will_record(self._next_step)

    def _will_record(self, step):
        return step % self.every == 0 or step == self.last_step

    def step(self, step, loss=None, lr=None):
        """Records step `step` if step % every == 0 (or it is last_step). Call after backward(), before optimizer.step():
        activations come from the forward passes since the last call, gradients from .grad now."""
        step = int(step)
        stats, self._stats = self._stats, None
        self._pending.clear()
        self._next_step = step + 1
        self._last_step = step
        if not self._will_record(step):
            return None
        if stats is None:
            self._warn_once("no-forward", "normscope_monitor: step %d has no forward pass of the blocks since the "
                            "last step() (call step() once per optimizer step, after backward())" % step)
            return None
        record = self._reduce(stats, loss)
        line = self._line(step, record, lr)
        if self.rank == 0:
            self._write(line)
        return line

    def close(self):
        """Removes every hook and ends the run file with a close event (rank 0)."""
        for handle in self._handles:
            handle.remove()
        self._handles = []
        self._stats = None
        self._pending.clear()
        if self._file is not None:
            self._write_json({"event": "close", "step": self._last_step})
            self._file.close()
            self._file = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    # -- hooks ----------------------------------------------------------------------------------------

    def _capturing(self):
        return self.recording and torch.is_grad_enabled() and len(self._handles) > 0

    def _make_norm_hook(self, index):
        def hook(module, args, output):
            if self._capturing():
                self._pending[index] = (_first_tensor(args), output)
        return hook

    def _make_block_hook(self, index):
        def hook(module, args, output):
            if not self._capturing():
                return
            pending = self._pending.pop(index, None)
            x_in = _first_tensor(args)
            x_out = _block_output(output, x_in)
            if x_in is None or x_out is None or x_in.shape != x_out.shape:
                self._warn_once("shape", "normscope_monitor: block %s does not map a tensor to a tensor of the "
                                "same shape; it is not measured" % self.block_class)
                return
            with torch.no_grad():
                self._measure(index, x_in, x_out, pending)
        return hook

    def _measure(self, index, x_in, x_out, pending):
        width = x_in.shape[-1]
        if self.width is None:
            self.width = width
        if self._stats is None:
            self._stats = torch.zeros(len(self.blocks), _STATS, dtype=torch.float64, device=x_in.device)
        # Statistics in float32 whatever the autocast dtype, summed over tokens in float64.
        prev = x_in.detach().reshape(-1, width).float()
        cur = x_out.detach().reshape(-1, width).float()
        root_width = math.sqrt(width)
        prev_norm = prev.norm(dim=1)
        cur_norm = cur.norm(dim=1)
        row = self._stats[index]
        if index == 0:
            row[_INPUT] += (prev_norm / root_width).double().sum()
        row[_RESIDUAL] += (cur_norm / root_width).double().sum()
        row[_COSINE] += ((prev * cur).sum(dim=1) / (prev_norm * cur_norm)).double().sum()
        row[_TOKENS] += prev.shape[0]
        # A norm on the stream: the block's output is its last norm's output. What the block wrote is
        # measured on the sum before that norm (DESIGN.md, contribution for Post-LN).
        written = cur
        if pending is not None and pending[1] is x_out and pending[0] is not None and pending[0].shape == x_out.shape:
            written = pending[0].detach().reshape(-1, width).float()
            row[_SUM] += (written.norm(dim=1) / root_width).double().sum()
            row[_SUM_COUNT] += prev.shape[0]
        delta = written - self.residual_scale * prev
        row[_CONTRIBUTION] += (delta.norm(dim=1) / written.norm(dim=1)).double().sum()

    # -- reduction and writing -------------------------------------------------------------------------

    def _check_fsdp(self, model):
        self._sharded = False
        for module in model.modules():
            if type(module).__name__ == "FullyShardedDataParallel":
                strategy = getattr(module, "sharding_strategy", None)
                self._sharded = self._sharded or str(strategy).split(".")[-1] != "NO_SHARD"
                if not getattr(module, "_use_orig_params", True):
                    raise ValueError("normscope_monitor: FSDP without use_orig_params=True flattens the block "
                                     "parameters, so W_O and W_2 cannot be found; wrap with use_orig_params=True")
        for parameter in model.parameters():
            placements = getattr(parameter, "placements", None)
            if placements is not None and any(type(p).__name__ == "Shard" for p in placements):
                self._sharded = True

    def _resolve_grad_params(self):
        if self.grad_params is not None:
            return
        self.grad_params = [find_grad_params(block, self.width, self._grad_names) for block in self.blocks]
        first = self.grad_params[0]
        for key, label in (("attnOut", "W_O (attention out-projection)"), ("mlpOut", "W_2 (MLP second matrix)")):
            if first[key] is None:
                self._warn_once("grad-" + key, "normscope_monitor: found no %s in %s; its gradient norms are null "
                                "(pass grad_params={'%s': 'name.weight'})" % (label, self.block_class, key))

    def _grad_squares(self, found):
        """Sum of squares of a parameter's local gradient (a shard under FSDP), float64 on its device."""
        if found is None:
            return None
        grad = found[1].grad
        if grad is None:
            return None
        local = grad.to_local() if hasattr(grad, "to_local") else grad
        return local.detach().float().pow(2).sum().double()

    def _reduce(self, stats, loss):
        """One all_reduce of every sum (activations, tokens, loss, sharded gradient squares); returns
        the global sums. Replicated (DDP) gradients are counted once, from rank 0."""
        self._resolve_grad_params()
        device = stats.device
        layers = len(self.blocks)
        grads = torch.zeros(layers, 2, dtype=torch.float64, device=device)
        present = torch.zeros(layers, 2, dtype=torch.float64, device=device)
        contribute_grads = self._sharded or self.rank == 0
        for index, found in enumerate(self.grad_params):
            for column, key in enumerate(("attnOut", "mlpOut")):
                squares = self._grad_squares(found[key])
                if squares is not None:
                    present[index, column] = 1
                    if contribute_grads:
                        grads[index, column] = squares.to(device)
        tokens = stats[0, _TOKENS]
        loss_sum = torch.zeros(2, dtype=torch.float64, device=device)
        if loss is not None:
            value = loss.detach().double().reshape(-1)[0].to(device) if torch.is_tensor(loss) else torch.tensor(float(loss), dtype=torch.float64, device=device)
            loss_sum[0] = value * tokens
            loss_sum[1] = tokens
        packed = torch.cat([stats.reshape(-1), grads.reshape(-1), present.reshape(-1), loss_sum])
        if self.world_size > 1:
            dist.all_reduce(packed)
        packed = packed.cpu()
        split = layers * _STATS
        return {
            "stats": packed[:split].reshape(layers, _STATS),
            "grads": packed[split:split + 2 * layers].reshape(layers, 2),
            "present": packed[split + 2 * layers:split + 4 * layers].reshape(layers, 2),
            "loss": (packed[-2] / packed[-1]).item() if loss is not None and packed[-1] > 0 else None,
        }

    def _line(self, step, record, lr):
        stats, grads, present = record["stats"], record["grads"], record["present"]
        tokens = stats[:, _TOKENS].clamp(min=1)
        mean = lambda column: (stats[:, column] / tokens).tolist()
        residual = [(stats[0, _INPUT] / tokens[0]).item()] + mean(_RESIDUAL)
        sums = [None] + [(stats[i, _SUM] / stats[i, _SUM_COUNT]).item() if stats[i, _SUM_COUNT] > 0 else None
                         for i in range(len(self.blocks))]
        attn = [math.sqrt(g) if p > 0 else None for g, p in zip(grads[:, 0].tolist(), present[:, 0].tolist())]
        mlp = [math.sqrt(g) if p > 0 else None for g, p in zip(grads[:, 1].tolist(), present[:, 1].tolist())]
        total = [None if a is None and m is None else math.sqrt((a or 0) ** 2 + (m or 0) ** 2) for a, m in zip(attn, mlp)]
        if lr is None and self.optimizer is not None:
            lr = self.optimizer.param_groups[0].get("lr")
        line = {"step": step, "loss": record["loss"], "lr": float(lr) if lr is not None else None,
                "residualNorm": residual, "sumNorm": sums, "contribution": mean(_CONTRIBUTION),
                "cosine": mean(_COSINE), "gradNorm": total, "gradNormAttnOut": attn, "gradNormMlpOut": mlp}
        return _finite(line)

    def _header(self):
        meta = self._meta
        first = self.grad_params[0] if self.grad_params else {"attnOut": None, "mlpOut": None}
        base = os.path.basename(self.out)
        name = meta["name"] or re.sub(r"(\.normscope)?\.jsonl$", "", base)
        run = {"name": name, "started": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
               "source": meta["source"], "model": meta["model"], "blockClass": self.block_class,
               "layers": len(self.blocks), "dModel": self.width, "heads": meta["heads"],
               "placement": meta["placement"], "norm": meta["norm"], "worldSize": self.world_size,
               "every": self.every,
               "gradParams": {key: (first[key][0] if first[key] else None) for key in ("attnOut", "mlpOut")}}
        if meta["config"] is not None:
            run["config"] = meta["config"]
        return {"format": "normscope-run", "version": FORMAT_VERSION, "run": run}

    def _write(self, line):
        if self._file is None:
            directory = os.path.dirname(os.path.abspath(self.out))
            os.makedirs(directory, exist_ok=True)
            # A new Monitor starts a new run: the file is replaced, never shared by two runs.
            self._file = open(self.out, "wb", buffering=0)
            self._write_json(self._header())
        self._write_json(line)

    def _write_json(self, value):
        # Whole lines only: one buffer, written until done, so a reader never sees a line without its
        # newline except the one being written (which it ignores).
        data = (json.dumps(value, allow_nan=False, separators=(",", ":")) + "\n").encode("utf-8")
        view = memoryview(data)
        while view:
            written = self._file.write(view)
            view = view[written:]

    def _warn_once(self, key, message):
        if key not in self._warned and self.rank == 0:
            self._warned.add(key)
            warnings.warn(message, stacklevel=3)


def _finite(line):
    """Non-finite numbers become null and are listed by name (JSON has no NaN)."""
    bad = []
    for key, value in list(line.items()):
        if isinstance(value, float) and not math.isfinite(value):
            line[key] = None
            bad.append(key)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, float) and not math.isfinite(item):
                    value[index] = None
                    bad.append("%s[%d]" % (key, index))
    if bad:
        line["nonFinite"] = bad
    return line
