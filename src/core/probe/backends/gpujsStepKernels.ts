// Kernel sources of the device-resident gpu.js training step (gpujsStep.ts): the fused and the
// whole-model kernels that the op-at-a-time backend has no use for. The same rules as gpujsKernels.ts:
// sources are strings, every shape and loop bound is a constant (gpu.js caps argument-bounded loops at
// 1000), no helper functions, flat row-major arrays. Where one kernel yields two things (a norm's mean
// and rstd, LayerNorm's dgamma and dbeta, Adam's m and v) they share one output, the first half and
// the second, because a scalar kernel has one output and a kernel map does not run on webgpu.

import { attentionCell } from './gpujsKernels';

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

/** The opening of a kernel whose output is two halves of N rows: `row` and `which` (0 or 1). */
const SPLIT_ROWS = `  let row = this.thread.x;
  let which = 0;
  if (row >= this.constants.N) {
    row = row - this.constants.N;
    which = 1;
  }`;

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
${SPLIT_ROWS}
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

/** y = gate[0]·x (the gradient through a ReZero gate). */
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

/** dlogits = (softmax(logits) − onehot(target)) / N from the row statistics [2N]. Constants N, V. */
export const softmaxCrossEntropyGradSource = `function (logits, stats, targets) {
  const row = Math.floor(this.thread.x / this.constants.V);
  const i = this.thread.x - row * this.constants.V;
  let value = Math.exp(logits[this.thread.x] - stats[row]) / stats[this.constants.N + row];
  if (i === targets[row]) {
    value = value - 1;
  }
  return value / this.constants.N;
}`;

/** [1]: the mean over N rows of log Σ exp(logit − max) + max − logit[target], from the row statistics. Constants N, V. */
export const meanCrossEntropySource = `function (logits, stats, targets) {
  let loss = 0;
  for (let r = 0; r < this.constants.N; r++) {
    loss += Math.log(stats[this.constants.N + r]) + stats[r] - logits[r * this.constants.V + targets[r]];
  }
  return loss / this.constants.N;
}`;

/**
 * One Adam step on a parameter's state [3·SIZE] = [param | m | v] (so kernels read the parameter as
 * the first SIZE cells): m' = β1·m + (1−β1)·g, v' = β2·v + (1−β2)·g², param' = param −
 * lr·(m'/c1)/(√(v'/c2) + eps), g = grad[OFFSET + i] (a parameter's slice of a fused gradient). Each cell
 * recomputes the moments it needs. Constants SIZE, OFFSET, B1, B2, EPS.
 */
export const adamSource = `function (state, grad, lr, correction1, correction2) {
  let i = this.thread.x;
  let part = 0;
  if (i >= this.constants.SIZE) {
    i = i - this.constants.SIZE;
    part = 1;
  }
  if (i >= this.constants.SIZE) {
    i = i - this.constants.SIZE;
    part = 2;
  }
  const g = grad[this.constants.OFFSET + i];
  const m = this.constants.B1 * state[this.constants.SIZE + i] + (1 - this.constants.B1) * g;
  if (part === 1) {
    return m;
  }
  const v = this.constants.B2 * state[2 * this.constants.SIZE + i] + (1 - this.constants.B2) * g * g;
  if (part === 2) {
    return v;
  }
  return state[i] - lr * (m / correction1) / (Math.sqrt(v / correction2) + this.constants.EPS);
}`;

/**
 * Attention scores, [B,H,T,T]: SCALE·q[t1]·k[t2] over the head, −1e30 above the diagonal; qkv[B,T,3C].
 * Constants T, C, H, HS, SCALE. The softmax follows in its own kernel, so no cell recomputes a row.
 */
export const attentionScoresSource = `function (qkv) {
${attentionCell('-1e30')}
  const c3 = 3 * this.constants.C;
  const q = (b * this.constants.T + t1) * c3 + h * this.constants.HS;
  const key = (b * this.constants.T + t2) * c3 + this.constants.C + h * this.constants.HS;
  let score = 0;
  for (let i = 0; i < this.constants.HS; i++) {
    score += qkv[q + i] * qkv[key + i];
  }
  return score * this.constants.SCALE;
}`;

