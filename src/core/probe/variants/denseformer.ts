// DenseFormer (Pagliardini et al. 2024): a Pre-LN block, then a depth-weighted average of every earlier
// block output: y_l = x_{l−1} + Attn(N(x_{l−1})) + MLP(N(·)), x_l = Σ_{i=0..l} a_{l,i}·y_i with y₀ = x₀.
// The weights start as the paper's identity (a_{l,l} = 1, the rest 0), so at initialisation the model is
// Pre-LN. Simplified: every block has a DWA (dilation 1, period 1), the paper's plain DenseFormer.

import type { ProbeConfig } from '../types';
import type { DenseformerParams, MixerSize, ParamFactory, StreamMixer } from './mixer';
import { axpy, dot } from './mixer';

export function denseformerParams(config: ProbeConfig, factory: ParamFactory): DenseformerParams {
  const weights = Array.from({ length: config.layers }, (_, index) => {
    const a = factory.param(`block${index + 1}.dwa`, index + 2, 0);
    a.data[index + 1] = 1;
    return a;
  });
  return { kind: 'denseformer', weights };
}

export class DenseformerMixer implements StreamMixer {
  private readonly size: number;
  /** y_i, i = 0 … L (y₀ aliases x₀). */
  private readonly y: Float32Array[];
  /** x_l, l = 0 … L: the DWA outputs (x₀ aliases the embedding output). */
  private readonly x: Float32Array[];
  /** Block l's stream between its attention and its MLP, l = 1 … L (index l − 1). */
  private readonly mid: Float32Array[];
  /** ∂loss/∂y_i, accumulated over the DWAs that read y_i. */
  private readonly dy: Float32Array[];
  private readonly dStream: Float32Array;
  private readonly dx0: Float32Array;

  constructor(private readonly params: DenseformerParams, { n, c, layers, allocate }: MixerSize) {
    this.size = n * c;
    const buffers = (count: number) => Array.from({ length: count }, () => allocate(this.size));
    this.y = buffers(layers + 1);
    this.x = buffers(layers + 1);
    this.mid = buffers(layers);
    this.dy = buffers(layers + 1);
    this.dStream = allocate(this.size);
    this.dx0 = allocate(this.size);
  }

  begin(x0: Float32Array): void {
    this.y[0] = x0;
    this.x[0] = x0;
  }

  input(k: number): Float32Array {
    const l = (k >> 1) + 1;
    return k % 2 === 0 ? this.x[l - 1] : this.mid[l - 1];
  }

  combine(k: number, g: Float32Array | null): void {
    const l = (k >> 1) + 1;
    const size = this.size;
    const from = k % 2 === 0 ? this.x[l - 1] : this.mid[l - 1];
    const to = k % 2 === 0 ? this.mid[l - 1] : this.y[l];
    if (g) for (let i = 0; i < size; i++) to[i] = from[i] + g[i];
    else to.set(from);
    if (k % 2 === 0) return;
    // x_l[N,C] = Σ_i a_{l,i}·y_i.
    const a = this.params.weights[l - 1].data;
    const out = this.x[l];
    axpy(out, a[0], this.y[0], size, false);
    for (let i = 1; i <= l; i++) axpy(out, a[i], this.y[i], size);
  }

  blockStream(l: number): Float32Array {
    return this.x[l];
  }

  blockSum(): null {
    return null;
  }

  dualStream(): null {
    return null;
  }

  output(): Float32Array {
    return this.x[this.x.length - 1];
  }

  outputBackward(dOutput: Float32Array): void {
    this.dStream.set(dOutput);
    for (const d of this.dy) d.fill(0);
  }

  combineBackward(k: number): Float32Array {
    const l = (k >> 1) + 1;
    const size = this.size;
    if (k % 2 === 1) {
      // dStream holds ∂loss/∂x_l: through the DWA to every y_i it read, and to its weights.
      const weights = this.params.weights[l - 1];
      for (let i = 0; i <= l; i++) {
        weights.grad[i] += dot(this.dStream, this.y[i], size);
        axpy(this.dy[i], weights.data[i], this.dStream, size);
      }
      // Every reader of y_l is done: ∂loss/∂y_l is complete, and y_l = mid + g passes it to both.
      return this.dy[l];
    }
    // mid = x_{l−1} + g: ∂loss/∂mid (dy_l plus the MLP's input grad, added in inputBackward) to both.
    this.dStream.set(this.dy[l]);
    return this.dy[l];
  }

  inputBackward(k: number, dInput: Float32Array): void {
    const l = (k >> 1) + 1;
    axpy(k % 2 === 1 ? this.dy[l] : this.dStream, 1, dInput, this.size);
  }

  inputGradient(k: number): Float32Array {
    return k % 2 === 1 ? this.dy[(k >> 1) + 1] : this.dStream;
  }

  beginBackward(): Float32Array {
    // x₀ is read by block 1 (dStream) and, as y₀, by every DWA.
    const size = this.size;
    for (let i = 0; i < size; i++) this.dx0[i] = this.dStream[i] + this.dy[0][i];
    return this.dx0;
  }
}
