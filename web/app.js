// app.js: the demo page's main thread. It owns the UI state, draws, and talks to worker.js,
// where all model work happens (so the page never freezes).
//
// A solve is driven pass by pass: 'start' once, then one 'next' request per refinement pass,
// each drawn as it arrives and followed by the animation delay. Pause simply stops asking, Step
// asks once. When the last pass arrives the answer is checked by the core's BFS verifier in the
// worker; the verdict shown is that check, never the model's own opinion.
//
// URL hash (shareable): #seed=42&alg=dfs&model=1&steps=16&speed=0..6&solve=1 (solve=1 starts solving
// once loaded); alg is a generator (lehnert, dfs, dfs-any, sparse), 'mix' (the model's training mix) or
// 'kind' with &kind=N (the model's N-th training kind).
//
// The generator list comes from the model: a model file that records its training data
// (__metadata__.training) offers its training mix and each of its kinds, and the page says in
// words what the model knows and when an edited maze is unlike anything it was trained on.
// window.trmDemo exposes read-only state and timings for tests and curious developers.
//
// The shipped models come from ../models/index.json (relative to the page; scripts/serve.mjs
// serves the repository root): [{ "file": "maze-30x30.safetensors" (relative to models/),
// "name": shown in the list, "description": one line, "algorithm": "lehnert" | "dfs" (the
// generator it was trained on, preselected), "minPath", "unique": that generator's settings,
// "height", "width": used only before the model has loaded }]. The first entry loads at start.

import { MazeView } from './app/render.js';
import { drawHaltChart } from './app/chart.js';
import { Backend, lineCells } from './app/backend.js';

const $ = (id) => document.getElementById(id);
const ui = {
  canvas: $('maze'), boardMsg: $('board-msg'),
  passCounter: $('pass-counter'), passDetail: $('pass-detail'), verdict: $('verdict'),
  solve: $('solve'), step: $('step'), clear: $('clear'), showShortest: $('show-shortest'),
  seed: $('seed'), algorithm: $('algorithm'), generate: $('generate'), newMaze: $('new-maze'),
  mazeSize: $('maze-size'), mazeInfo: $('maze-info'),
  speed: $('speed'), speedOut: $('speed-out'), maxSteps: $('max-steps'), earlyHalt: $('early-halt'),
  statMs: $('stat-ms'), statMean: $('stat-mean'), statTotal: $('stat-total'), haltChart: $('halt-chart'),
  modelSelect: $('model-select'), modelInfo: $('model-info'), modelFile: $('model-file'),
  modelError: $('model-error'), dropzone: $('dropzone'), dropOverlay: $('drop-overlay'),
  toast: $('toast'), about: $('about'), aboutOpen: $('about-open'),
  replay: $('replay'), scrub: $('scrub'),
  haltMeter: $('halt-meter'), haltMeterFill: $('halt-meter-fill'), haltMeterVal: $('halt-meter-val'),
  mazeFit: $('maze-fit'), modelKnows: $('model-knows'),
};

const SPEEDS = [0, 16, 40, 100, 250, 500, 1000]; // animation delay per pass, ms
const MODELS_INDEX = new URL('../models/index.json', document.baseURI);
const t0 = performance.now(); // relative to navigation start; kept for the timings below
// *At: ms since navigation start; *Ms: durations measured inside the worker
const timings = { bootAt: null, moduleAt: null, moduleMs: null, modelMs: null, readyAt: null, firstPassAt: null, lastSolve: null };

/* ---- state -------------------------------------------------------------------------------- */

const state = {
  ready: false,       // module loaded
  loadingModel: false,
  models: [],         // entries of models/index.json (+ user files)
  model: null,        // { name, height, width, config, entry }
  h: 0, w: 0,
  grid: '',           // question: h*w chars over "# SGo"
  origin: null,       // { seed, algorithm } while the maze is as generated; null once edited
  wantGenerator: null, // { alg, kind } from the URL, applied once the model's generators are known
  run: null,          // see newRun()
  shortest: null,     // BFS answer for the current grid (string), or null
  shortestError: null,
};