/**
 * Softmax row statistics, [2R] for R rows of W: the row's max in the first R cells, Σ exp(x − max) in
 * the last. CAUSAL 1 counts only the first (r mod W) + 1 entries of row r (causal attention, W = T).
 * Constants R, W, CAUSAL. One exp per entry per row, where a per-cell softmax pays W per cell.
 */
export const softmaxRowStatsSource = `function (x) {
  let row = this.thread.x;
  let which = 0;
  if (row >= this.constants.R) {
    row = row - this.constants.R;
    which = 1;
  }
  let last = this.constants.W - 1;
  if (this.constants.CAUSAL === 1) {
    last = row % this.constants.W;
  }
  const base = row * this.constants.W;
  let max = -1e30;
  for (let u = 0; u < this.constants.W; u++) {
    if (u <= last) {
      max = Math.max(max, x[base + u]);
    }
  }
  if (which === 0) {
    return max;
  }
  let total = 0;
  for (let u = 0; u < this.constants.W; u++) {
    if (u <= last) {
      total += Math.exp(x[base + u] - max);
    }
  }
  return total;
}`;

/** att = exp(score − max)/Σ from the row statistics, 0 above the diagonal. Constants R, T. */
export const causalSoftmaxSource = `function (scores, stats) {
  const t2 = this.thread.x % this.constants.T;
  const row = Math.floor(this.thread.x / this.constants.T);
  if (t2 > row % this.constants.T) {
    return 0;
  }
  return Math.exp(scores[this.thread.x] - stats[row]) / stats[this.constants.R + row];
}`;

/** datt[b,h,t1,t2] = dout[t1]·v[t2] over the head, 0 above the diagonal. Constants T, C, H, HS. */
export const attentionDattSource = `function (dout, qkv) {
${attentionCell('0')}
  const o = (b * this.constants.T + t1) * this.constants.C + h * this.constants.HS;
  const value = (b * this.constants.T + t2) * 3 * this.constants.C + 2 * this.constants.C + h * this.constants.HS;
  let sum = 0;
  for (let i = 0; i < this.constants.HS; i++) {
    sum += dout[o + i] * qkv[value + i];
  }
  return sum;
}`;

/** dpre = att·(datt − Σ_u att[t1,u]·datt[t1,u]), the softmax backward; constant T. */
export const softmaxBackwardSource = `function (att, datt) {
  const rowIndex = Math.floor(this.thread.x / this.constants.T);
  const base = rowIndex * this.constants.T;
  let weighted = 0;
  for (let u = 0; u < this.constants.T; u++) {
    weighted += att[base + u] * datt[base + u];
  }
  return att[this.thread.x] * (datt[this.thread.x] - weighted);
}`;

/**
 * A norm backward's row sums, [2N]: mean(g) in the first N cells (0 for RMSNorm), mean(g·xhat) in the
 * last, g = dy·gamma, xhat = (x − mean)·rstd. Constants N, C, RMS. normDxRowsSource finishes dx.
 */
export const normBackwardRowsSource = `function (dy, x, stats, gamma) {
${SPLIT_ROWS}
  if (which === 0 && this.constants.RMS === 1) {
    return 0;
  }
  const base = row * this.constants.C;
  const mu = stats[row];
  const s = stats[this.constants.N + row];
  let sum = 0;
  for (let q = 0; q < this.constants.C; q++) {
    const g = dy[base + q] * gamma[q];
    if (which === 0) {
      sum += g;
    } else {
      sum += g * (x[base + q] - mu) * s;
    }
  }
  return sum / this.constants.C;
}`;

/** dx = rstd·(g − mean(g) − xhat·mean(g·xhat)) from the row sums (+ ALPHA·add with ADD). Constants N, C, ALPHA. */
export function normDxRowsSource(withAdd: boolean): string {
  return `function (dy, x, stats, gamma, rows${withAdd ? ', add' : ''}) {
  const row = Math.floor(this.thread.x / this.constants.C);
  const i = this.thread.x - row * this.constants.C;
  const s = stats[this.constants.N + row];
  const xhat = (x[this.thread.x] - stats[row]) * s;
  const dx = s * (dy[this.thread.x] * gamma[i] - rows[row] - xhat * rows[this.constants.N + row]);
  return ${withAdd ? 'this.constants.ALPHA * add[this.thread.x] + dx' : 'dx'};
}`;
}
