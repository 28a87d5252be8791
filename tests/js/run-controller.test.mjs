// run-controller.test.mjs: the demo page's run state machine (web/demo/run-controller.js), driven
// by a fake backend that behaves as the page's worker does: one solve at a time, 'next' fails when
// there is none, replies come a macrotask later, and any reply can be held to interleave calls.
// Runs to the step cap, early halting, the vote setting passed through, the converged-at report,
// cancel (awaited: the backend has dropped the solve when it resolves) and starting again, backend
// errors, starting while a pass is in flight, pause/resume/step; every observed state change must
// be in TRANSITIONS.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { RunController, TRANSITIONS } from '../../web/demo/run-controller.js';

const T = 3; // passes per supervision step
const SETTINGS = { grid: 'q', height: 1, width: 1, maxSteps: 2, earlyHalt: false };
const tick = () => new Promise((ok) => setTimeout(ok, 0));

function deferred() {
  let resolve;
  const promise = new Promise((ok) => { resolve = ok; });
  return { promise, resolve };
}

// The page's worker protocol (web/demo/worker.js) as a fake: start sets up a solve of maxSteps * T
// passes (fewer with early halting, at supervision step haltStep); answers are grids(i) for pass i.
class FakeBackend {
  constructor({ haltStep = Infinity, grids = (i) => `a${i}`, fail = {} } = {}) {
    this.haltStep = haltStep;
    this.grids = grids;
    this.fail = fail;       // { start: n, next: n, verify: n }: the n-th such request (1-based) rejects
    this.log = [];          // every request, in arrival order
    this.count = {};        // requests so far by kind
    this.solve = null;      // { passes, total, earlyHalt, vote, id } of the solve in progress
    this.starts = [];       // the settings of every start request
    this.verifies = [];     // the task of every verify request
    this.solves = 0;
    this.inFlight = 0;
    this.maxInFlight = 0;
    this.holds = new Map(); // 'kind#n' -> { reached, release }
  }

  // Hold the n-th request of a kind: reached resolves when it arrives, release() lets it answer.
  hold(kind, n) {
    const h = { arrived: deferred(), gate: deferred() };
    this.holds.set(`${kind}#${n}`, h);
    return { reached: h.arrived.promise, release: () => h.gate.resolve() };
  }

  async _request(kind, answer) {
    const n = (this.count[kind] = (this.count[kind] ?? 0) + 1);
    this.log.push(kind);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await tick();
      const h = this.holds.get(`${kind}#${n}`);
      if (h) {
        h.arrived.resolve();
        await h.gate.promise;
      }
      if (this.fail[kind] === n) throw new Error(`${kind} #${n} failed`);
      return answer();
    } finally {
      this.inFlight--;
    }
  }

  start(settings) {
    const { grid, maxSteps, earlyHalt, vote } = settings;
    this.starts.push(settings);
    return this._request('start', () => {
      assert.equal(grid, SETTINGS.grid);
      this.solve = { passes: 0, total: maxSteps * T, earlyHalt, vote, id: ++this.solves };
      return true;
    });
  }

  next() {
    return this._request('next', () => {
      const s = this.solve;
      if (!s) throw new Error('no solve in progress');
      const i = s.passes++;
      const step = Math.floor(i / T) + 1, stepEnd = (i + 1) % T === 0;
      const qHalt = stepEnd ? (step >= this.haltStep ? 1 : -1) : null;
      const halted = Boolean(s.earlyHalt && qHalt > 0); // the module's rule, as a pass reports it
      const done = i + 1 === s.total || halted;
      if (done) this.solve = null;
      const votes = s.vote ? { views: 8, agree: 8 - (i % 3), distinct: 1 + (i % 3) } : null; // as trm.js reports a vote
      return { done: false, pass: { index: i, step, grid: this.grids(i), ms: 1, qHalt, haltProb: qHalt === null ? null : 1 / (1 + Math.exp(-qHalt)), halted, done, votes } };
    });
  }

  cancel() {
    return this._request('cancel', () => { this.solve = null; return true; });
  }

  verify({ task, answer }) {
    this.verifies.push(task);
    return this._request('verify', () => ({ valid: true, optimal: answer === this.grids(SETTINGS.maxSteps * T - 1), answer }));
  }
}

