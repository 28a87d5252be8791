// bad-models.test.mjs: the JavaScript model-file reader (web/trm-model-file.js and trm.js's
// loadModel) against the bad-file corpus it shares with the native reader, tests/data/bad-models/
// (manifest.json; tests/test_bad_models.c runs the same cases through native/model_io.c), so that
// the two implementations of the format cannot drift apart unnoticed.
//
// For every case of the manifest, loadModel(bytes) must
//   - refuse the file with a TRMError (any other exception is a crash of the reader) of the case's
//     code ("js"), whose message contains every keyword, and leave no memory allocated; or
//   - for an "accept" case, load it, warning with the "warning" keywords when given, else silently.
// A case's known_difference.js, where present, replaces those fields for this reader: the manifest
// records how the readers disagree today, and this test pins that too.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';

import { MANIFEST, buildCorpus, bytesEqual } from '../data/bad-models/generate.mjs';
import { ROOT, TRMError, loadTRM } from './helpers.mjs';

const DIR = join(ROOT, 'tests/data/bad-models');
const manifest = JSON.parse(readFileSync(join(DIR, MANIFEST), 'utf8'));
const trm = await loadTRM();

// The committed files are what the C test reads; they must not drift from the script that
// documents them.
test('the committed corpus is exactly what generate.mjs makes', () => {
  const { manifest: text, files } = buildCorpus();
  const rerun = 'rerun node tests/data/bad-models/generate.mjs';
  assert.equal(readFileSync(join(DIR, MANIFEST), 'utf8'), text, `${MANIFEST} is stale: ${rerun}`);
  for (const [name, bytes] of files) {
    assert.ok(bytesEqual(new Uint8Array(readFileSync(join(DIR, name))), bytes), `${name} is stale: ${rerun}`);
  }
  const unlisted = readdirSync(DIR).filter((f) => f.endsWith('.safetensors') && !files.has(f));
  assert.deepEqual(unlisted, [], 'files that no case makes');
  // An empty manifest must not pass as "nothing failed".
  assert.ok(manifest.cases.some((c) => c.accept) && manifest.cases.some((c) => !c.accept), 'both kinds of case');
});

const missing = (text, keywords) => keywords.filter((k) => !text.includes(k));

describe('every case of the manifest', () => {
  for (const c of manifest.cases) {
    const want = { ...c, ...c.known_difference?.js };
    const note = c.known_difference?.js ? ' (known difference: here)' : c.known_difference ? ' (known difference: in C)' : '';
    // Failing where a difference is pinned may mean it was fixed: then the manifest must say so.
    const hint = c.known_difference?.js ? `; if web/ now agrees with native/, drop known_difference.js of '${c.name}' in generate.mjs` : '';
    test(`${c.name}${note}`, () => {
      const bytes = new Uint8Array(readFileSync(join(DIR, c.file)));
      const warnings = [];
      const heap = trm.memoryStats().heapInUse;
      let model, error;
      try {
        model = trm.loadModel(bytes, { onWarning: (m) => warnings.push(m) });
      } catch (e) {
        error = e;
      }
      if (want.accept) {
        assert.ok(model, `refused, but it must load: ${error?.message}${hint}`);
        model.free();
        if (want.warning) assert.deepEqual(missing(warnings.join('\n'), want.warning), [], `warnings: ${warnings}${hint}`);
        else assert.deepEqual(warnings, [], `unexpected warnings${hint}`);
      } else {
        model?.free();
        assert.ok(!model, `loaded, but must be refused (${want.js})${hint}`);
        assert.ok(error instanceof TRMError, `not a TRMError: ${error?.stack ?? error}`);
        assert.equal(error.code, want.js, `${error.message}${hint}`);
        assert.deepEqual(missing(error.message, want.keywords), [], `message: ${error.message}${hint}`);
      }
      assert.equal(trm.memoryStats().heapInUse, heap, 'memory left allocated');
    });
  }
});

test('after all the refusals the module still loads the base model and solves with it', () => {
  const model = trm.loadModel(readFileSync(join(DIR, 'base.safetensors')));
  const passes = [...model.solver().solve('S   #   G', { maxSteps: 2 })];
  assert.equal(passes.length, 2);
  assert.equal(passes[1].grid.length, 9);
  model.free();
});
