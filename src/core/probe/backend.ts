// The op set every probe backend implements: forward/backward pairs in the shape of llm.c's
// train_gpt2.c, on row-major Float32Arrays. The plain-TypeScript backend is the living definition;
// every other backend (gpu.js, worker-threaded CPU) must agree with it to a stated tolerance, and the
// same op suite runs on all of them. Shapes are in the comments: B batch, T seq, C width, H heads,
// V vocab, N rows (= B·T).

import type { MetricColumn } from './modelMetrics';
import type { ModelParams } from './modelParams';

/** Adam's constants for a device step (engine.ts's ADAM). */
export interface AdamConstants { beta1: number; beta2: number; eps: number }

/**
 * A whole training step kept on the device (gpujsStep.ts): parameters, moments and activations stay
 * where the kernels run; only a recorded step reads anything back.
 */
export interface DeviceStep {
  /**
   * Forward and backward on this batch, then the Adam update when `update` is given. A recorded step
   * returns the loss and the metric column (measured before the update); any other step returns null.
   */
  step(tokens: Int32Array, targets: Int32Array, options: {
    record: boolean; update: { lr: number; t: number } | null;
  }): Promise<{ loss: number; column: MetricColumn } | null>;
  /** Copies the trained parameters back into params.all[].data (once, for the end-of-run layer importance). */
  readParams(): Promise<void>;
  dispose(): void;
}

export interface ProbeBackend {
  readonly name: string;

  /**
   * Optional: a device-resident step for this model, used by the engine instead of the ops below; null
   * (or absent) where the backend has none or the model needs the op-by-op path.
   */
  createDeviceStep?(params: ModelParams, adam: AdamConstants): Promise<DeviceStep | null>;

  /**
   * out[M,N] (+)= op(a) · op(b), op(a) = a[M,K] or aᵀ when transA (a stored [K,M]),
   * op(b) = b[K,N] or bᵀ when transB (b stored [N,K]). With accumulate, adds into out.
   */
  matmul(
    out: Float32Array, a: Float32Array, b: Float32Array,
    m: number, k: number, n: number,
    options?: { transA?: boolean; transB?: boolean; accumulate?: boolean },
  ): void;

  /** y[N,C] = (x − mean) · rstd · gamma + beta; saves mean[N], rstd[N]. */
  layerNormForward(
    y: Float32Array, mean: Float32Array, rstd: Float32Array,
    x: Float32Array, gamma: Float32Array, beta: Float32Array, n: number, c: number, eps: number,
  ): void;
  /** dx[N,C] (+)= …; dgamma[C] += …; dbeta[C] += … (parameter grads always accumulate). */
  layerNormBackward(
    dx: Float32Array, dgamma: Float32Array, dbeta: Float32Array,
    dy: Float32Array, x: Float32Array, mean: Float32Array, rstd: Float32Array, gamma: Float32Array,
    n: number, c: number, accumulate?: boolean,
  ): void;

  /** y[N,C] = x · rstd · gamma, rstd = 1/√(mean(x²) + eps); saves rstd[N]. */
  rmsNormForward(
    y: Float32Array, rstd: Float32Array, x: Float32Array, gamma: Float32Array, n: number, c: number, eps: number,
  ): void;
  rmsNormBackward(
    dx: Float32Array, dgamma: Float32Array,
    dy: Float32Array, x: Float32Array, rstd: Float32Array, gamma: Float32Array,
    n: number, c: number, accumulate?: boolean,
  ): void;

  /** GELU, tanh approximation (as GPT-2 and llm.c). y[len] = gelu(x). */
  geluForward(y: Float32Array, x: Float32Array, length: number): void;
  /** dx (+)= dy · gelu'(x). */
  geluBackward(dx: Float32Array, dy: Float32Array, x: Float32Array, length: number, accumulate?: boolean): void;

  /**
   * Causal multi-head attention core. qkv[B,T,3C] (q, k, v concatenated per token) → out[B,T,C];
   * saves att[B,H,T,T] (post-softmax, zero above the diagonal). Scale 1/√(C/H).
   */
  attentionForward(out: Float32Array, att: Float32Array, qkv: Float32Array, b: number, t: number, c: number, h: number): void;
  /** dqkv[B,T,3C] (+)= … from dout[B,T,C], qkv and the saved att. */
  attentionBackward(
    dqkv: Float32Array, dout: Float32Array, qkv: Float32Array, att: Float32Array,
    b: number, t: number, c: number, h: number, accumulate?: boolean,
  ): void;

  /** probs[N,V] = softmax(logits); returns the mean −log p(target) over the N rows. */
  crossEntropyForward(probs: Float32Array, logits: Float32Array, targets: Int32Array, n: number, v: number): number;
  /** dlogits[N,V] = (probs − onehot(target)) / N. */
  crossEntropyBackward(dlogits: Float32Array, probs: Float32Array, targets: Int32Array, n: number, v: number): void;

  /** One Adam step in place (bias-corrected, step t ≥ 1, no weight decay). */
  adamUpdate(
    param: Float32Array, grad: Float32Array, m: Float32Array, v: Float32Array,
    lr: number, beta1: number, beta2: number, eps: number, t: number,
  ): void;

  /**
   * Optional: a zeroed buffer of `length` floats in the backend's own memory, which its kernels use
   * without copying. The engine allocates a run's parameters, activations, gradients and moments
   * through it where it exists; a backend serves one run this way (its buffers live until dispose).
   */
  allocate?(length: number): Float32Array;

  /** Frees whatever the backend holds (textures, workers). */
  dispose(): void;
}
