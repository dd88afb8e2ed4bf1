// Config objects in model code: a same-file config class's fields (dataclass fields, or what its
// __init__ stores), read once per file and shared by every construction that receives the config.

import { invoke } from './calls';
import type { Frame, Interpreter } from './interpreter';
import type { ClassInfo, ModuleInfo } from './syntax';
import { forwardOf } from './syntax';
import type { Instance, Value } from './values';
import { freshId } from './values';

const NO_KEYWORDS: ReadonlyMap<string, Value> = new Map();

/** Constants that came in through a parameter remember it, so a branch on them is a reportable flag. */
export function withOrigin(value: Value, name: string): Value {
  if ((value.k === 'bool' || value.k === 'num' || value.k === 'str' || value.k === 'none') && !value.origin) return { ...value, origin: name };
  return value;
}

/** A config class: fields or an __init__ that only stores constants, and no forward. */
export function isConfigClass(cls: ClassInfo): boolean {
  if (forwardOf(cls)) return false;
  if (/config|args|params|hparams|settings/i.test(cls.name)) return true;
  return cls.decorators.some((d) => d.includes('dataclass')) && cls.fields.length > 0;
}

const configClassCache = new WeakMap<ModuleInfo, ClassInfo[]>();

/** The module's config classes, found once per file: every config-like parameter of every call asks. */
export function configClassesOf(module: ModuleInfo): ClassInfo[] {
  let found = configClassCache.get(module);
  if (!found) configClassCache.set(module, (found = [...module.classes.values()].filter(isConfigClass)));
  return found;
}

const configCache = new WeakMap<ClassInfo, Map<string, Value>>();
/** Each file's filled config caches: the values every construction shares (surveyBuilds keeps them shared). */
const filledConfigs = new WeakMap<ModuleInfo, Array<ReadonlyMap<string, Value>>>();

export function filledConfigFields(module: ModuleInfo): ReadonlyArray<ReadonlyMap<string, Value>> {
  return filledConfigs.get(module) ?? [];
}

export function configValue(interp: Interpreter, cls: ClassInfo, name: string): Value {
  let fields = configCache.get(cls);
  if (!fields) {
    interp.configFills++;
    fields = new Map();
    const empty: Frame = { env: new Map(), returned: null };
    for (const field of cls.fields) if (field.value) fields.set(field.name, withOrigin(interp.eval(field.value, empty), field.name));
    const init = cls.methods.get('__init__');
    if (init) {
      const instance: Instance = { k: 'instance', cls, name: cls.name, attrs: new Map(fields), node: cls.node, id: freshId() };
      invoke(interp, init, instance, { positional: [], keywords: NO_KEYWORDS });
      for (const [key, value] of instance.attrs) fields.set(key, withOrigin(value, key));
    }
    configCache.set(cls, fields);
    let filled = filledConfigs.get(interp.module);
    if (!filled) filledConfigs.set(interp.module, (filled = []));
    filled.push(fields);
  }
  return { k: 'config', cls, fields, name };
}
