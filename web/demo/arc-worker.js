// arc-worker.js: the ARC-AGI side of the demo page's worker (worker.js): reading a task file and
// identifiers.json, the views a test input is solved in, what each pass sends the page, and the
// check of the voted answer against the task's expected output. Everything ARC is computed by
// the module (trm.js: encodeArc, cropArc, arcViews, the solver's vote); this file only moves it.

function fail(code, message) {
  const e = new Error(message);
  e.code = code;
  return e;
}

const typeName = (v) => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v);
const sameGrid = (a, b) => JSON.stringify(a) === JSON.stringify(b);
const size = (g) => `${g.length}×${g[0]?.length ?? 0}`;
// The page's key of a pass: every view's canvas, so "unchanged since pass k" means no view moved.
const passKey = (views) => views.map((v) => String.fromCharCode(...v.canvas)).join('');

export class ArcWorker {
  constructor(getTrm) {
    this._trm = getTrm;       // the worker's TRM instance (loaded after this is made)
    this.identifiers = null;  // identifiers.json: puzzle names by puzzle-embedding row
    this.identifiersName = '';
    this.expected = null;     // the expected output of the solve in progress (null if the task has none)
    this.last = null;         // its last pass
  }

  // A task file's text -> { id, train: [{ input, output }], test: [{ input, output | null }] }; every
  // grid is checked by the module (trm.encodeArc), errors named by their place in the file (the
  // page names the file).
  readTask(text, name) {
    const trm = this._trm();
    let t;
    try {
      t = JSON.parse(text);
    } catch (e) {
      throw fail('bad_task', `not valid JSON: ${e.message}`);
    }
    if (!t || typeof t !== 'object' || Array.isArray(t)) throw fail('bad_task', `expected a task object {"train": [...], "test": [...]}, not ${typeName(t)}`);
    if (!('train' in t) && !('test' in t)) {
      const keys = Object.keys(t);
      const many = keys.length && keys.every((k) => t[k] && typeof t[k] === 'object' && 'test' in t[k]);
      throw fail('bad_task', many ? `it holds ${keys.length} tasks (a combined challenges file): open one task file, {"train": [...], "test": [...]}`
        : `expected a task object {"train": [...], "test": [...]}; it has ${keys.length ? keys.slice(0, 4).join(', ') : 'no keys'}`);
    }
    const pairs = (key, needOutput) => {
      const list = t[key] ?? [];
      if (!Array.isArray(list)) throw fail('bad_task', `"${key}" must be an array of pairs, not ${typeName(list)}`);
      return list.map((p, i) => {
        const where = `${key}[${i}]`;
        if (!p || typeof p !== 'object' || Array.isArray(p)) throw fail('bad_task', `${where} must be {"input": grid, "output": grid}`);
        if (needOutput && p.output === undefined) throw fail('bad_task', `${where} has no "output"`);
        return { input: this._grid(trm, p.input, `${where}.input`),
                 output: p.output === undefined || p.output === null ? null : this._grid(trm, p.output, `${where}.output`) };
      });
    };
    const train = pairs('train', true), test = pairs('test', false);
    if (!test.length) throw fail('bad_task', '"test" has no input to solve');
    return { id: name.replace(/\.json$/i, '').replace(/^.*[\\/]/, ''), train, test };
  }

  _grid(trm, g, where) {
    try {
      trm.encodeArc(g);
    } catch (e) {
      throw fail(e.code ?? 'bad_task', `${where}${e.message.replace(/^encodeArc: grid/, '')}`);
    }
    return g;
  }

  setIdentifiers(text, name) {
    let ids;
    try {
      ids = JSON.parse(text);
    } catch (e) {
      throw fail('bad_identifiers', `not valid JSON: ${e.message}`);
    }
    if (!Array.isArray(ids) || !ids.length || !ids.every((s) => typeof s === 'string')) {
      throw fail('bad_identifiers', 'expected the official identifiers.json, a non-empty array of puzzle names');
    }
    this.identifiers = ids;
    this.identifiersName = name;
    return { count: ids.length, name };
  }

