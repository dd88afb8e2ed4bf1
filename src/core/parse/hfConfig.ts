// Hugging Face config.json → FileReport: one block named after model_type, classified through the family
// registry (hfConfigRegistry.ts) and the keys that change a family's placement. Never throws.

import type { BlockIR, ConfigKeyIR, Diagnostic, FileReport, FlagIR, NormType, Placement, Span, SublayerIR } from '../ir/model';
import { readJson } from './hfConfigJson';
import type { JsonDocument, JsonValue } from './hfConfigJson';
import { findFamily, GENERIC_PRE_NORM_FLAGS, HEAD_KEYS, LAYER_KEYS, STRUCTURE_KEYS, WIDTH_KEYS } from './hfConfigRegistry';
import type { FamilyFlag, FamilyReading, ModelFamily } from './hfConfigRegistry';

type JsonObject = { [key: string]: JsonValue };
type Scalar = boolean | number | string | null;

/** Looks keys up at the top level, then in `text_config` (multimodal wrappers such as Gemma 3, LLaVA). */
class ConfigView {
  readonly used: ConfigKeyIR[] = [];
  constructor(private readonly doc: JsonDocument, private readonly top: JsonObject, private readonly text: JsonObject | null) {}

  find(key: string): { path: string; value: JsonValue } | undefined {
    if (key in this.top) return { path: key, value: this.top[key] };
    if (this.text && key in this.text) return { path: `text_config.${key}`, value: this.text[key] };
    return undefined;
  }

  line(path: string): number {
    return this.doc.keys.get(path)?.line ?? 0;
  }

  /** Reads a key and records it as evidence. */
  read(key: string): { path: string; value: JsonValue; line: number } | undefined {
    const found = this.find(key);
    if (!found) return undefined;
    const line = this.line(found.path);
    const value = found.value;
    const scalar: Scalar = value === null || typeof value !== 'object' ? value : JSON.stringify(value);
    if (!this.used.some((entry) => entry.key === found.path)) this.used.push({ key: found.path, value: scalar, line });
    return { ...found, line };
  }

  firstNumber(keys: readonly string[]): { key: string; value: number; line: number } | null {
    for (const key of keys) {
      const found = this.find(key);
      if (found && typeof found.value === 'number' && Number.isInteger(found.value) && found.value > 0) {
        const read = this.read(key)!;
        return { key: read.path, value: found.value, line: read.line };
      }
    }
    return null;
  }

  has(keys: readonly string[]): boolean {
    return keys.some((key) => this.find(key) !== undefined);
  }
}

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function keySpan(doc: JsonDocument, path: string): Span {
  const at = doc.keys.get(path);
  const name = path.split('.').pop() ?? path;
  if (!at) return { line: 1, column: 0, endLine: 1, endColumn: 0, offset: 0, endOffset: 0 };
  const width = name.length + 2;
  return { line: at.line, column: at.column, endLine: at.line, endColumn: at.column + width, offset: at.offset, endOffset: at.offset + width };
}

/** Names a JSON file that is not a model config, so the message says what it looks like instead. */
function lookalike(top: JsonObject): string {
  if ('compilerOptions' in top) return ' (it looks like a tsconfig.json)';
  if ('name' in top && ('scripts' in top || 'dependencies' in top || 'version' in top)) return ' (it looks like an npm package.json)';
  if ('tokenizer_class' in top || 'added_tokens_decoder' in top) return ' (it looks like a tokenizer config)';
  if ('do_sample' in top || 'max_new_tokens' in top) return ' (it looks like a generation config)';
  return '';
}

interface Resolution {
  reading: FamilyReading;
  flag: FlagIR | null;
  notes: string[];
}

/** Reads a boolean flag; a non-boolean value falls back to the default with a warning. */
function flagValue(view: ConfigView, flag: FamilyFlag, diagnostics: Diagnostic[]): boolean {
  const found = view.read(flag.key);
  if (!found) return flag.default;
  if (typeof found.value === 'boolean') return found.value;
  diagnostics.push({ severity: 'warning', line: found.line, code: 'config-flag-type', message: `"${found.path}" should be true or false but is ${JSON.stringify(found.value)}; transformers' default (${flag.default}) is assumed` });
  return flag.default;
}

