#!/usr/bin/python3
"""Write the interop fixtures tests/data/official_{attn,mlpt}/ by running the OFFICIAL TRM code.

    /usr/bin/python3 scripts/official_fixture.py SNAPSHOT [--out tests/data] [--check]

SNAPSHOT is SamsungSAILMontreal/TinyRecursiveModels: a checkout, or a bare git directory (its HEAD
is extracted with `git archive` to a temporary directory outside the repository). Its code is
imported from there, never copied. For each case this:

  1. builds a small random official model (TinyRecursiveReasoningModel_ACTV1, forward_dtype
     bfloat16 as in the official configs, so H_init / L_init are bf16) inside the official loss
     head (losses.ACTLossHead) and a stand-in for torch.compile's wrapper (an nn.Module whose only
     child is `_orig_mod`, the attribute name torch.compile's OptimizedModule uses), and saves its
     state_dict with torch.save: `step_0`, keys `_orig_mod.model.inner.<name>`, as pretrain.py
     writes. q_head and puzzle_emb.weights are re-drawn at random (the official inits are zero and
     -5, which would hide the halting logits and the puzzle prefix);
  2. writes the run's all_config.yaml (pretrain.py's layout: yaml.dump of the config) and
     dataset.json (dataset/common.py PuzzleDatasetMetadata);
  3. loads step_0 into the same model class built with forward_dtype float32 (strict=True) and
     runs eval mode (model.eval(), the ACT wrapper called halt_max_steps times from
     initial_carry, no grad) on a fixed batch; saves per supervision step the logits, q_halt,
     q_continue and argmax predictions: outputs.safetensors;
  4. converts step_0 with scripts/convert_official.py to model.safetensors (the file the C test
     test_official loads), converts that back and checks that the official class loads it with
     strict=True and that every tensor (values and dtypes) equals step_0's.

--check writes nothing: it redoes everything in a temporary directory and compares with the
committed files (outputs within 1e-6 relative: a different torch build may sum differently).

Shims for Debian's torch 1.13 (interfaces only, no maths of the model): `pydantic.BaseModel`
(field defaults + keyword arguments), `einops.rearrange` (the one 'B S H D <-> B H S D' swap that
layers.py uses), `torch.nn.Buffer` (a tensor marked as a buffer; Module.__setattr__ registers it
with register_buffer(persistent=...)), `torch.optim.optimizer.ParamsT` (a type alias), `torch.no_grad` as a bare decorator, and
`F.scaled_dot_product_attention` (absent before torch 2.0; given as PyTorch's documented math
definition softmax(q k^T / sqrt(d)) v, non-causal and without mask or dropout, which is what
layers.py Attention calls; its result in the memory layout torch 2 gives, which layers.py's .view
needs). Puzzle ids are passed as int64: torch 1.13 cannot index with the loader's int32.
"""
import argparse
import collections
import json
import math
import os
import struct
import subprocess
import sys
import tempfile
import types

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import convert_official as conv  # noqa: E402

CASES = collections.OrderedDict([
    # attention + RoPE, 6x6 maze, 2 layers, P = 2 given explicitly (ndim = D: row 1 is padding)
    ("attn", dict(seed=7, batch=3, arch=dict(hidden_size=8, num_heads=2, expansion=2, L_layers=2, H_cycles=2,
                                           L_cycles=2, halt_max_steps=4, halt_exploration_prob=0.1,
                                           puzzle_emb_ndim=8, puzzle_emb_len=2, pos_encodings="rope",
                                           mlp_t=False),
                  data=dict(vocab_size=6, seq_len=36, num_puzzle_identifiers=3))),
    # mlp_t + learned positions, 4x5 grid, 1 layer, puzzle_emb_len 0: P = ceil(12 / 8) = 2
    ("mlpt", dict(seed=11, batch=3, arch=dict(hidden_size=8, num_heads=2, expansion=2, L_layers=1, H_cycles=2,
                                            L_cycles=2, halt_max_steps=3, halt_exploration_prob=0.1,
                                            puzzle_emb_ndim=12, puzzle_emb_len=0, pos_encodings="learned",
                                            mlp_t=True),
                  data=dict(vocab_size=6, seq_len=20, num_puzzle_identifiers=3), grid=(4, 5))),
])


# ------------------------------------------------------------------------------------------------
# Shims for torch 1.13 (see the module docstring)
# ------------------------------------------------------------------------------------------------

