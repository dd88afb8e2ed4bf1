// Hand-written IR for a nanoGPT-style Pre-LN block, with spans computed from the source text itself so
// positions are the analyzer's (1-based lines, UTF-16 columns), plus a small probe result.

import type { BlockIR, FileReport, Span } from '../../src/core/ir/model';
import type { ProbeConfig, ProbeResult } from '../../src/core/probe/types';

export const GPT_SOURCE = `import torch.nn as nn

class Block(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.ln_1 = nn.LayerNorm(config.n_embd)
        self.attn = CausalSelfAttention(config)
        self.ln_2 = nn.LayerNorm(config.n_embd)
        self.mlp = MLP(config)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        x = x + self.mlp(self.ln_2(x))
        return x

class GPT(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.h = nn.ModuleList([Block(config) for _ in range(config.n_layer)])
        self.ln_f = nn.LayerNorm(config.n_embd)
`;

/** The span of the `occurrence`-th match of `needle` in `source` (single-line needles). */
export function spanOf(source: string, needle: string, occurrence = 0): Span {
  let offset = -1;
  for (let i = 0; i <= occurrence; i++) offset = source.indexOf(needle, offset + 1);
  if (offset < 0) throw new Error(`fixture: '${needle}' not found`);
  const before = source.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - (before.lastIndexOf('\n') + 1);
  return { line, column, endLine: line, endColumn: column + needle.length, offset, endOffset: offset + needle.length };
}

function classSpan(source: string, header: string, lastLine: string): Span {
  const start = spanOf(source, header);
  const end = spanOf(source, lastLine);
  return { ...start, endLine: end.endLine, endColumn: end.endColumn, endOffset: end.endOffset };
}

export function gptBlock(overrides: Partial<BlockIR> = {}): BlockIR {
  const s = GPT_SOURCE;
  return {
    name: 'Block',
    line: 3,
    span: classSpan(s, 'class Block(nn.Module):', 'return x'),
    placement: 'pre',
    reason: 'ln_1 and ln_2 read the stream before attn and mlp; the sum is not normalised',
    sublayers: [
      { kind: 'attention', name: 'attn', placement: 'pre', line: 12, span: spanOf(s, 'self.attn(self.ln_1(x))'), norms: ['ln_1'], reason: 'ln_1 feeds attn' },
      { kind: 'mlp', name: 'mlp', placement: 'pre', line: 13, span: spanOf(s, 'self.mlp(self.ln_2(x))'), norms: ['ln_2'], reason: 'ln_2 feeds mlp' },
    ],
    norm: 'layernorm',
    finalNorm: true,
    layers: 12,
    dModel: 768,
    heads: 12,
    flag: null,
    model: { name: 'GPT', span: classSpan(s, 'class GPT(nn.Module):', 'self.ln_f = nn.LayerNorm(config.n_embd)') },
    normDefinitions: [
      { name: 'ln_1', type: 'layernorm', className: 'nn.LayerNorm', span: spanOf(s, 'self.ln_1 = nn.LayerNorm(config.n_embd)') },
      { name: 'ln_2', type: 'layernorm', className: 'nn.LayerNorm', span: spanOf(s, 'self.ln_2 = nn.LayerNorm(config.n_embd)') },
    ],
    normUses: [
      { name: 'ln_1', role: 'sublayer-input', span: spanOf(s, 'self.ln_1(x)') },
      { name: 'ln_2', role: 'sublayer-input', span: spanOf(s, 'self.ln_2(x)') },
    ],
    ...overrides,
  };
}

export function gptReport(block: BlockIR = gptBlock()): FileReport {
  return { file: '/models/gpt.py', language: 'python', blocks: [block], diagnostics: [] };
}

export const PROBE_CONFIG: ProbeConfig = {
  placement: 'pre', norm: 'layernorm', layers: 3, dModel: 16, heads: 2, seq: 8, batch: 2, vocab: 16,
  steps: 4, recordEvery: 2, lr: 1e-3, warmup: 0, seed: 0, backend: 'cpu',
};

/** Three layers, three recorded steps; residual norms grow with depth as Pre-LN's do. */
export function probeResult(): ProbeResult {
  return {
    config: PROBE_CONFIG,
    metrics: {
      steps: [0, 2, 4],
      residualNorm: [[1, 1, 1], [1.2, 1.21, 1.22], [1.4, 1.42, 1.44], [1.6, 1.63, 1.66]],
      sumNorm: [[null, null, null], [null, null, null], [null, null, null], [null, null, null]],
      contribution: [[0.6, 0.6, 0.61], [0.45, 0.46, 0.47], [0.38, 0.39, 0.4]],
      gradNorm: [[0.3, 0.2, 0.1], [0.25, 0.2, 0.15], [0.2, 0.18, 0.12]],
      gradNormAttnOut: [[0.1, 0.1, 0.1], [0.1, 0.1, 0.1], [0.1, 0.1, 0.05]],
      gradNormMlpOut: [[0.2, 0.15, 0.05], [0.2, 0.15, 0.1], [0.15, 0.1, 0.08]],
      cosine: [[0.8, 0.8, 0.8], [0.85, 0.85, 0.86], [0.9, 0.9, 0.9]],
      loss: [2.77, 2.5, 2.3],
      lr: [1e-3, 1e-3, 1e-3],
    },
    diverged: null,
    clamped: [],
  };
}
