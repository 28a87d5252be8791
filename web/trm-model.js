// trm-model.js: the Model (a loaded or created network, with its task) and the Solver (one
// question at a time, pass by pass; with vote, its views at once; for an ARC model, its views
// through trm-arc.js's ArcRun) of trm.js. Both are handles into a TRM instance's module memory,
// made by trm.loadModel / trm.createModel and model.solver(), freed with free(). Not an entry
// point: import from './trm.js'.
import {
  S, boolOption, checkAscii, fail, gridArg, intOption, optionsArg, sigmoid, split64,
} from './trm-common.js';
import { MODEL_FORMAT, encodeFloats, modelTask, trainingToFile, writeSafetensors } from './trm-model-file.js';
import { ArcRun } from './trm-arc.js';

const MAZE = 'maze'; // the task of the maze helpers

// A number in [0, 1) from (seed, index): which training kind model.generateMaze draws.
function pickUnit(seed, index) {
  let h = 0x9e3779b9;
  for (const v of [seed, index]) {
    const [lo, hi] = split64(v, 'generateMaze: seed/index');
    for (const x of [lo, hi]) {
      h = Math.imul(h ^ x, 0x85ebca6b);
      h ^= h >>> 13;
      h = Math.imul(h, 0xc2b2ae35);
      h ^= h >>> 16;
    }
  }
  return (h >>> 0) / 4294967296;
}

/** A loaded model. Free it with model.free() (which also frees its solvers). */
export class Model {
  constructor(trm, ptr, warnings, skipped, training = null) {
    this._trm = trm;
    /**
     * What the model was trained on (__metadata__.training), or null when the file does not say:
     * { task, height, width, pathMin, pathMax, kinds: [{ algorithm, minPath, unique, share,
     * pathMin, pathMax }] }; algorithm null for data from elsewhere.
     */
    this.training = training;
    this._ptr = ptr;
    this._solvers = new Set();
    /** Warnings raised while loading (unknown config keys, missing format). */
    this.warnings = warnings;
    /** Tensors left out because of ignoreUnknownTensors. */
    this.skippedTensors = skipped;
    const x = trm._x;
    const need = x.trm_web_model_config_json(ptr, 0, 0);
    const json = trm._scoped((a) => {
      const p = a.bytes(need + 1);
      x.trm_web_model_config_json(ptr, p, need + 1);
      return trm._cstr(p, need);
    });
    /** The config with the official key names (TRM §0), as core normalised it. */
    this.config = Object.freeze(JSON.parse(json));
    /** The task whose grids the model solves: { name, charset } (mazes for files that name none). */
    this.task = modelTask(this.config);
    this.paramCount = x.trm_web_model_param_count(ptr);
    /** Views of a voted solve (SolveOptions.vote): the task's shape-keeping transforms of the
     * model's grid (8 rotations and reflections of a square maze, 4 of a non-square one; 8 fixed
     * shuffles of a sudoku: digits relabelled, bands, stacks, rows and columns permuted; the 8
     * rotations and reflections of an ARC question, on puzzle row 0). */
    this.views = x.trm_web_model_views(ptr);
  }

  _live() {
    if (!this._ptr) fail('freed', 'this model was freed');
    return this._ptr;
  }

  get height() { return this.config.grid_height; }
  get width() { return this.config.grid_width; }
  get freed() { return !this._ptr; }

  // The maze helpers refuse any other task's model by name.
  _mazeOnly(what) {
    if (this.task.name !== MAZE) fail('unsupported_task', `${what}: this model's task is '${this.task.name}'; ${what} is for maze models`);
  }

  /** Kernel set in use ('wasm128' or 'scalar'). */
  get kernels() { return this._trm._cstr(this._trm._x.trm_web_model_kernels(this._live())); }
  set kernels(name) {
    const p = this._live();
    const ok = this._trm._scoped((a) => this._trm._x.trm_web_model_set_kernels(p, a.str(String(name))));
    if (!ok) fail('bad_argument', `kernel set '${name}' is not in this build (try 'wasm128' or 'scalar')`);
  }

