#!/usr/bin/python3
"""Convert between official TRM checkpoints and trm.c model files.

The official code (SamsungSAILMontreal/TinyRecursiveModels; read: pretrain.py, models/layers.py,
models/recursive_reasoning/trm.py, models/sparse_embedding.py, config/arch/trm.yaml,
dataset/common.py, dataset/build_maze_dataset.py, dataset/build_sudoku_dataset.py,
dataset/build_arc_dataset.py) saves
`torch.save(model.state_dict())` to checkpoint files `step_<k>` (no extension). Their keys are
`_orig_mod.model.inner.<name>` (torch.compile wraps the loss head, which wraps the ACT model) or
`model.inner.<name>` with DISABLE_COMPILE set; parameters and `puzzle_emb.weights` are float32,
the buffers `H_init` / `L_init` are in the run's forward dtype (bfloat16). No config is stored:
the architecture is in the run's `all_config.yaml` (section `arch:`), and seq_len, vocab_size and
num_puzzle_identifiers in the dataset's `dataset.json`. A trm.c model file is safetensors with
the same tensor names (prefixes stripped, TRM §8) and the config as JSON in `__metadata__`.

    # official -> trm.c (all_config.yaml next to the checkpoint is found by itself)
    convert_official.py to-trm checkpoints/run/step_52080 maze.safetensors \\
        --config checkpoints/run/all_config.yaml --dataset data/maze-30x30-hard-1k/train/dataset.json
    convert_official.py to-trm step_52080 maze.safetensors --set hidden_size=512 --set seq_len=900 ...
    # trm.c -> official (a state_dict that the official model loads with strict=True)
    convert_official.py to-official maze.safetensors step_0 --config-out all_config.yaml \\
        --dataset-out dataset.json

Runs with Debian's PyTorch (/usr/bin/python3, python3-torch) and the standard library; PyYAML is
used when installed (python3-yaml), else the few keys needed are read from all_config.yaml by a
small parser of yaml.dump's block style. Output files are written to a temporary file in the
same directory and renamed, so a failed conversion never leaves a half-written file.
"""
import argparse
import collections
import json
import math
import os
import re
import struct
import sys
import tempfile

import numpy as np
import torch

try:
    import yaml  # python3-yaml; optional
except ImportError:  # pragma: no cover - depends on the machine
    yaml = None

FORMAT = "trm.c/1"
OFFICIAL_ARCH = "recursive_reasoning.trm@TinyRecursiveReasoningModel_ACTV1"
DEFAULT_PREFIX = "_orig_mod.model.inner."  # what a compiled official run writes (pretrain.py)

# Official config fields (TinyRecursiveReasoningModel_ACTV1Config in trm.py) and their defaults
# there; None = required. seq_len, vocab_size and num_puzzle_identifiers come from dataset.json.
OFFICIAL_KEYS = collections.OrderedDict([
    ("hidden_size", None), ("num_heads", None), ("expansion", None), ("L_layers", None),
    ("H_cycles", None), ("L_cycles", None), ("halt_max_steps", None), ("halt_exploration_prob", None),
    ("pos_encodings", None), ("puzzle_emb_ndim", 0), ("puzzle_emb_len", 16), ("mlp_t", False),
    ("rms_norm_eps", 1e-5), ("rope_theta", 10000.0),
    ("seq_len", None), ("vocab_size", None), ("num_puzzle_identifiers", None),
])
INT_KEYS = {"hidden_size", "num_heads", "L_layers", "H_cycles", "L_cycles", "halt_max_steps",
            "puzzle_emb_ndim", "puzzle_emb_len", "seq_len", "vocab_size", "num_puzzle_identifiers"}
FLOAT_KEYS = {"expansion", "halt_exploration_prob", "rms_norm_eps", "rope_theta"}
# trm.c's tasks (core/task_*.c): name -> (vocab_size, fixed grid or None)
TASKS = {"maze": (6, None), "sudoku": (11, (9, 9)), "arc": (12, (30, 30))}


class ConvertError(Exception):
    pass


# ------------------------------------------------------------------------------------------------
# Atomic output
# ------------------------------------------------------------------------------------------------

def atomic_write(path, write_fn):
    """write_fn(tmp_path) writes the file; it is renamed to path only when that succeeded."""
    d = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(d):
        raise ConvertError(f"{path}: directory {d} does not exist")
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=d)
    os.close(fd)
    try:
        write_fn(tmp)
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give the file the usual mode
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def write_text(path, text):
    def w(tmp):
        with open(tmp, "w") as f:
            f.write(text)
    atomic_write(path, w)


