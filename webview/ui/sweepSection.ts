// The panel's depth-sweep section: the sweep's charts and table under a heading that says what ran.
import type { SweepResult } from '../../src/core/probe/sweep';
import { buildSweepViewModel } from '../views/sweepModel';
import { renderSweep } from '../views/sweepView';

export function sweepSection(doc: Document, sweep: SweepResult): HTMLElement {
  const section = doc.createElement('section');
  section.className = 'ns-section ns-sweep-section';
  section.setAttribute('data-points', String(sweep.points.length));
  const heading = doc.createElement('h3');
  heading.textContent = `Depth sweep: ${sweep.placements.join(', ')} at L = ${sweep.layers.join(', ')} · ${sweep.base.steps} steps${sweep.cancelled ? ' · cancelled' : ''}`;
  section.append(heading);
  renderSweep(section, buildSweepViewModel(sweep, heading.textContent));
  return section;
}
