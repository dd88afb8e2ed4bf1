// The gpu.js kernel sources of the gpu.js probe backend, one per op output, each a gather: one thread
// computes one output cell from its inputs. Sources are strings (not functions) so no bundler rename
// or helper injection can reach the code gpu.js parses. Shapes arrive as constants, never as
// arguments: gpu.js silently caps loops bounded by an argument at loopMaxIterations (1000), while a
// constant bound is compiled in. No helper functions: on webasm they may not take arrays, and a helper
// named `dot` breaks WebGL2. Every array is flat, indexed row-major as in ../backend.ts.

/** out[i,j] = Σ_p op(a)[i,p]·op(b)[p,j]; constants M, K, N; transposed storage per ProbeBackend.matmul. */
export function matmulSource(transA: boolean, transB: boolean): string {
  const aIndex = transA ? 'p * this.constants.M + i' : 'i * this.constants.K + p';
  const bIndex = transB ? 'j * this.constants.K + p' : 'p * this.constants.N + j';
  return `function (a, b) {
    const i = Math.floor(this.thread.x / this.constants.N);
    const j = this.thread.x - i * this.constants.N;
    let sum = 0;
    for (let p = 0; p < this.constants.K; p++) {
      sum += a[${aIndex}] * b[${bIndex}];
    }
    return sum;
  }`;
}

/** Row statistics of LayerNorm: mean (STAT 0) or rstd (STAT 1) of each of N rows of C; constants C, EPS. */
export const layerNormStatSource = `function (x) {
  const base = this.thread.x * this.constants.C;
  let sum = 0;
  for (let i = 0; i < this.constants.C; i++) {
    sum += x[base + i];
  }
  const mu = sum / this.constants.C;
  if (this.constants.STAT === 0) {
    return mu;
  }
  let variance = 0;
  for (let i = 0; i < this.constants.C; i++) {
    const shifted = x[base + i] - mu;
    variance += shifted * shifted;
  }
  return 1 / Math.sqrt(variance / this.constants.C + this.constants.EPS);
}`;

/** y[r,i] = (x − mean[r])·rstd[r]·gamma[i] + beta[i]; constant C. */
export const layerNormApplySource = `function (x, mean, rstd, gamma, beta) {
  const row = Math.floor(this.thread.x / this.constants.C);
  const i = this.thread.x - row * this.constants.C;
  return (x[this.thread.x] - mean[row]) * rstd[row] * gamma[i] + beta[i];
}`;

/** dx = rstd·(g − mean(g) − xhat·mean(g·xhat)), g = dy·gamma, xhat = (x − mean)·rstd; constant C. */
export const layerNormDxSource = `function (dy, x, mean, rstd, gamma) {
  const row = Math.floor(this.thread.x / this.constants.C);
  const i = this.thread.x - row * this.constants.C;
  const base = row * this.constants.C;
  const mu = mean[row];
  const s = rstd[row];
  let meanG = 0;
  let meanGXhat = 0;
  for (let q = 0; q < this.constants.C; q++) {
    const g = dy[base + q] * gamma[q];
    meanG += g;
    meanGXhat += g * (x[base + q] - mu) * s;
  }
  meanG = meanG / this.constants.C;
  meanGXhat = meanGXhat / this.constants.C;
  const xhat = (x[this.thread.x] - mu) * s;
  return s * (dy[this.thread.x] * gamma[i] - meanG - xhat * meanGXhat);
}`;

/** dgamma[i] = Σ_r dy[r,i]·xhat[r,i] (WHICH 0) or dbeta[i] = Σ_r dy[r,i] (WHICH 1); constants N, C. */
export const layerNormParamGradSource = `function (dy, x, mean, rstd) {
  let sum = 0;
  for (let r = 0; r < this.constants.N; r++) {
    const at = r * this.constants.C + this.thread.x;
    if (this.constants.WHICH === 0) {
      sum += dy[at] * (x[at] - mean[r]) * rstd[r];
    } else {
      sum += dy[at];
    }
  }
  return sum;
}`;

/** rstd[r] = 1/√(mean(x²) + eps); constants C, EPS. */
export const rmsNormStatSource = `function (x) {
  const base = this.thread.x * this.constants.C;
  let squares = 0;
  for (let i = 0; i < this.constants.C; i++) {
    squares += x[base + i] * x[base + i];
  }
  return 1 / Math.sqrt(squares / this.constants.C + this.constants.EPS);
}`;

/** y = x·rstd·gamma; constant C. */
export const rmsNormApplySource = `function (x, rstd, gamma) {
  const row = Math.floor(this.thread.x / this.constants.C);
  const i = this.thread.x - row * this.constants.C;
  return x[this.thread.x] * rstd[row] * gamma[i];
}`;

