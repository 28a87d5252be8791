// sudoku.test.mjs: the sudoku task in the module: generateSudoku (determinism, equality with native
// trm-sudoku, the rating bounds, symmetry), puzzles that are valid, have one solution and are
// minimal, by solveSudoku and trm.verify and by an independent solver written here; bad inputs and
// their codes; a sudoku model (tests/data/sudoku_tiny.safetensors, README.md) solving through the
// same Solver as mazes, pass by pass; symmetry voting over a sudoku's 8 views against a vote done
// here (the views are core/sudoku.c's fixed shuffles, written out below from its RNG); the
// TRMWorker path.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';

import { CHARSET, ROOT, TINY_ATTN, independentVote, loadTRM, nativeTool } from './helpers.mjs';
import { TRMWorker } from '../../web/trm.js';

const trm = await loadTRM();
const FIXTURE = join(ROOT, 'tests/data/sudoku_tiny.safetensors');
const model = trm.loadModel(readFileSync(FIXTURE));
const T = model.config.H_cycles;
const DIGITS = '123456789';

// Norvig's grid1 (singles solve it) and its solution; the same with '0' blanks.
const GRID1 = '..3.2.6..9..3.5..1..18.64....81.29..7.......8..67.82....26.95..8..2.3..9..5.1.3..';
const GRID1_SOLUTION = '483921657967345821251876493548132976729564138136798245372689514814253769695417382';

// ---- an independent solver: plain depth-first search over candidate bitmasks ------------------

const unitsOf = (i) => {
  const r = Math.floor(i / 9), c = i % 9, b = Math.floor(r / 3) * 3 + Math.floor(c / 3);
  return [r, 9 + c, 18 + b];
};
const CELLS_OF = Array.from({ length: 27 }, (_, u) => Array.from({ length: 81 }, (_, i) => i).filter((i) => unitsOf(i).includes(u)));

// Solutions of a grid ('.' blanks), counted up to `limit`; the first one found.
function countSolutions(grid, limit = 2) {
  const g = [...grid].map((ch) => (ch === '.' ? 0 : Number(ch)));
  const used = new Array(27).fill(0); // bit d: digit d is placed in the unit
  for (let i = 0; i < 81; i++) {
    if (!g[i]) continue;
    for (const u of unitsOf(i)) {
      if (used[u] >> g[i] & 1) return { count: 0, first: null }; // clashing givens
      used[u] |= 1 << g[i];
    }
  }
  let count = 0, first = null;
  const search = () => {
    let best = -1, bestMask = 0, bestN = 10;
    for (let i = 0; i < 81; i++) {
      if (g[i]) continue;
      const [a, b, c] = unitsOf(i);
      const mask = ~(used[a] | used[b] | used[c]) & 0x3fe;
      let n = 0;
      for (let m = mask; m; m &= m - 1) n++;
      if (n < bestN) { best = i; bestMask = mask; bestN = n; }
    }
    if (best < 0) {
      if (count++ === 0) first = g.join('');
      return;
    }
    const units = unitsOf(best);
    for (let d = 1; d <= 9 && count < limit; d++) {
      if (!(bestMask >> d & 1)) continue;
      g[best] = d;
      for (const u of units) used[u] |= 1 << d;
      search();
      for (const u of units) used[u] &= ~(1 << d);
      g[best] = 0;
    }
  };
  search();
  return { count, first };
}

// A solved grid keeping every given of the question: the check written out, not the module's.
function solves(question, answer) {
  if (!/^[1-9]{81}$/.test(answer)) return false;
  for (let i = 0; i < 81; i++) if (question[i] !== '.' && question[i] !== answer[i]) return false;
  return CELLS_OF.every((cells) => new Set(cells.map((i) => answer[i])).size === 9);
}

// ---- core/sudoku.c's shuffles, written out (xoshiro256** seeded by splitmix64, core/rng.c) ----

