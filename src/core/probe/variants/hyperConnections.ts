// Hyper-Connections (Zhu et al. 2024): n copies H_0 … H_{n−1} of the stream ([N, C] each), and per
// sublayer k a small matrix of connections:
//   branch input  h = Σ_j A_m[j]·H_j            (F = the Pre-LN branch F(N(h)))
//   streams       H'_m = Σ_j A_r[j, m]·H_j + B[m]·F(N(h))
// initialised as the paper does (A_m one-hot at k mod n, A_r = I, B = 1), every H_j = x₀ at the start,
// and the head reads N(Σ_j H_j). With n = 1 every weight is 1 and the model is Pre-LN, bit for bit.
// Dynamic HC adds per-token terms, tanh of the normalised streams H̄_j (an RMS norm without gain here):
//   A_m[j] += s_α·tanh(H̄_j·W_m),  A_r[j, m] += s_α·tanh(H̄_j·W_r[:, m]),  B[m] += s_β·tanh(H̄_m·W_β)
// with W = 0 and s_α = s_β = 0.01 at the start. The metrics read the mean of the streams.

import { NORM_EPS } from '../modelForward';
import type { ProbeConfig } from '../types';
import type { HyperConnectionParams, HyperConnectionsParams, MixerSize, ParamFactory, StreamMixer } from './mixer';

/** n, when the config does not say: the paper's usual expansion rate. */
export const DEFAULT_HYPER_STREAMS = 4;
export const HYPER_DYNAMIC_SCALE = 0.01;

export function hyperStreams(config: Pick<ProbeConfig, 'hyperStreams'>): number {
  return Math.max(1, Math.min(8, Math.round(config.hyperStreams ?? DEFAULT_HYPER_STREAMS)));
}

export function hyperConnectionsParams(config: ProbeConfig, factory: ParamFactory): HyperConnectionsParams {
  const n = hyperStreams(config);
  const c = config.dModel;
  const sublayers = Array.from({ length: 2 * config.layers }, (_, k): HyperConnectionParams => {
    const name = `block${(k >> 1) + 1}.${k % 2 === 0 ? 'attn' : 'mlp'}HC`;
    const inputWeights = factory.param(`${name}.Am`, n, 0);
    inputWeights.data[k % n] = 1;
    const streamWeights = factory.param(`${name}.Ar`, n * n, 0);
    for (let j = 0; j < n; j++) streamWeights.data[j * n + j] = 1;
    const outputWeights = factory.param(`${name}.B`, n, 0);
    outputWeights.data.fill(1);
    const scale = (suffix: string) => {
      const created = factory.param(`${name}.${suffix}`, 1, 0);
      created.data[0] = HYPER_DYNAMIC_SCALE;
      return created;
    };
    const dynamic = config.hyperDynamic ? {
      inputProjection: factory.param(`${name}.Wm`, c, 0),
      streamProjection: factory.param(`${name}.Wr`, c * n, 0),
      outputProjection: factory.param(`${name}.Wb`, c, 0),
      alphaScale: scale('sAlpha'),
      betaScale: scale('sBeta'),
    } : null;
    return { inputWeights, streamWeights, outputWeights, dynamic };
  });
  return { kind: 'hyper-connections', streams: n, sublayers };
}

/** Per sublayer, what dynamic HC keeps for the backward: H̄_j [n][N,C], their rstd [n][N], and the tanh values. */
interface DynamicState {
  normed: Float32Array[];
  rstd: Float32Array[];
  /** tanh(H̄_j·W_m) [N, n]; tanh(H̄_j·W_r[:, m]) [N, n, n]; tanh(H̄_m·W_β) [N, n]. */
  input: Float64Array;
  stream: Float64Array;
  output: Float64Array;
}

