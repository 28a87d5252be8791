// app.js: the demo page's main thread. It owns the UI state, draws, and talks to worker.js,
// where all model work happens (so the page never freezes).
//
// A solve is driven pass by pass by the run controller (run-controller.js: the run's states and
// transitions, with no DOM): 'start' once, then one 'next' request per refinement pass, each
// drawn as it arrives and followed by the animation delay. Pause simply stops asking, Step asks
// once. When the last pass arrives the answer is checked by the core's BFS verifier in the
// worker; the verdict shown is that check, never the model's own opinion. This file only draws
// what the controller reports (onRunChange, onPass).
//
// URL hash (shareable): #seed=42&alg=dfs&model=1&steps=16&speed=0..6&vote=0|1&solve=1 (solve=1 starts
// solving once loaded; vote sets the Vote box); alg is a generator (lehnert, dfs, dfs-any, sparse), 'mix' (the model's training mix) or
// 'kind' with &kind=N (the model's N-th training kind). Sudoku: #task=sudoku&seed=42&level=easy|medium|hard|hardest
// (&gen=symmetric) for a generated puzzle, or #task=sudoku&puzzle=<81 characters> for one typed or pasted in;
// model, steps, speed, vote and solve as for mazes.
//
// Task picker (Maze | Sudoku): each task has its board, its side card and its models; the worker
// keeps a model of each, and the page keeps each task's board while the other is shown. Sudoku
// mode draws a 9x9 board (app/sudoku-view.js), lets people type a puzzle (click a cell, 1-9, 0 /
// . / Backspace / Delete to clear, arrows), paste one (the text box or Ctrl+V anywhere outside a
// field), or generate one by difficulty (app/sudoku.js: levels as bands of core's rating), and
// checks every puzzle with core's solver in the worker (clashing givens are named and drawn red;
// the number of solutions is said). The verdict of a solve is core's sudoku check: solved (a
// valid grid keeping the givens), exact (equal to the one solution), or why not.
//
// The generator list comes from the model: a model file that records its training data
// (__metadata__.training) offers its training mix and each of its kinds, and the page says in
// words what the model knows and when an edited maze is unlike anything it was trained on.
//
// Vote (symmetry voting, trm.js SolveOptions.vote) solves the maze in each of its views (its
// rotations and reflections: model.views, 8 for a square grid) at once; every pass drawn is then
// the answer most views give, its shading the share of views that agree on each cell, and the
// board says how many views agree. It costs views times the compute per pass: on the 11x11 model
// 50 ms per pass against 6 in Node, 60-110 against 11-17 in this page's worker (Chromium; a
// 2-core machine busy with training), about the default animation delay of 100 ms per pass, and a
// voted solve with early halting runs 9-15 passes (under 1.5 s at full speed): on by default.
// window.trmDemo exposes read-only state and timings for tests and curious developers.
//
// ARC mode (the picker's ARC, app/arc.js) is offered once an ARC model is at hand: a file of task
// 'arc' loaded from disk in any mode switches to it, and a models/index.json entry with "task":
// "arc" enables it. An ARC task file (or the example) gives the question; the board shows the
// 30x30 canvas of one view pass by pass, the strip under it the voted answer and the expected
// output; the verdict says whether the vote's first (or second) answer equals it. #task=arc picks
// it from the URL when index.json lists an ARC model.
//
// The page lives in web/demo/ and uses the library one folder up (../trm.js, through worker.js).
// The shipped models come from ../../models/index.json (relative to the page; scripts/serve.mjs
// serves web/ and models/ of the repository root): [{ "file": "maze-30x30.safetensors" (relative
// to models/), "name": shown in the list, "description": one line, "algorithm": "lehnert" | "dfs"
// (the generator it was trained on, preselected), "minPath", "unique": that generator's
// settings, "height", "width": used only before the model has loaded, "task": "maze" | "sudoku" | "arc"
// (absent: maze) }]. The model list shows the entries of the task picked; the first of the task
// loads when the task is first shown. With no sudoku entry, Sudoku mode works all the same
// (puzzles entered, generated, checked) and says that no sudoku model is shipped yet.

import { MazeView } from './app/render.js';
import { SudokuView } from './app/sudoku-view.js';
import { LEVELS, levelOf, namedCells, puzzleText } from './app/sudoku.js';
import { drawHaltChart } from './app/chart.js';
import { ArcMode } from './app/arc.js';
import { Backend, lineCells } from './app/backend.js';
import { RunController } from './run-controller.js';

const $ = (id) => document.getElementById(id);
const ui = {
  canvas: $('maze'), boardMsg: $('board-msg'),
  passCounter: $('pass-counter'), passDetail: $('pass-detail'), verdict: $('verdict'),
  solve: $('solve'), step: $('step'), clear: $('clear'), showShortest: $('show-shortest'),
  seed: $('seed'), algorithm: $('algorithm'), generate: $('generate'), newMaze: $('new-maze'),
  mazeSize: $('maze-size'), mazeInfo: $('maze-info'),
  speed: $('speed'), speedOut: $('speed-out'), maxSteps: $('max-steps'), earlyHalt: $('early-halt'),
  vote: $('vote'), voteToggle: $('vote-toggle'), voteLabel: $('vote-label'), voteMeter: $('vote-meter'),
  statMs: $('stat-ms'), statMean: $('stat-mean'), statTotal: $('stat-total'), haltChart: $('halt-chart'),
  modelSelect: $('model-select'), modelInfo: $('model-info'), modelFile: $('model-file'),
  modelError: $('model-error'), dropzone: $('dropzone'), dropOverlay: $('drop-overlay'),
  toast: $('toast'), about: $('about'), aboutOpen: $('about-open'),
  replay: $('replay'), scrub: $('scrub'),
  haltMeter: $('halt-meter'), haltMeterFill: $('halt-meter-fill'), haltMeterVal: $('halt-meter-val'),
  mazeFit: $('maze-fit'), modelKnows: $('model-knows'),
  // the task picker and Sudoku mode
  title: $('title'), tagline: $('tagline'), taskMaze: $('task-maze'), taskSudoku: $('task-sudoku'), taskArc: $('task-arc'),
  arcNote: $('arc-note'), keysArc: $('keys-arc'),
  mazeCard: $('maze-card'), sudokuCard: $('sudoku-card'), legendMaze: $('legend-maze'), legendSudoku: $('legend-sudoku'),
  keysMaze: $('keys-maze'), keysSudoku: $('keys-sudoku'), shortestToggle: $('shortest-toggle'), shortestLabel: $('shortest-label'),
  sudokuSeed: $('sudoku-seed'), difficulty: $('difficulty'), sudokuGenerator: $('sudoku-generator'),
  sudokuGenerate: $('sudoku-generate'), sudokuNew: $('sudoku-new'), sudokuEmpty: $('sudoku-empty'),
  sudokuInfo: $('sudoku-info'), sudokuText: $('sudoku-text'), sudokuUse: $('sudoku-use'), sudokuError: $('sudoku-error'),
};

const SPEEDS = [0, 16, 40, 100, 250, 500, 1000]; // animation delay per pass, ms
const MODELS_INDEX = new URL('../../models/index.json', document.baseURI);
const t0 = performance.now(); // relative to navigation start; kept for the timings below
// *At: ms since navigation start; *Ms: durations measured inside the worker
const timings = { bootAt: null, moduleAt: null, moduleMs: null, modelMs: null, readyAt: null, firstPassAt: null, lastSolve: null };

/* ---- state -------------------------------------------------------------------------------- */

const state = {
  task: 'maze',       // the task picked: 'maze' | 'sudoku' | 'arc'
  ready: false,       // module loaded
  loadingModel: false,
  models: [],         // entries of models/index.json (+ user files)
  model: null,        // { name, height, width, config, training, views, bytes, entry, infoText }
  modelIdx: -1,       // index of the model in models (and in the URL), -1 for a user's file
  h: 0, w: 0,
  grid: '',           // question: h*w chars over "# SGo"
  origin: null,       // { seed, algorithm } while the maze is as generated; null once edited
  wantGenerator: null, // { alg, kind } from the URL, applied once the model's generators are known
  replayIdx: null,    // index into the run's history of the pass on screen; null: the latest
  shortest: null,     // BFS answer for the current grid (string), or null
  shortestError: null,
  fit: null,          // the model's trainingFit of the grid, or null
  // Sudoku mode
  sel: -1,            // the selected cell (typing), -1 for none
  check: null,        // core's solver on the board's puzzle: { solutions, rating, ... }, or null
  checkError: null,   // { code, message } when the puzzle is refused (clashing givens, ...)
  // the other task's board and model while this one is shown: task -> the fields of TASK_STATE
  stash: {},
};
// What each task keeps of its own (the rest is shared: the module, the model list, the settings).
const TASK_STATE = ['model', 'modelIdx', 'h', 'w', 'grid', 'origin', 'shortest', 'shortestError', 'fit', 'sel', 'check',
  'checkError', 'wantGenerator'];
