// Attention Residuals (Kimi Team 2026, arXiv 2603.15031): no running sum. Each sublayer k reads a softmax
// over depth of the values before it,
//   h_k = Σ_j softmax_j(w_k · RMS(V_j)) · V_j        (per token; w_k ∈ R^C a learned pseudo-query)
// and its Pre-LN branch output v_k = F(N(h_k)) becomes a value for the sublayers after it; the head reads
// N(h_out) with its own pseudo-query. Values: Full AttnRes attends over x₀ and every earlier v_i. Block
// AttnRes groups the 2L sublayers into N groups of ⌊2L/N⌋ (the last takes the remainder), sums the v_i
// inside a group, and attends over x₀, the completed groups' sums, and the partial sum of its own group
// (when it has one). Pseudo-queries start at 0 (a uniform average). The keys' RMS norm has no gain: a gain
// γ would only reparametrise w (w·(γ⊙k) = (w⊙γ)·k). The metrics read h before each block (and h_out).

import { NORM_EPS } from '../modelForward';
import type { ProbeConfig } from '../types';
import type { AttentionResidualParams, MixerSize, ParamFactory, StreamMixer } from './mixer';

/** N for a config: 2L (Full AttnRes) unless attnResGroups asks for fewer. */
export function attnResGroups(config: Pick<ProbeConfig, 'attnResGroups' | 'layers'>): number {
  const sublayers = 2 * config.layers;
  const asked = Math.round(config.attnResGroups ?? 0);
  return asked >= 1 && asked < sublayers ? asked : sublayers;
}

export function attentionResidualParams(config: ProbeConfig, factory: ParamFactory): AttentionResidualParams {
  const queries = Array.from({ length: 2 * config.layers + 1 }, (_, k) => factory.param(
    k === 2 * config.layers ? 'output.query' : `block${(k >> 1) + 1}.${k % 2 === 0 ? 'attn' : 'mlp'}Query`, config.dModel, 0));
  return { kind: 'attention-residuals', groups: attnResGroups(config), queries };
}

interface Source {
  values: Float32Array;
  /** Group 0 is x₀; groups 1 … N the sublayer groups. */
  group: number;
  /** The running sum of the reader's own group (its gradient goes to the group's earlier sublayers only). */
  partial: boolean;
}

export class AttentionResidualsMixer implements StreamMixer {
  private readonly c: number;
  private readonly rows: number;
  private readonly size: number;
  private readonly groupOf: number[];
  /** v_k, the branch outputs (null when removed). */
  private readonly values: (Float32Array | null)[];
  /** Completed group sums, groups 1 … N (index 0 holds x₀), and how many sublayers wrote each. */
  private readonly groupSums: Float32Array[];
  private readonly counts: number[];
  private readonly partials: Float32Array[];
  /** Per reader k = 0 … 2L (2L: the output): its sources, softmax weights and key rstd [source·N + row], and h_k. */
  private readonly sources: Source[][];
  private readonly weights: Float64Array[];
  private readonly rstd: Float64Array[];
  private readonly inputs: Float32Array[];
  private readonly dGroups: Float32Array[];
  private readonly dRunning: Float32Array[];
  private readonly dg: Float32Array;

  constructor(private readonly params: AttentionResidualParams, { n: rows, c, layers, allocate }: MixerSize) {
    this.c = c;
    this.rows = rows;
    this.size = rows * c;
    const sublayers = 2 * layers;
    const perGroup = Math.floor(sublayers / params.groups);
    this.groupOf = Array.from({ length: sublayers }, (_, k) => Math.min(Math.floor(k / perGroup), params.groups - 1) + 1);
    const buffers = (count: number) => Array.from({ length: count }, () => allocate(this.size));
    this.values = new Array<Float32Array | null>(sublayers).fill(null);
    this.groupSums = buffers(params.groups + 1);
    this.counts = new Array<number>(params.groups + 1).fill(0);
    this.partials = buffers(params.groups < sublayers ? sublayers : 0);
    this.sources = Array.from({ length: sublayers + 1 }, () => []);
    this.weights = Array.from({ length: sublayers + 1 }, () => new Float64Array(0));
    this.rstd = Array.from({ length: sublayers + 1 }, () => new Float64Array(0));
    this.inputs = buffers(sublayers + 1);
    this.dGroups = buffers(params.groups + 1);
    this.dRunning = buffers(params.groups + 1);
    this.dg = allocate(this.size);
  }

  begin(x0: Float32Array): void {
    this.groupSums[0] = x0;
    this.counts.fill(0);
    this.counts[0] = 1;
  }

  /** The values reader k attends over: x₀ and the completed groups that have a value, then its group's running sum. */
  private gather(k: number): Source[] {
    const sublayers = this.values.length;
    const own = k < sublayers ? this.groupOf[k] : this.params.groups + 1;
    const sources: Source[] = [];
    for (let group = 0; group < own; group++) if (this.counts[group] > 0) sources.push({ values: this.groupSums[group], group, partial: false });
    if (k < sublayers) {
      const earlier = [];
      for (let i = k - 1; i >= 0 && this.groupOf[i] === own; i--) if (this.values[i]) earlier.push(this.values[i]!);
      if (earlier.length > 0) {
        const partial = this.partials[k];
        partial.set(earlier[0]);
        for (const value of earlier.slice(1)) for (let i = 0; i < this.size; i++) partial[i] += value[i];
        sources.push({ values: partial, group: own, partial: true });
      }
    }
    return sources;
  }