const M64 = (1n << 64n) - 1n;
function mix64(z) {
  z = ((z ^ (z >> 30n)) * 0xBF58476D1CE4E5B9n) & M64;
  z = ((z ^ (z >> 27n)) * 0x94D049BB133111EBn) & M64;
  return z ^ (z >> 31n);
}
function rng(seed) {
  let x = seed;
  const s = [0, 1, 2, 3].map(() => mix64((x = (x + 0x9E3779B97F4A7C15n) & M64)));
  const rotl = (v, k) => ((v << BigInt(k)) | (v >> BigInt(64 - k))) & M64;
  const next = () => {
    const result = (rotl((s[1] * 5n) & M64, 7) * 9n) & M64, t = (s[1] << 17n) & M64;
    s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]; s[2] ^= t; s[3] = rotl(s[3], 45);
    return result;
  };
  // Lemire's multiply-shift with rejection (trm_rng_below)
  return (n) => {
    if (n <= 1) return 0;
    const N = BigInt(n);
    let m = (next() >> 32n) * N;
    if ((m & 0xffffffffn) < N) {
      const threshold = ((1n << 32n) - N) % N;
      while ((m & 0xffffffffn) < threshold) m = (next() >> 32n) * N;
    }
    return Number(m >> 32n);
  };
}
// Shuffle id: dst cell i takes src cell from[i]; digit d becomes digit[d - 1] + 1.
function shuffleMaps(id) {
  const digit = [0, 1, 2, 3, 4, 5, 6, 7, 8], from = Array.from({ length: 81 }, (_, i) => i);
  if (id === 0) return { from, digit };
  const below = rng(mix64((BigInt(id) * 0x9E3779B97F4A7C15n) & M64));
  const swap = (a, i, j) => { [a[i], a[j]] = [a[j], a[i]]; };
  for (let d = 8; d > 0; d--) swap(digit, d, below(d + 1));
  const transpose = below(2);
  const rows = [], cols = [];
  for (const line of [rows, cols]) {
    const bands = [0, 1, 2];
    for (let b = 2; b > 0; b--) swap(bands, b, below(b + 1));
    for (let b = 0; b < 3; b++) {
      const inner = [0, 1, 2];
      for (let k = 2; k > 0; k--) swap(inner, k, below(k + 1));
      for (let k = 0; k < 3; k++) line[b * 3 + k] = bands[b] * 3 + inner[k];
    }
  }
  for (let r = 0; r < 9; r++) for (let c = 0; c < 9; c++) from[r * 9 + c] = transpose ? cols[c] * 9 + rows[r] : rows[r] * 9 + cols[c];
  return { from, digit };
}
// A grid (any characters: '.', '?' keep theirs) seen through shuffle id, or back.
function shuffle(grid, id, inverse = false) {
  const { from, digit } = shuffleMaps(id);
  const undo = [];
  digit.forEach((d, i) => { undo[d] = i; });
  const map = (ch) => (DIGITS.includes(ch) ? String((inverse ? undo : digit)[Number(ch) - 1] + 1) : ch);
  const out = new Array(81);
  for (let i = 0; i < 81; i++) {
    if (inverse) out[from[i]] = map(grid[i]);
    else out[i] = map(grid[from[i]]);
  }
  return out.join('');
}

// ---- generation ------------------------------------------------------------------------------