def install_shims():
    if "pydantic" not in sys.modules:
        try:
            import pydantic  # noqa: F401
        except ImportError:
            pd = types.ModuleType("pydantic")

            class BaseModel:
                def __init__(self, **kw):
                    for klass in reversed(type(self).__mro__):
                        for k in getattr(klass, "__annotations__", {}):
                            if hasattr(klass, k):
                                setattr(self, k, getattr(klass, k))
                    for k, v in kw.items():  # extra keys are ignored by pydantic's default; kept here
                        setattr(self, k, v)
                    missing = [k for k in getattr(type(self), "__annotations__", {}) if not hasattr(self, k)]
                    if missing:
                        raise TypeError(f"missing config fields {missing}")

                def model_dump(self):
                    return dict(self.__dict__)
            pd.BaseModel = BaseModel
            sys.modules["pydantic"] = pd
    try:
        import einops  # noqa: F401
    except ImportError:
        ei = types.ModuleType("einops")

        def rearrange(t, pattern):
            if pattern.replace(" ", "") not in ("BSHD->BHSD", "BHSD->BSHD"):
                raise NotImplementedError(pattern)
            return t.transpose(1, 2)
        ei.rearrange = rearrange
        sys.modules["einops"] = ei
    if not hasattr(nn, "Buffer"):
        class Buffer:
            def __init__(self, data, persistent=True):
                self.data, self.persistent = data, persistent
        nn.Buffer = Buffer
        orig_setattr = nn.Module.__setattr__

        def setattr_(self, name, value):
            if isinstance(value, Buffer):
                self.register_buffer(name, value.data, persistent=value.persistent)
            else:
                orig_setattr(self, name, value)
        nn.Module.__setattr__ = setattr_
    try:  # `@torch.no_grad` without parentheses (sparse_embedding.py) needs torch >= 2.0
        torch.no_grad(lambda: None)
    except TypeError:
        orig_no_grad = torch.no_grad

        class NoGrad(orig_no_grad):
            def __new__(cls, *a):
                return orig_no_grad()(a[0]) if a and callable(a[0]) else super().__new__(cls)

            def __init__(self, *a):
                super().__init__()
        torch.no_grad = NoGrad
    import torch.optim.optimizer as topt
    if not hasattr(topt, "ParamsT"):
        topt.ParamsT = object
    if not hasattr(F, "scaled_dot_product_attention"):
        def sdpa(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False):
            assert attn_mask is None and dropout_p == 0.0 and not is_causal
            scores = query @ key.transpose(-2, -1) / math.sqrt(query.shape[-1])
            out = torch.softmax(scores, dim=-1) @ value
            # torch 2's SDPA kernels return [B, H, S, D] laid out as [B, S, H, D] in memory, which
            # layers.py relies on (.view after rearranging back); same values, that layout
            return out.transpose(1, 2).contiguous().transpose(1, 2)
        F.scaled_dot_product_attention = sdpa


def import_official(snapshot, tmp):
    if os.path.isfile(os.path.join(snapshot, "models", "recursive_reasoning", "trm.py")):
        root = snapshot
    else:
        root = os.path.join(tmp, "official")
        os.makedirs(root)
        arc = subprocess.run(["git", "--git-dir", snapshot, "archive", "HEAD", "models"], check=True,
                             stdout=subprocess.PIPE).stdout
        subprocess.run(["tar", "-x", "-C", root], input=arc, check=True)
    install_shims()
    sys.path.insert(0, root)
    from models.recursive_reasoning import trm  # noqa: E402
    from models import losses  # noqa: E402
    rev = subprocess.run(["git", "--git-dir", snapshot, "rev-parse", "--short", "HEAD"], stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL).stdout.decode().strip() if root != snapshot else "checkout"
    return trm, losses, rev


# ------------------------------------------------------------------------------------------------

def model_cfg(case, dtype):
    # pretrain.py create_model: arch extras + batch_size, vocab_size, seq_len, num_puzzle_identifiers
    d = dict(case["arch"], H_layers=0, forward_dtype=dtype, no_ACT_continue=True, rms_norm_eps=1e-5,
             rope_theta=10000.0, batch_size=case["batch"], causal=False, **case["data"])
    return d


