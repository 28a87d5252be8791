// arc.test.mjs: ARC-AGI in the module (the task 'arc': trm-arc.js over web/trm_web_arc.c over
// core's arc.h). Checked here against small independent JavaScript versions of the rules arc.h
// states (the canvas layout, the crop, the dihedral transforms in maze.h's order after the colour
// map, the vote's order), not against the module's own code:
//   - encodeArc / cropArc / decodeArc on hand-made canvases, at the corner and off it;
//   - augmentations by name, number and object; augmentArc and its inverse;
//   - voteArc on a deterministic case of every tie-break (count, mean q, first appearance);
//   - arcViews: identity, dihedral, identifiers.json rows (blank row, plain id, other tasks),
//     random views (identity first, distinct, the same for the same seed);
//   - bad ARC input gets the named errors (ragged rows, colour 10, 31 columns, ...);
//   - a tiny random-init ARC model created here (and saved and loaded back as a file): each
//     pass's views are the views solved alone (one slot each), their answers the crop of their
//     canvases un-augmented, the vote voteArc's; the same through a TRMWorker; nothing leaks;
//   - native trm-eval --arc (when built with it) gives the same two attempts on the same model,
//     task and views (random augmentations by seed, and identifiers.json rows), wherever the
//     vote's order is clear (not decided by mean q's within float noise: see parity.test.mjs).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';

import { ROOT, TRMError, loadTRM, nativeTool } from './helpers.mjs';
import { TRMWorker } from '../../web/trm.js';

const trm = await loadTRM();

// A tiny ARC model: the 30x30 canvas with vocabulary 12 (the task sets it), 2 passes a step.
const TINY_ARC = {
  task: 'arc', hidden_size: 16, num_heads: 2, expansion: 2, L_layers: 1, H_cycles: 2, L_cycles: 1, halt_max_steps: 2,
  puzzle_emb_len: 2, puzzle_emb_ndim: 16, num_puzzle_identifiers: 6, grid_height: 30, grid_width: 30,
};

const throwsCode = (fn, code, re) => assert.throws(fn, (e) => {
  assert.ok(e instanceof TRMError, `expected a TRMError, got ${e}`);
  assert.equal(e.code, code, e.message);
  if (re) assert.match(e.message, re);
  return true;
});

// ---- independent versions of arc.h's rules ---------------------------------------------------

// The canvas of an h x w grid at (pr, pc): colours c + 2, EOS under the grid (its columns) and
// right of it (its rows), PAD elsewhere (the diagonal corner too).
function refEncode(g, pr = 0, pc = 0) {
  const h = g.length, w = g[0].length, out = new Uint8Array(900);
  for (let r = 0; r < 30; r++) {
    for (let c = 0; c < 30; c++) {
      const inR = r >= pr && r < pr + h, inC = c >= pc && c < pc + w;
      out[r * 30 + c] = inR && inC ? g[r - pr][c - pc] + 2 : (r === pr + h && inC) || (c === pc + w && inR) ? 1 : 0;
    }
  }
  return out;
}

// The official crop (evaluators/arc.py _crop): of the rectangles anchored at the corner whose
// rows 0..k-1 all start with at least n colour tokens (n capped by the rows above), the one of
// the largest area, the first (fewest rows) on a tie.
function refCrop(canvas) {
  let best = [0, 0], w = 30;
  for (let r = 0; r < 30; r++) {
    let n = 0;
    while (n < w && canvas[r * 30 + n] >= 2 && canvas[r * 30 + n] <= 11) n++;
    w = n;
    if ((r + 1) * w > best[0] * best[1]) best = [r + 1, w];
  }
  return Array.from({ length: best[0] }, (_, r) => Array.from(canvas.subarray(r * 30, r * 30 + best[1]), (t) => t - 2));
}

// maze.h's dihedral order (tests/js/vote.test.mjs writes the same table): output (r, c) comes
// from source (sr, sc).
const SWAPS = [1, 3, 6, 7];
function refDihedral(g, tid) {
  const h = g.length, w = g[0]?.length ?? 0, swap = SWAPS.includes(tid);
  const oh = swap ? w : h, ow = swap ? h : w;
  return Array.from({ length: oh }, (_, r) => Array.from({ length: ow }, (_, c) => {
    const [sr, sc] = [[r, c], [c, w - 1 - r], [h - 1 - r, w - 1 - c], [h - 1 - c, r],
      [r, w - 1 - c], [h - 1 - r, c], [c, r], [h - 1 - c, w - 1 - r]][tid];
    return g[sr][sc];
  }));
}
const refAugment = (g, aug) => refDihedral(g.map((row) => row.map((c) => aug.colours[c])), aug.dihedral);