const isSudoku = () => state.task === 'sudoku';
const isArc = () => state.task === 'arc';

let view;        // the maze's view of the canvas
let sudokuView;  // the sudoku's: only the one of the task shown draws
let arc;         // ARC mode (app/arc.js): its card, strip and board
const backend = new Backend(new URL('./worker.js', import.meta.url));
// The solve's state machine over the worker's solver (see run-controller.js for the protocol).
const runs = new RunController({
  start: (settings) => backend.call('start', settings),
  next: () => backend.call('next'),
  cancel: () => backend.call('cancel'),
  verify: (args) => backend.call('verify', args),
}, {
  onChange: onRunChange,
  onPass,
  // A pass that changed nothing is not held on screen: the counter says "unchanged since".
  delay: (run) => (run.lastChange < run.passes ? 0 : SPEEDS[Number(ui.speed.value)] ?? 100),
});

// The settings of a new run, from the board and the Solver panel.
function runSettings() {
  const maxSteps = clampInt(ui.maxSteps.value, 1, maxStepsLimit(), maxStepsLimit());
  return { task: state.task, grid: state.grid, height: state.h, width: state.w, maxSteps, earlyHalt: ui.earlyHalt.checked,
           vote: ui.vote.checked && !ui.vote.disabled && !isArc(), ...(isArc() ? { arc: arc.settings() } : {}) };
}

// The Vote box for the loaded model: its view count (8 for a square maze, 4 for a non-square one).
function updateVoteToggle() {
  const views = state.model?.views ?? 8;
  if (isSudoku()) {
    ui.voteLabel.textContent = `Vote (${views} views)`;
    ui.voteToggle.title = `Symmetry voting: solve the puzzle in ${views} shuffled forms at once (digits relabelled; ` +
      'bands, stacks, rows and columns permuted; transposed), turn the answers back, and keep the answer most of them ' +
      `agree on (${views}× the compute per pass)`;
    ui.vote.disabled = views < 2;
    return;
  }
  const square = state.model ? state.model.height === state.model.width : true;
  const what = square ? `${views} rotations and reflections` : `${views} views that keep its shape (itself, its half-turn, its two mirror images)`;
  ui.voteLabel.textContent = `Vote (${views} views)`;
  ui.voteToggle.title = `Symmetry voting: solve the maze in its ${what} at once, turn the answers back, and keep ` +
    `the answer most of them agree on (${views}× the compute per pass; on the 11x11 model about 97% of fresh mazes ` +
    'get a shortest path without it, 99-100% with it; on the 15x15 one 73% and 94.5%)';
  ui.vote.disabled = views < 2;
}

// Refinement passes per supervision step (T): the model's H_cycles.
function passesPerStep() {
  return state.model?.config?.H_cycles ?? 3;
}

function maxStepsLimit() {
  return state.model?.config?.halt_max_steps ?? 16;
}

function clampInt(v, lo, hi, dflt) {
  const n = Math.round(Number(v));
  if (!Number.isFinite(n)) return dflt;
  return Math.min(hi, Math.max(lo, n));
}

/* ---- drawing and status ------------------------------------------------------------------- */

// The pass on screen: the latest, or the one picked on the replay slider.
function shownPass(r) {
  return state.replayIdx != null ? r.history[state.replayIdx] : r?.pass ?? null;
}

function draw(hover = -1) {
  if (!state.grid && !isArc()) return;
  const r = runs.run;
  const p = shownPass(r);
  const k = p ? r.history.indexOf(p) : -1;
  // revision rings while the model works and in replay; on the final answer they would be clutter
  const prev = k > 0 && (r.state !== 'done' || state.replayIdx != null) ? r.history[k - 1].grid : null;
  if (isArc()) {
    arc.draw(p, prev ? r.history[k - 1] : null);
    return;
  }
  if (isSudoku()) {
    // red: the cells a check names (clashing givens; on the final answer, the verdict's reason)
    const final = r?.state === 'done' && state.replayIdx == null && r.verdict && !r.verdict.valid;
    sudokuView.draw({
      grid: state.grid, pred: p?.grid ?? null, conf: p?.confidence ?? null, prev,
      solution: ui.showShortest.checked ? state.shortest : null, sel: state.sel,
      marked: namedCells(state.checkError?.message ?? (final ? r.verdict.reason : '')),
    });
    return;
  }
  view.draw({
    h: state.h, w: state.w, grid: state.grid,
    pred: p?.grid ?? null, conf: p?.confidence ?? null, prev,
    shortest: ui.showShortest.checked ? state.shortest : null,
    hover,
  });
}

// Cells whose answer changed: joined or left the path (maze), another digit (sudoku).
function revisedCells(a, b) {
  if (isArc()) return arc.revised(a, b);
  let n = 0;
  if (isSudoku()) for (let i = 0; i < a.length; i++) n += a[i] !== b[i];
  else for (let i = 0; i < a.length; i++) if ((a[i] === 'o') !== (b[i] === 'o')) n++;
  return n;
}

function fmtMs(ms) {
  if (ms == null || !Number.isFinite(ms)) return '–';
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  return `${ms >= 100 ? ms.toFixed(0) : ms.toFixed(1)} ms`;
}

function updateCounter() {
  const r = runs.run;
  updateVoteMeter();
  if (!r || !r.pass) {
    const loading = !state.ready || state.loadingModel;
    ui.passCounter.textContent = state.model ? 'Ready' : loading ? 'Loading…' : 'No model';
    ui.passDetail.textContent = state.model ? 'Press Solve to watch the model think'
      : loading ? 'Starting the solver' : 'Load a model to solve';
    if (isSudoku() && !loading && !state.model) {
      ui.passCounter.textContent = 'No sudoku model';
      ui.passDetail.textContent = modelsOfTask().length ? 'Pick a sudoku model in the Model panel to solve'
        : 'No sudoku model is shipped yet: load one from your disk (Model panel) to solve; puzzles can be entered meanwhile';
    } else if (isArc() && !loading && state.model && !state.grid) {
      ui.passCounter.textContent = 'No ARC task';
      ui.passDetail.textContent = 'Open an ARC task file (ARC-AGI panel) or the example task';
    } else if (isSudoku() && state.checkError) {
      ui.passCounter.textContent = 'Cannot solve this puzzle';
      ui.passDetail.textContent = `${state.checkError.message}: change a given to solve`;
    }
    return;
  }
  const p = shownPass(r);
  const T = passesPerStep();
  ui.passCounter.textContent = `Pass ${p.index + 1} / ${r.maxSteps * T}`;
  // step and recursion are 1-based (trm.js)
  let detail = `Supervision step ${p.step} of ${r.maxSteps} · recursion ${p.recursion} of ${T}`;
  const k = r.history.indexOf(p);
  if (k > 0) {
    const n = isArc() ? revisedCells(r.history[k - 1], p) : revisedCells(r.history[k - 1].grid, p.grid);
    detail += ` · ${n} cell${n === 1 ? '' : 's'} revised`;
  }
  const replaying = state.replayIdx != null;
  if (replaying) detail += ` · replay (last pass ${r.passes})`;
  else if (r.state === 'paused') detail += ' · paused';
  else if (r.end === 'halted') {
    detail = `Halted after supervision step ${p.step} of ${r.maxSteps} (${r.vote ? 'every view: ' : ''}q_halt > 0, answer settled)`;
  } else if (r.end) detail = `Ran all ${r.maxSteps} supervision steps`;
  if (!replaying && r.convergedAt != null) {
    const same = r.passes - r.convergedAt;
    detail += ` · converged at pass ${r.convergedAt} (the last ${same} pass${same === 1 ? '' : 'es'} changed nothing)`;
  } else if (!replaying && r.lastChange < r.passes) {
    detail += ` · unchanged since pass ${r.lastChange}`;
  }
  if (!replaying && r.verdict && !r.verdict.valid && r.verdict.reason) detail += ` · ${r.verdict.reason}`;
  ui.passDetail.textContent = detail;
}

