// trm.d.ts: types of web/trm.js, the ES module over trm.wasm (the trm.c core in WebAssembly).
// Works in Node 20, a browser page and a module Worker. Nothing is global: each TRM.load() is its
// own WebAssembly instance; models and solvers live in its memory until free() is called.
// TRMWorker (trm-worker.js, exported here too) runs an instance in a Worker, asynchronously.
// A model solves the grids of its task (Model.task, from its file's config; mazes when the file
// names none), all through the same Solver; verify() checks an answer by any task's rules. The
// maze helpers (generateMaze, shortestPath, countShortestPaths, Model.generateMaze,
// Model.trainingFit) work on mazes only, the sudoku helpers (generateSudoku, solveSudoku) on 9x9
// sudoku grids only. Models of the task 'arc' (ARC-AGI, e.g. official checkpoints converted by
// scripts/convert_official.py) take ArcGrids (number[][] of colours 0..9) and solve a question
// in several views at once, voting as the official evaluator (SolveOptions.views, Pass.arc); the
// ARC helpers (encodeArc, cropArc, decodeArc, augmentArc, arcAugmentation, arcViews, voteArc)
// are core's arc.h.

/**
 * Stable error codes of TRMError:
 * - 'bad_argument'  an option or argument of the wrong type or range, or an unknown option name
 *                   (the message names it); also an unknown kernel set, a string grid for an ARC
 *                   model, an ARC view whose puzzle identifier is not a row of the model's table,
 *                   a malformed ARC augmentation name, identifiers that name no puzzle of a task, a maze or sudoku that
 *                   cannot be generated (none within maxGrids rated high enough, or within the
 *                   rating range), a module or model file that cannot be read or fetched (no
 *                   such file, a network error, an HTTP status other than 2xx: names the URL)
 * - 'bad_wasm'      TRM.load: bytes that are not this library's WebAssembly module
 * - 'state'         pass() before reset(); a solve() generator whose solver was reset since
 * - 'bad_model'     model bytes that are not a valid model file: safetensors container (header
 *                   length, JSON, offsets, overlaps, holes, truncation), __metadata__ (format,
 *                   config JSON and values, a missing config key: every key of ModelConfig
 *                   but task and charset must be there), unknown or missing tensors, a NUL character in
 *                   a tensor name or metadata string, dtypes other than F32/F16/BF16,
 *                   non-finite values; the message names the tensor or key
 * - 'bad_shape'     a tensor whose shape does not match the model's config (names the tensor,
 *                   the shape found and the shape expected)
 * - 'bad_grid'      a malformed question (mazes: not exactly one 'S' and one 'G', an 'o' in a
 *                   question; sudoku: givens that clash, e.g. "contradictory givens: row 0 has
 *                   two 5s (row 0, column 1 and row 0, column 4)"), tokens the model's
 *                   vocabulary does not have; ARC: a cell that is not a colour 0..9 or a row
 *                   that is not an array ("grid row 2, column 5: 10 is not an ARC colour
 *                   (an integer 0..9)"), a canvas decodeArc cannot read (names the cell)
 * - 'bad_charset'   a grid character outside its task's charset (mazes: "# SGo"; sudoku:
 *                   ".123456789", '0' read as '.'; names the row, column and character)
 * - 'unsupported_task' a model (file or createModel config) of a task this module does not
 *                   support (names the task and the supported ones), or such a task named in
 *                   verify's options; a maze helper called on a model of another task; an
 *                   ArcGrid given to a model whose task is not 'arc'; a trm.wasm without ARC
 * - 'size_mismatch' a grid whose size differs from the model's (or from the question's; a
 *                   sudoku grid that is not 9 x 9 = 81 characters); ARC: rows of different
 *                   lengths ("grid row 3 has 4 columns, row 0 has 5"), no rows, more than 30
 *                   rows or columns, a grid that does not fit the canvas at its pad, a canvas
 *                   that is not 900 tokens, an ARC model whose grid is not 30x30
 * - 'no_path'       shortestPath(): G cannot be reached from S
 * - 'freed'         a call on a model or solver after free() (or on a solver whose model was freed)
 * - 'out_of_memory' the module's memory (at most 2 GB) cannot hold it
 * - 'terminated'    TRMWorker: the worker was terminated, or failed or exited (the message says
 *                   which), before the request was answered
 * After any error the instance stays usable: nothing is left allocated or half-changed.
 */
