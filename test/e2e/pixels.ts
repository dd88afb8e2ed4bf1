// Reads pixel colours out of screenshots: chromium itself decodes the PNG in a blank page of its own, so
// the run needs no image library, and what is measured is exactly what was painted.
import type { BrowserContext, Page } from 'playwright-core';

export interface Rgb { r: number; g: number; b: number }

export interface PixelStats {
  width: number;
  height: number;
  /** How many pixels of each colour (keys `r,g,b`), most frequent first. */
  histogram: [string, number][];
}

let decoder: Page | null = null;

async function decoderPage(context: BrowserContext): Promise<Page> {
  if (!decoder || decoder.isClosed()) {
    decoder = await context.newPage();
    await decoder.goto('about:blank');
  }
  return decoder;
}

/** Decodes a PNG and counts its colours (quantised to 4 levels per channel step so anti-aliasing groups). */
export async function pixelStats(context: BrowserContext, png: Buffer): Promise<PixelStats> {
  const page = await decoderPage(context);
  return page.evaluate(async (base64: string) => {
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    const bitmap = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const context2d = canvas.getContext('2d');
    if (!context2d) throw new Error('no 2d context to decode a screenshot');
    context2d.drawImage(bitmap, 0, 0);
    const data = context2d.getImageData(0, 0, bitmap.width, bitmap.height).data;
    const counts = new Map<string, number>();
    for (let i = 0; i < data.length; i += 4) {
      const key = `${data[i] & 0xfc},${data[i + 1] & 0xfc},${data[i + 2] & 0xfc}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    const histogram = [...counts.entries()].sort((a, b) => b[1] - a[1]);
    return { width: bitmap.width, height: bitmap.height, histogram };
  }, png.toString('base64'));
}

export function parseRgb(key: string): Rgb {
  const match = /(\d+)\D+(\d+)\D+(\d+)/.exec(key);
  if (!match) throw new Error(`not a colour: ${key}`);
  return { r: Number(match[1]), g: Number(match[2]), b: Number(match[3]) };
}

/** Relative luminance in [0, 1] (sRGB weights, no gamma: enough to tell a light theme from a dark one). */
export function luminance(colour: Rgb): number {
  return (0.2126 * colour.r + 0.7152 * colour.g + 0.0722 * colour.b) / 255;
}

export function colourDistance(a: Rgb, b: Rgb): number {
  return Math.hypot(a.r - b.r, a.g - b.g, a.b - b.b);
}

/** The most frequent colour of a screenshot: the background. */
export function dominantColour(stats: PixelStats): Rgb {
  return parseRgb(stats.histogram[0][0]);
}

/** How many distinct colours cover at least `minPixels` pixels each: a heatmap has many, a blank panel one or two. */
export function distinctColours(stats: PixelStats, minPixels: number): number {
  return stats.histogram.filter(([, count]) => count >= minPixels).length;
}

/** A CSS colour as the browser reports it (`rgb(1, 2, 3)` or `rgba(...)`) to numbers. */
export function cssColour(text: string): Rgb {
  return parseRgb(text);
}