// How many views gave the answer on the board (Vote), next to the halting confidence.
function updateVoteMeter() {
  const r = runs.run;
  const v = r?.pass ? shownPass(r)?.votes : null;
  ui.voteMeter.hidden = !v;
  if (!v) return;
  ui.voteMeter.replaceChildren(Object.assign(document.createElement('b'), { textContent: `${v.agree} of ${v.views}` }),
    ' views agree');
  const what = isArc() ? `test input's ${v.views} views (its augmentations` : isSudoku() ? `puzzle's ${v.views} views (its shuffled forms`
    : `maze's ${v.views} views (its rotations and reflections`;
  ui.voteMeter.title = `Symmetry voting: ${v.agree} of the ${what}, ` +
    `each solved and turned back) gave the answer shown; ${v.distinct} different answer${v.distinct === 1 ? '' : 's'} in all`;
}

function updateHaltMeter() {
  const r = runs.run;
  const p = r?.halt.length ? r.halt[r.halt.length - 1] : null;
  ui.haltMeter.hidden = p == null;
  if (p == null) return;
  ui.haltMeter.title = r.vote
    ? 'The halting head\'s probability that the answer is right (sigmoid of the mean q_halt of the views that gave it), after the last supervision step'
    : 'The halting head\'s probability that the current answer is right (sigmoid of q_halt), after the last supervision step';
  const pct = Math.round(100 * p);
  ui.haltMeterFill.style.width = `${pct}%`;
  ui.haltMeterVal.textContent = `${pct}%`;
}

function updateStats() {
  const r = runs.run;
  updateHaltMeter();
  ui.statMs.textContent = fmtMs(r?.pass?.ms);
  ui.statMean.textContent = r?.passes ? fmtMs(r.computeMs / r.passes) : '–';
  ui.statTotal.textContent = r?.passes ? fmtMs(r.computeMs) : '–';
  drawHaltChart(ui.haltChart, r?.halt ?? [], r?.maxSteps ?? clampInt(ui.maxSteps.value, 1, 64, 16));
}

function setVerdict(kind, text, title = '') {
  ui.verdict.dataset.verdict = kind;
  ui.verdict.textContent = text;
  ui.verdict.title = title || text;
}

function updateControls() {
  const r = runs.run;
  const canSolve = state.ready && !!state.model && !!state.grid && !state.loadingModel;
  const running = runs.state === 'running';
  ui.solve.disabled = !canSolve || runs.state === 'checking';
  ui.solve.querySelector('span').textContent = running ? 'Pause' : runs.state === 'paused' ? 'Resume' : 'Solve';
  ui.solve.querySelector('svg').innerHTML = running
    ? '<path d="M4 2.5h3v11H4zM9 2.5h3v11H9z"/>' : '<path d="M4 2.5v11l9-5.5z"/>';
  ui.step.disabled = !canSolve || running || runs.state === 'checking' || runs.busy;
  ui.clear.disabled = !r;
  ui.generate.disabled = !state.ready;
  ui.newMaze.disabled = !state.ready;
  ui.showShortest.disabled = !state.grid;
  for (const b of [ui.sudokuGenerate, ui.sudokuNew, ui.sudokuEmpty, ui.sudokuUse]) b.disabled = !state.ready;
  if (isSudoku() && state.checkError) ui.solve.disabled = ui.step.disabled = true; // the module would refuse it
  ui.modelSelect.disabled = !state.ready || state.loadingModel || (modelsOfTask().length === 0 && !(state.model && state.modelIdx < 0));
  // a model loading into one task must not land in the other
  ui.taskMaze.disabled = ui.taskSudoku.disabled = !state.ready || state.loadingModel;
  ui.taskArc.disabled = ui.taskMaze.disabled || !arcAvailable(); // offered once an ARC model is at hand
  ui.arcNote.hidden = arcAvailable();
  // replay: once paused or ended, any pass so far can be looked at again
  const canReplay = !!r && r.passes > 1 && ['paused', 'done', 'error'].includes(r.state) && !runs.busy;
  ui.replay.hidden = !canReplay;
  if (canReplay) {
    ui.scrub.max = String(r.passes);
    ui.scrub.value = String(state.replayIdx != null ? state.replayIdx + 1 : r.passes);
  }
}

function replayTo(k) {
  const r = runs.run;
  if (!r || ui.replay.hidden) return;
  k = Math.min(r.passes, Math.max(1, k));
  state.replayIdx = k === r.passes ? null : k - 1;
  ui.scrub.value = String(k);
  draw();
  updateCounter();
}

let toastTimer = 0;
function toast(msg, ms = 5000) {
  ui.toast.textContent = msg;
  ui.toast.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { ui.toast.hidden = true; }, ms);
}

// A message over the board: full cover while loading, a banner (maze still usable) otherwise.
function boardMessage(text, banner = false) {
  ui.boardMsg.textContent = text ?? '';
  ui.boardMsg.hidden = !text;
  ui.boardMsg.classList.toggle('banner', banner);
}

/* ---- maze ----------------------------------------------------------------------------------- */

function currentEntry() {
  return state.model?.entry ?? state.models[Number(ui.modelSelect.value)] ?? null;
}

// A new board of the task shown: a maze from the Maze card's settings, or a sudoku from the
// Sudoku card's.
async function generate(seed) {
  if (isSudoku()) return generatePuzzle(seed);
  if (isArc()) { // ARC questions come from task files: the example until one is opened
    if (!arc.task) await arc.loadExample();
    return;
  }
  if (!state.ready) return;
  if (seed !== undefined) ui.seed.value = String(seed);
  const s = clampInt(ui.seed.value, 0, 4294967295, 0);
  ui.seed.value = String(s);
  const entry = currentEntry();
  const h = state.model?.height ?? entry?.height ?? 30;
  const w = state.model?.width ?? entry?.width ?? 30;
  const choice = ui.algorithm.value;
  const kinds = state.model?.training?.kinds ?? [];
  try {
    let m, what, hash;
    if (choice === 'mix' || choice.startsWith('kind:')) {
      const kind = choice === 'mix' ? undefined : Number(choice.slice(5));
      m = await backend.call('generateTrained', { seed: s, kind });
      what = kindLabel(kinds[m.kind]) + (choice === 'mix' ? ' (from the training mix)' : '');
      hash = choice === 'mix' ? 'alg=mix' : `alg=kind&kind=${kind}`;
    } else {
      const opts = { height: h, width: w, seed: s, index: 0, algorithm: choice };
      // index.json's training settings (path length floor, uniqueness) apply to its own generator.
      if (entry?.minPath != null && (entry.algorithm ?? 'lehnert') === choice) opts.minPath = entry.minPath;
      if (entry?.unique != null && (entry.algorithm ?? 'lehnert') === choice) opts.unique = entry.unique;
      m = await backend.call('generate', opts);
      what = GENERATOR_NAMES[choice] ?? choice;
      hash = `alg=${choice}`;
    }
    if (state.task !== 'maze') return; // the task was switched meanwhile
    await runs.cancel();
    state.h = h;
    state.w = w;
    state.grid = m.grid;
    state.origin = { seed: s, algorithm: m.algorithm ?? choice };
    ui.mazeSize.textContent = `${h}×${w}`;
    ui.mazeInfo.textContent = `Seed ${s}, ${what}: shortest path ${m.pathLength} moves. Click or drag to edit; drag S and G.`;
    history.replaceState(null, '', `#seed=${s}&${hash}` + (state.modelIdx > 0 ? `&model=${state.modelIdx}` : ''));
    await refreshShortest();
    await refreshFit();
    resetRunView();
  } catch (e) {
    toast(`Could not generate a maze: ${e.message}`);
  }
}

async function refreshShortest() {
  state.shortest = null;
  state.shortestError = null;
  if (isSudoku()) { // the solution of the last check (the first found when there are several)
    state.shortest = state.check?.solution ?? null;
    return;
  }
  if (!ui.showShortest.checked || !state.grid || isArc()) return;
  try {
    state.shortest = await backend.call('shortest', { grid: state.grid, height: state.h, width: state.w });
  } catch (e) {
    state.shortestError = e.message;
    toast(`No shortest path: ${e.message}`);
  }
}