describe('generateSudoku', () => {
  test('deterministic: the same seed and index give the same puzzle, another index another', () => {
    const a = trm.generateSudoku({ seed: 7, index: 3 });
    assert.deepEqual(trm.generateSudoku({ seed: 7, index: 3 }), a);
    assert.deepEqual(trm.generateSudoku({ seed: 7n, index: 3n }), { ...a, seed: 7n, index: 3n }, 'BigInt seeds give the same puzzle');
    assert.notEqual(trm.generateSudoku({ seed: 7, index: 4 }).grid, a.grid);
    assert.notEqual(trm.generateSudoku({ seed: 8, index: 3 }).grid, a.grid);
    assert.deepEqual(Object.keys(a), ['grid', 'solution', 'rating', 'seed', 'index', 'generator', 'height', 'width', 'task']);
    assert.deepEqual([a.seed, a.index, a.generator, a.height, a.width, a.task], [7, 3, 'minimal', 9, 9, 'sudoku']);
    assert.match(a.grid, /^[.1-9]{81}$/);
    // a big 64-bit index goes through whole
    const big = trm.generateSudoku({ seed: 2n ** 63n + 5n, index: 2n ** 40n + 1n });
    assert.equal(big.index, 2n ** 40n + 1n);
    assert.deepEqual(trm.generateSudoku({ seed: 2n ** 63n + 5n, index: 2n ** 40n + 1n }), big);
  });

  const native = nativeTool('trm-sudoku');
  test('equals native trm-sudoku row by row (minimal and symmetric, with a minimum rating)', { skip: native ? false : 'native trm-sudoku is not built' }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'trm-sudoku-'));
    try {
      for (const [generator, minRating] of [['minimal', 0], ['symmetric', 2]]) {
        const csv = join(dir, `${generator}.csv`);
        execFileSync(native, ['--count', '12', '--seed', '11', '--generator', generator, '--min-rating', String(minRating),
          '--out', csv, '--quiet']);
        const rows = readFileSync(csv, 'utf8').trim().split('\n').slice(1).map((l) => l.split(',').map((f) => f.replace(/"/g, '')));
        rows.forEach(([, q, a, rating], k) => {
          const p = trm.generateSudoku({ seed: 11, index: k, generator, minRating });
          assert.deepEqual([p.grid, p.solution, p.rating], [q, a, Number(rating)], `${generator} row ${k}`);
        });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('puzzles are valid, have one solution, are minimal: by the module and by a solver written here', () => {
    for (let k = 0; k < 6; k++) {
      const p = trm.generateSudoku({ seed: 5, index: k });
      const own = trm.solveSudoku(p.grid);
      assert.deepEqual(own, { solutions: 1, solution: p.solution, rating: p.rating, guesses: own.guesses, backtracks: p.rating });
      const v = trm.verify(p, p.solution, p.solution);
      assert.deepEqual(v, { valid: true, optimal: true, exact: true, length: [...p.grid].filter((c) => c === '.').length,
                            shortest: [...p.grid].filter((c) => c === '.').length, reason: '' });
      const mine = countSolutions(p.grid);
      assert.equal(mine.count, 1, `puzzle ${k}: one solution`);
      assert.equal(mine.first, p.solution, `puzzle ${k}: its solution`);
      assert.ok(solves(p.grid, p.solution));
      // minimal: without any one clue the solution is no longer unique
      for (let i = 0; i < 81; i++) {
        if (p.grid[i] === '.') continue;
        assert.equal(countSolutions(p.grid.slice(0, i) + '.' + p.grid.slice(i + 1)).count, 2, `puzzle ${k}: clue ${i} can go`);
      }
    }
  });

  test('rating bounds: minRating, maxRating (the page\'s bands), and the rating is solveSudoku\'s', () => {
    for (const [minRating, maxRating] of [[0, 0], [1, 3], [4, 15], [16, undefined]]) {
      for (let k = 0; k < 4; k++) {
        const p = trm.generateSudoku({ seed: 3, index: 10 * k, minRating, maxRating });
        assert.ok(p.rating >= minRating && (maxRating === undefined || p.rating <= maxRating),
          `band ${minRating}-${maxRating ?? ''}: rating ${p.rating}`);
        assert.equal(trm.solveSudoku(p.grid).rating, p.rating);
        assert.equal(countSolutions(p.grid).count, 1);
        // the kept index is core's own puzzle of that index with minRating: reproducible alone
        assert.ok(p.index >= 10 * k);
        const again = trm.generateSudoku({ seed: 3, index: p.index, minRating });
        assert.deepEqual([again.grid, again.rating], [p.grid, p.rating]);
      }
    }
    // without maxRating the index asked for is kept, whatever its rating
    const hard = trm.generateSudoku({ seed: 3, index: 0, minRating: 8 });
    assert.equal(hard.index, 0);
    assert.ok(hard.rating >= 8);
    // a band skips the puzzles outside it: seed 1's puzzle 0 rates 4 (tests/data: trm-sudoku seed 1)
    assert.equal(trm.generateSudoku({ seed: 1, index: 0 }).rating, 4);
    const easy = trm.generateSudoku({ seed: 1, index: 0, maxRating: 0 });
    assert.ok(easy.index > 0 && easy.rating === 0);
  });

  test('symmetric: the blanks are symmetric about the centre', () => {
    for (let k = 0; k < 4; k++) {
      const p = trm.generateSudoku({ seed: 9, index: k, generator: 'symmetric' });
      for (let i = 0; i < 81; i++) assert.equal(p.grid[i] === '.', p.grid[80 - i] === '.', `puzzle ${k} cell ${i}`);
      assert.equal(countSolutions(p.grid).count, 1);
    }
  });

  test('bad options are bad_argument errors naming the option', () => {
    const bad = (opts, re) => assert.throws(() => trm.generateSudoku(opts), (e) => e.name === 'TRMError' && e.code === 'bad_argument' && re.test(e.message), re.source);
    bad({ generator: 'easy' }, /generator 'easy' is not 'minimal' or 'symmetric'/);
    bad({ minRating: -1 }, /minRating -1 must be an integer/);
    bad({ minRating: 1.5 }, /minRating 1.5/);
    bad({ maxRating: 'hard' }, /maxRating hard must be an integer/);
    bad({ minRating: 5, maxRating: 4 }, /maxRating 4 is below minRating 5/);
    bad({ maxGrids: 0 }, /maxGrids 0/);
    bad({ seed: -1 }, /seed -1 must be a non-negative/);
    bad({ level: 'easy' }, /unknown option 'level'/);
    bad('easy', /options must be an object/);
    // none rated high enough within maxGrids: core says so
    bad({ minRating: 1000, maxGrids: 3 }, /generateSudoku: no minimal sudoku rated >= 1000 in 3 solved grids/);
  });
});

// ---- solveSudoku and verify --------------------------------------------------------------------

describe('solveSudoku and verify', () => {
  test('solveSudoku counts up to 2 solutions and rates; \'0\' and rows of 9 are read', () => {
    const one = trm.solveSudoku(GRID1);
    assert.deepEqual(one, { solutions: 1, solution: GRID1_SOLUTION, rating: 0, guesses: 0, backtracks: 0 });
    assert.deepEqual(trm.solveSudoku(GRID1.replace(/\./g, '0')), one);
    assert.deepEqual(trm.solveSudoku(GRID1.match(/.{9}/g).join('\n')), one);
    assert.deepEqual(trm.solveSudoku({ grid: GRID1 }), one);
    const two = trm.solveSudoku('.'.repeat(81));
    assert.equal(two.solutions, 2);
    assert.equal(two.rating, null, 'no rating without one solution');
    assert.ok(solves('.'.repeat(81), two.solution));
    // no solution: givens that do not clash but leave a cell without a candidate (row 0, column 0)
    const none = '.23456789' + '1' + '.'.repeat(71);
    assert.equal(countSolutions(none).count, 0);
    assert.deepEqual(trm.solveSudoku(none), { solutions: 0, solution: null, rating: null, guesses: 0, backtracks: 0 });
  });

  test('verify by the sudoku rules: valid, exact, and the reason when not valid', () => {
    const q = GRID1, s = GRID1_SOLUTION;
    const opts = { task: 'sudoku' };
    const blanks = [...q].filter((c) => c === '.').length;
    assert.deepEqual(trm.verify(q, s, s, opts), { valid: true, optimal: true, exact: true, length: blanks, shortest: blanks, reason: '' });
    assert.equal(trm.verify(q, s, null, opts).exact, null, 'no label: exact is null');
    assert.equal(trm.verify(q.replace(/\./g, '0'), s, s, opts).valid, true, "'0' blanks in the question");
    // a valid grid that ignores a given is not valid (row 0, column 2 gives 3)
    const rows = s.match(/.{9}/g);
    const swapped = rows.map((r) => [...r].map((ch) => ({ 3: '4', 4: '3' })[ch] ?? ch).join('')).join('');
    assert.ok(CELLS_OF.every((cells) => new Set(cells.map((i) => swapped[i])).size === 9), 'relabelled: still a solved grid');
    let v = trm.verify(q, swapped, s, opts);
    assert.deepEqual([v.valid, v.optimal, v.exact], [false, false, false]);
    assert.match(v.reason, /row 0, column 2 is 4 where the question gives 3/);
    // a digit twice in a box (a blank cell changed), a blank left, a model's '?'
    const dup = '8' + s.slice(1); // row 0, column 0 is a blank of the question; its solution is 4, row 0's 8 is at column 1
    v = trm.verify(q, dup, s, opts);
    assert.deepEqual([v.valid, v.exact], [false, false]);
    assert.equal(v.reason, 'row 0 has two 8s (row 0, column 0 and row 0, column 1)');
    assert.match(trm.verify(q, '.' + s.slice(1), s, opts).reason, /row 0, column 0 holds no digit/);
    assert.match(trm.verify(q, '?' + s.slice(1), s, opts).reason, /row 0, column 0 holds no digit/);
    // a different solved grid that keeps the givens would be valid but not exact; an empty
    // question has many: its solution from the solver vs another label
    const empty = '.'.repeat(81), any = trm.solveSudoku(empty).solution;
    v = trm.verify(empty, any, GRID1_SOLUTION, opts);
    assert.deepEqual([v.valid, v.exact], [true, any === GRID1_SOLUTION]);
    // the task comes from the question: a generated Sudoku carries it
    const p = trm.generateSudoku({ seed: 2 });
    assert.equal(trm.verify(p, p.solution).valid, true);
    assert.equal(trm.verify(p, p.grid).reason.includes('holds no digit'), true);
    // a question with no solution: shortest is null
    const none = '.23456789' + '1' + '.'.repeat(71);
    v = trm.verify(none, s, null, opts);
    assert.deepEqual([v.valid, v.shortest], [false, null]);
  });

  test('bad inputs: wrong length, bad characters, clashing givens, a task that does not exist', () => {
    const expect = (fn, code, re) => assert.throws(fn, (e) => {
      assert.equal(e.name, 'TRMError');
      assert.equal(e.code, code, `${e.code}: ${e.message}`);
      assert.match(e.message, re);
      return true;
    });
    const opts = { task: 'sudoku' };
    const heap = trm.memoryStats().heapInUse;
    expect(() => trm.solveSudoku(GRID1.slice(1)), 'size_mismatch', /solveSudoku: grid has 80 characters, expected 9 x 9 = 81/);
    expect(() => trm.solveSudoku(GRID1 + '.'), 'size_mismatch', /82 characters/);
    expect(() => trm.solveSudoku('.'.repeat(8) + '\n' + '.'.repeat(9)), 'size_mismatch', /row 1 has 9 characters, row 0 has 8/);
    expect(() => trm.solveSudoku('x' + GRID1.slice(1)), 'bad_charset', /row 0, column 0: character 'x' is not one of "\.123456789"/);
    expect(() => trm.solveSudoku(GRID1.slice(0, 40) + 'é' + GRID1.slice(41)), 'bad_charset', /row 4, column 4: character "é"/);
    expect(() => trm.solveSudoku('55' + '.'.repeat(79)), 'bad_grid', /solveSudoku: contradictory givens: row 0 has two 5s \(row 0, column 0 and row 0, column 1\)/);
    expect(() => trm.solveSudoku('5' + '.'.repeat(8) + '5' + '.'.repeat(71)), 'bad_grid', /column 0 has two 5s \(row 0, column 0 and row 1, column 0\)/);
    expect(() => trm.solveSudoku('5' + '.'.repeat(9) + '5' + '.'.repeat(70)), 'bad_grid', /box 0 has two 5s \(row 0, column 0 and row 1, column 1\)/);
    expect(() => trm.solveSudoku(null), 'bad_argument', /null/);
    expect(() => trm.verify(GRID1.slice(1), GRID1_SOLUTION, null, opts), 'size_mismatch', /verify: grid has 80 characters, expected 9 x 9/);
    expect(() => trm.verify(GRID1, GRID1_SOLUTION.slice(1), null, opts), 'size_mismatch', /verify: answer has 80 characters/);
    expect(() => trm.verify('55' + GRID1.slice(2), GRID1_SOLUTION, null, opts), 'bad_grid', /row 0 has two 5s/);
    expect(() => trm.verify(GRID1.replace('3', 'S'), GRID1_SOLUTION, null, opts), 'bad_charset', /question: grid row 0, column 2: character 'S'/);
    expect(() => trm.verify(GRID1, GRID1_SOLUTION, GRID1_SOLUTION.replace('4', '#'), opts), 'bad_charset', /label: grid row 0, column 0: character '#'/);
    expect(() => trm.verify(GRID1, GRID1_SOLUTION, null, { task: 'nonogram' }), 'unsupported_task', /verify: task "nonogram" is not one this module supports \(maze, sudoku, arc\)/);
    expect(() => trm.verify(GRID1, GRID1_SOLUTION, null, { task: 3 }), 'bad_argument', /verify: task 3/);
    expect(() => trm.verify(GRID1, GRID1_SOLUTION, null, { tasks: 'sudoku' }), 'bad_argument', /unknown option 'tasks'/);
    // a sudoku checked as a maze (the default task) is named as such
    expect(() => trm.verify(GRID1, GRID1_SOLUTION), 'bad_charset', /not one of "# SGo"/);
    expect(() => trm.generateSudoku({ minRating: 1000, maxGrids: 2 }), 'bad_argument', /no minimal sudoku/);
    expect(() => trm.generateSudoku({ minRating: 20, maxRating: 30, maxGrids: 1 }), 'bad_argument', /no minimal sudoku rated >= 20 in 1 solved grids/);
    assert.equal(trm.memoryStats().heapInUse, heap, 'the errors left nothing allocated');
    // and the helpers leave nothing allocated either
    for (let k = 0; k < 20; k++) {
      const p = trm.generateSudoku({ seed: 100 + k, maxRating: 2 });
      trm.solveSudoku(p.grid);
      trm.verify(p, p.grid, p.solution);
    }
    assert.equal(trm.memoryStats().heapInUse, heap, 'generateSudoku, solveSudoku and verify leave nothing allocated');
  });
});

// ---- a sudoku model through the solver ---------------------------------------------------------

describe('a sudoku model solves through the same Solver as mazes', () => {
  after(() => model.free());
  const puzzle = trm.generateSudoku({ seed: 1, index: 0 });

  test('the model says its task, views and size', () => {
    assert.deepEqual(model.task, { name: 'sudoku', charset: '.123456789' });
    assert.equal(model.config.task, 'sudoku');
    assert.equal(model.config.mlp_t, true);
    assert.equal(model.config.vocab_size, 11);
    assert.deepEqual([model.height, model.width, model.views], [9, 9, 8]);
    assert.equal(model.training?.task, 'sudoku');
  });

  test('pass structure: halt_max_steps x H_cycles passes, numbered, digits with confidences, q_halt per step', () => {
    const s = model.solver();
    const passes = [...s.solve(puzzle)];
    const N = model.config.halt_max_steps;
    assert.equal(passes.length, N * T);
    passes.forEach((p, i) => {
      assert.deepEqual([p.index, p.step, p.recursion], [i, Math.floor(i / T) + 1, (i % T) + 1]);
      assert.equal(p.grid.length, 81);
      assert.match(p.grid, /^[.1-9?]{81}$/);
      assert.ok(p.confidence instanceof Float32Array && p.confidence.length === 81);
      assert.ok(p.confidence.every((c) => c > 0 && c <= 1));
      assert.equal(p.qHalt === null, (i + 1) % T !== 0);
      if (p.qHalt !== null) assert.equal(p.haltProb, 1 / (1 + Math.exp(-p.qHalt)));
      assert.equal(p.votes, null);
      assert.equal(p.done, i === passes.length - 1);
    });
    // the trained model fills most blanks with digits and its answers change along the passes
    const last = passes.at(-1).grid;
    assert.ok([...last].filter((c) => DIGITS.includes(c)).length > 60, `digits in the last answer: ${last}`);
    assert.ok(new Set(passes.map((p) => p.grid)).size > 1, 'the answer is revised');
    const v = trm.verify(puzzle, last, puzzle.solution);
    assert.equal(typeof v.valid, 'boolean');
    if (!v.valid) assert.ok(v.reason.length > 0);
    // maxSteps and early halting as for mazes; '0' blanks and rows of 9 give the same passes
    assert.equal([...s.solve(puzzle, { maxSteps: 2 })].length, 2 * T);
    const strip = (ps) => ps.map(({ ms, ...p }) => ({ ...p, confidence: [...p.confidence] }));
    assert.deepEqual(strip([...s.solve(puzzle.grid.replace(/\./g, '0'))]), strip(passes));
    assert.deepEqual(strip([...s.solve(puzzle.grid.match(/.{9}/g).join('\n'))]), strip(passes));
    const early = [...s.solve(puzzle, { earlyHalt: true })];
    early.forEach((p, i) => assert.equal(p.grid, passes[i].grid));
    s.free();
  });

  test('bad questions for a sudoku model, and models of the other task', () => {
    const s = model.solver();
    const expect = (fn, code, re) => assert.throws(fn, (e) => e.name === 'TRMError' && e.code === code && re.test(e.message), `${code} ${re}`);
    expect(() => s.reset(puzzle.grid.slice(1)), 'size_mismatch', /grid has 80 characters, expected 9 x 9 = 81/);
    expect(() => s.reset('S' + puzzle.grid.slice(1)), 'bad_charset', /row 0, column 0: character 'S' is not one of "\.123456789"/);
    expect(() => s.reset('55' + '.'.repeat(79)), 'bad_grid', /contradictory givens: row 0 has two 5s/);
    const maze = trm.generateMaze({ size: 9, seed: 1, minPath: 2 });
    expect(() => s.reset(maze.grid), 'bad_charset', /row \d, column \d: character '[# SG]' is not one of "\.123456789"/);
    expect(() => s.pass(), 'state', /reset/);
    // the maze helpers refuse the sudoku model by name
    expect(() => model.generateMaze({ seed: 1 }), 'unsupported_task', /generateMaze: this model's task is 'sudoku'; generateMaze is for maze models/);
    expect(() => model.trainingFit(maze), 'unsupported_task', /trainingFit: this model's task is 'sudoku'/);
    // and a maze model does not take a sudoku
    const mm = trm.createModel({ ...TINY_ATTN, grid_height: 9, grid_width: 9 }, { seed: 1 });
    expect(() => mm.solver().reset(puzzle.grid), 'bad_charset', /character '\.' is not one of "# SGo"/);
    mm.free();
    assert.equal(CHARSET, '# SGo');
    s.free();
  });
});

// ---- symmetry voting over a sudoku's 8 views -----------------------------------------------------

describe('symmetry voting on a sudoku', () => {
  const vm = trm.loadModel(readFileSync(FIXTURE));
  after(() => vm.free());

  test('the shuffles written here are the views: every view of a puzzle has one solution, the puzzle\'s shuffled', () => {
    const p = trm.generateSudoku({ seed: 4 });
    for (let v = 0; v < 8; v++) {
      const q = shuffle(p.grid, v), sol = shuffle(p.solution, v);
      assert.equal(shuffle(q, v, true), p.grid, `view ${v} undone`);
      assert.equal(trm.solveSudoku(q).solution, sol, `view ${v}: its solution is the puzzle's, shuffled`);
      if (v) assert.notEqual(q, p.grid);
    }
  });

  // The tiny model's views rarely give the same whole grid, so most passes are ties broken by the
  // mean q_halt (checked: only the tied answer with the best mean is allowed, unless within 1e-3);
  // the per-cell agreement shows that the views' answers are shuffled back into one frame.
  test('every pass of a voted solve is the vote of the 8 views solved one by one', () => {
    let disagreed = 0, decided = 0, agreedCells = 0;
    for (const seed of [1, 2, 3]) {
      const p = trm.generateSudoku({ seed });
      const s = vm.solver();
      // each view alone (batch 1, no voting), its answers shuffled back
      const solo = [0, 1, 2, 3, 4, 5, 6, 7].map((v) => {
        const ps = [...s.solve(shuffle(p.grid, v))];
        return { answers: ps.map((x) => shuffle(x.grid, v, true)), q: ps.map((x) => x.qHalt) };
      });
      const voted = [...s.solve(p, { vote: true })];
      assert.equal(voted.length, vm.config.halt_max_steps * T);
      voted.forEach((x, i) => {
        const at = `seed ${seed} pass ${i + 1}`;
        const answers = solo.map((v) => v.answers[i]);
        const k = Math.floor((i + 1) / T);
        const scores = solo.map((v) => (k ? v.q[k * T - 1] : NaN));
        const ref = independentVote(answers, scores);
        assert.deepEqual(x.votes, { views: 8, agree: ref.agree, distinct: ref.distinct }, `${at}: votes`);
        assert.ok(ref.allowed.includes(x.grid), `${at}: the voted grid is the independent vote's`);
        for (let c = 0; c < 81; c++) {
          assert.equal(x.confidence[c], answers.filter((a) => a[c] === x.grid[c]).length / 8, `${at}: agreement at cell ${c}`);
        }
        if (x.qHalt !== null) {
          const agreeing = answers.map((a, v) => v).filter((v) => answers[v] === x.grid);
          const mean = agreeing.reduce((a, v) => a + scores[v], 0) / agreeing.length;
          assert.ok(Math.abs(x.qHalt - mean) <= 1e-4 * Math.max(1, Math.abs(mean)), `${at}: qHalt`);
        }
        disagreed += ref.distinct > 1;
        decided += ref.allowed.length === 1;
        agreedCells += x.confidence.filter((c) => c === 1).length;
      });
      s.free();
    }
    assert.ok(disagreed > 0, 'the views never disagreed: the vote was not tested');
    assert.ok(decided > 0, 'no pass had a single answer the rule allows');
    assert.ok(agreedCells > 20 * 24, `cells on which all 8 views agree: ${agreedCells} (at least the givens, back in the question's frame)`);
  });
});

// ---- the worker -----------------------------------------------------------------------------------

describe('TRMWorker: the sudoku helpers and a sudoku model in a worker', () => {
  test('generateSudoku, solveSudoku, verify and a voted solve equal the synchronous ones', async () => {
    const worker = await TRMWorker.create();
    try {
      const opts = { seed: 6n, index: 2, minRating: 1, maxRating: 3 };
      const p = await worker.generateSudoku(opts);
      assert.deepEqual(p, trm.generateSudoku(opts));
      assert.deepEqual(await worker.solveSudoku(p.grid), trm.solveSudoku(p.grid));
      assert.deepEqual(await worker.verify(p, p.solution, p.solution), trm.verify(p, p.solution, p.solution));
      assert.deepEqual(await worker.verify(p.grid, p.grid, null, { task: 'sudoku' }), trm.verify(p.grid, p.grid, null, { task: 'sudoku' }));
      await assert.rejects(worker.solveSudoku('55' + '.'.repeat(79)), (e) => e.code === 'bad_grid' && /two 5s/.test(e.message));
      await assert.rejects(worker.generateSudoku({ generator: 'x' }), (e) => e.code === 'bad_argument');
      const wm = await worker.loadModel(FIXTURE);
      assert.deepEqual([wm.task.name, wm.views], ['sudoku', 8]);
      const got = [];
      for await (const x of wm.solve(p, { vote: true, maxSteps: 2 })) got.push(x);
      const m = trm.loadModel(readFileSync(FIXTURE));
      const ref = [...m.solver().solve(p, { vote: true, maxSteps: 2 })];
      m.free();
      const strip = (ps) => ps.map(({ ms, ...x }) => x);
      assert.deepEqual(strip(got), strip(ref));
      const run = wm.solve('55' + '.'.repeat(79));
      await assert.rejects(run.result, (e) => e.code === 'bad_grid' && /contradictory givens/.test(e.message));
    } finally {
      worker.terminate();
    }
  });
});