# ------------------------------------------------------------------------------------------------
# safetensors (own code: 8-byte LE header length, JSON header padded with spaces, raw LE data)
# ------------------------------------------------------------------------------------------------

ST_DTYPE = {"F32": torch.float32, "BF16": torch.bfloat16, "F16": torch.float16}


def st_code(dtype):
    for k, v in ST_DTYPE.items():
        if v == dtype:
            return k
    raise ConvertError(f"dtype {dtype} cannot be written to a trm.c model file (F32, BF16 or F16)")


def tensor_bytes(t):
    t = t.detach().cpu().contiguous()
    if t.dtype == torch.bfloat16:  # numpy has no bfloat16: its bit pattern as int16
        return t.view(torch.int16).numpy().astype("<i2").tobytes()
    if t.dtype == torch.float16:
        return t.numpy().astype("<f2").tobytes()
    return t.numpy().astype("<f4").tobytes()


def write_safetensors(path, tensors, metadata):
    header = {"__metadata__": dict(metadata)}
    blobs, off = [], 0
    for name, t in tensors.items():
        data = tensor_bytes(t)
        header[name] = {"dtype": st_code(t.dtype), "shape": list(t.shape), "data_offsets": [off, off + len(data)]}
        blobs.append(data)
        off += len(data)
    hj = json.dumps(header, separators=(",", ":")).encode()
    hj += b" " * ((8 - len(hj) % 8) % 8)

    def w(tmp):
        with open(tmp, "wb") as f:
            f.write(struct.pack("<Q", len(hj)))
            f.write(hj)
            for b in blobs:
                f.write(b)
    atomic_write(path, w)


def read_safetensors(path):
    """-> (OrderedDict name -> tensor in the file's dtype, in data order; metadata dict)."""
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        raise ConvertError(f"{path}: {e.strerror}")
    if len(raw) < 8:
        raise ConvertError(f"{path}: not a safetensors file (shorter than 8 bytes)")
    (n,) = struct.unpack("<Q", raw[:8])
    if n > len(raw) - 8:
        raise ConvertError(f"{path}: header length {n} exceeds the file ({len(raw)} bytes)")
    try:
        header = json.loads(raw[8:8 + n])
    except ValueError as e:
        raise ConvertError(f"{path}: header is not JSON: {e}")
    meta = header.pop("__metadata__", {}) or {}
    out, base = collections.OrderedDict(), 8 + n
    for name, h in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"][0]):
        if h.get("dtype") not in ST_DTYPE:
            raise ConvertError(f"{path}: tensor '{name}': dtype {h.get('dtype')} is not F32, BF16 or F16")
        a, b = h["data_offsets"]
        shape = list(h["shape"])
        width = 4 if h["dtype"] == "F32" else 2
        if b - a != width * math.prod(shape) or base + b > len(raw):
            raise ConvertError(f"{path}: tensor '{name}': data offsets [{a}, {b}] do not fit shape {shape}")
        buf = raw[base + a:base + b]
        if h["dtype"] == "F32":
            t = torch.from_numpy(np.frombuffer(buf, dtype="<f4").astype(np.float32))
        elif h["dtype"] == "F16":
            t = torch.from_numpy(np.frombuffer(buf, dtype="<f2").astype(np.float16))
        else:
            t = torch.from_numpy(np.frombuffer(buf, dtype="<i2").astype(np.int16)).view(torch.bfloat16)
        out[name] = t.reshape(shape)
    return out, meta


# ------------------------------------------------------------------------------------------------
# all_config.yaml and dataset.json
# ------------------------------------------------------------------------------------------------

