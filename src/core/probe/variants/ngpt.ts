// nGPT (Loshchilov et al. 2024), the essentials: the hidden state lives on a sphere and each sublayer
// moves it part of the way toward its normalised output,
//   h ← unit(h + α ⊙ (unit(F(h)) − h))        (α ∈ R^C learned per sublayer, "eigen learning rates")
// with the embedding output put on the sphere and every matrix's vectors along the embedding dimension
// kept at unit norm (re-normalised after each optimizer step). "unit" here is the sphere of radius √d
// (RMS 1, an RMS norm without gain), so residualNorm reads 1 like the other placements' normalised
// streams; it is the paper's unit sphere scaled by √d. Simplified: no s_qk (no normalisation of q and k
// inside attention, the 1/√(d/H) softmax scale is kept), no s_u/s_v scaling of the MLP, no s_z logit scale,
// α stored directly (not α_init·α_scale re-parametrised), learned position embeddings (the paper uses RoPE),
// and the token embedding rows are not themselves normalised (their sum with the position is).
// The head reads h as is (no final norm: it is already on the sphere).

import type { ModelParams } from '../modelParams';

/** α at initialisation: the paper's α_A = α_M = 0.05. */
export const NGPT_ALPHA = 0.05;

/** Scales each vector of `count` vectors of length `length` (stride `step` between its entries) to unit norm. */
function normaliseVectors(data: Float32Array, count: number, length: number, start: (index: number) => number, step: number): void {
  for (let index = 0; index < count; index++) {
    const base = start(index);
    let squares = 0;
    for (let i = 0; i < length; i++) squares += data[base + i * step] ** 2;
    const scale = squares > 0 ? 1 / Math.sqrt(squares) : 1;
    for (let i = 0; i < length; i++) data[base + i * step] *= scale;
  }
}

/**
 * Puts every matrix's embedding-dimension vectors on the unit sphere: the columns of W_qkv [C,3C], W_1
 * [C,4C] and the head [C,V] (each reads the C-dim stream), the rows of W_O [C,C] and W_2 [4C,C] (each
 * writes a C-dim vector).
 */
export function normaliseNgptWeights(params: ModelParams): void {
  const c = params.config.dModel;
  const v = params.config.vocab;
  const columns = (data: Float32Array, width: number) => normaliseVectors(data, width, c, (column) => column, width);
  const rows = (data: Float32Array, height: number) => normaliseVectors(data, height, c, (row) => row * c, 1);
  for (const block of params.blocks) {
    columns(block.wqkv.data, 3 * c);
    columns(block.w1.data, 4 * c);
    rows(block.wo.data, c);
    rows(block.w2.data, 4 * c);
  }
  columns(params.head.data, v);
}
