// trm-arc.js: ARC-AGI in trm.js: the grids of models whose task is 'arc', the official 30x30
// canvas, the augmentations (dihedral transform x colour map) and the official vote, all computed
// by core (core/include/arc.h, through web/trm_web_arc.c), so a web app gets what native
// trm-eval --arc gets. trm.js exposes these as TRM methods (encodeArc, cropArc, decodeArc,
// augmentArc, arcAugmentation, arcViews, voteArc) and runs ARC models through the same Solver
// (ArcRun below). Not an entry point: import from './trm.js'.
//
// An ARC grid (ArcGrid) is what the public task files hold: an array of 1..30 rows, each an array
// of the same 1..30 colours 0..9. It crosses into the module as core's trm_arc_grid (int32 h,
// int32 w, uint8 cells[900] row-major), an augmentation as trm_arc_aug (int32 dihedral, uint8
// colours[10]); trm_web_arc.c asserts that layout and trm_web_arc_layout() reports it.
import { boolOption, fail, intOption, optionsArg } from './trm-common.js';

export const ARC_SIDE = 30;
export const ARC_CELLS = 900;
const GRID_BYTES = 908, AUG_BYTES = 16, AUG_NAME = 32;
const S = { OK: 0, INVALID: 1, FORMAT: 3, SHAPE: 4 };
const BLANK = '<blank>', SEP = '|||';

const typeName = (v) => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v);
const sigmoid = (x) => 1 / (1 + Math.exp(-x));
const plural = (n, what) => `${n} ${what}${n === 1 ? '' : 's'}`;
const isRow = (r) => Array.isArray(r) || (ArrayBuffer.isView(r) && !(r instanceof DataView));

// The module's struct layout, checked once per instance (a module from another build would
// misread every grid).
function layout(trm) {
  if (trm._arcLayout) return;
  if (typeof trm._x.trm_web_arc_layout !== 'function') fail('unsupported_task', 'this trm.wasm was built without ARC support');
  if (trm._x.trm_web_arc_layout() !== GRID_BYTES * 65536 + AUG_BYTES) fail('bad_wasm', 'trm.wasm lays out ARC grids differently from trm.js: rebuild both');
  trm._arcLayout = true;
}

// ---- arguments ------------------------------------------------------------------------------

/**
 * An ARC grid argument -> { h, w, cells (Uint8Array, row-major) }. Errors name the row and column:
 * 'bad_argument' (not an array), 'size_mismatch' (no rows, over 30 rows or columns, rows of
 * different lengths), 'bad_grid' (a row that is not an array, a cell that is not a colour 0..9).
 * allowEmpty: [] is the empty grid (an answer whose crop is empty).
 */
export function arcGridArg(g, what, allowEmpty = false) {
  if (!Array.isArray(g)) fail('bad_argument', `${what} must be an ARC grid (an array of rows of colours 0..9), not ${typeName(g)}`);
  const h = g.length;
  if (h === 0 && allowEmpty) return { h: 0, w: 0, cells: new Uint8Array(0) };
  if (h < 1 || h > ARC_SIDE) fail('size_mismatch', `${what} has ${plural(h, 'row')}; an ARC grid has 1 to ${ARC_SIDE}`);
  if (!isRow(g[0])) fail('bad_grid', `${what} row 0 must be an array of colours, not ${typeName(g[0])}`);
  const w = g[0].length;
  if (w < 1 || w > ARC_SIDE) fail('size_mismatch', `${what} row 0 has ${plural(w, 'column')}; an ARC grid has 1 to ${ARC_SIDE}`);
  const cells = new Uint8Array(h * w);
  for (let r = 0; r < h; r++) {
    const row = g[r];
    if (!isRow(row)) fail('bad_grid', `${what} row ${r} must be an array of colours, not ${typeName(row)}`);
    if (row.length !== w) fail('size_mismatch', `${what} row ${r} has ${plural(row.length, 'column')}, row 0 has ${w}`);
    for (let c = 0; c < w; c++) {
      const v = row[c];
      if (!Number.isInteger(v) || v < 0 || v > 9) {
        fail('bad_grid', `${what} row ${r}, column ${c}: ${typeof v === 'number' ? v : JSON.stringify(v) ?? String(v)} is not an ARC colour (an integer 0..9)`);
      }
      cells[r * w + c] = v;
    }
  }
  return { h, w, cells };
}

