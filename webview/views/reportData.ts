// The report's data island: runs as JSON inside <script type="application/json">, with non-finite numbers
// kept (JSON has no NaN or ∞, and a diverged run is full of them) and nothing that could end the script.

import type { SweepResult } from '../../src/core/probe/sweep';
import type { RunResult } from '../../src/core/probe/types';

export interface ReportData {
  title: string;
  source: string | null;
  generated: string;
  runs: RunResult[];
  /** A depth sweep's report carries the sweep instead of runs (`normscope sweep --out`). */
  sweep?: SweepResult;
}

const NON_FINITE: Record<string, number> = { NaN: Number.NaN, Infinity: Infinity, '-Infinity': -Infinity };

/** JSON text safe inside a <script> element: non-finite numbers as the strings "NaN"/"Infinity"/"-Infinity", `<` escaped. */
export function encodeReportData(data: ReportData): string {
  const json = JSON.stringify(data, (_key, value: unknown) =>
    typeof value === 'number' && !Number.isFinite(value) ? String(value) : value);
  return json.replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** The inverse of encodeReportData. Only the three sentinel strings become numbers; no field of a run holds them as text. */
export function decodeReportData(text: string): ReportData {
  return JSON.parse(text, (_key, value: unknown) =>
    typeof value === 'string' && value in NON_FINITE ? NON_FINITE[value] : value) as ReportData;
}