export type TRMErrorCode =
  | 'bad_argument' | 'bad_wasm' | 'bad_model' | 'bad_shape' | 'bad_grid' | 'bad_charset' | 'unsupported_task'
  | 'size_mismatch' | 'no_path' | 'freed' | 'state' | 'out_of_memory' | 'terminated';

export class TRMError extends Error {
  readonly name: 'TRMError';
  readonly code: TRMErrorCode;
}

/**
 * A grid: h*w characters of a task's charset in row-major order (a model's task.charset; the
 * maze helpers' is "# SGo"; a square grid can be given as a plain string), the same with rows
 * joined by "\n", or an object such as a generated Maze.
 */
export type Grid = string | { grid: string; height?: number; width?: number };

/**
 * The model config with the official TRM key names (TRM.md §0) plus the grid size. A model file's
 * __metadata__.config must hold every key but task and charset ('bad_model' names a missing one).
 */
export interface ModelConfig {
  hidden_size: number;
  num_heads: number;
  expansion: number;
  L_layers: number;
  H_cycles: number;        // T: refinement passes per supervision step
  L_cycles: number;        // n: latent updates per pass
  halt_max_steps: number;  // N_sup
  halt_exploration_prob: number;
  puzzle_emb_len: number;
  puzzle_emb_ndim: number;
  num_puzzle_identifiers: number;
  pos_encodings: 'rope' | 'learned' | 'none';
  mlp_t: boolean;
  rms_norm_eps: number;
  rope_theta: number;
  vocab_size: number;
  seq_len: number;
  grid_height: number;
  grid_width: number;
  task: string;            // the task's name ('maze' for files that name none)
  charset: string;         // the task's charset (token t >= 1 is charset[t - 1]; 0 is PAD)
}

/** A task: what a model's grids mean. */
export interface Task {
  name: string;            // 'maze' | 'sudoku' | 'arc'
  charset: string;         // the grid characters: '# SGo' for mazes, '.123456789' for sudoku ('.' a blank);
                           // ARC: '|0123456789' (token 1 EOS, colour c token c + 2; its grids are ArcGrids, not strings)
}

export interface LoadOptions {
  /** The module: a URL or path (default: trm.wasm next to trm.js), its bytes, a compiled Module, a fetch Response or a Blob. */
  wasm?: string | URL | ArrayBuffer | ArrayBufferView | WebAssembly.Module | Response | Blob;
}

export interface LoadModelOptions {
  /** Skip tensors the model's table does not have (e.g. extra tensors of a fixture or checkpoint) instead of failing. */
  ignoreUnknownTensors?: boolean;
  /** Called for each warning (unknown config keys, no "format" in __metadata__); they are also in model.warnings. */
  onWarning?: (message: string) => void;
}

/**
 * Where a model file comes from, besides its bytes: a URL (fetched; in Node a path or file: URL is
 * read from disk), a fetch Response (its status is checked) or a Blob such as a File from an
 * <input type="file">.
 */
export type ModelSource = string | URL | Response | Blob;

export type MazeAlgorithm = 'lehnert' | 'dfs' | 'dfs-any' | 'sparse';

/** One kind of training maze: a generator with its settings, and its share of the training mazes. */
export interface TrainingKind {
  algorithm: MazeAlgorithm | null; // null: rows from a data set not written by trm-maze
  minPath: number;                 // -1 when not known
  unique: boolean;
  share: number;                   // fraction of the training mazes, 0..1
  pathMin: number;                 // BFS path lengths (moves) of this kind's training mazes; -1 when not known
  pathMax: number;
}

/** What a model was trained on (__metadata__.training, written by trm-train). */
export interface Training {
  task: string;                    // 'maze'
  height: number;
  width: number;
  source: 'csv' | 'generator' | string | null;
  pathMin: number;                 // over all kinds; -1 when not known
  pathMax: number;
  kinds: readonly TrainingKind[];
}

export interface TrainingFit {
  fits: boolean;                   // reasons is empty
  shortest: number | null;         // BFS moves; null if G is unreachable
  paths: number;                   // shortest paths, saturating at 1000
  reasons: string[];               // how the maze differs from every training maze, in words
}

