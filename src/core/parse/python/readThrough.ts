// Module instances whose forward is read through where they are applied, even when it shapes no
// residual path itself: a block wrapped by a Residual module (residualWrappers.ts) is the wrapper's
// sublayers, not one opaque sublayer.

import type { Instance } from './values';

const readThrough = new WeakSet<Instance>();

export function markReadThrough(instance: Instance): void {
  readThrough.add(instance);
}

export function isReadThrough(instance: Instance): boolean {
  return readThrough.has(instance);
}

export function unmarkReadThrough(instance: Instance): void {
  readThrough.delete(instance);
}
