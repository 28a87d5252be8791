// vote.test.mjs: symmetry voting in the module (SolveOptions.vote), checked against a vote done
// here, independently of the module's: each of a maze's 8 views (the dihedral transforms, written
// out below as core/maze.c numbers them) is solved alone by a batch-1 solver without voting, its
// answers are transformed back, and the answer most views give must be the voted solve's, pass by
// pass, with and without early halting (a halted view votes with its answer frozen at its halting
// step; the solve halts once every view has). Ties are compared only where the rule's q_halt
// tie-break is clear (as tests/test_evaluate_vote.c compares clear majorities). Also: the votes
// field, vote:false unchanged (also after voting grew the solver), a non-square model's 4 views,
// bad option values, the TRMWorker path. (memory.test.mjs checks that voting leaks nothing.)
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';

import { ROOT, TINY_MLPT, independentVote, loadTRM } from './helpers.mjs';
import { TRMWorker } from '../../web/trm.js';

const MODEL = join(ROOT, 'models/maze-11x11-mix.safetensors');
const trm = await loadTRM();
const model = trm.loadModel(readFileSync(MODEL));
const T = model.config.H_cycles;
const MAX_STEPS = 8; // of the model's 16: the views of the mazes below have settled (or halted) by then

// ---- the dihedral transforms (core/maze.c trm_maze_dihedral, trm_maze_dihedral_inverse) ----

const INVERSE = [0, 3, 2, 1, 4, 5, 6, 7];
const SWAPS = [1, 3, 6, 7]; // quarter turns and the diagonal reflections turn h x w into w x h

// Output cell (r, c) of transform tid comes from source cell (sr, sc).
function dihedral(g, h, w, tid) {
  const swap = SWAPS.includes(tid), oh = swap ? w : h, ow = swap ? h : w;
  let out = '';
  for (let r = 0; r < oh; r++) {
    for (let c = 0; c < ow; c++) {
      const [sr, sc] = [[r, c], [c, w - 1 - r], [h - 1 - r, w - 1 - c], [h - 1 - c, r],
        [r, w - 1 - c], [h - 1 - r, c], [c, r], [h - 1 - c, w - 1 - r]][tid];
      out += g[sr * w + sc];
    }
  }
  return out;
}
// The views of an h x w grid: every transform of a square one, the shape-keeping ones otherwise.
const viewTids = (h, w) => [0, 1, 2, 3, 4, 5, 6, 7].filter((t) => h === w || !SWAPS.includes(t));

// ---- the independent vote (independentVote: helpers.mjs) -----------------------------------

// Each view of the maze solved alone (batch 1, no voting): every pass of a full maxSteps solve,
// and the passes an early-halting solve runs (Infinity: it never halted).
function soloViews(grid, h, w, maxSteps) {
  const s = model.solver();
  try {
    return viewTids(h, w).map((tid) => {
      const q = dihedral(grid, h, w, tid);
      const shape = SWAPS.includes(tid) ? { height: w, width: h } : { height: h, width: w };
      const full = [...s.solve({ grid: q, ...shape }, { maxSteps })];
      const early = [...s.solve({ grid: q, ...shape }, { maxSteps, earlyHalt: true })];
      early.forEach((p, i) => assert.equal(p.grid, full[i].grid, 'early halting changes no pass before it stops'));
      const back = (p) => dihedral(p.grid, shape.height, shape.width, INVERSE[tid]);
      return { answers: full.map(back), q: full.map((p) => p.qHalt), haltPasses: early.at(-1).halted ? early.length : Infinity };
    });
  } finally {
    s.free();
  }
}