// A controller over a backend, with every state change and pass recorded; until(fn) resolves
// when fn() holds after a change.
function harness(backend, options = {}) {
  const states = [];   // [runId, state] each time the current run's state changed
  const passes = [];   // [runId, pass index]
  const waiters = [];
  let ctl;
  const check = () => {
    const r = ctl.run;
    const last = states.findLast(([id]) => id === r?.id);
    if (r && last?.[1] !== r.state) {
      if (last) assert.ok(TRANSITIONS[last[1]].includes(r.state), `run ${r.id}: ${last[1]} -> ${r.state} is not in TRANSITIONS`);
      states.push([r.id, r.state]);
    }
    for (const w of [...waiters]) if (w.fn()) { waiters.splice(waiters.indexOf(w), 1); w.resolve(); }
  };
  ctl = new RunController(backend, {
    ...options,
    onChange: check,
    onPass: (run, p) => { passes.push([run.id, p.index]); options.onPass?.(run, p); check(); },
  });
  const until = (fn) => (fn() ? Promise.resolve() : new Promise((resolve) => waiters.push({ fn, resolve })));
  const statesOf = (run) => states.filter(([id]) => id === run.id).map(([, s]) => s);
  return { ctl, states, passes, until, statesOf };
}

describe('run controller', { timeout: 20000 }, () => {
  test('a run goes to the step cap, is verified, and ends done', async () => {
    const b = new FakeBackend();
    const { ctl, until, passes, statesOf } = harness(b);
    assert.equal(ctl.state, 'idle');
    const run = await ctl.start(SETTINGS);
    await until(() => run.state === 'done');
    assert.deepEqual(statesOf(run), ['running', 'checking', 'done']);
    assert.equal(run.passes, SETTINGS.maxSteps * T);
    assert.deepEqual(passes.map(([, i]) => i), [0, 1, 2, 3, 4, 5]);
    assert.equal(run.end, 'max-steps');
    assert.equal(run.halt.length, SETTINGS.maxSteps, 'one halting probability per supervision step');
    assert.equal(run.computeMs, 6);
    assert.deepEqual(run.verdict, { valid: true, optimal: true, answer: 'a5' });
    assert.deepEqual(b.log, ['start', 'next', 'next', 'next', 'next', 'next', 'next', 'verify']);
    assert.equal(b.maxInFlight, 1);
    assert.equal(ctl.run, run, 'a finished run stays current (for replay)');
    assert.equal(ctl.busy, false);
    assert.equal(ctl.pause(), false, 'nothing to pause once done');
  });

  test('early halting stops at the first step with q_halt > 0', async () => {
    const b = new FakeBackend({ haltStep: 2 });
    const { ctl, until } = harness(b);
    const run = await ctl.start({ ...SETTINGS, maxSteps: 5, earlyHalt: true });
    await until(() => run.state === 'done');
    assert.equal(run.passes, 2 * T);
    assert.equal(run.end, 'halted');
    assert.equal(b.count.next, 2 * T, 'no pass asked for after the halting one');
    // without early halting the same backend runs to the cap
    const full = await ctl.start({ ...SETTINGS, maxSteps: 3 });
    await until(() => full.state === 'done');
    assert.equal(full.passes, 3 * T);
    assert.equal(full.end, 'max-steps');
  });

  test('vote goes through to the backend with each run\'s settings; each pass keeps its votes', async () => {
    const b = new FakeBackend({ haltStep: 2 });
    const { ctl, until } = harness(b);
    const voted = await ctl.start({ ...SETTINGS, maxSteps: 5, earlyHalt: true, vote: true });
    await until(() => voted.state === 'done');
    assert.equal(voted.vote, true);
    assert.equal(b.starts[0].vote, true, 'the backend was asked to vote');
    assert.equal(b.starts[0].earlyHalt, true);
    assert.deepEqual(voted.history.map((p) => p.votes.agree), [8, 7, 6, 8, 7, 6]);
    assert.deepEqual(voted.pass.votes, { views: 8, agree: 6, distinct: 3 });
    assert.equal(voted.end, 'halted');
    const plain = await ctl.start({ ...SETTINGS, vote: false });
    await until(() => plain.state === 'done');
    assert.equal(b.starts[1].vote, false, 'a later run without the box ticked does not vote');
    assert.ok(plain.history.every((p) => p.votes === null));
    const unset = await ctl.start(SETTINGS); // settings from before the option: no vote
    await until(() => unset.state === 'done');
    assert.ok(!b.starts[2].vote);
  });

  test('the task (and ARC\'s settings) go through to the backend with each run: start and verify see the run\'s own', async () => {
    const b = new FakeBackend();
    const { ctl, until } = harness(b);
    const sudoku = await ctl.start({ ...SETTINGS, task: 'sudoku' });
    await until(() => sudoku.state === 'done');
    assert.equal(sudoku.task, 'sudoku');
    const maze = await ctl.start({ ...SETTINGS, task: 'maze' });
    await until(() => maze.state === 'done');
    const unset = await ctl.start(SETTINGS); // a page with one task
    await until(() => unset.state === 'done');
    const arcSettings = { input: [[1, 2]], expected: null, views: 'dihedral' };
    const arc = await ctl.start({ ...SETTINGS, task: 'arc', arc: arcSettings });
    await until(() => arc.state === 'done');
    assert.deepEqual(b.starts.map((s) => s.task), ['sudoku', 'maze', undefined, 'arc']);
    assert.deepEqual(b.verifies, ['sudoku', 'maze', undefined, 'arc']);
    assert.deepEqual(b.starts.map((s) => s.arc), [undefined, undefined, undefined, arcSettings], 'ARC\'s settings go to start as they are');
    assert.ok(!('arc' in b.starts[0]), 'no arc key for the other tasks');
  });

  test('converged at pass k: reported once finished, only when later passes repeated the answer', async () => {
    const b = new FakeBackend({ grids: (i) => (i < 3 ? `a${i}` : 'final') });
    const seenWhileRunning = [];
    const { ctl, until } = harness(b, { onPass: (run) => seenWhileRunning.push(run.convergedAt) });
    const run = await ctl.start(SETTINGS);
    await until(() => run.state === 'done');
    assert.equal(run.lastChange, 4);
    assert.equal(run.convergedAt, 4);
    assert.deepEqual(seenWhileRunning, [null, null, null, null, null, null], 'no convergence claimed while running');
    const changing = new FakeBackend();
    const h = harness(changing);
    const r2 = await h.ctl.start(SETTINGS);
    await h.until(() => r2.state === 'done');
    assert.equal(r2.lastChange, r2.passes);
    assert.equal(r2.convergedAt, null, 'the last pass changed the answer: not converged');
  });

  test('cancel during a run: cancelled at once, the pass in flight is dropped; a new start works', async () => {
    const b = new FakeBackend();
    const { ctl, until, passes, statesOf } = harness(b);
    const third = b.hold('next', 3);
    const run = await ctl.start(SETTINGS);
    await third.reached;
    const cancelled = ctl.cancel();
    assert.equal(run.state, 'cancelled', 'cancelled synchronously');
    assert.equal(ctl.run, null);
    assert.equal(ctl.state, 'idle');
    third.release();
    await cancelled;
    assert.equal(b.solve, null, 'the backend dropped the solve before cancel() resolved');
    assert.deepEqual(b.log, ['start', 'next', 'next', 'next', 'cancel']);
    assert.deepEqual(passes, [[run.id, 0], [run.id, 1]], 'the pass in flight was not reported');
    assert.deepEqual(statesOf(run), ['running', 'cancelled']);
    assert.equal(ctl.busy, false);

    const again = await ctl.start(SETTINGS);
    await until(() => again.state === 'done');
    assert.equal(again.passes, SETTINGS.maxSteps * T);
    assert.equal(b.log.filter((k) => k === 'next').length, 3 + 6, 'no pass of the cancelled run after the cancel');
    assert.equal(b.maxInFlight, 1, 'never two requests at once');
    assert.equal(run.state, 'cancelled', 'the old run stays cancelled');
  });

  test('cancel() resolves only once the backend has answered the cancel', async () => {
    const b = new FakeBackend();
    const { ctl } = harness(b);
    const slow = b.hold('cancel', 1);
    await ctl.start(SETTINGS, { paused: true });
    let resolved = false;
    const p = ctl.cancel().then(() => { resolved = true; });
    await slow.reached;
    await tick();
    assert.equal(resolved, false, 'cancel() resolved before the backend answered');
    slow.release();
    await p;
    assert.equal(b.count.cancel, 1);
    assert.equal(b.solve, null);
    await ctl.cancel(); // idle: nothing to cancel, resolves at once
    assert.equal(b.count.cancel, 1);
  });

  test('backend errors: start, a pass, the verification; each ends the run in error, and the next start works', async () => {
    for (const [kind, request, passesBefore] of [['start', 'start', 0], ['next', 'pass', 3], ['verify', 'verify', 6]]) {
      const b = new FakeBackend({ fail: { [kind]: kind === 'next' ? 4 : 1 } });
      const { ctl, until, statesOf } = harness(b);
      const run = await ctl.start(SETTINGS);
      await until(() => !run.active);
      assert.equal(run.state, 'error', kind);
      assert.equal(run.failedRequest, request);
      assert.match(run.error.message, new RegExp(`${kind} #\\d+ failed`));
      assert.equal(run.passes, passesBefore, kind);
      assert.equal(statesOf(run).at(-1), 'error');
      assert.ok(!b.log.slice(b.log.lastIndexOf(kind) + 1).includes('next'), `${kind}: nothing asked for after the failure`);
      const again = await ctl.start(SETTINGS);
      await until(() => again.state === 'done');
      assert.equal(again.passes, SETTINGS.maxSteps * T, `${kind}: a new run after the error`);
      assert.equal(b.maxInFlight, 1);
    }
  });

  test('starting while a pass is in flight cancels the run first: no overlap, no stale pass', async () => {
    const b = new FakeBackend();
    const { ctl, until, passes } = harness(b);
    const second = b.hold('next', 2);
    const a = await ctl.start(SETTINGS);
    await second.reached;
    const started = ctl.start(SETTINGS);
    assert.equal(a.state, 'cancelled');
    second.release();
    const run = await started;
    await until(() => run.state === 'done');
    assert.deepEqual(b.log.slice(0, 5), ['start', 'next', 'next', 'cancel', 'start']);
    assert.equal(b.maxInFlight, 1, 'never two requests at once');
    assert.deepEqual(passes.filter(([id]) => id === a.id).map(([, i]) => i), [0], 'only the pass that arrived before');
    assert.equal(run.passes, SETTINGS.maxSteps * T);
    assert.deepEqual(passes.filter(([id]) => id === run.id).map(([, i]) => i), [0, 1, 2, 3, 4, 5]);

    // three starts in one go: the last one runs; the others are never started
    const c = new FakeBackend();
    const h = harness(c);
    const runs = [h.ctl.start(SETTINGS), h.ctl.start(SETTINGS), h.ctl.start(SETTINGS)];
    const [r1, r2, r3] = await Promise.all(runs);
    await h.until(() => r3.state === 'done');
    assert.deepEqual([r1.state, r2.state, r3.state], ['cancelled', 'cancelled', 'done']);
    assert.equal(c.solves, 1, 'one solve started in the backend');
    assert.equal(r3.passes, SETTINGS.maxSteps * T);
    assert.equal(c.maxInFlight, 1);
  });

  test('paused runs: step() gives one pass and is refused while busy; resume() runs on to the end', async () => {
    const b = new FakeBackend();
    const { ctl, until } = harness(b);
    const run = await ctl.start(SETTINGS, { paused: true });
    await tick();
    assert.equal(run.passes, 0, 'a paused run asks for nothing');
    assert.equal(ctl.resume() && ctl.pause(), true);
    const held = b.hold('next', 2);
    await until(() => run.passes === 1 && !ctl.busy); // the pass in flight when paused still arrives
    const first = ctl.step();
    await held.reached;
    assert.equal(await ctl.step(), false, 'refused while a pass is in flight');
    held.release();
    assert.equal(await first, true);
    assert.equal(run.passes, 2);
    assert.equal(ctl.resume(), true);
    await until(() => run.state === 'done');
    assert.equal(run.passes, SETTINGS.maxSteps * T);
    assert.equal(b.maxInFlight, 1);
    assert.equal(await ctl.step(), false, 'no step once done');
    assert.equal(ctl.resume(), false);
  });

  test('pause and resume during the animation delay: the waiting loop goes on, no second loop starts', async () => {
    const b = new FakeBackend();
    const naps = []; // the loop's waits after each pass, released by the test
    const { ctl } = harness(b, { delay: () => 1000, sleep: () => { const d = deferred(); naps.push(d); return d.promise; } });
    const run = await ctl.start(SETTINGS);
    while (naps.length === 0) await tick(); // pass 1 arrived; the loop waits
    assert.equal(ctl.pause(), true);
    assert.equal(ctl.resume(), true);
    for (let i = 0; i < 5; i++) await tick();
    assert.equal(b.count.next, 1, 'a second loop asked for a pass without waiting');
    while (run.state !== 'done') {
      for (const d of naps) d.resolve();
      await tick();
    }
    assert.equal(run.passes, SETTINGS.maxSteps * T);
    assert.equal(b.count.next, SETTINGS.maxSteps * T);
    assert.equal(naps.length, SETTINGS.maxSteps * T - 1, 'one wait between two passes, none after the last');
  });

  test('the transition table: terminal states lead nowhere, and an illegal move throws', () => {
    for (const s of ['done', 'cancelled', 'error']) assert.deepEqual(TRANSITIONS[s], []);
    for (const [from, to] of Object.entries(TRANSITIONS)) for (const s of to) assert.ok(s in TRANSITIONS, `${from} -> ${s}`);
    const ctl = new RunController(new FakeBackend());
    const run = { id: 1, state: 'done' };
    assert.throws(() => ctl._to(run, 'running'), /no transition done -> running/);
  });
});
