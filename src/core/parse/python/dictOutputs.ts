// Sublayers and blocks that return dicts (pipeline-parallel code such as nanotron's: every module
// returns `{"hidden_states": h, ...}` and the caller picks the tensor by key). The stream entry of such
// a dict is the module's output; side entries (masks, caches, weights, losses) are not.

import type { Value } from './values';
import { isTensorOfStream } from './values';

/** Keys that name the main tensor of a module's dict output. */
const MAIN_KEY = /^(hidden_states?|hidden|hiddens|outputs?|out|x|h|y|states?|residual|features|feats|tokens|embeddings?|last_hidden_state)$/i;
/** Keys that name a side output (never the tensor the residual stream continues with). */
const SIDE_KEY = /mask|weight|cache|past|present|key_value|kv|aux|loss|router|logits|position|score|prob|attn_map/i;

/**
 * `self.attn(x)["hidden_states"]`: a sublayer whose forward the analyzer keeps opaque, picked by a key
 * that names its main output, is that sublayer's output (as `[0]` of a tuple is). Null when the key
 * says nothing (the caller keeps its own reading).
 */
export function keyedSublayerOutput(value: Value, key: string): Value | null {
  if (value.k !== 'apply' || SIDE_KEY.test(key) || !MAIN_KEY.test(key)) return null;
  return value;
}

/**
 * The stream entry of a dict a block returns (`return {"hidden_states": h, "sequence_mask": m}`): the
 * one entry computed from the stream, or the one the main key names among several. Other values as given.
 */
export function mainOutput(value: Value): Value {
  if (value.k !== 'dict') return value;
  const tensors = [...value.entries].filter(([, v]) => isTensorOfStream(v));
  if (tensors.length === 1) return tensors[0][1];
  const named = tensors.filter(([key]) => MAIN_KEY.test(key) && !SIDE_KEY.test(key));
  return named.length === 1 ? named[0][1] : value;
}
