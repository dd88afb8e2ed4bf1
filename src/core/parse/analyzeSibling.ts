// A config.json beside a .py file: it fills the depth, width and heads the code leaves to a config
// object, and decides a `conditional` block whose flag the config sets. The code stays the authority on
// placement; where the config's family says otherwise, the report says so and keeps the code's reading.

import type { BlockIR, ConfigKeyIR, FileReport, Placement } from '../ir/model';
import { analyzeHfConfig } from './hfConfig';
import { readJson } from './hfConfigJson';
import type { JsonValue } from './hfConfigJson';

type JsonObject = { [key: string]: JsonValue };

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `config.use_parallel_residual`, `self.norm_first`, `args.pre_norm` → the bare key. */
function bareKey(flagName: string): string {
  const parts = flagName.split('.');
  return parts[parts.length - 1];
}

/** The flag's placement under a JSON boolean, whichever spelling the analyzer keyed it by. */
function placementUnder(placements: Record<string, Placement>, value: boolean): Placement | undefined {
  const wanted = String(value).toLowerCase();
  const entry = Object.entries(placements).find(([key]) => key.toLowerCase() === wanted);
  return entry?.[1];
}

function resolveFlag(block: BlockIR, top: JsonObject, configFile: string, lineOf: (key: string) => number): string | null {
  if (block.placement !== 'conditional' || !block.flag) return null;
  const key = bareKey(block.flag.name);
  const value = top[key];
  if (typeof value !== 'boolean') return null;
  const placement = placementUnder(block.flag.placements, value);
  if (!placement) return null;
  block.placement = placement;
  for (const sublayer of block.sublayers) if (sublayer.placement === 'conditional') sublayer.placement = placement;
  const note = `${configFile} sets ${key} = ${String(value)} (line ${lineOf(key)}), so ${placement}`;
  block.reason = `${block.reason}; ${note}`;
  (block.configKeys ??= []).push({ key, value, line: lineOf(key), file: configFile });
  return note;
}

const DIFFERENT_READINGS: ReadonlySet<Placement> = new Set(['unknown', 'conditional', 'mixed']);

/** Fills what the Python left null from the config beside it; the report is changed in place and returned. */
export function resolveWithConfig(report: FileReport, configFile: string, configText: string): FileReport {
  const configReport = analyzeHfConfig(configFile, configText);
  const config = configReport.blocks[0];
  if (!config) {
    const why = configReport.diagnostics[0]?.message ?? 'no model config found';
    report.diagnostics.push({ severity: 'info', line: 0, code: 'sibling-config', message: `${configFile} beside this file was not used: ${why}` });
    return report;
  }
  const doc = readJson(configText);
  const top = isObject(doc.value) ? doc.value : {};
  const lineOf = (key: string): number => doc.keys.get(key)?.line ?? 0;
  const keyFor = (field: 'layers' | 'dModel' | 'heads'): ConfigKeyIR | undefined => {
    const candidates: Record<typeof field, RegExp> = {
      layers: /(^|\.)(num_hidden_layers|n_layer|num_layers|n_layers|encoder_layers)$/,
      dModel: /(^|\.)(hidden_size|n_embd|d_model|dim)$/,
      heads: /(^|\.)(num_attention_heads|n_head|num_heads|n_heads|encoder_attention_heads)$/,
    };
    return config.configKeys?.find((entry) => candidates[field].test(entry.key));
  };

  for (const block of report.blocks) {
    const filled: string[] = [];
    for (const field of ['layers', 'dModel', 'heads'] as const) {
      const value = config[field];
      if (block[field] !== null || value === null) continue;
      block[field] = value;
      const key = keyFor(field);
      filled.push(key ? `${field} = ${value} from ${key.key} (line ${key.line})` : `${field} = ${value}`);
      if (key) (block.configKeys ??= []).push({ ...key, file: configFile });
    }
    if (filled.length > 0) {
      const note = `${configFile}: ${filled.join(', ')}`;
      block.reason = `${block.reason}; ${note}`;
      report.diagnostics.push({ severity: 'info', line: block.line, code: 'sibling-config', message: `${block.name}: ${note}` });
    }
    const flagNote = resolveFlag(block, top, configFile, lineOf);
    if (flagNote) report.diagnostics.push({ severity: 'info', line: block.line, code: 'sibling-config', message: `${block.name}: ${flagNote}` });
    if (!DIFFERENT_READINGS.has(block.placement) && !DIFFERENT_READINGS.has(config.placement) && block.placement !== config.placement) {
      report.diagnostics.push({
        severity: 'info', line: block.line, code: 'config-disagrees',
        message: `${block.name} reads as ${block.placement} in the code, but ${configFile}'s model_type "${config.name}" is registered as ${config.placement}; the code decides, so check that this config belongs to this file`,
      });
    }
  }
  return report;
}
