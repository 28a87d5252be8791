#!/bin/sh
# test_convert_official.sh: scripts/convert_official.py on the committed interop fixtures
# (tests/data/official_{attn,mlpt}/, see tests/data/README.md), both directions and the round
# trip, without the official code: needs only Debian's python3-torch, so it is skipped (exit 77)
# where that is not installed (CI installs no torch; test_official covers the C side there).
#   1. official step_0 -> trm.c: the file equals the committed model.safetensors byte for byte;
#   2. trm.c -> official (default prefix): the same keys, dtypes (float32, bf16 H_init/L_init)
#      and values as the committed official step_0;
#   3. that state_dict (with the all_config.yaml / dataset.json it wrote) -> trm.c again: the
#      same tensors (names, dtypes, bits) and config as model.safetensors (the round trip);
#   4. all_config.yaml read by the built-in parser gives the same file as with PyYAML;
#   5. an ARC-AGI state_dict (vocabulary 12, seq_len 900) becomes task arc, 30x30, and round-trips;
#      --keep-tasks keeps only some tasks' puzzle rows;
#   6. clear errors, and no output file, for a missing config value, a wrong shape, an unknown
#      and a missing tensor.
set -eu
PY=${TRM_PYTHON:-/usr/bin/python3}
if ! "$PY" -c 'import torch' >/dev/null 2>&1; then
  echo "skip: $PY has no torch (python3-torch)"
  exit 77
fi
cd "$(dirname "$0")/.."
exec "$PY" - <<'PYEOF'
import json, os, subprocess, sys, tempfile
import torch
sys.path.insert(0, "scripts")
import convert_official as conv
PY, CONV = sys.executable, "scripts/convert_official.py"
fails = 0

