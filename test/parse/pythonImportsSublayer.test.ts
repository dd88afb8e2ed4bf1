// A sublayer with its own norm and residual add in another file (OpenNMT's position-wise feed-forward):
// the block's output is that module's result, read through the import when the file is given.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { analyzeFile } from '../../src/core/parse/analyze';
import { readImportedFiles } from '../../src/node/importedFiles';
import { pythonParser } from './pythonFixtures';

const DIR = 'test/fixtures/multifile/encoder';
const LAYER = `${DIR}/encoder.py`;

test('a residual feed-forward imported from another file: both sublayers read, the file named', async () => {
  const bytes = readFileSync(LAYER);
  const importedFiles = readImportedFiles(LAYER, bytes.toString('utf8'), [DIR]);
  assert.deepEqual(importedFiles.map((f) => f.file), [`${DIR}/nets/feedforward.py`]);
  const report = analyzeFile(LAYER, bytes, await pythonParser(), { importedFiles });
  assert.deepEqual(report.blocks.map((b) => [b.name, b.placement, b.sublayers.map((s) => `${s.kind}:${s.placement}`).join(' '), b.norm, b.layers, b.finalNorm]), [
    ['EncoderLayer', 'pre', 'attention:pre mlp:pre', 'layernorm', 6, true],
  ]);
  assert.match(report.blocks[0].reason, /read from other files: ResidualFeedForward from test\/fixtures\/multifile\/encoder\/nets\/feedforward\.py/);
});

test('without that file the block is unknown, and the reason names the module it could not see into', async () => {
  const report = analyzeFile(LAYER, readFileSync(LAYER), await pythonParser());
  assert.deepEqual(report.blocks.map((b) => [b.name, b.placement]), [['EncoderLayer', 'unknown']]);
  assert.match(report.blocks[0].reason, /the block output is the result of feed_forward at line \d+, not a residual sum/);
});
