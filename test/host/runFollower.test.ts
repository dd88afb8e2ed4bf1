// Following run files on disk: only appended bytes are read, publishing is throttled, a rewritten file
// starts over, a deleted one leaves the store, and a character split across two appends arrives whole.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunFollower, publishInterval } from '../../src/host/runFollower';
import type { FollowedFile, RunLink } from '../../src/host/runFollower';
import { RunTail, nodeRangeReader } from '../../src/host/runTail';
import type { RangeReader } from '../../src/host/runTail';
import { everySteps, runFileLines } from '../runs/runFixtures';
import { gptBlock } from './fixtures';

function countingReader(): RangeReader & { bytes: number[] } {
  const bytes: number[] = [];
  return {
    bytes,
    size: nodeRangeReader.size,
    read: async (path, offset, length) => {
      const read = await nodeRangeReader.read(path, offset, length);
      bytes.push(read.length);
      return read;
    },
  };
}

function tempFile(): { path: string; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'normscope-follow-'));
  return { path: join(dir, 'gpt.normscope.jsonl'), done: () => rmSync(dir, { recursive: true, force: true }) };
}

test('a tail reads only what was appended, and starts over when the file was rewritten shorter', async () => {
  const { path, done } = tempFile();
  try {
    const lines = runFileLines({ layers: 8, steps: everySteps(6) });
    const io = countingReader();
    const tail = new RunTail(path, io);
    assert.equal(await tail.update(), false, 'no file yet: nothing, and no error');
    writeFileSync(path, lines.slice(0, 3).join(''));
    assert.equal(await tail.update(), true);
    assert.deepEqual(tail.state.runs[0].metrics.steps, [0, 10]);
    appendFileSync(path, lines[3]);
    assert.equal(await tail.update(), true);
    // Each update reads the first 256 bytes (to tell a replaced file) and then exactly the appended line.
    assert.deepEqual(io.bytes, [lines.slice(0, 3).join('').length, 256, lines[3].length]);
    assert.equal(await tail.update(), false, 'nothing appended: nothing read but the check of the start');
    assert.deepEqual(io.bytes.slice(3), [256]);
    writeFileSync(path, lines.slice(0, 2).join(''));
    assert.equal(await tail.update(), true);
    assert.equal(tail.restarts, 1);
    assert.deepEqual(tail.state.runs[0].metrics.steps, [0]);
    // A new run replaces the file and has written more than the old one before the tail looks again.
    const replacement = runFileLines({ layers: 8, steps: everySteps(9), name: 'second-run' });
    writeFileSync(path, replacement.join(''));
    assert.equal(await tail.update(), true);
    assert.equal(tail.restarts, 2);
    assert.equal(tail.state.runs.length, 1);
    assert.equal(tail.state.runs[0].header.name, 'second-run');
    assert.equal(tail.state.runs[0].metrics.steps.length, 9);
    assert.deepEqual(tail.state.diagnostics, []);
  } finally {
    done();
  }
});

test('a multi-byte character split across two appends is decoded whole', async () => {
  const { path, done } = tempFile();
  try {
    const lines = runFileLines({ layers: 2, steps: everySteps(2), name: 'Lauf für Größe' });
    const bytes = Buffer.from(lines.join(''), 'utf8');
    const split = bytes.indexOf(Buffer.from('ü', 'utf8')) + 1; // between the two bytes of ü
    const tail = new RunTail(path);
    writeFileSync(path, bytes.subarray(0, split));
    await tail.update();
    appendFileSync(path, bytes.subarray(split));
    await tail.update();
    assert.equal(tail.state.runs[0].header.name, 'Lauf für Größe');
    assert.deepEqual(tail.state.diagnostics, []);
  } finally {
    done();
  }
});

