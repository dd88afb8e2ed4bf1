// Fixtures written in the styles of public model code (issue 9): norms injected, built or looked up,
// residual branches through drop-path and layer scale, families of blocks in one file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeFixture, lineContaining, linesContaining } from './pythonFixtures';

type Row = [name: string, placement: string, sublayers: string, norm: string | null, confidence: string | null];

function rows(report: Awaited<ReturnType<typeof analyzeFixture>>): Row[] {
  return report.blocks.map((b) => [b.name, b.placement, b.sublayers.map((s) => `${s.kind}:${s.name}:${s.placement}`).join(' '), b.norm, b.confidence ?? null]);
}

test('norm_layer arguments, partial(nn.LayerNorm), drop-path, layer scale: every block of the family, each its own placement', async () => {
  const report = await analyzeFixture('injected_norm_layer.py');
  assert.deepEqual(rows(report), [
    ['Block', 'pre', 'attention:attn:pre mlp:mlp:pre', 'layernorm', null],
    ['ResPostBlock', 'post-sublayer', 'attention:attn:post-sublayer mlp:mlp:post-sublayer', 'layernorm', null],
    ['ParallelBlock', 'pre', 'attention:Attention:pre mlp:Mlp:pre', 'layernorm', null],
  ]);
  const [block] = report.blocks;
  // The stacked Block reads its depth and width off the model, and `self.norm = norm_layer(embed_dim)` is the final norm.
  assert.deepEqual([block.layers, block.dModel, block.finalNorm, block.model?.name], [12, 768, true, 'VisionTransformer']);
  // The parallel attentions built in a loop are parts of ParallelBlock, not a stack of two blocks.
  assert.equal(report.blocks[2].layers, null);
});

test('norms from a class method, a helper, a config object, a chosen class, a registry or the caller', async () => {
  const report = await analyzeFixture('built_norms.py');
  assert.deepEqual(rows(report), [
    ['ConfigBuiltBlock', 'pre', 'attention:attn:pre mlp:ff:pre', 'layernorm', null],
    // A helper, config attribute or argument not named like a class does not state the type: undecided.
    ['HelperBuiltBlock', 'post', 'attention:self_attn:post mlp:mlp:post', null, 'low'],
    ['ConfigObjectBlock', 'pre', 'attention:attention:pre mlp:feed_forward:pre', null, 'low'],
    ['ChosenClassBlock', 'post-sublayer', 'attention:attn:post-sublayer mlp:mlp:post-sublayer', 'layernorm', null],
    // The registry key names the kind: NORM_REGISTRY['low_precision_layernorm'].
    ['RegistryBlock', 'pre', 'attention:attn:pre mlp:ffn:pre', 'layernorm', 'low'],
    ['PassedInBlock', 'pre', 'attention:attn:pre mlp:mlp:pre', null, 'low'],
    ['HiddenStepBlock', 'unknown', '', null, null],
  ]);
  const byName = new Map(report.blocks.map((b) => [b.name, b]));
  // Lower confidence says what it rests on, once per reason.
  assert.match(byName.get('HelperBuiltBlock')!.reason, /lower confidence: get_norm is not in this file; its name says it builds a norm; norm type not decided: get_norm is not a class name/);
  assert.match(byName.get('PassedInBlock')!.reason, /sa_norm defaults to None \(an identity\) but is the norm the caller passes in/);
  // An unresolved call on an un-normalised branch is never read as "no norm".
  assert.match(byName.get('HiddenStepBlock')!.reason, /goes through `prepare\(…\)`, which the analyzer could not resolve \(it may be a norm\)/);
});

test('residual branches through layer scale, drop-path, checkpoint, torch.add, add_, sum([...]), transposes, an MoE, a fused split', async () => {
  const report = await analyzeFixture('residual_paths.py');
  assert.deepEqual(rows(report), [
    ['LayerScaleBlock', 'pre', 'attention:attn:pre mlp:mlp:pre', 'layernorm', null],
    ['CheckpointedBlock', 'pre', 'attention:attn:pre mlp:mlp:pre', 'layernorm', null],
    ['InPlaceBlock', 'post', 'attention:attn:post mlp:mlp:post', 'layernorm', null],
    ['SummedParallelBlock', 'parallel-pre', 'attention:attn:parallel-pre mlp:mlp:parallel-pre', 'layernorm', null],
    ['MoEBlock', 'pre', 'attention:attention:pre mlp:moe:pre', 'rmsnorm', null],
    ['FusedParallelBlock', 'parallel-pre', 'attention:attn_out:parallel-pre mlp:mlp_out:parallel-pre', 'layernorm', null],
  ]);
  // The router's experts are parts of one block, not a stack; the Router itself is no block.
  assert.ok(!report.blocks.some((b) => b.name === 'Router' || b.name === 'FeedForward'));
});

