// ResiDual (Xie et al. 2023): two streams fed by the same sublayer outputs. Per sublayer k,
//   x^a ← N_k(x^a + F_k(x^a))      (the Post-LN stream; F reads it, so F's input is normalised)
//   x^d ← x^d + F_k(x^a)           (the dual stream: an un-normalised sum, as Pre-LN's)
// both starting from x₀, and the head reads x^a + N_dual(x^d). The metrics read x^a as the stream (with
// its sum before the norm as sumNorm) and x^d as the dual stream.

import type { ProbeBackend } from '../backend';
import { normBackward } from '../modelBackward';
import type { NormState } from '../modelForward';
import { normForward } from '../modelForward';
import type { ProbeConfig } from '../types';
import type { MixerSize, ParamFactory, ResidualParams, StreamMixer } from './mixer';

export function residualParams(config: ProbeConfig, factory: ParamFactory): ResidualParams {
  const norms = Array.from({ length: 2 * config.layers }, (_, k) => factory.norm(`block${(k >> 1) + 1}.${k % 2 === 0 ? 'attn' : 'mlp'}Sum`));
  return { kind: 'residual', norms, dualNorm: factory.norm('dualFinal') };
}

export class ResidualMixer implements StreamMixer {
  private readonly n: number;
  private readonly c: number;
  private readonly size: number;
  /** x^a before sublayer k, k = 0 … 2L (x^a_0 aliases x₀; the others are the norms' outputs or copies). */
  private readonly post: Float32Array[];
  /** The sums x^a + g, k = 1 … 2L (index k − 1), and their norms' saved statistics. */
  private readonly sums: Float32Array[];
  private readonly normStates: NormState[];
  /** x^d before sublayer k, k = 0 … 2L (x^d_0 aliases x₀). */
  private readonly dual: Float32Array[];
  private readonly dualNorm: NormState;
  private readonly out: Float32Array;
  private readonly dPost: Float32Array;
  private readonly dDual: Float32Array;
  private readonly dg: Float32Array;
  private readonly dx0: Float32Array;

  constructor(private readonly backend: ProbeBackend, private readonly params: ResidualParams, { n, c, layers, allocate }: MixerSize) {
    this.n = n;
    this.c = c;
    this.size = n * c;
    const buffers = (count: number) => Array.from({ length: count }, () => allocate(this.size));
    const normState = (): NormState => ({ out: allocate(this.size), mean: allocate(n), rstd: allocate(n) });
    this.sums = buffers(2 * layers);
    this.normStates = Array.from({ length: 2 * layers }, normState);
    this.post = [allocate(0), ...this.normStates.map((state) => state.out)];
    this.dual = buffers(2 * layers + 1);
    this.dualNorm = normState();
    this.out = allocate(this.size);
    [this.dPost, this.dDual, this.dg, this.dx0] = buffers(4);
  }

  begin(x0: Float32Array): void {
    this.post[0] = x0;
    this.dual[0] = x0;
  }

  input(k: number): Float32Array {
    return this.post[k];
  }

  combine(k: number, g: Float32Array | null): void {
    const { size, n, c } = this;
    const [post, dual, sum] = [this.post[k], this.dual[k], this.sums[k]];
    if (!g) {
      sum.set(post);
      this.post[k + 1].set(post);
      this.dual[k + 1].set(dual);
      return;
    }
    for (let i = 0; i < size; i++) sum[i] = post[i] + g[i];
    normForward(this.backend, this.params.norms[k], this.normStates[k], sum, n, c);
    const next = this.dual[k + 1];
    for (let i = 0; i < size; i++) next[i] = dual[i] + g[i];
  }

  blockStream(l: number): Float32Array {
    return this.post[2 * l];
  }

  blockSum(l: number): Float32Array {
    return this.sums[2 * l - 1];
  }

  dualStream(l: number): Float32Array {
    return this.dual[2 * l];
  }

  output(): Float32Array {
    // out[N,C] = x^a + N_dual(x^d).
    const last = this.dual.length - 1;
    normForward(this.backend, this.params.dualNorm, this.dualNorm, this.dual[last], this.n, this.c);
    const post = this.post[last];
    for (let i = 0; i < this.size; i++) this.out[i] = post[i] + this.dualNorm.out[i];
    return this.out;
  }

  outputBackward(dOutput: Float32Array): void {
    this.dPost.set(dOutput);
    normBackward(this.backend, this.params.dualNorm, this.dualNorm, this.dDual, dOutput, this.dual[this.dual.length - 1], this.n, this.c, false);
  }

  combineBackward(k: number): Float32Array {
    // dPost holds ∂loss/∂x^a after sublayer k: through its norm to the sum, which passes it to x^a and g;
    // g also receives the dual stream's gradient, which passes x^d unchanged.
    normBackward(this.backend, this.params.norms[k], this.normStates[k], this.dg, this.dPost, this.sums[k], this.n, this.c, false);
    this.dPost.set(this.dg);
    for (let i = 0; i < this.size; i++) this.dg[i] += this.dDual[i];
    return this.dg;
  }

  inputBackward(_k: number, dInput: Float32Array): void {
    for (let i = 0; i < this.size; i++) this.dPost[i] += dInput[i];
  }

  inputGradient(): Float32Array {
    return this.dPost;
  }

  beginBackward(): Float32Array {
    for (let i = 0; i < this.size; i++) this.dx0[i] = this.dPost[i] + this.dDual[i];
    return this.dx0;
  }
}
