// kernels.test.mjs: every kernel of the module's WASM SIMD128 set against the scalar reference
// set inside the same module (trm_web_selftest_kernels: random shapes with ragged tails, leading
// dimensions wider than rows, accumulate on/off, attention over several row blocks).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { loadTRM } from './helpers.mjs';

const trm = await loadTRM();
const TOL = 2e-5; // error = |simd - scalar| / max(1, |scalar|); summation order differs, no FMA

test('wasm128 kernels match the scalar set', { skip: trm.kernels === 'wasm128' ? false : 'this trm.wasm has no SIMD set (core/simd/wasm128.c was missing at build time)' }, () => {
  for (const seed of [1, 2, 3]) {
    const r = trm.selftestKernels({ kernels: 'wasm128', seed, trials: 25 });
    const lines = Object.entries(r.errors).map(([k, e]) => `${k} ${e.toExponential(2)}`).join(', ');
    console.log(`seed ${seed}: max ${r.max.toExponential(2)}: ${lines}`);
    for (const [k, e] of Object.entries(r.errors)) assert.ok(e <= TOL, `seed ${seed}: ${k} error ${e} > ${TOL}`);
  }
});

test('the check can fail: scalar against itself is exact, unknown sets are refused', () => {
  const r = trm.selftestKernels({ kernels: 'scalar', seed: 9, trials: 3 });
  assert.equal(r.max, 0);
  assert.throws(() => trm.selftestKernels({ kernels: 'avx512' }), { code: 'bad_argument' });
});
