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

/** A flag value from config.json in the type the flag's default has in Python. */
function configValue(config: Record<string, unknown>, name: string): boolean | number | string | undefined {
  const value = config[name];
  return typeof value === 'boolean' || typeof value === 'number' || typeof value === 'string' ? value : undefined;
}

function conditionalMismatch(block: BlockIR, config: Record<string, unknown> | null): RuleFinding | null {
  if (block.placement !== 'conditional' || !block.flag || !config || block.flag.default === null) return null;
  const value = configValue(config, block.flag.name);
  if (value === undefined || flagKey(value) === flagKey(block.flag.default)) return null;
  const asConfigured = block.flag.placements[flagKey(value)];
  const byDefault = block.flag.placements[flagKey(block.flag.default)];
  return {
    code: 'conditional-config-mismatch', severity: 'info', span: block.span, line: block.line,
    message: `\`${block.flag.name}\` defaults to ${flagKey(block.flag.default)} here (${byDefault ? PLACEMENT_LABEL[byDefault] : 'unknown'}) but the config.json beside this file sets ${JSON.stringify(value)}${asConfigured ? ` (${PLACEMENT_LABEL[asConfigured]})` : ''}: the model you load is not the one the default describes.`,
  };
}

/** All findings for a file; `config` is the parsed config.json in the same folder, if any. */
export function diagnosticFindings(
  report: FileReport, source: string, config: Record<string, unknown> | null, options: RuleOptions = DEFAULT_RULE_OPTIONS,
): RuleFinding[] {
  const findings: RuleFinding[] = [];
  for (const d of report.diagnostics) {
    // The analyzer's informational notes ("no transformer block found") would be noise on every file.
    if (d.severity === 'info') continue;
    findings.push({ code: 'analyzer', severity: d.severity, message: d.message, span: null, line: Math.max(1, d.line) });
  }
  for (const block of report.blocks) {
    for (const finding of [postLnDeep(block, options), deepNormNoBeta(block, source), conditionalMismatch(block, config)]) {
      if (finding) findings.push(finding);
    }
  }
  return findings;
}