def _yaml_scalar(s):
    s = s.strip()
    if s.startswith(("'", '"')) and s.endswith(s[0]) and len(s) >= 2:
        return s[1:-1].replace("''", "'") if s[0] == "'" else json.loads(s)
    low = s.lower()
    if low in ("true", "false"):
        return low == "true"
    if low in ("null", "~", ""):
        return None
    if re.fullmatch(r"[-+]?\d+", s):
        return int(s)
    if re.fullmatch(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?|[-+]?\.inf|\.nan", low):
        return float(low.replace(".inf", "inf").replace(".nan", "nan"))
    return s


def parse_yaml_block(text):
    """The subset of YAML that yaml.dump writes for pretrain.py's config (block mappings,
    indentless or indented sequences of scalars, plain or quoted scalars, `[]` / `{}`)."""
    lines = []
    for raw in text.splitlines():
        if not raw.strip() or raw.lstrip().startswith("#") or raw.strip() in ("---", "..."):
            continue
        lines.append((len(raw) - len(raw.lstrip(" ")), raw.strip()))
    pos = 0

    def block(indent):
        nonlocal pos
        if pos < len(lines) and lines[pos][1].startswith("- ") or (pos < len(lines) and lines[pos][1] == "-"):
            seq = []
            while pos < len(lines) and lines[pos][0] == indent and lines[pos][1].startswith("-"):
                seq.append(_yaml_scalar(lines[pos][1][1:]))
                pos += 1
            return seq
        m = collections.OrderedDict()
        while pos < len(lines) and lines[pos][0] == indent:
            ln = lines[pos][1]
            if ":" not in ln:
                raise ConvertError(f"cannot read YAML line '{ln}'")
            key, _, rest = ln.partition(":")
            key = _yaml_scalar(key)
            pos += 1
            rest = rest.strip()
            if rest == "[]":
                m[key] = []
            elif rest == "{}":
                m[key] = {}
            elif rest:
                m[key] = _yaml_scalar(rest)
            elif pos < len(lines) and (lines[pos][0] > indent or
                                       (lines[pos][0] == indent and lines[pos][1].startswith("-"))):
                m[key] = block(lines[pos][0])
            else:
                m[key] = None
        return m

    out = block(lines[0][0] if lines else 0)
    if pos != len(lines):
        raise ConvertError(f"cannot read YAML line '{lines[pos][1]}'")
    return out


def load_yaml(path, use_pyyaml=True):
    try:
        with open(path) as f:
            text = f.read()
    except OSError as e:
        raise ConvertError(f"{path}: {e.strerror}")
    try:
        data = yaml.safe_load(text) if (yaml is not None and use_pyyaml) else parse_yaml_block(text)
    except ConvertError as e:
        raise ConvertError(f"{path}: {e}")
    except Exception as e:  # yaml.YAMLError
        raise ConvertError(f"{path}: not YAML: {e}")
    if not isinstance(data, dict):
        raise ConvertError(f"{path}: expected a mapping at the top")
    return data


def arch_from_config(cfg, path):
    """The `arch:` section of all_config.yaml (or a file that is only that section)."""
    arch = cfg.get("arch", cfg)
    if not isinstance(arch, dict):
        raise ConvertError(f"{path}: 'arch' is not a mapping")
    arch = dict(arch)
    # Hydra interpolations such as `${.hidden_size}` (config/arch/trm.yaml) if left unresolved.
    for k, v in list(arch.items()):
        m = re.fullmatch(r"\$\{\.?(\w+)\}", v) if isinstance(v, str) else None
        if m:
            if m.group(1) not in arch:
                raise ConvertError(f"{path}: arch.{k} = {v} refers to a key that is not there")
            arch[k] = arch[m.group(1)]
    name = arch.get("name")
    if name is not None and name != OFFICIAL_ARCH:
        raise ConvertError(f"{path}: arch.name is '{name}'; only {OFFICIAL_ARCH} (TRM) converts "
                           "(other architectures have other tensors)")
    return arch


def find_dataset_json(cfg, cfg_path):
    paths = cfg.get("data_paths") or []
    for p in paths if isinstance(paths, list) else [paths]:
        for cand in (os.path.join(str(p), "train", "dataset.json"),
                     os.path.join(os.path.dirname(cfg_path), str(p), "train", "dataset.json")):
            if os.path.isfile(cand):
                return cand
    return None


def coerce(key, value, origin):
    try:
        if key in INT_KEYS:
            if isinstance(value, bool) or float(value) != int(float(value)):
                raise ValueError
            return int(float(value))
        if key in FLOAT_KEYS:
            if isinstance(value, bool):
                raise ValueError
            return float(value)
        if key == "mlp_t":
            if isinstance(value, str):
                if value.lower() not in ("true", "false", "1", "0"):
                    raise ValueError
                return value.lower() in ("true", "1")
            if value not in (0, 1, True, False):
                raise ValueError
            return bool(value)
        if key == "pos_encodings":
            if value not in ("rope", "learned", "none"):
                raise ValueError
            return value
    except (TypeError, ValueError):
        raise ConvertError(f"{origin}: {key} = {value!r} is not a valid value")
    return value


def gather_config(args, ckpt_path):
    """Official config values from all_config.yaml, dataset.json and --set, with their origins."""
    vals, origin = {}, {}
    extras = {}
    cfg_path = args.config
    if cfg_path is None and ckpt_path:
        cand = os.path.join(os.path.dirname(os.path.abspath(ckpt_path)), "all_config.yaml")
        if os.path.isfile(cand):
            cfg_path = cand
    ds_path = args.dataset
    if cfg_path:
        cfg = load_yaml(cfg_path, use_pyyaml=not args.no_yaml)
        arch = arch_from_config(cfg, cfg_path)
        for k in OFFICIAL_KEYS:
            if k in arch:
                vals[k], origin[k] = arch[k], f"{cfg_path} (arch.{k})"
        for k in ("no_ACT_continue", "forward_dtype", "H_layers"):
            if k in arch:
                extras[k] = arch[k]
        if ds_path is None:
            ds_path = find_dataset_json(cfg, cfg_path)
    if ds_path is None and ckpt_path:
        cand = os.path.join(os.path.dirname(os.path.abspath(ckpt_path)), "dataset.json")
        if os.path.isfile(cand):
            ds_path = cand
    if ds_path:
        try:
            with open(ds_path) as f:
                ds = json.load(f)
        except OSError as e:
            raise ConvertError(f"{ds_path}: {e.strerror}")
        except ValueError as e:
            raise ConvertError(f"{ds_path}: not JSON: {e}")
        for k in ("seq_len", "vocab_size", "num_puzzle_identifiers"):
            if k in ds:
                vals[k], origin[k] = ds[k], f"{ds_path} ({k})"
    for item in args.set or []:
        k, eq, v = item.partition("=")
        if not eq:
            raise ConvertError(f"--set {item}: expected KEY=VALUE")
        if k not in OFFICIAL_KEYS and k not in ("no_ACT_continue",):
            raise ConvertError(f"--set {item}: unknown key '{k}' (known: {', '.join(OFFICIAL_KEYS)})")
        vals[k], origin[k] = (_yaml_scalar(v) if k != "pos_encodings" else v), f"--set {item}"
    out = {}
    for k, default in OFFICIAL_KEYS.items():
        if k in vals:
            out[k] = coerce(k, vals[k], origin[k])
        elif default is not None:
            out[k] = default
        else:
            where = []
            if cfg_path:
                where.append(f"{cfg_path} has no arch.{k}")
            if k in ("seq_len", "vocab_size", "num_puzzle_identifiers"):
                where.append(f"{ds_path} has none" if ds_path else "no dataset.json found (--dataset)")
            raise ConvertError(f"missing config value '{k}': " + ("; ".join(where) + "; " if where else "") +
                               f"give it with --set {k}=VALUE")
    if "no_ACT_continue" in vals:
        extras["no_ACT_continue"] = vals["no_ACT_continue"]
    return out, extras, cfg_path, ds_path


# ------------------------------------------------------------------------------------------------
# Shapes (models/layers.py, models/recursive_reasoning/trm.py; TRM §8.2)
# ------------------------------------------------------------------------------------------------

def swiglu_inter(expansion, d):
    # layers.py SwiGLU: round(expansion * d * 2 / 3) (Python's round: halves to even), then up to
    # a multiple of 256
    return -(round(expansion * d * 2 / 3) // -256) * 256


def prefix_len(c):
    if c["puzzle_emb_ndim"] == 0:
        return 0
    return -(c["puzzle_emb_ndim"] // -c["hidden_size"]) if c["puzzle_emb_len"] == 0 else c["puzzle_emb_len"]


def expected_tensors(c):
    """OrderedDict name -> shape, in the official state_dict order."""
    D, V, L = c["hidden_size"], c["vocab_size"], c["L_layers"]
    if c["num_heads"] < 1 or D % c["num_heads"]:
        raise ConvertError(f"hidden_size {D} is not a multiple of num_heads {c['num_heads']}")
    if c["puzzle_emb_ndim"] == 0 and c["puzzle_emb_len"] != 0:
        raise ConvertError(f"puzzle_emb_ndim 0 with puzzle_emb_len {c['puzzle_emb_len']}: the official model "
                           "cannot run that (its carry would be longer than its input); set puzzle_emb_len=0")
    P = prefix_len(c)
    S = c["seq_len"] + P
    I = swiglu_inter(c["expansion"], D)
    e = collections.OrderedDict()
    e["H_init"] = [D]
    e["L_init"] = [D]
    e["embed_tokens.embedding_weight"] = [V, D]
    e["lm_head.weight"] = [V, D]
    e["q_head.weight"] = [2, D]
    e["q_head.bias"] = [2]
    if c["puzzle_emb_ndim"] > 0:
        e["puzzle_emb.weights"] = [c["num_puzzle_identifiers"], c["puzzle_emb_ndim"]]
    if c["pos_encodings"] == "learned":
        e["embed_pos.embedding_weight"] = [S, D]
    for i in range(L):
        p = f"L_level.layers.{i}."
        if c["mlp_t"]:
            IS = swiglu_inter(c["expansion"], S)
            e[p + "mlp_t.gate_up_proj.weight"] = [2 * IS, S]
            e[p + "mlp_t.down_proj.weight"] = [S, IS]
        else:
            e[p + "self_attn.qkv_proj.weight"] = [3 * D, D]
            e[p + "self_attn.o_proj.weight"] = [D, D]
        e[p + "mlp.gate_up_proj.weight"] = [2 * I, D]
        e[p + "mlp.down_proj.weight"] = [D, I]
    return e


def check_tensors(tensors, c, source):
    want = expected_tensors(c)
    unknown = [k for k in tensors if k not in want]
    if unknown:
        raise ConvertError(f"{source}: unknown tensor '{unknown[0]}'" +
                           (f" (and {len(unknown) - 1} more)" if len(unknown) > 1 else "") +
                           " for this config (TRM with " + describe(c) + ")")
    for k, shape in want.items():
        if k not in tensors:
            raise ConvertError(f"{source}: tensor '{k}' is missing (expected shape {shape} for " + describe(c) + ")")
        got = list(tensors[k].shape)
        if got != shape:
            raise ConvertError(f"{source}: tensor '{k}' has shape {got}, expected {shape} (from the config: " +
                               describe(c) + ")")
        if not tensors[k].is_floating_point():
            raise ConvertError(f"{source}: tensor '{k}' has dtype {tensors[k].dtype}, not a float type")
        if not torch.isfinite(tensors[k].float()).all():
            raise ConvertError(f"{source}: tensor '{k}' has non-finite values")
    return want


def describe(c):
    return ", ".join(f"{k}={c[k]}" for k in ("hidden_size", "num_heads", "expansion", "L_layers", "mlp_t",
                                              "pos_encodings", "puzzle_emb_ndim", "puzzle_emb_len", "seq_len",
                                              "vocab_size", "num_puzzle_identifiers"))


# ------------------------------------------------------------------------------------------------
# official -> trm.c
# ------------------------------------------------------------------------------------------------

WRAPPERS = ("_orig_mod.", "model.", "inner.")  # torch.compile, loss head, ACT wrapper (TRM §8.1)


def strip_prefix(keys, source):
    """The common wrapper prefix of all keys: optional _orig_mod., then model., then inner."""
    def prefix_of(k):
        p = ""
        for w in WRAPPERS:
            if k[len(p):].startswith(w):
                p += w
        return p
    prefixes = {prefix_of(k) for k in keys}
    if len(prefixes) != 1:
        raise ConvertError(f"{source}: keys have different wrapper prefixes ({', '.join(sorted(map(repr, prefixes)))})")
    return prefixes.pop()


def load_official(path):
    try:
        try:
            sd = torch.load(path, map_location="cpu", weights_only=True)
        except TypeError:  # a torch without weights_only
            sd = torch.load(path, map_location="cpu")
    except FileNotFoundError:
        raise ConvertError(f"{path}: no such file")
    except Exception as e:
        raise ConvertError(f"{path}: not a PyTorch checkpoint: {e}")
    if isinstance(sd, dict) and "state_dict" in sd and isinstance(sd["state_dict"], dict):
        sd = sd["state_dict"]
    if not isinstance(sd, dict) or not all(isinstance(v, torch.Tensor) for v in sd.values()):
        raise ConvertError(f"{path}: expected a state_dict (a dict of tensors), as the official pretrain.py saves")
    if not sd:
        raise ConvertError(f"{path}: the state_dict is empty")
    prefix = strip_prefix(sd.keys(), path)
    return collections.OrderedDict((k[len(prefix):], v) for k, v in sd.items()), prefix


def infer_task_grid(c, args):
    task = args.task
    if task is None:
        task = next((t for t, (v, fixed) in TASKS.items()
                     if fixed and c["vocab_size"] == v and c["seq_len"] == fixed[0] * fixed[1]), "maze")
    if task not in TASKS:
        raise ConvertError(f"--task {task}: trm.c knows {', '.join(TASKS)}")
    tv, fixed = TASKS[task]
    if c["vocab_size"] < tv:
        raise ConvertError(f"vocab_size {c['vocab_size']} is smaller than task '{task}' needs ({tv})")
    if c["vocab_size"] != tv:
        print(f"warning: vocab_size {c['vocab_size']} is not task '{task}''s {tv} "
              "(another dataset's model?); trm.c will only ever feed it the task's tokens", file=sys.stderr)
    h, w = args.grid_height, args.grid_width
    if h is None and w is None:
        if fixed:
            h, w = fixed
        else:
            side = math.isqrt(c["seq_len"])
            if side * side != c["seq_len"]:
                raise ConvertError(f"seq_len {c['seq_len']} is not a square: give the grid with --grid-height and "
                                   "--grid-width")
            h = w = side
    elif h is None or w is None:
        h = h if h is not None else c["seq_len"] // w
        w = w if w is not None else c["seq_len"] // h
    if h * w != c["seq_len"]:
        raise ConvertError(f"grid {h} x {w} does not hold seq_len {c['seq_len']} cells")
    return task, h, w


def trm_config_json(c, task, h, w):
    d = collections.OrderedDict()
    for k in ("hidden_size", "num_heads", "expansion", "L_layers", "H_cycles", "L_cycles", "halt_max_steps",
              "halt_exploration_prob", "puzzle_emb_len", "puzzle_emb_ndim", "num_puzzle_identifiers",
              "pos_encodings", "mlp_t", "rms_norm_eps", "rope_theta", "vocab_size", "seq_len"):
        d[k] = c[k]
    d["grid_height"], d["grid_width"], d["task"] = h, w, task
    return json.dumps(d)


def cmd_to_trm(args):
    tensors, prefix = load_official(args.checkpoint)
    c, extras, cfg_path, ds_path = gather_config(args, args.checkpoint)
    if extras.get("no_ACT_continue") is False:
        print("warning: the run had no_ACT_continue = False (halt when q_halt > q_continue); trm.c halts early "
              "when q_halt > 0 (TRM §3.3); fixed-step solving is unaffected", file=sys.stderr)
    want = check_tensors(tensors, c, args.checkpoint)
    task, h, w = infer_task_grid(c, args)
    out = collections.OrderedDict()
    for k in want:  # state_dict order
        t = tensors[k].detach()
        # Parameters and puzzle_emb.weights are float32 in official checkpoints. H_init and L_init
        # are created in the forward dtype (bfloat16 in the official runs): they are written as
        # BF16, which the C loader (native/model_io.c -> trm_model_load_tensor in core/model.c)
        # and web/trm.js accept and widen to float32 exactly, so the file stays a faithful copy
        # and converting back gives the same bf16 buffers. Anything else (float64, float16
        # parameters) is written as float32: exact for f16/bf16, rounded for float64.
        if t.dtype not in (torch.float32, torch.bfloat16):
            if t.dtype == torch.float64:
                print(f"warning: tensor '{k}' is float64; written as float32 (rounded)", file=sys.stderr)
            t = t.to(torch.float32)
        out[k] = t.contiguous()
    kept = keep_arc_tasks(args, out, c) if args.keep_tasks else None
    meta = collections.OrderedDict([("format", FORMAT), ("config", trm_config_json(c, task, h, w)),
                                    ("source", "official TRM checkpoint " + os.path.basename(args.checkpoint))])
    write_safetensors(args.output, out, meta)
    if kept is not None:
        write_text(args.identifiers_out, json.dumps(kept) + "\n")
        print(f"kept {len(kept) - 1} puzzle rows of {len(args.keep_tasks.split(','))} task(s); identifiers: "
              f"{args.identifiers_out}")
    print(f"wrote {args.output}: {len(out)} tensors (keys had prefix '{prefix}'), {task} {h}x{w}, " + describe(c)
          + (f"; config from {cfg_path}" if cfg_path else "") + (f", {ds_path}" if ds_path else ""))


def keep_arc_tasks(args, out, c):
    """Keep only the puzzle-embedding rows of some tasks (and row 0, the blank): an official ARC-AGI
    checkpoint holds one row per augmented puzzle (about 876k x 512 floats, 1.8 GB), too much for a
    page (WebAssembly memory) while a few tasks' rows are a few MB. Rows keep their order; returns
    the identifiers list of the new rows (row 0 "<blank>"), which trm-eval --arc --identifiers and
    the page read."""
    if not args.identifiers or not args.identifiers_out:
        raise ConvertError("--keep-tasks needs --identifiers (the dataset's identifiers.json) and --identifiers-out")
    try:
        with open(args.identifiers) as f:
            names = json.load(f)
    except (OSError, ValueError) as e:
        raise ConvertError(f"{args.identifiers}: {e}")
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ConvertError(f"{args.identifiers}: not a list of puzzle names (the official identifiers.json)")
    rows = c["num_puzzle_identifiers"]
    if len(names) != rows:
        raise ConvertError(f"{args.identifiers}: {len(names)} names, the checkpoint has {rows} puzzle rows")
    want = [t for t in args.keep_tasks.split(",") if t]
    base = [n.split("|||")[0] for n in names]
    missing = [t for t in want if t not in base]
    if missing:
        raise ConvertError(f"--keep-tasks: no puzzle rows for task(s) {', '.join(missing)} in {args.identifiers}")
    keep = [0] + [i for i in range(1, rows) if base[i] in want]
    key = "puzzle_emb.weights"
    if key not in out:
        raise ConvertError("--keep-tasks: the checkpoint has no puzzle embedding")
    out[key] = out[key][keep].contiguous()
    c["num_puzzle_identifiers"] = len(keep)
    return ["<blank>"] + [names[i] for i in keep[1:]]


# ------------------------------------------------------------------------------------------------
# trm.c -> official
# ------------------------------------------------------------------------------------------------

def config_from_trm(meta, path):
    fmt = meta.get("format")
    if fmt is not None and fmt != FORMAT:
        raise ConvertError(f"{path}: __metadata__.format is '{fmt}', this script reads {FORMAT}")
    if "config" not in meta:
        raise ConvertError(f"{path}: no \"config\" in __metadata__ (not a trm.c model file?)")
    try:
        cj = json.loads(meta["config"])
    except ValueError as e:
        raise ConvertError(f"{path}: __metadata__.config is not JSON: {e}")
    c = {}
    for k in OFFICIAL_KEYS:
        if k not in cj:
            raise ConvertError(f"{path}: __metadata__.config has no key '{k}'")
        c[k] = coerce(k, cj[k], f"{path}: __metadata__.config")
    return c, cj


def bf16_exact(t):
    return torch.equal(t.float().to(torch.bfloat16).float(), t.float())


def cmd_to_official(args):
    tensors, meta = read_safetensors(args.model)
    c, cj = config_from_trm(meta, args.model)
    want = check_tensors(tensors, c, args.model)
    sd = collections.OrderedDict()
    for k in want:
        t = tensors[k]
        if k in ("H_init", "L_init"):
            # Official buffers are in the forward dtype (bfloat16 in the official configs).
            dt = args.init_dtype
            if dt == "auto":
                dt = "bfloat16" if bf16_exact(t) else "float32"
                if dt == "float32":
                    print(f"warning: {k} is not bfloat16-representable; written as float32 (exact). A bf16 "
                          "official model rounds it when loading with copy; pretrain.py's assign=True keeps "
                          "float32. --init-dtype bfloat16 rounds it here instead", file=sys.stderr)
            t = t.to(getattr(torch, dt))
        else:
            t = t.to(torch.float32)  # official parameters and puzzle table are float32 (exact widening)
        sd[args.prefix + k] = t.contiguous().clone()

    atomic_write(args.output, lambda tmp: torch.save(sd, tmp))
    msg = f"wrote {args.output}: {len(sd)} tensors with prefix '{args.prefix}'"
    if args.config_out:
        arch = collections.OrderedDict()
        arch["name"] = OFFICIAL_ARCH
        for k in ("H_cycles", "L_cycles", "L_layers", "expansion", "halt_exploration_prob", "halt_max_steps",
                  "hidden_size", "mlp_t", "num_heads", "pos_encodings", "puzzle_emb_len", "puzzle_emb_ndim",
                  "rms_norm_eps", "rope_theta"):
            arch[k] = c[k]
        arch["H_layers"] = 0
        arch["no_ACT_continue"] = True
        arch["forward_dtype"] = "bfloat16"
        lines = ["# arch section for the official pretrain.py, written by convert_official.py from " +
                 os.path.basename(args.model),
                 f"# trm.c grid: {cj.get('grid_height')} x {cj.get('grid_width')}, task {cj.get('task', 'maze')}",
                 "arch:"]
        for k, v in arch.items():
            lines.append(f"  {k}: " + (json.dumps(v) if isinstance(v, (bool, str)) else repr(v)))
        write_text(args.config_out, "\n".join(lines) + "\n")
        msg += f", {args.config_out}"
    if args.dataset_out:
        ds = collections.OrderedDict([("pad_id", 0), ("ignore_label_id", 0), ("blank_identifier_id", 0),
                                      ("vocab_size", c["vocab_size"]), ("seq_len", c["seq_len"]),
                                      ("num_puzzle_identifiers", c["num_puzzle_identifiers"])])
        write_text(args.dataset_out, json.dumps(ds) + "\n")
        msg += f", {args.dataset_out}"
    print(msg)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("to-trm", help="official checkpoint -> trm.c model file (safetensors)",
                       description="Official checkpoint (torch.save of the state_dict) -> trm.c model file. The "
                       "architecture comes from all_config.yaml (default: next to the checkpoint), seq_len / "
                       "vocab_size / num_puzzle_identifiers from dataset.json (default: <data_paths[0]>/train/, else next "
                       "to the checkpoint), "
                       "each overridable with --set KEY=VALUE. The grid is sqrt(seq_len) square for mazes, 9x9 "
                       "for sudoku (vocab 11, seq_len 81), 30x30 for ARC-AGI (vocab 12, seq_len 900), else "
                       "--grid-height/--grid-width.")
    a.add_argument("checkpoint")
    a.add_argument("output", help="the trm.c model file to write (.safetensors)")
    a.add_argument("--config", help="the run's all_config.yaml (or a file with its arch: section)")
    a.add_argument("--dataset", help="the dataset's dataset.json (train split)")
    a.add_argument("--set", action="append", metavar="KEY=VALUE",
                   help="an official config value, over the files (e.g. --set seq_len=900); repeatable")
    a.add_argument("--task", choices=sorted(TASKS), help="trm.c task (default: from vocab_size and seq_len)")
    a.add_argument("--grid-height", type=int)
    a.add_argument("--grid-width", type=int)
    a.add_argument("--no-yaml", action="store_true", help="read all_config.yaml with the built-in parser "
                   "even when PyYAML is installed")
    a.add_argument("--keep-tasks", metavar="ID,ID,...", help="ARC-AGI: keep only these tasks' puzzle rows (and "
                   "row 0), renumbered in order; needs --identifiers and --identifiers-out")
    a.add_argument("--identifiers", help="the dataset's identifiers.json (row index -> puzzle name)")
    a.add_argument("--identifiers-out", help="where to write the identifiers of the kept rows")
    a.set_defaults(fn=cmd_to_trm)
    b = sub.add_parser("to-official", help="trm.c model file -> official state_dict (torch.save)",
                       description="trm.c model file -> a state_dict file (torch.save) that the official model "
                       "loads with strict=True: keys '<prefix><name>' (default '_orig_mod.model.inner.', what a "
                       "compiled official run saves and pretrain.py's load_checkpoint expects; use 'model.inner.' "
                       "with DISABLE_COMPILE, 'inner.' for TinyRecursiveReasoningModel_ACTV1 itself). Parameters "
                       "and puzzle_emb.weights are float32, H_init / L_init bfloat16 when that is exact.")
    b.add_argument("model")
    b.add_argument("output", help="state_dict file to write (e.g. step_0)")
    b.add_argument("--prefix", default=DEFAULT_PREFIX)
    b.add_argument("--init-dtype", choices=["auto", "bfloat16", "float32"], default="auto",
                   help="dtype of H_init / L_init (auto: bfloat16 if exact, else float32)")
    b.add_argument("--config-out", help="also write an all_config.yaml with the arch: section")
    b.add_argument("--dataset-out", help="also write a dataset.json with seq_len, vocab_size, num_puzzle_identifiers")
    b.set_defaults(fn=cmd_to_official)
    args = ap.parse_args(argv)
    try:
        args.fn(args)
    except ConvertError as e:
        print(f"convert_official.py: error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
