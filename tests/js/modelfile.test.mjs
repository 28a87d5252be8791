// modelfile.test.mjs: the model-file reader (web/trm-model-file.js) refuses what the C reader
// refuses: a __metadata__.config without one of the keys the format writes (only task and charset
// may be left out: such a file holds a maze), a task this module does not support (named) or a
// charset that is not the task's, and names or strings with a NUL character, which C would cut
// short (a tensor "lm_head.weight\u0000junk" would be read as lm_head.weight). The bad files are
// real models with a rewritten header.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';

import { ROOT, TRMError, headerOf, loadTRM, rebuild } from './helpers.mjs';

const trm = await loadTRM();
const FILES = ['models/maze-11x11-mix.safetensors', 'tests/data/maze6_tiny.safetensors'];

function refused(bytes, pattern, code = 'bad_model') {
  const before = trm.memoryStats().heapInUse;
  assert.throws(() => trm.loadModel(bytes), (e) => {
    assert.ok(e instanceof TRMError, `expected a TRMError, got ${e}`);
    assert.equal(e.code, code, e.message);
    assert.match(e.message, pattern);
    return true;
  });
  assert.equal(trm.memoryStats().heapInUse, before, 'the refused file leaked memory');
}

// The file with its header edited by fn(header); `raw` writes every \u0000 escape as a NUL byte.
function edited(bytes, fn, { raw = false } = {}) {
  const { header } = headerOf(bytes);
  fn(header);
  const json = JSON.stringify(header);
  return rebuild(bytes, raw ? json.replaceAll('\\u0000', '\0') : json);
}

const renamed = (from, to) => (h) => {
  const e = Object.entries(h).map(([k, v]) => [k === from ? to : k, v]); // keep the order
  for (const k of Object.keys(h)) delete h[k];
  Object.assign(h, Object.fromEntries(e));
};

for (const file of FILES) {
  const bytes = new Uint8Array(readFileSync(join(ROOT, file)));
  const config = JSON.parse(headerOf(bytes).header.__metadata__.config);
  const withConfig = (fn) => edited(bytes, (h) => {
    const c = JSON.parse(h.__metadata__.config);
    fn(c);
    h.__metadata__.config = JSON.stringify(c);
  });

  describe(file, () => {
    test('the unedited file loads', () => {
      trm.loadModel(bytes).free();
    });

    test('a config without a key the format writes is refused, naming the key', () => {
      const keys = Object.keys(config).filter((k) => k !== 'charset');
      assert.ok(keys.includes('num_heads') && keys.length >= 19, `config keys: ${keys}`);
      for (const key of keys) {
        refused(withConfig((c) => { delete c[key]; }), new RegExp(`__metadata__\\.config lacks '${key}'`));
      }
      refused(withConfig((c) => { delete c.num_heads; delete c.rope_theta; }), /lacks 'num_heads', 'rope_theta'/);
    });

    test('charset may be left out (DESIGN.md §4: optional, "# SGo" is the only one)', () => {
      const m = trm.loadModel(withConfig((c) => { delete c.charset; }));
      assert.equal(m.config.charset, '# SGo');
      assert.deepEqual(m.warnings, []);
      m.free();
    });

    test('task: a file that names none holds a maze; a named one loads the same, in any key order', () => {
      assert.ok(!('task' in config), `${file} is from before tasks: the fallback is what this tests`);
      const plain = trm.loadModel(bytes);
      assert.deepEqual(plain.task, { name: 'maze', charset: '# SGo' });
      assert.equal(plain.config.task, 'maze');
      for (const order of [['task', 'charset'], ['charset', 'task']]) {
        const m = trm.loadModel(withConfig((c) => {
          delete c.charset;
          for (const k of order) c[k] = k === 'task' ? 'maze' : '# SGo';
        }));
        assert.deepEqual(m.config, plain.config, order.join(' before '));
        assert.deepEqual(m.warnings, []);
        m.free();
      }
      plain.free();
    });

    test('task: one this module does not support is named; a charset not the task\'s is refused', () => {
      refused(withConfig((c) => { c.task = 'nonogram'; c.charset = '.#'; }),
        /__metadata__\.config: the model's task 'nonogram' is not one this module supports \(maze, sudoku, arc\)/, 'unsupported_task');
      refused(withConfig((c) => { c.charset = '#.SG*'; }), /config key 'charset': "#\.SG\*" is not the charset of task 'maze'/);
      refused(withConfig((c) => { c.task = 'maze'; c.charset = '#.SG*'; }), /not the charset of task 'maze'/);
    });

    test('a tensor name with a NUL is refused by name, escaped or raw', () => {
      const name = 'lm_head.weight\u0000junk';
      refused(edited(bytes, renamed('lm_head.weight', name)), /tensor "lm_head\.weight\\u0000junk": a NUL character in its name/);
      refused(edited(bytes, renamed('lm_head.weight', name), { raw: true }),
        /header string "lm_head\.weight\\u0000junk" holds a raw NUL character/);
      // The NUL first: C would see an empty name.
      refused(edited(bytes, renamed('H_init', '\u0000H_init')), /tensor "\\u0000H_init": a NUL character/);
    });

    test('a NUL in a metadata entry or a config key or value is refused by name', () => {
      refused(edited(bytes, (h) => { h.__metadata__.format += '\u0000'; }), /__metadata__ entry "format": a NUL character in the value/);
      refused(edited(bytes, (h) => { h.__metadata__['x\u0000'] = ''; }), /__metadata__ entry "x\\u0000": a NUL character in the key/);
      refused(withConfig((c) => { c.pos_encodings += '\u0000x'; }), /config key "pos_encodings": a NUL character in its value/);
      refused(withConfig((c) => { c['num_heads\u0000x'] = 4; }), /config key "num_heads\\u0000x": a NUL character in the key/);
      refused(edited(bytes, (h) => { h.__metadata__.note = 'a\u0000b'; }, { raw: true }), /header string "a\\u0000b" holds a raw NUL/);
    });
  });
}

test('a raw NUL outside any string is named as such', () => {
  const bytes = new Uint8Array(readFileSync(join(ROOT, FILES[1])));
  const json = JSON.stringify(headerOf(bytes).header);
  refused(rebuild(bytes, `${json.slice(0, -1)}\0}`), /a NUL character at character \d+, outside any string/);
});

test('strings given to the module never carry a NUL (C would cut them short)', () => {
  const m = trm.loadModel(readFileSync(join(ROOT, FILES[1])));
  assert.throws(() => { m.kernels = 'scalar\u0000x'; }, (e) => e.code === 'bad_argument' && /contains a NUL/.test(e.message));
  assert.throws(() => trm.createModel({ 'hidden_size\u0000': 8 }), (e) => e.code === 'bad_argument' && /NUL/.test(e.message));
  m.free();
});
