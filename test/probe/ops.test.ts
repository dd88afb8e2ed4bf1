// The op suite on the reference backend, plus a check that the suite's oracle can tell a wrong gradient.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReferenceBackend } from '../../src/core/probe/backends/reference';
import { OP_TOLERANCE, finiteDifference, gelu64, randomArray, relativeError, rng, runOpSuite } from './opSuite';

runOpSuite('reference', () => new ReferenceBackend());

test('the finite-difference oracle rejects a GELU derivative missing its tanh-slope term', () => {
  const random = rng(11);
  const x = randomArray(32, random, 3);
  const wrong = Float64Array.from(x, (v) => 0.5 * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3))));
  const fd = finiteDifference((p) => gelu64(p).reduce((s, y) => s + y, 0), x);
  assert.ok(relativeError(wrong, fd) > 100 * OP_TOLERANCE);
});