test('the follower publishes at most once per interval however fast lines arrive, then the deletion', async () => {
  const { path, done } = tempFile();
  try {
    const lines = runFileLines({ layers: 4, steps: everySteps(30) });
    const published: { key: string; steps: number; previous: string | null }[] = [];
    const link: RunLink = { model: { uri: 'file:///m/model.py', fileName: '/m/model.py', blockIndex: 0, block: gptBlock() }, detected: { placement: 'pre', from: 'model.py (Block)' } };
    let linkCalls = 0;
    const follower = new RunFollower({
      link: async (_path, header) => { linkCalls++; return header.model === 'model.py' ? link : null; },
      keyOf: (model, file) => (model ? `${model.uri}#${model.blockIndex}` : `${file}#-1`),
      publish: (file: FollowedFile, previous) => published.push({ key: file.key, steps: file.runs[0]?.snapshot?.result.metrics.steps.length ?? 0, previous }),
      throttleMs: 250,
      // A clock the test advances: publication waits for it however slow the machine is.
      schedule: (callback, ms) => {
        assert.ok(ms >= 250 && ms < 260, `interval ${ms} ms for a small file`);
        due.push(callback);
        return { cancel: () => undefined };
      },
    });
    const due: (() => void)[] = [];
    const tick = () => { for (const callback of due.splice(0)) callback(); };
    writeFileSync(path, lines[0]);
    await follower.changed(path);
    for (const line of lines.slice(1, 21)) {
      appendFileSync(path, line);
      await follower.changed(path);
    }
    assert.equal(published.length, 0, 'nothing before the interval ends');
    assert.equal(due.length, 1, 'one timer for 21 changes');
    tick();
    assert.equal(published.length, 1, `one publication for 21 changes, got ${JSON.stringify(published)}`);
    assert.deepEqual(published[0], { key: 'file:///m/model.py#0', steps: 20, previous: null });
    assert.equal(linkCalls, 1, 'the header link is looked up once');
    const file = follower.file(path)!;
    assert.equal(file.runs[0].label, 'gpt-small → Block');
    assert.equal(file.runs[0].runId, `recorded:${path}#0`);
    appendFileSync(path, lines.slice(21).join(''));
    await follower.changed(path);
    tick();
    assert.equal(published.length, 2);
    assert.equal(published[1].steps, 30);
    follower.deleted(path);
    assert.deepEqual(published[2], { key: 'file:///m/model.py#0', steps: 0, previous: null });
    assert.equal(follower.followed.length, 0);
    follower.dispose();
  } finally {
    done();
  }
});

test('a bigger run is published less often: 250 ms for a small file, ~0.8 s at 11 MB, never above 2 s', () => {
  assert.equal(publishInterval(250, 20_000), 251);
  assert.equal(publishInterval(250, 11.2e6), 810);
  assert.equal(publishInterval(250, 1e9), 2000);
  assert.equal(publishInterval(5000, 1e9), 5000, 'a longer base interval is kept');
});

test('opening a run whose header names no model links it to the block that was active', async () => {
  const { path, done } = tempFile();
  try {
    writeFileSync(path, runFileLines({ layers: 3, steps: everySteps(4), model: null, placement: null }).join(''));
    const active: RunLink = { model: { uri: 'file:///m/gpt.py', fileName: '/m/gpt.py', blockIndex: 0, block: gptBlock() }, detected: { placement: 'pre', from: 'gpt.py (Block)' } };
    const keys: string[] = [];
    const follower = new RunFollower({ link: async () => null, keyOf: (model, file) => (model ? model.uri : file), publish: (file) => keys.push(file.key) });
    const file = await follower.open(path, active);
    assert.deepEqual(keys, ['file:///m/gpt.py'], 'published at once, under the active model');
    const result = file.runs[0].snapshot!.result;
    assert.ok(result.recorded);
    assert.equal(result.recorded.placement, 'pre');
    assert.match(result.recorded.notes.join(' '), /detected by the analyzer in gpt\.py \(Block\)/);
    follower.dispose();
  } finally {
    done();
  }
});
