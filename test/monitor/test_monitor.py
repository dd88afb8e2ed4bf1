"""The monitor on a small nanoGPT-style model on CPU: every recorded metric equals the same quantity
computed directly from the model's tensors (DESIGN.md's definitions written out again here)."""

import json
import math
import os
import sys
import tempfile
import unittest
import warnings

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "src", "python"))
sys.path.insert(0, HERE)

from normscope_monitor import Monitor, find_blocks, find_grad_params  # noqa: E402
from tinygpt import GPT  # noqa: E402

VOCAB, SEQ, WIDTH, LAYERS = 64, 16, 32, 4


def batch(seed, size=6):
    generator = torch.Generator().manual_seed(seed)
    idx = torch.randint(0, VOCAB, (size, SEQ), generator=generator)
    return idx, torch.roll(idx, -1, dims=1)


def rms(x):
    return (x.norm(dim=-1) / math.sqrt(x.shape[-1])).mean().item()


def direct_metrics(model, idx, post=False):
    """DESIGN.md's activation metrics from the tensors, block by block, without hooks."""
    with torch.no_grad():
        x = model.embed(idx)
        rows = {"residualNorm": [rms(x)], "sumNorm": [None], "contribution": [], "cosine": []}
        for block in model.transformer.h:
            if post:
                a = block.ln_1(x + block.attn(x))
                s = a + block.mlp(a)
                out = block.ln_2(s)
                rows["sumNorm"].append(rms(s))
            else:
                out = block(x)
                out = out[0] if isinstance(out, tuple) else out
                s = out
                rows["sumNorm"].append(None)
            rows["residualNorm"].append(rms(out))
            rows["contribution"].append(((s - x).norm(dim=-1) / s.norm(dim=-1)).mean().item())
            rows["cosine"].append(F.cosine_similarity(x, out, dim=-1).mean().item())
            x = out
    return rows


def grad_norms(model):
    attn = [b.attn.c_proj.weight.grad.norm().item() for b in model.transformer.h]
    mlp = [b.mlp.c_proj.weight.grad.norm().item() for b in model.transformer.h]
    return attn, mlp, [math.hypot(a, m) for a, m in zip(attn, mlp)]


def read_lines(path):
    with open(path) as handle:
        text = handle.read()
    assert text.endswith("\n"), "every line ends with a newline"
    return [json.loads(line) for line in text.splitlines()]


class MonitorTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.out = os.path.join(self.dir.name, "runs", "tiny.normscope.jsonl")

    def tearDown(self):
        self.dir.cleanup()

    def assertRowsClose(self, got, want, tolerance=1e-5, label=""):
        self.assertEqual(len(got), len(want), label)
        for index, (a, b) in enumerate(zip(got, want)):
            if b is None:
                self.assertIsNone(a, "%s[%d]" % (label, index))
            else:
                self.assertAlmostEqual(a, b, delta=tolerance * max(1.0, abs(b)), msg="%s[%d]" % (label, index))

    def train(self, post=False, tuple_out=False, steps=3, every=1):
        torch.manual_seed(0)
        model = GPT(VOCAB, SEQ, WIDTH, 4, LAYERS, post=post, tuple_out=tuple_out)
        optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
        checks = []
        with Monitor(model, out=self.out, every=every, optimizer=optimizer) as mon:
            for step in range(steps):
                idx, targets = batch(step)
                optimizer.zero_grad()
                loss = model(idx, targets)
                loss.backward()
                line = mon.step(step, loss)
                if line is not None:
                    checks.append((line, direct_metrics(model, idx, post), grad_norms(model), loss.item()))
                optimizer.step()
        return model, checks

    def check_against_direct(self, checks):
        self.assertGreater(len(checks), 0)
        for line, want, (attn, mlp, total), loss in checks:
            for key in ("residualNorm", "sumNorm", "contribution", "cosine"):
                self.assertRowsClose(line[key], want[key], label=key)
            self.assertRowsClose(line["gradNormAttnOut"], attn, label="gradNormAttnOut")
            self.assertRowsClose(line["gradNormMlpOut"], mlp, label="gradNormMlpOut")
            self.assertRowsClose(line["gradNorm"], total, label="gradNorm")
            self.assertAlmostEqual(line["loss"], loss, places=5)
            self.assertEqual(line["lr"], 3e-3)

    def test_pre_ln_metrics_equal_direct_computation(self):
        _, checks = self.train()
        self.check_against_direct(checks)
        lines = read_lines(self.out)
        header = lines[0]
        self.assertEqual(header["format"], "normscope-run")
        self.assertEqual(header["version"], 1)
        run = header["run"]
        self.assertEqual((run["blockClass"], run["layers"], run["dModel"], run["worldSize"], run["every"]), ("Block", LAYERS, WIDTH, 1, 1))
        self.assertEqual(run["gradParams"], {"attnOut": "attn.c_proj.weight", "mlpOut": "mlp.c_proj.weight"})
        self.assertEqual(run["name"], "tiny")
        self.assertEqual([line["step"] for line in lines[1:-1]], [0, 1, 2])
        self.assertEqual(lines[-1], {"event": "close", "step": 2})
        self.assertEqual(len(lines[1]["residualNorm"]), LAYERS + 1)
        self.assertEqual(len(lines[1]["cosine"]), LAYERS)

    def test_post_ln_tuple_blocks_record_the_sum_before_the_norm(self):
        _, checks = self.train(post=True, tuple_out=True)
        self.check_against_direct(checks)
        line = checks[0][0]
        self.assertTrue(all(value is not None for value in line["sumNorm"][1:]))
        # After the norm the stream is √d by construction: residualNorm ≈ 1 (LayerNorm, gain 1).
        self.assertAlmostEqual(line["residualNorm"][2], 1.0, delta=1e-3)

    def test_records_every_n_steps_and_keeps_nothing_between(self):
        torch.manual_seed(0)
        model = GPT(VOCAB, SEQ, WIDTH, 4, LAYERS)
        with Monitor(model, out=self.out, every=5) as mon:
            for step in range(12):
                idx, targets = batch(step)
                model.zero_grad()
                model(idx, targets).backward()
                if step % 5 != 0:
                    self.assertIsNone(mon._stats, "a step that is not recorded measures nothing")
                mon.step(step, 0.0, lr=1.0)
                self.assertIsNone(mon._stats)
                self.assertEqual(mon._pending, {})
        self.assertEqual([line.get("step") for line in read_lines(self.out)[1:]], [0, 5, 10, 11])

    def test_close_removes_every_hook(self):
        model = GPT(VOCAB, SEQ, WIDTH, 4, LAYERS)
        mon = Monitor(model, out=self.out)
        hooked = [m for m in model.modules() if m._forward_hooks]
        self.assertEqual(len(hooked), LAYERS * 3)  # each block and its two norms
        mon.close()
        self.assertEqual([m for m in model.modules() if m._forward_hooks or m._forward_pre_hooks], [])
        self.assertFalse(os.path.exists(self.out), "nothing recorded, nothing written")

    def test_gradient_accumulation_sums_micro_batches(self):
        torch.manual_seed(0)
        model = GPT(VOCAB, SEQ, WIDTH, 4, LAYERS)
        idx, targets = batch(7, size=8)
        with Monitor(model, out=self.out) as mon:
            for half in (slice(0, 4), slice(4, 8)):
                (model(idx[half], targets[half]) / 2).backward()
            line = mon.step(0, 0.0)
        want = direct_metrics(model, idx)
        for key in ("residualNorm", "contribution", "cosine"):
            self.assertRowsClose(line[key], want[key], label=key)
        model.zero_grad()
        model(idx, targets).backward()
        self.assertRowsClose(line["gradNorm"], grad_norms(model)[2], tolerance=1e-4, label="gradNorm")

    def test_bf16_autocast_is_measured_in_float32(self):
        torch.manual_seed(0)
        model = GPT(VOCAB, SEQ, WIDTH, 4, LAYERS)
        idx, targets = batch(3)
        with Monitor(model, out=self.out) as mon:
            with torch.autocast("cpu", dtype=torch.bfloat16):
                loss = model(idx, targets)
            loss.backward()
            line = mon.step(0, loss)
        want = direct_metrics(model, idx)
        # bf16 has an 8-bit mantissa: the activations themselves differ by ~1e-2 from float32.
        self.assertRowsClose(line["residualNorm"], want["residualNorm"], tolerance=3e-2, label="residualNorm")
        self.assertNotIn("nonFinite", line)

    def test_grad_params_found_by_shape_and_position_when_names_differ(self):
        class Odd(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.q, self.k, self.v = (torch.nn.Linear(8, 8) for _ in range(3))
                self.mix = torch.nn.Linear(8, 8)
                self.up = torch.nn.Linear(8, 32)
                self.back = torch.nn.Linear(32, 8)

        found = find_grad_params(Odd(), 8)
        self.assertEqual((found["attnOut"][0], found["mlpOut"][0]), ("mix.weight", "back.weight"))
        layer = torch.nn.TransformerEncoderLayer(16, 2, 64)
        found = find_grad_params(layer, 16)
        self.assertEqual((found["attnOut"][0], found["mlpOut"][0]), ("self_attn.out_proj.weight", "linear2.weight"))
        given = find_grad_params(Odd(), 8, {"attnOut": "v.weight"})
        self.assertEqual(given["attnOut"][0], "v.weight")
        with self.assertRaisesRegex(ValueError, "no matrix 'nope.weight'"):
            find_grad_params(Odd(), 8, {"mlpOut": "nope.weight"})

    def test_blocks_found_by_container_or_class_name(self):
        model = GPT(VOCAB, SEQ, WIDTH, 4, LAYERS)
        self.assertEqual(find_blocks(model), list(model.transformer.h))
        self.assertEqual(find_blocks(model, "Block"), list(model.transformer.h))
        with self.assertRaisesRegex(ValueError, "no module of class 'Layer'"):
            find_blocks(model, "Layer")
        with self.assertRaisesRegex(ValueError, "block_class"):
            find_blocks(torch.nn.Linear(3, 3))

    def test_compiled_models_are_refused_with_the_way_out(self):
        model = GPT(VOCAB, SEQ, WIDTH, 4, LAYERS)
        if hasattr(torch, "compile"):
            compiled = torch.compile(model)
        else:
            compiled = type("OptimizedModule", (torch.nn.Module,), {})()
            compiled._orig_mod = model
        with self.assertRaisesRegex(TypeError, r"torch.compile'd.*_orig_mod"):
            Monitor(compiled, out=self.out)

    def test_non_finite_values_are_null_and_named(self):
        torch.manual_seed(0)
        model = GPT(VOCAB, SEQ, WIDTH, 4, LAYERS)
        with torch.no_grad():
            model.transformer.h[2].mlp.c_proj.weight[0, 0] = float("inf")
        idx, targets = batch(1)
        with warnings.catch_warnings(), Monitor(model, out=self.out) as mon:
            loss = model(idx, targets)
            loss.backward()
            line = mon.step(0, loss)
        self.assertIsNone(line["residualNorm"][3])
        self.assertIn("residualNorm[3]", line["nonFinite"])
        json.dumps(line, allow_nan=False)


if __name__ == "__main__":
    unittest.main()
