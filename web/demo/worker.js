// worker.js: the demo page's module Worker. Every call into the WebAssembly module happens here,
// so the page never freezes while a pass runs.
//
// Protocol: the page posts { id, type, ...args }; the worker answers { id, ok: true, value } or
// { id, ok: false, error: { code, message } }. Calls are handled one at a time in arrival order.
// The page drives a solve pass by pass ('start', then 'next' per pass), so Pause is immediate and
// no pass is computed that will not be shown.
//
// The page has three tasks (its task picker): mazes, sudoku and ARC-AGI. The worker keeps one model
// (and its solver) per task, so switching back and forth needs no reload; requests that concern a
// model name their task (absent: 'maze', as the page sent before it had a picker). ARC runs go
// through the same start/next protocol (start's arc: the test input, its expected output, which
// views) plus a few requests of their own (arcTask, setIdentifiers, arcTaskRows); see arc-worker.js.

import { TRM } from '../trm.js';
import { ArcWorker } from './arc-worker.js';

const WASM_URL = new URL('../trm.wasm', import.meta.url);

let trm = null;      // the instantiated module
const slots = {};    // task name -> { model, solver }: the page's model of each task
let run = null;      // { it: generator of passes } for the solve in progress
const TASKS = ['maze', 'sudoku', 'arc'];
const TASK_NAMES = { maze: 'a maze', sudoku: 'a sudoku', arc: 'an ARC-AGI' };
const PICKER = { maze: 'Maze', sudoku: 'Sudoku', arc: 'ARC' };
const arc = new ArcWorker(() => trm); // the ARC parts: task files, identifiers, views, passes

function fail(code, message) {
  const e = new Error(message);
  e.code = code;
  return e;
}

function need() {
  if (!trm) throw fail('not_ready', 'the WebAssembly module is not loaded yet');
}

function taskOf(task) {
  if (task === undefined) return 'maze';
  if (!TASKS.includes(task)) throw fail('protocol', `unknown task '${task}'`);
  return task;
}

// The model of a task, with its solver.
function slot(task) {
  need();
  const s = slots[taskOf(task)];
  if (!s) throw fail('no_model', `no ${taskOf(task)} model is loaded`);
  return s;
}

function cancelRun() {
  if (run) {
    try { run.it.return(); } catch { /* a finished generator has nothing to release */ }
    run = null;
  }
}

