// Theory overlays for the panel's residual-norm chart: the core theory's residualNorm series
// (src/core/theory/predict.ts: Xiong's Pre-LN band, RMS 1 after a norm on the stream) as the views'
// LayerPrediction, in residualNorm's unit (‖x_l‖/√d).

import type { ProbeConfig } from '../../src/core/probe/types';
import { predict } from '../../src/core/theory/predict';
import type { LayerPrediction } from '../views/lineModel';

export function predictionsFor(config: Pick<ProbeConfig, 'placement' | 'layers' | 'dModel' | 'rezero'>): LayerPrediction[] {
  return predict(config).series
    .filter((series) => series.metric === 'residualNorm')
    .map((series) => ({
      label: series.label,
      layers: series.layers,
      lower: series.kind === 'band' ? series.lower ?? [] : series.values ?? [],
      upper: series.kind === 'band' ? series.upper ?? [] : series.values ?? [],
    }));
}
