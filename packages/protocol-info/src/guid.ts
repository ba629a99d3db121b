/**
 * GUID text <-> the 16 bytes of a Win32 `GUID`. Windows stores `Data1` (u32), `Data2` and `Data3` (u16)
 * in the machine's byte order (little-endian) and `Data4` as 8 bytes in order, so the text
 * `00112233-4455-6677-8899-aabbccddeeff` is the bytes `33 22 11 00 55 44 77 66 88 99 aa bb cc dd ee ff`.
 * Callers validate the text first (validateProtocolInfo); these helpers only convert.
 */
import { StringMemo } from './wire/string-memo.js';

/** Text index of the two hex digits of each of the 16 native bytes, in native byte order. */
const TEXT_INDEX = [6, 4, 2, 0, 11, 9, 16, 14, 19, 21, 24, 26, 28, 30, 32, 34] as const;
const HEX_DIGITS = '0123456789abcdef';

/** `Buffer.prototype.latin1Slice` makes a string from bytes with one allocation (no 20 concatenations). */
const latin1Slice = (Buffer.prototype as unknown as { latin1Slice?: (this: Uint8Array, start: number, end: number) => string }).latin1Slice;
/** The text being built, as ASCII bytes; the dashes never move. */
const scratch = Uint8Array.from('00000000-0000-0000-0000-000000000000', (c) => c.charCodeAt(0));

function hexValue(code: number): number {
  // '0'..'9' -> 0..9, 'a'..'f' -> 10..15 (the text is already validated as lowercase hex).
  return code <= 0x39 ? code - 0x30 : code - 0x57;
}

// The last GUID written: a provider writes its own ProviderId into every protocol info. Its 16 bytes
// are also read as four Int32 words, so that writing it is four stores; a word store puts back the
// very bytes it was read from, whatever the host's byte order.
let lastText = '';
const lastBytes = new Uint8Array(16);
const lastWords = new Int32Array(lastBytes.buffer);

/** Writes canonical GUID text as the 16 native bytes at word index `word` of `target` (4-aligned). */
export function writeGuid(text: string, target: Int32Array, word: number): void {
  if (text !== lastText) {
    for (let i = 0; i < 16; i++) {
      const at = TEXT_INDEX[i] as number;
      lastBytes[i] = (hexValue(text.charCodeAt(at)) << 4) | hexValue(text.charCodeAt(at + 1));
    }
    lastText = text;
  }
  target[word] = lastWords[0] as number;
  target[word + 1] = lastWords[1] as number;
  target[word + 2] = lastWords[2] as number;
  target[word + 3] = lastWords[3] as number;
}

const memo = new StringMemo();

/** Reads the 16 native bytes at `offset` as canonical lowercase GUID text. */
export function readGuid(source: Uint8Array, offset: number): string {
  const known = memo.get(source, offset, offset + 16);
  if (known !== undefined) return known;
  for (let i = 0; i < 16; i++) {
    const byte = source[offset + i] as number;
    const at = TEXT_INDEX[i] as number;
    scratch[at] = HEX_DIGITS.charCodeAt(byte >>> 4);
    scratch[at + 1] = HEX_DIGITS.charCodeAt(byte & 0x0f);
  }
  const text = latin1Slice !== undefined ? latin1Slice.call(scratch, 0, 36) : String.fromCharCode(...scratch);
  memo.set(source, offset, offset + 16, text);
  return text;
}
