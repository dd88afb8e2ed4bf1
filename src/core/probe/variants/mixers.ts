// The stream-mixing cures wired into the probe model: which placements use a StreamMixer, their
// parameters and state, and the block loop that runs the ordinary branches between a mixer's input()
// and combine() (forward) and back (backward). Shapes as in ../modelForward.ts.

import type { ProbeBackend } from '../backend';
import type { BackwardScratch } from '../modelBackward';
import { attentionBranchBackward, mlpBranchBackward, normBackward } from '../modelBackward';
import type { ForwardState } from '../modelForward';
import { attentionBranch, inputNorm, mlpBranch } from '../modelForward';
import type { Allocate, ModelParams } from '../modelParams';
import type { ProbeConfig } from '../types';
import { AttentionResidualsMixer, attentionResidualParams } from './attentionResiduals';
import { DenseformerMixer, denseformerParams } from './denseformer';
import { HyperConnectionsMixer, hyperConnectionsParams } from './hyperConnections';
import type { MixerParams, ParamFactory, StreamMixer } from './mixer';
import { ResidualMixer, residualParams } from './resiDual';

const MIXED = ['denseformer', 'hyper-connections', 'residual', 'attention-residuals'] as const;

export function usesMixer(placement: string): placement is MixerParams['kind'] {
  return (MIXED as readonly string[]).includes(placement);
}

export function createMixerParams(config: ProbeConfig, factory: ParamFactory): MixerParams {
  switch (config.placement) {
    case 'denseformer': return denseformerParams(config, factory);
    case 'hyper-connections': return hyperConnectionsParams(config, factory);
    case 'residual': return residualParams(config, factory);
    case 'attention-residuals': return attentionResidualParams(config, factory);
    default: throw new Error(`${config.placement} does not mix streams`);
  }
}

export function createMixer(backend: ProbeBackend, params: ModelParams, mixer: MixerParams, allocate: Allocate): StreamMixer {
  const { batch, seq, dModel: c, layers } = params.config;
  const size = { n: batch * seq, c, layers, allocate };
  switch (mixer.kind) {
    case 'denseformer': return new DenseformerMixer(mixer, size);
    case 'hyper-connections': return new HyperConnectionsMixer(mixer, size);
    case 'residual': return new ResidualMixer(backend, mixer, size);
    case 'attention-residuals': return new AttentionResidualsMixer(mixer, size);
  }
}

/** The blocks of a mixed model: returns what the final norm reads. */
export function mixedBlocksForward(backend: ProbeBackend, params: ModelParams, state: ForwardState, mixer: StreamMixer, skipBlock?: number): Float32Array {
  const { batch: b, seq: t, dModel: c, heads: h } = params.config;
  const n = b * t;
  mixer.begin(state.x0);
  for (const [index, block] of state.blocks.entries()) {
    const p = block.params;
    if (index === skipBlock) {
      mixer.combine(2 * index, null);
      mixer.combine(2 * index + 1, null);
    } else {
      const { attn, mlp } = block;
      attn.x = mixer.input(2 * index);
      inputNorm(backend, p.attnIn, attn, attn.x, n, c);
      attentionBranch(backend, p, attn, b, t, c, h);
      mixer.combine(2 * index, attn.f);
      mlp.x = mixer.input(2 * index + 1);
      inputNorm(backend, p.mlpIn, mlp, mlp.x, n, c);
      mlpBranch(backend, p, mlp, n, c);
      mixer.combine(2 * index + 1, mlp.f);
    }
    block.input = mixer.blockStream(index);
    block.output = mixer.blockStream(index + 1);
  }
  return mixer.output();
}

/** From ∂loss/∂output() in scratch.stream to ∂loss/∂x₀ in scratch.stream. */
export function mixedBlocksBackward(backend: ProbeBackend, params: ModelParams, state: ForwardState, mixer: StreamMixer, scratch: BackwardScratch): void {
  const { batch: b, seq: t, dModel: c, heads: h } = params.config;
  const n = b * t;
  mixer.outputBackward(scratch.stream);
  for (let k = 2 * state.blocks.length - 1; k >= 0; k--) {
    const block = state.blocks[k >> 1];
    const isAttn = k % 2 === 0;
    const sublayer = isAttn ? block.attn : block.mlp;
    const dg = mixer.combineBackward(k);
    if (isAttn) attentionBranchBackward(backend, block.params, sublayer, scratch, dg, b, t, c, h, false);
    else mlpBranchBackward(backend, block.params, sublayer, scratch, dg, n, c, false);
    const inNorm = isAttn ? block.params.attnIn : block.params.mlpIn;
    const target = mixer.inputGradient(k);
    if (inNorm && sublayer.inNorm) {
      normBackward(backend, inNorm, sublayer.inNorm, target ?? scratch.ds, scratch.du, sublayer.x, n, c, target !== null);
      if (!target) mixer.inputBackward(k, scratch.ds);
    } else if (target) {
      for (let i = 0; i < n * c; i++) target[i] += scratch.du[i];
    } else {
      mixer.inputBackward(k, scratch.du);
    }
  }
  scratch.stream.set(mixer.beginBackward());
}
