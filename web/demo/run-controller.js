// run-controller.js: the demo page's solve runs as one explicit state machine. It touches no
// DOM (no document, window or canvas), so node --test drives it with a fake backend
// (tests/js/run-controller.test.mjs); app.js draws what it reports.
//
// A run is created by start() in 'running' or 'paused' and moves only along TRANSITIONS:
//
//   running <──> paused          pause() / resume(); step() does one pass while paused
//      │           │
//      └─────┬─────┘
//            v
//        checking ──> done        the last pass arrived (run.end: 'halted' when early halting
//                                 stopped it, or 'max-steps'); its answer is verified
//                                 (run.verdict)
//   any of the above ──> cancelled   cancel(), or a newer start(): nothing more is reported
//   any of the above ──> error       the backend failed (run.error; run.failedRequest: 'start',
//                                    'pass' or 'verify')
//
// The controller holds at most one current run (controller.run: null before the first start
// and after cancel(); a done or failed run stays until the next start or cancel, for replay).
// Every backend request of every run goes through one queue, one at a time, in order: a run's
// start is sent only once the previous run's last request and its cancel have been answered, so
// two runs never overlap, and a reply that arrives for a run no longer active is dropped.
//
// The backend is solver-like: start({ task, grid, height, width, maxSteps, earlyHalt, vote, arc? });
// next() -> { done: true } | { done: false, pass } (a trm.js Pass: index, step, grid, confidence,
// qHalt, haltProb, ms, halted, done, votes); cancel(); verify({ task, grid, answer, height, width })
// -> a Verdict. Each returns a promise; a rejection is the run's error. task is the run's (the
// page's task picker: 'maze', 'sudoku' or 'arc'; undefined for callers that have one task); arc
// (ARC runs only) passes through to start as it is.

export const TRANSITIONS = Object.freeze({
  running: Object.freeze(['paused', 'checking', 'cancelled', 'error']),
  paused: Object.freeze(['running', 'checking', 'cancelled', 'error']),
  checking: Object.freeze(['done', 'cancelled', 'error']),
  done: Object.freeze([]),
  cancelled: Object.freeze([]),
  error: Object.freeze([]),
});

// States in which a run still talks to the backend (and may still report); passes are asked
// for in the first two only.
const ACTIVE = new Set(['running', 'paused', 'checking']);
const PASSING = new Set(['running', 'paused']);

/** One solve: its settings, and everything its passes reported so far. */
export class Run {
  constructor(id, settings, state, startedAt) {
    this.id = id;
    this.state = state;
    // settings, as given to start()
    this.task = settings.task; // which model and rules: a run keeps the task it started with
    this.grid = settings.grid;
    this.height = settings.height;
    this.width = settings.width;
    this.maxSteps = settings.maxSteps;
    this.earlyHalt = settings.earlyHalt;
    this.vote = settings.vote; // symmetry voting: each pass is the vote of the question's views
    this.arc = settings.arc ?? null; // ARC: the test input, its expected output and the views (app/arc.js)
    // what the passes reported
    this.passes = 0;        // passes received
    this.pass = null;       // the latest Pass
    this.history = [];      // every Pass, in order
    this.halt = [];         // halting probability after each supervision step so far
    this.computeMs = 0;     // sum of the passes' compute times (no animation delay)
    this.lastChange = 0;    // the last pass (1-based) whose answer differed from the one before
    this.startedAt = startedAt;
    this.lastPassAt = null; // now() when the latest pass arrived
    // how it ended
    this.end = null;        // 'halted' | 'max-steps', once in checking
    this.verdict = null;    // the backend's verdict of the last answer, once done
    this.error = null;      // what the backend threw, in state error
    this.failedRequest = null; // which request failed: 'start' | 'pass' | 'verify'
  }

  get active() { return ACTIVE.has(this.state); }

  /**
   * For a finished run (checking or done): the pass after which the answer never changed again,
   * when at least one later pass repeated it; else null. While a run goes on, lastChange is the
   * same number but may still move.
   */
  get convergedAt() {
    const finished = this.state === 'checking' || this.state === 'done';
    return finished && this.lastChange < this.passes ? this.lastChange : null;
  }
}

export class RunController {
  /**
   * backend: the solver-like object above. Options: onChange() after every change of state, of
   * busy and of the current run; onPass(run, pass) for each pass of the active run (what it
   * throws ends the run in error);
   * delay(run) -> ms to wait after a pass while running (the animation pace, default 0); the
   * clock: now() -> ms (default performance.now) and sleep(ms) -> a promise (default setTimeout).
   */
  constructor(backend, {
    onChange = () => {}, onPass = () => {}, delay = () => 0,
    now = () => performance.now(), sleep = (ms) => new Promise((ok) => setTimeout(ok, ms)),
  } = {}) {
    this._backend = backend;
    this._onChange = onChange;
    this._onPass = onPass;
    this._delay = delay;
    this._now = now;
    this._sleep = sleep;
    this._run = null;      // the current run
    this._ids = 0;         // the last run id given out
    this._tail = Promise.resolve(); // settles once every queued backend request is answered
    this._queued = 0;      // backend requests queued or in flight
    this._driving = null;  // the run whose running loop (_drive) is alive: at most one loop
  }

  /** The current run, or null. */
  get run() { return this._run; }
  /** The current run's state, or 'idle' without one. */
  get state() { return this._run?.state ?? 'idle'; }
  /** A backend request is queued or in flight (step() is refused meanwhile). */
  get busy() { return this._queued > 0; }

