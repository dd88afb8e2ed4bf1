// A hand-written SweepResult for view and output tests: numbers chosen so each chart's positions can be
// checked against them (Pre-LN's last contribution falling like 1/√L, Post-LN's flat, one run diverged).

import type { SweepPoint, SweepResult } from '../../src/core/probe/sweep';
import { lastThirdShare } from '../../src/core/probe/sweep';
import { DEFAULT_PROBE_CONFIG } from '../../src/core/probe/probeConfig';
import { stallThreshold } from '../../src/core/probe/stall';
import type { ProbePlacement } from '../../src/core/probe/types';

function point(placement: ProbePlacement, layers: number, finalLoss: number, init: number, final: number, importance: number[] | null): SweepPoint {
  return {
    placement, layers, finalLoss, lastContributionInit: init, lastContributionFinal: final,
    lastThirdShare: importance ? lastThirdShare(importance) : null, lastImportance: importance?.at(-1) ?? null,
    layerImportance: importance, diverged: null, cancelled: false, steps: 100, totalSteps: 100, seconds: layers / 2,
  };
}

/** Importance falling linearly from `first` to `last` over L blocks. */
const ramp = (L: number, first: number, last: number): number[] => Array.from({ length: L }, (_, l) => first + ((last - first) * l) / Math.max(1, L - 1));

export function fixtureSweep(withImportance: boolean): SweepResult {
  const imp = (L: number, first: number, last: number): number[] | null => (withImportance ? ramp(L, first, last) : null);
  const { placement: _p, layers: _l, ...base } = { ...DEFAULT_PROBE_CONFIG, steps: 100 };
  const diverged: SweepPoint = { ...point('post', 48, 0, 0.6, 0, null), finalLoss: null, lastContributionFinal: null, diverged: { step: 40, what: 'loss' } };
  return {
    source: { file: 'examples/gpt_pre_ln.py', block: 'Block', line: 50, placement: 'pre' },
    base,
    placements: ['pre', 'post', 'layernorm-scaling'],
    layers: [6, 12, 24, 48],
    points: [
      point('pre', 6, 1.8, 0.4, 0.35, imp(6, 0.4, 0.1)),
      point('pre', 12, 1.7, 0.3, 0.25, imp(12, 0.4, 0.05)),
      point('pre', 24, 1.65, 0.2, 0.18, imp(24, 0.4, 0.02)),
      point('pre', 48, 1.6, 0.14, 0.12, imp(48, 0.4, 0.01)),
      point('post', 6, 1.75, 0.62, 0.6, imp(6, 0.3, 0.3)),
      point('post', 12, 1.72, 0.61, 0.58, imp(12, 0.3, 0.3)),
      point('post', 24, 1.9, 0.6, 0.55, imp(24, 0.3, 0.3)),
      diverged,
    ],
    skipped: [{ placement: 'layernorm-scaling', reason: 'the probe engine cannot train it yet, so it has no points' }],
    failed: [],
    cancelled: false,
    optimalLoss: 1.23,
    concurrency: 2,
    seconds: 61.5,
    notes: ['d 512 → 64: probed at its depth with a small width'],
  };
}

/**
 * fixtureSweep(true) where Post-LN at L = 12 and 24 stalled: their loss sits on the task's unigram plateau
 * and all their layer importance is in the last block, so the last third's share reads 1.0.
 */
export function fixtureSweepStalled(): SweepResult {
  const sweep = fixtureSweep(true);
  const { plateau, optimum, threshold } = stallThreshold(sweep.base.vocab, sweep.base.seed);
  const stalledAt = (L: number, loss: number): SweepPoint => {
    const importance = Array.from({ length: L }, (_, l) => (l === L - 1 ? 0.02 : -0.001));
    return { ...point('post', L, loss, 0.6, 0.9, importance), stalled: { loss, plateau, optimum, threshold } };
  };
  return {
    ...sweep,
    points: sweep.points.map((p) => (p.placement === 'post' && p.layers === 12 ? stalledAt(12, plateau + 0.01) : p.placement === 'post' && p.layers === 24 ? stalledAt(24, plateau - 0.02) : p)),
  };
}