export interface MazeOptions {
  /** Square side; or height and width (default 30 x 30). 1..1024. */
  size?: number;
  height?: number;
  width?: number;
  /** 64-bit seed of the data set, and the maze number in it: maze #index of seed is the same everywhere (native trm-maze too). */
  seed?: number | bigint;
  index?: number | bigint;
  /** 'lehnert' (random obstacles, Maze-Hard), 'dfs' (corridors, S and G at the ends of the longest path) or
   * 'dfs-any' (the same corridors, S and G on random open cells at least minPath moves apart) or 'sparse'
   * (random walls on 0-30% of the cells: rooms and open floors, as people draw). Default 'lehnert'. */
  algorithm?: MazeAlgorithm;
  /** Keep mazes whose shortest path has at least this many moves (default max(height, width)). */
  minPath?: number;
  /** Keep only mazes whose shortest path is unique. Default false. */
  unique?: boolean;
}

export interface Maze {
  grid: string;        // the question, h*w characters
  answer: string;      // the label: one shortest path marked 'o' (S and G stay letters)
  pathLength: number;  // moves from S to G
  seed: number | bigint;
  index: number | bigint;
  height: number;
  width: number;
  algorithm: MazeAlgorithm;
}

/** What a task's rules say of an answer (trm.verify). Mazes / sudoku: */
export interface Verdict {
  valid: boolean;          // one simple 4-connected S-G path over open cells, nothing else changed /
                           // a digit in every cell, each row, column and box holding 1-9 once, every given kept
  optimal: boolean;        // valid and as short as the BFS distance / the same as valid
  exact: boolean | null;   // equals the label (mazes: either S/G convention); null without a label
  length: number | null;   // moves along the answer's path / blanks filled; null if not valid
  shortest: number | null; // BFS distance / the question's blanks; null if the question has no solution
  reason: string;          // why not valid (the first problem found, e.g. "row 3 has two 7s (...)"); '' when valid
}

export interface VerifyOptions {
  /** The task whose rules apply: a name in TRM.tasks. Default: the question's own `task` field
   *  (a Sudoku from generateSudoku has one), else 'maze'. */
  task?: string;
}

export type SudokuGenerator = 'minimal' | 'symmetric';

export interface SudokuOptions {
  /** 64-bit seed of the data set, and the puzzle number in it: puzzle #index of seed is the same everywhere
   *  (native trm-sudoku's row #index with the same seed, generator and minRating). */
  seed?: number | bigint;
  index?: number | bigint;
  /** 'minimal' (default: clues removed in random order while the solution stays unique, about 22-26 clues) or
   *  'symmetric' (removed in centre-symmetric pairs: more clues, usually easier). */
  generator?: SudokuGenerator;
  /** Keep puzzles rated at least this (default 0): another solved grid is dug until one is (up to maxGrids). */
  minRating?: number;
  /** Keep puzzles rated at most this (default: no bound): puzzles index, index + 1, ... are drawn until one is
   *  (at most 100; Sudoku.index says which was kept). */
  maxRating?: number;
  /** Solved grids drawn per puzzle before giving up with 'bad_argument' (default 1000). */
  maxGrids?: number;
}

/** A generated sudoku; usable wherever a Grid is (it carries its shape and task). */
export interface Sudoku {
  grid: string;            // the puzzle, 81 characters, '.' for a blank
  solution: string;        // its one solution (the label)
  rating: number;          // backtracks of the C solver's proof of uniqueness (0: naked and hidden singles solve it);
                           // of minimal puzzles about 42% rate 0, 19% 1, 20% 2-3, 14% 4-7, 4% 8-15, under 1% >= 16
  seed: number | bigint;
  index: number | bigint;  // the puzzle kept (with maxRating, possibly after the index asked for)
  generator: SudokuGenerator;
  height: 9;
  width: 9;
  task: 'sudoku';
}

/** What core's counting search says of a sudoku (trm.solveSudoku). */
export interface SudokuSolution {
  solutions: 0 | 1 | 2;    // solutions found; the search stops at the second
  solution: string | null; // the first found (81 characters), null if none
  rating: number | null;   // the backtracks that proved the solution unique (as Sudoku.rating); null unless solutions is 1
  guesses: number;         // the search's branches tried
  backtracks: number;      // and those that ended in a contradiction
}

