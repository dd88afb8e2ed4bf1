// Keras layers: a `tf.keras.layers.Layer` subclass builds its sublayers in `build(input_shape)` (called
// once before the first `call`) and computes its output in `call(inputs)`. The interpreter reads `call`
// as the forward and runs `build` right after `__init__`, so the modules it makes are the instance's.

import type { ClassInfo, Node } from './syntax';

/** `Layer`, `layers.Layer`, `keras.layers.Layer`, `tf.keras.layers.Layer`, `keras.Model`, `tf.keras.Model`. */
const KERAS_BASE = /^(?:(?:tf\.)?keras\.)?(?:layers\.)?(?:Layer|Model)$/;

/** Whether a class is a Keras layer or model: a Keras base, directly or through a same-file parent. */
export function isKerasLayer(cls: ClassInfo, depth = 0): boolean {
  if (cls.bases.some((base) => KERAS_BASE.test(base.replace(/\s+/g, '')))) return true;
  return depth < 8 && cls.parents.some((parent) => isKerasLayer(parent, depth + 1));
}

/** The `call` method of a Keras layer (its forward), or null. */
export function kerasCall(cls: ClassInfo): Node | null {
  const call = cls.methods.get('call');
  return call && isKerasLayer(cls) ? call : null;
}

/** The `build` method of a Keras layer (where its sublayers are made), or null. */
export function kerasBuild(cls: ClassInfo): Node | null {
  const build = cls.methods.get('build');
  return build && isKerasLayer(cls) ? build : null;
}