// The vote: group equal answers, order by votes, then mean q, then first appearance.
function refVote(answers, q) {
  const groups = [];
  answers.forEach((a, i) => {
    const k = JSON.stringify(a);
    let g = groups.find((x) => x.k === k);
    if (!g) groups.push(g = { k, grid: a, views: [], sum: 0 });
    g.views.push(i);
    g.sum += q[i];
  });
  return groups.map((g, first) => ({ grid: g.grid, votes: g.views.length, meanQ: g.sum / g.views.length, views: g.views, first }))
    .sort((a, b) => b.votes - a.votes || b.meanQ - a.meanQ || a.first - b.first)
    .map(({ first, ...c }) => c);
}

const G = [[1, 2, 3], [4, 5, 6]]; // 2 x 3

// ---- the canvas ----------------------------------------------------------------------------

describe('ARC canvas', () => {
  test('encodeArc writes the official layout, at the corner and off it', () => {
    assert.deepEqual(trm.encodeArc(G), refEncode(G));
    assert.deepEqual(trm.encodeArc(G, { padRow: 5, padCol: 27 }), refEncode(G, 5, 27));
    const full = Array.from({ length: 30 }, (_, r) => Array.from({ length: 30 }, (_, c) => (r * 7 + c) % 10));
    assert.deepEqual(trm.encodeArc(full), refEncode(full)); // no room for EOS: none written
    const c = trm.encodeArc([[0]]);
    assert.deepEqual([c[0], c[1], c[30], c[31]], [2, 1, 1, 0], 'colour 0 is token 2; EOS right and under; the diagonal is PAD');
  });

  test('cropArc is the official crop, decodeArc the inverse of encodeArc', () => {
    assert.deepEqual(trm.cropArc(trm.encodeArc(G)), G);
    assert.deepEqual(trm.decodeArc(trm.encodeArc(G, { padRow: 3, padCol: 4 })), { grid: G, padRow: 3, padCol: 4 });
    // a model's canvas: a ragged block of colours; the crop is the largest rectangle the rows allow
    const canvas = new Uint8Array(900).fill(1);
    for (const [r, n] of [[0, 5], [1, 3], [2, 4], [3, 0], [4, 6]]) for (let c = 0; c < n; c++) canvas[r * 30 + c] = 2 + ((r + c) % 10);
    assert.deepEqual(trm.cropArc(canvas), refCrop(canvas));
    assert.deepEqual([trm.cropArc(canvas).length, trm.cropArc(canvas)[0].length], [3, 3], '3 x 3 (area 9) beats 1 x 5 and 2 x 3');
    canvas[30] = canvas[60] = 0; // rows 1 and 2 now start with PAD: 1 x 5 is the largest
    assert.deepEqual(trm.cropArc(canvas), refCrop(canvas));
    assert.equal(trm.cropArc(canvas)[0].length, 5);
    assert.deepEqual(trm.cropArc(Array.from(canvas)), refCrop(canvas), 'a plain array of tokens too');
    assert.deepEqual(trm.cropArc(new Uint8Array(900)), [], 'no colour at the corner: empty');
    throwsCode(() => trm.decodeArc(canvas), 'bad_grid', /row|column/);
  });
});

// ---- augmentations -------------------------------------------------------------------------------