// Say when the maze on the board is unlike every training maze (the model's own record).
async function refreshFit() {
  let f = null;
  if (state.model && state.grid && state.task === 'maze') {
    try {
      f = await backend.call('fit', { grid: state.grid, height: state.h, width: state.w });
    } catch { f = null; }
  }
  state.fit = f;
  ui.mazeFit.hidden = !f || f.fits;
  if (f && !f.fits) {
    const known = state.model?.training ? 'Unlike the mazes this model was trained on' : 'Note';
    ui.mazeFit.textContent = `${known}: ${f.reasons.join('; ')}.`;
  }
}

function mazeEdited() {
  if (state.origin) {
    ui.mazeInfo.textContent = `Edited from seed ${state.origin.seed}. Generate to start over.`;
    state.origin = null;
    history.replaceState(null, '', location.pathname + location.search);
  }
}

/* ---- sudoku ---------------------------------------------------------------------------------- */

// A puzzle by difficulty (the Sudoku card's seed, level and generator): core's generator in the
// worker, so the same seed gives the same puzzle everywhere (also native trm-sudoku).
async function generatePuzzle(seed) {
  if (!state.ready) return;
  if (seed !== undefined) ui.sudokuSeed.value = String(seed);
  const s = clampInt(ui.sudokuSeed.value, 0, 4294967295, 0);
  ui.sudokuSeed.value = String(s);
  const level = LEVELS[ui.difficulty.value] ? ui.difficulty.value : 'medium';
  const generator = ui.sudokuGenerator.value === 'symmetric' ? 'symmetric' : 'minimal';
  const { minRating, maxRating } = LEVELS[level];
  try {
    const p = await backend.call('generateSudoku', { seed: s, minRating, maxRating, generator });
    if (!isSudoku()) return; // the task was switched meanwhile
    await setPuzzle(p.grid, { seed: s, level, generator, rating: p.rating });
  } catch (e) {
    toast(`Could not generate a sudoku: ${e.message}`);
  }
}

// Put a puzzle on the board: origin says how it was generated (null: typed or pasted, then the
// puzzle itself goes into the URL). Core's solver checks it.
async function setPuzzle(grid, origin) {
  await runs.cancel();
  state.h = state.w = 9;
  state.grid = grid;
  state.origin = origin;
  state.check = state.checkError = null; // the previous puzzle's, until checkPuzzle has this one's
  ui.sudokuError.hidden = true;
  await checkPuzzle();
  sudokuHash();
  resetRunView();
}

// The URL of the board: a generated puzzle by its seed and level, any other by its characters.
function sudokuHash() {
  const o = state.origin;
  const first = state.models.findIndex((m) => (m.task ?? 'maze') === 'sudoku');
  const model = state.modelIdx >= 0 && state.modelIdx !== first ? `&model=${state.modelIdx}` : '';
  const what = o ? `seed=${o.seed}&level=${o.level}${o.generator === 'symmetric' ? '&gen=symmetric' : ''}` : `puzzle=${state.grid}`;
  history.replaceState(null, '', `#task=sudoku&${what}${model}`);
}

// Core's solver on the board's puzzle: its solutions and rating, or why it is refused (the
// clashing givens are then drawn red and Solve waits until they are fixed).
async function checkPuzzle() {
  const grid = state.grid;
  let check = null, error = null;
  try {
    check = await backend.call('checkSudoku', { grid });
  } catch (e) {
    error = { code: e.code, message: e.message.replace(/^solveSudoku: /, '') };
  }
  if (!isSudoku() || state.grid !== grid) return; // the board changed meanwhile: a newer check follows
  state.check = check;
  state.checkError = error;
  await refreshShortest();
  describePuzzle();
}

function describePuzzle() {
  const c = state.check, o = state.origin;
  const givens = [...state.grid].filter((ch) => ch >= '1' && ch <= '9').length;
  const err = state.checkError;
  ui.sudokuError.hidden = !err;
  if (err) ui.sudokuError.textContent = `This puzzle cannot be solved as it is (${err.code}): ${err.message}.`;
  let what = '';
  if (c) {
    what = c.solutions === 1 ? `one solution, rated ${c.rating} (${LEVELS[levelOf(c.rating)].name.toLowerCase()})`
      : c.solutions === 0 ? 'no solution' : 'more than one solution (any valid grid counts)';
  }
  const from = o ? `Seed ${o.seed}, ${LEVELS[o.level].name.toLowerCase()}${o.generator === 'symmetric' ? ', symmetric' : ''}` : 'Your puzzle';
  ui.sudokuInfo.textContent = `${from}: ${givens} givens${what ? `, ${what}` : ''}. Click a cell and type 1-9; 0 clears.`;
}

// Pasted or typed text as the board's puzzle. Text the module cannot read as a sudoku (not 81
// characters, a character that is no digit or blank) is refused with its error named; a puzzle
// whose givens clash is shown, the clash marked.
async function usePuzzleText(text) {
  const grid = puzzleText(text);
  try {
    await backend.call('checkSudoku', { grid });
  } catch (e) {
    if (e.code !== 'bad_grid') {
      ui.sudokuError.textContent = `Not a sudoku (${e.code}): ${e.message.replace(/^solveSudoku: /, '')}.`;
      ui.sudokuError.hidden = false;
      ui.sudokuError.dataset.code = e.code;
      toast(`Not a sudoku: ${e.message.replace(/^solveSudoku: /, '')}`);
      return false;
    }
  }
  await setPuzzle(grid.replace(/0/g, '.'), null);
  if (state.checkError) ui.sudokuError.dataset.code = state.checkError.code;
  return true;
}

// Typing into the selected cell: a digit, or '.' to clear.
async function typeCell(ch) {
  const i = state.sel;
  if (i < 0 || state.grid[i] === ch) return;
  if (runs.run) clearRun();
  state.grid = state.grid.slice(0, i) + ch + state.grid.slice(i + 1);
  state.origin = null;
  draw();
  await checkPuzzle();
  sudokuHash();
  resetRunView();
}

// Keys on the board (Sudoku mode): digits and clearing wherever a cell is selected (outside form
// fields), arrows while the board has the focus. true when the key was the board's.
function sudokuKey(e) {
  if (state.sel < 0) return false;
  const onBoard = document.activeElement === ui.canvas;
  if (/^[1-9]$/.test(e.key)) typeCell(e.key);
  else if (['0', '.', 'Backspace', 'Delete'].includes(e.key)) typeCell('.');
  else if (onBoard && e.key.startsWith('Arrow')) {
    const r = Math.floor(state.sel / 9), c = state.sel % 9;
    const [dr, dc] = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] }[e.key];
    state.sel = ((r + dr + 9) % 9) * 9 + ((c + dc + 9) % 9);
    draw();
  } else if (e.key === 'Escape') {
    state.sel = -1;
    draw();
  } else return false;
  e.preventDefault();
  return true;
}

/* ---- tasks ------------------------------------------------------------------------------------ */

const TASK_DEFAULTS = { model: null, modelIdx: -1, h: 0, w: 0, grid: '', origin: null, shortest: null, shortestError: null,
  fit: null, sel: -1, check: null, checkError: null, wantGenerator: null };

// The shipped models of the task shown, as [index into state.models, entry].
function modelsOfTask(task = state.task) {
  return state.models.map((m, i) => [i, m]).filter(([, m]) => (m.task ?? 'maze') === task);
}

// The model list: the shipped models of the task shown, and the user's file if one is in use.
function fillModelSelect() {
  const opts = modelsOfTask().map(([i, m]) => [String(i), m.name ?? m.file]);
  if (state.model && state.modelIdx < 0) opts.push(['-1', `Your file: ${state.model.name}`]);
  if (!opts.length) opts.push(['', isSudoku() ? 'No sudoku model shipped yet' : isArc() ? 'No ARC model shipped' : 'No model shipped']);
  ui.modelSelect.replaceChildren(...opts.map(([v, n]) => {
    const o = document.createElement('option');
    o.value = v;
    o.textContent = n;
    o.disabled = v === '';
    return o;
  }));
  ui.modelSelect.value = state.model ? String(state.modelIdx) : opts[0][0];
}

