// sameKey skips building keys for values of kinds whose keys cannot meet: it must agree with comparing
// keyOf strings on every pair, including the kinds whose keys share a prefix.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClassInfo, Node } from '../../src/core/parse/python/syntax';
import type { Value } from '../../src/core/parse/python/values';
import { dependsOn, keyOf, sameKey } from '../../src/core/parse/python/values';

const at = (startIndex: number): Node => ({ startIndex }) as unknown as Node;
const cls = { name: 'Block' } as unknown as ClassInfo;

function values(): Value[] {
  const stream: Value = { k: 'stream', id: 1 };
  const norm = { k: 'normModule' as const, className: 'nn.LayerNorm', type: 'layernorm' as const, name: 'ln', node: at(7) };
  const builtin: Value = { k: 'builtin', className: 'nn.Linear', name: 'fc', node: at(9), args: [], kwargs: new Map(), id: 5 };
  return [
    stream, { k: 'stream', id: 1 }, { k: 'stream', id: 2 },
    { k: 'num', v: 1 }, { k: 'num', v: 1, text: '1' }, { k: 'bool', v: true }, { k: 'str', v: 'x' }, { k: 'none' },
    { k: 'opaque', deps: [stream], text: 'f' }, { k: 'opaque', deps: [{ k: 'stream', id: 1 }], text: 'f' },
    { k: 'add', terms: [stream, builtin], node: at(1) }, { k: 'add', terms: [builtin, stream], node: at(2) },
    { k: 'scale', factor: { k: 'num', v: 2 }, text: '2', value: stream, node: at(3) },
    { k: 'norm', norm, arg: stream, node: at(4) }, norm, { ...norm, name: 'other' },
    { k: 'apply', module: builtin as never, args: [stream], node: at(5) },
    { k: 'apply', module: { k: 'block', cls, name: 'Block' }, args: [stream], node: at(6) },
    { k: 'tuple', items: [stream] }, { k: 'tuple', items: [] },
    builtin, { k: 'instance', cls, name: 'b', attrs: new Map(), node: at(8), id: 5 }, { k: 'instance', cls, name: 'b', attrs: new Map(), node: at(8), id: 6 },
    { k: 'param', name: 'x' }, { k: 'ref', name: 'x' },
    // `i` + 'cx' and `ic` + 'x' are the same key: index and indexCmp keys can meet.
    { k: 'index', text: 'cx' }, { k: 'indexCmp', op: '<', bound: 2, indexOnLeft: true, text: 'x' }, { k: 'index', text: 'i' },
    { k: 'list', items: [], repeat: null }, { k: 'list', items: [stream], repeat: null }, { k: 'seq', items: [], name: 's', node: at(10), id: 9 },
    { k: 'dict', entries: new Map() }, { k: 'config', cls: null, fields: new Map(), name: 'c' }, { k: 'unknown', why: 'u' },
  ];
}

test('sameKey agrees with comparing keys on every pair of values', () => {
  const all = values();
  for (const a of all) {
    for (const b of all) assert.equal(sameKey(a, b), keyOf(a) === keyOf(b), `${keyOf(a)} vs ${keyOf(b)}`);
  }
  // The pairs above do meet across kinds where keys collide, so the test would see a kind test too strict.
  assert.ok(all.some((a) => all.some((b) => a.k !== b.k && keyOf(a) === keyOf(b))));
});

test('dependsOn finds a target by key, through a copy with the same key', () => {
  const x: Value = { k: 'stream', id: 3 };
  const sum: Value = { k: 'add', terms: [x, { k: 'opaque', deps: [x], text: 'f' }], node: at(1) };
  assert.equal(dependsOn({ k: 'norm', norm: { k: 'normModule', className: 'n', type: 'layernorm', name: 'n', node: at(2) }, arg: sum, node: at(3) }, { k: 'stream', id: 3 }), true);
  assert.equal(dependsOn(sum, { k: 'stream', id: 4 }), false);
});