// A canvas argument: 900 tokens (a Uint8Array or an array of integers 0..255).
function canvasArg(c, what) {
  if (!isRow(c)) fail('bad_argument', `${what} must be 900 tokens (a Uint8Array or an array), not ${typeName(c)}`);
  if (c.length !== ARC_CELLS) fail('size_mismatch', `${what} has ${c.length} tokens; the ARC canvas has 30 x 30 = ${ARC_CELLS}`);
  if (c instanceof Uint8Array) return c;
  const out = new Uint8Array(ARC_CELLS);
  for (let i = 0; i < ARC_CELLS; i++) {
    const v = c[i];
    if (!Number.isInteger(v) || v < 0 || v > 255) fail('bad_argument', `${what} token ${i} (row ${Math.floor(i / 30)}, column ${i % 30}): ${v} is not a token (an integer 0..255)`);
    out[i] = v;
  }
  return out;
}

// ---- moving structs in and out of the module --------------------------------------------------

function writeGrid(trm, p, g) {
  const v = trm._views();
  v._i32[p / 4] = g.h;
  v._i32[p / 4 + 1] = g.w;
  v._u8.set(g.cells, p + 8);
}

function readGrid(trm, p) {
  const v = trm._views();
  const h = v._i32[p / 4], w = v._i32[p / 4 + 1];
  const rows = [];
  for (let r = 0; r < h; r++) rows.push(Array.from(v._u8.subarray(p + 8 + r * w, p + 8 + (r + 1) * w)));
  return rows;
}

function writeAug(trm, p, a) {
  const v = trm._views();
  v._i32[p / 4] = a.dihedral;
  v._u8.set(a.colours, p + 4);
}

// A frozen ArcAugmentation from a trm_arc_aug in the module: { dihedral, colours, name, id }.
function readAug(trm, p) {
  return trm._scoped((a) => {
    const buf = a.bytes(AUG_NAME);
    const n = trm._x.trm_web_arc_aug_name(p, buf);
    const v = trm._views();
    return Object.freeze({
      dihedral: v._i32[p / 4], colours: Object.freeze(Array.from(v._u8.subarray(p + 4, p + 14))),
      name: trm._cstr(buf, n), id: trm._x.trm_web_arc_aug_id(p),
    });
  });
}

// ---- augmentations ------------------------------------------------------------------------------

/**
 * An augmentation from its official name suffix ("t3|||0481326597"), its number (0 ..
 * 8 * 9! - 1: dihedral = id % 8, colour map = the (id / 8)-th permutation of 1..9), or an object
 * { dihedral, colours }; undefined or null is the identity. 'bad_argument' names what is wrong.
 */
export function arcAugmentation(trm, spec, what = 'augmentation') {
  layout(trm);
  return trm._scoped((a) => {
    const p = a.bytes(AUG_BYTES);
    let st;
    if (spec === undefined || spec === null) st = trm._x.trm_web_arc_aug_from_id(0, p, trm._err);
    else if (typeof spec === 'string') st = trm._x.trm_web_arc_aug_parse(a.str(spec), p, trm._err);
    else if (typeof spec === 'number') {
      intOption(spec, `${what}: augmentation number`, 0, 8 * 362880 - 1);
      st = trm._x.trm_web_arc_aug_from_id(spec, p, trm._err);
    } else if (spec && typeof spec === 'object') {
      const { dihedral, colours } = spec;
      if (!Number.isInteger(dihedral) || dihedral < 0 || dihedral > 7) fail('bad_argument', `${what}: dihedral must be an integer 0..7, not ${JSON.stringify(dihedral)}`);
      if (!isRow(colours) || colours.length !== 10 || ![...colours].every((c) => Number.isInteger(c) && c >= 0 && c <= 255)) {
        fail('bad_argument', `${what}: colours must be 10 integers (colours[c] is the colour c becomes; colours[0] = 0)`);
      }
      writeAug(trm, p, { dihedral, colours: Uint8Array.from(colours) });
      st = trm._x.trm_web_arc_aug_check(p, trm._err);
    } else {
      fail('bad_argument', `${what} must be a name like "t3|||0481326597", a number or { dihedral, colours }, not ${typeName(spec)}`);
    }
    trm._check(st, () => 'bad_argument', `${what}: `);
    return readAug(trm, p);
  });
}