// The page's words, cards and board for the task shown.
function showTaskUI() {
  const sudoku = isSudoku(), maze = state.task === 'maze', arcMode = isArc();
  ui.taskMaze.checked = maze;
  ui.taskSudoku.checked = sudoku;
  ui.taskArc.checked = arcMode;
  const what = { maze: ['maze', 'mazes'], sudoku: ['sudoku', 'sudoku'], arc: ['ARC-AGI', 'ARC-AGI tasks'] }[state.task];
  ui.title.textContent = `TRM ${what[0]} solver`;
  ui.tagline.textContent = `Watch a Tiny Recursive Model solve ${what[1]} pass by pass, in your browser`;
  document.title = `TRM ${what[0]} solver · Tiny Recursive Model in the browser`;
  ui.mazeCard.hidden = !maze;
  ui.sudokuCard.hidden = !sudoku;
  ui.legendMaze.hidden = !maze;
  ui.legendSudoku.hidden = !sudoku;
  ui.keysMaze.hidden = !maze;
  ui.keysSudoku.hidden = !sudoku;
  ui.keysArc.hidden = !arcMode;
  arc.show(arcMode);
  ui.shortestToggle.hidden = arcMode;
  ui.voteToggle.hidden = arcMode; // ARC votes over the views its card picks
  ui.mazeFit.hidden = !maze || !state.fit || state.fit.fits;
  ui.shortestLabel.textContent = sudoku ? 'Solution' : 'Shortest path';
  ui.shortestToggle.title = sudoku ? 'Show the solution found by the C solver, small in each blank' : 'Overlay the true shortest path (BFS)';
  ui.canvas.classList.toggle('sudoku', sudoku);
  ui.canvas.setAttribute('aria-label', sudoku ? 'Sudoku grid: click a cell and type a digit' : 'Maze grid');
  if (sudoku) ui.canvas.tabIndex = 0;
  else ui.canvas.removeAttribute('tabindex');
  // only the task's view draws on the canvas; the maze view redraws from scratch when back
  if (!maze) {
    view.scene = null;
    view.h = view.w = 0;
  }
  if (!sudoku) sudokuView.draw(null);
  if (arcMode) ui.canvas.setAttribute('aria-label', 'ARC answer canvas (30×30) of the view being watched');
  fillModelSelect();
  updateVoteToggle();
  ui.modelKnows.hidden = !maze || !state.model?.training;
  ui.modelKnows.textContent = maze && state.model?.training ? describeTraining(state.model.training) : '';
  ui.modelInfo.textContent = state.model?.infoText ?? (sudoku && !modelsOfTask().length
    ? 'No sudoku model is shipped yet. You can enter, paste and generate puzzles here, and load a TRM sudoku model ' +
      '(.safetensors, trained with "task": "sudoku") from your disk to solve them.'
    : 'No model loaded');
  const lim = maxStepsLimit();
  ui.maxSteps.max = String(lim);
  ui.maxSteps.value = String(Math.min(lim, clampInt(ui.maxSteps.value, 1, lim, lim)));
}

// Switch to another task: this task's board and model are kept for later; the other's come back
// (the first time, its first shipped model loads and a board is generated).
async function setTask(task, { fromHash = null } = {}) {
  if (task !== 'maze' && task !== 'sudoku' && task !== 'arc') return;
  if (task === state.task || (task === 'arc' && !arcAvailable())) return;
  await runs.cancel();
  state.stash[state.task] = { ...Object.fromEntries(TASK_STATE.map((k) => [k, state[k]])), hash: location.hash,
                              steps: ui.maxSteps.value };
  state.task = task;
  const saved = state.stash[task];
  for (const k of TASK_STATE) state[k] = (saved ?? TASK_DEFAULTS)[k];
  showModelError('');
  boardMessage('');
  showTaskUI();
  ui.maxSteps.value = String(clampInt(saved?.steps, 1, maxStepsLimit(), maxStepsLimit())); // this task's setting
  updateControls();
  await refreshShortest(); // the overlay box is shared: this board's overlay, if it is ticked
  if (!state.model && state.ready) {
    const [first] = modelsOfTask();
    const want = fromHash?.model != null && (state.models[fromHash.model]?.task ?? 'maze') === task ? fromHash.model : first?.[0];
    if (want != null) {
      await loadModel({ url: new URL(state.models[want].file, MODELS_INDEX).href, entry: state.models[want], index: want,
                        keepAlgorithm: !!fromHash?.alg, keepGrid: !!fromHash });
    }
  }
  if (fromHash && isSudoku() && (fromHash.puzzle || fromHash.seed != null || fromHash.level)) await applySudokuHash(fromHash);
  else if (fromHash && state.task === 'maze' && (fromHash.seed != null || fromHash.alg)) {
    if (fromHash.alg) state.wantGenerator = { alg: fromHash.alg, kind: fromHash.kind };
    if (state.wantGenerator) fillGenerators(state.model?.training, state.model?.entry, true);
    await generate(fromHash.seed);
  } else if (!state.grid) await generate();
  else history.replaceState(null, '', saved?.hash || location.pathname + location.search); // the board's own URL again
  if (isArc()) history.replaceState(null, '', '#task=arc');
  resetRunView();
}

// ARC mode is offered once an ARC model is at hand: loaded (now or before), or listed in models/index.json.
function arcAvailable() {
  return (isArc() && !!state.model) || !!state.stash.arc?.model || modelsOfTask('arc').length > 0;
}

// ARC mode's question changed (a task file, test input or views): the run goes, the board shows it.
async function arcChanged() {
  if (!isArc()) return;
  await runs.cancel();
  state.grid = arc.key;
  state.h = state.w = 30;
  resetRunView();
}

// A sudoku named by the URL: its characters, or a seed and level to generate it from.
async function applySudokuHash(h) {
  if (h.level) ui.difficulty.value = h.level;
  if (h.gen) ui.sudokuGenerator.value = h.gen;
  if (h.puzzle && await usePuzzleText(h.puzzle)) return;
  await generatePuzzle(h.seed);
}

/* ---- solving -------------------------------------------------------------------------------- */

// The board, counter and stats without a prediction (after a new maze or an edit).
function resetRunView() {
  setVerdict('none', '');
  updateCounter();
  updateStats();
  updateControls();
  draw();
}

// Drop the prediction (Clear, or the first cell of an edit). runs.cancel() leaves the controller
// idle at once and onRunChange redraws, so an edit can go on without waiting; the promise
// settles once the worker has dropped the solve.
async function clearRun() {
  await runs.cancel();
  resetRunView();
}

function startRun(paused) {
  if (!state.model || !state.grid) return Promise.resolve(null);
  return runs.start(runSettings(), { paused });
}

// What the run controller reports: any change (state, busy, the current run), and each pass.
let seenRun = null, seenState = 'idle';
let slowTimer = 0;

function onRunChange() {
  const r = runs.run;
  if (r !== seenRun || runs.state !== seenState) {
    if (r !== seenRun) state.replayIdx = null;
    seenRun = r;
    seenState = runs.state;
    runStateShown(r);
  }
  // A big model takes seconds per pass: say that it is working rather than look stuck.
  clearTimeout(slowTimer);
  if (runs.busy && r && (r.state === 'running' || r.state === 'paused')) {
    slowTimer = setTimeout(() => {
      if (runs.run === r && runs.busy) ui.passDetail.textContent = `Computing pass ${r.passes + 1}…`;
    }, 400);
  }
  updateControls();
}

// The verdict badge, the counter and the board for a run that entered a new state (or none).
function runStateShown(r) {
  switch (r?.state ?? 'idle') {
    case 'idle': setVerdict('none', ''); break;
    case 'running': setVerdict('running', 'Thinking…'); break;
    case 'paused': setVerdict('running', 'Paused'); break;
    case 'checking': setVerdict('checking', state.task === 'maze' ? 'Checking with BFS…' : 'Checking…'); break;
    case 'done':
      if (r.verdict) {
        showVerdict(r.verdict);
        timings.lastSolve = { passes: r.passes, computeMs: r.computeMs, wallMs: r.lastPassAt - r.startedAt,
                              verdict: verdictKind(r.verdict) };
      } else {
        setVerdict('none', '');
      }
      break;
    case 'error': {
      const badge = { start: 'Could not start', pass: 'Solver error', verify: 'Could not check' }[r.failedRequest];
      setVerdict('wrong', badge, r.error.message);
      toast(`${badge}: ${r.error.message}`);
      break;
    }
  }
  updateCounter();
  updateStats();
  draw();
}

function onPass() {
  state.replayIdx = null;
  draw();
  if (timings.firstPassAt == null) timings.firstPassAt = performance.now();
  drawnPasses++;
  updateCounter();
  updateStats();
}

