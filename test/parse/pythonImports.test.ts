// A model split across files (issue 9): the core names the files an import may be, the caller reads
// them, and the analyzer uses their classes, saying which came from where.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { analyzeFile } from '../../src/core/parse/analyze';
import { importCandidates } from '../../src/core/parse/python/imports';
import { readImportedFiles } from '../../src/node/importedFiles';
import { pythonParser } from './pythonFixtures';

const DIR = 'test/fixtures/multifile/model';
const BLOCK = `${DIR}/block.py`;

test('import candidates: relative from the file\'s folder, absolute from it and above, libraries never', () => {
  const source = ['import torch', 'from torch import nn', 'from .layers import RMSNorm', 'from ..common.config import (', '    Config,', ')', 'from mypkg.ops import swiglu'].join('\n');
  assert.deepEqual(importCandidates('repo/pkg/model/block.py', source), [
    'repo/pkg/model/layers.py', 'repo/pkg/model/layers/__init__.py',
    'repo/pkg/common/config.py', 'repo/pkg/common/config/__init__.py',
    'repo/pkg/model/mypkg/ops.py', 'repo/pkg/model/mypkg/ops/__init__.py', 'repo/pkg/mypkg/ops.py', 'repo/pkg/mypkg/ops/__init__.py',
    'repo/mypkg/ops.py', 'repo/mypkg/ops/__init__.py', 'mypkg/ops.py', 'mypkg/ops/__init__.py',
  ]);
});

test('a block whose base and norms are in another file: read with them, and the reason names the file', async () => {
  const bytes = readFileSync(BLOCK);
  const importedFiles = readImportedFiles(BLOCK, bytes.toString('utf8'), [DIR]);
  assert.deepEqual(importedFiles.map((f) => f.file), [`${DIR}/config.py`, `${DIR}/layers.py`]);
  const report = analyzeFile(BLOCK, bytes, await pythonParser(), { importedFiles });
  assert.deepEqual(report.blocks.map((b) => [b.name, b.placement, b.norm, b.layers, b.dModel, b.finalNorm, b.confidence ?? null]), [
    ['PostSublayerBlock', 'post-sublayer', 'rmsnorm', 24, 1024, true, null],
  ]);
  assert.match(report.blocks[0].reason, /read from other files: BaseBlock from test\/fixtures\/multifile\/model\/layers\.py, RMSNorm from test\/fixtures\/multifile\/model\/layers\.py$/);
  assert.ok(report.diagnostics.some((d) => d.code === 'imports' && d.message.includes(`${DIR}/config.py, ${DIR}/layers.py`)));
  // Classes of the imported files are used, never reported as this file's blocks.
  assert.ok(!report.blocks.some((b) => b.name === 'BaseBlock'));
});

test('without the imported files the same block is never read as having no norm', async () => {
  const report = analyzeFile(BLOCK, readFileSync(BLOCK), await pythonParser());
  assert.deepEqual(report.blocks.map((b) => [b.name, b.placement, b.confidence ?? null]), [['PostSublayerBlock', 'post-sublayer', 'low']]);
});

test('imported files outside the allowed roots are not read', () => {
  const bytes = readFileSync(BLOCK);
  assert.deepEqual(readImportedFiles(BLOCK, bytes.toString('utf8'), ['test/fixtures/python']), []);
});
