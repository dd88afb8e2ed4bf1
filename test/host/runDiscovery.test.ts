// Finding run files the watcher did not report: created folders are searched (within limits, never in
// node_modules or .git), a burst of created paths is searched once from its top, and searched again later
// for a file written after the first look; a followed file that grows with no event is polled.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreatedPathScanner, findRunFiles, inSkippedFolder, topmost } from '../../src/host/runDiscovery';
import { RunFollower } from '../../src/host/runFollower';
import { everySteps, runFileLines } from '../runs/runFixtures';

function tempDir(): { dir: string; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'normscope-discover-'));
  return { dir, done: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A clock the test advances: callbacks run when the test says, in the order they were set. */
function manualClock() {
  const due: { callback: () => void; ms: number; cancelled: boolean }[] = [];
  return {
    due,
    schedule: (callback: () => void, ms: number) => {
      const entry = { callback, ms, cancelled: false };
      due.push(entry);
      return { cancel: () => { entry.cancelled = true; } };
    },
    tick(): number[] {
      const now = due.splice(0).filter((entry) => !entry.cancelled);
      for (const entry of now) entry.callback();
      return now.map((entry) => entry.ms);
    },
  };
}

test('findRunFiles finds run files below a folder, skips node_modules and .git, and keeps to its depth and entry limits', async () => {
  const { dir, done } = tempDir();
  try {
    for (const folder of ['runs/exp1/a', 'runs/node_modules/x', 'runs/.git', 'deep/1/2/3/4/5']) mkdirSync(join(dir, folder), { recursive: true });
    for (const file of ['runs/top.normscope.jsonl', 'runs/exp1/a/inner.normscope.jsonl', 'runs/exp1/notes.jsonl', 'runs/node_modules/x/dep.normscope.jsonl', 'runs/.git/git.normscope.jsonl', 'deep/1/2/3/4/5/far.normscope.jsonl', 'deep/1/near.normscope.jsonl']) {
      writeFileSync(join(dir, file), '{}\n');
    }
    assert.deepEqual(await findRunFiles(join(dir, 'runs')), [join(dir, 'runs/exp1/a/inner.normscope.jsonl'), join(dir, 'runs/top.normscope.jsonl')]);
    assert.deepEqual(await findRunFiles(join(dir, 'deep')), [join(dir, 'deep/1/near.normscope.jsonl')], 'five levels down is past the default depth of 4');
    assert.deepEqual(await findRunFiles(join(dir, 'deep'), { depth: 5 }), [join(dir, 'deep/1/2/3/4/5/far.normscope.jsonl'), join(dir, 'deep/1/near.normscope.jsonl')]);
    assert.deepEqual(await findRunFiles(join(dir, 'runs'), { entries: 1 }), [], 'the entry budget stops the search');
    assert.deepEqual(await findRunFiles(join(dir, 'runs/top.normscope.jsonl')), [], 'a file is no folder');
    assert.deepEqual(await findRunFiles(join(dir, 'gone')), [], 'a removed path gives nothing');
  } finally {
    done();
  }
});

test('topmost keeps the top of each created tree, and skipped folders are told apart by whole names', () => {
  assert.deepEqual(topmost(['/w/a-b', '/w/a/c', '/w/a', '/w/a/c/d.py', '/w/b/x', '/w/a-b']), ['/w/a', '/w/a-b', '/w/b/x']);
  assert.ok(inSkippedFolder('/w/node_modules/x'));
  assert.ok(!inSkippedFolder('/w/my_node_modules_notes/x'));
});

test('the scanner searches a burst of created paths once, from their top, and once more later for a file written after', async () => {
  const { dir, done } = tempDir();
  try {
    const clock = manualClock();
    const found: string[] = [];
    const searched: string[] = [];
    const scanner = new CreatedPathScanner({
      found: (path) => found.push(path),
      schedule: clock.schedule,
      search: async (folder, limits) => { searched.push(folder); return findRunFiles(folder, limits); },
    });
    const runs = join(dir, 'runs');
    mkdirSync(join(runs, 'exp1'), { recursive: true });
    scanner.created(runs);
    scanner.created(join(runs, 'exp1'));
    scanner.created(join(dir, 'node_modules', 'pkg'));
    scanner.created(join(runs, 'seen.normscope.jsonl'));
    assert.equal(clock.due.length, 1, 'one timer for the burst');
    assert.deepEqual(clock.tick(), [200]);
    await scanner.idle();
    assert.deepEqual(searched, [runs], 'the top folder only; run files and node_modules are the watcher\'s or nobody\'s');
    assert.deepEqual(found, [], 'nothing written yet');
    // The training writes its file after the first look, into a folder the watcher may not watch.
    writeFileSync(join(runs, 'exp1', 'late.normscope.jsonl'), '{}\n');
    assert.deepEqual(clock.tick(), [3000]);
    await scanner.idle();
    assert.deepEqual(found, [join(runs, 'exp1', 'late.normscope.jsonl')]);
    scanner.created(join(dir, 'other'));
    scanner.dispose();
    assert.deepEqual(clock.tick(), [], 'a disposed scanner sets nothing off');
  } finally {
    done();
  }
});

test('the follower polls a file still being written: growth with no event is published, no growth publishes nothing, a closed run stops the poll', async () => {
  const { dir, done } = tempDir();
  try {
    const path = join(dir, 'gpt.normscope.jsonl');
    const lines = runFileLines({ layers: 3, steps: everySteps(6), close: true });
    writeFileSync(path, lines.slice(0, 2).join(''));
    const flushes = manualClock();
    const polls = manualClock();
    const published: number[] = [];
    const follower = new RunFollower({
      link: async () => null,
      keyOf: (_model, file) => file,
      publish: (file) => published.push(file.runs[0]?.snapshot?.result.metrics.steps.length ?? 0),
      schedule: flushes.schedule,
      pollTimer: polls.schedule,
      pollMs: 1500,
    });
    await follower.changed(path);
    flushes.tick();
    assert.deepEqual(published, [1]);
    assert.deepEqual(polls.due.map((d) => d.ms), [1500], 'a poll is set once a file is followed');

    const poll = async () => { polls.tick(); await follower.idle(); await new Promise((r) => setImmediate(r)); };
    await poll();
    assert.equal(flushes.due.length, 0, 'nothing appended: no publication is scheduled');
    assert.equal(polls.due.length, 1, 'the file is still written: the poll goes on');

    appendFileSync(path, lines.slice(2, 4).join(''));
    await poll();
    flushes.tick();
    assert.deepEqual(published, [1, 3], 'the growth no watcher reported');

    appendFileSync(path, lines.slice(4).join(''));
    await poll();
    flushes.tick();
    assert.deepEqual(published, [1, 3, 6]);
    assert.equal(polls.due.length, 1, 'one more look is set before the close is known');
    await poll();
    assert.equal(polls.due.length, 0, 'the run is closed: no more polling');
    follower.dispose();
  } finally {
    done();
  }
});
