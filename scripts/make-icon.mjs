// Draws media/icon.png (128×128): a residual stream (white) crossed by three norm layers (amber), beside
// a √l growth curve (teal), on a rounded navy square. A tiny PNG encoder, 4×4 supersampled; run with node.
import { deflateSync } from 'node:zlib';
import { writeFileSync, mkdirSync } from 'node:fs';

const SIZE = 128;
const SS = 4;
const NAVY = [30, 58, 95, 255];
const WHITE = [240, 244, 248, 255];
const AMBER = [245, 166, 35, 255];
const TEAL = [56, 200, 180, 255];

function roundedSquare(x, y) {
  const r = 22;
  const cx = Math.min(Math.max(x, r), SIZE - r);
  const cy = Math.min(Math.max(y, r), SIZE - r);
  return (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
}
const rect = (x0, y0, x1, y1) => (x, y) => x >= x0 && x < x1 && y >= y0 && y < y1;
const stream = rect(34, 14, 44, 114);
const norms = [34, 60, 86].map((y) => rect(20, y, 58, y + 9));
// The stream norm of Pre-LN grows like √l: drawn as a thick curve from bottom-left to top-right.
function curve(x, y) {
  if (x < 66 || x > 112) return false;
  const t = (x - 66) / 46;
  const cy = 108 - 84 * Math.sqrt(t);
  return Math.abs(y - cy) < 4.5;
}
const layers = [[curve, TEAL], [stream, WHITE], ...norms.map((n) => [n, AMBER])];

const raw = Buffer.alloc(SIZE * (SIZE * 4 + 1));
for (let py = 0; py < SIZE; py++) {
  raw[py * (SIZE * 4 + 1)] = 0; // filter: none
  for (let px = 0; px < SIZE; px++) {
    const acc = [0, 0, 0, 0];
    for (let sy = 0; sy < SS; sy++) for (let sx = 0; sx < SS; sx++) {
      const x = px + (sx + 0.5) / SS;
      const y = py + (sy + 0.5) / SS;
      let colour = roundedSquare(x, y) ? NAVY : [0, 0, 0, 0];
      if (colour[3]) for (const [shape, c] of layers) if (shape(x, y)) colour = c;
      for (let i = 0; i < 4; i++) acc[i] += colour[i];
    }
    const o = py * (SIZE * 4 + 1) + 1 + px * 4;
    for (let i = 0; i < 4; i++) raw[o + i] = Math.round(acc[i] / (SS * SS));
  }
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buffer) {
  let c = 0xffffffff;
  for (const byte of buffer) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}
const header = Buffer.alloc(13);
header.writeUInt32BE(SIZE, 0);
header.writeUInt32BE(SIZE, 4);
header[8] = 8; // bit depth
header[9] = 6; // RGBA
const png = Buffer.concat([
  Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
  chunk('IHDR', header),
  chunk('IDAT', deflateSync(raw, { level: 9 })),
  chunk('IEND', Buffer.alloc(0)),
]);
mkdirSync('media', { recursive: true });
writeFileSync('media/icon.png', png);
console.log(`media/icon.png: ${SIZE}×${SIZE}, ${png.length} bytes`);