describe('ARC augmentations', () => {
  test('by name, number and object: one and the same, named as the official puzzle names', () => {
    const a = trm.arcAugmentation('t3|||0481326597');
    assert.deepEqual({ dihedral: a.dihedral, colours: [...a.colours], name: a.name },
      { dihedral: 3, colours: [0, 4, 8, 1, 3, 2, 6, 5, 9, 7], name: 't3|||0481326597' });
    assert.deepEqual(trm.arcAugmentation(a.id), a);
    assert.deepEqual(trm.arcAugmentation({ dihedral: 3, colours: a.colours }), a);
    const id = trm.arcAugmentation(null);
    assert.equal(id.name, 't0|||0123456789');
    assert.equal(id.id, 0);
    for (let d = 0; d < 8; d++) assert.equal(trm.arcAugmentation(d).name, `t${d}|||0123456789`, 'numbers 0..7: the dihedral transforms');
  });

  test('augmentArc: the colour map, then the dihedral transform in maze.h\'s order; inverse undoes it', () => {
    for (const name of ['t0|||0123456789', 't1|||0123456789', 't3|||0481326597', 't6|||0918273645', 't7|||0213456789']) {
      const a = trm.arcAugmentation(name);
      const got = trm.augmentArc(G, name);
      assert.deepEqual(got, refAugment(G, a), name);
      assert.deepEqual(trm.augmentArc(got, a, { inverse: true }), G, `${name} undone`);
    }
    assert.deepEqual(trm.augmentArc([], 't2|||0123456789'), [], 'an empty answer stays empty');
  });

  test('bad augmentations are named', () => {
    throwsCode(() => trm.arcAugmentation('t8|||0123456789'), 'bad_argument', /augmentation/);
    throwsCode(() => trm.arcAugmentation('t1|||1023456789'), 'bad_argument'); // colour 0 must stay
    throwsCode(() => trm.arcAugmentation({ dihedral: 1, colours: [0, 1, 1, 3, 4, 5, 6, 7, 8, 9] }), 'bad_argument');
    throwsCode(() => trm.arcAugmentation({ dihedral: 9, colours: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] }), 'bad_argument', /dihedral/);
    throwsCode(() => trm.arcAugmentation(8 * 362880), 'bad_argument');
    throwsCode(() => trm.arcAugmentation(true), 'bad_argument');
  });
});

// ---- the vote ------------------------------------------------------------------------------------

describe('ARC vote', () => {
  test('most votes first, then the higher mean q, then the first appearance; empty answers count', () => {
    const A = [[1]], B = [[2]], C = [[3, 3]], D = [[4]];
    const answers = [A, B, C, B, C, [], D, [], A];
    const q = [0.9, 0.2, 0.6, 0.4, 0.6, 0.7, 0.99, 0.7, 0.1];
    // A, B, C and [] have 2 votes each: C (mean 0.6) and [] (0.7) beat A (0.5) and B (0.3);
    // A and D... D has one vote however high its q.
    const got = trm.voteArc(answers, q);
    assert.deepEqual(got.map((c) => c.grid), [[], C, A, B, D]);
    assert.deepEqual(got, refVote(answers, q));
    // equal count and equal mean q: the first seen wins (the official sort is stable)
    assert.deepEqual(trm.voteArc([B, A, A, B], [0.5, 0.5, 0.5, 0.5]).map((c) => c.grid), [B, A]);
    assert.deepEqual(trm.voteArc([A, B, B, A], [0.5, 0.5, 0.5, 0.5]).map((c) => c.grid), [A, B]);
  });

  test('bad vote arguments', () => {
    throwsCode(() => trm.voteArc([], []), 'bad_argument');
    throwsCode(() => trm.voteArc([[[1]]], [0.5, 0.5]), 'bad_argument', /q must be 1/);
    throwsCode(() => trm.voteArc([[[1]], [[1, 2], [3]]], [0.5, 0.5]), 'size_mismatch', /answers\[1\] row 1 has 1 column, row 0 has 2/);
  });
});

// ---- views ---------------------------------------------------------------------------------------

describe('ARC views', () => {
  const IDS = ['<blank>', '00576224', '00576224|||t1|||0123456789', '66e6c45b', '00576224|||t3|||0481326597',
    '66e6c45b|||t2|||0918273645'];

  test('identity, dihedral, identifiers rows (row order), limit', () => {
    assert.deepEqual(trm.arcViews('identity').map((v) => [v.puzzleId, v.augmentation.name]), [[0, 't0|||0123456789']]);
    const d = trm.arcViews('dihedral', { puzzleId: 3 });
    assert.deepEqual(d.map((v) => [v.puzzleId, v.augmentation.name]), [0, 1, 2, 3, 4, 5, 6, 7].map((t) => [3, `t${t}|||0123456789`]));
    const v = trm.arcViews({ identifiers: IDS, task: '00576224' });
    assert.deepEqual(v.map((x) => [x.puzzleId, x.augmentation.name]), [[1, 't0|||0123456789'], [2, 't1|||0123456789'], [4, 't3|||0481326597']]);
    assert.equal(v[2].name, IDS[4]);
    assert.deepEqual(trm.arcViews({ identifiers: IDS, task: '66e6c45b' }, { limit: 1 }).map((x) => x.puzzleId), [3]);
    throwsCode(() => trm.arcViews({ identifiers: IDS, task: 'be03b35f' }), 'bad_argument', /no puzzle be03b35f/);
    throwsCode(() => trm.arcViews({ identifiers: ['<blank>', 'abc|||t9|||0123456789'], task: 'abc' }), 'bad_argument', /row 1/);
    throwsCode(() => trm.arcViews('rotations'), 'bad_argument');
  });

  test('random views: the identity first, all distinct, the same for the same seed', () => {
    const a = trm.arcViews({ random: 16, seed: 7 }), b = trm.arcViews({ random: 16, seed: 7 });
    assert.equal(a[0].augmentation.id, 0);
    assert.equal(new Set(a.map((v) => v.augmentation.id)).size, 16);
    assert.deepEqual(a, b);
    assert.notDeepEqual(trm.arcViews({ random: 16, seed: 8 }), a);
    assert.ok(a.every((v) => v.puzzleId === 0));
  });
});

