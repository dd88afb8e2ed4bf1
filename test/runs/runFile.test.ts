// The run-file reader: good files land cell by cell, appends in any chunks equal the whole, and every bad
// input (truncated, empty, foreign, mixed-version, wrong lengths, non-finite) gets its line and reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RunFileReader, formatRunDiagnostic, readRunFile } from '../../src/core/runs/runFile';
import { contributionAt, everySteps, gradAt, header, lossAt, residualAt, runFileLines, runFileText, stepRecord } from './runFixtures';

const line = (value: unknown): string => `${JSON.stringify(value)}\n`;

test('a good run file: header facts, every cell where ProbeMetrics puts it, closed', () => {
  const state = readRunFile(runFileText({ layers: 4, steps: everySteps(5), close: true, worldSize: 2 }));
  assert.deepEqual(state.diagnostics, []);
  assert.equal(state.runs.length, 1);
  const [run] = state.runs;
  assert.equal(run.header.name, 'gpt-small');
  assert.equal(run.header.layers, 4);
  assert.equal(run.header.worldSize, 2);
  assert.equal(run.header.placement, 'pre');
  assert.equal(run.closedAt, 7);
  const m = run.metrics;
  assert.deepEqual(m.steps, [0, 10, 20, 30, 40]);
  assert.equal(m.residualNorm.length, 5, 'L+1 rows: x0 and each block output');
  assert.equal(m.contribution.length, 4, 'L rows');
  assert.equal(m.residualNorm[3][2], residualAt(3, 20));
  assert.equal(m.contribution[1][4], contributionAt(1, 40));
  assert.equal(m.gradNormMlpOut[0][1], 2 * gradAt(0, 10));
  assert.deepEqual(m.loss, [0, 10, 20, 30, 40].map(lossAt));
  assert.equal(m.sumNorm[2][0], null, 'null: no norm on the stream');
  assert.equal(run.diverged, null);
});

test('appended in chunks of any size (lines split anywhere) equals the whole file read at once', () => {
  const text = runFileText({ layers: 6, steps: everySteps(40), close: true });
  const whole = readRunFile(text);
  let seed = 12345;
  const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (const maxChunk of [1, 7, 64, 1000, 50_000]) {
    const reader = new RunFileReader();
    for (let at = 0; at < text.length;) {
      const size = 1 + Math.floor(random() * maxChunk);
      reader.push(text.slice(at, at + size));
      at += size;
    }
    assert.deepEqual(reader.finish(), whole, `chunks up to ${maxChunk} characters`);
  }
});

test('a half-written last line waits silently; its step appears once the rest of the line arrives', () => {
  const lines = runFileLines({ layers: 3, steps: everySteps(4) });
  const last = lines.at(-1)!;
  const reader = new RunFileReader();
  reader.push(lines.slice(0, -1).join('') + last.slice(0, 25));
  assert.deepEqual(reader.state.diagnostics, [], 'being written is not an error');
  assert.deepEqual(reader.state.runs[0].metrics.steps, [0, 10, 20]);
  reader.push(last.slice(25));
  assert.deepEqual(reader.state.runs[0].metrics.steps, [0, 10, 20, 30]);
  assert.deepEqual(reader.state.diagnostics, []);
});

test('a truncated file: the complete lines are read, the cut line is a warning with its number', () => {
  const lines = runFileLines({ layers: 3, steps: everySteps(4) });
  const state = readRunFile(lines.slice(0, -1).join('') + lines.at(-1)!.slice(0, 40));
  assert.deepEqual(state.runs[0].metrics.steps, [0, 10, 20]);
  assert.equal(state.diagnostics.length, 1);
  assert.equal(state.diagnostics[0].line, 5);
  assert.equal(state.diagnostics[0].severity, 'warning');
  assert.match(state.diagnostics[0].message, /incomplete/);
  // A complete last line without its '\n' is read as any other.
  const unterminated = readRunFile(runFileText({ layers: 3, steps: everySteps(4) }).slice(0, -1));
  assert.deepEqual(unterminated.runs[0].metrics.steps, [0, 10, 20, 30]);
  assert.deepEqual(unterminated.diagnostics, []);
});