/** Walks a family's flags in order: the first flag whose value has a reading decides. */
function resolveFamily(family: ModelFamily, view: ConfigView, diagnostics: Diagnostic[]): Resolution {
  const flags = family.flags ?? [];
  const values = flags.map((flag) => flagValue(view, flag, diagnostics));
  const readingFor = (forced: ReadonlyArray<boolean>): FamilyReading => {
    for (let i = 0; i < flags.length; i++) {
      const reading = forced[i] ? flags[i].whenTrue : flags[i].whenFalse;
      if (reading) return reading;
    }
    return family.base;
  };
  const reading = readingFor(values);
  if (flags.length === 0) return { reading, flag: null, notes: [] };
  // Report the flag that decided, or the first one consulted when none changed the base reading.
  let decider = flags.findIndex((flag, i) => (values[i] ? flag.whenTrue : flag.whenFalse) !== null);
  if (decider < 0) decider = 0;
  const flag = flags[decider];
  const under = (value: boolean): Placement => readingFor(values.map((v, i) => (i === decider ? value : v))).placement;
  const present = view.find(flag.key);
  const notes = [present ? `${flag.key} = ${String(values[decider])} (line ${view.line(present.path)})` : `${flag.key} is absent, so transformers' default ${String(flag.default)} applies`];
  return { reading, flag: { name: flag.key, default: flag.default, placements: { true: under(true), false: under(false) } }, notes };
}

function sublayers(placement: Placement, reading: FamilyReading, family: ModelFamily | undefined, span: Span, reason: string): SublayerIR[] {
  const [attentionName, mlpName] = family?.sublayerNames ?? ['attention', 'mlp'];
  const [attentionNorms, mlpNorms] = reading.norms ?? [[], []];
  const make = (kind: SublayerIR['kind'], name: string, norms: readonly string[]): SublayerIR => ({
    kind, name, placement, line: span.line, span, norms: [...norms], reason,
  });
  const list = [make('attention', attentionName, attentionNorms)];
  if (family?.encoderDecoder) list.push(make('attention', 'cross_attention (decoder)', attentionNorms));
  list.push(make('mlp', mlpName, mlpNorms));
  return list;
}

/**
 * A generic pre-norm flag in a family whose code does not read it (BART configs carry
 * `normalize_before`) must not mislead: where its value contradicts the family, say that it is ignored.
 */
function noteIgnoredFlags(family: ModelFamily, placement: Placement, view: ConfigView, modelType: string, diagnostics: Diagnostic[]): void {
  const read = new Set((family.flags ?? []).map((flag) => flag.key));
  for (const key of GENERIC_PRE_NORM_FLAGS) {
    if (read.has(key)) continue;
    const found = view.find(key);
    if (!found || typeof found.value !== 'boolean') continue;
    const says: Placement = found.value ? 'pre' : 'post';
    if ((placement === 'pre' || placement === 'post') && says !== placement) {
      diagnostics.push({ severity: 'info', line: view.line(found.path), code: 'config-flag-ignored', message: `"${found.path}": ${String(found.value)} would mean ${says}, but the ${modelType} code does not read it: the family's code makes it ${placement}` });
    }
  }
}

/** A config without a registered model_type: a standard pre-norm flag may still decide, else `unknown`. */
function resolveUnregistered(view: ConfigView, modelType: string | null): Resolution {
  const what = modelType === null ? 'there is no "model_type"' : `model_type "${modelType}" is not in NormScope's registry of families`;
  for (const key of GENERIC_PRE_NORM_FLAGS) {
    const found = view.read(key);
    if (found && typeof found.value === 'boolean') {
      const placement: Placement = found.value ? 'pre' : 'post';
      return {
        reading: { placement, reason: `${what}, but ${key} = ${String(found.value)} (line ${found.line}) means ${found.value ? 'Pre-LN' : 'Post-LN'} wherever fairseq-style code reads it` },
        flag: { name: key, default: null, placements: { true: 'pre', false: 'post' } },
        notes: [],
      };
    }
  }
  return {
    reading: { placement: 'unknown', reason: `${what}; the placement is decided by the modelling code, not by keys NormScope can read here — inspect the .py file that defines the model` },
    flag: null,
    notes: [],
  };
}

/**
 * The norm type an unregistered family's keys reveal. `rms_norm_eps` is only written by RMSNorm code;
 * `layer_norm_epsilon` is not evidence of LayerNorm (T5 and Mamba use it for their RMS norms).
 */
function normFromKeys(view: ConfigView): NormType | null {
  return view.has(['rms_norm_eps', 'rms_norm_epsilon']) ? 'rmsnorm' : null;
}

