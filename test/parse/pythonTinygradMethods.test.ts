// tinygrad-style tensor methods (issue 9, held-out set B): `.dropout(p)`, `.contiguous_backward()`,
// `.realize()`, `.cast(...)` keep the stream as their module forms do; an unknown method still does not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeFixture, blockRows as rows } from './pythonFixtures';

test('dropout, scheduling and dtype written as tensor methods keep the residual stream; an unknown method is not assumed to', async () => {
  const report = await analyzeFixture('tinygrad_method_ops.py');
  assert.deepEqual(rows(report), [
    ['MethodOpsBlock', 'pre', 'attention:attention:pre mlp:feed_forward:pre', 'rmsnorm', null],
    ['UnknownMethodBlock', 'unknown', '', null, null],
  ]);
  assert.match(report.blocks[1].reason, /goes through `\.scatter_mix\(\)`, which the analyzer does not follow/);
});