  /**
   * The model as safetensors bytes (the format native trm-* tools read): every tensor of the
   * table in table order, as F32 (exact), BF16 or F16 (rounded to nearest even).
   */
  save(options) {
    const { dtype = 'F32' } = optionsArg(options, 'save', ['dtype']);
    const p = this._live();
    const trm = this._trm, x = trm._x;
    const width = { F32: 4, BF16: 2, F16: 2 }[dtype];
    if (!width) fail('bad_argument', `save: dtype '${dtype}' is not F32, BF16 or F16`);
    const n = x.trm_web_model_tensor_count(p);
    const meta = { format: MODEL_FORMAT, config: JSON.stringify(this.config) };
    if (this.training) meta.training = JSON.stringify(trainingToFile(this.training));
    const tensors = trm._scoped((a) => {
      const info = a.bytes(12), out = [];
      for (let i = 0; i < n; i++) {
        const name = trm._cstr(x.trm_web_model_tensor_name(p, i));
        const d = x.trm_web_model_tensor(p, i, info);
        const [ndim, s0, s1] = trm._views()._i32.subarray(info / 4, info / 4 + 3);
        const shape = ndim === 1 ? [s0] : [s0, s1];
        const f = trm._f32.slice(d / 4, d / 4 + s0 * (ndim === 1 ? 1 : s1));
        out.push({ name, dtype, shape, bytes: encodeFloats(f, dtype, name) });
      }
      return out;
    });
    return writeSafetensors(meta, tensors);
  }

  /**
   * Maze #index of seed `seed` drawn from the model's training distribution: the kind (generator
   * and its settings) is picked by (seed, index) with the kinds' shares, then generated as
   * trm.generateMaze does. options.kind (an index into training.kinds) forces a kind. Without
   * training metadata: random walls of the model's size with the generator's defaults.
   * Returns a Maze plus kind (the index, or null).
   */
  generateMaze(options) {
    const { seed = 0, index = 0, kind } = optionsArg(options, 'model.generateMaze', ['seed', 'index', 'kind']);
    this._live();
    this._mazeOnly('generateMaze');
    const kinds = (this.training?.kinds ?? []).map((k, i) => ({ ...k, i })).filter((k) => k.algorithm);
    const base = { height: this.height, width: this.width, seed, index };
    if (!kinds.length) {
      if (kind !== undefined && kind !== null) fail('bad_argument', 'generateMaze: this model records no training kinds');
      return { ...this._trm.generateMaze(base), kind: null };
    }
    let k;
    if (kind !== undefined && kind !== null) {
      const i = intOption(kind, 'generateMaze: kind', 0, (this.training.kinds.length || 1) - 1);
      k = kinds.find((c) => c.i === i);
      if (!k) fail('bad_argument', `generateMaze: training kind ${i} is not from a generator`);
    } else {
      const total = kinds.reduce((a, c) => a + c.share, 0) || 1;
      let u = pickUnit(seed, index) * total;
      k = kinds[kinds.length - 1];
      for (const c of kinds) {
        if (u < c.share) { k = c; break; }
        u -= c.share;
      }
    }
    const maze = this._trm.generateMaze({ ...base, algorithm: k.algorithm, minPath: k.minPath, unique: k.unique });
    return { ...maze, kind: k.i };
  }

  /**
   * Whether a question is like the mazes the model was trained on: { fits, shortest (BFS moves,
   * null if unreachable), paths (number of shortest paths, saturating at 1000), reasons: strings
   * saying how it differs (empty when it fits, or when the model records no training data) }.
   */
  trainingFit(grid) {
    this._live();
    this._mazeOnly('trainingFit');
    const q = gridArg(grid, 'trainingFit: grid', { h: this.height, w: this.width });
    const { length, count } = this._trm.countShortestPaths({ grid: q.text, height: q.h, width: q.w });
    const reasons = [];
    const t = this.training;
    const moves = (n) => `${n} move${n === 1 ? '' : 's'}`;
    if (length === null) reasons.push('G cannot be reached from S');
    else if (t) {
      if (t.pathMax >= 0 && length > t.pathMax) reasons.push(`its shortest path (${moves(length)}) is longer than any training maze (at most ${t.pathMax})`);
      if (t.pathMin >= 0 && length < t.pathMin) reasons.push(`its shortest path (${moves(length)}) is shorter than any training maze (at least ${t.pathMin})`);
      if (count > 1 && t.kinds.length && t.kinds.every((k) => k.unique)) reasons.push(`it has ${count >= 1000 ? '1000+' : count} shortest paths; every training maze had one`);
    }
    return { fits: reasons.length === 0, shortest: length, paths: count, reasons };
  }