def run(*args, ok=True, expect=None):
    global fails
    r = subprocess.run([PY, CONV, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    good = (r.returncode == 0) == ok and (expect is None or expect in r.stderr)
    print(("ok  " if good else "FAIL") + " convert_official.py " + " ".join(args[:1]) + (f" -> error mentions '{expect}'" if expect else ""))
    if not good:
        print(r.stdout + r.stderr)
        fails += 1
    return r

def same_bytes(a, b, what):
    global fails
    eq = open(a, "rb").read() == open(b, "rb").read()
    print(("ok  " if eq else "FAIL") + " " + what)
    fails += not eq

def same_model(a, b, what):
    """Same tensor names, dtypes, shapes and bytes and the same config (the metadata's "source"
    names the input file, so the files themselves may differ there)."""
    global fails
    ta, ma = conv.read_safetensors(a)
    tb, mb = conv.read_safetensors(b)
    eq = (list(ta) == list(tb) and all(ta[k].dtype == tb[k].dtype and torch.equal(ta[k], tb[k]) for k in ta)
          and json.loads(ma["config"]) == json.loads(mb["config"]) and ma["format"] == mb["format"])
    print(("ok  " if eq else "FAIL") + " " + what)
    fails += not eq

with tempfile.TemporaryDirectory() as t:
    for case, extra in (("attn", []), ("mlpt", ["--grid-height", "4", "--grid-width", "5"])):
        d = f"tests/data/official_{case}"
        m1, sd, m2 = (os.path.join(t, f"{case}.{x}") for x in ("a.safetensors", "step_0", "b.safetensors"))
        run("to-trm", f"{d}/step_0", m1, *extra)
        same_bytes(m1, f"{d}/model.safetensors", f"{case}: official -> trm.c equals the committed model.safetensors")
        m1y = os.path.join(t, f"{case}.noyaml.safetensors")
        run("to-trm", f"{d}/step_0", m1y, "--no-yaml", *extra)
        same_bytes(m1y, m1, f"{case}: built-in YAML reader gives the same file as PyYAML")
        run("to-official", f"{d}/model.safetensors", sd, "--config-out", os.path.join(t, "all_config.yaml"),
            "--dataset-out", os.path.join(t, "dataset.json"))
        a, b = torch.load(f"{d}/step_0"), torch.load(sd)
        good = list(a) == list(b) and all(a[k].dtype == b[k].dtype and torch.equal(a[k], b[k]) for k in a)
        print(("ok  " if good else "FAIL") + f" {case}: trm.c -> official equals the committed step_0 (keys, dtypes, values)")
        fails += not good
        run("to-trm", sd, m2, "--config", os.path.join(t, "all_config.yaml"), "--dataset", os.path.join(t, "dataset.json"), *extra)
        same_model(m2, f"{d}/model.safetensors", f"{case}: round trip trm.c -> official -> trm.c gives identical tensors and config")
    # an ARC-AGI checkpoint (vocabulary 12, seq_len 900: the official build_arc_dataset.py's
    # dataset.json) is detected as task arc on a 30x30 grid and survives the round trip
    d = "tests/data/official_attn"
    sd = torch.load(f"{d}/step_0")
    g = torch.Generator().manual_seed(12)
    arc = dict(sd)
    for k in ("embed_tokens.embedding_weight", "lm_head.weight"):
        arc["_orig_mod.model.inner." + k] = torch.randn(12, 8, generator=g)
    torch.save(arc, os.path.join(t, "arc_step_0"))
    meta = json.load(open(f"{d}/dataset.json"))
    meta.update(vocab_size=12, seq_len=900)
    json.dump(meta, open(os.path.join(t, "arc_dataset.json"), "w"))
    a1, a2 = os.path.join(t, "arc.a.safetensors"), os.path.join(t, "arc.b.safetensors")
    run("to-trm", os.path.join(t, "arc_step_0"), a1, "--config", f"{d}/all_config.yaml", "--dataset",
        os.path.join(t, "arc_dataset.json"))
    cfg = json.loads(conv.read_safetensors(a1)[1]["config"])
    good = (cfg["task"], cfg["grid_height"], cfg["grid_width"], cfg["vocab_size"]) == ("arc", 30, 30, 12)
    print(("ok  " if good else "FAIL") + " arc: vocabulary 12 and seq_len 900 give task arc on a 30x30 grid")
    fails += not good
    run("to-official", a1, os.path.join(t, "arc_back"), "--config-out", os.path.join(t, "arc_config.yaml"),
        "--dataset-out", os.path.join(t, "arc_back.json"))
    run("to-trm", os.path.join(t, "arc_back"), a2, "--config", os.path.join(t, "arc_config.yaml"), "--dataset",
        os.path.join(t, "arc_back.json"))
    same_model(a2, a1, "arc: round trip trm.c -> official -> trm.c gives identical tensors and config")
    # --keep-tasks: only the named tasks' puzzle rows (and row 0), renumbered, with their identifiers
    ids, ids_out, a3 = (os.path.join(t, x) for x in ("identifiers.json", "ids_kept.json", "arc.kept.safetensors"))
    json.dump(["<blank>", "aaa", "bbb|||t3|||0213456789"], open(ids, "w"))
    run("to-trm", os.path.join(t, "arc_step_0"), a3, "--config", f"{d}/all_config.yaml", "--dataset",
        os.path.join(t, "arc_dataset.json"), "--keep-tasks", "bbb", "--identifiers", ids, "--identifiers-out", ids_out)
    kt, km = conv.read_safetensors(a3)
    full = arc["_orig_mod.model.inner.puzzle_emb.weights"]
    good = (torch.equal(kt["puzzle_emb.weights"], full[[0, 2]]) and json.loads(km["config"])["num_puzzle_identifiers"] == 2
            and json.load(open(ids_out)) == ["<blank>", "bbb|||t3|||0213456789"])
    print(("ok  " if good else "FAIL") + " arc: --keep-tasks keeps row 0 and the task's rows, and writes their identifiers")
    fails += not good
    run("to-trm", os.path.join(t, "arc_step_0"), os.path.join(t, "bad.safetensors"), "--config", f"{d}/all_config.yaml",
        "--dataset", os.path.join(t, "arc_dataset.json"), "--keep-tasks", "ccc", "--identifiers", ids,
        "--identifiers-out", ids_out, ok=False, expect="no puzzle rows for task(s) ccc")
    # errors: named, and nothing written
    d = "tests/data/official_attn"
    out = os.path.join(t, "bad.safetensors")
    run("to-trm", f"{d}/step_0", out, "--dataset", os.path.join(t, "none.json"), ok=False, expect="none.json")
    run("to-trm", f"{d}/step_0", out, "--config", os.path.join(t, "all_config.yaml"), "--dataset", "/dev/null", ok=False,
        expect="/dev/null: not JSON")
    sd = torch.load(f"{d}/step_0")
    bad = dict(sd); bad["_orig_mod.model.inner.lm_head.weight"] = torch.zeros(7, 8)
    torch.save(bad, os.path.join(t, "bad_shape"))
    run("to-trm", os.path.join(t, "bad_shape"), out, "--config", f"{d}/all_config.yaml", "--dataset", f"{d}/dataset.json",
        ok=False, expect="'lm_head.weight' has shape [7, 8], expected [6, 8]")
    bad = dict(sd); bad["_orig_mod.model.inner.extra.weight"] = torch.zeros(2)
    torch.save(bad, os.path.join(t, "bad_key"))
    run("to-trm", os.path.join(t, "bad_key"), out, "--config", f"{d}/all_config.yaml", "--dataset", f"{d}/dataset.json",
        ok=False, expect="unknown tensor 'extra.weight'")
    bad = dict(sd); del bad["_orig_mod.model.inner.H_init"]
    torch.save(bad, os.path.join(t, "bad_missing"))
    run("to-trm", os.path.join(t, "bad_missing"), out, "--config", f"{d}/all_config.yaml", "--dataset", f"{d}/dataset.json",
        ok=False, expect="'H_init' is missing")
    with open(os.path.join(t, "arch.yaml"), "w") as f:
        f.write("arch:\n  hidden_size: 8\n")
    run("to-trm", f"{d}/step_0", out, "--config", os.path.join(t, "arch.yaml"), "--dataset", f"{d}/dataset.json",
        ok=False, expect="missing config value 'num_heads'")
    left = [f for f in os.listdir(t) if f.startswith(("bad.safetensors", ".bad.safetensors"))]
    print(("ok  " if not left else "FAIL") + " no output (or temporary) file left by the failed conversions")
    fails += bool(left)
print("all checks passed" if not fails else f"{fails} check(s) failed")
sys.exit(1 if fails else 0)
PYEOF
