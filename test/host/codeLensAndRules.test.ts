import { test } from 'node:test';
import assert from 'node:assert/strict';
import { codeLensSpecs, codeLensTitle } from '../../src/host/codeLensText';
import { diagnosticFindings, hasDeepNormBeta } from '../../src/host/diagnosticRules';
import { DEFAULT_PROBE_SETTINGS, probeConfigFor } from '../../src/host/probeConfig';
import { GPT_SOURCE, gptBlock, gptReport } from './fixtures';

test('CodeLens title: placement · depth · width, RMSNorm and unknowns spelled out', () => {
  assert.equal(codeLensTitle(gptBlock()), 'Pre-LN · 12 blocks · d=768');
  assert.equal(codeLensTitle(gptBlock({ norm: 'rmsnorm', layers: 32, dModel: 4096 })), 'Pre-LN (RMSNorm) · 32 blocks · d=4096');
  assert.equal(codeLensTitle(gptBlock({ placement: 'post', layers: null, dModel: null })), 'Post-LN · ? blocks · d=?');
  assert.equal(
    codeLensTitle(gptBlock({ placement: 'conditional', flag: { name: 'norm_first', default: false, placements: {} }, layers: 1 })),
    'Conditional on norm_first · 1 block · d=768',
  );
});

test('CodeLens sits above the block class and the model class, diagram then probe', () => {
  const specs = codeLensSpecs(gptReport());
  assert.deepEqual(specs.map((s) => [s.line, s.action]), [[3, 'diagram'], [3, 'probe'], [16, 'diagram'], [16, 'probe']]);
  assert.equal(specs[0].title, '$(type-hierarchy) Pre-LN · 12 blocks · d=768');
  assert.equal(specs[2].title, '$(type-hierarchy) GPT: Pre-LN · 12 blocks · d=768');
});

test('Post-LN deeper than the threshold warns about warm-up; shallow or Pre-LN does not', () => {
  const deep = diagnosticFindings(gptReport(gptBlock({ placement: 'post', layers: 24 })), GPT_SOURCE);
  assert.equal(deep.length, 1);
  assert.equal(deep[0].code, 'post-ln-deep');
  assert.equal(deep[0].severity, 'warning');
  assert.equal(deep[0].line, 3);
  assert.match(deep[0].message, /Post-LN with 24 blocks.*warm-up/);
  assert.deepEqual(diagnosticFindings(gptReport(gptBlock({ placement: 'post', layers: 6 })), GPT_SOURCE), []);
  assert.deepEqual(diagnosticFindings(gptReport(), GPT_SOURCE), []);
  assert.equal(diagnosticFindings(gptReport(gptBlock({ placement: 'post', layers: 8 })), GPT_SOURCE, { postLnDepthThreshold: 12 }).length, 0);
});

test('DeepNorm without β initialisation is flagged; the usual spellings of β are recognised', () => {
  assert.ok(hasDeepNormBeta('beta = (8 * num_layers) ** -0.25'));
  assert.ok(hasDeepNormBeta('self.beta = (8*args.decoder_layers)**(-1/4)'));
  assert.ok(hasDeepNormBeta('b = math.pow(8.0 * L, -0.25)'));
  assert.ok(hasDeepNormBeta('init_scale = (num_layers * 8) ** -.25'));
  assert.ok(!hasDeepNormBeta('alpha = (2 * num_layers) ** 0.25'));
  const block = gptBlock({ placement: 'deepnorm', deepnormAlpha: '(2 * num_layers) ** 0.25' });
  const findings = diagnosticFindings(gptReport(block), 'alpha = (2 * num_layers) ** 0.25');
  assert.equal(findings[0]?.code, 'deepnorm-no-beta');
  assert.match(findings[0].message, /α = \(2 \* num_layers\) \*\* 0\.25.*β = \(8L\)\^-¼/);
  assert.deepEqual(diagnosticFindings(gptReport(block), 'beta = (8 * num_layers) ** -0.25'), []);
});