  /** A new solver (one question at a time; with vote, its views at once) for this model. */
  solver() {
    const p = this._live();
    const trm = this._trm;
    if (this.task.name === 'arc') {
      const s = new Solver(this, 0);
      s._arc = new ArcRun(trm, this, ArcRun.create(trm, this, p));
      s._ptr = s._arc._ptr;
      this._solvers.add(s);
      return s;
    }
    const sp = trm._scoped(() => trm._x.trm_web_solver_create(p, trm._err));
    if (!sp) trm._check(trm._x.trm_web_error_code(trm._err) || S.NOMEM, () => 'out_of_memory');
    const s = new Solver(this, sp);
    this._solvers.add(s);
    return s;
  }

  /** Free the model and every solver made from it. Safe to call twice. */
  free() {
    if (!this._ptr) return;
    for (const s of this._solvers) s.free();
    this._trm._x.trm_web_model_free(this._ptr);
    this._ptr = 0;
  }
}

/** Runs the model pass by pass on one grid. */
export class Solver {
  constructor(model, ptr) {
    this._model = model;
    this._trm = model._trm;
    this._ptr = ptr;
    this._maxPasses = 0;
    this._earlyHalt = false;
    this._views = 1; // > 1: a voted solve
    this._done = false;
    this._run = 0;
    this._arc = null; // an ARC model's solver (trm-arc.js ArcRun)
  }

  _live() {
    if (!this._ptr) fail('freed', this._model.freed ? 'this solver\'s model was freed' : 'this solver was freed');
    return this._ptr;
  }

  get freed() { return !this._ptr; }
  /** Passes done since the last reset. */
  get passes() {
    this._live();
    return this._arc ? this._arc.passes : this._trm._x.trm_web_solver_passes(this._ptr);
  }

  /**
   * Start on a question grid (h*w characters of the model's task.charset, rows joined by "\n",
   * or { grid, height, width }; a sudoku's blanks may be '0' too). The question must be one the
   * task accepts ('bad_grid' names what is wrong: a maze without one S and one G, a sudoku whose
   * givens clash). maxSteps: supervision steps (default: the model's
   * halt_max_steps); earlyHalt: stop at the first supervision step whose q_halt logit is > 0 and
   * whose answer equals the previous step's (core's rule: trm_solver_halt_step); vote: symmetry
   * voting, as native trm-eval --vote: the question is solved in each of its model.views views
   * (a maze's rotations and reflections, a sudoku's fixed shuffles) at once, the answers are transformed back and each pass's
   * answer is the one most views give (views times the compute; with earlyHalt a view votes with
   * its answer at its halting step, and the solve halts once every view has).
   *
   * A model of the task 'arc' takes an ARC grid (number[][] of colours 0..9) instead, and options
   * views (trm.arcViews: [{ puzzleId, augmentation }], default the identity on row 0) or
   * puzzleIds (one un-augmented view per puzzle-embedding row) besides maxSteps and earlyHalt:
   * every view is solved at once, its canvas cropped and un-augmented, and the views vote as
   * the official evaluator (Pass.arc).
   */
  reset(grid, options) {
    if (this._arc) {
      this._live();
      this._maxPasses = this._arc.reset(grid, options);
      this._done = false;
      this._run++;
      return;
    }
    const { maxSteps } = optionsArg(options, 'reset', ['maxSteps', 'earlyHalt', 'vote']);
    const earlyHalt = boolOption(options?.earlyHalt, 'reset: earlyHalt', false);
    const vote = boolOption(options?.vote, 'reset: vote', false);
    const p = this._live();
    const m = this._model;
    const q = gridArg(grid, 'grid', { h: m.height, w: m.width });
    checkAscii(q.text, q.w, 'grid', m.task.charset);
    const steps = maxSteps === undefined || maxSteps === null ? m.config.halt_max_steps : intOption(maxSteps, 'maxSteps', 1, 1e6);
    const trm = this._trm;
    const st = trm._scoped((a) => trm._x.trm_web_solver_reset(p, a.str(q.text, true), q.text.length, vote ? 1 : 0,
      earlyHalt ? 1 : 0, trm._err));
    trm._check(st, (s) => (s === S.CHARSET ? 'bad_charset' : s === S.SHAPE ? 'size_mismatch' : 'bad_grid'));
    this._maxPasses = steps * m.config.H_cycles;
    this._earlyHalt = earlyHalt;
    this._views = trm._x.trm_web_solver_views(p);
    this._done = false;
    this._run++; // a solve() generator of an earlier reset must not go on with this grid
  }