test('an empty file, and a header with no step yet, say so', () => {
  for (const text of ['', '\n\n  \n']) {
    const state = readRunFile(text);
    assert.equal(state.runs.length, 0);
    assert.equal(state.diagnostics.length, 1);
    assert.match(formatRunDiagnostic('r.normscope.jsonl', state.diagnostics[0]), /^r\.normscope\.jsonl:1: error: the file is empty: a run file starts with its header line/);
  }
  const headerOnly = readRunFile(line(header({ layers: 2, steps: [] })));
  assert.equal(headerOnly.runs.length, 1);
  assert.match(headerOnly.diagnostics[0].message, /not followed by any recorded step yet/);
  assert.equal(headerOnly.diagnostics[0].severity, 'warning');
});

test('foreign JSONL and non-JSON text stop at line 1 with one clear error, not one per line', () => {
  const foreign = readRunFile(Array.from({ length: 200 }, (_, i) => line({ epoch: i, acc: 0.5 })).join(''));
  assert.equal(foreign.runs.length, 0);
  assert.equal(foreign.stopped, true);
  assert.equal(foreign.diagnostics.length, 1);
  assert.equal(foreign.diagnostics[0].line, 1);
  assert.match(foreign.diagnostics[0].message, /expected the header .*found an object with keys epoch, acc: this is not a NormScope run file/);
  const csv = readRunFile('step,loss\n0,4.7\n');
  assert.equal(csv.diagnostics.length, 1);
  assert.match(csv.diagnostics[0].message, /^not JSON .*not a NormScope run file/);
  const headless = readRunFile(line(stepRecord(2, 0)));
  assert.match(headless.diagnostics[0].message, /a recorded step, but the header is missing/);
  const otherFormat = readRunFile(line({ format: 'tensorboard', version: 1 }));
  assert.match(otherFormat.diagnostics[0].message, /^expected the header of a NormScope run file/);
});

test('versions: a newer file is refused by name; a file that mixes versions keeps the first run and says where', () => {
  const newer = readRunFile(runFileText({ layers: 2, steps: everySteps(2), version: 2 }));
  assert.equal(newer.runs.length, 0);
  assert.equal(newer.diagnostics.length, 1);
  assert.equal(newer.diagnostics[0].line, 1);
  assert.match(newer.diagnostics[0].message, /version 2 is not one this NormScope reads \(version 1\)/);
  const mixed = readRunFile(runFileText({ layers: 2, steps: everySteps(3) }) + runFileText({ layers: 2, steps: everySteps(2), version: 2 }));
  assert.equal(mixed.runs.length, 1);
  assert.deepEqual(mixed.runs[0].metrics.steps, [0, 10, 20]);
  const errors = mixed.diagnostics.filter((d) => d.severity === 'error');
  assert.equal(errors.length, 1);
  assert.equal(errors[0].line, 5);
  assert.match(errors[0].message, /version 2 but line 1 says version 1: the file mixes run-file versions/);
});

test('a second header of the same version starts a second run, with a warning', () => {
  const state = readRunFile(runFileText({ layers: 2, steps: everySteps(2), name: 'a' }) + runFileText({ layers: 3, steps: everySteps(3), name: 'b' }));
  assert.deepEqual(state.runs.map((r) => [r.header.name, r.headerLine, r.metrics.steps.length, r.metrics.residualNorm.length]), [['a', 1, 2, 3], ['b', 4, 3, 4]]);
  assert.equal(state.diagnostics.length, 1);
  assert.equal(state.diagnostics[0].line, 4);
  assert.match(state.diagnostics[0].message, /a second header: run "b" starts here/);
});

