// Seeded damage for fuzzing the analyzer: the four mutations analyzeFuzz.test.ts has always used, and
// the wider set the real-code corpus fuzz adds (test/corpus/score.ts --fuzz). Seeded, so a failure
// names a case that can be replayed.

/** A seeded generator in [0, 1). */
export function random(seed: number): () => number {
  let state = seed;
  return () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
}

/** Truncation, one inserted character, a few lines removed, or a rotation, chosen by `round % 4`. */
export function damage(text: string, round: number, next: () => number): string {
  const at = Math.floor(next() * text.length);
  switch (round % 4) {
    case 0: return text.slice(0, at);
    case 1: return text.slice(0, at) + '()[]{}:=+,"\n  \\'.charAt(Math.floor(next() * 16)) + text.slice(at);
    case 2: {
      const lines = text.split('\n');
      lines.splice(Math.floor(next() * lines.length), 1 + Math.floor(next() * 4));
      return lines.join('\n');
    }
    default: return text.slice(at) + text.slice(0, at);
  }
}

export const MUTATIONS = ['truncate', 'insert', 'delete-lines', 'rotate', 'duplicate-lines', 'flip-bytes', 'indentation', 'delete-span'] as const;
export type Mutation = (typeof MUTATIONS)[number];

/**
 * One named mutation of `text`. The first four are `damage`'s; the rest duplicate a run of lines
 * elsewhere, flip a few characters to arbitrary code points (lone surrogates included), shift the
 * indentation of a run of lines, or cut a span that may straddle statements.
 */
export function mutate(text: string, mutation: Mutation, next: () => number): string {
  const pick = (n: number): number => Math.floor(next() * n);
  switch (mutation) {
    case 'truncate': return damage(text, 0, next);
    case 'insert': return damage(text, 1, next);
    case 'delete-lines': return damage(text, 2, next);
    case 'rotate': return damage(text, 3, next);
    case 'duplicate-lines': {
      const lines = text.split('\n');
      const from = pick(lines.length);
      const run = lines.slice(from, from + 1 + pick(20));
      lines.splice(pick(lines.length + 1), 0, ...run);
      return lines.join('\n');
    }
    case 'flip-bytes': {
      const chars = text.split('');
      for (let flips = 1 + pick(8); flips > 0 && chars.length > 0; flips--) chars[pick(chars.length)] = String.fromCharCode(pick(0x10000));
      return chars.join('');
    }
    case 'indentation': {
      const lines = text.split('\n');
      const from = pick(lines.length);
      const shift = [' ', '  ', '\t', '        '][pick(4)];
      const dedent = next() < 0.5;
      for (let at = from; at < Math.min(lines.length, from + 1 + pick(30)); at++) {
        lines[at] = dedent ? lines[at].replace(/^\s{1,4}/, '') : shift + lines[at];
      }
      return lines.join('\n');
    }
    default: {
      const at = pick(text.length);
      return text.slice(0, at) + text.slice(at + 1 + pick(400));
    }
  }
}
