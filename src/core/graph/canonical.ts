// The block a probe run trains, as a BlockIR with no source behind it, so a report or panel can draw the
// diagram of a placement it only knows by name (a compared counterpart, a run loaded from JSON).

import type { BlockIR, Placement, Span, SublayerIR, VariantIR } from '../ir/model';
import type { ProbeConfig } from '../probe/types';
import { attnResGroups } from '../probe/variants/attentionResiduals';
import { hyperStreams } from '../probe/variants/hyperConnections';
import { cureWantsFinalNorm } from './variantGraph';

const NO_SOURCE: Span = { line: 0, column: 0, endLine: 0, endColumn: 0, offset: 0, endOffset: 0 };

/**
 * The probe's decoder block for this config: attention then MLP, norms implied by the placement. Any named
 * placement can be drawn, including a dilution cure the probe cannot train yet (the sweep lists those).
 */
export function canonicalBlock(
  config: Pick<ProbeConfig, 'norm' | 'layers' | 'dModel' | 'heads'> & Partial<Pick<ProbeConfig, 'attnResGroups' | 'hyperStreams' | 'hyperDynamic'>> & { placement: Placement },
): BlockIR {
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
      || config.placement === 'parallel-pre' || config.placement === 'mixed'
      || config.placement === 'residual' || cureWantsFinalNorm(config.placement),
    layers: config.layers,
    dModel: config.dModel,
    heads: config.heads,
    flag: null,
    deepnormAlpha: null,
    mixed: config.placement === 'mixed' ? { postBlocks, expression: '⌊0.25·L⌋' } : null,
    variant: probeVariant(config),
    model: null,
    normDefinitions: [],
    normUses: [],
  };
}

/** The cure's parameters as the probe trains it (its defaults where the config leaves them out). */
function probeVariant(config: Parameters<typeof canonicalBlock>[0]): VariantIR | null {
  switch (config.placement) {
    case 'hyper-connections': return { streams: hyperStreams(config), dynamic: config.hyperDynamic ?? false };
    case 'attention-residuals': {
      const groups = attnResGroups(config);
      return { groups: groups < 2 * config.layers ? groups : null };
    }
    case 'admin': return { omega: 'learned' };
    case 'layernorm-scaling': return { scale: { expression: '1/√l', layerDependent: true } };
    default: return null;
  }
}
