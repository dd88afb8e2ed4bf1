// Bytes → text for the analyzers, with the reasons a file cannot be read as text (binary, UTF-16,
// invalid UTF-8) located by byte offset and line. The platform's TextDecoder does the decoding (every
// host NormScope runs in has one; it is ~20x faster than JS on a 118 KiB file); a hand-written scan
// says where the bad byte is, which TextDecoder does not, and a hand-written decoder stands in where
// no TextDecoder exists (the core's type environment does not promise one).

export type DecodeResult =
  | { ok: true; text: string }
  | { ok: false; code: 'binary-file' | 'not-utf8'; message: string; offset: number; line: number };

function lineAt(bytes: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (bytes[i] === 10) line++;
  return line;
}

/** Where the first invalid UTF-8 sequence starts, or -1 when the bytes are valid UTF-8. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const b = bytes[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    if (b >= 0xc2 && b <= 0xdf) { need = 1; min = 0x80; } else if (b >= 0xe0 && b <= 0xef) { need = 2; min = 0x800; } else if (b >= 0xf0 && b <= 0xf4) { need = 3; min = 0x10000; } else return i;
    if (i + need >= n) return i;
    let code = b & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      code = (code << 6) | (c & 0x3f);
    }
    // Overlong forms, UTF-16 surrogates and code points past U+10FFFF are not UTF-8.
    if (code < min || (code >= 0xd800 && code <= 0xdfff) || code > 0x10ffff) return i;
    i += need + 1;
  }
  return -1;
}

/** The slice of the platform's TextDecoder the core uses, declared here: the core has no DOM or Node types. */
interface Utf8Decoder {
  decode(bytes: Uint8Array): string;
}
type Utf8DecoderConstructor = new (label: 'utf-8', options: { fatal: boolean }) => Utf8Decoder;

let platformDecoder: Utf8Decoder | null | undefined;

/** A strict UTF-8 TextDecoder (it drops a BOM), or null where the platform has none. */
function strictDecoder(): Utf8Decoder | null {
  if (platformDecoder === undefined) {
    const ctor = (globalThis as { TextDecoder?: Utf8DecoderConstructor }).TextDecoder;
    platformDecoder = typeof ctor === 'function' ? new ctor('utf-8', { fatal: true }) : null;
  }
  return platformDecoder;
}

/** Tests only: decode as a platform without TextDecoder would (true), or go back to the platform's. */
export function useHandDecoderForTests(on: boolean): void {
  platformDecoder = on ? null : undefined;
}

/** Decodes bytes already known to be valid UTF-8 into a string (UTF-16 code units). */
function decodeValidUtf8(bytes: Uint8Array, start: number): string {
  const chunks: string[] = [];
  const units = new Uint16Array(8192 + 2);
  let count = 0;
  const flush = (): void => {
    chunks.push(String.fromCharCode(...units.subarray(0, count)));
    count = 0;
  };
  let i = start;
  while (i < bytes.length) {
    const b = bytes[i];
    let code: number;
    if (b < 0x80) { code = b; i += 1; } else if (b < 0xe0) { code = ((b & 0x1f) << 6) | (bytes[i + 1] & 0x3f); i += 2; } else if (b < 0xf0) { code = ((b & 0x0f) << 12) | ((bytes[i + 1] & 0x3f) << 6) | (bytes[i + 2] & 0x3f); i += 3; } else {
      code = ((b & 0x07) << 18) | ((bytes[i + 1] & 0x3f) << 12) | ((bytes[i + 2] & 0x3f) << 6) | (bytes[i + 3] & 0x3f);
      i += 4;
    }
    if (code >= 0x10000) {
      code -= 0x10000;
      units[count++] = 0xd800 + (code >> 10);
      units[count++] = 0xdc00 + (code & 0x3ff);
    } else units[count++] = code;
    if (count >= 8192) flush();
  }
  flush();
  return chunks.join('');
}

/** Decodes a source file, or says why it is not UTF-8 text and where. A UTF-8 BOM is dropped. */
export function decodeSource(bytes: Uint8Array): DecodeResult {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    return { ok: false, code: 'not-utf8', offset: 0, line: 1, message: 'the file is UTF-16 encoded (it starts with a UTF-16 byte-order mark); save it as UTF-8' };
  }
  const nul = bytes.indexOf(0);
  if (nul >= 0) {
    const line = lineAt(bytes, nul);
    return { ok: false, code: 'binary-file', offset: nul, line, message: `a binary file, not source text: NUL byte at byte offset ${nul} (line ${line}); expected a .py model file or a config.json` };
  }
  const decoder = strictDecoder();
  if (decoder) {
    try {
      return { ok: true, text: decoder.decode(bytes) };
    } catch {
      // Not UTF-8: the scan below finds where, for the message.
    }
  }
  const bad = firstInvalidUtf8(bytes);
  if (bad >= 0) {
    const line = lineAt(bytes, bad);
    const hex = bytes[bad].toString(16).padStart(2, '0');
    return { ok: false, code: 'not-utf8', offset: bad, line, message: `not valid UTF-8: byte 0x${hex} at byte offset ${bad} (line ${line}); save the file as UTF-8 (Python 3 and transformers read sources and config.json as UTF-8)` };
  }
  const start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  return { ok: true, text: decodeValidUtf8(bytes, start) };
}
