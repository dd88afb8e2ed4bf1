import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exportJson } from '../../src/host/exportResults';
import { gptBlock, probeResult } from './fixtures';

test('the JSON export keeps each run whole with its config, and skips runs without data', () => {
  const model = { uri: 'file:///m/gpt.py', fileName: '/m/gpt.py', blockIndex: 0, block: gptBlock() };
  const result = probeResult();
  const out = exportJson(model, [
    { runId: 'a', label: 'Pre-LN', snapshot: { step: 4, totalSteps: 4, done: true, result }, backendNote: 'cpu: asked for', error: null },
    { runId: 'b', label: 'Post-LN', snapshot: null, backendNote: null, error: 'cancelled' },
  ]);
  assert.equal(out.format, 'normscope-results');
  assert.equal(out.file, '/m/gpt.py');
  assert.equal(out.block.name, 'Block');
  assert.equal(out.runs.length, 1);
  assert.deepEqual(out.runs[0], { label: 'Pre-LN', backendNote: 'cpu: asked for', complete: true, result });
  assert.deepEqual(JSON.parse(JSON.stringify(out)).runs[0].result.config, result.config);
});
