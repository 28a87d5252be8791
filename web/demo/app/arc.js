// arc.js: the demo page's ARC-AGI mode (the task picker's ARC, offered once an ARC model is
// loaded: a converted official checkpoint, task 'arc'). It owns the ARC card (a task file opened
// from disk, or the example task; identifiers.json; which test input; which views) and the strip
// under the board (the test input, the voted answer, the expected output, every view's canvas),
// and draws the board: the 30x30 canvas of the view being watched, pass by pass. app.js runs the
// solve with the same run controller as mazes and sudoku (start's arc settings come from here),
// and shows the verdict this module words.
//
// The task file is the public layout {"train": [{input, output}], "test": [{input, output?}]};
// the worker reads and checks it with the module (named errors: "train[1].input row 3 has 4
// columns, row 0 has 5"). Views: the input as it is (1 view, puzzle row 0), its 8 rotations and
// reflections (row 0), or, with the official identifiers.json, the task's own augmented puzzles
// (each on its puzzle-embedding row, as the official evaluator and trm-eval --identifiers run
// them; the first 8, or all). Every pass the views' answers are cropped, un-augmented and voted on
// in the module (trm.js Pass.arc).

import { ArcBoardView, drawSmall } from './arc-view.js';

// ARC-AGI-1 evaluation task 00576224, as tests/data/arc/00576224.json holds it (fchollet/ARC-AGI,
// Apache License 2.0, copyright François Chollet): the page's example.
const EXAMPLE = {
  name: '00576224.json',
  text: JSON.stringify({
    train: [
      { input: [[8, 6], [6, 4]], output: [[8, 6, 8, 6, 8, 6], [6, 4, 6, 4, 6, 4], [6, 8, 6, 8, 6, 8], [4, 6, 4, 6, 4, 6], [8, 6, 8, 6, 8, 6], [6, 4, 6, 4, 6, 4]] },
      { input: [[7, 9], [4, 3]], output: [[7, 9, 7, 9, 7, 9], [4, 3, 4, 3, 4, 3], [9, 7, 9, 7, 9, 7], [3, 4, 3, 4, 3, 4], [7, 9, 7, 9, 7, 9], [4, 3, 4, 3, 4, 3]] },
    ],
    test: [{ input: [[3, 2], [7, 8]], output: [[3, 2, 3, 2, 3, 2], [7, 8, 7, 8, 7, 8], [2, 3, 2, 3, 2, 3], [8, 7, 8, 7, 8, 7], [3, 2, 3, 2, 3, 2], [7, 8, 7, 8, 7, 8]] }],
  }),
};

const $ = (id) => document.getElementById(id);
function el(tag, props = {}, ...kids) {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...kids);
  return e;
}
const size = (g) => `${g.length}×${g[0]?.length ?? 0}`;
const VIEW_LIMIT = 8;

export class ArcMode {
  /**
   * backend: the page's worker (call(type, args)); onChange(): the board's question changed (a new
   * task, test input or views: app.js drops the run and redraws); onWatch(): another view was
   * picked to watch (redraw); toast(message).
   */
  constructor(canvas, backend, { onChange, onWatch, toast }) {
    this.board = new ArcBoardView(canvas);
    this.backend = backend;
    this.onChange = onChange;
    this.onWatch = onWatch;
    this.toast = toast;
    this.task = null;     // { id, train, test } from the worker
    this.test = 0;        // the test input shown
    this.canvas = null;   // the test input's canvas (the question), from the worker
    this.rows = null;     // identifiers.json's puzzles of this task: { loaded, rows, plain, error }
    this.watch = 0;       // the view the board shows
    this.ui = {
      card: $('arc-card'), strip: $('arc-strip'), viewsStrip: $('arc-views'), legend: $('legend-arc'),
      taskFile: $('arc-task-file'), example: $('arc-example'), taskInfo: $('arc-task-info'), testField: $('arc-test-field'),
      testSel: $('arc-test'), views: $('arc-views-select'), idsFile: $('arc-ids-file'), idsInfo: $('arc-ids-info'),
      demos: $('arc-demos'), error: $('arc-error'), input: $('arc-input'), answer: $('arc-answer'),
      answerCap: $('arc-answer-cap'), answerSub: $('arc-answer-sub'), expected: $('arc-expected'),
      expectedFig: $('arc-expected-fig'), second: $('arc-second'), secondFig: $('arc-second-fig'),
      secondSub: $('arc-second-sub'),
    };
  }

  wire() {
    const u = this.ui;
    u.taskFile.addEventListener('change', () => { const f = u.taskFile.files?.[0]; u.taskFile.value = ''; if (f) this.openFile(f, 'task'); });
    u.idsFile.addEventListener('change', () => { const f = u.idsFile.files?.[0]; u.idsFile.value = ''; if (f) this.openFile(f, 'ids'); });
    u.example.addEventListener('click', () => this.loadExample());
    u.testSel.addEventListener('change', () => this.setTest(Number(u.testSel.value)));
    u.views.addEventListener('change', () => { this.watch = 0; this.onChange(); });
  }