test('a conditional default that differs from the config.json beside it is reported, a matching one is not', () => {
  const flag = { name: 'self.norm_first', default: false, placements: { True: 'pre' as const, False: 'post' as const } };
  // As analyzeFile leaves a block its sibling config resolved: placement decided, the key recorded.
  const resolved = gptBlock({ placement: 'pre', flag, configKeys: [{ key: 'norm_first', value: true, line: 4, file: '/m/config.json' }] });
  const findings = diagnosticFindings(gptReport(resolved), GPT_SOURCE);
  assert.equal(findings.length, 1);
  assert.equal(findings[0].code, 'conditional-config-mismatch');
  assert.equal(findings[0].severity, 'info');
  assert.match(findings[0].message, /`norm_first` defaults to False here \(Post-LN\) but config.json line 4 sets true \(Pre-LN\)/);
  const agreeing = gptBlock({ placement: 'post', layers: 4, flag, configKeys: [{ key: 'norm_first', value: false, line: 4 }] });
  assert.deepEqual(diagnosticFindings(gptReport(agreeing), GPT_SOURCE), []);
  assert.deepEqual(diagnosticFindings(gptReport(gptBlock({ placement: 'conditional', flag })), GPT_SOURCE), []);
});

test('analyzer warnings and syntax errors on a model pass through; info notes, JSON syntax and non-model files do not', () => {
  const report = { ...gptReport(), diagnostics: [
    { severity: 'warning' as const, message: 'could not resolve self.norm', line: 7 },
    { severity: 'info' as const, message: 'no transformer block found', line: 0, code: 'no-transformer' },
  ] };
  const findings = diagnosticFindings(report, GPT_SOURCE);
  assert.deepEqual(findings.map((f) => [f.code, f.line]), [['analyzer', 7]]);
  // A JSON file that is not a model config (package.json, tsconfig.json) stays silent in the editor.
  const notAModel = { file: '/p/package.json', language: 'json' as const, blocks: [], diagnostics: [
    { severity: 'warning' as const, message: 'not a Hugging Face model config', line: 0, code: 'not-a-model-config' },
  ] };
  assert.deepEqual(diagnosticFindings(notAModel, '{}'), []);
  // A Python syntax error in a model file is reported on its line: the analysis read past it.
  const broken = { ...gptReport(), diagnostics: [{ severity: 'error' as const, message: 'Syntax error: unclosed (', line: 9, code: 'syntax-error' }] };
  assert.deepEqual(diagnosticFindings(broken, GPT_SOURCE).map((f) => [f.code, f.severity, f.line]), [['analyzer', 'error', 9]]);
  const badJson = { ...gptReport(), diagnostics: [{ severity: 'error' as const, message: 'invalid JSON', line: 3, code: 'invalid-json' }] };
  assert.deepEqual(diagnosticFindings(badJson, GPT_SOURCE), []);
});

test('probe config: placement and depth from the source, sizes from settings, clamps said aloud', () => {
  const plan = probeConfigFor(gptBlock({ layers: 96 }), { ...DEFAULT_PROBE_SETTINGS, width: 70, steps: 300 });
  assert.ok(plan.ok);
  if (!plan.ok) return;
  assert.equal(plan.config.placement, 'pre');
  assert.equal(plan.config.layers, 48);
  assert.equal(plan.config.dModel, 72);
  assert.equal(plan.config.heads, 12); // the model's 12 heads divide d = 72 with 6 dims each
  assert.equal(plan.config.recordEvery, 6);
  assert.equal(plan.config.backend, 'gpujs');
  assert.equal(plan.config.seed, 0);
  assert.deepEqual(plan.notes, ['L 96 → 48 (normscope.probe.maxLayers)']);
  const narrow = probeConfigFor(gptBlock({ heads: 7 }), DEFAULT_PROBE_SETTINGS);
  assert.ok(narrow.ok && narrow.config.heads === 4 && narrow.notes.some((n) => /heads 7 → 4/.test(n)), 'the engine clamps heads to divide d');
  const post = probeConfigFor(gptBlock(), { ...DEFAULT_PROBE_SETTINGS, backend: 'cpu' }, 'post');
  assert.ok(post.ok && post.config.placement === 'post' && post.config.backend === 'cpu' && post.label === 'Post-LN');
  const unknown = probeConfigFor(gptBlock({ placement: 'unknown' }), DEFAULT_PROBE_SETTINGS);
  assert.ok(!unknown.ok && /unknown/.test(unknown.reason));
  const conditional = probeConfigFor(gptBlock({ placement: 'conditional', flag: { name: 'pre_norm', default: true, placements: { True: 'pre', False: 'post' } } }), DEFAULT_PROBE_SETTINGS);
  assert.ok(conditional.ok && conditional.config.placement === 'pre');
});
