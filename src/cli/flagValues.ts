// Values of the flags `probe` and `sweep` share, read once: each returns the value, or the message that
// names the flag and what it expects.

export type FlagValue<T> = T | { error: string };

export function normValue(raw: string): FlagValue<'layernorm' | 'rmsnorm'> {
  return raw === 'layernorm' || raw === 'rmsnorm' ? raw : { error: `--norm expects layernorm or rmsnorm, got '${raw}'` };
}

export function positiveNumber(flag: string, raw: string): FlagValue<number> {
  const n = Number(raw);
  return n > 0 && Number.isFinite(n) ? n : { error: `${flag} expects a positive number, got '${raw}'` };
}

export function integerAtLeast(flag: string, raw: string, min: number): FlagValue<number> {
  const n = Number(raw);
  return Number.isInteger(n) && n >= min ? n : { error: `${flag} expects an integer ≥ ${min}, got '${raw}'` };
}

export function htmlFile(raw: string): FlagValue<string> {
  return /\.html?$/i.test(raw) ? raw : { error: `--out expects an .html file name, got '${raw}'` };
}

export function isError<T>(value: FlagValue<T>): value is { error: string } {
  return typeof value === 'object' && value !== null && 'error' in value;
}