let view;
const backend = new Backend(new URL('./worker.js', import.meta.url));

function newRun(paused) {
  const T = state.model.config?.H_cycles ?? 3;
  const maxSteps = clampInt(ui.maxSteps.value, 1, maxStepsLimit(), maxStepsLimit());
  return {
    id: (state.run?.id ?? 0) + 1,
    mode: paused ? 'paused' : 'running', // running | paused | checking | done
    maxSteps, T, earlyHalt: ui.earlyHalt.checked,
    grid: state.grid,
    passes: 0, pass: null, pred: null, // pred: the latest answer grid
    lastChange: 0, // the last pass (1-based) whose answer differed from the pass before
    halt: [], computeMs: 0, startedAt: performance.now(), halted: false,
    verdict: null, busy: false, looping: false,
    history: [], viewIdx: null, // every pass so far; the one shown while replaying (null = latest)
  };
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
  return r?.viewIdx != null ? r.history[r.viewIdx] : r?.pass ?? null;
}

function draw(hover = -1) {
  if (!state.grid) return;
  const r = state.run;
  const p = shownPass(r);
  const k = p ? r.history.indexOf(p) : -1;
  // revision rings while the model works and in replay; on the final answer they would be clutter
  const prev = k > 0 && (r.mode !== 'done' || r.viewIdx != null) ? r.history[k - 1].grid : null;
  view.draw({
    h: state.h, w: state.w, grid: state.grid,
    pred: p?.grid ?? null, conf: p?.confidence ?? null, prev,
    shortest: ui.showShortest.checked ? state.shortest : null,
    hover,
  });
}

function revisedCells(a, b) {
  let n = 0;
  for (let i = 0; i < a.length; i++) if ((a[i] === 'o') !== (b[i] === 'o')) n++;
  return n;
}

function fmtMs(ms) {
  if (ms == null || !Number.isFinite(ms)) return '–';
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  return `${ms >= 100 ? ms.toFixed(0) : ms.toFixed(1)} ms`;
}

function updateCounter() {
  const r = state.run;
  if (!r || !r.pass) {
    const loading = !state.ready || state.loadingModel;
    ui.passCounter.textContent = state.model ? 'Ready' : loading ? 'Loading…' : 'No model';
    ui.passDetail.textContent = state.model ? 'Press Solve to watch the model think'
      : loading ? 'Starting the solver' : 'Load a model to solve';
    return;
  }
  const p = shownPass(r);
  const total = r.maxSteps * r.T;
  ui.passCounter.textContent = `Pass ${p.index + 1} / ${total}`;
  // step and recursion are 1-based (trm.js)
  let detail = `Supervision step ${p.step} of ${r.maxSteps} · recursion ${p.recursion} of ${r.T}`;
  const k = r.history.indexOf(p);
  if (k > 0) {
    const n = revisedCells(r.history[k - 1].grid, p.grid);
    detail += ` · ${n} cell${n === 1 ? '' : 's'} revised`;
  }
  if (r.viewIdx != null) detail += ` · replay (last pass ${r.passes})`;
  else if (r.mode === 'paused') detail += ' · paused';
  else if (r.halted) detail = `Halted after supervision step ${p.step} of ${r.maxSteps} (q_halt > 0)`;
  else if (r.mode === 'done' || r.mode === 'checking') detail = `Ran all ${r.maxSteps} supervision steps`;
  if (r.viewIdx == null && r.lastChange < r.passes) {
    const same = r.passes - r.lastChange;
    detail += r.mode === 'done' || r.mode === 'checking'
      ? ` · converged at pass ${r.lastChange} (the last ${same} pass${same === 1 ? '' : 'es'} changed nothing)`
      : ` · unchanged since pass ${r.lastChange}`;
  }
  if (r.viewIdx == null && r.verdict && !r.verdict.valid && r.verdict.reason) detail += ` · ${r.verdict.reason}`;
  ui.passDetail.textContent = detail;
}

