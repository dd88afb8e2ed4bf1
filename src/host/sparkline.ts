// Unicode sparklines for hover text: eight block heights, min–max scaled; non-finite values show as a gap.

const BARS = '▁▂▃▄▅▆▇█';

/** One character per value, scaled from the series' own minimum (▁) to its maximum (█). */
export function sparkline(values: ReadonlyArray<number | null>): string {
  const finite = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  if (finite.length === 0) return '';
  const min = Math.min(...finite);
  const max = Math.max(...finite);
  const span = max - min;
  return values.map((v) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) return ' ';
    if (span === 0) return BARS[3];
    return BARS[Math.min(BARS.length - 1, Math.floor(((v - min) / span) * BARS.length))];
  }).join('');
}

/** Keeps a sparkline short enough for a hover: every k-th value, always including the last. */
export function downsample<T>(values: readonly T[], maxLength: number): T[] {
  if (values.length <= maxLength) return [...values];
  const out: T[] = [];
  const stride = (values.length - 1) / (maxLength - 1);
  for (let i = 0; i < maxLength; i++) out.push(values[Math.round(i * stride)]);
  return out;
}
