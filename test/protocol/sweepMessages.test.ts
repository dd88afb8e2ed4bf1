// The depth sweep across the host ↔ panel boundary: setSweep passes its guard after a JSON round trip
// (nulls where numbers were not measured), and malformed sweeps are refused, in messages and saved state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isHostToWebview, isPanelState, isSweepResult } from '../../src/protocol/messages';
import { fixtureSweep } from '../sweep/sweepFixtures';

const wire = <T>(value: T): unknown => JSON.parse(JSON.stringify(value));

test('setSweep: a whole sweep (diverged points, missing importance, skipped placements) or null passes', () => {
  for (const sweep of [fixtureSweep(true), fixtureSweep(false)]) {
    assert.ok(isSweepResult(wire(sweep)));
    assert.ok(isHostToWebview(wire({ type: 'setSweep', sweep })));
  }
  assert.ok(isHostToWebview({ type: 'setSweep', sweep: null }));
  assert.ok(isPanelState(wire({ model: null, runs: [], sweep: fixtureSweep(true) })));
  assert.ok(isPanelState({ model: null, runs: [] }), 'a state saved before sweeps existed still restores');
});

test('malformed sweeps are refused', () => {
  const good = wire(fixtureSweep(true)) as Record<string, unknown>;
  const points = good.points as Record<string, unknown>[];
  const bad: unknown[] = [
    { ...good, layers: [6, 0] },
    { ...good, placements: 'pre' },
    { ...good, points: [{ ...points[0], placement: 'bogus' }] },
    { ...good, points: [{ ...points[0], finalLoss: '1.8' }] },
    { ...good, points: [{ ...points[0], layerImportance: [0.1, 'x'] }] },
    { ...good, skipped: [{ placement: 'ngpt' }] },
    { ...good, source: { file: 'm.py', block: 'B', line: 3, placement: 'prenorm' } },
    { ...good, cancelled: 'no' },
    { ...good, base: null },
  ];
  for (const sweep of bad) {
    assert.equal(isSweepResult(sweep), false, JSON.stringify(sweep).slice(0, 120));
    assert.equal(isHostToWebview({ type: 'setSweep', sweep }), false);
  }
  assert.equal(isPanelState({ model: null, runs: [], sweep: { ...good, points: 3 } }), false);
});