  /** Show or hide the ARC card, strip and legend (the task picker's ARC). */
  show(on) {
    for (const e of [this.ui.card, this.ui.strip, this.ui.legend]) e.hidden = !on;
    this.ui.viewsStrip.hidden = true;
    if (!on) this.board.draw(null);
  }

  /** The board's key for app.js (state.grid): non-empty once a test input is chosen. */
  get key() { return this.task ? `arc:${this.task.id}:${this.test}` : ''; }
  get taskId() { return this.task?.id ?? null; }

  /** A file from disk: a task file or identifiers.json. */
  async openFile(file, what) {
    let text;
    try { text = await file.text(); } catch (e) {
      this.showError(`Could not read “${file.name}”: ${e.message}`);
      return;
    }
    if (what === 'task') await this.loadTask(text, file.name);
    else await this.loadIdentifiers(text, file.name);
  }

  /** The example task (00576224). */
  loadExample() { return this.loadTask(EXAMPLE.text, EXAMPLE.name); }

  async loadTask(text, name) {
    try {
      const t = await this.backend.call('arcTask', { text, name });
      this.task = t;
      this.showError('');
      this.ui.testSel.replaceChildren(...t.test.map((p, i) => el('option', { value: String(i), textContent: `Test ${i + 1} of ${t.test.length}: ${size(p.input)}${p.output ? ` → ${size(p.output)}` : ''}` })));
      this.ui.testField.hidden = t.test.length < 2;
      this.ui.taskInfo.textContent = `Task ${t.id}: ${t.train.length} demonstration${t.train.length === 1 ? '' : 's'}, ` +
        `${t.test.length} test input${t.test.length === 1 ? '' : 's'}`;
      this.drawDemos();
      await this.refreshRows();
      await this.setTest(0);
      return true;
    } catch (e) {
      this.showError(`Could not open “${name}” (${e.code ?? 'error'}): ${e.message}`);
      this.toast(`Not an ARC task: ${e.message}`);
      return false;
    }
  }

  async loadIdentifiers(text, name) {
    try {
      const info = await this.backend.call('setIdentifiers', { text, name });
      this.idsName = name;
      this.idsCount = info.count;
      this.showError('');
      await this.refreshRows();
      if (this.rows?.rows && !this.ui.views.value.startsWith('identifiers')) this.ui.views.value = 'identifiers-8';
      this.onChange();
    } catch (e) {
      this.showError(`Could not use “${name}” (${e.code ?? 'error'}): ${e.message}`);
    }
  }

  // What identifiers.json says of the task: the views it offers.
  async refreshRows() {
    const u = this.ui;
    this.rows = this.task ? await this.backend.call('arcTaskRows', { taskId: this.task.id }) : null;
    const n = this.rows?.rows ?? 0;
    const ids = u.views.querySelectorAll('option[value^="identifiers"]');
    ids[0].textContent = `Its augmented puzzles, first ${Math.min(VIEW_LIMIT, n || VIEW_LIMIT)} (identifiers.json)`;
    ids[1].textContent = n ? `All ${n} of its augmented puzzles` : 'All of its augmented puzzles (identifiers.json)';
    for (const o of ids) o.disabled = !n;
    if (!n && u.views.value.startsWith('identifiers')) u.views.value = 'identity';
    let info;
    if (!this.idsCount) info = 'Without identifiers.json every view uses puzzle row 0 (the official blank puzzle). Load the dataset\'s identifiers.json to solve a task in the augmented puzzles the model was trained on.';
    else if (this.rows?.error) info = `${this.idsName}: ${this.rows.error}.`;
    else if (!this.task) info = `${this.idsName}: ${this.idsCount.toLocaleString('en')} puzzle names.`;
    else if (!n) info = `${this.idsName} names no puzzle ${this.task.id}: the model was not trained on this task (views use row 0).`;
    else info = `${this.idsName}: ${n} puzzle${n === 1 ? '' : 's'} of task ${this.task.id}${this.rows.plain ? ' (itself and its augmentations)' : ''}.`;
    u.idsInfo.textContent = info;
  }

  async setTest(i) {
    this.test = i;
    this.ui.testSel.value = String(i);
    this.watch = 0;
    const p = this.task.test[i];
    drawSmall(this.ui.input, p.input, { max: 120 });
    this.ui.expectedFig.hidden = !p.output;
    if (p.output) drawSmall(this.ui.expected, p.output, { max: 120 });
    this.canvas = await this.backend.call('arcCanvas', { grid: p.input });
    this.onChange();
  }

  drawDemos() {
    const pairs = this.task.train.map((p, i) => {
      const a = el('canvas'), b = el('canvas');
      drawSmall(a, p.input, { max: 50 });
      drawSmall(b, p.output, { max: 50 });
      return el('div', { className: 'arc-pair', title: `Demonstration ${i + 1}: ${size(p.input)} → ${size(p.output)}` },
        a, el('span', { className: 'arc-arrow', textContent: '→' }), b);
    });
    this.ui.demos.replaceChildren(
      el('div', { className: 'arc-demos-h', textContent: `Demonstrations (${this.task.train.length})` }), ...pairs);
  }

