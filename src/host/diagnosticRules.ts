// Where the architecture invites trouble: pure rules from a FileReport (plus the source and a config.json
// beside it) to diagnostics with a reason. The host maps them to vscode.Diagnostic with source NormScope.

import type { BlockIR, FileReport, Span } from '../core/ir/model';
import { PLACEMENT_LABEL, flagKey } from './placementText';

export interface RuleFinding {
  code: 'post-ln-deep' | 'deepnorm-no-beta' | 'conditional-config-mismatch' | 'analyzer';
  severity: 'error' | 'warning' | 'info';
  message: string;
  /** Where to underline; null means line 1 of the file. */
  span: Span | null;
  /** 1-based line, used when there is no span. */
  line: number;
}

export interface RuleOptions {
  /** Post-LN deeper than this gets the warm-up warning. */
  postLnDepthThreshold: number;
}

export const DEFAULT_RULE_OPTIONS: RuleOptions = { postLnDepthThreshold: 6 };

/** DeepNorm's β = (8L)^-¼ scales the init; recognises the ways torchscale and ports write it. */
const DEEPNORM_BETA = [
  /\(\s*8\s*\*\s*[\w.]+\s*\)\s*\*\*\s*\(?\s*-\s*(?:0?\.25|1\s*\/\s*4)\s*\)?/,
  /\(\s*[\w.]+\s*\*\s*8\s*\)\s*\*\*\s*\(?\s*-\s*(?:0?\.25|1\s*\/\s*4)\s*\)?/,
  /math\.pow\(\s*8(?:\.0)?\s*\*\s*[\w.]+\s*,\s*-\s*(?:0?\.25|1\s*\/\s*4)\s*\)/,
  /\bdeepnorm_beta\b|\bdeep_norm_beta\b/i,
];

export function hasDeepNormBeta(source: string): boolean {
  return DEEPNORM_BETA.some((pattern) => pattern.test(source));
}

function postLnDeep(block: BlockIR, options: RuleOptions): RuleFinding | null {
  if (block.placement !== 'post' || block.layers === null || block.layers <= options.postLnDepthThreshold) return null;
  return {
    code: 'post-ln-deep', severity: 'warning', span: block.span, line: block.line,
    message: `Post-LN with ${block.layers} blocks: at initialisation the gradients near the output are large whatever the depth (Xiong et al. 2020), so this needs learning-rate warm-up; without it deep Post-LN stalls or diverges. Consider Pre-LN or DeepNorm.`,
  };
}

function deepNormNoBeta(block: BlockIR, source: string): RuleFinding | null {
  if (block.placement !== 'deepnorm' || hasDeepNormBeta(source)) return null;
  return {
    code: 'deepnorm-no-beta', severity: 'warning', span: block.span, line: block.line,
    message: `DeepNorm residual scale found${block.deepnormAlpha ? ` (α = ${block.deepnormAlpha})` : ''} but no β initialisation: DeepNet scales the sublayer weights by β = (8L)^-¼ at init (xavier_normal_ gain); α alone does not bound the update.`,
  };
}

/**
 * analyzeFile resolves a `conditional` block by the config.json beside it (placement and configKeys
 * change); the flag and its default stay. Where the config's value differs from the default, the model
 * a user loads is not the one the code's default describes: say so.
 */
function conditionalMismatch(block: BlockIR): RuleFinding | null {
  const flag = block.flag;
  if (!flag || flag.default === null) return null;
  const bare = flag.name.split('.').pop()!;
  const key = block.configKeys?.find((k) => k.key === bare || k.key === flag.name);
  if (!key || key.value === null) return null;
  const same = (a: boolean | number | string, b: boolean | number | string) => flagKey(a).toLowerCase() === flagKey(b).toLowerCase();
  if (same(key.value, flag.default)) return null;
  const reading = (value: boolean | number | string) =>
    Object.entries(flag.placements).find(([k]) => k.toLowerCase() === flagKey(value).toLowerCase())?.[1];
  const byDefault = reading(flag.default);
  const asConfigured = reading(key.value);
  const where = `${key.file ? key.file.split(/[\\/]/).pop() : 'config.json'} line ${key.line}`;
  return {
    code: 'conditional-config-mismatch', severity: 'info', span: block.span, line: block.line,
    message: `\`${bare}\` defaults to ${flagKey(flag.default)} here (${byDefault ? PLACEMENT_LABEL[byDefault] : 'unknown'}) but ${where} sets ${JSON.stringify(key.value)} (${asConfigured ? PLACEMENT_LABEL[asConfigured] : 'unknown'}): the model you load is not the one the default describes.`,
  };
}

/**
 * Analyzer diagnostics the editor leaves to the JSON language server. Python syntax errors are kept: in a
 * model file they mean NormScope read past code it could not parse, so its placements there may be
 * incomplete, and not every editor has a Python language server to say where (code-server has none).
 * Diagnostics are refreshed 400 ms after typing stops, so a half-typed line does not flash.
 */
const EDITOR_SILENT: ReadonlySet<string> = new Set(['invalid-json', 'json-non-standard', 'parse-failed']);

/** All findings for a file (analysed with its sibling config.json, where there is one). */
export function diagnosticFindings(report: FileReport, source: string, options: RuleOptions = DEFAULT_RULE_OPTIONS): RuleFinding[] {
  const findings: RuleFinding[] = [];
  // A file with no transformer in it (package.json, a data script) gets nothing from NormScope: the
  // analyzer's "not a model config" is right for the CLI but noise on every JSON file in an editor.
  const isModel = report.blocks.length > 0;
  for (const d of report.diagnostics) {
    // Informational notes would be noise; malformed JSON is the JSON language server's to report.
    if (!isModel || d.severity === 'info' || (d.code !== undefined && EDITOR_SILENT.has(d.code))) continue;
    findings.push({ code: 'analyzer', severity: d.severity, message: d.message, span: null, line: Math.max(1, d.line) });
  }
  for (const block of report.blocks) {
    for (const finding of [postLnDeep(block, options), deepNormNoBeta(block, source), conditionalMismatch(block)]) {
      if (finding) findings.push(finding);
    }
  }
  return findings;
}
