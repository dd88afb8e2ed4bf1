// Fixtures for issue 9's Keras layers and configurable layer stacks, written in the styles of public
// model code (TensorFlow model gardens; research libraries whose one class loops over layer types).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeFixture, lineContaining } from './pythonFixtures';

type Row = [name: string, placement: string, sublayers: string, norm: string | null];

function rows(report: Awaited<ReturnType<typeof analyzeFixture>>): Row[] {
  return report.blocks.map((b) => [b.name, b.placement, b.sublayers.map((s) => `${s.kind}:${s.name}:${s.placement}`).join(' '), b.norm]);
}

test('Keras layers: sublayers made in build(), the dataflow in call(), a norm_first-style flag, a tf.cast on the branch', async () => {
  const report = await analyzeFixture('keras_layers.py');
  assert.deepEqual(rows(report), [
    ['EncoderLayer', 'conditional', 'attention:_self_attention:conditional mlp:_ffn_inner:conditional', 'layernorm'],
    ['RMSDecoderLayer', 'pre', 'attention:attention:pre mlp:tf.keras.layers.Dense:pre', 'rmsnorm'],
  ]);
  const [encoder, decoder] = report.blocks;
  assert.deepEqual(encoder.flag, { name: '_normalize_first', default: false, placements: { True: 'pre', False: 'post' } });
  // The Keras model stacks the decoder layers in __init__ and normalises after its loop.
  assert.deepEqual([decoder.layers, decoder.finalNorm, decoder.model?.name], [4, true, 'Decoder']);
  assert.deepEqual(report.diagnostics.filter((d) => d.severity !== 'info'), []);
});

test('configurable layer stacks: optional per-layer norms built under flags, applied where they exist, read once per layer kind', async () => {
  const report = await analyzeFixture('layer_stack.py');
  const both = 'attention:Attention:conditional mlp:FeedForward:conditional';
  assert.deepEqual(rows(report), [
    ['LayerStack', 'conditional', both, 'layernorm'],
    // Subclasses that set other flags (causal, cross-attention) inherit the stack and its forward.
    ['CausalStack', 'conditional', both, 'layernorm'],
    ['CrossStack', 'conditional', both, 'layernorm'],
    // The norm class is chosen by use_rms, which the subclass sets.
    ['RMSStack', 'conditional', both, 'rmsnorm'],
    ['PackedNormsStack', 'conditional', both, 'layernorm'],
    // A stream merged by a module the analyzer cannot see: found, and unknown, never a guess.
    ['MixedResidualStack', 'unknown', '', null],
    // Read by the placement pass on one sublayer and without the flag; the stack reading replaces it.
    ['ImportedResidualStack', 'conditional', both, 'layernorm'],
  ]);
  const byName = new Map(report.blocks.map((b) => [b.name, b]));
  const stackFlags = [
    { name: 'norm_first', default: true, placements: { True: 'pre', False: 'post' } },
    { name: 'norm_branch_output', default: false, placements: { True: 'sandwich', False: 'pre' } },
  ];
  for (const name of ['LayerStack', 'CausalStack', 'CrossStack', 'RMSStack']) {
    const block = byName.get(name)!;
    assert.deepEqual(block.flag, stackFlags[0], name);
    assert.deepEqual(block.flags, stackFlags, name);
    // `self.final_norm = make_norm() if norm_first else nn.Identity()`: a final norm at the default.
    assert.equal(block.finalNorm, true, name);
    assert.equal(block.model?.name, name);
  }
  const packed = byName.get('PackedNormsStack')!;
  assert.deepEqual(packed.flag, { name: 'pre_norm', default: false, placements: { True: 'pre', False: 'post' } });
  assert.equal(packed.finalNorm, false);
  assert.equal(byName.get('MixedResidualStack')!.reason, `the block output is the result of GatedCombine at line ${lineContaining('layer_stack.py', 'x = mix(block(h), x)')}, not a residual sum (in the layer loop of MixedResidualStack, read once per layer kind)`);
  assert.deepEqual(byName.get('ImportedResidualStack')!.flag, { name: 'pre_norm', default: true, placements: { True: 'pre', False: 'none' } });
  // The helpers are parts, never blocks: the norm wrapper, the residual, the sublayers.
  for (const part of ['GainLayerNorm', 'RMSNorm', 'Attention', 'FeedForward', 'Residual']) assert.ok(!byName.has(part), part);
});