test('a family of blocks: base, overriding and inheriting subclasses, helper dispatch and a flag-chosen forward', async () => {
  const report = await analyzeFixture('block_family.py');
  assert.deepEqual(rows(report), [
    ['BaseBlock', 'pre', 'attention:attention:pre mlp:mlp:pre', 'layernorm', null],
    ['ReorderedBlock', 'post-sublayer', 'attention:attention:post-sublayer mlp:mlp:post-sublayer', 'layernorm', null],
    ['PeriNormBlock', 'sandwich', 'attention:attention:sandwich mlp:mlp:sandwich', 'layernorm', null],
    ['WiderBlock', 'pre', 'attention:attention:pre mlp:mlp:pre', 'layernorm', null],
    ['SwitchableBlock', 'conditional', 'attention:attention:conditional mlp:mlp:conditional', 'layernorm', null],
  ]);
  const switchable = report.blocks[4];
  assert.deepEqual(switchable.flag, { name: 'norm_first', default: true, placements: { True: 'pre', False: 'post' } });
  // BaseBlock.build(config) in the model's loop builds each kind it can return: all three are stacked.
  assert.deepEqual(report.blocks.slice(0, 3).map((b) => [b.layers, b.finalNorm, b.model?.name]), [[10, true, 'Model'], [10, true, 'Model'], [10, true, 'Model']]);
});

test('blocks written as functions: norm and sublayers are functions, depth and final norm from the stacking function', async () => {
  const report = await analyzeFixture('function_blocks.py');
  assert.deepEqual(rows(report), [
    ['residual_block', 'pre', 'attention:self_attention:pre mlp:feed_forward:pre', 'layernorm', null],
    ['post_norm_block', 'post', 'attention:self_attention:post mlp:feed_forward:post', 'layernorm', null],
  ]);
  assert.deepEqual(report.blocks.map((b) => [b.layers, b.finalNorm]), [[12, true], [null, null]]);
  // layer_norm is read as a norm from what it computes, and is not itself reported.
  assert.ok(!report.blocks.some((b) => b.name === 'layer_norm' || b.name === 'model'));
});

test('PyTorch transformer layers built at module level, in a function and as an argument', async () => {
  const report = await analyzeFixture('torch_builtin_anywhere.py');
  assert.deepEqual(report.blocks.map((b) => [b.name, b.placement, b.layers, b.dModel, b.finalNorm, b.flag?.name ?? null]), [
    ['nn.TransformerEncoderLayer', 'post', null, 128, null, null],
    ['nn.TransformerEncoderLayer', 'conditional', 6, 256, true, 'norm_first'],
    ['nn.TransformerDecoderLayer', 'pre', 3, 128, false, null],
  ]);
});

test('syntax errors: every sublayer whose statements parsed is read; unknown only for what the error hides', async () => {
  const f = 'syntax_errors_in_blocks.py';
  const report = await analyzeFixture(f);
  const errors = report.diagnostics.filter((d) => d.code === 'syntax-error').map((d) => d.line);
  // The second forward's MLP line lost its closing parenthesis; the third ends in a dangling `+`, which
  // tree-sitter reports at the `return` that follows it.
  assert.deepEqual(errors, [lineContaining(f, 'nn.Linear(4 * dim dim)'), linesContaining(f, 'x = x + self.mlp(self.ln_2(x)')[1], lineContaining(f, 'x = self.norm2(x + self.mlp(x)) +') + 1]);
  assert.deepEqual(rows(report), [
    ['BrokenInitBlock', 'pre', 'attention:attn:pre mlp:mlp:pre', 'layernorm', null],
    ['BrokenForwardBlock', 'unknown', `attention:attn:pre other:line ${errors[1]}:unknown`, 'layernorm', null],
    ['HalfWrittenBlock', 'unknown', `attention:attn:post mlp:mlp:post other:line ${errors[2]}:unknown`, 'layernorm', null],
  ]);
  assert.equal(report.blocks[1].reason, `the statements from line ${errors[1]} are hidden by a syntax error there`);
});

test('a block with many flags: every flag that moves a norm, with its default and both readings', async () => {
  const report = await analyzeFixture('many_flags.py');
  assert.equal(report.blocks.length, 1);
  const [block] = report.blocks;
  assert.equal(block.placement, 'conditional');
  assert.deepEqual(block.flag, { name: 'pre_norm', default: true, placements: { True: 'pre', False: 'post' } });
  // shift_tokens, layer_scale and gated_mlp come first in the forward but move no norm.
  assert.deepEqual(block.flags, [
    { name: 'pre_norm', default: true, placements: { True: 'pre', False: 'post' } },
    { name: 'sandwich_norm', default: false, placements: { True: 'sandwich', False: 'pre' } },
  ]);
  assert.match(block.reason, /also on sandwich_norm \(line \d+, default false\): sandwich when true, pre when false$/);
});