test('wrong array lengths, bad values, a step going back: the line is skipped with its number and reason', () => {
  const short = { ...stepRecord(4, 20), contribution: [0.1, 0.2, 0.3, 0.4, 0.5] };
  const text = [
    line(header({ layers: 4, steps: [] })), line(stepRecord(4, 0)), line(stepRecord(4, 10)),
    line(short), line({ ...stepRecord(4, 30), loss: 'high' }), line(stepRecord(4, 5)), '{"step": 40, "resid\n', line({ hello: 'world' }),
    line(stepRecord(4, 50)), line({ event: 'close', step: 50 }), line(stepRecord(4, 60)),
  ].join('');
  const state = readRunFile(text);
  assert.deepEqual(state.runs[0].metrics.steps, [0, 10, 50]);
  const byLine = new Map(state.diagnostics.map((d) => [d.line, d.message]));
  assert.deepEqual([...byLine.keys()], [4, 5, 6, 7, 8, 11]);
  assert.match(byLine.get(4)!, /"contribution" has 5 entries; the header says 4 layers, so it should have L = 4 \(one per block\)/);
  assert.match(byLine.get(5)!, /"loss" should be a number or null, found string "high"/);
  assert.match(byLine.get(6)!, /step 5 comes after step 10: steps must increase/);
  assert.match(byLine.get(7)!, /^not JSON/);
  assert.match(byLine.get(8)!, /expected a recorded step .* found an object with keys hello/);
  assert.match(byLine.get(11)!, /after the run was closed on line 10/);
  assert.ok(state.diagnostics.every((d) => d.severity === 'error'));
  const long = readRunFile(line(header({ layers: 4, steps: [] })) + line({ ...stepRecord(4, 0), residualNorm: [1, 2, 3, 4] }));
  assert.match(long.diagnostics[0].message, /"residualNorm" has 4 entries; the header says 4 layers, so it should have L\+1 = 5 \(x0 and each block's output\)/);
});

test('non-finite markers: named cells become NaN (not "not recorded"), and the first marks the divergence', () => {
  const broken = { ...stepRecord(3, 20), loss: null, residualNorm: [1, 1.2, null, null], nonFinite: ['residualNorm[3]', 'loss'] };
  const state = readRunFile([line(header({ layers: 3, steps: [] })), line(stepRecord(3, 0)), line(stepRecord(3, 10)), line(broken),
    line({ ...stepRecord(3, 30), nonFinite: ['gradNorm[9]'] })].join(''));
  const m = state.runs[0].metrics;
  assert.ok(Number.isNaN(m.residualNorm[3][2]));
  assert.equal(m.residualNorm[2][2], null, 'null without a marker: not recorded');
  assert.ok(Number.isNaN(m.loss[2]));
  assert.deepEqual(state.runs[0].diverged, { step: 20, what: 'residualNorm[3]' });
  assert.equal(state.diagnostics.length, 1);
  assert.equal(state.diagnostics[0].line, 5);
  assert.match(state.diagnostics[0].message, /nonFinite names "gradNorm\[9\]", which is not a cell of this step/);
});

test('CRLF line ends and blank lines are read like plain ones', () => {
  const text = runFileText({ layers: 2, steps: everySteps(3) });
  const state = readRunFile(`${text.replace(/\n/g, '\r\n')}\r\n`);
  assert.deepEqual(state.diagnostics, []);
  assert.deepEqual(state.runs[0].metrics.steps, [0, 10, 20]);
});

test('a file of bad lines keeps 50 messages and counts the rest', () => {
  const text = line(header({ layers: 2, steps: [] })) + 'garbage\n'.repeat(120);
  const state = readRunFile(text);
  assert.equal(state.diagnostics.length, 51);
  // 120 bad lines and the warning that no step followed the header: 121, of which 50 are listed.
  assert.match(state.diagnostics[50].message, /^71 more problems not listed/);
});
