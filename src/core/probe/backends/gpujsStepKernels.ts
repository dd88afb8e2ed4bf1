// Kernel sources of the device-resident gpu.js training step (gpujsStep.ts): the fused and the
// whole-model kernels that the op-at-a-time backend has no use for. The same rules as gpujsKernels.ts:
// sources are strings, every shape and loop bound is a constant (gpu.js caps argument-bounded loops at
// 1000), no helper functions, flat row-major arrays. Where one kernel yields two things (a norm's mean
// and rstd, LayerNorm's dgamma and dbeta, Adam's m and v) they share one output, the first half and
// the second, because a scalar kernel has one output and a kernel map does not run on webgpu.

/**
 * out[i,j] = Σ_p op(a)[i,p]·op(b)[p,j], then an epilogue: 'add' adds ALPHA·add[i,j] (a residual or
 * an accumulated gradient), 'gelugrad' multiplies by gelu'(h[i,j]) (the MLP's backward through GELU).
 * Constants M, K, N (and ALPHA for 'add').
 */
export function fusedMatmulSource(transA: boolean, transB: boolean, epilogue: 'none' | 'add' | 'gelugrad'): string {
  const aIndex = transA ? 'p * this.constants.M + i' : 'i * this.constants.K + p';
  const bIndex = transB ? 'j * this.constants.K + p' : 'p * this.constants.N + j';
  const extra = epilogue === 'add' ? ', add' : epilogue === 'gelugrad' ? ', h' : '';
  const tail = epilogue === 'add'
    ? 'return sum + this.constants.ALPHA * add[this.thread.x];'
    : epilogue === 'gelugrad'
      ? `const v = h[this.thread.x];
    const th = Math.tanh(0.7978845608028654 * (v + 0.044715 * v * v * v));
    return sum * (0.5 * (1 + th) + 0.5 * v * (1 - th * th) * 0.7978845608028654 * (1 + 0.134145 * v * v));`
      : 'return sum;';
  return `function (a, b${extra}) {
    const i = Math.floor(this.thread.x / this.constants.N);
    const j = this.thread.x - i * this.constants.N;
    let sum = 0;
    for (let p = 0; p < this.constants.K; p++) {
      sum += a[${aIndex}] * b[${bIndex}];
    }
    ${tail}
  }`;
}

/** A copy: uploads a host array into a pipeline result. */
export const copySource = `function (x) {
  return x[this.thread.x];
}`;

/** x₀[r,i] = wte[token[r],i] + wpe[r mod T,i]; constants T, C. */
export const embedSource = `function (tokens, wte, wpe) {
  const row = Math.floor(this.thread.x / this.constants.C);
  const i = this.thread.x - row * this.constants.C;
  const t = row % this.constants.T;
  return wte[tokens[row] * this.constants.C + i] + wpe[t * this.constants.C + i];
}`;

/** dwte[v,i] = Σ_{r: token[r] = v} dx[r,i]; constants N, C. */
export const embedTokenGradSource = `function (tokens, dx) {
  const v = Math.floor(this.thread.x / this.constants.C);
  const i = this.thread.x - v * this.constants.C;
  let sum = 0;
  for (let r = 0; r < this.constants.N; r++) {
    if (tokens[r] === v) {
      sum += dx[r * this.constants.C + i];
    }
  }
  return sum;
}`;

/** dwpe[t,i] = Σ_b dx[b·T + t, i]; constants B, T, C. */
export const embedPositionGradSource = `function (dx) {
  const t = Math.floor(this.thread.x / this.constants.C);
  const i = this.thread.x - t * this.constants.C;
  let sum = 0;
  for (let b = 0; b < this.constants.B; b++) {
    sum += dx[(b * this.constants.T + t) * this.constants.C + i];
  }
  return sum;
}`;

/**
 * Row statistics, [2N]: LayerNorm's mean in the first N cells and rstd in the last N (RMS 0: mean of
 * x, rstd of x − mean); RMSNorm (RMS 1) writes 0 and 1/√(mean(x²) + eps). Constants N, C, EPS, RMS.
 */
export const normStatsSource = `function (x) {
  let row = this.thread.x;
  let which = 0;
  if (row >= this.constants.N) {
    row = row - this.constants.N;
    which = 1;
  }
  const base = row * this.constants.C;
  let mu = 0;
  if (this.constants.RMS === 0) {
    let sum = 0;
    for (let i = 0; i < this.constants.C; i++) {
      sum += x[base + i];
    }
    mu = sum / this.constants.C;
  }
  if (which === 0) {
    return mu;
  }
  let variance = 0;
  for (let i = 0; i < this.constants.C; i++) {
    const shifted = x[base + i] - mu;
    variance += shifted * shifted;
  }
  return 1 / Math.sqrt(variance / this.constants.C + this.constants.EPS);
}`;

/** y[r,i] = (x − mean[r])·rstd[r]·gamma[i] (+ beta[i] when BETA 1); stats as normStatsSource. Constants N, C, BETA. */
export function normApplySource(withBeta: boolean): string {
  return `function (x, stats, gamma${withBeta ? ', beta' : ''}) {
  const row = Math.floor(this.thread.x / this.constants.C);
  const i = this.thread.x - row * this.constants.C;
  return (x[this.thread.x] - stats[row]) * stats[this.constants.N + row] * gamma[i]${withBeta ? ' + beta[i]' : ''};
}`;
}

/**
 * dx = rstd·(g − mean(g) − xhat·mean(g·xhat)), g = dy·gamma, xhat = (x − mean)·rstd, for LayerNorm;
 * RMSNorm (RMS 1, mean 0) drops the mean(g) term. With ADD 1 the result is ALPHA·add + dx (the
 * residual path joining the norm's). Constants N, C, RMS, ADD, ALPHA.
 */