  showError(msg) {
    this.ui.error.textContent = msg;
    this.ui.error.hidden = !msg;
  }

  /** start's arc settings (worker.js / arc-worker.js). */
  settings() {
    const p = this.task.test[this.test], v = this.ui.views.value;
    return {
      input: p.input, expected: p.output ?? null, taskId: this.task.id,
      views: v.startsWith('identifiers') ? 'identifiers' : v, limit: v === 'identifiers-8' ? VIEW_LIMIT : undefined,
    };
  }

  /** Cells of the watched view that changed between two passes. */
  revised(a, b) {
    const x = a.arc.views[this.watch]?.canvas, y = b.arc.views[this.watch]?.canvas;
    let n = 0;
    for (let i = 0; x && y && i < 900; i++) n += x[i] !== y[i];
    return n;
  }

  /** The board and the strip for the pass on screen (null: the question); prev: the pass before. */
  draw(pass, prev) {
    if (!this.task) {
      this.board.draw({ canvas: new Uint8Array(900), crop: [0, 0] });
      return;
    }
    const u = this.ui;
    if (!pass) {
      const g = this.task.test[this.test].input;
      if (this.canvas) this.board.draw({ canvas: this.canvas, crop: [g.length, g[0].length], question: true });
      u.viewsStrip.hidden = true;
      u.answerCap.textContent = 'Voted answer';
      u.answerSub.textContent = 'Press Solve';
      drawSmall(u.answer, [], { max: 120 });
      u.secondFig.hidden = true;
      return;
    }
    const views = pass.arc.views;
    if (this.watch >= views.length) this.watch = 0;
    const v = views[this.watch];
    this.board.draw({ canvas: v.canvas, conf: v.confidence, prev: prev?.arc.views[this.watch]?.canvas ?? null, crop: v.crop });
    const [best, second] = pass.arc.candidates;
    drawSmall(u.answer, best.grid, { max: 120 });
    u.answerCap.textContent = views.length > 1 ? 'Voted answer' : 'Answer';
    u.answerSub.textContent = best.grid.length
      ? `${size(best.grid)}${views.length > 1 ? ` · ${best.votes} of ${views.length} views` : ''}` : 'empty crop';
    u.secondFig.hidden = !second;
    if (second) {
      drawSmall(u.second, second.grid, { max: 120 });
      u.secondSub.textContent = `${second.grid.length ? size(second.grid) : 'empty'} · ${second.votes} view${second.votes === 1 ? '' : 's'}`;
    }
    this.drawViews(views);
  }

  // One thumbnail per view (when there are several): click one to watch it on the board.
  drawViews(views) {
    const u = this.ui;
    u.viewsStrip.hidden = views.length < 2;
    if (views.length < 2) return;
    if (u.viewsStrip.childElementCount !== views.length) {
      u.viewsStrip.replaceChildren(...views.map((_, i) => {
        const b = el('button', { type: 'button', className: 'arc-view' }, el('canvas'), el('span'));
        b.addEventListener('click', () => { this.watch = i; this.onWatch(); });
        return b;
      }));
    }
    views.forEach((v, i) => {
      const b = u.viewsStrip.children[i];
      drawSmall(b.firstChild, v.canvas, { max: 60 });
      b.classList.toggle('on', i === this.watch);
      b.lastChild.textContent = v.name.replace('|||', ' ').replace(/ 0123456789$/, '');
      b.title = `View ${i + 1}: puzzle row ${v.puzzleId}, augmentation ${v.name}${v.q != null ? `, halting confidence ${Math.round(100 * v.q)}%` : ''}` +
        (v.haltedAt ? `, halted at step ${v.haltedAt}` : '') + '. Click to watch it on the board (in its own, augmented frame).';
      b.setAttribute('aria-pressed', String(i === this.watch));
    });
  }

  /** The verdict chip for a run's verdict (arc-worker.js verify): [kind, text, title]. */
  verdict(v) {
    const votes = v.views > 1 ? ` · ${v.votes} of ${v.views} views` : '';
    if (!v.expected) {
      return v.valid ? ['unknown', `Answer${votes}`, 'The task file gives no expected output for this test input: nothing to compare with']
        : ['wrong', 'No answer · empty crop', `The model's canvas ${v.reason}`];
    }
    if (v.rank === 1) return ['optimal', `Correct${votes}`, 'The voted answer (attempt 1) equals the expected output'];
    if (v.rank === 2) return ['valid', 'Correct at attempt 2', `The second answer of the vote equals the expected output (pass@2 counts it); attempt 1: ${v.reason}`];
    return ['wrong', `Wrong${v.reason ? ` · ${v.reason}` : ''}`, `Neither of the vote's first ${v.attempts} answers equals the expected output: ${v.reason}`];
  }
}