// The voted solve's passes against the independent vote. Returns what the last pass showed.
function compareWithSolo(voted, solo, earlyHalt, what) {
  const lastHalt = Math.max(...solo.map((v) => v.haltPasses));
  const expectPasses = earlyHalt && lastHalt !== Infinity ? lastHalt : MAX_STEPS * T;
  assert.equal(voted.length, expectPasses, `${what}: passes (${earlyHalt ? 'until the last view halted' : 'maxSteps'})`);
  let clear = 0;
  voted.forEach((p, i) => {
    const n = i + 1, at = `${what} pass ${n}`;
    // a view's answer: its current one, or with early halting the one it halted on
    const answers = solo.map((v) => v.answers[Math.min(n, earlyHalt ? v.haltPasses : n) - 1]);
    // its score: the q_halt logit of the last completed supervision step (it keeps refining)
    const k = Math.floor(n / T);
    const scores = solo.map((v) => (k ? v.q[k * T - 1] : NaN));
    const ref = independentVote(answers, scores);
    assert.deepEqual(p.votes, { views: 8, agree: ref.agree, distinct: ref.distinct }, `${at}: votes`);
    assert.ok(ref.allowed.includes(p.grid), `${at}: the voted grid is not the independent vote's (${ref.clear ? 'clear majority' : 'a tie'})`);
    clear += ref.clear;
    const agreeing = answers.map((a, v) => v).filter((v) => answers[v] === p.grid);
    assert.equal(agreeing.length, ref.agree, `${at}: views giving the voted grid`);
    for (let c = 0; c < p.grid.length; c++) {
      const share = answers.filter((a) => a[c] === p.grid[c]).length / answers.length;
      assert.equal(p.confidence[c], share, `${at}: confidence of cell ${c} is the share of views agreeing`);
    }
    if (n % T === 0) {
      const mean = agreeing.reduce((a, v) => a + scores[v], 0) / agreeing.length;
      assert.ok(Math.abs(p.qHalt - mean) <= 1e-4 * Math.max(1, Math.abs(mean)), `${at}: qHalt ${p.qHalt} vs the agreeing views' mean ${mean}`);
      assert.equal(p.haltProb, 1 / (1 + Math.exp(-p.qHalt)));
    } else {
      assert.equal(p.qHalt, null);
    }
    const last = n === voted.length;
    assert.equal(p.halted, earlyHalt && last && lastHalt !== Infinity, `${at}: halted`);
    assert.equal(p.done, last, `${at}: done`);
  });
  return { last: voted.at(-1), clear };
}

// Hard mazes (11x11, a unique shortest path of 22+ moves) on which the shipped model's views
// disagree on the final answer: 13 and 29 with view 0 itself wrong and outvoted (29 by a 4-4 tie
// the q_halt rule breaks), 8 and 15 with a clear majority over 2 to 5 answers. And one maze of the
// model's training mix (seed 31) on which two views change their answer after they halted and
// before the last view halts: only there does freezing a halted view's answer show.
const SEEDS = [8, 13, 15, 29, 'mix 31'];
const mazes = [...SEEDS.slice(0, 4).map((seed) => trm.generateMaze({ size: 11, seed, minPath: 22, unique: true })),
  model.generateMaze({ seed: 31, index: 0 })];
const solos = new Map(); // seed -> soloViews, shared by both early-halting settings
const soloOf = (i) => solos.get(i) ?? solos.set(i, soloViews(mazes[i].grid, 11, 11, MAX_STEPS)).get(i);