export class HyperConnectionsMixer implements StreamMixer {
  private readonly n: number;
  private readonly c: number;
  private readonly rows: number;
  private readonly size: number;
  /** H before sublayer k, k = 0 … 2L: [stream][N, C]. */
  private readonly streams: Float32Array[][];
  /** The branch input of sublayer k. */
  private readonly inputs: Float32Array[];
  private readonly outputs: (Float32Array | null)[];
  private readonly dynamic: DynamicState[] | null;
  private readonly means: Float32Array[];
  private readonly sum: Float32Array;
  private dStreams: Float32Array[];
  private spare: Float32Array[];
  private readonly dNormed: Float32Array[];
  private readonly dg: Float32Array;
  private readonly dx0: Float32Array;
  /** One row's coefficients: A_m [n], A_r [n·n], B [n]. */
  private readonly am: Float64Array;
  private readonly ar: Float64Array;
  private readonly b: Float64Array;

  constructor(private readonly params: HyperConnectionsParams, { n: rows, c, layers, allocate }: MixerSize) {
    const n = params.streams;
    this.n = n;
    this.c = c;
    this.rows = rows;
    this.size = rows * c;
    const buffer = () => allocate(this.size);
    const set = () => Array.from({ length: n }, buffer);
    this.streams = [set(), ...Array.from({ length: 2 * layers }, set)];
    this.inputs = Array.from({ length: 2 * layers }, buffer);
    this.outputs = new Array<Float32Array | null>(2 * layers).fill(null);
    this.dynamic = params.sublayers[0]?.dynamic ? Array.from({ length: 2 * layers }, (): DynamicState => ({
      normed: set(), rstd: Array.from({ length: n }, () => allocate(rows)),
      input: new Float64Array(rows * n), stream: new Float64Array(rows * n * n), output: new Float64Array(rows * n),
    })) : null;
    this.means = Array.from({ length: layers }, buffer);
    this.sum = buffer();
    this.dStreams = set();
    this.spare = set();
    this.dNormed = set();
    this.dg = buffer();
    this.dx0 = buffer();
    this.am = new Float64Array(n);
    this.ar = new Float64Array(n * n);
    this.b = new Float64Array(n);
  }

  begin(x0: Float32Array): void {
    this.streams[0].fill(x0);
  }

  /** H̄_j and the tanh values of sublayer k (dynamic HC), from the streams it reads. */
  private project(k: number): void {
    const state = this.dynamic![k];
    const weights = this.params.sublayers[k].dynamic!;
    const { n, c, rows } = this;
    for (let j = 0; j < n; j++) {
      const h = this.streams[k][j];
      const normed = state.normed[j];
      for (let r = 0; r < rows; r++) {
        let squares = 0;
        for (let i = 0; i < c; i++) squares += h[r * c + i] * h[r * c + i];
        const rstd = 1 / Math.sqrt(squares / c + NORM_EPS);
        state.rstd[j][r] = rstd;
        let zm = 0;
        let zb = 0;
        for (let i = 0; i < c; i++) {
          const value = h[r * c + i] * rstd;
          normed[r * c + i] = value;
          zm += value * weights.inputProjection.data[i];
          zb += value * weights.outputProjection.data[i];
        }
        state.input[r * n + j] = Math.tanh(zm);
        state.output[r * n + j] = Math.tanh(zb);
        for (let m = 0; m < n; m++) {
          let zr = 0;
          for (let i = 0; i < c; i++) zr += normed[r * c + i] * weights.streamProjection.data[i * n + m];
          state.stream[(r * n + j) * n + m] = Math.tanh(zr);
        }
      }
    }
  }

  /** Row r's A_m, A_r and B for sublayer k into this.am, this.ar, this.b. */
  private coefficients(k: number, r: number): void {
    const p = this.params.sublayers[k];
    const n = this.n;
    this.am.set(p.inputWeights.data);
    this.ar.set(p.streamWeights.data);
    this.b.set(p.outputWeights.data);
    if (!p.dynamic || !this.dynamic) return;
    const state = this.dynamic[k];
    const [alpha, beta] = [p.dynamic.alphaScale.data[0], p.dynamic.betaScale.data[0]];
    for (let j = 0; j < n; j++) {
      this.am[j] += alpha * state.input[r * n + j];
      this.b[j] += beta * state.output[r * n + j];
      for (let m = 0; m < n; m++) this.ar[j * n + m] += alpha * state.stream[(r * n + j) * n + m];
    }
  }