/**
 * The views of an ARC question: [{ puzzleId, augmentation }] (see trm.d.ts ArcViewsSource):
 * 'identity', 'dihedral' (the 8 dihedral transforms, colours kept), { random, seed } (trm-eval
 * --augmentations N --seed S), or { identifiers, task } (the official identifiers.json: every
 * row that names the task, in row order, as trm-eval --identifiers).
 */
export function arcViews(trm, which, options) {
  layout(trm);
  const { puzzleId = 0, limit } = optionsArg(options, 'arcViews', ['puzzleId', 'limit']);
  intOption(puzzleId, 'arcViews: puzzleId', 0, 2 ** 31 - 1);
  let views;
  if (which === 'identity') views = [{ puzzleId, augmentation: arcAugmentation(trm, null) }];
  else if (which === 'dihedral') views = [0, 1, 2, 3, 4, 5, 6, 7].map((d) => ({ puzzleId, augmentation: arcAugmentation(trm, d) }));
  else if (which && typeof which === 'object' && !Array.isArray(which) && which.identifiers !== undefined) {
    optionsArg(which, 'arcViews', ['identifiers', 'task']);
    views = identifierViews(trm, which.identifiers, which.task);
  } else if (which && typeof which === 'object' && !Array.isArray(which) && which.random !== undefined) {
    optionsArg(which, 'arcViews', ['random', 'seed']);
    views = randomViews(trm, which.random, which.seed ?? 0, puzzleId);
  } else {
    fail('bad_argument', `arcViews: expected 'identity', 'dihedral', { random, seed } or { identifiers, task }, not ${typeName(which)}`);
  }
  if (limit !== undefined) views = views.slice(0, intOption(limit, 'arcViews: limit', 1, 1e9));
  return views.map((v) => Object.freeze(v));
}

function identifierViews(trm, ids, task) {
  if (!Array.isArray(ids) || ids.length === 0) fail('bad_argument', 'arcViews: identifiers must be the non-empty array of puzzle names of identifiers.json');
  if (typeof task !== 'string' || !task || task.includes(SEP)) fail('bad_argument', `arcViews: task must be a task id such as "00576224", not ${JSON.stringify(task)}`);
  const views = [];
  ids.forEach((name, row) => {
    if (typeof name !== 'string') fail('bad_argument', `arcViews: identifiers row ${row}: expected a puzzle name (a string), not ${typeName(name)}`);
    if (name === BLANK) return;
    const at = name.indexOf(SEP);
    if ((at < 0 ? name : name.slice(0, at)) !== task) return;
    const what = `arcViews: identifiers row ${row} (${JSON.stringify(name.slice(0, 80))})`;
    views.push({ puzzleId: row, augmentation: arcAugmentation(trm, at < 0 ? null : name.slice(at + SEP.length), what), name });
  });
  if (!views.length) fail('bad_argument', `arcViews: the identifiers name no puzzle ${task}: the model was not trained on this task`);
  return views;
}

function randomViews(trm, n, seed, puzzleId) {
  intOption(n, 'arcViews: random', 1, 4096);
  if (!(Number.isSafeInteger(seed) && seed >= 0) && typeof seed !== 'bigint') fail('bad_argument', `arcViews: seed ${seed} must be a non-negative integer or a BigInt`);
  const big = BigInt(seed);
  if (big < 0n || big >= 1n << 64n) fail('bad_argument', `arcViews: seed ${seed} is outside [0, 2^64)`);
  return trm._scoped((a) => {
    const p = a.bytes(AUG_BYTES * n);
    trm._check(trm._x.trm_web_arc_random_augs(n, Number(big & 0xffffffffn), Number(big >> 32n), p, trm._err), () => 'bad_argument', 'arcViews: ');
    return Array.from({ length: n }, (_, i) => ({ puzzleId, augmentation: readAug(trm, p + i * AUG_BYTES) }));
  });
}

// ---- grids and the canvas -----------------------------------------------------------------------