/** dx = rstd·(g − x·rstd²·mean(g·x)), g = dy·gamma; constant C. */
export const rmsNormDxSource = `function (dy, x, rstd, gamma) {
  const row = Math.floor(this.thread.x / this.constants.C);
  const i = this.thread.x - row * this.constants.C;
  const base = row * this.constants.C;
  const s = rstd[row];
  let meanGX = 0;
  for (let q = 0; q < this.constants.C; q++) {
    meanGX += dy[base + q] * gamma[q] * x[base + q];
  }
  meanGX = meanGX / this.constants.C;
  return s * (dy[this.thread.x] * gamma[i] - x[this.thread.x] * s * s * meanGX);
}`;

/** dgamma[i] = Σ_r dy[r,i]·x[r,i]·rstd[r]; constants N, C. */
export const rmsNormGammaGradSource = `function (dy, x, rstd) {
  let sum = 0;
  for (let r = 0; r < this.constants.N; r++) {
    const at = r * this.constants.C + this.thread.x;
    sum += dy[at] * x[at] * rstd[r];
  }
  return sum;
}`;

/** GELU, tanh approximation: 0.5·v·(1 + tanh(√(2/π)·(v + 0.044715·v³))). */
export const geluForwardSource = `function (x) {
  const v = x[this.thread.x];
  return 0.5 * v * (1 + Math.tanh(0.7978845608028654 * (v + 0.044715 * v * v * v)));
}`;

/** dx = dy·gelu'(x). */
export const geluBackwardSource = `function (dy, x) {
  const v = x[this.thread.x];
  const th = Math.tanh(0.7978845608028654 * (v + 0.044715 * v * v * v));
  const local = 0.5 * (1 + th) + 0.5 * v * (1 - th * th) * 0.7978845608028654 * (1 + 0.134145 * v * v);
  return local * dy[this.thread.x];
}`;

/**
 * The opening of every kernel with one thread per attention cell [B,H,T,T]: t1, t2, h, b and rowIndex
 * from the thread, and `above` returned for cells above the causal diagonal.
 */
export function attentionCell(above: string): string {
  return `  const t2 = this.thread.x % this.constants.T;
  const rowIndex = Math.floor(this.thread.x / this.constants.T);
  const t1 = rowIndex % this.constants.T;
  const bh = Math.floor(rowIndex / this.constants.T);
  const h = bh % this.constants.H;
  const b = Math.floor(bh / this.constants.H);
  if (t2 > t1) {
    return ${above};
  }`;
}

/**
 * att[b,h,t1,t2] = softmax over t2 ≤ t1 of q·k/√hs, 0 above the diagonal; qkv[B,T,3C].
 * Constants T, C, H, HS, SCALE. Each cell recomputes its row's max and sum: T·HS work per cell.
 */
export const attentionProbsSource = `function (qkv) {
${attentionCell('0')}
  const c3 = 3 * this.constants.C;
  const q = (b * this.constants.T + t1) * c3 + h * this.constants.HS;
  let max = -1e30;
  let mine = 0;
  for (let u = 0; u < this.constants.T; u++) {
    if (u <= t1) {
      const key = (b * this.constants.T + u) * c3 + this.constants.C + h * this.constants.HS;
      let score = 0;
      for (let i = 0; i < this.constants.HS; i++) {
        score += qkv[q + i] * qkv[key + i];
      }
      score = score * this.constants.SCALE;
      max = Math.max(max, score);
      if (u === t2) {
        mine = score;
      }
    }
  }
  let total = 0;
  for (let u = 0; u < this.constants.T; u++) {
    if (u <= t1) {
      const key = (b * this.constants.T + u) * c3 + this.constants.C + h * this.constants.HS;
      let score = 0;
      for (let i = 0; i < this.constants.HS; i++) {
        score += qkv[q + i] * qkv[key + i];
      }
      total += Math.exp(score * this.constants.SCALE - max);
    }
  }
  return Math.exp(mine - max) / total;
}`;

/** out[b,t,c] = Σ_{t2 ≤ t} att[b,h,t,t2]·v[b,t2,c], h = ⌊c/HS⌋; constants T, C, H, HS. */
export const attentionOutSource = `function (att, qkv) {
  const c = this.thread.x % this.constants.C;
  const bt = Math.floor(this.thread.x / this.constants.C);
  const t = bt % this.constants.T;
  const b = Math.floor(bt / this.constants.T);
  const h = Math.floor(c / this.constants.HS);
  const attRow = ((b * this.constants.H + h) * this.constants.T + t) * this.constants.T;
  let sum = 0;
  for (let u = 0; u < this.constants.T; u++) {
    sum += att[attRow + u] * qkv[(b * this.constants.T + u) * 3 * this.constants.C + 2 * this.constants.C + c];
  }
  return sum;
}`;

