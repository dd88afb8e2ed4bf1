// What the interpreter reads off a dotted library name (`nn.LayerNorm`, `F.dropout`, `torch.cat`): it
// depends on the name alone, and model code calls the same few names thousands of times, so each name
// is classified once.

import type { NormType } from '../../ir/model';
import type { NormKind } from './norms';
import { functionalNormKind, lastName, libraryNormKind } from './norms';

// Value-preserving for placement: dropout, identity, and fp16 safety clamps (`torch.clamp(h, min=-v, max=v)`).
const DROPOUT_LIKE = /(^|\.)(Dropout\w*|DropPath|StochasticDepth|Identity|dropout|drop_path|identity|clamp|clip|nan_to_num)$/;

/** What callLibrary needs to know of a dotted library name: it depends on the name alone. */
export interface LibraryName {
  last: string;
  normKind: NormKind | null;
  functional: NormType | null;
  dropoutLike: boolean;
  numeric: boolean;
  capitalised: boolean;
}

const NUMERIC_FUNCTIONS = new Set(['int', 'float', 'round', 'floor', 'ceil', 'sqrt', 'abs', 'max', 'min', 'bool']);
/** Library names read so far: model code calls the same few (`nn.Linear`, `torch.cat`) thousands of times. */
const libraryNames = new Map<string, LibraryName>();

export function libraryName(name: string): LibraryName {
  let info = libraryNames.get(name);
  if (info) return info;
  // The names come from source text; a bound keeps a long editing session from growing the table.
  if (libraryNames.size >= 4096) libraryNames.clear();
  const last = lastName(name);
  info = { last, normKind: libraryNormKind(name), functional: functionalNormKind(name), dropoutLike: DROPOUT_LIKE.test(name), numeric: NUMERIC_FUNCTIONS.has(last), capitalised: /^[A-Z]/.test(last) };
  libraryNames.set(name, info);
  return info;
}