function updateHaltMeter() {
  const r = state.run;
  const p = r?.halt.length ? r.halt[r.halt.length - 1] : null;
  ui.haltMeter.hidden = p == null;
  if (p == null) return;
  const pct = Math.round(100 * p);
  ui.haltMeterFill.style.width = `${pct}%`;
  ui.haltMeterVal.textContent = `${pct}%`;
}

function updateStats() {
  const r = state.run;
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
  const r = state.run;
  const canSolve = state.ready && !!state.model && !!state.grid && !state.loadingModel;
  const running = r?.mode === 'running';
  ui.solve.disabled = !canSolve || r?.mode === 'checking';
  ui.solve.querySelector('span').textContent = running ? 'Pause' : r?.mode === 'paused' ? 'Resume' : 'Solve';
  ui.solve.querySelector('svg').innerHTML = running
    ? '<path d="M4 2.5h3v11H4zM9 2.5h3v11H9z"/>' : '<path d="M4 2.5v11l9-5.5z"/>';
  ui.step.disabled = !canSolve || running || r?.mode === 'checking' || !!r?.busy;
  ui.clear.disabled = !r;
  ui.generate.disabled = !state.ready;
  ui.newMaze.disabled = !state.ready;
  ui.showShortest.disabled = !state.grid;
  ui.modelSelect.disabled = !state.ready || state.loadingModel || state.models.length === 0;
  // replay: once paused or done, any pass so far can be looked at again
  const canReplay = !!r && r.passes > 1 && (r.mode === 'paused' || r.mode === 'done') && !r.busy;
  ui.replay.hidden = !canReplay;
  if (canReplay) {
    ui.scrub.max = String(r.passes);
    ui.scrub.value = String(r.viewIdx != null ? r.viewIdx + 1 : r.passes);
  }
}