// ---- bad input -----------------------------------------------------------------------------------

describe('bad ARC input is named', () => {
  test('grids: ragged rows, colour 10, 31 columns, 31 rows, no rows, not arrays', () => {
    throwsCode(() => trm.encodeArc([[1, 2], [3]]), 'size_mismatch', /row 1 has 1 column, row 0 has 2/);
    throwsCode(() => trm.encodeArc([[1, 2], [3, 10]]), 'bad_grid', /row 1, column 1: 10 is not an ARC colour/);
    throwsCode(() => trm.encodeArc([[0, 1, 2.5]]), 'bad_grid', /row 0, column 2: 2.5/);
    throwsCode(() => trm.encodeArc([[0, '1']]), 'bad_grid', /row 0, column 1: "1"/);
    throwsCode(() => trm.encodeArc([new Array(31).fill(0)]), 'size_mismatch', /row 0 has 31 columns; an ARC grid has 1 to 30/);
    throwsCode(() => trm.encodeArc([[1], [2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2]]),
      'size_mismatch', /row 1 has 31 columns, row 0 has 1/);
    throwsCode(() => trm.encodeArc(Array.from({ length: 31 }, () => [0])), 'size_mismatch', /31 rows/);
    throwsCode(() => trm.encodeArc([]), 'size_mismatch', /0 rows/);
    throwsCode(() => trm.encodeArc([[1], 2]), 'bad_grid', /row 1 must be an array/);
    throwsCode(() => trm.encodeArc('12\n34'), 'bad_argument', /ARC grid/);
    throwsCode(() => trm.encodeArc(G, { padRow: 29 }), 'size_mismatch', /does not fit/);
  });

  test('canvases: the wrong length, tokens that are not bytes', () => {
    throwsCode(() => trm.cropArc(new Uint8Array(899)), 'size_mismatch', /899 tokens/);
    throwsCode(() => trm.cropArc(Array(900).fill(-1)), 'bad_argument', /token 0/);
  });

  test('models: ARC grids for ARC models only, strings for the others only; puzzle rows checked', () => {
    const arc = trm.createModel(TINY_ARC, { seed: 1 });
    const maze = trm.createModel({ hidden_size: 16, num_heads: 2, grid_height: 6, grid_width: 6, puzzle_emb_ndim: 16 });
    const s = arc.solver(), ms = maze.solver();
    try {
      throwsCode(() => s.reset('S    G'), 'bad_argument', /task is 'arc': give an ARC grid/);
      throwsCode(() => s.reset([[1, 2], [3]]), 'size_mismatch', /grid row 1 has 1 column, row 0 has 2/);
      throwsCode(() => s.reset([[1, 10]]), 'bad_grid', /grid row 0, column 1: 10/);
      throwsCode(() => s.reset([new Array(31).fill(3)]), 'size_mismatch', /31 columns/);
      throwsCode(() => s.reset(G, { puzzleIds: [6] }), 'bad_argument', /views\[0\]: puzzle identifier 6 is not a row/);
      throwsCode(() => s.reset(G, { views: [{ puzzleId: 1, augmentation: 't9|||0123456789' }] }), 'bad_argument', /views\[0\]\.augmentation/);
      throwsCode(() => s.reset(G, { views: [], puzzleIds: [1] }), 'bad_argument', /not both/);
      throwsCode(() => s.reset(G, { vote: true, puzzleIds: [1] }), 'bad_argument', /not both/);
      throwsCode(() => s.pass(), 'state');
      throwsCode(() => ms.reset([[1, 2], [3, 4]]), 'unsupported_task', /for models of the task 'arc'/);
      throwsCode(() => trm.createModel({ ...TINY_ARC, grid_height: 10, grid_width: 10 }), 'bad_argument', /30x30/);
    } finally {
      arc.free();
      maze.free();
    }
  });
});