def all_config(case):
    arch = dict(case["arch"], name=conv.OFFICIAL_ARCH, H_layers=0, forward_dtype="bfloat16", no_ACT_continue=True,
                loss=dict(name="losses@ACTLossHead", loss_type="stablemax_cross_entropy"))
    return dict(arch=arch, data_paths=["data/fixture"], data_paths_test=[], global_batch_size=case["batch"],
                epochs=1, eval_interval=1, lr=1e-4, lr_min_ratio=1.0, lr_warmup_steps=1, beta1=0.9, beta2=0.95,
                weight_decay=0.1, puzzle_emb_weight_decay=0.1, puzzle_emb_lr=1e-2, seed=0, ema=True,
                ema_rate=0.999, checkpoint_path="checkpoints/fixture", project_name="fixture", run_name="fixture")


def yaml_text(cfg):
    try:
        import yaml
        return yaml.dump(cfg)  # pretrain.py save_code_and_config: yaml.dump(config.model_dump())
    except ImportError:
        raise SystemExit("official_fixture.py needs python3-yaml to write all_config.yaml as pretrain.py does")


def make_case(name, case, trm, losses, d):
    torch.manual_seed(case["seed"])
    inner_cls = trm.TinyRecursiveReasoningModel_ACTV1
    m = inner_cls(model_cfg(case, "bfloat16"))
    D = case["arch"]["hidden_size"]
    with torch.no_grad():
        m.inner.q_head.weight.normal_(0, 4 / math.sqrt(D))
        m.inner.q_head.bias.normal_(0, 0.5)
        m.inner.puzzle_emb.weights.normal_(0, 1)
    head = losses.ACTLossHead(m, loss_type="stablemax_cross_entropy")
    wrapped = nn.Module()
    wrapped._orig_mod = head  # torch.compile's OptimizedModule keeps the module as `_orig_mod`
    sd = wrapped.state_dict()
    torch.save(sd, os.path.join(d, "step_0"))
    with open(os.path.join(d, "all_config.yaml"), "w") as f:
        f.write(yaml_text(all_config(case)))
    ds = dict(pad_id=0, ignore_label_id=0, blank_identifier_id=0, total_groups=case["batch"],
              mean_puzzle_examples=1.0, total_puzzles=case["batch"], sets=["all"], **case["data"])
    with open(os.path.join(d, "dataset.json"), "w") as f:
        json.dump(ds, f)

    # float32 forward from the saved checkpoint
    f32 = inner_cls(model_cfg(case, "float32"))
    loaded = torch.load(os.path.join(d, "step_0"))
    pre = "_orig_mod.model."
    f32.load_state_dict({k[len(pre):]: v for k, v in loaded.items()}, strict=True)
    f32.eval()
    g = torch.Generator().manual_seed(case["seed"] + 1)
    B, seq = case["batch"], case["data"]["seq_len"]
    inputs = torch.randint(1, case["data"]["vocab_size"], (B, seq), generator=g, dtype=torch.int32)
    pids = torch.tensor([2, 0, 2][:B], dtype=torch.int32)
    # puzzle ids as int64: torch 1.13 cannot index with int32 (the official loader gives int32)
    batch = dict(inputs=inputs, labels=inputs.clone(), puzzle_identifiers=pids.long())
    out = collections.OrderedDict(inputs=inputs, puzzle_identifiers=pids)
    min_margin, min_q = float("inf"), float("inf")
    with torch.no_grad():
        carry = f32.initial_carry(batch)
        for s in range(1, case["arch"]["halt_max_steps"] + 1):
            carry, o = f32(carry, batch)
            logits = o["logits"].float()
            top2 = logits.topk(2, dim=-1).values
            min_margin = min(min_margin, (top2[..., 0] - top2[..., 1]).min().item())
            min_q = min(min_q, o["q_halt_logits"].abs().min().item())
            out[f"step{s}.logits"] = logits
            out[f"step{s}.q_halt"] = o["q_halt_logits"].float()
            out[f"step{s}.q_continue"] = o["q_continue_logits"].float()
            out[f"step{s}.preds"] = logits.argmax(-1).to(torch.int32)
        assert bool(carry.halted.all()), "eval mode must halt every slot at halt_max_steps"
    write_outputs(os.path.join(d, "outputs.safetensors"), out, name)
    print(f"{name}: min top-2 logit margin {min_margin:.3g}, min |q_halt| {min_q:.3g}")
    return sd, f32