export interface SolveOptions {
  /** Supervision steps to run (default: the model's halt_max_steps). Each is H_cycles passes. */
  maxSteps?: number;
  /** Stop after the first supervision step whose q_halt logit is > 0 (halt probability > 0.5) and whose answer equals
   *  the previous step's (so never after step 1). Default false. */
  earlyHalt?: boolean;
  /** Symmetry voting (as native trm-eval --vote): solve the question in each of its Model.views views at once (the 8
   *  rotations and reflections of a square maze, 4 of a non-square one; 8 fixed validity-keeping shuffles of a sudoku), transform the answers back, and make each
   *  pass's answer the one most views give (a tie goes to the higher mean q_halt logit, then to the untransformed
   *  view). Costs views times the compute per pass. With earlyHalt, a view that has halted votes with its answer as of
   *  its halting step, and the solve halts once every view has. Default false. ARC models: the same as
   *  views: trm.arcViews('dihedral') (the 8 rotations and reflections on puzzle row 0). */
  vote?: boolean;
  /** ARC models: the views to solve the question in at once (trm.arcViews makes them), each an augmentation of the
   *  question on a puzzle-embedding row; their answers are cropped, un-augmented and voted on after every pass as the
   *  official evaluator votes. Default: the question as it is on row 0. */
  views?: readonly ArcView[];
  /** ARC models: one un-augmented view per puzzle-embedding row (instead of views). */
  puzzleIds?: readonly number[];
}

/** How a voted pass's answer was chosen (Pass.votes). */
export interface Votes {
  views: number;          // views voting (Model.views)
  agree: number;          // views that gave the pass's answer
  distinct: number;       // different answers among the views
}

export interface Pass {
  index: number;          // 0-based pass number since reset (as trm-solve --trace)
  step: number;           // 1-based supervision step
  recursion: number;      // 1-based pass within the step (1..H_cycles)
  grid: string;           // predicted characters; '?' where the model predicts PAD or a token outside the charset;
                          // with vote: the answer most views give
  confidence: Float32Array; // h*w softmax probabilities of the predicted tokens (a copy); with vote: the share of
                          // views whose answer agrees with grid on each cell
  qHalt: number | null;   // q_halt logit on the last pass of a supervision step, else null; with vote: the mean
                          // q_halt logit of the views that gave grid
  haltProb: number | null; // sigmoid(qHalt), or null
  halted: boolean;          // early halting stopped the solve on this pass (with vote: the last view halted)
  ms: number;             // wall time of this pass (compute and decode)
  done: boolean;          // maxSteps reached, or halted early
  votes: Votes | null;    // with vote: how the answer was chosen (every pass); null without vote (or a task of one view);
                          // ARC: the vote over the views (agree: the voted answer's votes)
  arc: ArcPass | null;    // ARC models: the voted answer, the ranked candidates and every view's canvas; null otherwise.
                          // Then grid is the voted answer as rows of colour digits joined by "\n" ('' when empty),
                          // confidence view 0's canvas's (900), haltProb the voted answer's mean sigmoid(q_halt) (the
                          // official vote's score; null within a supervision step) and qHalt its logit
}

// ---- ARC-AGI (the task 'arc'; core/include/arc.h) ----------------------------------------------

/**
 * An ARC-AGI grid as the public task files hold it: 1..30 rows, each an array of the same number
 * (1..30) of colours 0..9. [] is the empty grid (the crop of a canvas without a colour at its
 * corner), accepted where an answer is expected (voteArc, augmentArc).
 */
export type ArcGrid = number[][];

/** An augmentation: dihedral transform 0..7 (maze.h's order) after a colour map that keeps 0 (black). */
export interface ArcAugmentation {
  dihedral: number;            // 0 identity, 1 rot90, 2 rot180, 3 rot270, 4 flip left-right, 5 flip up-down, 6 transpose, 7 anti-transpose
  colours: readonly number[];  // [10]: colour c becomes colours[c]; colours[0] = 0, colours[1..9] a permutation of 1..9
  name: string;                // "t<dihedral>|||<colours>", the part of an official puzzle name after "<task>|||"
  id: number;                  // its number: dihedral + 8 * (the colour map's rank among the permutations of 1..9)
}

/** One view of an ARC question: a puzzle-embedding row and the augmentation it sees the question through. */
export interface ArcView {
  puzzleId: number;
  /** An ArcAugmentation, its name or number (trm.arcAugmentation); default the identity. */
  augmentation?: ArcAugmentation | string | number | { dihedral: number; colours: readonly number[] } | null;
  name?: string;               // arcViews({ identifiers }): the row's puzzle name
}