/** Analyses config.json text. `file` is only echoed into the report. */
export function analyzeHfConfig(file: string, text: string): FileReport {
  const report: FileReport = { file, language: 'json', blocks: [], diagnostics: [] };
  const doc = readJson(text);
  if (doc.error) {
    const { line, column, message } = doc.error;
    report.diagnostics.push({ severity: 'error', line, column, code: 'invalid-json', message: `invalid JSON at line ${line}, column ${column + 1}: ${message}` });
    return report;
  }
  const top = doc.value;
  const notConfig = (why: string): FileReport => {
    report.diagnostics.push({ severity: 'warning', line: 0, code: 'not-a-model-config', message: `not a Hugging Face model config: ${why}; expected a JSON object with "model_type" and keys such as "num_hidden_layers", "hidden_size", "num_attention_heads"` });
    return report;
  };
  if (!isObject(top)) return notConfig(`the top-level value is ${Array.isArray(top) ? 'an array' : `a ${top === null ? 'null' : typeof top}`}, not an object`);
  const textConfig = isObject(top.text_config) ? top.text_config : null;
  const view = new ConfigView(doc, top, textConfig);

  const topType = typeof top.model_type === 'string' ? top.model_type : null;
  const innerType = textConfig && typeof textConfig.model_type === 'string' ? textConfig.model_type : null;
  if (!topType && !innerType && !view.has(STRUCTURE_KEYS)) return notConfig(`it has no "model_type" and none of the keys a model config has${lookalike(top)}`);
  if ('model_type' in top && topType === null) {
    report.diagnostics.push({ severity: 'warning', line: view.line('model_type'), code: 'config-key-type', message: `"model_type" should be a string but is ${JSON.stringify(top.model_type)}` });
  }
  if (doc.nonStandard) {
    report.diagnostics.push({ severity: 'warning', line: doc.nonStandard.line, code: 'json-non-standard', message: `${doc.nonStandard.what} is not valid JSON; transformers' from_pretrained will reject this file` });
  }

  // The top-level family wins; a wrapper NormScope does not know is read through its language model.
  let family = topType ? findFamily(topType) : undefined;
  let modelType = topType;
  let typePath = 'model_type';
  const wrapperNote: string[] = [];
  if (!family && innerType && findFamily(innerType)) {
    family = findFamily(innerType);
    wrapperNote.push(`read through text_config.model_type "${innerType}"${topType ? ` (the language model inside "${topType}")` : ''}`);
    modelType = topType ?? innerType;
    typePath = 'text_config.model_type';
  }
  if (topType) view.read('model_type');
  if (typePath === 'text_config.model_type') view.used.push({ key: typePath, value: innerType, line: view.line(typePath) });

  const diagnostics = report.diagnostics;
  const resolution = family ? resolveFamily(family, view, diagnostics) : resolveUnregistered(view, modelType);
  const { reading } = resolution;
  const placement = reading.placement;

  if (family) noteIgnoredFlags(family, reading.placement, view, modelType ?? '', diagnostics);

  const layers = view.firstNumber(LAYER_KEYS);
  const width = view.firstNumber(WIDTH_KEYS);
  const heads = view.firstNumber(HEAD_KEYS);
  const decoderLayers = view.firstNumber(['num_decoder_layers', 'decoder_layers']);

  const keyedNorm = normFromKeys(view);
  const norm: NormType | null = family?.norm ?? keyedNorm;
  const epsKey = ['rms_norm_eps', 'layer_norm_eps', 'layer_norm_epsilon', 'layernorm_epsilon'].map((key) => view.read(key)).find((found) => found !== undefined);
  if (family && keyedNorm && keyedNorm !== family.norm && epsKey) {
    diagnostics.push({ severity: 'info', line: epsKey.line, code: 'config-norm-key', message: `"${epsKey.path}" suggests ${keyedNorm}, but the ${modelType} code uses ${family.norm}; NormScope follows the code` });
  }

  const sources = [
    layers && `layers from ${layers.key} (line ${layers.line})`,
    decoderLayers && decoderLayers.value !== layers?.value && `${decoderLayers.value} decoder layers from ${decoderLayers.key} (line ${decoderLayers.line})`,
    width && `width from ${width.key} (line ${width.line})`,
    heads && `heads from ${heads.key} (line ${heads.line})`,
  ].filter((part): part is string => typeof part === 'string');
  const reason = [
    family ? `${modelType}: ${reading.reason}` : reading.reason,
    ...wrapperNote, ...resolution.notes,
    family?.normNote, sources.length > 0 ? sources.join(', ') : undefined,
  ].filter((part): part is string => typeof part === 'string' && part !== '').join('; ');

  const span = keySpan(doc, typePath);
  const block: BlockIR = {
    name: modelType ?? 'config',
    line: span.line,
    span,
    placement,
    reason,
    sublayers: sublayers(placement, reading, family, span, reading.reason),
    norm,
    finalNorm: family ? (reading.finalNorm ?? family.finalNorm) : null,
    layers: layers?.value ?? null,
    dModel: width?.value ?? null,
    heads: heads?.value ?? null,
    flag: resolution.flag,
    model: null,
    normDefinitions: [],
    normUses: [],
    configKeys: view.used,
  };
  report.blocks.push(block);
  if (!family) {
    diagnostics.push({
      severity: placement === 'unknown' ? 'warning' : 'info',
      line: modelType ? view.line(typePath) : 0,
      code: 'unknown-model-type',
      message: reading.reason,
    });
  }
  return report;
}
