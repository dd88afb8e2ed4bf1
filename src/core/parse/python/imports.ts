// A model split across files: which files a Python file's `from … import …` lines may name (the host
// or CLI reads them, since the core touches no file system), and merging the classes and functions of
// those it was given into the file's module, marked with the file they came from. One level deep and
// bounded: the imports of imported files are not followed.

import type { ModuleInfo } from './syntax';

/** At most this many candidate paths are asked for, and this many imported files read. */
export const MAX_IMPORT_CANDIDATES = 24;
export const MAX_IMPORTED_FILES = 8;

/** Libraries no workspace file stands for: their names are never looked up. */
const LIBRARIES = /^(torch|numpy|np|jax|flax|tensorflow|tf|transformers|typing|collections|functools|math|os|sys|dataclasses|einops|abc|enum|logging|itertools|re|json|warnings|copy|inspect|contextlib|pathlib|mlx|haiku|optax|keras|triton|apex|xformers|flash_attn|timm|torchvision)$/;

const FROM_IMPORT = /^from[ \t]+(\.*)([\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n#]+)/gm;

/** The directory part of a '/'-separated path ('' for a bare name). */
function dirOf(path: string): string {
  const at = path.lastIndexOf('/');
  return at < 0 ? '' : path.slice(0, at);
}

function joinPath(dir: string, rest: string): string {
  return dir === '' ? rest : `${dir}/${rest}`;
}

/**
 * The files `from .layers import RMSNorm` or `from model.config import Config` may be, nearest
 * first: relative imports from the file's own folder, absolute ones from it and up to three folders
 * above. Paths use '/' (callers on Windows pass such paths too).
 */
export function importCandidates(file: string, source: string): string[] {
  const normalised = file.replace(/\\/g, '/');
  const out: string[] = [];
  const add = (path: string): void => {
    if (!out.includes(path) && path !== normalised && out.length < MAX_IMPORT_CANDIDATES) out.push(path);
  };
  for (const match of source.matchAll(FROM_IMPORT)) {
    const [, dots, dotted] = match;
    const parts = dotted.split('.').filter((p) => p.length > 0);
    if (dots.length === 0 && (parts.length === 0 || LIBRARIES.test(parts[0]))) continue;
    const modulePath = parts.join('/');
    const bases: string[] = [];
    if (dots.length > 0) {
      let dir = dirOf(normalised);
      for (let i = 1; i < dots.length; i++) dir = dirOf(dir);
      bases.push(dir);
    } else {
      for (let dir = dirOf(normalised), up = 0; up <= 3; up++, dir = dirOf(dir)) {
        bases.push(dir);
        if (dir === '') break;
      }
    }
    for (const base of bases) {
      if (modulePath === '') add(joinPath(base, '__init__.py'));
      else {
        add(joinPath(base, `${modulePath}.py`));
        add(joinPath(base, `${modulePath}/__init__.py`));
      }
    }
  }
  return out;
}

/** Where each class or function merged in from another file came from. */
const origins = new WeakMap<object, string>();

export function importedFrom(definition: object): string | null {
  return origins.get(definition) ?? null;
}

/**
 * Adds the classes and functions of imported files that the file does not define itself (its own
 * definitions win), remembering each one's file; inheritance is then resolved across both.
 */
export function mergeImported(module: ModuleInfo, imported: ReadonlyArray<{ file: string; module: ModuleInfo }>): string[] {
  const used: string[] = [];
  for (const { file, module: other } of imported) {
    let added = false;
    for (const [name, cls] of other.classes) {
      if (module.classes.has(name)) continue;
      module.classes.set(name, cls);
      origins.set(cls, file);
      added = true;
    }
    for (const [name, fn] of other.functions) {
      if (module.functions.has(name) || module.classes.has(name)) continue;
      module.functions.set(name, fn);
      origins.set(fn, file);
      added = true;
    }
    if (added) used.push(file);
  }
  return used;
}
