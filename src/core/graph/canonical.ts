// The block a probe run trains, as a BlockIR with no source behind it, so a report or panel can draw the
// diagram of a placement it only knows by name (a compared counterpart, a run loaded from JSON).

import type { BlockIR, Span, SublayerIR } from '../ir/model';
import type { ProbeConfig } from '../probe/types';

const NO_SOURCE: Span = { line: 0, column: 0, endLine: 0, endColumn: 0, offset: 0, endOffset: 0 };

/** The probe's decoder block for this config: attention then MLP, norms implied by the placement. */
export function canonicalBlock(config: Pick<ProbeConfig, 'placement' | 'norm' | 'layers' | 'dModel' | 'heads'>): BlockIR {
  const sublayer = (kind: 'attention' | 'mlp', name: string): SublayerIR => ({
    kind, name, placement: config.placement, line: 0, span: NO_SOURCE, norms: [], reason: 'implied',
  });
  const postBlocks = Math.floor(0.25 * config.layers);
  return {
    name: 'probe block',
    line: 0,
    span: NO_SOURCE,
    placement: config.placement,
    reason: '',
    sublayers: [sublayer('attention', 'attn'), sublayer('mlp', 'mlp')],
    norm: config.norm,
    finalNorm: config.placement === 'pre' || config.placement === 'sandwich'
      || config.placement === 'parallel-pre' || config.placement === 'mixed',
    layers: config.layers,
    dModel: config.dModel,
    heads: config.heads,
    flag: null,
    deepnormAlpha: null,
    mixed: config.placement === 'mixed' ? { postBlocks, expression: '⌊0.25·L⌋' } : null,
    model: null,
    normDefinitions: [],
    normUses: [],
  };
}