function verdictKind(v) {
  if (v.valid && v.optimal) return 'optimal';
  if (v.valid) return 'valid';
  return 'wrong';
}

function showVerdict(v) {
  if (isArc()) {
    setVerdict(...arc.verdict(v));
    return;
  }
  const kind = verdictKind(v);
  const why = v.reason ? ` (${v.reason})` : '';
  if (isSudoku()) { // core's sudoku check: valid = a solved grid keeping the givens, so optimal too
    if (kind !== 'wrong' && v.exact) setVerdict(kind, `Solved · exact, ${v.length} blanks filled`, 'Checked by the C solver: every row, column and box holds 1-9 once, every given is kept, and it is the puzzle\'s one solution');
    else if (kind !== 'wrong') setVerdict(kind, `Solved · ${v.length} blanks filled`, 'Checked by the C solver: every row, column and box holds 1-9 once and every given is kept (the puzzle has several solutions; this is one)');
    else if (v.shortest == null) setVerdict(kind, 'No solution exists', `The C solver finds no solution for this puzzle${why}`);
    else setVerdict(kind, 'Wrong · not a solution', `Checked by the C solver: ${v.reason}`);
    return;
  }
  if (kind === 'optimal') setVerdict(kind, `Shortest path · ${v.length} moves`, 'Checked by BFS: a valid path from S to G, as short as the shortest one');
  else if (kind === 'valid') setVerdict(kind, `Valid, not shortest · ${v.length} vs ${v.shortest} moves`, `Checked by BFS: the path connects S to G but a shorter one exists${why}`);
  else if (v.shortest == null) setVerdict(kind, 'No path exists', `S and G are not connected in this maze${why}`);
  else setVerdict(kind, 'Wrong · not a path from S to G', `Checked by BFS: the answer is not a path of open cells from S to G${why}; the shortest has ${v.shortest} moves`);
}

// Solve button and space: pause a running solve, resume a paused one, else start one.
function solveOrPause() {
  if (runs.pause() || runs.resume() || runs.state === 'checking') return;
  startRun(false);
}

// Step button and s: one pass (starting a paused solve if none is going on); pauses a running one.
async function stepOnce() {
  if (runs.pause() || runs.state === 'checking' || runs.busy) return;
  if (runs.state !== 'paused') await startRun(true);
  await runs.step();
}

/* ---- models --------------------------------------------------------------------------------- */

async function loadModelsIndex() {
  try {
    const res = await fetch(MODELS_INDEX);
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const list = await res.json();
    if (!Array.isArray(list)) throw new Error('not a JSON array');
    state.models = list.filter((m) => m && typeof m.file === 'string');
  } catch (e) {
    state.models = [];
    showModelError(`No shipped models: could not read models/index.json (${e.message}). Drop a .safetensors file to start.`);
  }
  fillModelSelect();
}

function showModelError(msg) {
  ui.modelError.textContent = msg;
  ui.modelError.hidden = !msg;
}

const GENERATOR_NAMES = {
  lehnert: 'random walls', dfs: 'corridors (DFS)', 'dfs-any': 'corridors, S and G anywhere', sparse: 'rooms (few walls)',
};

// A training kind in words, e.g. "random walls, several shortest paths, 11+ moves".
function kindLabel(k) {
  if (!k?.algorithm) return 'other mazes';
  const bits = [GENERATOR_NAMES[k.algorithm] ?? k.algorithm];
  if ((k.algorithm === 'lehnert' || k.algorithm === 'sparse') && !k.unique) bits.push('several shortest paths');
  if (k.algorithm !== 'dfs' && k.minPath > 0) bits.push(`${k.minPath}+ moves`);
  return bits.join(', ');
}

function describeTraining(t) {
  const kinds = t.kinds.map((k) => `${kindLabel(k)} (${Math.round(100 * k.share)}%${k.pathMin >= 0 ? `, ${k.pathMin}–${k.pathMax} moves` : ''})`);
  const size = t.height > 0 ? `${t.height}×${t.width} ` : '';
  return `Trained on ${size}mazes: ${kinds.join('; ')}. Mazes outside these shortest-path lengths, or with several shortest paths where it saw only one, are new to it.`;
}

const capitalize = (x) => x.charAt(0).toUpperCase() + x.slice(1);

// The generator list: the model's training mix and kinds when its file records them, else the
// generators. The URL's choice (state.wantGenerator) wins once, then the model's default.
function fillGenerators(training, entry, keep) {
  const prev = ui.algorithm.value;
  const opts = [];
  const kinds = training?.kinds ?? [];
  const usable = kinds.map((k, i) => ({ k, i })).filter(({ k }) => k.algorithm);
  if (usable.length) {
    if (usable.length > 1) opts.push(['mix', 'Training mix (any kind)']);
    for (const { k, i } of usable) opts.push([`kind:${i}`, capitalize(kindLabel(k))]);
  } else {
    for (const [v, n] of Object.entries(GENERATOR_NAMES)) opts.push([v, capitalize(n)]);
  }
  ui.algorithm.replaceChildren(...opts.map(([v, n]) => {
    const o = document.createElement('option');
    o.value = v;
    o.textContent = n;
    return o;
  }));
  const has = (v) => opts.some(([x]) => x === v);
  const want = state.wantGenerator;
  state.wantGenerator = null;
  let pick = opts[0][0];
  const byAlg = (alg) => (usable.length ? usable.find(({ k }) => k.algorithm === alg) : null);
  if (want) {
    if (want.alg === 'kind' && has(`kind:${want.kind}`)) pick = `kind:${want.kind}`;
    else if (has(want.alg)) pick = want.alg;
    else if (byAlg(want.alg)) pick = `kind:${byAlg(want.alg).i}`;
  } else if (keep && has(prev)) pick = prev;
  else if (!usable.length && entry?.algorithm && has(entry.algorithm)) pick = entry.algorithm;
  ui.algorithm.value = pick;
}

function describeModel(m) {
  const c = m.config ?? {};
  const task = m.task ?? state.task;
  const bits = [task === 'arc' ? `ARC-AGI, ${c.num_puzzle_identifiers?.toLocaleString('en') ?? '?'} puzzle rows`
    : task === 'sudoku' ? 'Sudoku 9×9' : `${m.height}×${m.width} mazes`];
  if (c.hidden_size) bits.push(`D ${c.hidden_size}`);
  if (c.L_layers) bits.push(`${c.L_layers} layers`);
  if (c.H_cycles && c.L_cycles) bits.push(`T ${c.H_cycles}, n ${c.L_cycles}`);
  if (m.bytes) bits.push(`${(m.bytes / 1048576).toFixed(1)} MB`);
  return bits.join(' · ');
}

