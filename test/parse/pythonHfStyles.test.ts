// Fixtures in the styles the labelled transformers files showed (issue 9): sublayer wrappers reached by
// index with a sliced tuple, a residual passed into the sublayers, fp16 clamps, the chunking helper, a
// config flag whose name says "layernorm", `a or b` of two flags, and the many ways a model writes its
// final norm.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeFixture } from './pythonFixtures';

type Row = [name: string, placement: string, norm: string | null, finalNorm: boolean | null];

function rows(report: Awaited<ReturnType<typeof analyzeFixture>>): Row[] {
  return report.blocks.map((b) => [b.name, b.placement, b.norm, b.finalNorm]);
}

test('sublayer wrappers, a residual passed in, fp16 clamps, chunked FFNs: each block its own placement', async () => {
  const report = await analyzeFixture('hf_sublayer_styles.py');
  assert.deepEqual(rows(report), [
    // `h, cache = first[:2]` keeps the stream; the clamp under `h.dtype == torch.float16` moves no norm;
    // `self.is_decoder and memory is not None` is false when no memory is passed; the stack's final norm
    // sits after a `raise` the analysis takes (no embedding passed), read off the source.
    ['WrapperBlock', 'pre', 'rmsnorm', true],
    // The FFN runs through apply_chunking_to_forward(self.ff_chunk, chunk, 1, h): add-and-norm in helpers.
    ['ChunkedLayer', 'post', 'layernorm', false],
    // `apply_residual_connection_post_layernorm` is a flag, not a norm; under it the stream is N(x) + F(N(x)).
    ['SkipPassingBlock', 'conditional', 'layernorm', true],
    ['ClampedPostLayer', 'post', 'layernorm', false],
    // `if new_arch or parallel:` decides from each flag; new_arch also picks what the constructor builds.
    ['TwoFlagLayer', 'conditional', 'layernorm', false],
    // `mlp_out += attn_out` under a comparison of config values changes the block's shape: no reading.
    ['CountShapedLayer', 'unknown', null, false],
  ]);
  const byName = new Map(report.blocks.map((b) => [b.name, b]));
  const skip = byName.get('SkipPassingBlock')!;
  assert.deepEqual(skip.flag, { name: 'apply_residual_connection_post_layernorm', default: null, placements: { True: 'post', False: 'pre' } });
  // The attention adds the residual itself and is inlined; the call that reached it names it.
  assert.deepEqual(skip.sublayers.map((s) => [s.kind, s.name]).slice(0, 1), [['attention', 'attention']]);
  // The tensor-parallel sliced projection and `self.proj(mixed)` share their norms: the readable side names the sublayer.
  assert.ok(!/depends on the condition/.test(skip.reason));
  const twoFlags = byName.get('TwoFlagLayer')!;
  assert.deepEqual(twoFlags.flag, { name: 'parallel', default: null, placements: { True: 'parallel-pre', False: 'pre' } });
  assert.deepEqual(twoFlags.flags?.map((f) => [f.name, f.placements.True, f.placements.False]), [['parallel', 'parallel-pre', 'pre'], ['new_arch', 'parallel-pre', 'pre']]);
  assert.match(byName.get('CountShapedLayer')!.reason, /whose two sides the analyzer cannot show to agree/);
  // The wrappers are parts of WrapperBlock (the decoder builds the cross-attention one), never blocks.
  assert.ok(!report.blocks.some((b) => b.name.startsWith('Wrapped')));
});

test('the final norm as real models write it; a model without one still says no', async () => {
  const report = await analyzeFixture('final_norm_styles.py');
  assert.deepEqual(rows(report), [
    ['TupleLayer', 'pre', 'layernorm', true],
    ['DictBlock', 'pre', 'rmsnorm', true],
    ['BackoutBlock', 'pre', 'rmsnorm', true],
    ['GroupedBlock', 'pre', 'layernorm', true],
    // SplitEncoder has no norm after its loop; SplitModel, which calls it, normalises encoder_outputs[0].
    ['SplitLayer', 'pre', 'layernorm', true],
    // The loop body is the block; HeadedModel's mlp_head starts with a LayerNorm.
    ['LoopBodyStack', 'pre', 'layernorm', true],
    // Only an embedding norm before the loop: no final norm, and the analyzer says so.
    ['BareLayer', 'post', 'layernorm', false],
  ]);
});