  /** h_k[N,C] = Σ_j softmax_j(w_k·V_j·rstd_j)·V_j per row. */
  private attend(k: number): Float32Array {
    const { c, rows } = this;
    const sources = this.gather(k);
    const m = sources.length;
    const query = this.params.queries[k].data;
    const weights = new Float64Array(m * rows);
    const rstd = new Float64Array(m * rows);
    const h = this.inputs[k];
    for (let r = 0; r < rows; r++) {
      let max = -Infinity;
      for (let j = 0; j < m; j++) {
        const v = sources[j].values;
        let squares = 0;
        let logit = 0;
        for (let i = r * c; i < (r + 1) * c; i++) {
          squares += v[i] * v[i];
          logit += query[i - r * c] * v[i];
        }
        const scale = 1 / Math.sqrt(squares / c + NORM_EPS);
        rstd[j * rows + r] = scale;
        weights[j * rows + r] = logit * scale;
        max = Math.max(max, logit * scale);
      }
      let total = 0;
      for (let j = 0; j < m; j++) total += (weights[j * rows + r] = Math.exp(weights[j * rows + r] - max));
      for (let j = 0; j < m; j++) weights[j * rows + r] /= total;
      for (let i = r * c; i < (r + 1) * c; i++) {
        let value = 0;
        for (let j = 0; j < m; j++) value += weights[j * rows + r] * sources[j].values[i];
        h[i] = value;
      }
    }
    this.sources[k] = sources;
    this.weights[k] = weights;
    this.rstd[k] = rstd;
    return h;
  }

  input(k: number): Float32Array {
    return this.attend(k);
  }

  combine(k: number, g: Float32Array | null): void {
    this.values[k] = g;
    const group = this.groupOf[k];
    if (k + 1 < this.values.length && this.groupOf[k + 1] === group) return;
    // The group is complete: its sum is a value for every later reader.
    const sum = this.groupSums[group];
    sum.fill(0);
    this.counts[group] = 0;
    for (let i = k; i >= 0 && this.groupOf[i] === group; i--) {
      const value = this.values[i];
      if (!value) continue;
      this.counts[group]++;
      for (let e = 0; e < this.size; e++) sum[e] += value[e];
    }
  }

  blockStream(l: number): Float32Array {
    return this.inputs[2 * l];
  }

  blockSum(): null {
    return null;
  }

  dualStream(): null {
    return null;
  }

  output(): Float32Array {
    return this.attend(this.values.length);
  }

  /** Through reader k's softmax over depth: its query's grad, and each source's grad (group or running sum). */
  private attendBackward(k: number, dh: Float32Array): void {
    const { c, rows } = this;
    const sources = this.sources[k];
    const [weights, rstd] = [this.weights[k], this.rstd[k]];
    const m = sources.length;
    const query = this.params.queries[k];
    const dLogit = new Float64Array(m);
    for (let r = 0; r < rows; r++) {
      const from = r * c;
      let mean = 0;
      for (let j = 0; j < m; j++) {
        let d = 0;
        for (let i = from; i < from + c; i++) d += dh[i] * sources[j].values[i];
        dLogit[j] = d;
        mean += weights[j * rows + r] * d;
      }
      for (let j = 0; j < m; j++) {
        const a = weights[j * rows + r];
        const s = rstd[j * rows + r];
        const dz = a * (dLogit[j] - mean);
        const v = sources[j].values;
        const target = sources[j].partial ? this.dRunning[sources[j].group] : this.dGroups[sources[j].group];
        // z = w·k̂, k̂ = v·s: dw += dz·k̂; dk̂ = dz·w; dv = a·dh + s·(dk̂ − k̂·mean(dk̂·k̂)).
        let projection = 0;
        for (let i = 0; i < c; i++) {
          const key = v[from + i] * s;
          query.grad[i] += dz * key;
          projection += dz * query.data[i] * key;
        }
        projection /= c;
        for (let i = 0; i < c; i++) {
          const key = v[from + i] * s;
          target[from + i] += a * dh[from + i] + s * (dz * query.data[i] - key * projection);
        }
      }
    }
  }

  outputBackward(dOutput: Float32Array): void {
    for (const d of this.dGroups) d.fill(0);
    for (const d of this.dRunning) d.fill(0);
    this.attendBackward(this.values.length, dOutput);
  }

  combineBackward(k: number): Float32Array {
    const group = this.groupOf[k];
    const [whole, running] = [this.dGroups[group], this.dRunning[group]];
    for (let i = 0; i < this.size; i++) this.dg[i] = whole[i] + running[i];
    return this.dg;
  }

  inputBackward(k: number, dInput: Float32Array): void {
    this.attendBackward(k, dInput);
  }

  inputGradient(): null {
    return null;
  }

  beginBackward(): Float32Array {
    return this.dGroups[0];
  }
}
