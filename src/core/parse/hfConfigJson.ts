// A small JSON reader that keeps what JSON.parse throws away: the line of every key, and the line and
// column of the first error. config.json diagnostics and hovers need both; the core has no Node to ask.

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** Where a key sits: `path` joins nested keys with '.', e.g. `text_config.hidden_size`. */
export interface JsonKeyPosition {
  line: number;
  column: number;
  offset: number;
}

export interface JsonError {
  message: string;
  /** 1-based line and 0-based column of the offending character, as the CLI prints them. */
  line: number;
  column: number;
  offset: number;
}

export interface JsonDocument {
  value: JsonValue | undefined;
  keys: Map<string, JsonKeyPosition>;
  error: JsonError | null;
  /** Comments and trailing commas are accepted (tsconfig-style JSONC) but are not JSON: callers may warn. */
  nonStandard: { line: number; what: string } | null;
}

class JsonSyntaxError extends Error {
  constructor(message: string, readonly offset: number) {
    super(message);
  }
}

/** Nesting beyond this is not a config file; stopping here keeps the reader's recursion bounded. */
const MAX_DEPTH = 256;

/** Reads `text` as JSON (with comments and trailing commas tolerated). Never throws. */
export function readJson(text: string): JsonDocument {
  const keys = new Map<string, JsonKeyPosition>();
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lineStarts.push(i + 1);
  const position = (offset: number): { line: number; column: number } => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - lineStarts[lo] };
  };

  let pos = 0;
  let nonStandard: JsonDocument['nonStandard'] = null;
  const noteNonStandard = (offset: number, what: string): void => {
    nonStandard ??= { line: position(offset).line, what };
  };

  const skipSpace = (): void => {
    while (pos < text.length) {
      const c = text.charCodeAt(pos);
      if (c === 32 || c === 9 || c === 10 || c === 13 || c === 0xfeff) pos++;
      else if (c === 47 && text.charCodeAt(pos + 1) === 47) {
        noteNonStandard(pos, 'a // comment');
        while (pos < text.length && text.charCodeAt(pos) !== 10) pos++;
      } else if (c === 47 && text.charCodeAt(pos + 1) === 42) {
        noteNonStandard(pos, 'a /* comment */');
        const end = text.indexOf('*/', pos + 2);
        if (end < 0) throw new JsonSyntaxError('unterminated /* comment', pos);
        pos = end + 2;
      } else break;
    }
  };

  const describe = (offset: number): string =>
    offset >= text.length ? 'the end of the file' : `'${text[offset]}'`;

  const readString = (): string => {
    const start = pos;
    pos++; // opening quote
    let out = '';
    let chunkStart = pos;
    while (pos < text.length) {
      const c = text.charCodeAt(pos);
      if (c === 34) {
        out += text.slice(chunkStart, pos);
        pos++;
        return out;
      }
      if (c === 92) {
        out += text.slice(chunkStart, pos);
        const escape = text[pos + 1];
        const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
        if (escape !== undefined && escape in simple) {
          out += simple[escape];
          pos += 2;
        } else if (escape === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(pos + 2, pos + 6))) {
          out += String.fromCharCode(parseInt(text.slice(pos + 2, pos + 6), 16));
          pos += 6;
        } else {
          throw new JsonSyntaxError(`invalid escape '\\${escape ?? ''}' in a string`, pos);
        }
        chunkStart = pos;
      } else if (c < 32) {
        throw new JsonSyntaxError(c === 10 ? 'a string runs past the end of its line (missing closing ")' : 'a control character inside a string', pos);
      } else pos++;
    }
    throw new JsonSyntaxError('unterminated string', start);
  };

  const readNumber = (): number => {
    const match = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(pos, pos + 64));
    if (!match) throw new JsonSyntaxError(`expected a value but found ${describe(pos)}`, pos);
    pos += match[0].length;
    return Number(match[0]);
  };

  const readValue = (path: string, depth: number): JsonValue => {
    if (depth > MAX_DEPTH) throw new JsonSyntaxError(`nesting deeper than ${MAX_DEPTH} levels`, pos);
    skipSpace();
    const c = text[pos];
    if (c === '{') return readObject(path, depth);
    if (c === '[') return readArray(path, depth);
    if (c === '"') return readString();
    for (const [word, value] of [['true', true], ['false', false], ['null', null]] as const) {
      if (text.startsWith(word, pos)) {
        pos += word.length;
        return value;
      }
    }
    // Python's json.dump writes these for non-finite floats; transformers reads them back, so do we.
    for (const [word, value] of [['NaN', NaN], ['Infinity', Infinity], ['-Infinity', -Infinity]] as const) {
      if (text.startsWith(word, pos)) {
        pos += word.length;
        return value;
      }
    }
    return readNumber();
  };

  const readObject = (path: string, depth: number): JsonValue => {
    const result: { [key: string]: JsonValue } = {};
    pos++; // {
    skipSpace();
    if (text[pos] === '}') {
      pos++;
      return result;
    }
    for (;;) {
      skipSpace();
      if (text[pos] !== '"') throw new JsonSyntaxError(`expected a key in double quotes but found ${describe(pos)}`, pos);
      const keyOffset = pos;
      const key = readString();
      const keyPath = path === '' ? key : `${path}.${key}`;
      keys.set(keyPath, { ...position(keyOffset), offset: keyOffset });
      skipSpace();
      if (text[pos] !== ':') throw new JsonSyntaxError(`expected ':' after the key "${key}" but found ${describe(pos)}`, pos);
      pos++;
      result[key] = readValue(keyPath, depth + 1);
      skipSpace();
      if (text[pos] === ',') {
        const comma = pos;
        pos++;
        skipSpace();
        if (text[pos] === '}') {
          noteNonStandard(comma, 'a trailing comma');
          pos++;
          return result;
        }
        continue;
      }
      if (text[pos] === '}') {
        pos++;
        return result;
      }
      throw new JsonSyntaxError(`expected ',' or '}' after the value of "${key}" but found ${describe(pos)}`, pos);
    }
  };

  const readArray = (path: string, depth: number): JsonValue => {
    const result: JsonValue[] = [];
    pos++; // [
    skipSpace();
    if (text[pos] === ']') {
      pos++;
      return result;
    }
    for (;;) {
      result.push(readValue(`${path}[${result.length}]`, depth + 1));
      skipSpace();
      if (text[pos] === ',') {
        const comma = pos;
        pos++;
        skipSpace();
        if (text[pos] === ']') {
          noteNonStandard(comma, 'a trailing comma');
          pos++;
          return result;
        }
        continue;
      }
      if (text[pos] === ']') {
        pos++;
        return result;
      }
      throw new JsonSyntaxError(`expected ',' or ']' in an array but found ${describe(pos)}`, pos);
    }
  };

  try {
    const value = readValue('', 0);
    skipSpace();
    if (pos < text.length) throw new JsonSyntaxError(`unexpected ${describe(pos)} after the end of the JSON value`, pos);
    return { value, keys, error: null, nonStandard };
  } catch (error) {
    const offset = error instanceof JsonSyntaxError ? Math.min(error.offset, text.length) : pos;
    const message = error instanceof Error ? error.message : String(error);
    return { value: undefined, keys, error: { message, ...position(offset), offset }, nonStandard };
  }
}