// src: { url, entry, index } for a shipped model or { bytes, name } for a user's file.
// src: { url, entry, index } for a shipped model or { bytes, name } for a user's file; keepGrid:
// do not generate a board (the caller puts one there). A model of the task shown only (the
// worker refuses another task's, naming it).
async function loadModel(src) {
  const label = src.name ?? src.entry?.file ?? 'model';
  const sudoku = isSudoku();
  state.loadingModel = true;
  updateControls();
  if (!state.model && !sudoku) boardMessage(`Loading ${label}…`);
  ui.modelInfo.textContent = `Loading ${label}…`;
  const prevSize = state.model ? `${state.model.height}x${state.model.width}` : null;
  try {
    // The worker drops its solve when a model loads, so a solve in progress ends first (even if
    // the file turns out to be bad); a finished one stays on the board until the model changes.
    if (runs.run?.active) await runs.cancel();
    // a user's file of task 'arc' goes to ARC mode from any mode (which offers it only then)
    const args = { ...(src.bytes ? { bytes: src.bytes } : { url: src.url }), name: label, task: state.task, acceptArc: !!src.bytes };
    const info = await backend.call('loadModel', args, src.bytes ? [src.bytes] : []);
    timings.modelMs = info.ms;
    await runs.cancel();
    if (info.task !== state.task) return await arcModelLoaded(info, label);
    state.model = { ...info, name: label, entry: src.entry ?? null };
    state.modelIdx = src.index ?? -1;
    showModelError('');
    state.model.infoText = `${src.entry?.description ? src.entry.description + ' · ' : src.bytes ? label + ' · ' : ''}${describeModel(info)}`;
    ui.modelInfo.textContent = state.model.infoText;
    const lim = maxStepsLimit();
    ui.maxSteps.max = String(lim);
    ui.maxSteps.value = String(lim);
    if (!sudoku) fillGenerators(info.training, src.entry, src.keepAlgorithm); // the Maze card's list
    updateVoteToggle();
    ui.modelKnows.hidden = sudoku || !info.training;
    ui.modelKnows.textContent = !sudoku && info.training ? describeTraining(info.training) : '';
    boardMessage('');
    state.loadingModel = false;
    if (isArc()) { // another model: its puzzle table decides which identifiers rows it has
      await arc.refreshRows();
      if (!state.grid) await generate();
      else resetRunView();
    } else if (sudoku) {
      if (!state.grid && !src.keepGrid) await generate();
      else resetRunView();
    } else if (`${info.height}x${info.width}` !== prevSize || !state.grid) {
      if (prevSize) toast(`Loaded ${label}: ${info.height}×${info.width} mazes`);
      await generate();
    } else {
      resetRunView();
    }
    return true;
  } catch (e) {
    state.loadingModel = false;
    const what = src.bytes ? `“${label}”` : label;
    showModelError(`Could not load ${what}: ${e.message}` + (state.model ? ` The page keeps using ${state.model.name}.` : ''));
    toast(`Could not load ${what}: see the Model panel`);
    if (!state.model && !sudoku) boardMessage('No model loaded: pick a shipped model or drop a .safetensors file.', true);
    // restore the description and selection of the model still in use
    ui.modelInfo.textContent = state.model?.infoText ?? (sudoku ? 'No sudoku model loaded' : 'No model loaded');
    if (state.model) ui.modelSelect.value = String(state.modelIdx);
    return false;
  } finally {
    state.loadingModel = false;
    updateControls();
    updateCounter();
  }
}

// An ARC model loaded from disk while another task was shown: it becomes ARC mode's model and the
// page switches to ARC mode (the other task keeps its model and board).
async function arcModelLoaded(info, label) {
  const model = { ...info, name: label, entry: null, infoText: `${label} · ${describeModel(info)}` };
  state.stash.arc = { ...(state.stash.arc ?? TASK_DEFAULTS), model, modelIdx: -1 };
  state.loadingModel = false;
  showModelError('');
  await setTask('arc');
  await arc.refreshRows();
  toast(`Loaded ${label}: an ARC-AGI model (ARC mode)`);
  return true;
}

async function loadUserFile(file) {
  if (!file) return;
  let bytes;
  try { bytes = await file.arrayBuffer(); } catch (e) {
    showModelError(`Could not read “${file.name}”: ${e.message}`);
    return;
  }
  if (await loadModel({ bytes, name: file.name })) fillModelSelect(); // adds "Your file: ..." and selects it
}

/* ---- editing -------------------------------------------------------------------------------- */

let drag = null; // { kind: 'paint', value } | { kind: 'move', char }

function setCell(i, ch) {
  if (state.grid[i] === ch) return false;
  state.grid = state.grid.slice(0, i) + ch + state.grid.slice(i + 1);
  return true;
}

async function gridChanged() {
  mazeEdited();
  await runs.cancel();
  await refreshShortest();
  await refreshFit();
  resetRunView();
}

function onPointerDown(ev) {
  if (!state.grid || ev.button > 0 || isArc()) return;
  if (isSudoku()) { // select the cell to type into (the board takes the keyboard focus)
    const i = sudokuView.cellAt(ev.clientX, ev.clientY);
    if (i < 0) return;
    ev.preventDefault();
    ui.canvas.focus({ preventScroll: true });
    state.sel = i;
    draw();
    return;
  }
  const i = view.cellAt(ev.clientX, ev.clientY);
  if (i < 0) return;
  ev.preventDefault();
  try { ui.canvas.setPointerCapture(ev.pointerId); } catch { /* synthetic events have no live pointer */ }
  const ch = state.grid[i];
  if (ch === 'S' || ch === 'G') {
    drag = { kind: 'move', char: ch, last: i, changed: false };
    ui.canvas.classList.add('dragging');
    draw(i);
    return;
  }
  drag = { kind: 'paint', value: ch === '#' ? ' ' : '#', last: i, changed: false };
  if (runs.run) clearRun();
  drag.changed = setCell(i, drag.value) || drag.changed;
  draw();
}

function onPointerMove(ev) {
  if (!drag) return;
  const i = view.cellAt(ev.clientX, ev.clientY);
  if (i < 0 || i === drag.last) return;
  if (drag.kind === 'paint') {
    for (const j of lineCells(drag.last, i, state.w)) {
      if (state.grid[j] === 'S' || state.grid[j] === 'G') continue;
      drag.changed = setCell(j, drag.value) || drag.changed;
    }
    drag.last = i;
    draw();
  } else {
    const other = drag.char === 'S' ? 'G' : 'S';
    if (state.grid[i] === other || state.grid[i] === '#') return; // only onto open cells
    const from = state.grid.indexOf(drag.char);
    if (runs.run) clearRun();
    setCell(from, ' ');
    setCell(i, drag.char);
    drag.last = i;
    drag.changed = true;
    draw(i);
  }
}

function onPointerUp() {
  if (!drag) return;
  const changed = drag.changed;
  drag = null;
  ui.canvas.classList.remove('dragging');
  if (changed) gridChanged(); else draw();
}

/* ---- wiring ---------------------------------------------------------------------------------- */

function speedLabel() {
  const d = SPEEDS[Number(ui.speed.value)] ?? 100;
  ui.speedOut.textContent = d === 0 ? 'as fast as possible' : `${d} ms / pass`;
}