def write_outputs(path, tensors, name):
    header = {"__metadata__": {"source": f"official TRM code, scripts/official_fixture.py case {name}"}}
    blobs, off = [], 0
    for k, t in tensors.items():
        code, npd = ("I32", "<i4") if t.dtype == torch.int32 else ("F32", "<f4")
        data = t.contiguous().numpy().astype(npd).tobytes()
        header[k] = {"dtype": code, "shape": list(t.shape), "data_offsets": [off, off + len(data)]}
        blobs.append(data)
        off += len(data)
    hj = json.dumps(header, separators=(",", ":")).encode()
    hj += b" " * ((8 - len(hj) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hj)) + hj + b"".join(blobs))


def read_outputs(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    header.pop("__metadata__", None)
    out = collections.OrderedDict()
    for k, h in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"][0]):
        a, b = h["data_offsets"]
        arr = np.frombuffer(raw[8 + n + a:8 + n + b], dtype="<i4" if h["dtype"] == "I32" else "<f4")
        out[k] = torch.from_numpy(arr.copy()).reshape(h["shape"])
    return out


def convert_and_roundtrip(name, case, d, sd, f32_model, trm):
    args = ["to-trm", os.path.join(d, "step_0"), os.path.join(d, "model.safetensors")]
    if "grid" in case:
        args += ["--grid-height", str(case["grid"][0]), "--grid-width", str(case["grid"][1])]
    assert conv.main(args) == 0
    # the built-in YAML reader agrees with PyYAML on all_config.yaml
    y1 = conv.load_yaml(os.path.join(d, "all_config.yaml"), use_pyyaml=True)
    y2 = conv.load_yaml(os.path.join(d, "all_config.yaml"), use_pyyaml=False)
    assert json.dumps(y1, sort_keys=True) == json.dumps(y2, sort_keys=True), (y1, y2)
    with tempfile.TemporaryDirectory() as t:
        back = os.path.join(t, "step_0")
        assert conv.main(["to-official", os.path.join(d, "model.safetensors"), back, "--prefix", "inner."]) == 0
        sd2 = torch.load(back)
        # the official class loads it with strict=True
        m = trm.TinyRecursiveReasoningModel_ACTV1(model_cfg(case, "bfloat16"))
        m.load_state_dict(sd2, strict=True)
        pre = "_orig_mod.model."
        want = {k[len(pre):]: v for k, v in sd.items()}
        assert list(want) == list(sd2), (list(want), list(sd2))
        for k in want:
            assert want[k].dtype == sd2[k].dtype and torch.equal(want[k], sd2[k]), k
    print(f"{name}: round trip official -> trm.c -> official identical ({len(want)} tensors, dtypes kept)")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("snapshot")
    ap.add_argument("--out", default=os.path.join(HERE, "..", "tests", "data"))
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as tmp:
        trm, losses, rev = import_official(os.path.abspath(args.snapshot), tmp)
        print(f"official code: {rev}, torch {torch.__version__}")
        for name, case in CASES.items():
            final = os.path.join(args.out, f"official_{name}")
            d = os.path.join(tmp, name) if args.check else final
            os.makedirs(d, exist_ok=True)
            sd, f32 = make_case(name, case, trm, losses, d)
            convert_and_roundtrip(name, case, d, sd, f32, trm)
            if args.check:
                got, _ = conv.read_safetensors(os.path.join(d, "model.safetensors"))
                ref, _ = conv.read_safetensors(os.path.join(final, "model.safetensors"))
                for k in ref:
                    assert torch.equal(got[k], ref[k]), f"{name}: model.safetensors differs at {k}"
                print(f"{name}: committed model.safetensors reproduced exactly")
                go, ro = read_outputs(os.path.join(d, "outputs.safetensors")), read_outputs(os.path.join(final, "outputs.safetensors"))
                assert list(go) == list(ro), f"{name}: outputs.safetensors has other tensors"
                for k in ro:
                    scale = max(ro[k].abs().max().item(), 1e-30)
                    err = (go[k].double() - ro[k].double()).abs().max().item() / scale
                    assert err <= 1e-6, f"{name}: outputs {k} differs by {err:.3g} of its max"
                print(f"{name}: committed outputs.safetensors reproduced (within 1e-6 of each tensor's max)")


if __name__ == "__main__":
    main()