/** What trm.arcViews makes views of. */
export type ArcViewsSource =
  | 'identity'                                          // the question as it is (1 view)
  | 'dihedral'                                          // its 8 rotations and reflections, colours kept
  | { random: number; seed?: number | bigint }          // the identity + random - 1 distinct random augmentations (trm-eval --augmentations N --seed S)
  | { identifiers: readonly string[]; task: string };   // every row of identifiers.json naming the task, in row order (trm-eval --identifiers)

/** One distinct answer of the official vote, best first. */
export interface ArcCandidate {
  grid: ArcGrid;               // in the question's frame
  votes: number;               // views (answers) that gave it
  meanQ: number;               // their mean sigmoid(q_halt)
  views: number[];             // which views (indexes into the answers or views)
}

/** One view of an ARC solve after a pass. */
export interface ArcViewPass {
  puzzleId: number;
  augmentation: ArcAugmentation;
  canvas: Uint8Array;          // [900] the view's predicted canvas, in its own (augmented) frame: PAD 0, EOS 1, colour c as c + 2
  confidence: Float32Array;    // [900] softmax probability of each predicted token
  answer: ArcGrid;             // its crop, un-augmented into the question's frame ([] when empty); with earlyHalt, as of its halting step
  q: number | null;            // sigmoid(q_halt) at the last completed supervision step (its halting step), null before the first
  haltedAt: number;            // earlyHalt: the supervision step it halted at; 0 while it runs
}

/** Pass.arc: an ARC solve after a pass. The vote treats a view without q yet as 0.5. */
export interface ArcPass {
  answer: ArcGrid;             // the voted answer (candidates[0].grid): the official attempt 1
  candidates: readonly ArcCandidate[]; // distinct answers best first: most votes, then higher meanQ, then first view
  views: readonly ArcViewPass[];
}

export interface KernelSelftest {
  kernels: string;
  /** Largest error over all kernels: |simd - scalar| / max(1, |scalar|). */
  max: number;
  errors: Record<'gemm_nt' | 'gemm_nn' | 'gemm_tn' | 'rmsnorm_fwd' | 'rmsnorm_bwd' | 'swiglu_fwd' |
    'swiglu_bwd' | 'rope' | 'rope_inverse' | 'attention_fwd' | 'attention_bwd', number>;
}

export class TRM {
  /** Instantiate the module (once per instance; each instance is independent). */
  static load(options?: LoadOptions): Promise<TRM>;
  /** Kernel set new models use: 'wasm128' (SIMD build) or 'scalar'. */
  readonly kernels: string;
  /** The tasks this module supports; the first is the task of model files that name none. */
  readonly tasks: readonly Task[];
  /** Load a model file (safetensors; F32, BF16 or F16 tensors; config in __metadata__) from its bytes. */
  loadModel(bytes: ArrayBuffer | ArrayBufferView, options?: LoadModelOptions): Model;
  /** The same from a URL or path, a Response or a Blob: the promise rejects with the TRMError. */
  loadModel(source: ModelSource, options?: LoadModelOptions): Promise<Model>;
  /** A model with random TRM §5.7 weights; config keys on top of the official defaults (unknown keys are errors). */
  createModel(config?: Partial<ModelConfig>, options?: { seed?: number | bigint }): Model;
  /** A maze from core's generator. */
  generateMaze(options?: MazeOptions): Maze;
  /** Check an answer (anything a model predicts) against a question and optionally a label, by a task's rules (mazes by default). */
  verify(grid: Grid | Sudoku, answer: Grid, label?: Grid | null, options?: VerifyOptions): Verdict;
  /** The question with one shortest path marked 'o'. Throws 'no_path' if G is unreachable. */
  shortestPath(grid: Grid): string;
  /** BFS length (null if unreachable) and number of shortest paths (saturating at cap, default 1000). */
  countShortestPaths(grid: Grid, options?: { cap?: number }): { length: number | null; count: number };
  /** A sudoku with one solution from core's generator, rated by core's solver. */
  generateSudoku(options?: SudokuOptions): Sudoku;
  /** Count a sudoku's solutions (up to 2) and rate it with core's search; clashing givens throw 'bad_grid'. */
  solveSudoku(grid: Grid): SudokuSolution;
  /** The official 30x30 canvas of an ARC grid (PAD 0, EOS 1, colour c as c + 2), its corner at (padRow, padCol) (default 0, 0). */
  encodeArc(grid: ArcGrid, options?: { padRow?: number; padCol?: number }): Uint8Array;
  /** The official crop of a canvas (900 tokens, anything a model predicts): [] when there is no colour at its corner. */
  cropArc(canvas: Uint8Array | readonly number[]): ArcGrid;
  /** The grid a well-formed canvas holds, and where ('bad_grid' names the first cell that breaks the layout). */
  decodeArc(canvas: Uint8Array | readonly number[]): { grid: ArcGrid; padRow: number; padCol: number };
  /** An ARC grid seen through an augmentation; inverse: through the one that undoes it. */
  augmentArc(grid: ArcGrid, augmentation: ArcView['augmentation'], options?: { inverse?: boolean }): ArcGrid;
  /** An augmentation checked by core, from its name ("t3|||0481326597"), number or { dihedral, colours }; null: the identity. */
  arcAugmentation(spec: ArcView['augmentation']): ArcAugmentation;
  /** Views to solve an ARC question in (SolveOptions.views). puzzleId: the row of 'identity', 'dihedral' and random views
   *  (default 0, the official blank row); limit: keep the first views only. */
  arcViews(which: ArcViewsSource, options?: { puzzleId?: number; limit?: number }): ArcView[];
  /** The official vote: the distinct answers best first (most votes, then higher mean q, then first appearance). q[i] = sigmoid(q_halt) of answers[i]. */
  voteArc(answers: readonly ArcGrid[], q: readonly number[]): ArcCandidate[];
  /** Every SIMD kernel against the scalar reference inside the module (random ragged shapes). */
  selftestKernels(options?: { kernels?: string; seed?: number; trials?: number }): KernelSelftest;
  /** wasmBytes: memory.buffer size (never shrinks); heapInUse: bytes currently malloc'd in the module. */
  memoryStats(): { wasmBytes: number; heapInUse: number };
}

