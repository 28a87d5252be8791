// maze.test.mjs: the module's maze generator is core's, bit for bit: the hashes pinned by the
// native tests/test_maze.c (read from that file, so both stay in sync), and whole data sets
// equal to native trm-maze's CSV output when that binary is built. Verification verdicts.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';

import { ROOT, fnv1a, loadTRM, nativeTool, tokensOf } from './helpers.mjs';

const trm = await loadTRM();

describe('generation equals native', () => {
  test('hashes pinned in tests/test_maze.c', () => {
    const src = readFileSync(join(ROOT, 'tests/test_maze.c'), 'utf8');
    const re = /\{TRM_MAZE_(LEHNERT|DFS), (\d+), (\d+), (\d+), ([01]), (\d+), (\d+), 0x([0-9a-f]{16})ull\}/g;
    const pins = [...src.matchAll(re)];
    assert.ok(pins.length >= 4, `found only ${pins.length} pinned mazes in tests/test_maze.c (format changed?)`);
    for (const [, alg, h, w, minPath, unique, seed, index, want] of pins) {
      const mz = trm.generateMaze({ algorithm: alg.toLowerCase(), height: +h, width: +w, minPath: +minPath,
        unique: unique === '1', seed: BigInt(seed), index: BigInt(index) });
      const got = fnv1a(fnv1a(0xcbf29ce484222325n, tokensOf(mz.grid)), tokensOf(mz.answer)) ^ BigInt(mz.pathLength);
      assert.equal(got.toString(16).padStart(16, '0'), want, `${alg} ${h}x${w} seed ${seed} index ${index}`);
    }
  });

  const trmMaze = nativeTool('trm-maze');
  const cases = [
    ['--algorithm', 'lehnert', '--size', '9', '--count', '25', '--seed', '3'],
    ['--algorithm', 'dfs', '--height', '11', '--width', '8', '--count', '10', '--seed', '7'],
    ['--algorithm', 'lehnert', '--size', '30', '--min-path', '111', '--count', '3', '--seed', '1'],
    ['--algorithm', 'lehnert', '--height', '5', '--width', '12', '--unique', '--count', '10', '--seed', '18446744073709551615'],
  ];
  test('data sets equal native trm-maze output', { skip: trmMaze ? false : 'native trm-maze is not built (cmake --build build)' }, () => {
    for (const args of cases) {
      const csv = execFileSync(trmMaze, [...args, '--out', '-', '--quiet'], { encoding: 'utf8' });
      const rows = csv.trim().split('\n').slice(1);
      const opt = (k) => args[args.indexOf(k) + 1];
      const size = args.includes('--size') ? +opt('--size') : undefined;
      rows.forEach((row, k) => {
        const m = /^[^,]*,"([^"]*)","([^"]*)",(\d+)$/.exec(row);
        assert.ok(m, `unexpected CSV row: ${row.slice(0, 60)}`);
        const mz = trm.generateMaze({ algorithm: opt('--algorithm'), size, height: size ?? +opt('--height'),
          width: size ?? +opt('--width'), minPath: args.includes('--min-path') ? +opt('--min-path') : undefined,
          unique: args.includes('--unique'), seed: BigInt(opt('--seed')), index: k });
        assert.equal(mz.grid, m[1], `${args.join(' ')}: maze ${k} question`);
        assert.equal(mz.answer, m[2], `${args.join(' ')}: maze ${k} answer`);
        assert.equal(mz.pathLength, +m[3], `${args.join(' ')}: maze ${k} path length`);
      });
    }
  });
});

describe('verification', () => {
  const mz = trm.generateMaze({ size: 11, seed: 5, index: 2, algorithm: 'dfs' });
  test('label: valid, optimal, exact; either S/G convention; shortestPath equals it', () => {
    assert.deepEqual(trm.verify(mz, mz.answer, mz.answer),
      { valid: true, optimal: true, exact: true, length: mz.pathLength, shortest: mz.pathLength, reason: '' });
    const allO = mz.answer.replace('S', 'o').replace('G', 'o');
    assert.equal(trm.verify(mz, allO, mz.answer).exact, true);
    assert.equal(trm.verify(mz.grid, mz.answer).exact, null, 'no label: exact is null');
    assert.equal(trm.shortestPath(mz.grid), mz.answer);
    // rows joined by newlines are accepted too
    const rows = mz.grid.match(/.{11}/g).join('\n');
    assert.equal(trm.verify(rows, mz.answer).valid, true);
  });

  test('broken and detoured paths', () => {
    const i = mz.answer.indexOf('o');
    const broken = mz.answer.slice(0, i) + ' ' + mz.answer.slice(i + 1);
    const v = trm.verify(mz, broken, mz.answer);
    assert.equal(v.valid, false);
    assert.equal(v.length, null);
    assert.equal(v.shortest, mz.pathLength);
    assert.ok(v.reason.length > 0);
    // An open 3x3 room: S top-left, G top-right; a detour through the bottom row is valid, not optimal.
    const room = 'S G' + '   ' + '   ';
    const detour = 'S G' + 'o o' + 'ooo';
    const d = trm.verify(room, detour);
    assert.deepEqual([d.valid, d.optimal, d.length, d.shortest], [true, false, 6, 2]);
    assert.equal(trm.verify(room, 'SoG      ').optimal, true);
    // a non-square grid needs its shape
    const wide = { grid: 'S  G', height: 1, width: 4 };
    assert.equal(trm.verify(wide, 'SooG').optimal, true);
    assert.equal(trm.shortestPath(wide), 'SooG');
  });

  test('64-bit seeds: BigInt above 2^53 works and differs from its neighbour', () => {
    const a = trm.generateMaze({ size: 9, seed: 2n ** 63n + 5n });
    const b = trm.generateMaze({ size: 9, seed: 2n ** 63n + 6n });
    assert.notEqual(a.grid, b.grid);
    assert.equal(a.seed, 2n ** 63n + 5n);
    assert.equal(trm.generateMaze({ size: 9, seed: 12345 }).grid, trm.generateMaze({ size: 9, seed: 12345n }).grid);
  });
});