  input(k: number): Float32Array {
    if (this.dynamic) this.project(k);
    const { n, c, rows } = this;
    const h = this.streams[k];
    const out = this.inputs[k];
    for (let r = 0; r < rows; r++) {
      this.coefficients(k, r);
      for (let i = r * c; i < (r + 1) * c; i++) {
        let value = this.am[0] * h[0][i];
        for (let j = 1; j < n; j++) value += this.am[j] * h[j][i];
        out[i] = value;
      }
    }
    return out;
  }

  combine(k: number, g: Float32Array | null): void {
    const { n, c, rows } = this;
    const [h, next] = [this.streams[k], this.streams[k + 1]];
    this.outputs[k] = g;
    if (g) {
      for (let r = 0; r < rows; r++) {
        this.coefficients(k, r);
        for (let m = 0; m < n; m++) {
          const out = next[m];
          for (let i = r * c; i < (r + 1) * c; i++) {
            let value = this.ar[m] * h[0][i];
            for (let j = 1; j < n; j++) value += this.ar[j * n + m] * h[j][i];
            out[i] = value + this.b[m] * g[i];
          }
        }
      }
    } else {
      for (let m = 0; m < n; m++) next[m].set(h[m]);
    }
    if (k % 2 === 1) {
      // The metrics' stream after block l: the mean of the streams (for n = 1 the stream itself).
      const mean = this.means[k >> 1];
      mean.set(next[0]);
      for (let j = 1; j < n; j++) for (let i = 0; i < this.size; i++) mean[i] += next[j][i];
      if (n > 1) for (let i = 0; i < this.size; i++) mean[i] /= n;
    }
  }

  blockStream(l: number): Float32Array {
    return l === 0 ? this.streams[0][0] : this.means[l - 1];
  }

  blockSum(): null {
    return null;
  }

  dualStream(): null {
    return null;
  }

  output(): Float32Array {
    const last = this.streams[this.streams.length - 1];
    this.sum.set(last[0]);
    for (let j = 1; j < this.n; j++) for (let i = 0; i < this.size; i++) this.sum[i] += last[j][i];
    return this.sum;
  }

  outputBackward(dOutput: Float32Array): void {
    for (const d of this.dStreams) d.set(dOutput);
  }

  combineBackward(k: number): Float32Array {
    const { n, c, rows } = this;
    const p = this.params.sublayers[k];
    const h = this.streams[k];
    const g = this.outputs[k]!;
    const dNext = this.dStreams;
    const dPrev = this.spare;
    const state = this.dynamic?.[k];
    for (const d of this.dNormed) d.fill(0);
    for (let r = 0; r < rows; r++) {
      this.coefficients(k, r);
      const from = r * c;
      const to = from + c;
      for (let i = from; i < to; i++) {
        let value = this.b[0] * dNext[0][i];
        for (let m = 1; m < n; m++) value += this.b[m] * dNext[m][i];
        this.dg[i] = value;
      }
      for (let j = 0; j < n; j++) {
        for (let i = from; i < to; i++) {
          let value = this.ar[j * n] * dNext[0][i];
          for (let m = 1; m < n; m++) value += this.ar[j * n + m] * dNext[m][i];
          dPrev[j][i] = value;
        }
      }
      for (let m = 0; m < n; m++) {
        const dB = rowDot(dNext[m], g, from, to);
        p.outputWeights.grad[m] += dB;
        if (p.dynamic && state) {
          const t = state.output[r * n + m];
          p.dynamic.betaScale.grad[0] += dB * t;
          const dz = dB * p.dynamic.betaScale.data[0] * (1 - t * t);
          accumulateProjection(p.dynamic.outputProjection.grad, this.dNormed[m], state.normed[m], p.dynamic.outputProjection.data, dz, from, c, 1, 0);
        }
        for (let j = 0; j < n; j++) {
          const dA = rowDot(dNext[m], h[j], from, to);
          p.streamWeights.grad[j * n + m] += dA;
          if (p.dynamic && state) {
            const t = state.stream[(r * n + j) * n + m];
            p.dynamic.alphaScale.grad[0] += dA * t;
            const dz = dA * p.dynamic.alphaScale.data[0] * (1 - t * t);
            accumulateProjection(p.dynamic.streamProjection.grad, this.dNormed[j], state.normed[j], p.dynamic.streamProjection.data, dz, from, c, n, m);
          }
        }
      }
    }
    [this.dStreams, this.spare] = [dPrev, dNext];
    return this.dg;
  }