function wire() {
  ui.solve.addEventListener('click', () => solveOrPause());
  ui.step.addEventListener('click', () => stepOnce());
  ui.clear.addEventListener('click', () => clearRun());
  ui.generate.addEventListener('click', () => generate());
  ui.newMaze.addEventListener('click', () => generate(randomSeed()));
  ui.seed.addEventListener('keydown', (e) => { if (e.key === 'Enter') generate(); });
  ui.algorithm.addEventListener('change', () => generate());
  ui.showShortest.addEventListener('change', async () => { await refreshShortest(); draw(); });
  ui.speed.addEventListener('input', speedLabel);
  ui.scrub.addEventListener('input', () => replayTo(Number(ui.scrub.value)));
  ui.maxSteps.addEventListener('change', () => {
    ui.maxSteps.value = String(clampInt(ui.maxSteps.value, 1, maxStepsLimit(), maxStepsLimit()));
    if (!runs.run) updateStats();
  });
  ui.modelSelect.addEventListener('change', () => {
    const i = Number(ui.modelSelect.value);
    if (ui.modelSelect.value === '' || i < 0 || !state.models[i]) return;
    loadModel({ url: new URL(state.models[i].file, MODELS_INDEX).href, entry: state.models[i], index: i });
  });
  ui.modelFile.addEventListener('change', () => {
    const f = ui.modelFile.files?.[0];
    ui.modelFile.value = '';
    loadUserFile(f);
  });
  ui.aboutOpen.addEventListener('click', () => ui.about.showModal());

  // the task picker, and the Sudoku card
  for (const r of [ui.taskMaze, ui.taskSudoku, ui.taskArc]) r.addEventListener('change', () => { if (r.checked) setTask(r.value); });
  ui.sudokuGenerate.addEventListener('click', () => generatePuzzle());
  ui.sudokuNew.addEventListener('click', () => generatePuzzle(randomSeed()));
  ui.sudokuSeed.addEventListener('keydown', (e) => { if (e.key === 'Enter') generatePuzzle(); });
  ui.difficulty.addEventListener('change', () => generatePuzzle());
  ui.sudokuGenerator.addEventListener('change', () => generatePuzzle());
  ui.sudokuEmpty.addEventListener('click', () => { state.sel = 0; setPuzzle('.'.repeat(81), null).then(() => ui.canvas.focus()); });
  ui.sudokuUse.addEventListener('click', () => usePuzzleText(ui.sudokuText.value));
  ui.canvas.addEventListener('blur', () => { if (isSudoku() && state.sel >= 0) draw(); });
  // Ctrl+V anywhere but in a field: a puzzle
  window.addEventListener('paste', (e) => {
    const t = e.target;
    if (!isSudoku() || t instanceof HTMLInputElement || t instanceof HTMLTextAreaElement) return;
    const text = e.clipboardData?.getData('text') ?? '';
    if (!text.trim()) return;
    e.preventDefault();
    ui.sudokuText.value = text;
    usePuzzleText(text);
  });

  ui.canvas.addEventListener('pointerdown', onPointerDown);
  ui.canvas.addEventListener('pointermove', onPointerMove);
  ui.canvas.addEventListener('pointerup', onPointerUp);
  ui.canvas.addEventListener('pointercancel', onPointerUp);
  ui.canvas.addEventListener('contextmenu', (e) => e.preventDefault()); // long-press on phones

  // drag and drop of a model file anywhere on the page
  let depth = 0;
  const hasFiles = (e) => [...(e.dataTransfer?.types ?? [])].includes('Files');
  window.addEventListener('dragenter', (e) => { if (hasFiles(e)) { depth++; ui.dropOverlay.hidden = false; } });
  window.addEventListener('dragleave', (e) => { if (hasFiles(e) && --depth <= 0) { depth = 0; ui.dropOverlay.hidden = true; } });
  window.addEventListener('dragover', (e) => { if (hasFiles(e)) e.preventDefault(); });
  window.addEventListener('drop', (e) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    depth = 0;
    ui.dropOverlay.hidden = true;
    loadUserFile(e.dataTransfer.files[0]);
  });

  // a shared link pasted into the same tab changes only the hash
  window.addEventListener('hashchange', async () => {
    const h = readHash();
    if ((h.task ?? 'maze') !== state.task) {
      await setTask(h.task ?? 'maze', { fromHash: h });
      if (h.solve && !ui.solve.disabled) solveOrPause();
      return;
    }
    if (isSudoku()) {
      if (h.speed != null) { ui.speed.value = String(h.speed); speedLabel(); }
      if (h.vote != null) ui.vote.checked = h.vote;
      if (h.puzzle || h.seed != null || h.level) await applySudokuHash(h);
      if (h.solve && !ui.solve.disabled) solveOrPause();
      return;
    }
    if (h.alg) {
      state.wantGenerator = { alg: h.alg, kind: h.kind };
      fillGenerators(state.model?.training, state.model?.entry, true);
    }
    if (h.speed != null) { ui.speed.value = String(h.speed); speedLabel(); }
    if (h.vote != null) ui.vote.checked = h.vote;
    if (h.seed != null || h.alg) generate(h.seed).then(() => { if (h.solve && !ui.solve.disabled) solveOrPause(); });
  });

  window.addEventListener('keydown', (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey || ui.about.open) return;
    const t = e.target;
    if (t instanceof HTMLInputElement || t instanceof HTMLSelectElement || t instanceof HTMLTextAreaElement) return;
    if (isSudoku() && sudokuKey(e)) return;
    if (e.key === ' ' || e.code === 'Space') {
      if (t instanceof HTMLButtonElement) return; // the focused button handles its own space
      e.preventDefault();
      if (!ui.solve.disabled) solveOrPause();
    } else if ((e.key === 'ArrowLeft' || e.key === 'ArrowRight') && !ui.replay.hidden) {
      e.preventDefault();
      replayTo(Number(ui.scrub.value) + (e.key === 'ArrowLeft' ? -1 : 1));
    } else if (e.key === 'n' || e.key === 'N') {
      if (isArc()) return;
      if (isSudoku() ? !ui.sudokuNew.disabled : !ui.newMaze.disabled) generate(randomSeed());
    } else if (e.key === 's' || e.key === 'S') {
      if (!ui.step.disabled || runs.state === 'running') stepOnce();
    }
  });
}

function randomSeed() {
  return Math.floor(Math.random() * 1e6);
}

function readHash() {
  const p = new URLSearchParams(location.hash.slice(1));
  const o = {};
  if (p.has('seed')) o.seed = clampInt(p.get('seed'), 0, 4294967295, 1);
  if (['lehnert', 'dfs', 'dfs-any', 'sparse', 'mix', 'kind'].includes(p.get('alg'))) o.alg = p.get('alg');
  if (p.has('kind')) o.kind = clampInt(p.get('kind'), 0, 63, 0);
  if (p.has('model')) o.model = clampInt(p.get('model'), 0, 1e6, 0);
  if (p.has('steps')) o.steps = clampInt(p.get('steps'), 1, 1e6, 16);
  if (p.has('speed')) o.speed = clampInt(p.get('speed'), 0, SPEEDS.length - 1, 3);
  if (p.has('vote')) o.vote = p.get('vote') !== '0';
  o.solve = p.get('solve') === '1';
  if (p.get('task') === 'sudoku' || p.get('task') === 'arc') o.task = p.get('task');
  if (LEVELS[p.get('level')]) o.level = p.get('level');
  if (['minimal', 'symmetric'].includes(p.get('gen'))) o.gen = p.get('gen');
  if (p.has('puzzle')) o.puzzle = p.get('puzzle');
  return o;
}

let drawnPasses = 0;

async function boot() {
  timings.bootAt = performance.now();
  view = new MazeView(ui.canvas);
  sudokuView = new SudokuView(ui.canvas);
  arc = new ArcMode(ui.canvas, backend, { onChange: arcChanged, onWatch: () => draw(), toast });
  arc.wire();
  wire();
  speedLabel();
  updateStats();
  updateCounter();
  updateControls();
  boardMessage('Starting the WebAssembly module…');
  const hash = readHash();
  if (hash.task === 'sudoku') state.task = 'sudoku';
  if (hash.task === 'arc') state.task = 'arc'; // kept once the models index is read only if it lists an ARC model
  if (hash.seed != null) (isSudoku() ? ui.sudokuSeed : ui.seed).value = String(hash.seed);
  if (hash.alg) state.wantGenerator = { alg: hash.alg, kind: hash.kind };
  if (hash.speed != null) ui.speed.value = String(hash.speed);
  if (hash.vote != null) ui.vote.checked = hash.vote;
  speedLabel();
  try {
    const [info] = await Promise.all([backend.call('init'), loadModelsIndex()]);
    timings.moduleMs = info.ms;
    timings.moduleAt = performance.now();
  } catch (e) {
    boardMessage(`The solver could not start: ${e.message}`);
    return;
  }
  state.ready = true;
  if (isArc() && !arcAvailable()) state.task = 'maze';
  showTaskUI();
  updateControls();
  const mine = modelsOfTask();
  if (mine.length) {
    const i = hash.model != null && (state.models[hash.model]?.task ?? 'maze') === state.task ? hash.model : mine[0][0];
    ui.modelSelect.value = String(i);
    await loadModel({ url: new URL(state.models[i].file, MODELS_INDEX).href, entry: state.models[i], index: i,
                      keepAlgorithm: !!hash.alg, keepGrid: isSudoku() });
    if (hash.steps != null) ui.maxSteps.value = String(Math.min(hash.steps, maxStepsLimit()));
  } else if (isSudoku() || isArc()) {
    boardMessage(''); // the Model card says that no sudoku model is shipped; the board stays usable
  } else {
    boardMessage('No shipped model yet: drop a TRM .safetensors file anywhere on the page.', true);
    ui.modelInfo.textContent = 'No model loaded';
  }
  if (isSudoku()) await applySudokuHash(hash);
  if (!state.grid) await generate();
  timings.readyAt = performance.now();
  updateControls();
  if (hash.solve && !ui.solve.disabled) solveOrPause();
}

window.trmDemo = {
  get state() {
    const r = runs.run;
    return {
      task: state.task, sel: state.sel, check: state.check, checkError: state.checkError,
      ready: state.ready, model: state.model && { name: state.model.name, height: state.model.height, width: state.model.width },
      grid: state.grid, h: state.h, w: state.w, origin: state.origin, fit: state.fit,
      training: state.model?.training ?? null,
      run: r && { state: r.state, passes: r.passes, index: r.pass?.index ?? -1, answer: r.pass?.grid ?? null,
                  vote: !!r.vote, votes: r.pass?.votes ?? null,
                  halt: [...r.halt], computeMs: r.computeMs, verdict: r.verdict, end: r.end, lastChange: r.lastChange,
                  convergedAt: r.convergedAt },
      arc: isArc() ? { task: arc.taskId, test: arc.test, watch: arc.watch, views: r?.pass?.arc.views.length ?? 0,
                       candidates: r?.pass?.arc.candidates ?? null } : null,
      drawnPasses,
    };
  },
  timings,
  navigationStart: t0,
};

boot();
