"""Runs exported probe scripts in-process for the export test (test/monitor/export.test.ts): for each
script, the init residualNorm and sumNorm over several seeds (each a 0-step run through its own main() and the
monitor), one 3-step run, and the first batch of the task, all printed as one JSON document.

    python export_check.py SPEC.json   (SPEC: {"dir": D, "scripts": {label: file}, "seeds": [..]})
    python export_check.py --same-weights SPEC.json   (see same_weights)
"""

import contextlib
import importlib.util
import io
import json
import os
import sys


def load(path, label):
    spec = importlib.util.spec_from_file_location("exported_" + label.replace("-", "_"), path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def lines(path):
    with open(path) as handle:
        return [json.loads(line) for line in handle.read().splitlines()]


def main():
    with open(sys.argv[1]) as handle:
        spec = json.load(handle)
    directory = spec["dir"]
    result = {}
    for label, file_name in spec["scripts"].items():
        module = load(os.path.join(directory, file_name), label)
        init, sums = [], []
        with contextlib.redirect_stdout(io.StringIO()):
            for seed in spec["seeds"]:
                out = os.path.join(directory, "%s-s%d.normscope.jsonl" % (label, seed))
                module.main(["--steps", "0", "--seed", str(seed), "--out", out, "--device", "cpu"])
                init.append(lines(out)[1]["residualNorm"])
                sums.append(lines(out)[1]["sumNorm"])
            out = os.path.join(directory, "%s-3steps.normscope.jsonl" % label)
            module.main(["--steps", "3", "--every", "1", "--out", out, "--device", "cpu"])
        task = module.MarkovTask(module.CONFIG["vocab"], module.CONFIG["seed"])
        tokens, targets = task.batch(module.Random(module.derive_seed(module.CONFIG["seed"], 3)), 2, module.CONFIG["seq"])
        result[label] = {"init": init, "sums": sums, "run": lines(out), "tokens": tokens.reshape(-1).tolist(),
                         "targets": targets.reshape(-1).tolist(), "optimalLoss": task.optimal_loss}
    json.dump(result, sys.stdout)


def same_weights(spec_path):
    """Each exported model with the TS probe's own initial weights (SPEC: {"cases": [{"label", "script",
    "weights": {name: [rows, cols, flat]}}]}): one forward/backward through the monitor; the lines printed."""
    import tempfile
    import torch
    with open(spec_path) as handle:
        spec = json.load(handle)
    result = {}
    for case in spec["cases"]:
        module = load(case["script"], "weights_" + case["label"])
        config = module.CONFIG
        model = module.build(config, torch.device("cpu"))
        matrices = {name: torch.tensor(flat, dtype=torch.float32).reshape(rows, cols) for name, (rows, cols, flat) in case["weights"].items()}
        with torch.no_grad():
            model.wte.weight.copy_(matrices["wte"])
            model.wpe.weight.copy_(matrices["wpe"])
            model.head.weight.copy_(matrices["head"].t())  # TS stores x·W ([in, out]); torch Linear is [out, in]
            for index, block in enumerate(model.blocks):
                for name, target in (("wqkv", block.attn.wqkv), ("wo", block.attn.wo), ("w1", block.mlp.w1), ("w2", block.mlp.w2)):
                    target.weight.copy_(matrices["block%d.%s" % (index + 1, name)].t())
        task = module.MarkovTask(config["vocab"], config["seed"])
        tokens, targets = task.batch(module.Random(module.derive_seed(config["seed"], 3)), config["batch"], config["seq"])
        with tempfile.TemporaryDirectory() as directory:
            alpha = module.BLOCKS[0]["attn"]["alpha"]
            with module.Monitor(model, out=os.path.join(directory, "w.normscope.jsonl"), every=1, residual_scale=alpha,
                                grad_params={"attnOut": "attn.wo.weight", "mlpOut": "mlp.w2.weight"}) as monitor:
                loss = model(tokens, targets)
                loss.backward()
                result[case["label"]] = monitor.step(0, loss)
    json.dump(result, sys.stdout)


if __name__ == "__main__" and len(sys.argv) > 2 and sys.argv[1] == "--same-weights":
    same_weights(sys.argv[2])
    sys.exit(0)


if __name__ == "__main__":
    main()