// ---- solving -------------------------------------------------------------------------------------

describe('an ARC model solves in its views and votes as the official evaluator', () => {
  const before = trm.memoryStats().heapInUse;
  // created, saved as a model file and loaded back: the page loads converted files from disk
  const created = trm.createModel(TINY_ARC, { seed: 3 });
  const model = trm.loadModel(created.save());
  created.free();
  after(() => {
    model.free();
    assert.equal(trm.memoryStats().heapInUse, before, 'every model and solver was freed');
  });
  const Q = [[3, 0, 0], [0, 3, 1], [7, 7, 0]];
  const VIEWS = [...trm.arcViews('dihedral', { puzzleId: 2 }).slice(0, 3),
    { puzzleId: 4, augmentation: 't5|||0481326597' }, { puzzleId: 1 }];

  test('the model file says its task; reset takes an ArcGrid and views', () => {
    assert.equal(model.task.name, 'arc');
    assert.equal(model.config.vocab_size, 12);
    assert.equal(model.height * model.width, 900);
  });

  test('each pass: every view as if solved alone, answers cropped and un-augmented, the vote voteArc\'s', () => {
    const s = model.solver();
    const passes = [...s.solve(Q, { views: VIEWS })];
    const T = model.config.H_cycles;
    assert.equal(passes.length, model.config.halt_max_steps * T);
    // each view alone in a one-slot solve: the same canvases pass by pass
    const alone = VIEWS.map((v) => [...s.solve(Q, { views: [v] })]);
    passes.forEach((p, k) => {
      assert.equal(p.index, k);
      assert.equal(p.step, Math.floor(k / T) + 1);
      assert.equal(p.arc.views.length, VIEWS.length);
      const q = [];
      p.arc.views.forEach((v, i) => {
        const aug = trm.arcAugmentation(VIEWS[i].augmentation ?? null);
        assert.equal(v.puzzleId, VIEWS[i].puzzleId);
        assert.equal(v.canvas.length, 900);
        assert.deepEqual(v.canvas, alone[i][k].arc.views[0].canvas, `pass ${k} view ${i}: as solved alone`);
        assert.deepEqual(v.answer, trm.augmentArc(refCrop(v.canvas), aug, { inverse: true }), `pass ${k} view ${i}: its answer`);
        assert.equal(v.q === null, (k + 1) % T !== 0 && k < T, 'q from the end of the first supervision step on');
        q.push(v.q ?? 0.5);
      });
      const want = refVote(p.arc.views.map((v) => v.answer), q);
      assert.deepEqual(p.arc.candidates, want, `pass ${k}: the vote`);
      assert.deepEqual(p.arc.answer, want[0].grid);
      assert.equal(p.grid, want[0].grid.map((r) => r.join('')).join('\n'));
      assert.deepEqual(p.votes, { views: VIEWS.length, agree: want[0].votes, distinct: want.length });
      if ((k + 1) % T === 0) {
        assert.ok(Math.abs(p.haltProb - want[0].meanQ) < 1e-12);
        assert.ok(Math.abs(1 / (1 + Math.exp(-p.qHalt)) - p.haltProb) < 1e-9);
      } else assert.equal(p.haltProb, null);
    });
    assert.ok(passes.at(-1).done);
    s.free();
  });

  test('puzzleIds: one un-augmented view per row; vote: the 8 dihedral views; the default is row 0', () => {
    const s = model.solver();
    const byIds = [...s.solve(Q, { puzzleIds: [1, 3] })].at(-1);
    const byViews = [...s.solve(Q, { views: [{ puzzleId: 1 }, { puzzleId: 3, augmentation: 0 }] })].at(-1);
    assert.deepEqual(byIds.arc, byViews.arc);
    const voted = [...s.solve(Q, { vote: true })].at(-1);
    assert.deepEqual(voted.arc, [...s.solve(Q, { views: trm.arcViews('dihedral') })].at(-1).arc, 'vote: the 8 dihedral views');
    assert.equal(voted.votes.views, model.views);
    const plain = [...s.solve(Q)].at(-1);
    const row0 = [...s.solve(Q, { views: trm.arcViews('identity') })].at(-1);
    assert.deepEqual(plain.arc, row0.arc);
    assert.equal(plain.votes.views, 1);
    s.free();
  });

  test('earlyHalt: a run that never halts runs every step; solver.passes counts', () => {
    const s = model.solver();
    s.reset(Q, { views: VIEWS.slice(0, 2), earlyHalt: true, maxSteps: 1 });
    const p1 = s.pass(), p2 = s.pass();
    assert.equal(s.passes, 2);
    assert.ok(!p1.done && p2.done);
    for (const v of p2.arc.views) assert.ok(v.haltedAt === 0, 'no halt at step 1 (the answer must repeat a step\'s)');
    s.free();
  });

  test('the same through a TRMWorker', async () => {
    const w = await TRMWorker.create({ wasm: new URL('../../web/trm.wasm', import.meta.url).pathname });
    try {
      const wm = await w.loadModel(model.save());
      assert.equal(wm.task.name, 'arc');
      const views = await w.arcViews('dihedral', { limit: 2 });
      const got = [];
      for await (const p of wm.solve(Q, { views })) got.push(p);
      const s = model.solver();
      const want = [...s.solve(Q, { views })];
      s.free();
      assert.equal(got.length, want.length);
      got.forEach((p, i) => {
        assert.deepEqual(p.arc.candidates, want[i].arc.candidates);
        assert.deepEqual(p.arc.views.map((v) => v.canvas), want[i].arc.views.map((v) => v.canvas));
      });
      assert.deepEqual(await w.cropArc(trm.encodeArc(G)), G);
      await assert.rejects(wm.solve([[1, 10]]).result, (e) => e.code === 'bad_grid' && /column 1/.test(e.message));
      await wm.free();
    } finally {
      w.terminate();
    }
  });
});