async function fetchBytes(url) {
  let res;
  try { res = await fetch(url); } catch (e) {
    throw fail('fetch', `cannot fetch ${url}: ${e.message}`);
  }
  if (!res.ok) throw fail('fetch', `cannot fetch ${url}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

// The page draws and edits the grids of the task it is showing: a model of that task, with a
// grid the page can show (mazes from 4x4 to 64x64; sudoku 9x9, which core does not require of a
// model file).
function checkModel(m, name, task) {
  if (m.task.name !== task) {
    const other = TASKS.includes(m.task.name) ? `; pick ${PICKER[m.task.name]} above to use it` : '';
    throw fail('wrong_task', `${name} is a TRM model of the task '${m.task.name}', not ${TASK_NAMES[task]} model${other}`);
  }
  if (task === 'sudoku' && !(m.height === 9 && m.width === 9)) {
    throw fail('grid_size', `${name} has grid size ${m.height}x${m.width}; a sudoku is 9x9`);
  }
  if (task === 'maze' && !(m.height >= 4 && m.width >= 4 && m.height <= 64 && m.width <= 64)) {
    throw fail('grid_size', `${name} has grid size ${m.height}x${m.width}; this page shows mazes from 4x4 to 64x64`);
  }
}

const handlers = {
  async init({ wasm }) {
    const t0 = performance.now();
    trm = await TRM.load({ wasm: wasm ?? WASM_URL.href });
    return { ms: performance.now() - t0 };
  },

  // acceptArc: an ARC model goes to the ARC slot whatever task is asked for (the page then switches
  // to ARC mode, which it offers only once it has an ARC model); the answer says the task.
  async loadModel({ url, bytes, name, task, acceptArc }) {
    need();
    task = taskOf(task);
    const t0 = performance.now();
    const data = bytes ? new Uint8Array(bytes) : await fetchBytes(url);
    const label = name ?? url ?? 'the file';
    // A bad file leaves the current model in place: load first, swap after.
    const next = trm.loadModel(data);
    if (acceptArc && next.task.name === 'arc') task = 'arc';
    let nextSolver;
    try {
      checkModel(next, label, task);
      nextSolver = next.solver();
    } catch (e) {
      next.free();
      throw e;
    }
    cancelRun();
    const old = slots[task];
    if (old) {
      old.solver.free();
      old.model.free();
    }
    const model = next;
    slots[task] = { model, solver: nextSolver };
    return { task, height: model.height, width: model.width, config: model.config, training: model.training,
             views: model.views, bytes: data.byteLength, ms: performance.now() - t0 };
  },

  generate(opts) {
    need();
    const t0 = performance.now();
    const maze = trm.generateMaze(opts);
    return { grid: maze.grid, answer: maze.answer, pathLength: maze.pathLength, ms: performance.now() - t0 };
  },

  // A maze from the model's training distribution: one kind (kind = its index) or the mix.
  generateTrained({ seed, kind }) {
    const { model } = slot('maze');
    const t0 = performance.now();
    const maze = model.generateMaze({ seed, index: 0, kind });
    return { grid: maze.grid, answer: maze.answer, pathLength: maze.pathLength, kind: maze.kind, algorithm: maze.algorithm,
             ms: performance.now() - t0 };
  },

  fit({ grid, height, width }) {
    return slot('maze').model.trainingFit({ grid, height, width });
  },

  start({ task, grid, maxSteps, earlyHalt, vote, arc: arcRun }) {
    const { solver } = slot(task);
    cancelRun();
    if (taskOf(task) === 'arc') run = { it: arc.start(solver, arcRun, { maxSteps, earlyHalt }), arc: true };
    else run = { it: solver.solve(grid, { maxSteps, earlyHalt, vote }) };
    return true;
  },

  next() {
    need();
    if (!run) throw fail('state', 'no solve in progress');
    const r = run.it.next();
    if (r.done) {
      run = null;
      return { done: true };
    }
    const p = r.value;
    if (p.done) run = null;
    if (p.arc) return { done: false, pass: arc.passForPage(p) };
    // Copy: the module may reuse its buffers for the next pass.
    return {
      done: false,
      pass: { index: p.index, step: p.step, recursion: p.recursion, grid: p.grid,
              confidence: Float32Array.from(p.confidence), haltProb: p.haltProb, qHalt: p.qHalt,
              ms: p.ms, halted: p.halted, done: p.done, votes: p.votes && { ...p.votes } },
    };
  },

  cancel() {
    cancelRun();
    return true;
  },

  // Grids travel with their shape: a row-major string alone is ambiguous unless square. A sudoku
  // is checked against its solution when it has exactly one (exact), by the rules otherwise.
  verify({ task, grid, answer, height, width }) {
    need();
    if (taskOf(task) === 'arc') return arc.verify();
    if (taskOf(task) === 'sudoku') {
      const s = trm.solveSudoku(grid);
      return trm.verify(grid, answer, s.solutions === 1 ? s.solution : null, { task: 'sudoku' });
    }
    return trm.verify({ grid, height, width }, { grid: answer, height, width });
  },

  // A sudoku by difficulty: core's generator, its rating kept within [minRating, maxRating].
  generateSudoku({ seed, minRating, maxRating, generator }) {
    need();
    const t0 = performance.now();
    const p = trm.generateSudoku({ seed, index: 0, minRating, maxRating, generator, maxGrids: 5000 });
    return { grid: p.grid, solution: p.solution, rating: p.rating, index: p.index, ms: performance.now() - t0 };
  },

  // What core's search says of a sudoku typed or pasted in: its solutions (up to 2) and rating;
  // TRMErrors name what is wrong (size_mismatch, bad_charset, bad_grid: clashing givens).
  checkSudoku({ grid }) {
    need();
    return trm.solveSudoku(grid);
  },

  shortest({ grid, height, width }) {
    need();
    return trm.shortestPath({ grid, height, width });
  },

  // ARC-AGI: a task file read and checked; identifiers.json kept for the views; how many of its
  // puzzles a task has (arc-worker.js).
  arcTask({ text, name }) {
    need();
    return arc.readTask(text, name);
  },
  arcCanvas({ grid }) {
    need();
    return trm.encodeArc(grid);
  },
  setIdentifiers({ text, name }) {
    need();
    return arc.setIdentifiers(text, name);
  },
  arcTaskRows({ taskId }) {
    need();
    return arc.taskRows(taskId, slots.arc?.model ?? null);
  },
};

let queue = Promise.resolve();

self.onmessage = (ev) => {
  const { id, type, ...args } = ev.data;
  queue = queue.then(async () => {
    try {
      const h = handlers[type];
      if (!h) throw fail('protocol', `unknown request '${type}'`);
      const value = await h(args);
      self.postMessage({ id, ok: true, value });
    } catch (e) {
      const code = e?.code ?? 'error';
      const message = e?.message ?? String(e);
      self.postMessage({ id, ok: false, error: { code: String(code), message } });
    }
  });
};
