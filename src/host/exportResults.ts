// The JSON export of a probe comparison: the model as analysed plus every run's whole result, keyed by
// its config so a run can be re-created. Pure.

import type { RunResult } from '../core/probe/types';
import type { PanelModel, RunView } from '../protocol/messages';

export interface ExportedResults {
  format: 'normscope-results';
  version: 1;
  file: string;
  block: PanelModel['block'];
  runs: { label: string; backendNote: string | null; complete: boolean; result: RunResult }[];
}

export function exportJson(model: PanelModel, runs: readonly RunView[]): ExportedResults {
  return {
    format: 'normscope-results',
    version: 1,
    file: model.fileName,
    block: model.block,
    runs: runs.flatMap((run) => (run.snapshot
      ? [{ label: run.label, backendNote: run.backendNote, complete: run.snapshot.done, result: run.snapshot.result }]
      : [])),
  };
}