// ---- native trm-eval --arc -------------------------------------------------------------------------

describe('native trm-eval --arc gives the same attempts', () => {
  const tool = nativeTool('trm-eval');
  const hasArc = tool && /--arc/.test(execFileSync(tool, ['--help'], { encoding: 'utf8' }));
  const dir = mkdtempSync(join(tmpdir(), 'trm-arc-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  // Attempts 1 and 2 where the vote's order is clear: [index, grid] pairs to compare.
  function clearAttempts(cands) {
    const clear = (a, b) => !b || a.votes !== b.votes || Math.abs(a.meanQ - b.meanQ) > 1e-3;
    const out = [];
    if (clear(cands[0], cands[1])) out.push([0, cands[0].grid]);
    if (cands.length === 1) out.push([1, cands[0].grid]); // the best twice when there is one answer
    else if (out.length && clear(cands[1], cands[2])) out.push([1, cands[1].grid]);
    return out;
  }

  test('random views by seed, and identifiers.json rows', (t) => {
    if (!hasArc) return t.skip('no native trm-eval with --arc (build it: cmake --build build)');
    const model = trm.createModel({ ...TINY_ARC, halt_max_steps: 3 }, { seed: 11 });
    const file = join(dir, 'arc.safetensors');
    writeFileSync(file, model.save());
    const ids = ['<blank>', '6ea4a07e', '6ea4a07e|||t1|||0123456789', '00576224', '6ea4a07e|||t6|||0918273645', 'x'];
    writeFileSync(join(dir, 'identifiers.json'), JSON.stringify(ids));
    const cases = [
      { args: ['--augmentations', '8', '--seed', '5'], views: trm.arcViews({ random: 8, seed: 5 }) },
      { args: ['--identifiers', join(dir, 'identifiers.json')], views: trm.arcViews({ identifiers: ids, task: '6ea4a07e' }) },
    ];
    const s = model.solver();
    let compared = 0;
    try {
      for (const { args, views } of cases) {
        const sub = join(dir, 'submission.json');
        const taskFile = join(ROOT, 'tests/data/arc/6ea4a07e.json');
        execFileSync(tool, ['--model', file, '--arc', taskFile, ...args, '--submission', sub, '--json', '--threads', '1'],
          { stdio: ['ignore', 'pipe', 'pipe'] });
        const native = JSON.parse(readFileSync(sub, 'utf8'))['6ea4a07e'];
        const task = JSON.parse(readFileSync(taskFile, 'utf8'));
        task.test.forEach((pair, i) => {
          const last = [...s.solve(pair.input, { views })].at(-1);
          for (const [k, grid] of clearAttempts(last.arc.candidates)) {
            assert.deepEqual(native[i][`attempt_${k + 1}`], grid, `${args[0]} test ${i}: attempt ${k + 1}`);
            compared++;
          }
        });
      }
    } finally {
      s.free();
      model.free();
    }
    assert.ok(compared > 0, 'some attempts were compared');
  });
});
