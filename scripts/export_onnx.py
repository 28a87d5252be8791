#!/usr/bin/env python3
"""Export one TRM refinement pass to ONNX, for the onnxruntime-web comparison of bench_wasm.sh.

The network is scripts/reference_trm.py's (the independent PyTorch reference, TRM §2-3): one pass =
n latent updates z_L <- net(z_L, z_H + x), one answer update z_H <- net(z_H, z_L), then the LM and
Q heads, i.e. exactly what one trm_solver_pass() computes. Weights are baked in as initializers.

    /usr/bin/python3 scripts/export_onnx.py onnx MODEL.safetensors OUT_DIR [--opset 17]

writes OUT_DIR/pass.onnx with inputs z_H, z_L, x [1, S, D] and outputs z_H_out, z_L_out [1, S, D],
logits [1, seq_len, V], q [1, 2], plus OUT_DIR/sample.json + sample_*.f32 (one random input and
PyTorch's outputs) so the benchmark can check that onnxruntime computes the same network.
"""

import argparse
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference_trm as ref  # noqa: E402


class Pass(torch.nn.Module):
    def __init__(self, c, params):
        super().__init__()
        self.c = c
        self.p = {k: v.float() for k, v in params.items()}
        self.rope = ref.rope_tables(c, torch.float32)

    def forward(self, zH, zL, x):
        zH, zL = ref.recursion(self.c, self.p, zH, zL, x, self.rope)
        logits, q = ref.heads(self.c, self.p, zH)
        return zH, zL, logits, q


def load(path):
    tensors, meta = ref.read_safetensors(path)
    cfg = json.loads(meta["config"])
    keys = {k: cfg[k] for k in ref.CONFIG_KEYS if k in cfg}
    keys.setdefault("seq_len", cfg["grid_height"] * cfg["grid_width"])
    keys["mlp_t"] = bool(keys.get("mlp_t", False))
    c = ref.make_cfg(**keys)
    params = {name: tensors[name] for name, _, _ in ref.param_shapes(c)}
    return c, params


def cmd_onnx(args):
    torch.set_num_threads(1)
    c, params = load(args.model)
    net = Pass(c, params).eval()
    g = torch.Generator().manual_seed(0)
    shape = (1, c.S, c.D)
    zH, zL, x = (torch.randn(shape, generator=g) for _ in range(3))
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "pass.onnx")
    with torch.no_grad():
        outs = net(zH, zL, x)
        torch.onnx.export(net, (zH, zL, x), path, opset_version=args.opset,
                          input_names=["z_H", "z_L", "x"],
                          output_names=["z_H_out", "z_L_out", "logits", "q"])
    sample = {"S": c.S, "D": c.D, "seq_len": c.L, "V": c.V, "inputs": {}, "outputs": {}}
    for group, names, tensors in (("inputs", ["z_H", "z_L", "x"], (zH, zL, x)),
                                  ("outputs", ["z_H_out", "z_L_out", "logits", "q"], outs)):
        for name, t in zip(names, tensors):
            f = f"sample_{name}.f32"
            t.contiguous().numpy().astype("<f4").tofile(os.path.join(args.out, f))
            sample[group][name] = {"file": f, "shape": list(t.shape)}
    with open(os.path.join(args.out, "sample.json"), "w") as f:
        json.dump(sample, f, indent=1)
    print(f"export_onnx: {path} ({os.path.getsize(path)} bytes), S {c.S}, D {c.D}, opset {args.opset}")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    o = sub.add_parser("onnx", help="export one refinement pass of a model file to ONNX")
    o.add_argument("model", help="model file (.safetensors, trm.c format)")
    o.add_argument("out", help="output directory")
    o.add_argument("--opset", type=int, default=17)
    o.set_defaults(fn=cmd_onnx)
    args = ap.parse_args(argv)
    args.fn(args)


if __name__ == "__main__":
    main()
