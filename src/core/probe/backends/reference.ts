// The reference probe backend: every op of ../backend.ts in plain TypeScript on Float32Array, as
// forward/backward pairs in the shape of llm.c's train_gpt2.c. This is the living definition the other
// backends are held to; it favours obvious loops over speed (but keeps inner loops contiguous).
// Shapes: B batch, T seq, C width, H heads, V vocab, N rows (= B·T).

import type { ProbeBackend } from '../backend';

const GELU_SCALE = Math.sqrt(2 / Math.PI);

/** out[M,N] (+)= op(a)[M,K] · op(b)[K,N]; see ProbeBackend.matmul for the storage of transposed inputs. */
export function matmulReference(
  out: Float32Array, a: Float32Array, b: Float32Array,
  m: number, k: number, n: number,
  options: { transA?: boolean; transB?: boolean; accumulate?: boolean } = {},
): void {
  const { transA = false, transB = false, accumulate = false } = options;
  if (!accumulate) out.fill(0, 0, m * n);
  if (!transA && !transB) {
    // a[M,K], b[K,N]: i-k-j order so the inner loop walks rows of b and out.
    for (let i = 0; i < m; i++) {
      const outRow = i * n;
      for (let p = 0; p < k; p++) {
        const aip = a[i * k + p];
        if (aip === 0) continue;
        const bRow = p * n;
        for (let j = 0; j < n; j++) out[outRow + j] += aip * b[bRow + j];
      }
    }
  } else if (!transA && transB) {
    // a[M,K], b stored [N,K]: each output is a dot product of two contiguous rows.
    for (let i = 0; i < m; i++) {
      const aRow = i * k;
      for (let j = 0; j < n; j++) {
        const bRow = j * k;
        let sum = 0;
        for (let p = 0; p < k; p++) sum += a[aRow + p] * b[bRow + p];
        out[i * n + j] += sum;
      }
    }
  } else if (transA && !transB) {
    // a stored [K,M], b[K,N]: out[i,:] += a[p,i] · b[p,:], rank-one updates walking rows of b.
    for (let p = 0; p < k; p++) {
      const aRow = p * m;
      const bRow = p * n;
      for (let i = 0; i < m; i++) {
        const api = a[aRow + i];
        if (api === 0) continue;
        const outRow = i * n;
        for (let j = 0; j < n; j++) out[outRow + j] += api * b[bRow + j];
      }
    }
  } else {
    // a stored [K,M], b stored [N,K]: rare; the plain triple loop.
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let sum = 0;
        for (let p = 0; p < k; p++) sum += a[p * m + i] * b[j * k + p];
        out[i * n + j] += sum;
      }
    }
  }
}

export class ReferenceBackend implements ProbeBackend {
  readonly name = 'cpu';

  matmul(
    out: Float32Array, a: Float32Array, b: Float32Array,
    m: number, k: number, n: number,
    options?: { transA?: boolean; transB?: boolean; accumulate?: boolean },
  ): void {
    matmulReference(out, a, b, m, k, n, options);
  }

  // y[N,C] = (x − mean) · rstd · gamma + beta; mean[N], rstd[N] saved for the backward pass.
  layerNormForward(
    y: Float32Array, mean: Float32Array, rstd: Float32Array,
    x: Float32Array, gamma: Float32Array, beta: Float32Array, n: number, c: number, eps: number,
  ): void {
    for (let row = 0; row < n; row++) {
      const base = row * c;
      let sum = 0;
      for (let i = 0; i < c; i++) sum += x[base + i];
      const mu = sum / c;
      let variance = 0;
      for (let i = 0; i < c; i++) {
        const shifted = x[base + i] - mu;
        variance += shifted * shifted;
      }
      const s = 1 / Math.sqrt(variance / c + eps);
      for (let i = 0; i < c; i++) y[base + i] = (x[base + i] - mu) * s * gamma[i] + beta[i];
      mean[row] = mu;
      rstd[row] = s;
    }
  }