  /**
   * One refinement pass. Returns { index (0-based pass number), step (1-based supervision step),
   * recursion (1-based within the step), grid, confidence, qHalt, haltProb, ms, halted, done,
   * votes }. qHalt/haltProb are null except on the last pass of a supervision step. With vote:
   * grid is the answer most views give, confidence the share of views agreeing with it on each
   * cell, qHalt the mean q_halt logit of the views that gave it, votes { views, agree, distinct }
   * (null without vote), and halted/done come when every view has halted. arc: null, except
   * for an ARC model: { answer, candidates, views } (trm.d.ts ArcPass); grid is then the voted
   * answer as rows of colour digits joined by "\n", confidence view 0's canvas's, votes the
   * vote's, haltProb the voted answer's mean sigmoid(q_halt) and qHalt its logit.
   */
  pass() {
    const p = this._live();
    if (this._arc) {
      const r = this._arc.pass(this._maxPasses);
      if (!r) fail('state', 'call reset(grid) before pass()');
      this._done = this._done || r.done;
      r.done = this._done;
      return r;
    }
    const trm = this._trm, x = trm._x;
    const t0 = performance.now();
    const n = x.trm_web_solver_pass(p);
    const ms = performance.now() - t0;
    if (n < 0) fail('state', 'call reset(grid) before pass()');
    const m = this._model, T = m.config.H_cycles, cells = m.height * m.width;
    const grid = trm._cstr(x.trm_web_solver_chars(p), cells);
    const c = x.trm_web_solver_confidence(p) / 4;
    const confidence = trm._views()._f32.slice(c, c + cells);
    const stepEnd = n % T === 0;
    const qHalt = stepEnd ? x.trm_web_solver_halt_logit(p) : null;
    // core's halting rule (q_halt > 0 on an answer that did not change during the step); when
    // voting, the step at which the last view halted
    const halted = stepEnd && this._earlyHalt && x.trm_web_solver_halt_step(p) === n / T;
    this._done = this._done || n >= this._maxPasses || halted;
    let votes = null;
    if (this._views > 1) { // trm_vote: winner, agree, distinct (int32)
      const v = x.trm_web_solver_vote(p) / 4, i32 = trm._views()._i32;
      votes = { views: this._views, agree: i32[v + 1], distinct: i32[v + 2] };
    }
    return {
      index: n - 1, step: Math.floor((n - 1) / T) + 1, recursion: ((n - 1) % T) + 1, grid, confidence,
      qHalt, haltProb: stepEnd ? sigmoid(qHalt) : null, ms, halted, done: this._done, votes, arc: null,
    };
  }

  /** reset(grid, options), then yield pass() until done (maxSteps reached or halted early). */
  *solve(grid, options) {
    this.reset(grid, options);
    const run = this._run;
    for (;;) {
      if (this._run !== run) fail('state', 'this solver was reset (by another solve() or reset()) while this solve() was running; use one solver per concurrent solve');
      const r = this.pass();
      yield r;
      if (r.done) return;
    }
  }

  /** Free the solver's memory. Safe to call twice. */
  free() {
    if (!this._ptr) return;
    if (this._arc) this._arc.free();
    else this._trm._x.trm_web_solver_free(this._ptr);
    this._ptr = 0;
    this._model._solvers.delete(this);
  }
}