describe('symmetry voting', () => {
  after(() => model.free());

  test('the model and its solver know their views', () => {
    assert.equal(model.views, 8, '8 views of a square maze');
    const tiny = trm.createModel(TINY_MLPT, { seed: 1 }); // 4 x 5
    assert.equal(tiny.views, 4, '4 views of a non-square one');
    const mz = trm.generateMaze({ height: 4, width: 5, seed: 2, minPath: 1 });
    const p = [...tiny.solver().solve(mz, { vote: true })];
    assert.ok(p.every((x) => x.votes.views === 4 && x.votes.agree >= 1 && x.votes.agree <= 4 && x.votes.distinct >= 1));
    // the 4 views of a non-square grid, voted here: the same answer
    const s = tiny.solver();
    const solo = viewTids(4, 5).map((tid) => {
      const shape = SWAPS.includes(tid) ? { height: 5, width: 4 } : { height: 4, width: 5 };
      const q = dihedral(mz.grid, 4, 5, tid);
      return dihedral([...s.solve({ grid: q, ...shape })].at(-1).grid, shape.height, shape.width, INVERSE[tid]);
    });
    assert.deepEqual(viewTids(4, 5), [0, 2, 4, 5]);
    const ref = independentVote(solo, solo.map(() => 0));
    if (ref.clear) assert.equal(p.at(-1).grid, ref.allowed[0]);
    tiny.free();
  });

  for (const earlyHalt of [false, true]) {
    test(`a voted solve is the vote of its 8 views solved one by one (earlyHalt ${earlyHalt})`, () => {
      const s = model.solver();
      let disagreeAtEnd = 0, outvoted = 0, clear = 0, drifted = 0;
      mazes.forEach((mz, i) => {
        const solo = soloOf(i);
        const voted = [...s.solve(mz, { maxSteps: MAX_STEPS, earlyHalt, vote: true })];
        const r = compareWithSolo(voted, solo, earlyHalt, `seed ${SEEDS[i]}`);
        clear += r.clear;
        disagreeAtEnd += r.last.votes.distinct > 1;
        const view0 = solo[0].answers[Math.min(voted.length, earlyHalt ? solo[0].haltPasses : voted.length) - 1];
        outvoted += r.last.grid !== view0;
        // passes on which a halted view's current answer differs from the one it halted on
        for (const v of solo) for (let n = v.haltPasses + 1; n <= voted.length; n++) drifted += v.answers[n - 1] !== v.answers[v.haltPasses - 1];
      });
      // otherwise the comparison above could not tell a vote from one view's answer
      assert.ok(disagreeAtEnd >= 3, `the views disagree on the final answer of ${disagreeAtEnd} of ${mazes.length} mazes`);
      assert.ok(outvoted >= 1, 'on at least one maze the vote overrules the untransformed view');
      if (earlyHalt) assert.ok(drifted > 0, 'no halted view changed its answer later: freezing would not show');
      assert.ok(clear > 0);
      s.free();
    });
  }

  test('votes is null without vote, and vote:false passes are unchanged (also on a solver that voted)', () => {
    const mz = mazes[1];
    const strip = (ps) => ps.map(({ ms, ...p }) => ({ ...p, confidence: [...p.confidence] }));
    const fresh = model.solver();
    const plain = strip([...fresh.solve(mz, { maxSteps: 3 })]);
    assert.ok(plain.every((p) => p.votes === null));
    assert.deepEqual(strip([...fresh.solve(mz, { maxSteps: 3, vote: false })]), plain);
    const grown = model.solver();
    const voted = [...grown.solve(mz, { maxSteps: 3, vote: true })];
    assert.ok(voted.every((p) => p.votes && Object.keys(p.votes).join() === 'views,agree,distinct'));
    assert.notDeepEqual(strip(voted).map((p) => p.grid), plain.map((p) => p.grid), 'seed 13: the vote changes the answers');
    assert.deepEqual(strip([...grown.solve(mz, { maxSteps: 3 })]), plain, 'a solver that voted solves one view as before');
    assert.deepEqual(strip([...grown.solve(mz, { maxSteps: 3, earlyHalt: true })]),
      strip([...fresh.solve(mz, { maxSteps: 3, earlyHalt: true })]));
    fresh.free();
    grown.free();
  });

  test('a bad vote value is a bad_argument naming the option', () => {
    const s = model.solver();
    for (const bad of ['yes', 1, {}]) {
      assert.throws(() => s.reset(mazes[0], { vote: bad }), (e) => e.code === 'bad_argument' && /vote must be true or false/.test(e.message));
      assert.throws(() => [...s.solve(mazes[0], { vote: bad })], (e) => e.code === 'bad_argument' && /vote/.test(e.message));
    }
    assert.throws(() => s.reset(mazes[0], { votes: true }), (e) => e.code === 'bad_argument' && /unknown option 'votes'/.test(e.message));
    assert.throws(() => s.pass(), (e) => e.code === 'state', 'a refused reset leaves no solve to continue');
    s.free();
  });

  test('TRMWorker: vote goes through to the worker, its passes equal the synchronous solver\'s', async () => {
    const worker = await TRMWorker.create();
    try {
      const wm = await worker.loadModel(MODEL);
      assert.equal(wm.views, 8);
      const options = { maxSteps: 6, earlyHalt: true, vote: true };
      const got = [];
      for await (const p of wm.solve(mazes[1], options)) got.push(p);
      const ref = [...model.solver().solve(mazes[1], options)];
      const strip = (ps) => ps.map(({ ms, ...p }) => p);
      assert.deepEqual(strip(got), strip(ref));
      assert.ok(got.every((p) => p.votes?.views === 8));
      const plain = [];
      for await (const p of wm.solve(mazes[1], { maxSteps: 1 })) plain.push(p);
      assert.ok(plain.every((p) => p.votes === null), 'no vote unless asked');
      const run = wm.solve(mazes[1], { vote: 'yes' });
      await assert.rejects(run.result, (e) => e.code === 'bad_argument' && /vote must be true or false/.test(e.message));
    } finally {
      worker.terminate();
    }
  });
});
