// The PNG encoder against Node's zlib and the PNG spec: signature, chunk CRCs, and the pixels back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crc32, inflateSync } from 'node:zlib';
import { base64, encodeIndexedPng } from '../../webview/views/png';
import { buildHeatmapModel, PATH_CELL_LIMIT, sharedColorScale } from '../../webview/views/heatmapModel';
import { fakeRun } from './fakeRuns';

function chunks(png: Uint8Array): Map<string, Uint8Array> {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const out = new Map<string, Uint8Array>();
  for (let o = 8; o < png.length;) {
    const length = view.getUint32(o);
    const type = String.fromCharCode(...png.subarray(o + 4, o + 8));
    const data = png.subarray(o + 8, o + 8 + length);
    if (typeof crc32 === 'function') assert.equal(view.getUint32(o + 8 + length), crc32(png.subarray(o + 4, o + 8 + length)), `${type} CRC`);
    out.set(type, data);
    o += 12 + length;
  }
  return out;
}

test('an indexed PNG inflates back to its pixels, with palette and transparency', () => {
  const width = 70_000 / 100;
  const height = 100;
  const indices = Uint8Array.from({ length: width * height }, (_, i) => (i * 7) % 3);
  const png = encodeIndexedPng(width, height, indices, [[255, 0, 0, 255], [0, 255, 0, 255], [0, 0, 0, 0]]);
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const parts = chunks(png);
  const header = new DataView(parts.get('IHDR')!.buffer, parts.get('IHDR')!.byteOffset);
  assert.equal(header.getUint32(0), width);
  assert.equal(header.getUint32(4), height);
  assert.deepEqual([...parts.get('PLTE')!], [255, 0, 0, 0, 255, 0, 0, 0, 0]);
  assert.deepEqual([...parts.get('tRNS')!], [255, 255, 0]);
  // More than 65535 raw bytes: several stored deflate blocks, which zlib must accept with their Adler-32.
  const raw = inflateSync(parts.get('IDAT')!);
  assert.equal(raw.length, height * (width + 1));
  for (let y = 0; y < height; y++) {
    assert.equal(raw[y * (width + 1)], 0, 'filter type none');
    assert.deepEqual(raw.subarray(y * (width + 1) + 1, (y + 1) * (width + 1)), Buffer.from(indices.subarray(y * width, (y + 1) * width)));
  }
});

test('base64 matches Node for every padding case', () => {
  for (const length of [0, 1, 2, 3, 4, 5, 100]) {
    const bytes = Uint8Array.from({ length }, (_, i) => (i * 37 + 11) & 255);
    assert.equal(base64(bytes), Buffer.from(bytes).toString('base64'));
  }
});

test('a dense heatmap is one image of its finite cells, with non-finite cells still marked as a path', () => {
  const run = fakeRun({ placement: 'post', layers: 48, steps: 499, recordEvery: 1, seed: 9, divergeAt: 400 });
  const scale = sharedColorScale([run.metrics.contribution]);
  const model = buildHeatmapModel('contribution', run.metrics.contribution, run.metrics.steps, scale);
  assert.ok(model.rows * model.cols > PATH_CELL_LIMIT);
  assert.deepEqual(model.paths, []);
  assert.ok(model.image);
  assert.equal(model.nonFiniteCount, 48 * 100);
  assert.match(model.nonFinitePath, /^M/);
  const png = Buffer.from(model.image.href.replace('data:image/png;base64,', ''), 'base64');
  const raw = inflateSync(chunks(png).get('IDAT')!);
  const transparent = scale.colors.length;
  for (const [r, c] of [[0, 0], [10, 250], [47, 399], [47, 400], [5, 499]]) {
    const index = raw[r * (500 + 1) + 1 + c];
    const level = model.levels[r * 500 + c];
    assert.equal(index, level >= 0 ? level : transparent, `cell ${r},${c}`);
  }
  assert.equal(model.image.width, model.plot.width);
});
