// training.test.mjs: a model's training distribution (__metadata__.training, written by
// trm-train): parsed on load, kept by save, bad metadata warned about (the model still loads);
// model.generateMaze draws from it; model.trainingFit says how a maze differs from it.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { TINY_ATTN, loadTRM, rebuild } from './helpers.mjs';

const trm = await loadTRM();

// A 6x6 model whose file says it was trained on a mix of three kinds.
const TRAINING = {
  task: 'maze', height: 6, width: 6, source: 'csv', path_min: 6, path_max: 20,
  kinds: [
    { algorithm: 'lehnert', min_path: 6, unique: true, share: 0.5, path_min: 6, path_max: 14 },
    { algorithm: 'dfs', min_path: 6, unique: true, share: 0.3, path_min: 9, path_max: 20 },
    { algorithm: 'dfs-any', min_path: 6, unique: true, share: 0.2, path_min: 6, path_max: 18 },
  ],
};

function withTraining(training) {
  const m = trm.createModel(TINY_ATTN, { seed: 3 });
  const bytes = m.save();
  m.free();
  const hlen = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + hlen)));
  if (training !== undefined) header.__metadata__.training = typeof training === 'string' ? training : JSON.stringify(training);
  return rebuild(bytes, header);
}

describe('training metadata', () => {
  test('parsed to camelCase, frozen, and kept by save()', () => {
    const m = trm.loadModel(withTraining(TRAINING));
    assert.deepEqual(m.warnings, []);
    const t = m.training;
    assert.equal(t.pathMax, 20);
    assert.equal(t.kinds.length, 3);
    assert.deepEqual({ ...t.kinds[1] }, { algorithm: 'dfs', minPath: 6, unique: true, share: 0.3, pathMin: 9, pathMax: 20 });
    assert.ok(Object.isFrozen(t) && Object.isFrozen(t.kinds[0]));
    const again = trm.loadModel(m.save());
    assert.deepEqual(again.training, t);
    again.free();
    m.free();
  });

  test('absent: null; malformed: null with a warning naming the problem, and the model loads', () => {
    const plain = trm.loadModel(withTraining(undefined));
    assert.equal(plain.training, null);
    plain.free();
    const cases = [
      ['{oops', /not valid JSON/],
      ['[1]', /not a JSON object/],
      [{ kinds: 3 }, /"kinds" is not an array/],
      [{ kinds: [{ algorithm: 'spiral', share: 1 }] }, /'spiral' is not lehnert, dfs, dfs-any or sparse/],
      [{ kinds: [{ algorithm: 'dfs', share: 7 }] }, /share must be a number in \[0, 1\]/],
    ];
    for (const [bad, re] of cases) {
      const m = trm.loadModel(withTraining(bad));
      assert.equal(m.training, null);
      assert.equal(m.warnings.length, 1);
      assert.match(m.warnings[0], re);
      m.free();
    }
  });
});

describe('model.generateMaze', () => {
  test('draws every kind by its share, reproducibly, as trm.generateMaze would', () => {
    const m = trm.loadModel(withTraining(TRAINING));
    const counts = [0, 0, 0];
    for (let i = 0; i < 600; i++) {
      const z = m.generateMaze({ seed: 9, index: i });
      counts[z.kind]++;
      if (i < 20) {
        const k = m.training.kinds[z.kind];
        const ref = trm.generateMaze({ height: 6, width: 6, seed: 9, index: i, algorithm: k.algorithm, minPath: k.minPath, unique: k.unique });
        assert.equal(z.grid, ref.grid);
        assert.equal(z.algorithm, k.algorithm);
        assert.deepEqual(m.generateMaze({ seed: 9, index: i }), z);
      }
    }
    // shares 0.5 / 0.3 / 0.2 of 600: each within 5 standard deviations
    [0.5, 0.3, 0.2].forEach((p, k) => assert.ok(Math.abs(counts[k] - 600 * p) < 5 * Math.sqrt(600 * p * (1 - p)), `kind ${k}: ${counts[k]}`));
    assert.equal(m.generateMaze({ seed: 1, kind: 2 }).algorithm, 'dfs-any');
    assert.throws(() => m.generateMaze({ kind: 3 }), (e) => e.code === 'bad_argument');
    m.free();
  });

  test('without training metadata: random walls of the model size', () => {
    const m = trm.createModel(TINY_ATTN, { seed: 1 });
    const z = m.generateMaze({ seed: 4 });
    assert.equal(z.kind, null);
    assert.equal(z.grid, trm.generateMaze({ height: 6, width: 6, seed: 4 }).grid);
    assert.throws(() => m.generateMaze({ kind: 0 }), (e) => e.code === 'bad_argument');
    m.free();
  });
});

describe('model.trainingFit', () => {
  const m = trm.loadModel(withTraining({ ...TRAINING, path_max: 9 }));
  test('a training-like maze fits', () => {
    const z = trm.generateMaze({ height: 6, width: 6, seed: 2, minPath: 6, unique: true });
    const f = m.trainingFit(z);
    assert.equal(f.shortest, z.pathLength);
    if (z.pathLength <= 9) assert.deepEqual(f, { fits: true, shortest: z.pathLength, paths: 1, reasons: [] });
  });

  test('too long, too short, several shortest paths, unreachable: each named', () => {
    const long = 'S     ' + '##### ' + '      ' + ' #####' + '      ' + '#####G'; // a serpentine, 20 moves
    let f = m.trainingFit(long);
    assert.equal(f.fits, false);
    assert.equal(f.shortest, 20);
    assert.match(f.reasons.join(), /20 moves\) is longer than any training maze \(at most 9\)/);
    f = m.trainingFit('S     ' + '  G   ' + '      '.repeat(4)); // 3 moves, 3 shortest paths
    assert.match(f.reasons.join(), /shorter than any training maze \(at least 6\)/);
    assert.match(f.reasons.join(), /shortest paths; every training maze had one/, 'an open room has many shortest paths');
    f = m.trainingFit('S #   ' + '###   ' + '      '.repeat(3) + '     G');
    assert.deepEqual(f.reasons, ['G cannot be reached from S']);
    assert.equal(f.shortest, null);
    assert.throws(() => m.trainingFit('S G'), (e) => e.code === 'size_mismatch' || e.code === 'bad_argument');
  });

  test('countShortestPaths counts and saturates', () => {
    assert.deepEqual(trm.countShortestPaths({ grid: 'S  G', height: 2, width: 2 }), { length: 2, count: 2 });
    assert.deepEqual(trm.countShortestPaths('S' + ' '.repeat(34) + 'G', { cap: 5 }), { length: 10, count: 5 });
  });
});