  /**
   * A new run of settings { task, grid, height, width, maxSteps, earlyHalt, vote }; options.paused starts it
   * paused (then step() or resume()). The current run, if active, is cancelled first. Resolves
   * with the run once the backend has started it (or once it failed or was cancelled).
   */
  async start(settings, { paused = false } = {}) {
    const prev = this._run;
    const run = new Run(++this._ids, settings, paused ? 'paused' : 'running', this._now());
    this._run = run;
    if (prev) this._abandon(prev); // queued before the start below: the backend sees it first
    this._onChange();
    // A failed start fails the run inside the queue, so its first pass is never asked for.
    const started = this._send(async () => {
      if (!run.active) return; // cancelled by a newer start while queued: never started
      try {
        await this._backend.start({
          task: run.task, grid: run.grid, height: run.height, width: run.width, maxSteps: run.maxSteps,
          earlyHalt: run.earlyHalt, vote: run.vote, ...(run.arc ? { arc: run.arc } : {}),
        });
      } catch (e) {
        this._fail(run, e, 'start');
      }
    });
    if (!paused) this._drive(run); // its first pass is queued behind the start
    await started;
    return run;
  }

  /** Stop asking for passes (a pass in flight still arrives). false unless running. */
  pause() {
    const run = this._run;
    if (run?.state !== 'running') return false;
    this._to(run, 'paused');
    return true;
  }

  /** Go on running after pause(). false unless paused. */
  resume() {
    const run = this._run;
    if (run?.state !== 'paused') return false;
    this._to(run, 'running');
    this._drive(run);
    return true;
  }

  /**
   * One pass while paused. Resolves true when it arrived and more may follow; false when it was
   * refused (not paused, or a request is in flight), or the run ended or stopped meanwhile.
   */
  async step() {
    const run = this._run;
    if (run?.state !== 'paused' || this.busy) return false;
    return this._advance(run);
  }

  /**
   * Cancel the current run: it is 'cancelled' at once (nothing more of it is reported) and the
   * controller is idle. Resolves once the backend has answered every request queued so far, its
   * cancel included, so that whatever the caller sends the backend next cannot meet the old
   * solve. start() cancels the run it replaces through the same path (_abandon).
   */
  async cancel() {
    const run = this._run;
    if (run) {
      this._abandon(run);
      this._run = null;
      this._onChange();
    }
    await this._tail;
  }

  // ---- internals ----

  // run -> cancelled, with the backend's cancel queued. A finished run has nothing left there.
  _abandon(run) {
    if (!run.active) return;
    this._to(run, 'cancelled');
    this._send(() => this._backend.cancel()).catch(() => {}); // a failed cancel leaves nothing to cancel
  }

  // Queue a backend request behind every earlier one, whatever their outcome. busy drops when
  // the reply settles, before whoever awaits it goes on.
  _send(request) {
    if (++this._queued === 1) this._onChange();
    const reply = this._tail.then(request).finally(() => {
      if (--this._queued === 0) this._onChange();
    });
    this._tail = reply.catch(() => {});
    return reply;
  }

  _to(run, state) {
    if (!TRANSITIONS[run.state].includes(state)) throw new Error(`run ${run.id}: no transition ${run.state} -> ${state}`);
    run.state = state;
    if (run === this._run) this._onChange();
  }

  _fail(run, error, request) {
    if (!run.active) return; // cancelled meanwhile: its failure is nobody's business
    run.error = error;
    run.failedRequest = request;
    this._to(run, 'error');
  }

  // Passes one after another while the run is running, delay(run) ms apart (counted from each
  // request). One loop per run: a resume() during the wait lets the same loop go on.
  async _drive(run) {
    if (this._driving === run) return;
    this._driving = run;
    try {
      while (run.state === 'running') {
        const t0 = this._now();
        if (!(await this._advance(run))) return;
        const wait = this._delay(run) - (this._now() - t0);
        if (wait > 0) await this._sleep(wait);
      }
    } finally {
      if (this._driving === run) this._driving = null;
    }
  }

  // One pass; true while more passes may follow. The last pass leads on to the verification.
  async _advance(run) {
    let outcome;
    try {
      outcome = await this._send(() => this._pass(run));
    } catch (e) {
      this._fail(run, e, 'pass');
      return false;
    }
    if (outcome === 'last') await this._verify(run);
    return outcome === 'more';
  }

  // The pass request itself, run inside the queue: the state it leaves (checking after the last
  // pass) is what the next queued request sees, so no pass is asked for after the last one.
  async _pass(run) {
    if (!PASSING.has(run.state)) return 'stop'; // stopped while queued: nothing is sent
    const reply = await this._backend.next();
    if (!PASSING.has(run.state)) return 'stop'; // cancelled while in flight: dropped
    if (!reply.done) this._record(run, reply.pass);
    if (!reply.done && !reply.pass.done) return 'more';
    run.end = run.pass?.halted ? 'halted' : 'max-steps';
    this._to(run, 'checking');
    return 'last';
  }

  _record(run, p) {
    if (!run.pass || run.pass.grid !== p.grid) run.lastChange = run.passes + 1;
    run.pass = p;
    run.history.push(p);
    run.passes++;
    run.computeMs += p.ms;
    run.lastPassAt = this._now();
    if (p.haltProb != null) run.halt.push(p.haltProb);
    this._onPass(run, p);
  }

  // checking -> done with the backend's verdict of the last answer (none without a pass).
  async _verify(run) {
    let verdict = null;
    if (run.pass) {
      try {
        verdict = await this._send(() => this._backend.verify({
          task: run.task, grid: run.grid, answer: run.pass.grid, height: run.height, width: run.width,
        }));
      } catch (e) {
        this._fail(run, e, 'verify');
        return;
      }
    }
    if (run.state !== 'checking') return; // cancelled meanwhile
    run.verdict = verdict;
    this._to(run, 'done');
  }
}