export class Model {
  readonly config: Readonly<ModelConfig>;
  /** The task whose grids the model solves (config.task and config.charset). */
  readonly task: Readonly<Task>;
  readonly height: number;
  readonly width: number;
  readonly paramCount: number;
  /** Views of a voted solve (SolveOptions.vote): the task's shape-keeping transforms of the model's grid (8 for a square maze, 4 for a non-square one, 8 for a sudoku, 8 for an ARC model: its dihedral views). */
  readonly views: number;
  readonly warnings: string[];
  readonly skippedTensors: string[];
  /** What the model was trained on, or null when its file does not say. */
  readonly training: Training | null;
  readonly freed: boolean;
  /** Maze #index of seed from the model's training distribution (kind picked by seed and index, or forced). Maze models only. */
  generateMaze(options?: { seed?: number | bigint; index?: number | bigint; kind?: number }): Maze & { kind: number | null };
  /** Whether a question is like the training mazes, and if not, why (path length, several shortest paths). Maze models only. */
  trainingFit(grid: Grid): TrainingFit;
  /** Kernel set of this model; assign 'scalar' or 'wasm128' to switch ('bad_argument' if not in this build). */
  kernels: string;
  /** A new solver (one question at a time; with vote, its views at once: the first voted solve enlarges it). Several may exist at once. */
  solver(): Solver;
  /** The model as safetensors bytes that native trm-* tools read. */
  save(options?: { dtype?: 'F32' | 'BF16' | 'F16' }): Uint8Array;
  /** Free the model and every solver made from it. Safe to call twice. */
  free(): void;
}

export class Solver {
  readonly freed: boolean;
  /** Passes done since the last reset. */
  readonly passes: number;
  /** Start on a question (the model's height x width, over its task.charset; an ArcGrid for an ARC model). */
  reset(grid: Grid | ArcGrid, options?: SolveOptions): void;
  /** One refinement pass (may continue past done, e.g. for a UI that keeps stepping). */
  pass(): Pass;
  /** reset(grid, options), then one Pass per refinement pass until done. */
  solve(grid: Grid | ArcGrid, options?: SolveOptions): Generator<Pass, void, void>;
  /** Free the solver. Safe to call twice. */
  free(): void;
}

// ---- TRMWorker: the same in a Worker (trm-worker.js) ------------------------------------------

export interface TRMWorkerOptions {
  /** The module for the worker: as LoadOptions.wasm (a relative URL is resolved against the page). Default: trm.wasm next to trm.js. */
  wasm?: string | URL | ArrayBuffer | ArrayBufferView | WebAssembly.Module | Response | Blob;
  /** The worker script, if trm-worker-thread.js is not next to trm-worker.js (e.g. after bundling). */
  workerUrl?: string | URL;
}

