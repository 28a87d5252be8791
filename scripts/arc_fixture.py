#!/usr/bin/python3
"""Write tests/data/arc_official.json by running the OFFICIAL TRM code's ARC functions.

    /usr/bin/python3 scripts/arc_fixture.py /path/to/official/snapshot [--out tests/data/arc_official.json]

The snapshot is SamsungSAILMontreal/TinyRecursiveModels: a checkout, or a bare git directory (its
HEAD's dataset/ and evaluators/ are extracted with `git archive` to a temporary directory outside
the repository). Its code is imported from there, never copied; what this script computes itself
is only the random inputs (numpy, seed SEED) and the JSON layout. tests/test_arc.c checks every
case against core/arc.c exactly.

Official functions used, per section of the JSON:
  augment  dataset/build_arc_dataset.py aug() draws the augmentation (np.random: trans_id, then the
           colour permutation) and maps the grid (dataset/common.py dihedral_transform after the
           colour map); inverse_aug() of its name gives the inverse map, applied both to the
           augmented grid (must give the grid back) and to the grid itself (an independent check
           of the inverse).
  encode   np_grid_to_seq_translational_augment(inp, out, do_translation): the two canvases of a
           pair. For forced offsets np.random.randint is replaced, for that call only, by a stand-in
           that checks the official bounds it is called with and returns the offset asked for
           (pad_r first, then pad_c, the order of the official calls); offset (0, 0) cases also use
           do_translation=False.
  crop     evaluators/arc.py _crop on canvases: encoded grids at (0, 0) and elsewhere, and random
           canvases with holes, EOS inside, ragged rows, tokens above 11, all PAD, all colour.
  vote     evaluators/arc.py ARC.result itself: an ARC object made by its own __init__ (from an
           identifiers.json and test_puzzles.json written to a temporary directory), its internal
           maps _local_hmap / _local_preds filled as update_batch fills them (with grids already
           un-augmented, so update_batch's torch tensors are not needed), then result() with
           rank 0, world size 1 and submission_K = the number of distinct answers; the submission it
           writes lists every distinct answer best first: that order is the fixture's ranking.

Third-party modules the official files import but these functions do not use are replaced only when
missing, by stand-ins without any maths: pydantic.BaseModel (a plain class), argdantic.ArgParser
(a no-op command decorator), numba.njit (the identity: _crop runs as plain Python/numpy) and, if
torch is missing, torch with torch.distributed. With torch present, ARC.result's
dist.gather_object runs for real in a one-process gloo group; should that group not start here,
a stand-in gather_object (for world size 1: out[0] = obj) is used and "provenance" says so.

JSON layout: a grid is a list of row strings of digits ("0".."9"), [] for the empty grid; a canvas
is 30 row strings of 30 characters, token t written as the base-36 digit of t ("0".."9", "a"=10,
"b"=11, "c"=12, ...).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import types

import numpy as np

SEED = 20251008
B36 = "0123456789abcdefghijklmnopqrstuvwxyz"


# ------------------------------------------------------------------------------------------------
# Importing the official code

def install_shims():
    """Stand-ins for third-party modules that are missing here; the math stays official."""
    notes = []

    def missing(name):
        try:
            __import__(name)
            return False
        except ImportError:
            return True

    if missing("pydantic"):
        m = types.ModuleType("pydantic")

        class BaseModel:  # common.py / build_arc_dataset.py only subclass it
            pass

        m.BaseModel = BaseModel
        sys.modules["pydantic"] = m
        notes.append("pydantic.BaseModel")
    if missing("argdantic"):
        m = types.ModuleType("argdantic")

        class ArgParser:  # build_arc_dataset.py's CLI; never run here
            def command(self, *a, **k):
                return lambda f: f

            def __call__(self, *a, **k):
                raise RuntimeError("argdantic stand-in: the CLI is not used")

        m.ArgParser = ArgParser
        sys.modules["argdantic"] = m
        notes.append("argdantic.ArgParser")
    if missing("numba"):
        m = types.ModuleType("numba")

        def njit(*a, **k):  # @njit and @njit(...): run the function as written
            if len(a) == 1 and callable(a[0]) and not k:
                return a[0]
            return lambda f: f

        m.njit = njit
        sys.modules["numba"] = m
        notes.append("numba.njit (identity)")
    if missing("torch"):
        torch = types.ModuleType("torch")
        dist = types.ModuleType("torch.distributed")

        class ProcessGroup:
            pass

        def gather_object(obj, object_gather_list=None, dst=0, group=None):
            object_gather_list[0] = obj  # world size 1

        dist.ProcessGroup = ProcessGroup
        dist.gather_object = gather_object
        torch.Tensor = type("Tensor", (), {})
        torch.distributed = dist
        sys.modules["torch"] = torch
        sys.modules["torch.distributed"] = dist
        notes.append("torch + torch.distributed.gather_object (world size 1)")
    return notes


def import_official(snapshot, tmp):
    if os.path.isfile(os.path.join(snapshot, "evaluators", "arc.py")):
        root = snapshot
        rev = subprocess.run(["git", "-C", snapshot, "rev-parse", "HEAD"], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL).stdout.decode().strip() or "checkout (no git)"
    else:
        root = os.path.join(tmp, "official")
        os.makedirs(root)
        tar = subprocess.run(["git", "--git-dir", snapshot, "archive", "HEAD", "dataset", "evaluators"],
                             check=True, stdout=subprocess.PIPE).stdout
        subprocess.run(["tar", "-x", "-C", root], input=tar, check=True)
        rev = subprocess.run(["git", "--git-dir", snapshot, "rev-parse", "HEAD"], check=True,
                             stdout=subprocess.PIPE).stdout.decode().strip()
    notes = install_shims()
    sys.path.insert(0, root)
    from dataset import build_arc_dataset as bad  # noqa: E402
    from evaluators import arc as ev  # noqa: E402
    return bad, ev, rev, notes


# ------------------------------------------------------------------------------------------------
# JSON layout

def grid_json(g):
    g = np.asarray(g)
    assert g.ndim == 2 and (g.size == 0 or (g.min() >= 0 and g.max() <= 9)), g
    return ["".join(str(int(x)) for x in row) for row in g]


def canvas_json(flat):
    c = np.asarray(flat).reshape(30, 30)
    assert c.min() >= 0 and c.max() < 36
    return ["".join(B36[int(x)] for x in row) for row in c]


def random_grid(h, w):
    return np.random.randint(0, 10, size=(h, w)).astype(np.uint8)


def random_shape(small=12):
    return int(np.random.randint(1, small + 1)), int(np.random.randint(1, small + 1))


# ------------------------------------------------------------------------------------------------
# Sections

def augment_cases(bad):
    shapes = [(1, 1), (30, 30), (1, 30), (30, 1), (2, 3), (3, 2), (29, 17)]
    shapes += [random_shape() for _ in range(41)]
    cases, seen = [], set()
    for h, w in shapes:
        g = random_grid(h, w)
        name, fwd = bad.aug("task")  # the official draw: trans_id, then the permutation
        suffix = name.split(bad.PuzzleIdSeparator, 1)[1]
        orig, inv = bad.inverse_aug(name)
        assert orig == "task"
        a = fwd(g)
        back = inv(a)
        assert np.array_equal(back, g)
        seen.add(int(suffix[1]))
        cases.append({"grid": grid_json(g), "aug": suffix, "augmented": grid_json(a),
                      "inverse": grid_json(inv(g))})
    assert seen == set(range(8)), f"every dihedral transform must be drawn: {sorted(seen)}"
    return cases


def official_canvases(bad, inp, out, pad_r, pad_c):
    """np_grid_to_seq_translational_augment with its two randint draws forced to pad_r, pad_c."""
    if pad_r == 0 and pad_c == 0 and np.random.randint(0, 2):
        return bad.np_grid_to_seq_translational_augment(inp, out, do_translation=False)
    forced = [pad_r, pad_c]

    def randint(low, high=None, size=None, dtype=int):
        v = forced.pop(0)
        assert size is None and low == 0 and 0 <= v < high, (low, high, v)
        return v

    real = bad.np.random.randint
    bad.np.random.randint = randint
    try:
        result = bad.np_grid_to_seq_translational_augment(inp, out, do_translation=True)
    finally:
        bad.np.random.randint = real
    assert not forced
    return result


def encode_cases(bad):
    specs = [((30, 30), (30, 30), 0, 0), ((1, 1), (1, 1), 29, 29), ((1, 1), (3, 2), 0, 0),
             ((5, 30), (4, 30), 25, 0), ((30, 4), (30, 6), 0, 24), ((7, 3), (2, 9), 23, 21),
             ((12, 12), (12, 12), 18, 18), ((3, 4), (5, 2), 0, 0)]
    for _ in range(10):
        (hi, wi), (ho, wo) = random_shape(14), random_shape(14)
        mh, mw = max(hi, ho), max(wi, wo)
        pr = int(np.random.randint(0, 30 - mh + 1))
        pc = int(np.random.randint(0, 30 - mw + 1))
        specs.append(((hi, wi), (ho, wo), pr, pc))
    cases = []
    for (hi, wi), (ho, wo), pr, pc in specs:
        inp, out = random_grid(hi, wi), random_grid(ho, wo)
        ci, co = official_canvases(bad, inp, out, pr, pc)
        cases.append({"input": grid_json(inp), "output": grid_json(out), "pad_r": pr, "pad_c": pc,
                      "input_canvas": canvas_json(ci), "output_canvas": canvas_json(co)})
    return cases


def tricky_canvases(bad):
    """Canvases a model might answer with, as flat int arrays of 900 tokens."""
    out = []
    for _ in range(6):  # an encoded grid at (0, 0), then holes punched into it
        h, w = random_shape(20)
        c = bad.np_grid_to_seq_translational_augment(random_grid(h, w), random_grid(1, 1), False)[0].astype(np.int64)
        for _ in range(int(np.random.randint(1, 4))):
            r, k = np.random.randint(0, h + 1), np.random.randint(0, w + 1)
            c[r * 30 + k] = int(np.random.choice([0, 1, 12, 35]))
        out.append(c)
    for _ in range(4):  # a grid moved off the corner: the crop is empty
        h, w = random_shape(10)
        c, _ = official_canvases(bad, random_grid(h, w), random_grid(1, 1), int(np.random.randint(0, 3)), 1)
        out.append(c)
    for _ in range(8):  # ragged rows: row r is a run of colours of random length, then EOS or PAD
        c = np.zeros(900, dtype=np.int64)
        rows = int(np.random.randint(1, 31))
        for r in range(rows):
            n = int(np.random.randint(0, 31))
            c[r * 30:r * 30 + n] = np.random.randint(2, 12, size=n)
            if n < 30:
                c[r * 30 + n] = int(np.random.choice([0, 1]))
        out.append(c)
    for _ in range(6):  # a staircase whose widths shrink then grow: the num_c cap and largest area
        c = np.zeros(900, dtype=np.int64)
        widths = sorted(np.random.randint(1, 31, size=int(np.random.randint(2, 8))), reverse=True)
        widths += list(np.random.randint(1, 31, size=3))
        r = 0
        for wd in widths:
            for _ in range(int(np.random.randint(1, 5))):
                if r < 30:
                    c[r * 30:r * 30 + wd] = np.random.randint(2, 12, size=wd)
                    r += 1
        out.append(c)
    for _ in range(10):  # noise: mostly colours, some EOS / PAD / tokens above 11
        c = np.random.randint(2, 12, size=900)
        holes = np.random.rand(900) < float(np.random.choice([0.01, 0.03, 0.1]))
        c[holes] = np.random.choice([0, 1, 12, 20, 35], size=int(holes.sum()))
        out.append(c)
    full = np.random.randint(2, 12, size=900)
    eos_first = full.copy()
    eos_first[0] = 1
    one_col = np.zeros(900, dtype=np.int64)
    one_col[0:900:30] = 5
    big_token = full.copy()
    big_token[31] = 12
    out += [np.zeros(900, dtype=np.int64), full, eos_first, one_col, big_token]
    return out


def crop_cases(bad, ev):
    cases = []
    for c in tricky_canvases(bad):
        crop = ev._crop(np.asarray(c, dtype=np.int64))
        cases.append({"canvas": canvas_json(c), "crop": grid_json(crop)})
    return cases


def vote_sets():
    """Lists of (grid, q): the order of appearance is the order of the list."""
    def pool(n, small=4):
        return [random_grid(*random_shape(small)) for _ in range(n)]

    sets = []
    p = pool(6)  # counts decide; q random
    sets.append([(p[int(np.random.randint(0, 6))], float(np.random.rand())) for _ in range(40)])
    a, b, c = pool(3)  # equal counts, exact mean ties: first seen wins; then a higher mean
    sets.append([(b, 0.5), (a, 0.25), (c, 0.75), (a, 0.75), (b, 0.5), (c, 0.25)])
    sets.append([(a, 0.5), (b, 0.5), (b, 0.5), (a, 0.5), (c, 0.5625), (c, 0.4375)])
    # the sum order matters: (0.1 + 0.2) + 0.3 > (0.3 + 0.2) + 0.1 in binary64
    sets.append([(c, 0.3), (a, 0.1), (a, 0.2), (c, 0.2), (a, 0.3), (c, 0.1)])
    empty = np.zeros((0, 0), dtype=np.uint8)  # an empty crop votes like any answer
    row = np.array([[1, 2]], dtype=np.uint8)
    col = np.array([[1], [2]], dtype=np.uint8)  # the same bytes in another shape: another answer
    sets.append([(empty, 0.9), (row, 0.2), (col, 0.2), (empty, 0.1), (row, 0.8), (col, 0.8), (col, 0.5)])
    sets.append([(a, 0.7)])
    p = pool(60, 6)  # many answers, q = sigmoid of normal logits, as the evaluator computes them
    logits = np.random.randn(1000) * 3
    q = 1 / (1 + np.exp(-logits))
    heavy = np.random.zipf(1.6, size=1000) % 60
    sets.append([(p[int(k)], float(x)) for k, x in zip(heavy, q)])
    return sets


def from_list(x):
    """A submission's grid.tolist() back as an array ([] is the empty 0 x 0 grid)."""
    return np.zeros((0, 0), dtype=np.uint8) if x == [] else np.array(x, dtype=np.uint8)