export function normDxSource(withAdd: boolean): string {
  return `function (dy, x, stats, gamma${withAdd ? ', add' : ''}) {
  const row = Math.floor(this.thread.x / this.constants.C);
  const i = this.thread.x - row * this.constants.C;
  const base = row * this.constants.C;
  const mu = stats[row];
  const s = stats[this.constants.N + row];
  let meanG = 0;
  let meanGXhat = 0;
  for (let q = 0; q < this.constants.C; q++) {
    const g = dy[base + q] * gamma[q];
    meanG += g;
    meanGXhat += g * (x[base + q] - mu) * s;
  }
  meanG = meanG / this.constants.C;
  meanGXhat = meanGXhat / this.constants.C;
  if (this.constants.RMS === 1) {
    meanG = 0;
  }
  const xhat = (x[this.thread.x] - mu) * s;
  const dx = s * (dy[this.thread.x] * gamma[i] - meanG - xhat * meanGXhat);
  return ${withAdd ? 'this.constants.ALPHA * add[this.thread.x] + dx' : 'dx'};
}`;
}

/** [2C]: dgamma[i] = Σ_r dy·xhat in the first C cells, dbeta[i] = Σ_r dy in the last C. Constants N, C. */
export const normParamGradSource = `function (dy, x, stats) {
  let i = this.thread.x;
  let which = 0;
  if (i >= this.constants.C) {
    i = i - this.constants.C;
    which = 1;
  }
  let sum = 0;
  for (let r = 0; r < this.constants.N; r++) {
    const at = r * this.constants.C + i;
    if (which === 0) {
      sum += dy[at] * (x[at] - stats[r]) * stats[this.constants.N + r];
    } else {
      sum += dy[at];
    }
  }
  return sum;
}`;

/** s = ALPHA·x + gate[0]·g (ReZero's gate, or an outNorm'd branch); constant ALPHA. */
export const gatedResidualSource = `function (x, g, gate) {
  return this.constants.ALPHA * x[this.thread.x] + gate[0] * g[this.thread.x];
}`;

/** s = ALPHA·x + g; constant ALPHA. */
export const residualSource = `function (x, g) {
  return this.constants.ALPHA * x[this.thread.x] + g[this.thread.x];
}`;

/** y = SCALE·x (a gradient through a scalar gate or DeepNorm's α); constant SCALE. */
export const scaleByGateSource = `function (x, gate) {
  return gate[0] * x[this.thread.x];
}`;

/** [1]: Σ a·b over SIZE cells (a scalar gate's gradient). Constant SIZE. */
export const dotSource = `function (a, b) {
  let sum = 0;
  for (let i = 0; i < this.constants.SIZE; i++) {
    sum += a[i] * b[i];
  }
  return sum;
}`;

/** dlogits = (softmax(logits) − onehot(target)) / N, the softmax recomputed per cell. Constants N, V. */
export const softmaxCrossEntropyGradSource = `function (logits, targets) {
  const row = Math.floor(this.thread.x / this.constants.V);
  const i = this.thread.x - row * this.constants.V;
  const base = row * this.constants.V;
  let max = -1e30;
  for (let q = 0; q < this.constants.V; q++) {
    max = Math.max(max, logits[base + q]);
  }
  let total = 0;
  for (let q = 0; q < this.constants.V; q++) {
    total += Math.exp(logits[base + q] - max);
  }
  let value = Math.exp(logits[this.thread.x] - max) / total;
  if (i === targets[row]) {
    value = value - 1;
  }
  return value / this.constants.N;
}`;

/** [1]: the mean over N rows of log Σ exp(logit) − logit[target] (max-shifted). Constants N, V. */
export const meanCrossEntropySource = `function (logits, targets) {
  let loss = 0;
  for (let r = 0; r < this.constants.N; r++) {
    const base = r * this.constants.V;
    let max = -1e30;
    for (let q = 0; q < this.constants.V; q++) {
      max = Math.max(max, logits[base + q]);
    }
    let total = 0;
    for (let q = 0; q < this.constants.V; q++) {
      total += Math.exp(logits[base + q] - max);
    }
    loss += Math.log(total) + max - logits[base + targets[r]];
  }
  return loss / this.constants.N;
}`;

/**
 * Adam's moments, [2·SIZE]: m' = β1·m + (1−β1)·g in the first SIZE cells, v' = β2·v + (1−β2)·g² in the
 * last; g = grad[OFFSET + i] (a parameter's slice of a fused gradient). Constants SIZE, OFFSET, B1, B2.
 */
export const adamMomentsSource = `function (mv, grad) {
  let i = this.thread.x;
  if (i >= this.constants.SIZE) {
    i = i - this.constants.SIZE;
    const g2 = grad[this.constants.OFFSET + i];
    return this.constants.B2 * mv[this.thread.x] + (1 - this.constants.B2) * g2 * g2;
  }
  const g = grad[this.constants.OFFSET + i];
  return this.constants.B1 * mv[this.thread.x] + (1 - this.constants.B1) * g;
}`;

/** param' = param − lr·(m/c1)/(√(v/c2) + eps) from the updated moments; constants SIZE, EPS. */
export const adamStepSource = `function (param, mv, lr, correction1, correction2) {
  const m = mv[this.thread.x];
  const v = mv[this.constants.SIZE + this.thread.x];
  return param[this.thread.x] - lr * (m / correction1) / (Math.sqrt(v / correction2) + this.constants.EPS);
}`;