/**
 * A browser module Worker (a worker_threads thread in Node) with its own TRM instance. Every call
 * is asynchronous; errors are TRMErrors with the same codes as the synchronous API. An idle
 * TRMWorker does not keep a Node process alive; terminate() when done.
 */
export class TRMWorker {
  static create(options?: TRMWorkerOptions): Promise<TRMWorker>;
  /** Kernel set of the worker's module. */
  readonly kernels: string;
  readonly terminated: boolean;
  /** Load a model in the worker (bytes are copied; other sources are read here, then handed over). */
  loadModel(source: ArrayBuffer | ArrayBufferView | ModelSource, options?: LoadModelOptions): Promise<WorkerModel>;
  generateMaze(options?: MazeOptions): Promise<Maze>;
  verify(grid: Grid | Sudoku, answer: Grid, label?: Grid | null, options?: VerifyOptions): Promise<Verdict>;
  shortestPath(grid: Grid): Promise<string>;
  countShortestPaths(grid: Grid, options?: { cap?: number }): Promise<{ length: number | null; count: number }>;
  generateSudoku(options?: SudokuOptions): Promise<Sudoku>;
  solveSudoku(grid: Grid): Promise<SudokuSolution>;
  encodeArc(grid: ArcGrid, options?: { padRow?: number; padCol?: number }): Promise<Uint8Array>;
  cropArc(canvas: Uint8Array | readonly number[]): Promise<ArcGrid>;
  decodeArc(canvas: Uint8Array | readonly number[]): Promise<{ grid: ArcGrid; padRow: number; padCol: number }>;
  augmentArc(grid: ArcGrid, augmentation: ArcView['augmentation'], options?: { inverse?: boolean }): Promise<ArcGrid>;
  arcAugmentation(spec: ArcView['augmentation']): Promise<ArcAugmentation>;
  arcViews(which: ArcViewsSource, options?: { puzzleId?: number; limit?: number }): Promise<ArcView[]>;
  voteArc(answers: readonly ArcGrid[], q: readonly number[]): Promise<ArcCandidate[]>;
  /** Stop the worker now; pending calls and solves reject with 'terminated'. Safe to call twice. */
  terminate(): void;
}

export interface WorkerSolveOptions extends SolveOptions {
  /** Called with each pass; the run is then not iterable. If it throws, the solve stops and result rejects with that error. */
  onPass?: (pass: Pass) => void;
}

export interface SolveResult {
  passes: number;        // passes run
  last: Pass | null;     // the last of them
  cancelled: boolean;    // stopped by cancel() (or by leaving a for-await loop)
}

/** One solve in a worker: `for await (const pass of run)`, or onPass and `await run.result`. */
export class SolveRun implements AsyncIterableIterator<Pass> {
  /** Settles when the solve ends; rejects with the TRMError that stopped it (e.g. 'bad_grid'). */
  readonly result: Promise<SolveResult>;
  /** Stop before the next pass; no further passes are delivered. Does nothing once the solve ended. */
  cancel(): void;
  next(): Promise<IteratorResult<Pass, undefined>>;
  /** Called when a for-await loop is left early: cancels. */
  return(): Promise<IteratorResult<Pass, undefined>>;
  [Symbol.asyncIterator](): SolveRun;
}

/** A model in a TRMWorker: Model's fields; its methods return promises. */
export class WorkerModel {
  readonly config: Readonly<ModelConfig>;
  readonly task: Readonly<Task>;
  readonly height: number;
  readonly width: number;
  readonly paramCount: number;
  readonly views: number;
  readonly warnings: string[];
  readonly skippedTensors: string[];
  readonly training: Training | null;
  readonly kernels: string;
  readonly freed: boolean;
  /** Solve a question (the model's height x width) pass by pass in the worker. Throws at once on bad options or a freed model. */
  solve(grid: Grid | ArcGrid, options?: WorkerSolveOptions): SolveRun;
  generateMaze(options?: { seed?: number | bigint; index?: number | bigint; kind?: number }): Promise<Maze & { kind: number | null }>;
  trainingFit(grid: Grid): Promise<TrainingFit>;
  /** Free the model in the worker; solves still running on it fail with 'freed'. Safe to call twice. */
  free(): Promise<void>;
}

export default TRM;
