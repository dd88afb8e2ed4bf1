// Fixtures for issue 9's Keras layers and configurable layer stacks, written in the styles of public
// model code (TensorFlow model gardens; research libraries whose one class loops over layer types).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeFixture } from './pythonFixtures';

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
