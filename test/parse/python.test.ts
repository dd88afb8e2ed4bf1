import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeFixture, assertBlock, columnOf, lineContaining, linesContaining, onlyBlock } from './pythonFixtures';

test('nanoGPT: x = x + self.attn(self.ln_1(x)) is pre, 12 layers, final ln_f', async () => {
  const report = await analyzeFixture('nanogpt_pre.py');
  const block = onlyBlock(report);
  assertBlock(block, {
    name: 'Block', placement: 'pre', norm: 'layernorm', layers: 12, dModel: 768, heads: 12, finalNorm: true,
    sublayers: [['attention', 'attn', 'pre'], ['mlp', 'mlp', 'pre']],
  });
  const f = 'nanogpt_pre.py';
  assert.equal(block.line, lineContaining(f, 'class Block('));
  assert.equal(block.model?.name, 'GPT');
  assert.equal(block.sublayers[0].line, lineContaining(f, 'x = x + self.attn(self.ln_1(x))'));
  assert.deepEqual(block.sublayers.map((s) => s.norms), [['ln_1'], ['ln_2']]);
  // The file's own LayerNorm class is recognised from F.layer_norm in its forward.
  assert.deepEqual(block.normDefinitions.map((d) => [d.name, d.type, d.className, d.span.line]), [
    ['ln_1', 'layernorm', 'LayerNorm', lineContaining(f, 'self.ln_1 = LayerNorm')],
    ['ln_2', 'layernorm', 'LayerNorm', lineContaining(f, 'self.ln_2 = LayerNorm')],
  ]);
  assert.deepEqual(block.normUses.map((u) => [u.name, u.role, u.span.line]), [
    ['ln_1', 'sublayer-input', lineContaining(f, 'self.ln_1(x))')],
    ['ln_2', 'sublayer-input', lineContaining(f, 'self.ln_2(x))')],
  ]);
  const use = block.normUses[0].span;
  assert.equal(use.column, columnOf(f, 'self.ln_1(x)'));
  assert.equal(use.endOffset - use.offset, 'self.ln_1(x)'.length);
  assert.deepEqual(report.diagnostics, []);
});

test('LLaMA: residual variable, tuple-returning attention and an RMSNorm class recognised by its forward', async () => {
  const report = await analyzeFixture('llama_residual.py');
  const block = onlyBlock(report);
  assertBlock(block, {
    name: 'LlamaDecoderLayer', placement: 'pre', norm: 'rmsnorm', layers: 32, dModel: 4096, heads: 32, finalNorm: true,
    sublayers: [['attention', 'self_attn', 'pre'], ['mlp', 'mlp', 'pre']],
  });
  assert.equal(block.model?.name, 'LlamaModel');
  // post_attention_layernorm reads the stream before the MLP: a pre-MLP norm, whatever its name says.
  assert.deepEqual(block.sublayers.map((s) => s.norms), [['input_layernorm'], ['post_attention_layernorm']]);
  assert.deepEqual(block.normDefinitions.map((d) => d.className), ['LlamaRMSNorm', 'LlamaRMSNorm']);
  assert.deepEqual(block.normUses.map((u) => u.span.line), [
    lineContaining('llama_residual.py', 'hidden_states = self.input_layernorm(hidden_states)'),
    lineContaining('llama_residual.py', 'hidden_states = self.post_attention_layernorm(hidden_states)'),
  ]);
});

test('BERT: add-and-norm in helper classes bound to (hidden, input_tensor) is post, no final norm', async () => {
  const report = await analyzeFixture('bert_post.py');
  const block = onlyBlock(report);
  assertBlock(block, {
    name: 'BertLayer', placement: 'post', norm: 'layernorm', layers: 12, dModel: 768, heads: 12, finalNorm: false,
    sublayers: [['attention', 'BertSelfAttention', 'post'], ['mlp', 'intermediate', 'post']],
  });
  const addAndNorm = linesContaining('bert_post.py', 'hidden_states = self.LayerNorm(hidden_states + input_tensor)');
  assert.equal(addAndNorm.length, 2);
  assert.deepEqual(block.normUses.map((u) => [u.name, u.role, u.span.line]), addAndNorm.map((line) => ['LayerNorm', 'residual-sum', line]));
  assert.deepEqual(block.sublayers.map((s) => s.line), [
    // The attention's add-and-norm is inlined from two helper classes; the line is the block's own call.
    lineContaining('bert_post.py', 'self_attention_outputs = self.attention(hidden_states, attention_mask)'),
    lineContaining('bert_post.py', 'intermediate_output = self.intermediate(attention_output)'),
  ]);
  assert.equal(block.model?.name, 'BertEncoder');
});