  // How many puzzles (rows) identifiers.json has for task id, checked against the model's table.
  taskRows(id, model) {
    if (!this.identifiers) return { loaded: false, rows: 0 };
    try {
      const views = this._trm().arcViews({ identifiers: this.identifiers, task: id });
      const n = model?.config.num_puzzle_identifiers ?? Infinity;
      const beyond = views.find((v) => v.puzzleId >= n);
      if (beyond) {
        return { loaded: true, rows: 0, error: `${this.identifiersName} names row ${beyond.puzzleId} for ${id}, beyond the model's ${n} puzzle rows: it belongs to another model` };
      }
      return { loaded: true, rows: views.length, plain: views.some((v) => v.augmentation.id === 0) };
    } catch (e) {
      return { loaded: true, rows: 0, error: e.message.replace(/^arcViews: /, '') };
    }
  }

  // The views of a run: { views: 'identity' | 'dihedral' | 'identifiers', limit, taskId }.
  _views(a) {
    const trm = this._trm();
    if (a.views === 'dihedral') return trm.arcViews('dihedral');
    if (a.views === 'identifiers') {
      if (!this.identifiers) throw fail('no_identifiers', 'load identifiers.json to solve in the task\'s augmented puzzles');
      return trm.arcViews({ identifiers: this.identifiers, task: a.taskId }, a.limit ? { limit: a.limit } : undefined);
    }
    return trm.arcViews('identity');
  }

  // The solve's generator (Solver.solve with the views); start's arc: { input, expected, views, limit, taskId }.
  start(solver, a, { maxSteps, earlyHalt }) {
    if (!a || !Array.isArray(a.input)) throw fail('protocol', 'an ARC start needs arc.input');
    this.expected = a.expected ?? null;
    this.last = null;
    return solver.solve(a.input, { views: this._views(a), maxSteps, earlyHalt });
  }

  // A Pass of trm.js -> what the page draws: every view's canvas (with its crop's size, by the
  // module's cropArc) and the leading candidates of the vote.
  passForPage(p) {
    const trm = this._trm();
    this.last = p;
    const views = p.arc.views.map((v) => {
      const crop = trm.cropArc(v.canvas);
      return { canvas: v.canvas, confidence: v.confidence, name: v.augmentation.name, puzzleId: v.puzzleId, q: v.q,
               haltedAt: v.haltedAt, crop: [crop.length, crop[0]?.length ?? 0] };
    });
    return {
      index: p.index, step: p.step, recursion: p.recursion, grid: passKey(views), haltProb: p.haltProb, qHalt: p.qHalt,
      ms: p.ms, halted: p.halted, done: p.done, votes: p.votes && { ...p.votes },
      arc: { views, candidates: p.arc.candidates.slice(0, 3).map(({ grid, votes, meanQ }) => ({ grid, votes, meanQ })) },
    };
  }

  // The voted answers against the expected output: rank (1: attempt 1, 2: attempt 2 (pass@2), 0:
  // neither), as a Verdict the page's run controller keeps.
  verify() {
    const p = this.last;
    if (!p) throw fail('state', 'no ARC pass to check');
    const cands = p.arc.candidates, best = cands[0].grid, exp = this.expected;
    const rank = exp ? cands.findIndex((c) => sameGrid(c.grid, exp)) + 1 : 0;
    let reason = '';
    if (!best.length) reason = 'the crop is empty: no colour at the canvas\'s corner';
    else if (exp && rank !== 1) {
      if (size(best) !== size(exp)) reason = `the answer is ${size(best)}, the expected output ${size(exp)}`;
      else {
        let n = 0;
        best.forEach((row, r) => row.forEach((v, c) => { n += v !== exp[r][c]; }));
        reason = `${n} of ${best.length * best[0].length} cells differ from the expected output`;
      }
    }
    const attempts = Math.min(2, cands.length);
    return {
      valid: exp ? rank >= 1 && rank <= 2 : best.length > 0, optimal: exp ? rank === 1 : best.length > 0,
      exact: exp ? rank === 1 : null, length: best.length ? best.length * best[0].length : null,
      shortest: exp ? exp.length * exp[0].length : null, reason, rank, attempts, expected: !!exp,
      votes: cands[0].votes, views: p.arc.views.length,
    };
  }
}