function replayTo(k) {
  const r = state.run;
  if (!r || ui.replay.hidden) return;
  k = Math.min(r.passes, Math.max(1, k));
  r.viewIdx = k === r.passes ? null : k - 1;
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

async function generate(seed) {
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
    await cancelRun();
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
  if (!ui.showShortest.checked || !state.grid) return;
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
  if (state.model && state.grid) {
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

/* ---- solving -------------------------------------------------------------------------------- */

async function cancelRun() {
  if (!state.run) return;
  state.run = null;
  await backend.call('cancel').catch(() => {});
}

function resetRunView() {
  setVerdict('none', '');
  updateCounter();
  updateStats();
  updateControls();
  draw();
}

async function clearRun() {
  await cancelRun();
  resetRunView();
}

async function startRun(paused) {
  if (!state.model || !state.grid) return null;
  await cancelRun();
  const run = newRun(paused);
  state.run = run;
  setVerdict('running', paused ? 'Paused' : 'Thinking…');
  updateControls();
  try {
    await backend.call('start', { grid: run.grid, maxSteps: run.maxSteps, earlyHalt: run.earlyHalt });
  } catch (e) {
    if (state.run === run) {
      state.run = null;
      setVerdict('wrong', 'Could not start', e.message);
      toast(`Could not start solving: ${e.message}`);
      updateControls();
    }
    return null;
  }
  return run;
}

// One pass: ask the worker, draw it. Returns false when the run has ended or was replaced.
async function advance(run) {
  run.busy = true;
  // A big model takes seconds per pass: say that it is working rather than look stuck.
  const slow = setTimeout(() => {
    if (state.run === run && run.busy) ui.passDetail.textContent = `Computing pass ${run.passes + 1}…`;
  }, 400);
  let r;
  try {
    r = await backend.call('next');
  } catch (e) {
    clearTimeout(slow);
    run.busy = false;
    if (state.run !== run) return false;
    setVerdict('wrong', 'Solver error', e.message);
    toast(`Solver error: ${e.message}`);
    run.mode = 'done';
    updateControls();
    return false;
  }
  clearTimeout(slow);
  run.busy = false;
  if (state.run !== run) return false;
  if (r.done) { await finish(run); return false; }
  onPass(run, r.pass);
  if (r.pass.done) { await finish(run); return false; }
  return true;
}

function onPass(run, p) {
  if (!run.pass || run.pass.grid !== p.grid) run.lastChange = run.passes + 1;
  run.pred = p.grid;
  run.pass = p;
  run.history.push(p);
  run.viewIdx = null;
  run.passes++;
  run.computeMs += p.ms;
  if (p.haltProb != null) {
    run.halt.push(p.haltProb);
    if (run.earlyHalt && p.qHalt > 0 && p.done) run.halted = true;
  }
  draw();
  if (timings.firstPassAt == null) timings.firstPassAt = performance.now();
  drawnPasses++;
  updateCounter();
  updateStats();
}

// One loop per run at most: a quick Pause/Resume must not start a second one while the first is
// still waiting out its animation delay (it simply carries on).
async function loop(run) {
  if (run.looping) return;
  run.looping = true;
  try {
    while (state.run === run && run.mode === 'running') {
      const started = performance.now();
      if (!(await advance(run))) break;
      // A pass that changed nothing is not held on screen: the counter says "unchanged since".
      const delay = run.lastChange < run.passes ? 0 : SPEEDS[Number(ui.speed.value)] ?? 100;
      const wait = Math.max(0, delay - (performance.now() - started));
      await new Promise((ok) => setTimeout(ok, wait));
    }
  } finally {
    run.looping = false;
  }
  updateControls();
}

async function finish(run) {
  run.mode = 'checking';
  updateCounter();
  updateControls();
  const total = performance.now() - run.startedAt;
  if (!run.pred) {
    run.mode = 'done';
    setVerdict('none', '');
    updateControls();
    return;
  }
  setVerdict('checking', 'Checking with BFS…');
  let v;
  try {
    v = await backend.call('verify', { grid: run.grid, answer: run.pred, height: state.h, width: state.w });
  } catch (e) {
    if (state.run !== run) return;
    run.mode = 'done';
    setVerdict('wrong', 'Could not check', e.message);
    updateControls();
    return;
  }
  if (state.run !== run) return;
  run.verdict = v;
  run.mode = 'done';
  timings.lastSolve = { passes: run.passes, computeMs: run.computeMs, wallMs: total, verdict: verdictKind(v) };
  showVerdict(v);
  updateCounter();
  updateControls();
  draw();
}

function verdictKind(v) {
  if (v.valid && v.optimal) return 'optimal';
  if (v.valid) return 'valid';
  return 'wrong';
}

function showVerdict(v) {
  const kind = verdictKind(v);
  const why = v.reason ? ` (${v.reason})` : '';
  if (kind === 'optimal') setVerdict(kind, `Shortest path · ${v.length} moves`, 'Checked by BFS: a valid path from S to G, as short as the shortest one');
  else if (kind === 'valid') setVerdict(kind, `Valid, not shortest · ${v.length} vs ${v.shortest} moves`, `Checked by BFS: the path connects S to G but a shorter one exists${why}`);
  else if (v.shortest == null) setVerdict(kind, 'No path exists', `S and G are not connected in this maze${why}`);
  else setVerdict(kind, 'Wrong · not a path from S to G', `Checked by BFS: the answer is not a path of open cells from S to G${why}; the shortest has ${v.shortest} moves`);
}

async function solveOrPause() {
  const r = state.run;
  if (r?.mode === 'running') {
    r.mode = 'paused';
    setVerdict('running', 'Paused');
    updateCounter();
    updateControls();
    return;
  }
  if (r?.mode === 'paused') {
    r.mode = 'running';
    setVerdict('running', 'Thinking…');
    updateControls();
    loop(r);
    return;
  }
  if (r?.mode === 'checking') return;
  const run = await startRun(false);
  if (run) loop(run);
}

async function stepOnce() {
  let r = state.run;
  if (r?.mode === 'running') { r.mode = 'paused'; updateControls(); return; }
  if (r?.mode === 'checking' || r?.busy) return;
  if (!r || r.mode === 'done') r = await startRun(true);
  if (!r) return;
  updateControls();
  await advance(r);
  if (state.run === r && r.mode === 'paused') setVerdict('running', 'Paused');
  updateCounter();
  updateControls();
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
  ui.modelSelect.replaceChildren(...state.models.map((m, i) => {
    const o = document.createElement('option');
    o.value = String(i);
    o.textContent = m.name ?? m.file;
    return o;
  }));
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
  const bits = [`${m.height}×${m.width} mazes`];
  if (c.hidden_size) bits.push(`D ${c.hidden_size}`);
  if (c.L_layers) bits.push(`${c.L_layers} layers`);
  if (c.H_cycles && c.L_cycles) bits.push(`T ${c.H_cycles}, n ${c.L_cycles}`);
  if (m.bytes) bits.push(`${(m.bytes / 1048576).toFixed(1)} MB`);
  return bits.join(' · ');
}

// src: { url, entry, index } for a shipped model or { bytes, name } for a user's file.
async function loadModel(src) {
  const label = src.name ?? src.entry?.file ?? 'model';
  state.loadingModel = true;
  updateControls();
  if (!state.model) boardMessage(`Loading ${label}…`);
  ui.modelInfo.textContent = `Loading ${label}…`;
  const prevSize = state.model ? `${state.model.height}x${state.model.width}` : null;
  try {
    const args = src.bytes ? { bytes: src.bytes, name: label } : { url: src.url, name: label };
    const info = await backend.call('loadModel', args, src.bytes ? [src.bytes] : []);
    timings.modelMs = info.ms;
    state.run = null;
    state.model = { ...info, name: label, entry: src.entry ?? null };
    state.modelIdx = src.index ?? -1;
    showModelError('');
    state.model.infoText = `${src.entry?.description ? src.entry.description + ' · ' : src.bytes ? label + ' · ' : ''}${describeModel(info)}`;
    ui.modelInfo.textContent = state.model.infoText;
    const lim = maxStepsLimit();
    ui.maxSteps.max = String(lim);
    ui.maxSteps.value = String(lim);
    fillGenerators(info.training, src.entry, src.keepAlgorithm);
    ui.modelKnows.hidden = !info.training;
    ui.modelKnows.textContent = info.training ? describeTraining(info.training) : '';
    boardMessage('');
    state.loadingModel = false;
    if (`${info.height}x${info.width}` !== prevSize || !state.grid) {
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
    if (!state.model) boardMessage('No model loaded: pick a shipped model or drop a .safetensors file.', true);
    // restore the description and selection of the model still in use
    ui.modelInfo.textContent = state.model?.infoText ?? 'No model loaded';
    if (state.model) ui.modelSelect.value = String(state.modelIdx);
    return false;
  } finally {
    state.loadingModel = false;
    updateControls();
    updateCounter();
  }
}

async function loadUserFile(file) {
  if (!file) return;
  let bytes;
  try { bytes = await file.arrayBuffer(); } catch (e) {
    showModelError(`Could not read “${file.name}”: ${e.message}`);
    return;
  }
  const ok = await loadModel({ bytes, name: file.name });
  if (ok) {
    const o = document.createElement('option');
    o.value = '-1';
    o.textContent = `Your file: ${file.name}`;
    ui.modelSelect.querySelector('option[value="-1"]')?.remove();
    ui.modelSelect.appendChild(o);
    ui.modelSelect.value = '-1';
  }
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
  if (state.run) await cancelRun();
  await refreshShortest();
  await refreshFit();
  resetRunView();
}

function onPointerDown(ev) {
  if (!state.grid || ev.button > 0) return;
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
  if (state.run) { cancelRun(); state.run = null; setVerdict('none', ''); updateCounter(); updateStats(); }
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
    if (state.run) { cancelRun(); state.run = null; setVerdict('none', ''); updateCounter(); updateStats(); }
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
    if (!state.run) updateStats();
  });
  ui.modelSelect.addEventListener('change', () => {
    const i = Number(ui.modelSelect.value);
    if (i < 0 || !state.models[i]) return;
    loadModel({ url: new URL(state.models[i].file, MODELS_INDEX).href, entry: state.models[i], index: i });
  });
  ui.modelFile.addEventListener('change', () => {
    const f = ui.modelFile.files?.[0];
    ui.modelFile.value = '';
    loadUserFile(f);
  });
  ui.aboutOpen.addEventListener('click', () => ui.about.showModal());

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
  window.addEventListener('hashchange', () => {
    const h = readHash();
    if (h.alg) {
      state.wantGenerator = { alg: h.alg, kind: h.kind };
      fillGenerators(state.model?.training, state.model?.entry, true);
    }
    if (h.speed != null) { ui.speed.value = String(h.speed); speedLabel(); }
    if (h.seed != null || h.alg) generate(h.seed).then(() => { if (h.solve && !ui.solve.disabled) solveOrPause(); });
  });

  window.addEventListener('keydown', (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey || ui.about.open) return;
    const t = e.target;
    if (t instanceof HTMLInputElement || t instanceof HTMLSelectElement || t instanceof HTMLTextAreaElement) return;
    if (e.key === ' ' || e.code === 'Space') {
      if (t instanceof HTMLButtonElement) return; // the focused button handles its own space
      e.preventDefault();
      if (!ui.solve.disabled) solveOrPause();
    } else if ((e.key === 'ArrowLeft' || e.key === 'ArrowRight') && !ui.replay.hidden) {
      e.preventDefault();
      replayTo(Number(ui.scrub.value) + (e.key === 'ArrowLeft' ? -1 : 1));
    } else if (e.key === 'n' || e.key === 'N') {
      if (!ui.newMaze.disabled) generate(randomSeed());
    } else if (e.key === 's' || e.key === 'S') {
      if (!ui.step.disabled || state.run?.mode === 'running') stepOnce();
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
  o.solve = p.get('solve') === '1';
  return o;
}

let drawnPasses = 0;

async function boot() {
  timings.bootAt = performance.now();
  view = new MazeView(ui.canvas);
  wire();
  speedLabel();
  updateStats();
  updateCounter();
  updateControls();
  boardMessage('Starting the WebAssembly module…');
  const hash = readHash();
  if (hash.seed != null) ui.seed.value = String(hash.seed);
  if (hash.alg) state.wantGenerator = { alg: hash.alg, kind: hash.kind };
  if (hash.speed != null) ui.speed.value = String(hash.speed);
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
  updateControls();
  if (state.models.length) {
    const i = hash.model != null && hash.model < state.models.length ? hash.model : 0;
    ui.modelSelect.value = String(i);
    await loadModel({ url: new URL(state.models[i].file, MODELS_INDEX).href, entry: state.models[i], index: i,
                      keepAlgorithm: !!hash.alg });
    if (hash.steps != null) ui.maxSteps.value = String(Math.min(hash.steps, maxStepsLimit()));
  } else {
    boardMessage('No shipped model yet: drop a TRM .safetensors file anywhere on the page.', true);
    ui.modelInfo.textContent = 'No model loaded';
  }
  if (!state.grid) await generate();
  timings.readyAt = performance.now();
  updateControls();
  if (hash.solve && !ui.solve.disabled) solveOrPause();
}

window.trmDemo = {
  get state() {
    const r = state.run;
    return {
      ready: state.ready, model: state.model && { name: state.model.name, height: state.model.height, width: state.model.width },
      grid: state.grid, h: state.h, w: state.w, origin: state.origin, fit: state.fit ?? null,
      training: state.model?.training ?? null,
      run: r && { mode: r.mode, passes: r.passes, index: r.pass?.index ?? -1, answer: r.pred, halt: [...r.halt],
                  computeMs: r.computeMs, verdict: r.verdict, halted: r.halted, lastChange: r.lastChange },
      drawnPasses,
    };
  },
  timings,
  navigationStart: t0,
};

boot();
