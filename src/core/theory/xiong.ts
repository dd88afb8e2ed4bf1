// Closed forms at initialisation, after Xiong et al. 2020 ("On Layer Normalization in the Transformer
// Architecture", Lemmas 1–2 and Theorem 1) and Wang et al. 2022 (DeepNet), generalised to the probe's
// GELU MLP of width r·d with Xavier-normal weights. All in units of d: E‖·‖²/d.

/** GELU, tanh approximation (the probe's and GPT-2's). */
export function gelu(x: number): number {
  return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
}

export const relu = (x: number): number => Math.max(0, x);

/** E[φ(h)²] for h ~ N(0, variance), by Simpson's rule over ±10σ (error far below 1e-9 for these φ). */
export function meanSquareOfActivation(activation: (x: number) => number, variance: number): number {
  const sigma = Math.sqrt(variance);
  const steps = 2000;
  const lo = -10 * sigma;
  const width = (20 * sigma) / steps;
  let total = 0;
  for (let i = 0; i <= steps; i++) {
    const h = lo + i * width;
    const weight = i === 0 || i === steps ? 1 : i % 2 === 1 ? 4 : 2;
    const density = Math.exp(-(h * h) / (2 * variance)) / Math.sqrt(2 * Math.PI * variance);
    const value = activation(h);
    total += weight * value * value * density;
  }
  return (total * width) / 3;
}

/**
 * E‖MLP(u)‖²/d for an input with E‖u‖² = d (a normalised stream): W₁ (d × rd) and W₂ (rd × d) Xavier-normal,
 * each scaled by `gain` (DeepNorm's β). The pre-activation has variance gain²·2/(1+r); the output
 * gain²·2r/(1+r)·E[φ(h)²]. ReLU with r = 1 gives ½, Xiong's Lemma 1; GELU with r = 4 gives ≈ 0.23.
 */
export function mlpGain(activation: 'relu' | 'gelu', ratio: number, gain = 1): number {
  const variance = (gain * gain * 2) / (1 + ratio);
  const phi = activation === 'relu' ? relu : gelu;
  return ((gain * gain * 2 * ratio) / (1 + ratio)) * meanSquareOfActivation(phi, variance);
}

/** Post-LN: E‖x + FFN(x)‖²/d before the block's last norm (Xiong's 3/2 for ReLU, r = 1). */
export function postLnSumSquared(activation: 'relu' | 'gelu' = 'gelu', ratio = 4): number {
  return 1 + mlpGain(activation, ratio);
}

/** Pre-LN: Xiong's band on E‖x_l‖²/d, given E‖x₀‖² = d: [1 + l/2, 1 + 3l/2]. */
export function preLnBandSquared(layer: number): { lower: number; upper: number } {
  return { lower: 1 + layer / 2, upper: 1 + (3 * layer) / 2 };
}

/** DeepNorm's residual scale and branch-init scale for a decoder-only stack of L blocks (DeepNet, Table 1). */
export function deepnormConstants(layers: number): { alpha: number; beta: number } {
  return { alpha: Math.pow(2 * layers, 0.25), beta: Math.pow(8 * layers, -0.25) };
}

/**
 * Xiong's Theorem 1, up to a constant: ‖∂L/∂W‖_F of the last FFN's weights at init scales as
 * d·√(ln d) for Post-LN and d·√(ln d / L) for Pre-LN.
 */
export function lastLayerGradientScale(dModel: number, layers: number): { post: number; pre: number; preOverPost: number } {
  const post = dModel * Math.sqrt(Math.log(dModel));
  return { post, pre: post / Math.sqrt(layers), preOverPost: 1 / Math.sqrt(layers) };
}

/**
 * Dilution: if each block adds δ·d to a stream of (1 + l·δ)·d, with the update uncorrelated with the
 * stream, block l wrote ‖x_l − x_{l−1}‖/‖x_l‖ = √(δ / (1 + l·δ)) ~ 1/√l of it, and cos(x_{l−1}, x_l) =
 * √((1 + (l−1)·δ) / (1 + l·δ)).
 */
export function dilution(layer: number, delta: number): { contribution: number; cosine: number } {
  return {
    contribution: Math.sqrt(delta / (1 + layer * delta)),
    cosine: Math.sqrt((1 + (layer - 1) * delta) / (1 + layer * delta)),
  };
}
