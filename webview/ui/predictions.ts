// Theory overlays for the panel's residual-norm chart, in residualNorm's unit (‖x_l‖/√d) at
// initialisation, as DESIGN.md states them: Xiong et al.'s Pre-LN band E‖x_l‖²/d ∈ [1 + l/2, 1 + 3l/2],
// and an RMS of exactly 1 after every norm that sits on the stream (Post-LN, DeepNorm).

import type { ProbeConfig } from '../../src/core/probe/types';
import type { LayerPrediction } from '../views/lineModel';

export function predictionsFor(config: Pick<ProbeConfig, 'placement' | 'layers'>): LayerPrediction[] {
  const layers = Array.from({ length: config.layers + 1 }, (_, l) => l);
  switch (config.placement) {
    case 'pre':
    case 'parallel-pre':
      return [{
        label: "Xiong's Pre-LN band √(1+l/2)…√(1+3l/2)",
        layers,
        lower: layers.map((l) => Math.sqrt(1 + l / 2)),
        upper: layers.map((l) => Math.sqrt(1 + (3 * l) / 2)),
      }];
    case 'post':
    case 'deepnorm': {
      // The embedding output (l = 0) is not normalised; every block output is.
      const after = layers.slice(1);
      return [{ label: 'normalised stream: RMS 1', layers: after, lower: after.map(() => 1), upper: after.map(() => 1) }];
    }
    default:
      return [];
  }
}