/**
 * dpre[b,h,t1,t2] = att·(datt − Σ_u att[t1,u]·datt[t1,u]), datt[t1,t2] = dout[t1]·v[t2] over the head;
 * the softmax backward, zero above the diagonal. Constants T, C, H, HS.
 */
export const attentionDpreSource = `function (dout, qkv, att) {
${attentionCell('0')}
  const o = (b * this.constants.T + t1) * this.constants.C + h * this.constants.HS;
  const attRow = rowIndex * this.constants.T;
  let weighted = 0;
  let mine = 0;
  for (let u = 0; u < this.constants.T; u++) {
    if (u <= t1) {
      const value = (b * this.constants.T + u) * 3 * this.constants.C + 2 * this.constants.C + h * this.constants.HS;
      let datt = 0;
      for (let i = 0; i < this.constants.HS; i++) {
        datt += dout[o + i] * qkv[value + i];
      }
      weighted += att[attRow + u] * datt;
      if (u === t2) {
        mine = datt;
      }
    }
  }
  return att[attRow + t2] * (mine - weighted);
}`;

/**
 * dqkv[b,t,col]: dq = SCALE·Σ_{u ≤ t} dpre[t,u]·k[u]; dk = SCALE·Σ_{u ≥ t} dpre[u,t]·q[u];
 * dv = Σ_{u ≥ t} att[u,t]·dout[u]. Constants T, C, H, HS, SCALE.
 */
export const attentionDqkvSource = `function (dpre, att, qkv, dout) {
  const c3 = 3 * this.constants.C;
  const col = this.thread.x % c3;
  const bt = Math.floor(this.thread.x / c3);
  const t = bt % this.constants.T;
  const b = Math.floor(bt / this.constants.T);
  const part = Math.floor(col / this.constants.C);
  const c = col - part * this.constants.C;
  const h = Math.floor(c / this.constants.HS);
  const rows = (b * this.constants.H + h) * this.constants.T;
  let sum = 0;
  for (let u = 0; u < this.constants.T; u++) {
    if (part === 0) {
      sum += dpre[(rows + t) * this.constants.T + u] * qkv[(b * this.constants.T + u) * c3 + this.constants.C + c];
    } else if (part === 1) {
      sum += dpre[(rows + u) * this.constants.T + t] * qkv[(b * this.constants.T + u) * c3 + c];
    } else {
      sum += att[(rows + u) * this.constants.T + t] * dout[(b * this.constants.T + u) * this.constants.C + c];
    }
  }
  if (part === 2) {
    return sum;
  }
  return sum * this.constants.SCALE;
}`;

/** Per row: log Σ exp(logit) − logit[target] (max-shifted); constant V. */
export const crossEntropyLossSource = `function (logits, targets) {
  const base = this.thread.x * this.constants.V;
  let max = -1e30;
  for (let i = 0; i < this.constants.V; i++) {
    max = Math.max(max, logits[base + i]);
  }
  let total = 0;
  for (let i = 0; i < this.constants.V; i++) {
    total += Math.exp(logits[base + i] - max);
  }
  return Math.log(total) + max - logits[base + targets[this.thread.x]];
}`;

/** probs = softmax(logits) per row of V; constant V. */
export const softmaxSource = `function (logits) {
  const row = Math.floor(this.thread.x / this.constants.V);
  const base = row * this.constants.V;
  let max = -1e30;
  for (let i = 0; i < this.constants.V; i++) {
    max = Math.max(max, logits[base + i]);
  }
  let total = 0;
  for (let i = 0; i < this.constants.V; i++) {
    total += Math.exp(logits[base + i] - max);
  }
  return Math.exp(logits[this.thread.x] - max) / total;
}`;

/** dlogits = (probs − onehot(target)) / N; constants V, N. */
export const crossEntropyBackwardSource = `function (probs, targets) {
  const row = Math.floor(this.thread.x / this.constants.V);
  const i = this.thread.x - row * this.constants.V;
  let value = probs[this.thread.x];
  if (i === targets[row]) {
    value = value - 1;
  }
  return value / this.constants.N;
}`;

/** Adam moments: m' = β1·m + (1−β1)·g (WHICH 0) or v' = β2·v + (1−β2)·g² (WHICH 1). */
export const adamMomentSource = `function (moment, grad, beta) {
  const g = grad[this.thread.x];
  if (this.constants.WHICH === 0) {
    return beta * moment[this.thread.x] + (1 - beta) * g;
  }
  return beta * moment[this.thread.x] + (1 - beta) * g * g;
}`;

/** param' = param − lr·(m/c1)/(√(v/c2) + eps) from the already-updated moments. */
export const adamParamSource = `function (param, m, v, lr, correction1, correction2, eps) {
  return param[this.thread.x] - lr * (m[this.thread.x] / correction1) / (Math.sqrt(v[this.thread.x] / correction2) + eps);
}`;