/** The official canvas of a grid: Uint8Array(900) of PAD 0, EOS 1, colour c -> c + 2. */
export function encodeArc(trm, grid, options) {
  layout(trm);
  const o = optionsArg(options, 'encodeArc', ['padRow', 'padCol']);
  const g = arcGridArg(grid, 'encodeArc: grid');
  const pr = intOption(o.padRow ?? 0, 'encodeArc: padRow', 0, ARC_SIDE - 1);
  const pc = intOption(o.padCol ?? 0, 'encodeArc: padCol', 0, ARC_SIDE - 1);
  return trm._scoped((a) => {
    const gp = a.bytes(GRID_BYTES), out = a.bytes(ARC_CELLS);
    writeGrid(trm, gp, g);
    trm._check(trm._x.trm_web_arc_encode(gp, pr, pc, out, trm._err), (s) => (s === S.SHAPE ? 'size_mismatch' : 'bad_grid'), 'encodeArc: ');
    return trm._views()._u8.slice(out, out + ARC_CELLS);
  });
}

/** The official crop of a canvas (any 900 tokens): the answer a model's canvas holds; [] when empty. */
export function cropArc(trm, canvas) {
  layout(trm);
  const c = canvasArg(canvas, 'cropArc: canvas');
  return trm._scoped((a) => {
    const cp = a.bytes(ARC_CELLS), out = a.bytes(GRID_BYTES);
    trm._views()._u8.set(c, cp);
    trm._x.trm_web_arc_crop(cp, out);
    return readGrid(trm, out);
  });
}

/** The grid a well-formed canvas holds and where: { grid, padRow, padCol }; 'bad_grid' names the cell. */
export function decodeArc(trm, canvas) {
  layout(trm);
  const c = canvasArg(canvas, 'decodeArc: canvas');
  return trm._scoped((a) => {
    const cp = a.bytes(ARC_CELLS), out = a.bytes(GRID_BYTES), pad = a.bytes(8);
    trm._views()._u8.set(c, cp);
    trm._check(trm._x.trm_web_arc_decode(cp, out, pad, trm._err), () => 'bad_grid', 'decodeArc: ');
    const i32 = trm._views()._i32;
    return { grid: readGrid(trm, out), padRow: i32[pad / 4], padCol: i32[pad / 4 + 1] };
  });
}

/** grid seen through an augmentation (options.inverse: the augmentation that undoes it). */
export function augmentArc(trm, grid, augmentation, options) {
  layout(trm);
  const { inverse } = optionsArg(options, 'augmentArc', ['inverse']);
  const inv = boolOption(inverse, 'augmentArc: inverse', false);
  const g = arcGridArg(grid, 'augmentArc: grid', true);
  const aug = arcAugmentation(trm, augmentation, 'augmentArc: augmentation');
  return trm._scoped((a) => {
    const src = a.bytes(GRID_BYTES), dst = a.bytes(GRID_BYTES), ap = a.bytes(AUG_BYTES);
    writeGrid(trm, src, g);
    writeAug(trm, ap, aug);
    trm._check(trm._x.trm_web_arc_augment(src, ap, inv ? 1 : 0, dst, trm._err), () => 'bad_grid', 'augmentArc: ');
    return readGrid(trm, dst);
  });
}

// ---- the official vote --------------------------------------------------------------------------

const gridKey = (g) => g.map((r) => r.join('')).join('/');

// Candidates from core's vote over n answers in the module (answers at ap, [n] trm_arc_grid):
// [{ grid, votes, meanQ, views }], best first.
function readVote(trm, ap, n, d, rp, cp, mp, answers) {
  const v = trm._views();
  const out = [];
  for (let i = 0; i < d; i++) {
    const first = v._i32[rp / 4 + i];
    const grid = answers ? answers[first] : readGrid(trm, ap + first * GRID_BYTES);
    out.push({ grid, votes: v._i32[cp / 4 + i], meanQ: v._f64[mp / 8 + i], views: [], key: gridKey(grid) });
  }
  for (let k = 0; k < n; k++) {
    const key = gridKey(answers ? answers[k] : readGrid(trm, ap + k * GRID_BYTES));
    out.find((c) => c.key === key)?.views.push(k);
  }
  return out.map(({ key, ...c }) => Object.freeze(c));
}

/**
 * The official vote over answers (ArcGrids in the task's frame; [] for an empty crop) with q[i] =
 * sigmoid(q_halt) of each: the distinct answers, best first, as { grid, votes, meanQ, views
 * (indexes of the answers that gave it) }: most votes first, then the higher mean q, then the
 * earlier first appearance.
 */