def start_gather(dist, tmp):
    """A one-process group for ARC.result's dist.gather_object; returns (how, cleanup)."""
    if not hasattr(dist, "init_process_group"):
        return "stand-in torch.distributed (torch missing)", lambda: None
    try:
        dist.init_process_group("gloo", init_method="file://" + os.path.join(tmp, "pg"), rank=0, world_size=1)
        return "torch.distributed gloo, world size 1", dist.destroy_process_group
    except Exception as e:  # noqa: BLE001
        real = dist.gather_object

        def gather_object(obj, object_gather_list=None, dst=0, group=None):
            object_gather_list[0] = obj  # world size 1

        dist.gather_object = gather_object

        def restore():
            dist.gather_object = real

        return f"stand-in gather_object (gloo did not start: {type(e).__name__})", restore


def vote_cases(ev, tmp):
    sets = vote_sets()
    d = os.path.join(tmp, "vote")
    os.makedirs(d)
    names = [f"vote{i}" for i in range(len(sets))]
    test_input = [[0]]
    test_puzzles = {n: {"train": [], "test": [{"input": test_input, "output": [[0]]}]} for n in names}
    with open(os.path.join(d, "identifiers.json"), "w") as f:
        json.dump(["<blank>"] + names, f)
    with open(os.path.join(d, "test_puzzles.json"), "w") as f:
        json.dump(test_puzzles, f)
    distinct = [len({ev.grid_hash(g) for g, _ in s}) for s in sets]
    metadata = types.SimpleNamespace(blank_identifier_id=0)  # the one field ARC.__init__ reads
    arc = ev.ARC(d, metadata, submission_K=max(distinct), pass_Ks=(1,))
    input_hash = ev.grid_hash(ev.arc_grid_to_np(test_input))
    for name, s in zip(names, sets):  # what update_batch stores, per answer, in order
        for g, q in s:
            h = ev.grid_hash(g)
            arc._local_hmap[h] = g
            arc._local_preds.setdefault(name, {}).setdefault(input_hash, []).append((h, float(q)))
    how, done = start_gather(ev.dist, tmp)
    try:
        arc.result(save_path=d, rank=0, world_size=1)
    finally:
        done()
    with open(os.path.join(d, "submission.json")) as f:
        submission = json.load(f)
    cases = []
    for name, s, m in zip(names, sets, distinct):
        attempts = submission[name][0]
        ranking = [from_list(attempts[f"attempt_{i + 1}"]) for i in range(m)]
        hashes = [ev.grid_hash(g) for g, _ in s]
        firsts = [hashes.index(ev.grid_hash(g)) for g in ranking]
        assert len(set(firsts)) == m
        pool, index = [], {}
        for g, _ in s:  # each distinct grid once in "pool"; answers refer to it
            h = ev.grid_hash(g)
            if h not in index:
                index[h] = len(pool)
                pool.append(grid_json(g))
        cases.append({"pool": pool, "answers": [index[h] for h in hashes], "q": [q for _, q in s],
                      "ranked": firsts})
    return cases, how


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("snapshot")
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--out", default=os.path.normpath(os.path.join(here, "..", "tests", "data", "arc_official.json")))
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bad, ev, rev, notes = import_official(os.path.abspath(args.snapshot), tmp)
        np.random.seed(SEED)
        fixture = {"provenance": {}, "augment": augment_cases(bad), "encode": encode_cases(bad),
                   "crop": crop_cases(bad, ev)}
        fixture["vote"], how = vote_cases(ev, tmp)
    fixture["provenance"] = {
        "official": f"SamsungSAILMontreal/TinyRecursiveModels {rev}",
        "script": "scripts/arc_fixture.py", "seed": SEED, "numpy": np.__version__,
        "python": sys.version.split()[0], "stand_ins": notes, "vote_gather": how}
    text = json.dumps(fixture, separators=(",", ":"))
    text = text.replace('},{', '},\n{').replace('":[{', '":[\n{')  # a line per case: readable diffs
    with open(args.out, "w") as f:
        f.write(text + "\n")
    counts = {k: len(v) for k, v in fixture.items() if isinstance(v, list)}
    print(f"wrote {args.out}: {len(text)} bytes, {counts}, official {rev}, vote via {how}")


if __name__ == "__main__":
    main()
