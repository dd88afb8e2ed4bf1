// The self-contained HTML report's script: reads the data island and draws one column per compared run
// (diagram, heatmaps on shared scales, notes, config) with the loss and theory charts below. Offline only.

import { buildComparison } from './views/compare';
import { renderComparison } from './views/comparisonView';
import { decodeReportData } from './views/reportData';
import { buildSweepViewModel } from './views/sweepModel';
import { renderSweep } from './views/sweepView';

function main(): void {
  const island = document.getElementById('normscope-data');
  const app = document.getElementById('app');
  if (!island || !app) return;
  try {
    const data = decodeReportData(island.textContent ?? '');
    if (data.sweep) {
      renderSweep(app, buildSweepViewModel(data.sweep, data.title));
      app.setAttribute('data-rendered', String(data.sweep.points.length));
      return;
    }
    if (data.runs.length === 0) {
      app.textContent = 'This report holds no runs.';
      return;
    }
    const start = performance.now();
    renderComparison(app, buildComparison(data.runs), { showConfig: true });
    app.setAttribute('data-rendered', String(data.runs.length));
    // The views benchmark reads this back from a headless browser: model building plus DOM work.
    app.setAttribute('data-render-ms', (performance.now() - start).toFixed(1));
  } catch (error) {
    app.textContent = `The report could not be drawn: ${error instanceof Error ? error.message : String(error)}`;
  }
}

main();