export function voteArc(trm, answers, q) {
  layout(trm);
  if (!Array.isArray(answers) || answers.length === 0) fail('bad_argument', 'voteArc: answers must be a non-empty array of ARC grids');
  if (!isRow(q) || q.length !== answers.length) fail('bad_argument', `voteArc: q must be ${answers.length} numbers, one per answer`);
  const n = answers.length;
  const grids = answers.map((g, i) => arcGridArg(g, `voteArc: answers[${i}]`, true));
  [...q].forEach((x, i) => { if (typeof x !== 'number' || Number.isNaN(x)) fail('bad_argument', `voteArc: q[${i}] must be a number, not ${JSON.stringify(x)}`); });
  return trm._scoped((a) => {
    const ap = a.bytes(GRID_BYTES * n), qp = a.bytes(8 * n), rp = a.bytes(4 * n), cp = a.bytes(4 * n), mp = a.bytes(8 * n);
    grids.forEach((g, i) => writeGrid(trm, ap + i * GRID_BYTES, g));
    trm._views()._f64.set(q, qp / 8);
    const d = trm._x.trm_web_arc_vote(ap, qp, n, rp, cp, mp);
    return readVote(trm, ap, n, d, rp, cp, mp, null);
  });
}

// ---- an ARC model's solver --------------------------------------------------------------------

const rowsText = (g) => g.map((r) => r.join('')).join('\n');

// The views of a reset: options.views, or puzzleIds (one identity view per id), or the identity
// on row 0; each puzzleId checked against the model's table.
function resetViews(trm, model, views, puzzleIds) {
  if (views !== undefined && puzzleIds !== undefined) fail('bad_argument', 'reset: give views or puzzleIds, not both');
  if (puzzleIds !== undefined) {
    if (!Array.isArray(puzzleIds) || !puzzleIds.length) fail('bad_argument', 'reset: puzzleIds must be a non-empty array of puzzle-embedding rows');
    views = puzzleIds.map((puzzleId) => ({ puzzleId }));
  }
  if (views === undefined) views = [{ puzzleId: 0 }];
  if (!Array.isArray(views) || !views.length) fail('bad_argument', 'reset: views must be a non-empty array of { puzzleId, augmentation } (trm.arcViews makes them)');
  const rows = model.config.num_puzzle_identifiers;
  return views.map((v, i) => {
    if (!v || typeof v !== 'object') fail('bad_argument', `reset: views[${i}] must be { puzzleId, augmentation }, not ${typeName(v)}`);
    const id = v.puzzleId ?? 0;
    if (!Number.isInteger(id) || id < 0 || id >= rows) {
      fail('bad_argument', `reset: views[${i}]: puzzle identifier ${id} is not a row of this model's puzzle table (0 to ${rows - 1}; num_puzzle_identifiers ${rows})`);
    }
    return { puzzleId: id, augmentation: arcAugmentation(trm, v.augmentation, `reset: views[${i}].augmentation`) };
  });
}

/** The ARC side of a Solver (trm.js): one question in its views, every pass cropped and voted in core. */
export class ArcRun {
  constructor(trm, model, ptr) {
    this._trm = trm;
    this._model = model;
    this._ptr = ptr;
    this._views = [];
    this._earlyHalt = false;
  }

  static create(trm, model, modelPtr) {
    layout(trm);
    const p = trm._scoped(() => trm._x.trm_web_arc_solver_create(modelPtr, trm._err));
    if (!p) trm._check(trm._x.trm_web_error_code(trm._err) || 5, (s) => (s === S.SHAPE ? 'size_mismatch' : 'bad_argument'));
    return p;
  }

  get passes() { return this._trm._x.trm_web_arc_solver_passes(this._ptr); }
  free() { this._trm._x.trm_web_arc_solver_free(this._ptr); }