  // With xhat = (x − mean)·rstd and g = dy·gamma: dx = rstd · (g − mean(g) − xhat · mean(g · xhat)).
  layerNormBackward(
    dx: Float32Array, dgamma: Float32Array, dbeta: Float32Array,
    dy: Float32Array, x: Float32Array, mean: Float32Array, rstd: Float32Array, gamma: Float32Array,
    n: number, c: number, accumulate = false,
  ): void {
    for (let row = 0; row < n; row++) {
      const base = row * c;
      const mu = mean[row];
      const s = rstd[row];
      let meanG = 0;
      let meanGXhat = 0;
      for (let i = 0; i < c; i++) {
        const xhat = (x[base + i] - mu) * s;
        const g = dy[base + i] * gamma[i];
        meanG += g;
        meanGXhat += g * xhat;
      }
      meanG /= c;
      meanGXhat /= c;
      for (let i = 0; i < c; i++) {
        const xhat = (x[base + i] - mu) * s;
        const g = dy[base + i] * gamma[i];
        dgamma[i] += dy[base + i] * xhat;
        dbeta[i] += dy[base + i];
        const value = s * (g - meanG - xhat * meanGXhat);
        dx[base + i] = accumulate ? dx[base + i] + value : value;
      }
    }
  }

  // y[N,C] = x · rstd · gamma, rstd = 1/√(mean(x²) + eps); rstd[N] saved.
  rmsNormForward(
    y: Float32Array, rstd: Float32Array, x: Float32Array, gamma: Float32Array, n: number, c: number, eps: number,
  ): void {
    for (let row = 0; row < n; row++) {
      const base = row * c;
      let squares = 0;
      for (let i = 0; i < c; i++) squares += x[base + i] * x[base + i];
      const s = 1 / Math.sqrt(squares / c + eps);
      for (let i = 0; i < c; i++) y[base + i] = x[base + i] * s * gamma[i];
      rstd[row] = s;
    }
  }

  // With g = dy·gamma: dx = rstd · (g − x · rstd² · mean(g · x)).
  rmsNormBackward(
    dx: Float32Array, dgamma: Float32Array,
    dy: Float32Array, x: Float32Array, rstd: Float32Array, gamma: Float32Array,
    n: number, c: number, accumulate = false,
  ): void {
    for (let row = 0; row < n; row++) {
      const base = row * c;
      const s = rstd[row];
      let meanGX = 0;
      for (let i = 0; i < c; i++) meanGX += dy[base + i] * gamma[i] * x[base + i];
      meanGX /= c;
      for (let i = 0; i < c; i++) {
        dgamma[i] += dy[base + i] * x[base + i] * s;
        const value = s * (dy[base + i] * gamma[i] - x[base + i] * s * s * meanGX);
        dx[base + i] = accumulate ? dx[base + i] + value : value;
      }
    }
  }

  // GELU, tanh approximation: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).
  geluForward(y: Float32Array, x: Float32Array, length: number): void {
    for (let i = 0; i < length; i++) {
      const v = x[i];
      y[i] = 0.5 * v * (1 + Math.tanh(GELU_SCALE * (v + 0.044715 * v * v * v)));
    }
  }

  geluBackward(dx: Float32Array, dy: Float32Array, x: Float32Array, length: number, accumulate = false): void {
    for (let i = 0; i < length; i++) {
      const v = x[i];
      const u = GELU_SCALE * (v + 0.044715 * v * v * v);
      const th = Math.tanh(u);
      const sech2 = 1 - th * th;
      const local = 0.5 * (1 + th) + 0.5 * v * sech2 * GELU_SCALE * (1 + 3 * 0.044715 * v * v);
      const value = local * dy[i];
      dx[i] = accumulate ? dx[i] + value : value;
    }
  }

  // qkv[B,T,3C] → out[B,T,C]; att[B,H,T,T] = softmax over t2 ≤ t of q_t·k_t2 / √(C/H), zero above the diagonal.
  attentionForward(out: Float32Array, att: Float32Array, qkv: Float32Array, b: number, t: number, c: number, h: number): void {
    const hs = c / h;
    const scale = 1 / Math.sqrt(hs);
    const c3 = 3 * c;
    for (let bi = 0; bi < b; bi++) {
      for (let hi = 0; hi < h; hi++) {
        for (let ti = 0; ti < t; ti++) {
          const q = bi * t * c3 + ti * c3 + hi * hs;
          const attRow = ((bi * h + hi) * t + ti) * t;
          let max = -Infinity;
          for (let t2 = 0; t2 <= ti; t2++) {
            const key = bi * t * c3 + t2 * c3 + c + hi * hs;
            let dot = 0;
            for (let i = 0; i < hs; i++) dot += qkv[q + i] * qkv[key + i];
            dot *= scale;
            att[attRow + t2] = dot;
            if (dot > max) max = dot;
          }
          let total = 0;
          for (let t2 = 0; t2 <= ti; t2++) {
            const e = Math.exp(att[attRow + t2] - max);
            att[attRow + t2] = e;
            total += e;
          }
          const inv = total === 0 ? 0 : 1 / total;
          for (let t2 = 0; t2 < t; t2++) att[attRow + t2] = t2 <= ti ? att[attRow + t2] * inv : 0;
          const o = bi * t * c + ti * c + hi * hs;
          for (let i = 0; i < hs; i++) out[o + i] = 0;
          for (let t2 = 0; t2 <= ti; t2++) {
            const value = bi * t * c3 + t2 * c3 + 2 * c + hi * hs;
            const a = att[attRow + t2];
            for (let i = 0; i < hs; i++) out[o + i] += a * qkv[value + i];
          }
        }
      }
    }
  }

