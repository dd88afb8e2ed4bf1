import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hoverMarkdown, hoverTargetAt, lastColumn, spanContains } from '../../src/host/hoverText';
import { predictForDepth } from '../../src/host/placementText';
import { downsample, sparkline } from '../../src/host/sparkline';
import { GPT_SOURCE, gptBlock, gptReport, probeResult, spanOf } from './fixtures';

/** Line and column of the first character of `needle`, as the editor would report a hover there. */
function at(needle: string, delta = 0): [number, number] {
  const span = spanOf(GPT_SOURCE, needle);
  return [span.line, span.column + delta];
}

test('spanContains is end-exclusive and spans lines', () => {
  const span = { line: 2, column: 4, endLine: 3, endColumn: 2, offset: 0, endOffset: 0 };
  assert.ok(spanContains(span, 2, 4));
  assert.ok(!spanContains(span, 2, 3));
  assert.ok(spanContains(span, 3, 1));
  assert.ok(!spanContains(span, 3, 2));
  assert.ok(!spanContains(span, 4, 0));
});

test('the innermost element wins: norm use inside a sublayer call, sublayer, definition, class header', () => {
  const report = gptReport();
  const use = hoverTargetAt(report, ...at('self.ln_1(x)', 6));
  assert.equal(use?.kind, 'normUse');
  assert.equal(use?.kind === 'normUse' && use.item.name, 'ln_1');
  const sub = hoverTargetAt(report, ...at('self.mlp(self.ln_2(x))', 5));
  assert.equal(sub?.kind === 'sublayer' && sub.item.name, 'mlp');
  const def = hoverTargetAt(report, ...at('self.ln_2 = nn.LayerNorm', 15));
  assert.equal(def?.kind === 'normDefinition' && def.item.className, 'nn.LayerNorm');
  assert.equal(hoverTargetAt(report, ...at('class Block', 7))?.kind, 'block');
  assert.equal(hoverTargetAt(report, ...at('class GPT', 7))?.kind, 'model');
  assert.equal(hoverTargetAt(report, ...at('super().__init__()')), null);
  assert.equal(hoverTargetAt(report, 1, 0), null);
});

test('Xiong band in RMS units: √(1 + L/2) … √(1 + 3L/2); dilution 1/√L', () => {
  const p = predictForDepth('pre', 12);
  assert.deepEqual(p.band, { low: Math.sqrt(7), high: Math.sqrt(19) });
  assert.equal(p.warmupNeeded, false);
  assert.match(p.lines[0], /between 2\.65 and 4\.36/);
  assert.match(p.lines[1], /1\/√12 ≈ 0\.29/);
  assert.equal(predictForDepth('post', 24).warmupNeeded, true);
  assert.match(predictForDepth('deepnorm', 8).lines[0], /≈ 2\.00 .*≈ 0\.354/); // (16)^¼ = 2, (64)^-¼ = 0.3536
});

test('hover on a block without a probe: placement, equation, prediction, invitation to probe', () => {
  const report = gptReport();
  const md = hoverMarkdown(hoverTargetAt(report, ...at('class Block'))!);
  assert.match(md, /\*\*Pre-LN\*\* \(LayerNorm\) · 12 blocks · d=768/);
  assert.match(md, /x ← x \+ F\(N\(x\)\)/);
  assert.match(md, /Predicted at initialisation\*\* \(L=12\)/);
  assert.match(md, /Warm-up: not needed/);
  assert.match(md, /Probe Model Under Cursor/);
  assert.doesNotMatch(md, /Measured/);
});

test('hover after a probe: last-step numbers by layer with sparklines; the sublayer adds its own gradient', () => {
  const report = gptReport();
  const target = hoverTargetAt(report, ...at('self.attn(self.ln_1(x))', 5))!;
  const md = hoverMarkdown(target, { result: probeResult(), label: 'Pre-LN' });
  assert.match(md, /\*\*Measured\*\* \(Pre-LN, probe L=3, d=16, cpu, step 4\)/);
  assert.match(md, /residual norm ‖x_l‖\/√d by layer `▁▃▆█` first 1\.000, last 1\.660/);
  assert.match(md, /grad ‖∇W_O‖ \(attention out\) by layer `██▁` first 0\.100, last 0\.050/);
  assert.match(md, /loss over steps `█▄▁` 2\.770 → 2\.300/);
  assert.doesNotMatch(md, /∇W_2/);
});

test('conditional blocks list both readings of their flag', () => {
  const block = gptBlock({ placement: 'conditional', flag: { name: 'norm_first', default: false, placements: { True: 'pre', False: 'post' } } });
  const md = hoverMarkdown(hoverTargetAt(gptReport(block), ...at('class Block'))!);
  assert.match(md, /Flag `norm_first` \(default false\): norm_first=True → Pre-LN; norm_first=False → Post-LN/);
  assert.match(md, /Warm-up: needed/); // the default reading is Post-LN
});

test('sparkline scales min→max, shows gaps for non-finite values; downsample keeps ends', () => {
  assert.equal(sparkline([0, 1, 2, 3, 4, 5, 6, 7]), '▁▂▃▄▅▆▇█');
  assert.equal(sparkline([1, NaN, null, 2]), '▁  █');
  assert.equal(sparkline([5, 5]), '▄▄');
  assert.equal(sparkline([]), '');
  assert.deepEqual(downsample([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 4), [0, 3, 6, 9]);
  assert.deepEqual(lastColumn([[1, 2], [3], []]), [2, 3, null]);
});