  // grid: an ArcGrid; options as Solver.reset's. Returns the passes a full solve runs.
  reset(grid, options) {
    const o = optionsArg(options, 'reset', ['maxSteps', 'earlyHalt', 'views', 'puzzleIds', 'vote']);
    const vote = boolOption(o.vote, 'reset: vote', false); // the 8 rotations and reflections (model.views) on row 0
    if (vote && (o.views !== undefined || o.puzzleIds !== undefined)) fail('bad_argument', 'reset: give vote or views (or puzzleIds), not both');
    const trm = this._trm, m = this._model;
    if (typeof grid === 'string' || (grid && typeof grid === 'object' && !Array.isArray(grid))) {
      fail('bad_argument', `grid: this model's task is 'arc': give an ARC grid (an array of rows of colours 0..9), not ${typeName(grid)}`);
    }
    const g = arcGridArg(grid, 'grid');
    const earlyHalt = boolOption(o.earlyHalt, 'reset: earlyHalt', false);
    const steps = o.maxSteps === undefined || o.maxSteps === null ? m.config.halt_max_steps : intOption(o.maxSteps, 'maxSteps', 1, 1e6);
    const views = resetViews(trm, m, vote ? arcViews(trm, 'dihedral') : o.views, o.puzzleIds);
    const n = views.length;
    const st = trm._scoped((a) => {
      const gp = a.bytes(GRID_BYTES), ip = a.bytes(4 * n), ap = a.bytes(AUG_BYTES * n);
      writeGrid(trm, gp, g);
      views.forEach((v, i) => {
        trm._views()._i32[ip / 4 + i] = v.puzzleId;
        writeAug(trm, ap + i * AUG_BYTES, v.augmentation);
      });
      return trm._x.trm_web_arc_solver_reset(this._ptr, gp, ip, ap, n, earlyHalt ? 1 : 0, trm._err);
    });
    trm._check(st, (s) => (s === S.SHAPE ? 'size_mismatch' : s === S.FORMAT ? 'bad_grid' : 'bad_argument'), 'reset: ');
    this._views = views;
    this._earlyHalt = earlyHalt;
    return steps * m.config.H_cycles;
  }

  // One pass: returns -1 before a reset, else { n (passes since reset), the Pass fields }.
  pass(maxPasses) {
    const trm = this._trm, x = trm._x, p = this._ptr;
    const t0 = performance.now();
    const n = x.trm_web_arc_solver_pass(p);
    const ms = performance.now() - t0;
    if (n < 0) return null;
    const T = this._model.config.H_cycles, nv = this._views.length;
    const v = trm._views();
    const cv = x.trm_web_arc_solver_canvases(p), cf = x.trm_web_arc_solver_confidence(p) / 4;
    const ans = x.trm_web_arc_solver_answers(p), qp = x.trm_web_arc_solver_q(p) / 8;
    const views = this._views.map((view, i) => {
      const q = v._f64[qp + i];
      return Object.freeze({
        puzzleId: view.puzzleId, augmentation: view.augmentation,
        canvas: v._u8.slice(cv + i * ARC_CELLS, cv + (i + 1) * ARC_CELLS),
        confidence: v._f32.slice(cf + i * ARC_CELLS, cf + (i + 1) * ARC_CELLS),
        answer: readGrid(trm, ans + i * GRID_BYTES), q: Number.isNaN(q) ? null : q,
        haltedAt: x.trm_web_arc_solver_halted_at(p, i),
      });
    });
    const d = x.trm_web_arc_solver_distinct(p);
    const candidates = readVote(trm, ans, nv, d, x.trm_web_arc_solver_ranked(p), x.trm_web_arc_solver_counts(p),
      x.trm_web_arc_solver_mean_q(p), views.map((w) => w.answer));
    const stepEnd = n % T === 0;
    const best = candidates[0];
    const lastHalt = Math.max(...views.map((w) => w.haltedAt));
    const halted = stepEnd && this._earlyHalt && x.trm_web_arc_solver_all_halted(p) === 1 && lastHalt === n / T;
    const haltProb = stepEnd ? best.meanQ : null;
    return {
      index: n - 1, step: Math.floor((n - 1) / T) + 1, recursion: ((n - 1) % T) + 1, grid: rowsText(best.grid),
      confidence: views[0].confidence.slice(), qHalt: stepEnd ? Math.log(haltProb / (1 - haltProb)) : null, haltProb,
      ms, halted, done: n >= maxPasses || halted, votes: { views: nv, agree: best.votes, distinct: d },
      arc: Object.freeze({ answer: best.grid, candidates, views }),
    };
  }
}