  // From dout[B,T,C]: datt = dout·v, dpre = att ⊙ (datt − Σ att·datt) (softmax backward), then
  // dq = scale·dpre·k, dk = scale·dpreᵀ·q, dv = attᵀ·dout, all into dqkv[B,T,3C].
  attentionBackward(
    dqkv: Float32Array, dout: Float32Array, qkv: Float32Array, att: Float32Array,
    b: number, t: number, c: number, h: number, accumulate = false,
  ): void {
    const hs = c / h;
    const scale = 1 / Math.sqrt(hs);
    const c3 = 3 * c;
    if (!accumulate) dqkv.fill(0, 0, b * t * c3);
    const datt = new Float32Array(t);
    for (let bi = 0; bi < b; bi++) {
      for (let hi = 0; hi < h; hi++) {
        for (let ti = 0; ti < t; ti++) {
          const attRow = ((bi * h + hi) * t + ti) * t;
          const o = bi * t * c + ti * c + hi * hs;
          const q = bi * t * c3 + ti * c3 + hi * hs;
          let weighted = 0;
          for (let t2 = 0; t2 <= ti; t2++) {
            const value = bi * t * c3 + t2 * c3 + 2 * c + hi * hs;
            const a = att[attRow + t2];
            let dot = 0;
            for (let i = 0; i < hs; i++) {
              dot += dout[o + i] * qkv[value + i];
              dqkv[value + i] += a * dout[o + i];
            }
            datt[t2] = dot;
            weighted += a * dot;
          }
          for (let t2 = 0; t2 <= ti; t2++) {
            const dpre = att[attRow + t2] * (datt[t2] - weighted) * scale;
            if (dpre === 0) continue;
            const key = bi * t * c3 + t2 * c3 + c + hi * hs;
            for (let i = 0; i < hs; i++) {
              dqkv[q + i] += dpre * qkv[key + i];
              dqkv[key + i] += dpre * qkv[q + i];
            }
          }
        }
      }
    }
  }

  // probs[N,V] = softmax(logits) (max-shifted); returns mean −log p(target).
  crossEntropyForward(probs: Float32Array, logits: Float32Array, targets: Int32Array, n: number, v: number): number {
    let loss = 0;
    for (let row = 0; row < n; row++) {
      const base = row * v;
      let max = -Infinity;
      for (let i = 0; i < v; i++) if (logits[base + i] > max) max = logits[base + i];
      let total = 0;
      for (let i = 0; i < v; i++) {
        const e = Math.exp(logits[base + i] - max);
        probs[base + i] = e;
        total += e;
      }
      for (let i = 0; i < v; i++) probs[base + i] /= total;
      // Computed from the logits rather than log(probs) so a tiny probability does not round to −∞.
      loss += Math.log(total) + max - logits[base + targets[row]];
    }
    return loss / n;
  }

  crossEntropyBackward(dlogits: Float32Array, probs: Float32Array, targets: Int32Array, n: number, v: number): void {
    const inv = 1 / n;
    for (let row = 0; row < n; row++) {
      const base = row * v;
      for (let i = 0; i < v; i++) dlogits[base + i] = probs[base + i] * inv;
      dlogits[base + targets[row]] -= inv;
    }
  }

  // Adam (Kingma & Ba), bias-corrected: param −= lr · m̂ / (√v̂ + eps).
  adamUpdate(
    param: Float32Array, grad: Float32Array, m: Float32Array, v: Float32Array,
    lr: number, beta1: number, beta2: number, eps: number, t: number,
  ): void {
    const correction1 = 1 - Math.pow(beta1, t);
    const correction2 = 1 - Math.pow(beta2, t);
    for (let i = 0; i < param.length; i++) {
      const g = grad[i];
      const mi = beta1 * m[i] + (1 - beta1) * g;
      const vi = beta2 * v[i] + (1 - beta2) * g * g;
      m[i] = mi;
      v[i] = vi;
      param[i] -= lr * (mi / correction1) / (Math.sqrt(vi / correction2) + eps);
    }
  }

  dispose(): void {
    // Nothing is held: every buffer belongs to the caller.
  }
}