  inputBackward(k: number, dInput: Float32Array): void {
    const { n, c, rows } = this;
    const p = this.params.sublayers[k];
    const h = this.streams[k];
    const state = this.dynamic?.[k];
    for (let r = 0; r < rows; r++) {
      this.coefficients(k, r);
      const from = r * c;
      const to = from + c;
      for (let j = 0; j < n; j++) {
        const d = this.dStreams[j];
        for (let i = from; i < to; i++) d[i] += this.am[j] * dInput[i];
        const dA = rowDot(dInput, h[j], from, to);
        p.inputWeights.grad[j] += dA;
        if (p.dynamic && state) {
          const t = state.input[r * n + j];
          p.dynamic.alphaScale.grad[0] += dA * t;
          const dz = dA * p.dynamic.alphaScale.data[0] * (1 - t * t);
          accumulateProjection(p.dynamic.inputProjection.grad, this.dNormed[j], state.normed[j], p.dynamic.inputProjection.data, dz, from, c, 1, 0);
        }
      }
    }
    if (!state) return;
    // H̄_j = H_j·rstd: ∂/∂H_j = rstd·(dH̄ − H̄·mean(dH̄·H̄)) per row.
    for (let j = 0; j < n; j++) {
      const [d, dn, normed, rstd] = [this.dStreams[j], this.dNormed[j], state.normed[j], state.rstd[j]];
      for (let r = 0; r < rows; r++) {
        const from = r * c;
        const mean = rowDot(dn, normed, from, from + c) / c;
        for (let i = from; i < from + c; i++) d[i] += rstd[r] * (dn[i] - normed[i] * mean);
      }
    }
  }

  inputGradient(k: number): Float32Array | null {
    // One static stream read with weight 1 (n = 1 at its start): the input is that stream.
    const p = this.params.sublayers[k];
    return this.n === 1 && !p.dynamic && p.inputWeights.data[0] === 1 ? this.dStreams[0] : null;
  }

  beginBackward(): Float32Array {
    this.dx0.set(this.dStreams[0]);
    for (let j = 1; j < this.n; j++) for (let i = 0; i < this.size; i++) this.dx0[i] += this.dStreams[j][i];
    return this.dx0;
  }
}

function rowDot(x: Float32Array, y: Float32Array, from: number, to: number): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += x[i] * y[i];
  return sum;
}

/** z = H̄_row·W[:, column] (W stored [C, stride]): W's grad += dz·H̄_row, dH̄_row += dz·W[:, column]. */
function accumulateProjection(
  grad: Float32Array, dNormed: Float32Array, normed: Float32Array, weights: Float32Array,
  dz: number, from: number, c: number, stride: number, column: number,
): void {
  for (let i = 0; i < c; i++) {
    grad[i * stride + column] += dz * normed[from + i];
    dNormed[from + i] += dz * weights[i * stride + column];
  }
}
